// CoAP client transport over UDP (RFC 7252 §4, RFC 7959): one request at a time (NSTART = 1), confirmable
// with exponential back-off, piggybacked and separate responses, duplicate detection, Reset handling, Echo
// (RFC 9175: a 4.01 with Echo is answered once with the request again, carrying the value), 5.03 + Max-Age
// retries (RFC 9148 §5), and block-wise transfers both ways (Block1 for large requests, Block2 for large
// responses, with early size negotiation and Size1/Size2), all within an overall deadline. A request payload
// may come from a PayloadSource instead of memory: it is then pulled one block at a time, so an upload of any
// size needs one block's room, not the whole representation.
//
// Sans-I/O: begin() sends the first datagram and returns PENDING; the caller feeds onDatagram()/onTimer()
// until they return OK (then response() is the final response, valid until the next begin) or an error.
// A protected exchange goes out and comes back in two calls each (PHASE_PROTECT, PHASE_HELD: a timer due at
// once), so the caller must honour nextDeadline() even right after begin().
//
// Security is a layer above, reached through the CoapSecurity hook: when one is given, every new request
// message is handed to it to protect and every response must pass its verification (OSCORE: each block of an
// inner block-wise transfer is its own protected request; an outer Block2 fragmentation is reassembled here
// before verification, RFC 8613 §4.1.3.4.2). The client owns its buffers; nothing is allocated per request.
//
// Deliberately not here: OSCORE itself (oscore/), Observe, multicast, proxying, CoAP over TCP, more than
// one outstanding request.

import * as board from "../base/abi";
import { LOG_ALWAYS, LOG_DEBUG, LOG_INFO } from "../base/abi";
import {
  OK, PENDING, E_TIMEOUT, E_LIMIT, E_COAP_RESET, E_COAP_BAD_OPTION, E_COAP_BLOCK, E_USAGE, E_MALFORMED, E_INTERNAL,
  E_OSCORE_UNPROTECTED,
} from "../base/errors";
import { fail, failWith, logMsg } from "../base/diag";
import {
  COAP_MAX_DATAGRAM, COAP_RESPONSE_CAPACITY, COAP_ACK_TIMEOUT_MS, COAP_ACK_RANDOM_FACTOR_MILLI,
  COAP_MAX_RETRANSMIT, COAP_DEDUP_SLOTS, COAP_DEFAULT_DEADLINE_MS, COAP_OUTER_CAPACITY, COAP_ECHO_MAX,
} from "../base/config";
import {
  COAP_CON, COAP_NON, COAP_ACK, COAP_RST, COAP_EMPTY, COAP_CONTINUE, COAP_SERVICE_UNAVAILABLE, COAP_UNAUTHORIZED,
  COAP_REQUEST_ENTITY_TOO_LARGE, COAP_REQUEST_ENTITY_INCOMPLETE, OPT_URI_HOST, OPT_CONTENT_FORMAT,
  OPT_ACCEPT, OPT_BLOCK1, OPT_BLOCK2, OPT_SIZE1, OPT_SIZE2, OPT_MAX_AGE, OPT_ECHO, COAP_DEFAULT_MAX_AGE, BLOCK_MAX_NUM,
} from "../numbers/coap";
import { CoapMessage, CoapBuilder, CoapOptionIter, BlockValue, blockValue } from "./message";
import { CoapEndpoint } from "./uri";
import {
  M_COAP_BLOCK_SIZE, M_COAP_PATH_SEGMENT, M_COAP_REQUEST_TOO_BIG, M_COAP_SEND, M_COAP_DEADLINE, M_COAP_NO_ANSWER,
  M_COAP_RESENDING, M_COAP_RETRANSMIT, M_COAP_MALFORMED_DROPPED, M_COAP_RESET, M_COAP_UNPROTECTED_SUCCESS,
  M_COAP_UNPROTECTED, M_COAP_VERIFY_DROPPED, M_COAP_OUTER_BLOCK_BAD, M_COAP_OUTER_BLOCK_UNEXPECTED, M_COAP_OUTER_TOO_BIG,
  M_COAP_OUTER_REREAD, M_COAP_OUTER_NEXT, M_COAP_CRITICAL_OPTION, M_COAP_ECHO, M_COAP_RETRY_AFTER, M_COAP_RETRY_PAST_DEADLINE,
  M_COAP_408, M_COAP_CONTINUE_NO_BLOCK1, M_COAP_CONTINUE_AFTER_LAST, M_COAP_BLOCK2_MALFORMED, M_COAP_BLOCK2_UNEXPECTED,
  M_COAP_SIZE2_TOO_BIG, M_COAP_BLOCK2_MISSING, M_COAP_RESPONSE_TOO_BIG, M_TRACE_UP, M_TRACE_DOWN, M_TRACE_MALFORMED_UP,
  M_TRACE_MALFORMED_DOWN, M_COAP_NO_ENDPOINT,
  M_COAP_PROTECT, M_COMMAND_DEADLINE, M_COAP_TOO_MANY_BLOCKS,
} from "../base/msg";

/** A request payload pulled block by block instead of held in memory (e.g. a file streamed from the host). */
export abstract class PayloadSource {
  /** The `len` bytes at byte `offset` of the payload (the client asks for each block as it sends it, and again
   *  when it sends the block again as a new message). Returns a pointer to them, valid until the next call, or
   *  0 after recording the failure's detail (base/diag.ts); the status is then in `status`. */
  abstract piece(offset: i32, len: i32): usize;
  status: i32 = OK;
}

/** What to send. Fill the fields, then begin(). Pointers must stay valid until the exchange ends. */
export class CoapRequest {
  method: i32 = 1;
  confirmable: bool = true;
  /** Where to: endpoint and Uri-Host (coap/uri.ts). */
  ep: CoapEndpoint | null = null;
  /** "path?query" without scheme and authority. */
  path: usize = 0;
  pathLen: i32 = 0;
  contentFormat: i32 = -1;
  accept: i32 = -1;
  payload: usize = 0;
  payloadLen: i32 = 0;
  /** When set, the payloadLen bytes come from here, block by block, and `payload` is not used. */
  source: PayloadSource | null = null;
  /** Block size exponent the client asks for (SZX 0..6: 16..1024 bytes). 6 sends no early Block2. */
  szx: i32 = 6;
  /** Ask for Size2 in the first response (RFC 7959 §4), to refuse an oversized representation early. */
  askSize: bool = true;
  /** Overall deadline in ms from begin(), and an absolute one (clock_ms time; 0: none) that bounds a whole
   *  command of several exchanges: the exchange ends at the earlier of the two. */
  deadlineMs: i32 = COAP_DEFAULT_DEADLINE_MS;
  deadlineAt: i64 = 0;
  /** Trace every datagram at LOG_ALWAYS (the command was asked for -v). */
  trace: bool = false;
  /** Transmission parameters (RFC 7252 §4.8); tests shorten ACK_TIMEOUT to keep lossy runs quick. */
  ackTimeoutMs: i32 = COAP_ACK_TIMEOUT_MS;
  maxRetransmit: i32 = COAP_MAX_RETRANSMIT;
  /** After MAX_RETRANSMIT, send the request again as a new message while the overall deadline allows (an
   *  application-level retry, RFC 7252 §4.2 leaves it to the application). Off: give up at once. */
  retry: bool = true;

  /** Copy the transport settings (endpoint, deadline, transmission parameters, trace, block size) of another. */
  transportFrom(o: CoapRequest): void {
    this.ep = o.ep; this.confirmable = o.confirmable; this.szx = o.szx; this.deadlineMs = o.deadlineMs; this.deadlineAt = o.deadlineAt;
    this.trace = o.trace; this.ackTimeoutMs = o.ackTimeoutMs; this.maxRetransmit = o.maxRetransmit; this.retry = o.retry;
  }
}

/** The final response of an exchange. Payload is the whole (reassembled) representation; it lives in the
 *  client's buffer until the next begin(). */
export class CoapResponse {
  code: i32 = 0;
  contentFormat: i32 = -1;
  maxAge: i32 = -1;
  payload: usize = 0;
  payloadLen: i32 = 0;
  /** Datagrams and bytes of this exchange, for reports. */
  datagramsUp: i32 = 0;
  datagramsDown: i32 = 0;
  bytesUp: i32 = 0;
  bytesDown: i32 = 0;
  roundTrips: i32 = 0;
  /** Times the request went again as a new message after MAX_RETRANSMIT (CoapRequest.retry): a server may
   *  have acted on an earlier copy whose answer was lost. */
  resends: i32 = 0;
  /** The response was verified by the security layer (false for a plain exchange, or for an unprotected
   *  error answer to a protected request: then the status was E_OSCORE_UNPROTECTED). */
  isProtected: bool = false;
}

/** The hook a security layer above implements (oscore/exchange.ts). The client calls it; it never imports it. */
export abstract class CoapSecurity {
  /** Protect a new request message (plain, len bytes: header, token, options, payload) into out. Called once
   *  per new message, never for a retransmission. Returns the length or a status (the exchange then fails). */
  abstract protectRequest(plain: usize, len: i32, out: usize, cap: i32): i32;
  /** Whether a received message claims protection (OSCORE: carries the OSCORE option). */
  abstract claimsProtection(msg: CoapMessage): bool;
  /** Verify a protected response (the whole message) into out as a plain message. Returns its length, or a
   *  negative status: the response is then dropped unseen (an attacker must not end the exchange). */
  abstract verifyResponse(data: usize, len: i32, out: usize, cap: i32): i32;
}

const PHASE_IDLE = 0;
const PHASE_WAIT_ACK = 1; // CON sent, retransmitting until an ACK or a response arrives
const PHASE_WAIT_SEPARATE = 2; // empty ACK received, the response comes as its own message
const PHASE_WAIT_RETRY = 3; // 5.03 with Max-Age: waiting to send the request again
const PHASE_WAIT_NON = 4; // NON sent: waiting for a response until the deadline
// The two halves of a protected exchange's heaviest calls run in calls of their own (a timer due at once), so
// that wasm3 has the code of one half compiled at a time, not of both (boards/mps2-an386/README.md, "RAM"):
const PHASE_PROTECT = 5; // the plain request is built in plainBuf: protect it and send it in the next call
const PHASE_HELD = 6; // a verified response is in msg: act on it in the next call

/** The datagram on the wire (kept for retransmissions). */
const txBuf = memory.data(COAP_MAX_DATAGRAM, 8);
/** A request before protection, a response after verification, and a reassembled outer-fragmented message. */
const plainBuf = memory.data(COAP_MAX_DATAGRAM, 8);
/** The representation, reassembled from Block2 blocks (respCap bytes, chosen by the entry module at start-up:
 *  coapClientSetup). Its last COAP_OUTER_CAPACITY bytes hold the fragments of a protected response fragmented
 *  with outer Block2 while they arrive, then its verified plaintext. */
let respCap: i32 = 0;
let respBuf: usize = 0;
let outerBuf: usize = 0;

/** Allocate the response buffer (once, at start-up): how large a representation this module accepts. */
export function coapClientSetup(responseCapacity: i32): void {
  if (respBuf != 0) return;
  respCap = responseCapacity < COAP_OUTER_CAPACITY ? COAP_OUTER_CAPACITY : responseCapacity;
  respBuf = heap.alloc(<usize>respCap);
  outerBuf = respBuf + <usize>(respCap - COAP_OUTER_CAPACITY);
}

/** The response buffer's capacity. */
export function coapResponseCapacity(): i32 { return respCap; }
const ackBuf = memory.data(8, 8);
const echoBuf = memory.data(COAP_ECHO_MAX, 8);
const token = memory.data(8, 8);
const dedup = memory.data(COAP_DEDUP_SLOTS * 4, 4);
const rnd = memory.data(4, 4);

const outerMsg = new CoapMessage();
const builder = new CoapBuilder();
const msg = new CoapMessage();
const iter = new CoapOptionIter();
const blk = new BlockValue();

export class CoapClient {
  private req: CoapRequest = new CoapRequest();
  private sec: CoapSecurity | null = null;
  private resp: CoapResponse = new CoapResponse();
  private phase: i32 = PHASE_IDLE;
  private mid: i32 = 0;
  private txLen: i32 = 0;
  private retransmits: i32 = 0;
  private timeoutMs: i64 = 0;
  private timerAt: i64 = -1;
  private endAt: i64 = 0;
  /** The command's deadline (deadlineAt) ends this exchange, not its own. */
  private commandBound: bool = false;
  private dedupNext: i32 = 0;
  // Block1: the block being sent and its size exponent. Block2: the next block wanted and its exponent.
  private b1Num: u32 = 0;
  private b1Szx: i32 = 6;
  private b1Active: bool = false;
  private b2Num: u32 = 0;
  private b2Szx: i32 = 6;
  private b2Active: bool = false;
  private first: bool = true;
  /** RFC 9175 Echo: the value a 4.01 asked us to repeat (sent once in the request after it), 0: none. */
  private echoLen: i32 = 0;
  private echoTried: bool = false;
  /** Outer Block2 (RFC 8613 §4.1.3.4.2): a protected response fragmented outside OSCORE is reassembled and
   *  verified once whole; the next fragment is asked for with the same protected request (txBuf). */
  private ob2Num: u32 = 0;
  private outerLen: i32 = 0;
  /** PHASE_PROTECT: the plain request's length in plainBuf. PHASE_HELD: the phase and timer to go back to
   *  when the held response turns out to be a late answer to an earlier block. */
  private plainLen: i32 = 0;
  private heldPhase: i32 = PHASE_IDLE;
  private heldTimerAt: i64 = -1;

  /** The final response of the last exchange that returned OK (or E_OSCORE_UNPROTECTED: the unprotected
   *  error answer, with its code, format and diagnostic payload). */
  response(): CoapResponse { return this.resp; }

  /** Start the exchange `req` describes (copied: the caller may reuse it), protected by `sec` when given.
   *  Returns PENDING, or an error (nothing sent). */
  begin(req: CoapRequest, sec: CoapSecurity | null): i32 {
    const s = this.req;
    s.transportFrom(req);
    s.method = req.method; s.path = req.path; s.pathLen = req.pathLen; s.contentFormat = req.contentFormat;
    s.accept = req.accept; s.payload = req.payload; s.payloadLen = req.payloadLen; s.askSize = req.askSize;
    s.source = req.source;
    this.sec = sec;
    if (s.szx < 0 || s.szx > 6) return fail(E_USAGE, M_COAP_BLOCK_SIZE);
    // Block1 numbers have 20 bits (RFC 7959 §2.2).
    if (<i64>s.payloadLen > (<i64>BLOCK_MAX_NUM + 1) << <i64>(s.szx + 4)) return failWith(E_LIMIT, M_COAP_TOO_MANY_BLOCKS).int(s.payloadLen).int(1 << (s.szx + 4)).ret();
    if (s.ep === null) return fail(E_USAGE, M_COAP_NO_ENDPOINT);
    const r = this.resp;
    if (respBuf == 0) coapClientSetup(COAP_RESPONSE_CAPACITY);
    r.code = 0; r.contentFormat = -1; r.maxAge = -1; r.payload = respBuf; r.payloadLen = 0;
    r.datagramsUp = 0; r.datagramsDown = 0; r.bytesUp = 0; r.bytesDown = 0; r.roundTrips = 0; r.resends = 0; r.isProtected = false;
    board.rng_fill(rnd, 4);
    this.mid = <i32>(load<u32>(rnd) & 0xffff);
    for (let i = 0; i < COAP_DEDUP_SLOTS; i++) store<i32>(dedup + <usize>(i << 2), -1);
    this.endAt = board.clock_ms() + <i64>s.deadlineMs;
    this.commandBound = s.deadlineAt > 0 && s.deadlineAt < this.endAt;
    if (this.commandBound) this.endAt = s.deadlineAt;
    this.b1Szx = s.szx;
    this.b1Num = 0;
    this.b1Active = s.payloadLen > (1 << (s.szx + 4));
    this.b2Num = 0;
    this.b2Szx = s.szx;
    this.b2Active = false;
    this.first = true;
    this.echoLen = 0;
    this.echoTried = false;
    board.rng_fill(token, 4);
    return this.sendRequest();
  }

  /** Send one message and forget it (no answer awaited): e.g. an EDHOC error message (NON). */
  sendOnce(req: CoapRequest): i32 {
    const st = this.begin(req, null);
    this.phase = PHASE_IDLE;
    return st == PENDING ? OK : st;
  }

  /** For the fuzz entry (test/fuzz/entry.ts): the Message ID and the 4-byte token a response must carry to be
   *  taken as the answer, so that fuzzed responses reach the block and OSCORE logic. */
  expectedMid(): i32 { return this.mid; }
  expectedToken(): usize { return token; }

  /** True when the exchange goes on in the next onTimer() call, due at once (nextDeadline()). */
  due(): bool { return this.phase == PHASE_PROTECT || this.phase == PHASE_HELD; }

  /** Absolute clock_ms time the caller must call onTimer() at. */
  nextDeadline(): i64 {
    return this.timerAt >= 0 && this.timerAt < this.endAt ? this.timerAt : this.endAt;
  }

  /** Build the current request message (block state included) with a new MID, and send it. The token stays
   *  the same for every block of one transfer: servers such as the npm coap package reassemble Block1 by
   *  token, and stale answers to earlier blocks are recognised by their block numbers instead. */
  private sendRequest(): i32 {
    const s = this.req;
    const ep = changetype<CoapEndpoint>(s.ep);
    this.mid = (this.mid + 1) & 0xffff;
    builder.reset(s.confirmable ? COAP_CON : COAP_NON, s.method, this.mid);
    builder.setToken(token, 4);
    if (ep.hostLen > 0) builder.add(OPT_URI_HOST, ep.host, ep.hostLen);
    const st = builder.addUriPath(s.path, s.pathLen);
    if (st < 0) return fail(st == E_LIMIT ? E_LIMIT : E_USAGE, M_COAP_PATH_SEGMENT);
    // Requests for later Block2 blocks repeat the request without its payload (RFC 7959 §3.2, Figure 11).
    const withPayload = s.payloadLen > 0 && !this.b2Active;
    if (s.contentFormat >= 0 && withPayload) builder.addUint(OPT_CONTENT_FORMAT, <u32>s.contentFormat);
    if (s.accept >= 0) builder.addUint(OPT_ACCEPT, <u32>s.accept);
    let lastBlock1 = false;
    if (withPayload) {
      let off = 0, n = s.payloadLen;
      if (this.b1Active) {
        const size = 1 << (this.b1Szx + 4);
        off = <i32>this.b1Num * size;
        n = s.payloadLen - off < size ? s.payloadLen - off : size;
        const more = off + n < s.payloadLen;
        lastBlock1 = !more;
        const bv = blockValue(this.b1Num, more, this.b1Szx);
        if (bv < 0) return failWith(E_LIMIT, M_COAP_TOO_MANY_BLOCKS).int(s.payloadLen).int(size).ret();
        builder.addUint(OPT_BLOCK1, <u32>bv);
        if (this.b1Num == 0) builder.addUint(OPT_SIZE1, <u32>s.payloadLen);
      }
      const src = s.source;
      const p = src === null ? s.payload + <usize>off : src.piece(off, n);
      if (p == 0) return changetype<PayloadSource>(src).status;
      builder.setPayload(p, n);
    }
    // Block2: ask for the next block; on the first request only when a smaller block size is wanted (early
    // negotiation, RFC 7959 §2.4), and then Size2 too; with Block1, on the final block (§2.5: the size the
    // response's blocks should have, NUM 0).
    if (this.b2Active || (s.szx < 6 && ((this.first && !this.b1Active) || lastBlock1))) {
      builder.addUint(OPT_BLOCK2, <u32>blockValue(this.b2Num, false, this.b2Szx));
    }
    if (this.first && s.askSize && !this.b2Active) builder.addUint(OPT_SIZE2, 0);
    if (this.echoLen > 0) builder.add(OPT_ECHO, echoBuf, this.echoLen); // class E: inside OSCORE
    const protect = this.sec !== null;
    const n = builder.build(protect ? plainBuf : txBuf, COAP_MAX_DATAGRAM);
    if (n < 0) return fail(E_LIMIT, M_COAP_REQUEST_TOO_BIG);
    this.first = false;
    if (!protect) return this.sendBuilt(n);
    this.plainLen = n;
    this.phase = PHASE_PROTECT;
    this.timerAt = board.clock_ms();
    return PENDING;
  }

  /** PHASE_PROTECT: the security layer protects the request built in plainBuf, and it goes out. */
  private protectAndSend(): i32 {
    const n = changetype<CoapSecurity>(this.sec).protectRequest(plainBuf, this.plainLen, txBuf, COAP_MAX_DATAGRAM);
    if (n < 0) { this.phase = PHASE_IDLE; return failWith(n, M_COAP_PROTECT).int(n).ret(); }
    this.ob2Num = 0; this.outerLen = 0;
    return this.sendBuilt(n);
  }

  /** A response passed the security layer and msg holds it: act on it in the next call (PHASE_HELD). Until
   *  then no datagram is read (onDatagram), so msg and the buffer it points into stay as they are. */
  private hold(): i32 {
    this.resp.isProtected = true;
    this.heldPhase = this.phase;
    this.heldTimerAt = this.timerAt;
    this.phase = PHASE_HELD;
    this.timerAt = board.clock_ms();
    return PENDING;
  }

  /** Send the datagram in txBuf (n bytes) as a new confirmable (or NON) message and arm its timers. */
  private sendBuilt(n: i32): i32 {
    const s = this.req;
    this.txLen = n;
    this.retransmits = 0;
    const now = board.clock_ms();
    // Initial timeout: random in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR] (RFC 7252 §4.2).
    board.rng_fill(rnd, 2);
    const spread = (<i64>s.ackTimeoutMs * <i64>(COAP_ACK_RANDOM_FACTOR_MILLI - 1000)) / 1000;
    this.timeoutMs = <i64>s.ackTimeoutMs + (spread * <i64>load<u16>(rnd)) / 65535;
    this.resp.roundTrips++;
    const st = this.transmit(txBuf, n);
    if (st < 0) return st;
    this.phase = s.confirmable ? PHASE_WAIT_ACK : PHASE_WAIT_NON;
    this.timerAt = s.confirmable ? now + this.timeoutMs : -1;
    return PENDING;
  }

  private transmit(p: usize, n: i32): i32 {
    const s = this.req;
    const ep = changetype<CoapEndpoint>(s.ep);
    if (s.trace) trace(true, p, n);
    this.resp.datagramsUp++;
    this.resp.bytesUp += n;
    const st = board.udp_send(ep.addr, ep.addrLen, p, n);
    if (st < 0) return fail(st, M_COAP_SEND);
    return OK;
  }

  /** An empty ACK or RST for a message we received. */
  private sendEmpty(type: i32, mid: i32): void {
    store<u8>(ackBuf, <u8>((1 << 6) | (type << 4)));
    store<u8>(ackBuf + 1, 0);
    store<u8>(ackBuf + 2, <u8>(mid >> 8));
    store<u8>(ackBuf + 3, <u8>mid);
    this.transmit(ackBuf, 4);
  }

  onTimer(): i32 {
    if (this.phase == PHASE_IDLE) return PENDING;
    if (this.phase == PHASE_HELD) { // arrived in time: the deadline does not apply to it
      this.phase = this.heldPhase;
      this.timerAt = this.heldTimerAt;
      return this.onResponse();
    }
    const now = board.clock_ms();
    if (now >= this.endAt) {
      this.phase = PHASE_IDLE;
      if (this.commandBound) return fail(E_TIMEOUT, M_COMMAND_DEADLINE);
      return failWith(E_TIMEOUT, M_COAP_DEADLINE).int(this.req.deadlineMs).ret();
    }
    if (this.phase == PHASE_PROTECT) return this.protectAndSend();
    if (this.phase == PHASE_WAIT_RETRY) return this.sendRequest();
    if (this.phase == PHASE_WAIT_ACK && this.timerAt >= 0 && now >= this.timerAt) {
      if (this.retransmits >= this.req.maxRetransmit && this.req.retry) {
        logMsg(M_COAP_RESENDING).int(this.retransmits + 1).emit(LOG_INFO);
        this.resp.roundTrips--; // the same round trip, tried again
        this.resp.resends++;
        return this.sendRequest();
      }
      if (this.retransmits >= this.req.maxRetransmit) {
        this.phase = PHASE_IDLE;
        return failWith(E_TIMEOUT, M_COAP_NO_ANSWER).int(this.retransmits + 1).ret();
      }
      this.retransmits++;
      this.timeoutMs *= 2;
      this.timerAt = now + this.timeoutMs;
      logMsg(M_COAP_RETRANSMIT).int(this.retransmits).int(this.mid).emit(LOG_DEBUG);
      const st = this.transmit(txBuf, this.txLen);
      return st < 0 ? st : PENDING;
    }
    return PENDING;
  }

  private sameAddr(a: usize, al: i32): bool {
    const ep = changetype<CoapEndpoint>(this.req.ep);
    if (al != ep.addrLen) return false;
    for (let i = 0; i < al; i++) if (load<u8>(a + <usize>i) != load<u8>(ep.addr + <usize>i)) return false;
    return true;
  }

  private tokenMatches(): bool {
    if (msg.tokenLen != 4) return false;
    return load<u32>(msg.token) == load<u32>(token);
  }

  private seen(mid: i32): bool {
    for (let i = 0; i < COAP_DEDUP_SLOTS; i++) if (load<i32>(dedup + <usize>(i << 2)) == mid) return true;
    store<i32>(dedup + <usize>(this.dedupNext << 2), mid);
    this.dedupNext = (this.dedupNext + 1) % COAP_DEDUP_SLOTS;
    return false;
  }

  onDatagram(addr: usize, addrLen: i32, data: usize, len: i32): i32 {
    // Idle, or between the two calls of a protected step (the request not sent yet, or the response taken):
    // nothing on the wire can be an answer this exchange still waits for.
    if (this.phase == PHASE_IDLE || this.phase == PHASE_PROTECT || this.phase == PHASE_HELD) return PENDING;
    if (!this.sameAddr(addr, addrLen)) return PENDING; // not our peer
    const s = this.req;
    this.resp.datagramsDown++;
    this.resp.bytesDown += len;
    if (s.trace) trace(false, data, len);
    if (msg.parse(data, len) != OK) {
      logMsg(M_COAP_MALFORMED_DROPPED).int(len).emit(LOG_DEBUG);
      return PENDING;
    }
    const t = msg.type;
    if (t == COAP_RST) {
      if (msg.mid == this.mid && this.phase == PHASE_WAIT_ACK) {
        this.phase = PHASE_IDLE;
        return fail(E_COAP_RESET, M_COAP_RESET);
      }
      return PENDING;
    }
    if (t == COAP_ACK && msg.code == COAP_EMPTY) {
      if (msg.mid == this.mid && this.phase == PHASE_WAIT_ACK) {
        this.phase = PHASE_WAIT_SEPARATE; // RFC 7252 §5.2.2: the response follows in its own message
        this.timerAt = -1;
      }
      return PENDING;
    }
    if (msg.code < 0x40) { // a request or a non-empty message of the wrong class
      if (t == COAP_CON) this.sendEmpty(COAP_RST, msg.mid);
      return PENDING;
    }
    // A response: piggybacked (ACK with our MID) or separate (CON/NON with our token).
    if (t == COAP_ACK) {
      if (msg.mid != this.mid || this.phase != PHASE_WAIT_ACK || !this.tokenMatches()) return PENDING;
    } else {
      if (t == COAP_CON && this.seen(msg.mid)) { this.sendEmpty(COAP_ACK, msg.mid); return PENDING; } // duplicate
      if (!this.tokenMatches() || this.phase == PHASE_WAIT_RETRY) {
        if (t == COAP_CON) this.sendEmpty(COAP_RST, msg.mid); // RFC 7252 §4.2: unexpected CON -> reject
        return PENDING;
      }
      if (t == COAP_CON) this.sendEmpty(COAP_ACK, msg.mid);
    }
    const sec = this.sec;
    if (sec !== null) {
      // The response must pass the security layer. One that does not is dropped unseen: an attacker on the
      // path must not end or steer the exchange. An unprotected error from the server (e.g. 4.01 when it lost
      // the context, or an EDHOC error for the combined request) ends the exchange with its code and payload.
      if (!sec.claimsProtection(msg)) return this.unprotected();
      if (msg.find(OPT_BLOCK2) == 1) return this.outerBlock(sec);
      const n = sec.verifyResponse(data, len, plainBuf, COAP_MAX_DATAGRAM);
      if (n < 0 || msg.parse(plainBuf, n) != OK) {
        logMsg(M_COAP_VERIFY_DROPPED).int(n).emit(LOG_INFO);
        return PENDING;
      }
      return this.hold();
    }
    return this.onResponse();
  }

  /** An unprotected answer to a protected request (msg holds it): an error ends the exchange with its code,
   *  content format and diagnostic kept in the response; a success is dropped (it proves nothing). */
  private unprotected(): i32 {
    if (msg.code < 0x80) { logMsg(M_COAP_UNPROTECTED_SUCCESS).emit(LOG_INFO); return PENDING; }
    this.phase = PHASE_IDLE;
    const r = this.resp;
    r.code = msg.code;
    r.contentFormat = msg.getUint(OPT_CONTENT_FORMAT) == 1 ? <i32>msg.uint : -1;
    r.payloadLen = msg.payloadLen < respCap ? msg.payloadLen : respCap;
    memory.copy(respBuf, msg.payload, <usize>r.payloadLen);
    r.isProtected = false;
    return failWith(E_OSCORE_UNPROTECTED, M_COAP_UNPROTECTED).int(msg.code).bytes(msg.payload, msg.payloadLen < 80 ? msg.payloadLen : 80).ret();
  }

  /** One fragment of a protected response with an outer Block2 option (msg holds it). */
  private outerBlock(sec: CoapSecurity): i32 {
    if (blk.decode(msg.value, msg.valueLen) != OK) { this.phase = PHASE_IDLE; return fail(E_MALFORMED, M_COAP_OUTER_BLOCK_BAD); }
    if (blk.num != this.ob2Num) return PENDING; // a late copy of an earlier fragment
    const size = blk.size();
    if (<i64>blk.num * <i64>size != <i64>this.outerLen || (blk.more && msg.payloadLen != size) || msg.payloadLen > size) {
      this.phase = PHASE_IDLE;
      return fail(E_COAP_BLOCK, M_COAP_OUTER_BLOCK_UNEXPECTED);
    }
    // The fragments share the response buffer's tail with nothing: an inner transfer must leave it free.
    if (this.outerLen + msg.payloadLen > COAP_OUTER_CAPACITY || this.resp.payloadLen > respCap - COAP_OUTER_CAPACITY) {
      this.phase = PHASE_IDLE;
      return fail(E_LIMIT, M_COAP_OUTER_TOO_BIG);
    }
    memory.copy(outerBuf + <usize>this.outerLen, msg.payload, <usize>msg.payloadLen);
    this.outerLen += msg.payloadLen;
    if (blk.more) {
      // The same protected request again (same Partial IV: not a new request, RFC 7959 §2.4) asking for
      // the next fragment: the request on the wire with its Block2 option replaced.
      this.ob2Num = blk.num + 1;
      if (outerMsg.parse(txBuf, this.txLen) != OK) { this.phase = PHASE_IDLE; return fail(E_INTERNAL, M_COAP_OUTER_REREAD); }
      this.mid = (this.mid + 1) & 0xffff;
      builder.reset(outerMsg.type, outerMsg.code, this.mid);
      builder.setToken(outerMsg.token, outerMsg.tokenLen);
      iter.reset(outerMsg);
      while (iter.next() == 1) if (iter.number != OPT_BLOCK2) builder.add(iter.number, iter.value, iter.valueLen);
      builder.addUint(OPT_BLOCK2, <u32>blockValue(this.ob2Num, false, blk.szx));
      builder.setPayload(outerMsg.payload, outerMsg.payloadLen);
      const n = builder.build(plainBuf, COAP_MAX_DATAGRAM);
      if (n < 0) { this.phase = PHASE_IDLE; return fail(E_LIMIT, M_COAP_OUTER_NEXT); }
      memory.copy(txBuf, plainBuf, <usize>n);
      this.resp.roundTrips++;
      return this.sendBuilt(n);
    }
    // Whole: the last fragment's header, token and options (without Block2 / Size2) with the whole payload,
    // verified into the fragments' place.
    builder.reset(msg.type, msg.code, msg.mid);
    builder.setToken(msg.token, msg.tokenLen);
    iter.reset(msg);
    while (iter.next() == 1) if (iter.number != OPT_BLOCK2 && iter.number != OPT_SIZE2) builder.add(iter.number, iter.value, iter.valueLen);
    builder.setPayload(outerBuf, this.outerLen);
    const whole = builder.build(plainBuf, COAP_MAX_DATAGRAM);
    this.outerLen = 0; this.ob2Num = 0;
    if (whole < 0) { this.phase = PHASE_IDLE; return fail(E_LIMIT, M_COAP_OUTER_TOO_BIG); }
    const n = sec.verifyResponse(plainBuf, whole, outerBuf, COAP_OUTER_CAPACITY);
    if (n < 0 || msg.parse(outerBuf, n) != OK) {
      logMsg(M_COAP_VERIFY_DROPPED).int(n).emit(LOG_INFO);
      return PENDING;
    }
    return this.hold();
  }

  private onResponse(): i32 {
    const s = this.req;
    const r = this.resp;
    // A late answer to an earlier block of this transfer (same token): ignore it.
    if (this.b2Active && msg.find(OPT_BLOCK2) == 1 && blk.decode(msg.value, msg.valueLen) == OK && blk.num < this.b2Num) return PENDING;
    if (this.b1Active && msg.code == COAP_CONTINUE && msg.find(OPT_BLOCK1) == 1 && blk.decode(msg.value, msg.valueLen) == OK &&
        blk.num < this.b1Num) return PENDING;
    if (this.phase == PHASE_WAIT_RETRY) return PENDING;
    this.timerAt = -1;
    const bad = msg.firstUnknownCritical();
    if (bad != 0) {
      this.phase = PHASE_IDLE;
      return failWith(E_COAP_BAD_OPTION, M_COAP_CRITICAL_OPTION).int(bad).ret();
    }
    const code = msg.code;
    // 4.01 with Echo (RFC 9175 §2.4; under OSCORE RFC 8613 Appendix B.1.2): the server wants proof that the
    // request is fresh; send it again once, as a new request (a new message, under OSCORE a new sequence
    // number) carrying the Echo value.
    if (code == COAP_UNAUTHORIZED && !this.echoTried && msg.find(OPT_ECHO) == 1 && msg.valueLen >= 1 && msg.valueLen <= COAP_ECHO_MAX) {
      memory.copy(echoBuf, msg.value, <usize>msg.valueLen);
      this.echoLen = msg.valueLen;
      this.echoTried = true;
      logMsg(M_COAP_ECHO).int(msg.valueLen).emit(LOG_INFO);
      return this.sendRequest();
    }
    // 5.03 with Max-Age: try the same request again later (RFC 9148 §5, RFC 7252 §5.9.3.4).
    if (code == COAP_SERVICE_UNAVAILABLE && msg.getUint(OPT_MAX_AGE) == 1) {
      const wait = <i64>msg.uint * 1000;
      logMsg(M_COAP_RETRY_AFTER).int(msg.uint).emit(LOG_INFO);
      if (board.clock_ms() + wait >= this.endAt) {
        this.phase = PHASE_IDLE;
        return failWith(E_TIMEOUT, M_COAP_RETRY_PAST_DEADLINE).int(msg.uint).ret();
      }
      this.phase = PHASE_WAIT_RETRY;
      this.timerAt = board.clock_ms() + wait;
      return PENDING;
    }
    // Block1: 2.31 Continue asks for the next block; a smaller SZX in its Block1 is adopted (RFC 7959 §2.5).
    if (this.b1Active) {
      if (code == COAP_REQUEST_ENTITY_TOO_LARGE && this.b1Num == 0 && msg.find(OPT_BLOCK1) == 1 &&
          blk.decode(msg.value, msg.valueLen) == OK && blk.szx < this.b1Szx) {
        this.b1Szx = blk.szx;
        return this.sendRequest();
      }
      if (code == COAP_REQUEST_ENTITY_INCOMPLETE) {
        this.phase = PHASE_IDLE;
        return fail(E_COAP_BLOCK, M_COAP_408);
      }
      const size = 1 << (this.b1Szx + 4);
      const sentEnd = (<i32>this.b1Num + 1) * size;
      if (code == COAP_CONTINUE) {
        if (msg.find(OPT_BLOCK1) != 1 || blk.decode(msg.value, msg.valueLen) != OK || blk.num != this.b1Num) {
          this.phase = PHASE_IDLE;
          return fail(E_COAP_BLOCK, M_COAP_CONTINUE_NO_BLOCK1);
        }
        if (sentEnd >= s.payloadLen) {
          this.phase = PHASE_IDLE;
          return fail(E_COAP_BLOCK, M_COAP_CONTINUE_AFTER_LAST);
        }
        if (blk.szx < this.b1Szx) { // continue at the smaller size, from the same byte offset
          this.b1Num = <u32>(sentEnd >> (blk.szx + 4));
          this.b1Szx = blk.szx;
        } else {
          this.b1Num++;
        }
        return this.sendRequest();
      }
      this.b1Active = false; // the final response to a block-wise request
    }
    // Block2: append this block, ask for the next.
    if (msg.find(OPT_BLOCK2) == 1) {
      if (blk.decode(msg.value, msg.valueLen) != OK) {
        this.phase = PHASE_IDLE;
        return fail(E_MALFORMED, M_COAP_BLOCK2_MALFORMED);
      }
      const size = blk.size();
      const off = <i64>blk.num * <i64>size;
      if (off != <i64>r.payloadLen || (blk.more && msg.payloadLen != size) || msg.payloadLen > size) {
        this.phase = PHASE_IDLE;
        return failWith(E_COAP_BLOCK, M_COAP_BLOCK2_UNEXPECTED).int(blk.num).int(size).int(r.payloadLen).ret();
      }
      if (blk.num == 0 && msg.getUint(OPT_SIZE2) == 1 && <i64>msg.uint > <i64>respCap) {
        this.phase = PHASE_IDLE;
        return failWith(E_LIMIT, M_COAP_SIZE2_TOO_BIG).int(msg.uint).int(respCap).ret();
      }
      if (!this.append()) return E_LIMIT;
      if (blk.more) {
        this.b2Active = true;
        this.b2Num = blk.num + 1;
        this.b2Szx = blk.szx;
        return this.sendRequest();
      }
    } else {
      if (this.b2Active && code < 0x80) {
        this.phase = PHASE_IDLE;
        return fail(E_COAP_BLOCK, M_COAP_BLOCK2_MISSING);
      }
      if (this.b2Active) r.payloadLen = 0; // an error ends the transfer: report it, not the partial body
      if (!this.append()) return E_LIMIT;
    }
    r.code = code;
    r.contentFormat = msg.getUint(OPT_CONTENT_FORMAT) == 1 ? <i32>msg.uint : -1;
    r.maxAge = msg.getUint(OPT_MAX_AGE) == 1 ? <i32>msg.uint : <i32>COAP_DEFAULT_MAX_AGE;
    this.phase = PHASE_IDLE;
    return OK;
  }

  private append(): bool {
    const r = this.resp;
    if (r.payloadLen + msg.payloadLen > respCap) {
      this.phase = PHASE_IDLE;
      failWith(E_LIMIT, M_COAP_RESPONSE_TOO_BIG).int(respCap);
      return false;
    }
    memory.copy(respBuf + <usize>r.payloadLen, msg.payload, <usize>msg.payloadLen);
    r.payloadLen += msg.payloadLen;
    return true;
  }
}

const traceMsg = new CoapMessage();

/** One log record per datagram: the header and options as the host renders them ({m}), size and payload size. */
function trace(up: bool, p: usize, n: i32): void {
  if (traceMsg.parse(p, n) != OK) { logMsg(up ? M_TRACE_MALFORMED_UP : M_TRACE_MALFORMED_DOWN).int(n).emit(LOG_ALWAYS); return; }
  const head = traceMsg.payloadLen > 0 ? <i32>(traceMsg.payload - p) - 1 : n;
  logMsg(up ? M_TRACE_UP : M_TRACE_DOWN).bytes(p, head).int(n).int(traceMsg.payloadLen).emit(LOG_ALWAYS);
}

/** The one client instance of the module. */
export const coapClient = new CoapClient();
