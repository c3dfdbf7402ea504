// A protected channel to the server: the OSCORE context stored in the key store, or a new one from EDHOC over
// CoAP (RFC 9528 Appendix A.2, the device as Initiator), then requests under OSCORE (RFC 8613), the first one
// after EDHOC combined with message_3 (RFC 9668 §3) when it fits, so that the handshake and the request take
// two round trips instead of three.
//
//   message_1:  POST /.well-known/edhoc, Content-Format 65, payload true || message_1   -> 2.04, message_2
//   message_3:  POST /.well-known/edhoc, Content-Format 65, payload C_R || message_3    -> 2.04 (sequential)
//   request:    the OSCORE-protected request (with the EDHOC option and message_3 when combined)
//
// Use: open() returns CHANNEL_READY at once (stored context) or PENDING (EDHOC runs: feed onDatagram /
// onTimer until they return CHANNEL_READY). Then request(r) sends r; its final status is OK with response()
// holding the verified answer, or an error. When the server lost the stored context (an unprotected 4.01) or
// answers a combined request that was sent twice with an EDHOC error (its first copy consumed the session),
// the channel runs EDHOC again — at most MAX_EDHOC_RUNS times per command, so a forged answer costs a
// handshake, never a loop — and returns CHANNEL_READY again: the caller sends its request anew (rebuilding a
// payload that depends on the handshake, such as a DH proof of possession keyed by G_Y).
//
// The heavy steps each run in a call into the module of their own (a timer due at once: nextDeadline()), so
// a host may drop wasm3's compiled code in between (est_host_limits_t.code_cache_bytes): building message_1,
// checking message_2, building message_3, deriving the context.
//
// Deliberately not here: what the requests are (est/, app/), the OSCORE algorithm (oscore/), the handshake's
// cryptography (initiator.ts), credential lookup (credentials.ts).

import * as board from "../base/abi";
import { LOG_INFO } from "../base/abi";
import {
  OK, PENDING, E_USAGE, E_INTERNAL, E_COAP_RESPONSE, E_OSCORE_UNPROTECTED, E_UNSUPPORTED, E_CRYPTO_KEY, E_EDHOC_CREDENTIAL,
  E_EDHOC_ERROR, E_STORE_NOT_FOUND, E_LIMIT,
} from "../base/errors";
import { fail, failWith, logMsg } from "../base/diag";
import {
  EDHOC_M3_CAPACITY, EDHOC_M3_PREFIX, EDHOC_REQUEST_CAPACITY, EDHOC_IDENTITY_CAPACITY, ARENA_IDENTITY, ARENA_HANDSHAKE_TA,
  ARENA_PT2, ARENA_WORK,
} from "../base/config";
import { arenaTake, arenaRelease, ARENA_HANDSHAKE } from "../base/arena";
import {
  M_CHAN_STORED_CTX, M_CHAN_NO_CTX, M_CHAN_SEQ_UNREADABLE, M_CHAN_CTX_UNREADABLE, M_CHAN_RNG, M_CHAN_M1,
  M_CHAN_M2_REFUSED, M_CHAN_M2_EAD, M_CHAN_M2_CREDENTIAL, M_CHAN_CR_EQUALS_CI, M_CHAN_M3, M_CHAN_CTX_DERIVE,
  M_CHAN_CTX_NEW, M_CHAN_CTX_NOT_CONFIRMED, M_CHAN_CTX_STORE, M_CHAN_SUITE_RETRY, M_CHAN_RESPONDER_ANSWERED,
  M_CHAN_ERROR_SENT, M_CHAN_SEQUENTIAL, M_CHAN_LOST_CTX, M_CHAN_SESSION_CONSUMED, M_CHAN_TOO_MANY_RUNS,
  M_CHAN_UNPROTECTED, M_CHAN_PSK_UNPROTECTED, M_CHAN_NOT_READY,
} from "../base/msg";
import {
  COAP_POST, COAP_CHANGED, COAP_UNAUTHORIZED, COAP_BAD_REQUEST, CF_CID_EDHOC_CBOR_SEQ, CF_EDHOC_CBOR_SEQ,
} from "../numbers/coap";
import { EDHOC_MESSAGE_1_PREFIX } from "../numbers/edhoc";
import { CoapRequest, CoapResponse, coapClient } from "../coap/client";
import { ExchangeStats } from "../coap/stats";
import { randomBytes, wipe, keyGenerate, keyClose } from "../crypto/index";
import { KEY_TYPE_X25519_DH, KEY_TYPE_P256_DH } from "../crypto/provider";
import { STORE_ID_EDHOC_SETUP } from "../base/store-ids";
import { OscoreSecurity } from "../oscore/security";
import { contextLoad, contextLoadSeq, contextNew, contextConfirm, contextDrop, contextPending, contextHasRecipientId } from "../oscore/context";
import {
  InitiatorConfig, WaitM2, ProcessingM2, ProcessedM2, Completed, prepareMessage1, parseMessage2, verifyMessage2,
  prepareMessage3, exportOscore, wipeCompleted, initiatorWorkspace,
} from "./initiator";
import {
  identityLoad, identityResolve, identityValidate, VALIDATE_NEXT, identitySuiteCount, identitySuite, identityWipe,
  identityRegion, peer,
} from "./credentials";
import { edhocErrorRefusal, edhocErrorOffers, edhocErrorReport, edhocErrorCode } from "./errors";

/** Status: the channel holds a context; send the request (request()). */
export const CHANNEL_READY: i32 = 2;
/** Most EDHOC runs in one command: the first, and two more after a lost context or a consumed session. */
export const MAX_EDHOC_RUNS: i32 = 3;

const ST_IDLE = 0;
const ST_POST_M1 = 1;   // due: send message_1 (built in the call before)
const ST_WAIT_M2 = 2;   // message_1 sent
const ST_CHECK_M2 = 3;  // due: check message_2 (received in the call before)
const ST_MAKE_M3 = 4;   // due: build message_3 and the context
const ST_READY = 5;     // a context; waiting for request()
const ST_WAIT_M3 = 6;   // message_3 sent on its own (sequential flow)
const ST_REQUEST = 7;   // the protected request sent
const ST_RESOLVE_M2 = 8; // due: resolve ID_CRED_R (with x5chain: the certificate's checks)
const ST_VERIFY_M2 = 9;  // due: verify MAC_2 or the signature
const ST_SETTLE = 10;    // due: settle the protected request's outcome (its final answer came in the call before)
const ST_VALIDATE_M2 = 11; // due: an x5chain credential's path (its certificate parsed in the call before)
const ST_DERIVE = 12;    // due: derive the OSCORE context, report CHANNEL_READY (message_3 made in the call before)

const EDHOC_PATH = "/.well-known/edhoc";
const edhocPath = memory.data(32, 1);
/** The CBOR sequence of an EDHOC request: true || message_1, or C_R || an error message. */
const edhocBuf = memory.data(EDHOC_REQUEST_CAPACITY, 8);
/** message_3, with room in front for C_R when it goes on its own (C_R || message_3). */
const m3Room = memory.data(EDHOC_M3_PREFIX + EDHOC_M3_CAPACITY, 8);
const m3Buf = m3Room + <usize>EDHOC_M3_PREFIX;
const ms = memory.data(16, 8), salt = memory.data(8, 8);

const cfg = new InitiatorConfig();
const s1 = new WaitM2();
const s2 = new ProcessingM2();
const s3 = new ProcessedM2();
const s4 = new Completed();

export class SecureChannel {
  /** Transport settings for every exchange (endpoint, deadline, transmission parameters, trace). */
  transport: CoapRequest = new CoapRequest();
  /** Run EDHOC even when a context is stored. */
  forceEdhoc: bool = false;
  /** Send message_3 with the first request (RFC 9668). */
  combine: bool = true;
  /** Largest combined request, in bytes; a larger one falls back to the sequential flow (RFC 9668 §3.2.2
   *  leaves the limit to the application: one unfragmented datagram on 6LoWPAN-friendly paths). */
  maxCombined: i32 = 1152;
  sec: OscoreSecurity = new OscoreSecurity();
  /** Counters: the EDHOC exchanges, and the protected requests. */
  hs: ExchangeStats = new ExchangeStats();
  req: ExchangeStats = new ExchangeStats();
  /** EDHOC message sizes of the last handshake. */
  m1Len: i32 = 0;
  m2Len: i32 = 0;
  m3Len: i32 = 0;
  /** Whether EDHOC ran in this command, how often, and whether message_3 went in a combined request. */
  ranEdhoc: bool = false;
  edhocRuns: i32 = 0;
  combined: bool = false;
  /** The suite of the last handshake (-1 before one). */
  suiteUsed: i32 = -1;
  /** The Responder's ephemeral key G_Y (x-coordinate) of the last handshake, for the static-DH proof of
   *  possession, valid while gYValid. */
  gY: usize = heap.alloc(32);
  gYValid: bool = false;

  private state: i32 = ST_IDLE;
  private yieldAt: i64 = 0;
  private suiteIndex: i32 = 0;
  private m3Pending: bool = false;
  private usedStored: bool = false;
  /** ST_SETTLE: the client's status for the request (its response stays in the client until then). */
  private reqSt: i32 = 0;
  private t0: i64 = 0;
  private reqT0: i64 = 0;
  /** The request under way carried message_3 (RFC 9668). */
  private reqCombined: bool = false;
  private r: CoapRequest = new CoapRequest();
  private edhocReq: CoapRequest = new CoapRequest();

  /** Start: the stored context (CHANNEL_READY at once) or EDHOC (PENDING). */
  open(): i32 {
    this.hs.reset(); this.req.reset();
    this.ranEdhoc = false; this.edhocRuns = 0; this.combined = false; this.suiteUsed = -1;
    this.m1Len = 0; this.m2Len = 0; this.m3Len = 0;
    this.forgetGY();
    this.m3Pending = false; this.usedStored = false;
    this.t0 = board.clock_ms();
    if (!this.forceEdhoc) {
      let st = contextLoad(this.sec.ctx);
      if (st == OK) {
        st = contextLoadSeq(this.sec.seq);
        if (st != OK) return failWith(st, M_CHAN_SEQ_UNREADABLE).int(st).ret();
        logMsg(M_CHAN_STORED_CTX).bytes(this.sec.ctx.senderId, this.sec.ctx.senderIdLen).int(<i64>this.sec.seq.next).emit(LOG_INFO);
        this.usedStored = true;
        this.state = ST_READY;
        return CHANNEL_READY;
      }
      if (st != E_STORE_NOT_FOUND) return failWith(st, M_CHAN_CTX_UNREADABLE).int(st).ret();
      logMsg(M_CHAN_NO_CTX).emit(LOG_INFO);
    }
    this.suiteIndex = 0;
    return this.startEdhoc();
  }

  forgetGY(): void { wipe(this.gY, 32); this.gYValid = false; }

  /** The final response of the last request (valid until the next exchange). */
  response(): CoapResponse { return coapClient.response(); }

  onDatagram(addr: usize, addrLen: i32, data: usize, len: i32): i32 {
    if (this.state == ST_IDLE || this.state == ST_READY) return PENDING;
    // A datagram before the host ran the due timer: the steps first (the client waits for nothing meanwhile).
    while (this.due()) {
      const st = this.resume();
      if (st != PENDING) return st;
    }
    return this.settle(coapClient.onDatagram(addr, addrLen, data, len));
  }

  onTimer(): i32 {
    if (this.state == ST_IDLE || this.state == ST_READY) return PENDING;
    if (this.state == ST_SETTLE) return this.settleAnswer(); // not through resume: the handshake's steps are not compiled
    if (this.due()) return this.resume();
    return this.settle(coapClient.onTimer());
  }

  nextDeadline(): i64 {
    if (this.state == ST_IDLE || this.state == ST_READY) return -1;
    return this.due() ? this.yieldAt : coapClient.nextDeadline();
  }

  /** Send r under the context (the caller keeps r's buffers valid until the exchange ends). */
  request(r: CoapRequest): i32 {
    if (this.state != ST_READY) return fail(E_USAGE, M_CHAN_NOT_READY);
    const q = this.r;
    q.transportFrom(this.transport);
    q.method = r.method; q.path = r.path; q.pathLen = r.pathLen; q.contentFormat = r.contentFormat;
    q.accept = r.accept; q.payload = r.payload; q.payloadLen = r.payloadLen; q.askSize = r.askSize; q.source = r.source;
    this.sec.protectedCount = 0;
    if (!this.m3Pending) return this.sendRequest(false);
    this.m3Pending = false;
    // The combined request is about the size of the plain one (its first Block1 block when the payload takes
    // several, RFC 9668 §3.2.1) plus message_3 and the EDHOC option.
    const block = 1 << (q.szx + 4);
    const first = q.payloadLen > block ? block : q.payloadLen;
    if (this.combine && first + q.pathLen + this.m3Len + 64 <= this.maxCombined) {
      this.hs.ms = board.clock_ms() - this.t0;
      return this.sendRequest(true);
    }
    if (this.combine) logMsg(M_CHAN_SEQUENTIAL).int(this.maxCombined).emit(LOG_INFO);
    // Sequential flow: C_R || message_3, C_R written in the room before message_3.
    const at = m3Buf - <usize>s3.cRWireLen;
    memory.copy(at, s3.cRWire, <usize>s3.cRWireLen);
    this.state = ST_WAIT_M3;
    return this.postEdhoc(at, s3.cRWireLen + this.m3Len);
  }

  /** End the command's use of the channel: forget the handshake's secrets and an unconfirmed context. */
  close(): void {
    this.state = ST_IDLE;
    this.wipeHandshake();
    if (contextDrop()) logMsg(M_CHAN_CTX_NOT_CONFIRMED).emit(LOG_INFO);
  }

  // ---- internals ------------------------------------------------------------------------------------------

  private due(): bool {
    const st = this.state;
    return st == ST_POST_M1 || st == ST_CHECK_M2 || st == ST_RESOLVE_M2 || st == ST_VALIDATE_M2 || st == ST_VERIFY_M2 ||
      st == ST_MAKE_M3 || st == ST_DERIVE || st == ST_SETTLE;
  }

  /** End this call into the module; `state` runs in the next one, at once. */
  private yieldTo(state: i32): i32 {
    this.state = state;
    this.yieldAt = board.clock_ms();
    return PENDING;
  }

  private resume(): i32 {
    if (this.state == ST_SETTLE) return this.settleAnswer();
    if (this.state == ST_POST_M1) { this.state = ST_WAIT_M2; return this.postEdhoc(edhocBuf, this.m1Len + 1); }
    if (this.state == ST_CHECK_M2) return this.checkM2();
    if (this.state == ST_RESOLVE_M2) return this.resolveM2();
    if (this.state == ST_VALIDATE_M2) return this.validateM2();
    if (this.state == ST_DERIVE) return this.derive();
    if (this.state == ST_VERIFY_M2) return this.verifyM2();
    return this.makeM3();
  }

  /** ST_SETTLE: the protected request's outcome. */
  private settleAnswer(): i32 {
    this.state = ST_REQUEST;
    return this.settleRequest(this.reqSt, coapClient.response());
  }

  private wipeHandshake(): void {
    s1.live = false; s1.x = null; s2.live = false; s2.x = null; wipe(s2.prk2e, 32); s2.pt2 = 0;
    s3.live = false; wipe(s3.prk3e2m, 32); wipeCompleted(s4);
    keyClose(cfg.x); identityWipe(cfg);
    wipe(ms, 16); wipe(salt, 8);
    initiatorWorkspace(0);
    arenaRelease(ARENA_HANDSHAKE); // wiped: the identity records and the work buffer were in it
  }

  private failHandshake(st: i32): i32 {
    this.state = ST_IDLE;
    this.wipeHandshake();
    return st;
  }

  private startEdhoc(): i32 {
    if (this.edhocRuns >= MAX_EDHOC_RUNS) return failWith(E_EDHOC_ERROR, M_CHAN_TOO_MANY_RUNS).int(MAX_EDHOC_RUNS).ret();
    this.edhocRuns++;
    this.m3Pending = false;
    this.combined = false;
    this.forgetGY();
    // The handshake's buffers: the identity records, the trust anchors, PLAINTEXT_2, the work buffer.
    const a = arenaTake(ARENA_HANDSHAKE);
    if (a == 0) return E_INTERNAL;
    identityRegion(a + <usize>ARENA_IDENTITY, EDHOC_IDENTITY_CAPACITY, a + <usize>ARENA_HANDSHAKE_TA);
    initiatorWorkspace(a + <usize>ARENA_WORK);
    let st = identityLoad(cfg, this.suiteIndex);
    if (st != OK) return this.failHandshake(st);
    this.suiteUsed = cfg.suite;
    // The ephemeral key X and C_I are fresh for every handshake: X a new volatile key (on the board where it
    // does the curve), C_I one byte in the range whose wire form is a one-byte CBOR integer (RFC 9528 §3.3.2),
    // never the Recipient ID of the context the device holds (RFC 9668 §4: the two contexts' IDs must stay apart).
    st = keyGenerate(cfg.x, cfg.suite == 0 ? KEY_TYPE_X25519_DH : KEY_TYPE_P256_DH, 0);
    const c = memory.data(1);
    for (let tries = 0; st == OK && tries < 8; tries++) {
      st = randomBytes(c, 1);
      store<u8>(cfg.cI, load<u8>(c) % 24);
      if (!contextHasRecipientId(cfg.cI, 1)) break;
    }
    if (st != OK) return this.failHandshake(fail(st, M_CHAN_RNG));
    cfg.cILen = 1;
    store<u8>(edhocBuf, EDHOC_MESSAGE_1_PREFIX); // CBOR true: "no C_R yet" prefix of message_1 (Appendix A.2)
    const n = prepareMessage1(cfg, edhocBuf + 1, EDHOC_REQUEST_CAPACITY - 1, s1);
    if (n < 0) return this.failHandshake(failWith(n, M_CHAN_M1).int(n).ret());
    this.m1Len = n;
    this.ranEdhoc = true;
    this.t0 = board.clock_ms();
    return this.yieldTo(ST_POST_M1);
  }

  /** POST a CBOR sequence to /.well-known/edhoc. */
  private postEdhoc(p: usize, n: i32): i32 {
    edhocRequest(this.edhocReq, this.transport, p, n);
    return coapClient.begin(this.edhocReq, null);
  }

  private sendRequest(combined: bool): i32 {
    this.state = ST_REQUEST;
    this.reqT0 = board.clock_ms();
    if (combined) this.combined = true;
    this.reqCombined = combined;
    if (combined) this.sec.combine(m3Buf, this.m3Len); else this.sec.combine(0, 0);
    return coapClient.begin(this.r, this.sec);
  }

  private settle(st: i32): i32 {
    if (st == PENDING) return PENDING;
    // The outcome of a protected request is settled in the next call: the code that received and verified
    // the answer (CoAP, OSCORE) is not compiled beside the code that acts on it (the context's confirmation,
    // and above, the caller's handling of the answer).
    if (this.state == ST_REQUEST) { this.reqSt = st; return this.yieldTo(ST_SETTLE); }
    const r = coapClient.response();
    this.hs.add(r);
    if (st != OK) return this.failHandshake(st);
    if (this.state == ST_WAIT_M2) {
      if (r.code != COAP_CHANGED) return this.refused(r);
      this.m2Len = r.payloadLen;
      return this.yieldTo(ST_CHECK_M2); // message_2 stays in the client's response buffer until then
    }
    // ST_WAIT_M3: the Responder accepted message_3 (2.04, maybe with message_4, which we do not require).
    if (r.code != COAP_CHANGED) {
      // Sent again as a new message (the 2.04 to an earlier copy was lost): that copy finished the session, and
      // a Responder may refuse this one with an EDHOC error. Run EDHOC again, as for a combined request.
      if (r.resends > 0 && r.contentFormat == CF_EDHOC_CBOR_SEQ && r.payloadLen > 0 && this.edhocRuns < MAX_EDHOC_RUNS) {
        logMsg(M_CHAN_SESSION_CONSUMED).int(edhocErrorCode(r.payload, r.payloadLen)).emit(LOG_INFO);
        contextDrop();
        this.failHandshake(OK);
        this.suiteIndex = 0;
        return this.startEdhoc();
      }
      return this.refused(r);
    }
    this.hs.ms = board.clock_ms() - this.t0;
    return this.sendRequest(false);
  }

  private settleRequest(st: i32, r: CoapResponse): i32 {
    this.req.add(r);
    this.req.ms += board.clock_ms() - this.reqT0;
    if (st == OK) {
      this.state = ST_READY; // more requests may follow under the context
      this.wipeHandshake();
      if (contextPending()) {
        const c = contextConfirm(this.sec.seq);
        if (c != OK) return failWith(c, M_CHAN_CTX_STORE).int(c).ret();
      }
      return OK;
    }
    if (st == E_OSCORE_UNPROTECTED) {
      // The server does not hold the stored context (RFC 8613 §8.2): 4.01 "Security context not found" when it
      // has no context under our Sender ID, 4.01 "Replay detected" when the stored sequence numbers fell behind
      // its window, 4.00 "Decryption failed" when the ID now names another context there (a restarted server
      // that gave our C_R to another session, or another server that gave it out). New keys from EDHOC end
      // each of these; a device with a pre-shared context and no EDHOC identity can only report it. Only the
      // first answer under a stored context leads here: an unprotected answer cannot make the device loop.
      if ((r.code == COAP_UNAUTHORIZED || r.code == COAP_BAD_REQUEST) && this.usedStored && !this.ranEdhoc) {
        this.usedStored = false;
        const setup = memory.data(4, 4);
        if (board.store_read(STORE_ID_EDHOC_SETUP, setup, 4) == E_STORE_NOT_FOUND) {
          this.state = ST_IDLE;
          return failWith(E_OSCORE_UNPROTECTED, M_CHAN_PSK_UNPROTECTED).int(r.code).bytes(r.payload, r.payloadLen < 80 ? r.payloadLen : 80).ret();
        }
        logMsg(M_CHAN_LOST_CTX).bytes(r.payload, r.payloadLen < 60 ? r.payloadLen : 60).emit(LOG_INFO);
        this.suiteIndex = 0;
        return this.startEdhoc();
      }
      // An EDHOC error for the combined request (RFC 9668 §3.3.1: 4.00 with the error message).
      if (this.reqCombined && r.contentFormat == CF_EDHOC_CBOR_SEQ && r.payloadLen > 0) {
        // Sent more than once (its answer was lost and the client sent it again as a new request): the first
        // copy consumed the EDHOC session, and the server refuses the second. Run EDHOC again.
        if (this.sec.protectedCount > 1 && this.edhocRuns < MAX_EDHOC_RUNS) {
          logMsg(M_CHAN_SESSION_CONSUMED).int(edhocErrorCode(r.payload, r.payloadLen)).emit(LOG_INFO);
          contextDrop();
          this.suiteIndex = 0;
          return this.startEdhoc();
        }
        contextDrop();
        this.state = ST_IDLE;
        return edhocErrorReport(r.payload, r.payloadLen);
      }
      contextDrop();
      this.state = ST_IDLE;
      return failWith(E_OSCORE_UNPROTECTED, M_CHAN_UNPROTECTED).int(r.code).bytes(r.payload, r.payloadLen < 80 ? r.payloadLen : 80).ret();
    }
    this.state = ST_IDLE;
    if (contextDrop()) logMsg(M_CHAN_CTX_NOT_CONFIRMED).emit(LOG_INFO);
    return st;
  }

  /** ST_CHECK_M2: message_2, as the client received it, decrypted and parsed. The checks run in three calls
   *  (parse, resolve the credential, verify), so that the code of an x5chain certificate's checks and that of
   *  the handshake's own are never compiled at once. A refusal is answered with an EDHOC error. */
  private checkM2(): i32 {
    const r = coapClient.response();
    const a = arenaTake(ARENA_HANDSHAKE);
    if (a == 0) return this.failHandshake(E_INTERNAL);
    const st = parseMessage2(s1, r.payload, r.payloadLen, s2, a + <usize>ARENA_PT2);
    if (st != OK) return this.refuseM2(st);
    return this.yieldTo(ST_RESOLVE_M2);
  }

  /** ST_RESOLVE_M2: the credential ID_CRED_R names. */
  private resolveM2(): i32 {
    const st = identityResolve(s2);
    if (st == VALIDATE_NEXT) return this.yieldTo(ST_VALIDATE_M2);
    if (st != OK) return this.refuseM2(st);
    return this.yieldTo(ST_VERIFY_M2);
  }

  /** ST_VALIDATE_M2: an x5chain certificate's path, subject and key. */
  private validateM2(): i32 {
    const st = identityValidate(s2);
    if (st != OK) return this.refuseM2(st);
    return this.yieldTo(ST_VERIFY_M2);
  }

  /** ST_VERIFY_M2: MAC_2 or the signature, under the credential. */
  private verifyM2(): i32 {
    const st = verifyMessage2(s2, peer.cred, peer.credLen, peer.idMap, peer.idMapLen, peer.key, peer.keyLen, s3);
    if (st != OK) return this.refuseM2(st);
    if (s3.cRLen == cfg.cILen && memory.compare(s3.cR, cfg.cI, <usize>cfg.cILen) == 0) {
      // RFC 9668 §4 / RFC 9528 §3.3: C_R equal to C_I would give both directions the same OSCORE Sender ID,
      // so a response would reuse its request's nonce. Abort — once message_2 is authenticated, so that a
      // garbled C_R is a MAC failure like any other change.
      this.sendError(E_EDHOC_ERROR);
      return this.failHandshake(fail(E_EDHOC_ERROR, M_CHAN_CR_EQUALS_CI));
    }
    memory.copy(this.gY, s3.gY, 32);
    this.gYValid = true;
    return this.yieldTo(ST_MAKE_M3);
  }

  /** message_2 refused: tell the Responder, forget the handshake, report. */
  private refuseM2(st: i32): i32 {
    this.sendError(st);
    this.failHandshake(st);
    if (st == E_UNSUPPORTED) return fail(st, M_CHAN_M2_EAD);
    if (st == E_CRYPTO_KEY) return fail(E_EDHOC_CREDENTIAL, M_CHAN_M2_CREDENTIAL);
    if (st == E_EDHOC_CREDENTIAL) return st; // credentials.ts recorded why (an x5chain certificate's path)
    return failWith(st, M_CHAN_M2_REFUSED).int(st).ret();
  }

  /** ST_MAKE_M3: message_3 and the new OSCORE context (Appendix A.1: Sender ID = C_R, Recipient ID = C_I),
   *  used at once but stored only once a response verifies under it (oscore/context.ts). */
  private makeM3(): i32 {
    const n = prepareMessage3(s3, cfg, m3Buf, EDHOC_M3_CAPACITY, s4);
    identityWipe(cfg);
    if (n < 0) return this.failHandshake(failWith(n, M_CHAN_M3).int(n).ret());
    this.m3Len = n;
    // The context in the next call: its key derivation is not compiled beside message_3's signature or MAC.
    return this.yieldTo(ST_DERIVE);
  }

  /** ST_DERIVE: the OSCORE context from the completed handshake (RFC 9528 Appendix A.1); the caller gets
   *  CHANNEL_READY and sends its request in this call. */
  private derive(): i32 {
    let st = exportOscore(s4, ms, salt);
    if (st == OK) st = contextNew(this.sec.ctx, this.sec.seq, ms, salt, s4.cR, s4.cRLen, cfg.cI, cfg.cILen);
    wipe(ms, 16); wipe(salt, 8); wipeCompleted(s4);
    if (st != OK) return this.failHandshake(failWith(st, M_CHAN_CTX_DERIVE).int(st).ret());
    logMsg(M_CHAN_CTX_NEW).bytes(s4.cR, s4.cRLen).bytes(cfg.cI, cfg.cILen).emit(LOG_INFO);
    this.m3Pending = true;
    this.wipeHandshake(); // message_3 and the context are all the rest needs: the arena goes back
    this.state = ST_READY;
    return CHANNEL_READY;
  }

  /**
   * Tell the Responder that its message_2 was refused: an EDHOC error message (ERR_CODE 1 with a short
   * diagnostic; RFC 9528 §6.2) POSTed with C_R in front (Appendix A.2), as a NON request nobody waits for.
   * Only when PLAINTEXT_2 decrypted far enough to name C_R; otherwise there is no session to address.
   */
  private sendError(status: i32): void {
    if (s2.cRWireLen == 0) return;
    const n = edhocErrorRefusal(edhocBuf, EDHOC_REQUEST_CAPACITY, s2.cRWire, s2.cRWireLen, status);
    if (n < 0) return;
    edhocRequest(this.edhocReq, this.transport, edhocBuf, n);
    this.edhocReq.confirmable = false;
    coapClient.sendOnce(this.edhocReq);
    logMsg(M_CHAN_ERROR_SENT).int(status).emit(LOG_INFO);
  }

  /** A refusal from the Responder: an EDHOC error message (RFC 9528 §6) or a bare CoAP error. Error code 2
   *  (wrong selected cipher suite) with a SUITES_R that names the device's other suite: one more handshake
   *  with that suite selected and the preferred one listed before it (§6.3.2). */
  private refused(r: CoapResponse): i32 {
    const afterM1 = this.state == ST_WAIT_M2;
    this.failHandshake(OK);
    if (r.contentFormat == CF_EDHOC_CBOR_SEQ && r.payloadLen > 0 && afterM1 && this.suiteIndex == 0 &&
        identitySuiteCount() > 1 && edhocErrorOffers(r.payload, r.payloadLen, identitySuite(1))) {
      logMsg(M_CHAN_SUITE_RETRY).int(identitySuite(0)).int(identitySuite(1)).emit(LOG_INFO);
      this.suiteIndex = 1;
      this.edhocRuns--; // a suite negotiation, not a new attempt
      return this.startEdhoc();
    }
    if (r.contentFormat == CF_EDHOC_CBOR_SEQ && r.payloadLen > 0) return edhocErrorReport(r.payload, r.payloadLen);
    return failWith(E_COAP_RESPONSE, M_CHAN_RESPONDER_ANSWERED).int(r.code).bytes(r.payload, r.payloadLen < 80 ? r.payloadLen : 80).ret();
  }
}

/** The request for a POST of (p, n) to /.well-known/edhoc, Content-Format 65, no OSCORE. */
function edhocRequest(q: CoapRequest, transport: CoapRequest, p: usize, n: i32): void {
  for (let i = 0; i < EDHOC_PATH.length; i++) store<u8>(edhocPath + <usize>i, <u8>EDHOC_PATH.charCodeAt(i));
  q.transportFrom(transport);
  q.path = edhocPath; q.pathLen = EDHOC_PATH.length;
  q.method = COAP_POST; q.contentFormat = CF_CID_EDHOC_CBOR_SEQ; q.accept = -1;
  q.payload = p; q.payloadLen = n;
  q.askSize = true;
}

/** The one channel of the module. */
export const channel = new SecureChannel();
