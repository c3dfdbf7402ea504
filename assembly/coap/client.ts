// CoAP client transport over UDP (RFC 7252 §4, RFC 7959): one request at a time (NSTART = 1), confirmable
// with exponential back-off, piggybacked and separate responses, duplicate detection, Reset handling,
// 5.03 + Max-Age retries (RFC 9148 §5), and block-wise transfers both ways (Block1 for large requests, Block2
// for large responses, with early size negotiation and Size1/Size2), all within an overall deadline.
//
// Sans-I/O: begin() sends the first datagram and returns PENDING; the command feeds onDatagram()/onTimer()
// until they return OK (the response is in `response`) or an error. The caller arms the runtime deadline
// from nextDeadline().
//
// Deliberately not here: OSCORE (a layer above builds protected requests), Observe, multicast, proxying,
// CoAP over TCP, more than one outstanding request.

import * as board from "../abi";
import { LOG_ALWAYS, LOG_DEBUG, LOG_INFO } from "../abi";
import {
  OK, PENDING, E_TIMEOUT, E_LIMIT, E_COAP_RESET, E_COAP_BAD_OPTION, E_COAP_BLOCK, E_USAGE, E_MALFORMED, E_INTERNAL,
} from "../errors";
import {
  COAP_MAX_DATAGRAM, COAP_RESPONSE_CAPACITY, COAP_ACK_TIMEOUT_MS, COAP_ACK_RANDOM_FACTOR_MILLI,
  COAP_MAX_RETRANSMIT, COAP_DEDUP_SLOTS, COAP_DEFAULT_DEADLINE_MS,
} from "../config";
import {
  COAP_CON, COAP_NON, COAP_ACK, COAP_RST, COAP_EMPTY, COAP_CONTINUE, COAP_SERVICE_UNAVAILABLE,
  COAP_REQUEST_ENTITY_TOO_LARGE, COAP_REQUEST_ENTITY_INCOMPLETE, OPT_URI_HOST, OPT_URI_PORT, OPT_CONTENT_FORMAT,
  OPT_ACCEPT, OPT_BLOCK1, OPT_BLOCK2, OPT_SIZE1, OPT_SIZE2, OPT_MAX_AGE, COAP_DEFAULT_MAX_AGE, COAP_PORT,
} from "../numbers/coap";
import { CoapMessage, CoapBuilder, CoapOptionIter, BlockValue, blockValue } from "./message";
import { fail, failDetail, logBegin, logEnd, Writer } from "../runtime";
import { arena } from "../arena";
import { OscoreContext, oscoreProtect, oscoreUnprotect } from "../oscore/oscore";
import { SeqCounter, seqTake } from "../oscore/seq";
import { edhocCombine } from "../edhoc/combined";
import { OPT_OSCORE, OPT_EDHOC, OPT_ECHO, COAP_UNAUTHORIZED } from "../numbers/coap";
import { E_OSCORE_UNPROTECTED } from "../errors";

/** What to send. Fill the fields, then begin(). Pointers must stay valid until the exchange ends. */
export class CoapRequestSpec {
  method: i32 = 1;
  confirmable: bool = true;
  /** Endpoint (est_abi.h format). */
  addr: usize = 0;
  addrLen: i32 = 0;
  /** Uri-Host (0 length: none; sent only for registered names, not IP literals) and Uri-Port (-1: none). */
  host: usize = 0;
  hostLen: i32 = 0;
  port: i32 = -1;
  /** "path?query" without scheme and authority. */
  path: usize = 0;
  pathLen: i32 = 0;
  contentFormat: i32 = -1;
  accept: i32 = -1;
  payload: usize = 0;
  payloadLen: i32 = 0;
  /** Block size exponent the client asks for (SZX 0..6: 16..1024 bytes). 6 sends no early Block2. */
  szx: i32 = 6;
  /** Ask for Size2 in the first response (RFC 7959 §4), to refuse an oversized representation early. */
  askSize: bool = true;
  /** Overall deadline in ms from begin(). */
  deadlineMs: i32 = COAP_DEFAULT_DEADLINE_MS;
  /** Trace every datagram at LOG_ALWAYS (the command was asked for -v). */
  trace: bool = false;
  /** Transmission parameters (RFC 7252 §4.8); tests shorten ACK_TIMEOUT to keep lossy runs quick. */
  ackTimeoutMs: i32 = COAP_ACK_TIMEOUT_MS;
  maxRetransmit: i32 = COAP_MAX_RETRANSMIT;
  /** After MAX_RETRANSMIT, send the request again as a new message while the overall deadline allows (an
   *  application-level retry, RFC 7252 §4.2 leaves it to the application). Off: give up at once. */
  retry: bool = true;
  /** OSCORE (RFC 8613): when set, every request is protected with this context and the next number of `seq`,
   *  and every response must verify under it. Block options are then inner (end-to-end, §4.1.3.4.1): each
   *  block is its own protected request. */
  oscore: OscoreContext | null = null;
  seq: SeqCounter | null = null;
  /** RFC 9668 combined request: EDHOC message_3 (its CBOR bstr) put in front of the OSCORE ciphertext of the
   *  first request, with the EDHOC option. 0 length: a plain OSCORE request. */
  edhocM3: usize = 0;
  edhocM3Len: i32 = 0;
}

/** The final response of an exchange. Payload is the whole (reassembled) representation. */
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
  /** The response was verified under the OSCORE context of the request (false for a plain exchange). */
  isProtected: bool = false;
}

const PHASE_IDLE = 0;
const PHASE_WAIT_ACK = 1; // CON sent, retransmitting until an ACK or a response arrives
const PHASE_WAIT_SEPARATE = 2; // empty ACK received, the response comes as its own message
const PHASE_WAIT_RETRY = 3; // 5.03 with Max-Age: waiting to send the request again
const PHASE_WAIT_NON = 4; // NON sent: waiting for a response until the deadline

const txBuf = memory.data(COAP_MAX_DATAGRAM, 8);
/** The request before OSCORE protection, and a response after verification. */
const plainBuf = memory.data(COAP_MAX_DATAGRAM, 8);
const protBuf = memory.data(COAP_MAX_DATAGRAM, 8);
const ackBuf = memory.data(8, 8);
const echoBuf = memory.data(40, 8);
const protReqBuf = memory.data(COAP_MAX_DATAGRAM, 8);
const OUTER_CAPACITY = 1600;
const outerBuf = memory.data(OUTER_CAPACITY, 8);
const assembled = memory.data(OUTER_CAPACITY + 64, 8);
const outerMsg = new CoapMessage();
const respBuf = arena; // COAP_RESPONSE_CAPACITY bytes, shared with other commands (assembly/arena.ts)
const token = memory.data(8, 8);
const dedup = memory.data(COAP_DEDUP_SLOTS * 4, 4);
const traceLine = new Writer(memory.data(200, 8), 200);

const builder = new CoapBuilder();
const msg = new CoapMessage();
const iter = new CoapOptionIter();
const blk = new BlockValue();

export class CoapClient {
  spec: CoapRequestSpec = new CoapRequestSpec();
  response: CoapResponse = new CoapResponse();
  private phase: i32 = PHASE_IDLE;
  private mid: i32 = 0;
  private txLen: i32 = 0;
  private retransmits: i32 = 0;
  private timeoutMs: i64 = 0;
  private timerAt: i64 = -1;
  private endAt: i64 = 0;
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
  /** Outer Block2 (RFC 8613 §4.1.3.4.2): a protected response fragmented outside OSCORE is reassembled here
   *  and verified once whole; the next fragment is asked for with the same protected request. */
  private protReqLen: i32 = 0;
  private ob2Num: u32 = 0;
  private outerLen: i32 = 0;

  /** Start the exchange described by `spec`. Returns PENDING, or an error (nothing sent). */
  begin(): i32 {
    const s = this.spec;
    if (s.szx < 0 || s.szx > 6) return fail(E_USAGE, "block size must be 16..1024 bytes");
    const r = this.response;
    r.code = 0; r.contentFormat = -1; r.maxAge = -1; r.payload = respBuf; r.payloadLen = 0;
    r.datagramsUp = 0; r.datagramsDown = 0; r.bytesUp = 0; r.bytesDown = 0; r.roundTrips = 0; r.isProtected = false;
    if (s.oscore !== null && s.seq === null) return fail(E_USAGE, "an OSCORE request needs a sequence counter");
    const rnd = memory.data(4, 4);
    board.rng_fill(rnd, 4);
    this.mid = <i32>(load<u32>(rnd) & 0xffff);
    for (let i = 0; i < COAP_DEDUP_SLOTS; i++) store<i32>(dedup + <usize>(i << 2), -1);
    this.endAt = board.clock_ms() + <i64>s.deadlineMs;
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

  /** For the fuzz entry (test/fuzz/entry.ts): the Message ID and the 4-byte token a response must carry to be
   *  taken as the answer, so that fuzzed responses reach the block and OSCORE logic. */
  expectedMid(): i32 { return this.mid; }
  expectedToken(): usize { return token; }

  /** Absolute clock_ms time the caller must call onTimer() at. */
  nextDeadline(): i64 {
    return this.timerAt >= 0 && this.timerAt < this.endAt ? this.timerAt : this.endAt;
  }

  /** Build the current request message (block state included) with a new MID, and send it. The token stays
   *  the same for every block of one transfer: servers such as the npm coap package reassemble Block1 by
   *  token, and stale answers to earlier blocks are recognised by their block numbers instead. */
  private sendRequest(): i32 {
    const s = this.spec;
    this.mid = (this.mid + 1) & 0xffff;
    builder.reset(s.confirmable ? COAP_CON : COAP_NON, s.method, this.mid);
    builder.setToken(token, 4);
    if (s.hostLen > 0) builder.add(OPT_URI_HOST, s.host, s.hostLen);
    if (s.port >= 0 && s.port != COAP_PORT) builder.addUint(OPT_URI_PORT, <u32>s.port);
    let st = builder.addUriPath(s.path, s.pathLen);
    if (st < 0) return fail(st == E_LIMIT ? E_LIMIT : E_USAGE, "URI path segment longer than 255 bytes");
    // Requests for later Block2 blocks repeat the request without its payload (RFC 7959 §3.2, Figure 11).
    const withPayload = s.payloadLen > 0 && !this.b2Active;
    if (s.contentFormat >= 0 && withPayload) builder.addUint(OPT_CONTENT_FORMAT, <u32>s.contentFormat);
    if (s.accept >= 0) builder.addUint(OPT_ACCEPT, <u32>s.accept);
    if (withPayload) {
      if (this.b1Active) {
        const size = 1 << (this.b1Szx + 4);
        const off = <i32>this.b1Num * size;
        const n = s.payloadLen - off < size ? s.payloadLen - off : size;
        const more = off + n < s.payloadLen;
        builder.addUint(OPT_BLOCK1, <u32>blockValue(this.b1Num, more, this.b1Szx));
        if (this.b1Num == 0) builder.addUint(OPT_SIZE1, <u32>s.payloadLen);
        builder.setPayload(s.payload + <usize>off, n);
      } else {
        builder.setPayload(s.payload, s.payloadLen);
      }
    }
    // Block2: ask for the next block; on the first request only when a smaller block size is wanted (early
    // negotiation, RFC 7959 §2.4), and then Size2 too.
    if (this.b2Active || (this.first && s.szx < 6 && !this.b1Active)) {
      builder.addUint(OPT_BLOCK2, <u32>blockValue(this.b2Num, false, this.b2Szx));
    }
    if (this.first && s.askSize && !this.b2Active) builder.addUint(OPT_SIZE2, 0);
    if (this.echoLen > 0) builder.add(OPT_ECHO, echoBuf, this.echoLen); // class E: inside OSCORE
    const combined = s.oscore !== null && s.edhocM3Len > 0 && this.b1Num == 0 && this.b2Num == 0;
    if (combined) builder.add(OPT_EDHOC, 0, 0);
    let n = builder.build(s.oscore !== null ? plainBuf : txBuf, COAP_MAX_DATAGRAM);
    if (n < 0) return fail(E_LIMIT, "request does not fit one datagram; use a smaller block size");
    if (s.oscore !== null) {
      // Every transmission of a new request takes a new Sender Sequence Number, written ahead to the key
      // store (Appendix B.1.1); retransmissions of the same datagram (onTimer) resend it unchanged.
      const seq = seqTake(changetype<SeqCounter>(s.seq));
      if (seq < 0) return fail(<i32>seq, "cannot reserve an OSCORE sequence number");
      const ctx = changetype<OscoreContext>(s.oscore);
      n = oscoreProtect(ctx, plainBuf, n, <u64>seq, true, combined ? protBuf : txBuf, COAP_MAX_DATAGRAM);
      if (n < 0) return fail(n, "cannot protect the request with OSCORE");
      if (combined) {
        n = edhocCombine(protBuf, n, s.edhocM3, s.edhocM3Len, txBuf, COAP_MAX_DATAGRAM);
        if (n < 0) return fail(E_LIMIT, "the combined EDHOC + OSCORE request does not fit one datagram");
      }
    }
    if (s.oscore !== null) { memory.copy(protReqBuf, txBuf, <usize>n); this.protReqLen = n; this.ob2Num = 0; this.outerLen = 0; }
    this.first = false;
    return this.sendBuilt(n);
  }

  /** Send the datagram in txBuf (n bytes) as a new confirmable (or NON) message and arm its timers. */
  private sendBuilt(n: i32): i32 {
    const s = this.spec;
    this.txLen = n;
    this.retransmits = 0;
    const now = board.clock_ms();
    // Initial timeout: random in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR] (RFC 7252 §4.2).
    const r = memory.data(2, 2);
    board.rng_fill(r, 2);
    const spread = (<i64>s.ackTimeoutMs * <i64>(COAP_ACK_RANDOM_FACTOR_MILLI - 1000)) / 1000;
    this.timeoutMs = <i64>s.ackTimeoutMs + (spread * <i64>load<u16>(r)) / 65535;
    this.response.roundTrips++;
    const st = this.transmit(txBuf, n);
    if (st < 0) return st;
    this.phase = s.confirmable ? PHASE_WAIT_ACK : PHASE_WAIT_NON;
    this.timerAt = s.confirmable ? now + this.timeoutMs : -1;
    return PENDING;
  }

  private transmit(p: usize, n: i32): i32 {
    const s = this.spec;
    if (s.trace) this.trace(true, p, n);
    this.response.datagramsUp++;
    this.response.bytesUp += n;
    const st = board.udp_send(s.addr, s.addrLen, p, n);
    if (st < 0) return fail(st, "cannot send the request datagram");
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
    const now = board.clock_ms();
    if (now >= this.endAt) {
      this.phase = PHASE_IDLE;
      fail(E_TIMEOUT, "no complete response within ");
      failDetail().dec(this.spec.deadlineMs).str(" ms");
      return E_TIMEOUT;
    }
    if (this.phase == PHASE_WAIT_RETRY) return this.sendRequest();
    if (this.phase == PHASE_WAIT_ACK && this.timerAt >= 0 && now >= this.timerAt) {
      if (this.retransmits >= this.spec.maxRetransmit && this.spec.retry) {
        logBegin().str("coap: no answer after ").dec(this.retransmits + 1).str(" transmissions; sending the request again");
        logEnd(LOG_INFO);
        this.response.roundTrips--; // the same round trip, tried again
        return this.sendRequest();
      }
      if (this.retransmits >= this.spec.maxRetransmit) {
        this.phase = PHASE_IDLE;
        fail(E_TIMEOUT, "no answer after ");
        failDetail().dec(this.retransmits + 1).str(" transmissions");
        return E_TIMEOUT;
      }
      this.retransmits++;
      this.timeoutMs *= 2;
      this.timerAt = now + this.timeoutMs;
      logBegin().str("coap: retransmission ").dec(this.retransmits).str(" of MID ").dec(this.mid);
      logEnd(LOG_DEBUG);
      const st = this.transmit(txBuf, this.txLen);
      return st < 0 ? st : PENDING;
    }
    return PENDING;
  }

  private sameAddr(a: usize, al: i32): bool {
    if (al != this.spec.addrLen) return false;
    for (let i = 0; i < al; i++) if (load<u8>(a + <usize>i) != load<u8>(this.spec.addr + <usize>i)) return false;
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
    if (this.phase == PHASE_IDLE) return PENDING;
    if (!this.sameAddr(addr, addrLen)) return PENDING; // not our peer
    const s = this.spec;
    this.response.datagramsDown++;
    this.response.bytesDown += len;
    if (s.trace) this.trace(false, data, len);
    if (msg.parse(data, len) != OK) {
      logBegin().str("coap: ignored a malformed datagram of ").dec(len).str(" bytes");
      logEnd(LOG_DEBUG);
      return PENDING;
    }
    const t = msg.type;
    if (t == COAP_RST) {
      if (msg.mid == this.mid && this.phase == PHASE_WAIT_ACK) {
        this.phase = PHASE_IDLE;
        return fail(E_COAP_RESET, "the server reset the request (RST)");
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
    if (s.oscore !== null) {
      // The response must verify under the request's context and nonce (§8.4). One that does not is
      // dropped unseen: an attacker on the path must not end or steer the exchange. An unprotected error
      // from the server (no OSCORE option: e.g. 4.01 when it lost the context) ends it with its code.
      if (msg.find(OPT_OSCORE) != 1) {
        if (msg.code < 0x80) { logBegin().str("coap: dropped an unprotected success response"); logEnd(LOG_INFO); return PENDING; }
        this.phase = PHASE_IDLE;
        this.response.code = msg.code;
        fail(E_OSCORE_UNPROTECTED, "the server answered without OSCORE: ");
        failDetail().dec(msg.code >> 5).byte(0x2e).byte(0x30 + (msg.code & 31) / 10).byte(0x30 + (msg.code & 31) % 10);
        if (msg.payloadLen > 0) failDetail().str(" ").bytes(msg.payload, msg.payloadLen < 80 ? msg.payloadLen : 80);
        return E_OSCORE_UNPROTECTED;
      }
      if (msg.find(OPT_BLOCK2) == 1) return this.outerBlock(data, len);
      const n = oscoreUnprotect(changetype<OscoreContext>(s.oscore), data, len, plainBuf, COAP_MAX_DATAGRAM);
      if (n < 0 || msg.parse(plainBuf, n) != OK) {
        logBegin().str("coap: dropped a response that failed OSCORE verification (").dec(n).str(")");
        logEnd(LOG_INFO);
        return PENDING;
      }
      this.response.isProtected = true;
      // A verified response proves the server has processed message_3: any later request of this exchange
      // (a 5.03 retry, the next block) is a plain OSCORE request (RFC 9668 §3.2.1).
      s.edhocM3Len = 0;
    }
    return this.onResponse();
  }

  /** One fragment of a protected response with an outer Block2 option (msg holds it). */
  private outerBlock(data: usize, len: i32): i32 {
    if (blk.decode(msg.value, msg.valueLen) != OK) { this.phase = PHASE_IDLE; return fail(E_MALFORMED, "malformed outer Block2 option"); }
    if (blk.num != this.ob2Num) return PENDING; // a late copy of an earlier fragment
    const size = blk.size();
    if (<i64>blk.num * <i64>size != <i64>this.outerLen || (blk.more && msg.payloadLen != size) || msg.payloadLen > size) {
      this.phase = PHASE_IDLE;
      return fail(E_COAP_BLOCK, "unexpected outer Block2 fragment");
    }
    if (this.outerLen + msg.payloadLen > OUTER_CAPACITY) { this.phase = PHASE_IDLE; return fail(E_LIMIT, "protected response larger than the reassembly buffer"); }
    memory.copy(outerBuf + <usize>this.outerLen, msg.payload, <usize>msg.payloadLen);
    this.outerLen += msg.payloadLen;
    if (blk.more) {
      // The same protected request again (same Partial IV: not a new request, RFC 7959 §2.4) asking for
      // the next fragment.
      this.ob2Num = blk.num + 1;
      if (outerMsg.parse(protReqBuf, this.protReqLen) != OK) { this.phase = PHASE_IDLE; return fail(E_INTERNAL, "cannot re-read the protected request"); }
      this.mid = (this.mid + 1) & 0xffff;
      builder.reset(outerMsg.type, outerMsg.code, this.mid);
      builder.setToken(outerMsg.token, outerMsg.tokenLen);
      iter.reset(outerMsg);
      while (iter.next() == 1) if (iter.number != OPT_BLOCK2) builder.add(iter.number, iter.value, iter.valueLen);
      builder.addUint(OPT_BLOCK2, <u32>blockValue(this.ob2Num, false, blk.szx));
      builder.setPayload(outerMsg.payload, outerMsg.payloadLen);
      const n = builder.build(txBuf, COAP_MAX_DATAGRAM);
      if (n < 0) { this.phase = PHASE_IDLE; return fail(E_LIMIT, "cannot build the next outer block request"); }
      this.response.roundTrips++;
      return this.sendBuilt(n);
    }
    // Whole: the last fragment's header, token and options (without Block2 / Size2) with the whole payload.
    builder.reset(msg.type, msg.code, msg.mid);
    builder.setToken(msg.token, msg.tokenLen);
    iter.reset(msg);
    while (iter.next() == 1) if (iter.number != OPT_BLOCK2 && iter.number != OPT_SIZE2) builder.add(iter.number, iter.value, iter.valueLen);
    builder.setPayload(outerBuf, this.outerLen);
    const whole = builder.build(assembled, OUTER_CAPACITY + 64);
    this.outerLen = 0; this.ob2Num = 0;
    if (whole < 0) { this.phase = PHASE_IDLE; return fail(E_LIMIT, "reassembled protected response too large"); }
    const n = oscoreUnprotect(changetype<OscoreContext>(this.spec.oscore), assembled, whole, plainBuf, COAP_MAX_DATAGRAM);
    if (n < 0 || msg.parse(plainBuf, n) != OK) {
      logBegin().str("coap: dropped a reassembled response that failed OSCORE verification (").dec(n).str(")");
      logEnd(LOG_INFO);
      return PENDING;
    }
    this.response.isProtected = true;
    this.spec.edhocM3Len = 0;
    return this.onResponse();
  }

  private onResponse(): i32 {
    const s = this.spec;
    const r = this.response;
    // A late answer to an earlier block of this transfer (same token): ignore it.
    if (this.b2Active && msg.find(OPT_BLOCK2) == 1 && blk.decode(msg.value, msg.valueLen) == OK && blk.num < this.b2Num) return PENDING;
    if (this.b1Active && msg.code == COAP_CONTINUE && msg.find(OPT_BLOCK1) == 1 && blk.decode(msg.value, msg.valueLen) == OK &&
        blk.num < this.b1Num) return PENDING;
    if (this.phase == PHASE_WAIT_RETRY) return PENDING;
    this.timerAt = -1;
    const bad = msg.firstUnknownCritical();
    if (bad != 0) {
      this.phase = PHASE_IDLE;
      fail(E_COAP_BAD_OPTION, "response carries unrecognized critical option ");
      failDetail().dec(bad);
      return E_COAP_BAD_OPTION;
    }
    const code = msg.code;
    // 4.01 with Echo under OSCORE (RFC 9175 §2.4, RFC 8613 Appendix B.1.2): the server wants proof that the
    // request is fresh; send it again once, as a new request (a new sequence number) carrying the Echo value.
    if (s.oscore !== null && code == COAP_UNAUTHORIZED && !this.echoTried && msg.find(OPT_ECHO) == 1 &&
        msg.valueLen >= 1 && msg.valueLen <= 40) {
      memory.copy(echoBuf, msg.value, <usize>msg.valueLen);
      this.echoLen = msg.valueLen;
      this.echoTried = true;
      logBegin().str("coap: the server asked for an Echo (").dec(msg.valueLen).str(" bytes); sending the request again with it");
      logEnd(LOG_INFO);
      return this.sendRequest();
    }
    // 5.03 with Max-Age: try the same request again later (RFC 9148 §5, RFC 7252 §5.9.3.4).
    if (code == COAP_SERVICE_UNAVAILABLE && msg.getUint(OPT_MAX_AGE) == 1) {
      const wait = <i64>msg.uint * 1000;
      logBegin().str("coap: 5.03 Service Unavailable, retrying in ").dec(msg.uint).str(" s");
      logEnd(LOG_INFO);
      if (board.clock_ms() + wait >= this.endAt) {
        this.phase = PHASE_IDLE;
        fail(E_TIMEOUT, "server asked to retry after ");
        failDetail().dec(msg.uint).str(" s, past the deadline");
        return E_TIMEOUT;
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
        return fail(E_COAP_BLOCK, "server reported 4.08 Request Entity Incomplete");
      }
      const size = 1 << (this.b1Szx + 4);
      const sentEnd = (<i32>this.b1Num + 1) * size;
      if (code == COAP_CONTINUE) {
        if (msg.find(OPT_BLOCK1) != 1 || blk.decode(msg.value, msg.valueLen) != OK || blk.num != this.b1Num) {
          this.phase = PHASE_IDLE;
          return fail(E_COAP_BLOCK, "2.31 Continue without the Block1 option of the block sent");
        }
        if (sentEnd >= s.payloadLen) {
          this.phase = PHASE_IDLE;
          return fail(E_COAP_BLOCK, "2.31 Continue after the last block");
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
        return fail(E_MALFORMED, "response has a malformed Block2 option");
      }
      const size = blk.size();
      const off = <i64>blk.num * <i64>size;
      if (off != <i64>r.payloadLen || (blk.more && msg.payloadLen != size) || msg.payloadLen > size) {
        this.phase = PHASE_IDLE;
        fail(E_COAP_BLOCK, "unexpected Block2 block ");
        failDetail().dec(blk.num).str(" of ").dec(size).str(" bytes at offset ").dec(r.payloadLen);
        return E_COAP_BLOCK;
      }
      if (blk.num == 0 && msg.getUint(OPT_SIZE2) == 1 && <i64>msg.uint > <i64>COAP_RESPONSE_CAPACITY) {
        this.phase = PHASE_IDLE;
        fail(E_LIMIT, "representation of ");
        failDetail().dec(msg.uint).str(" bytes exceeds the ").dec(COAP_RESPONSE_CAPACITY).str("-byte response buffer");
        return E_LIMIT;
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
        return fail(E_COAP_BLOCK, "a Block2 transfer continued without a Block2 option");
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
    const r = this.response;
    if (r.payloadLen + msg.payloadLen > COAP_RESPONSE_CAPACITY) {
      this.phase = PHASE_IDLE;
      fail(E_LIMIT, "response larger than the ");
      failDetail().dec(COAP_RESPONSE_CAPACITY).str("-byte response buffer");
      return false;
    }
    memory.copy(respBuf + <usize>r.payloadLen, msg.payload, <usize>msg.payloadLen);
    r.payloadLen += msg.payloadLen;
    return true;
  }

  /** One line per datagram: direction, type, code, MID, token, options, payload size. */
  private trace(up: bool, p: usize, n: i32): void {
    const w = traceLine.reset();
    w.str(up ? "-> " : "<- ");
    const m = traceMsg;
    if (m.parse(p, n) != OK) { w.str("malformed datagram, ").dec(n).str(" bytes"); board.log(LOG_ALWAYS, w.ptr, w.len); return; }
    w.str(m.type == COAP_CON ? "CON " : m.type == COAP_NON ? "NON " : m.type == COAP_ACK ? "ACK " : "RST ");
    w.dec(m.code >> 5).byte(0x2e).byte(0x30 + (m.code & 31) / 10).byte(0x30 + (m.code & 31) % 10);
    w.str(" mid=").dec(m.mid);
    if (m.tokenLen > 0) w.str(" token=").hex(m.token, m.tokenLen);
    iter.reset(m);
    while (iter.next() == 1) {
      w.byte(0x20);
      optName(w, iter.number);
      w.byte(0x3d);
      if (iter.number == OPT_BLOCK1 || iter.number == OPT_BLOCK2) {
        if (blkTrace.decode(iter.value, iter.valueLen) == OK) w.dec(blkTrace.num).byte(0x2f).dec(blkTrace.more ? 1 : 0).byte(0x2f).dec(blkTrace.size());
      } else if (isText(iter.number)) w.bytes(iter.value, iter.valueLen);
      else w.dec(coapUint(iter.value, iter.valueLen));
    }
    w.str(" (").dec(n).str(" bytes, payload ").dec(m.payloadLen).byte(0x29);
    board.log(LOG_ALWAYS, w.ptr, w.len);
  }
}

// A second parser for tracing, so tracing never disturbs the message being handled.
const traceMsg = new CoapMessage();
const blkTrace = new BlockValue();

function isText(n: i32): bool { return n == OPT_URI_HOST || n == 8 || n == 11 || n == 15 || n == 20 || n == 35 || n == 39; }

function coapUint(p: usize, n: i32): i64 {
  if (n > 4) return -1;
  let v: i64 = 0;
  for (let i = 0; i < n; i++) v = (v << 8) | <i64>load<u8>(p + <usize>i);
  return v;
}

function optName(w: Writer, n: i32): void {
  switch (n) {
    case 3: w.str("Uri-Host"); return;
    case 7: w.str("Uri-Port"); return;
    case 9: w.str("OSCORE"); return;
    case 11: w.str("Uri-Path"); return;
    case 12: w.str("Content-Format"); return;
    case 14: w.str("Max-Age"); return;
    case 15: w.str("Uri-Query"); return;
    case 17: w.str("Accept"); return;
    case 21: w.str("EDHOC"); return;
    case 23: w.str("Block2"); return;
    case 27: w.str("Block1"); return;
    case 28: w.str("Size2"); return;
    case 60: w.str("Size1"); return;
    case 252: w.str("Echo"); return;
  }
  w.str("opt").dec(n);
}

/** The one client instance of the module. */
export const coapClient = new CoapClient();
