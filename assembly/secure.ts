// A protected request to the server: EDHOC over CoAP (RFC 9528 Appendix A.2) to establish an OSCORE context
// when asked to or when none is stored, then the request under OSCORE (RFC 8613). With `combined`, EDHOC
// message_3 rides in the first OSCORE request (RFC 9668 §3), so the handshake and the request take two round
// trips instead of three.
//
//   message_1:  POST /.well-known/edhoc, Content-Format 65, payload true || message_1   -> 2.04, message_2
//   message_3:  POST /.well-known/edhoc, Content-Format 65, payload C_R || message_3    -> 2.04 (sequential)
//   request:    the OSCORE-protected request (with the EDHOC option and message_3 when combined)
//
// The identity comes from the key store (provisioning writes it; store-ids.ts lists the records). The new
// context is written to the key store before its first use, and its sequence numbers restart only after
// that write, so a power cut can never pair a new context with numbers it already used.
//
// Sans-I/O like the CoAP client: begin() returns PENDING, the command feeds onDatagram()/onTimer(). The
// caller fills `coapClient.spec` with the endpoint and the request (path, method, formats, payload) first.

import * as board from "./abi";
import { LOG_INFO } from "./abi";
import {
  OK, PENDING, E_USAGE, E_LIMIT, E_STORE_NOT_FOUND, E_IDENTITY, E_EDHOC_ERROR, E_COAP_RESPONSE, E_STORE_CORRUPT,
  E_OSCORE_UNPROTECTED, E_UNSUPPORTED, E_CRYPTO_KEY, E_EDHOC_CREDENTIAL, statusName,
} from "./errors";
import { COAP_POST, COAP_CHANGED, CF_CID_EDHOC_CBOR_SEQ, CF_EDHOC_CBOR_SEQ, COAP_UNAUTHORIZED } from "./numbers/coap";
import { coapClient } from "./coap/client";
import {
  config as edhoc, edhocStart, edhocMessage2, edhocMessage3, edhocOscore, edhocWipe, edhocGY, edhocCRWire, cR, cRLen,
} from "./edhoc/initiator";
import { OscoreContext, oscoreDerive, OSCORE_MAX_ID } from "./oscore/oscore";
import { SeqCounter, seqLoad, seqVolatile, seqPersist } from "./oscore/seq";
import { cborInt } from "./cbor/encode";
import { CborReader, MT_ARRAY } from "./cbor/decode";
import { randomBytes, drbgReady, drbgSeedFromBoard, wipe } from "./crypto/index";
import {
  STORE_ID_EDHOC_SETUP, STORE_ID_EDHOC_KEY, STORE_ID_CRED_I, STORE_ID_ID_CRED_I, STORE_ID_CRED_R, STORE_ID_ID_CRED_R,
  STORE_ID_PEER_KEY, STORE_ID_OSCORE_CTX, STORE_ID_OSCORE_SEQ, STORE_ID_PEER_SUBJECT, STORE_ID_TRUST_ANCHORS,
} from "./store-ids";
import { fail, failDetail, logBegin, logEnd, Writer } from "./runtime";

const PHASE_IDLE = 0, PHASE_M1 = 1, PHASE_M3 = 2, PHASE_REQUEST = 3;
// The heavy steps of an exchange each run in a call into the module of their own: the step ends with a timer
// due at once (nextDeadline), and the next step runs when the host calls on_timer. Between two calls the host
// may drop wasm3's compiled code (est_host_limits_t.code_cache_bytes); on a 256 KiB board the code of
// message_2's checks, message_3, the CSR and the protected request does not fit at once beside the module's
// memory. The steps, in order (each only when the exchange needs it):
/** Send message_1 (built with the new ephemeral key in the call before). */
const PHASE_POST_M1 = 4;
/** Check message_2 (received in the call before): PLAINTEXT_2, the Responder's credential and MAC_2. */
const PHASE_CHECK_M2 = 5;
/** Build message_3 and derive the OSCORE context (message_2 verified in the call before). */
const PHASE_MAKE_M3 = 6;
/** Run the `prepare` step (the CSR: a new key and its signature). */
const PHASE_PREPARE = 7;
/** Send: message_3 combined with the request, message_3 alone, or the request under a stored context. */
const PHASE_SEND = 8;

/** Where the CBOR sequence of an EDHOC request is built and message_3 is kept for the combined request. */
const edhocBuf = memory.data(1300, 8);
/** The trust anchor record (2-byte length + DER certificate) when the server sends its certificate (x5chain). */
const taBuf = memory.data(1538, 8);
const M3_CAP = 1250; // message_3 with an x5chain ID_CRED_I carries a certificate
const m3Buf = memory.data(M3_CAP, 8);
const EDHOC_PATH = "/.well-known/edhoc";
const edhocPath = memory.data(32, 1);

/** Counters of one phase of the exchange, for the reports. */
export class PhaseStats {
  datagramsUp: i32 = 0;
  datagramsDown: i32 = 0;
  bytesUp: i32 = 0;
  bytesDown: i32 = 0;
  roundTrips: i32 = 0;
  ms: i64 = 0;
  /** EDHOC message sizes (message_1, message_2, message_3) for the handshake trace. */
  m1: i32 = 0;
  m2: i32 = 0;
  m3: i32 = 0;
}

export type PrepareFn = () => i32;

export class SecureRequest {
  /** Run EDHOC first even when a stored context exists. */
  edhoc: bool = false;
  /** Send message_3 with the first OSCORE request (RFC 9668). */
  combined: bool = true;
  /** Largest combined request, in bytes; a larger one falls back to the sequential flow (RFC 9668 §3.2.2
   *  leaves the limit to the application: one unfragmented datagram over IPv6 on 6LoWPAN-friendly paths). */
  maxCombined: i32 = 1152;
  /** Statistics: the EDHOC part and the request part. */
  hs: PhaseStats = new PhaseStats();
  req: PhaseStats = new PhaseStats();
  /** Whether EDHOC ran in this exchange (false: a stored context was used). */
  ranEdhoc: bool = false;
  /** The Responder's ephemeral key G_Y (x-coordinate) of the last handshake, for the static-DH proof of
   *  possession; gYValid until forgetGY() (a command calls it when it starts). */
  gY: usize = heap.alloc(32);
  gYValid: bool = false;
  forgetGY(): void { memory.fill(this.gY, 0, 32); this.gYValid = false; }
  /** Called just before the protected request is built, after EDHOC (so G_Y is known): it may rewrite the
   *  request payload and return its new length, or a negative status to stop. */
  prepare: PrepareFn | null = null;
  ctx: OscoreContext = new OscoreContext();
  seq: SeqCounter = new SeqCounter();

  private phase: i32 = PHASE_IDLE;
  private t0: i64 = 0;
  /** Which of the device's suites this handshake uses (0: preferred); the suite itself once EDHOC ran. */
  private suiteIndex: i32 = 0;
  suiteUsed: i32 = -1;
  // The application request, saved while the EDHOC messages use the client.
  private path: usize = 0;
  private pathLen: i32 = 0;
  private method: i32 = 0;
  private cf: i32 = -1;
  private accept: i32 = -1;
  private payload: usize = 0;
  private payloadLen: i32 = 0;

  /** Start: EDHOC (if asked for or no context is stored), else the protected request at once. */
  begin(): i32 {
    const s = coapClient.spec;
    this.path = s.path; this.pathLen = s.pathLen; this.method = s.method; this.cf = s.contentFormat;
    this.accept = s.accept; this.payload = s.payload; this.payloadLen = s.payloadLen;
    this.hs = new PhaseStats(); this.req = new PhaseStats();
    this.ranEdhoc = false;
    this.suiteIndex = 0;
    this.prepared = false;
    this.m3Pending = false;
    this.t0 = board.clock_ms();
    if (!this.edhoc) {
      const st = loadContext(this.ctx);
      if (st == OK) {
        const q = seqLoad(this.seq, STORE_ID_OSCORE_SEQ, ctxTagged, ctxTag, ctxFloor);
        if (q != OK) return fail(q, "the OSCORE sequence-number record is unreadable; run EDHOC again (--edhoc)");
        logBegin().str("oscore: using the stored context (Sender ID ").hex(this.ctx.senderId, this.ctx.senderIdLen)
          .str(", next sequence number ").dec(<i32>this.seq.next).str(")");
        logEnd(LOG_INFO);
        return this.yieldTo(PHASE_PREPARE);
      }
      if (st != E_STORE_NOT_FOUND) return fail(st, "the stored OSCORE context is unreadable; run EDHOC again (--edhoc)");
      logBegin().str("oscore: no stored context, running EDHOC"); logEnd(LOG_INFO);
    }
    return this.startEdhoc();
  }

  onDatagram(addr: usize, addrLen: i32, data: usize, len: i32): i32 {
    if (this.phase == PHASE_IDLE) return PENDING;
    // A datagram before the host ran the due timer: the steps first (the client waits for nothing meanwhile).
    while (this.resumable()) {
      const st = this.resume();
      if (st != PENDING) return st;
    }
    return this.settle(coapClient.onDatagram(addr, addrLen, data, len));
  }

  onTimer(): i32 {
    if (this.phase == PHASE_IDLE) return PENDING;
    if (this.resumable()) return this.resume();
    return this.settle(coapClient.onTimer());
  }

  nextDeadline(): i64 { return this.resumable() ? this.yieldAt : coapClient.nextDeadline(); }

  private yieldAt: i64 = 0;
  /** message_3 still has to go out (combined or alone) once the request is prepared. */
  private m3Pending: bool = false;
  private resumable(): bool { return this.phase >= PHASE_POST_M1; }
  /** End this call into the module; `phase` runs in the next one, at once. */
  private yieldTo(phase: i32): i32 {
    this.phase = phase;
    this.yieldAt = board.clock_ms();
    return PENDING;
  }

  /** Run the step the last call left due. */
  private resume(): i32 {
    if (this.phase == PHASE_POST_M1) { this.phase = PHASE_M1; return this.post(edhocBuf, this.hs.m1 + 1); }
    if (this.phase == PHASE_CHECK_M2) return this.checkM2();
    if (this.phase == PHASE_MAKE_M3) return this.makeM3();
    if (this.phase == PHASE_PREPARE) {
      const work = this.prepare !== null && !this.prepared;
      const st = this.runPrepare();
      if (st != OK) return st;
      if (work) return this.yieldTo(PHASE_SEND);
    }
    if (!this.m3Pending) return this.request(false);
    return this.sendM3();
  }

  private startEdhoc(): i32 {
    const st = loadIdentity(this.suiteIndex);
    if (st != OK) return st;
    this.suiteUsed = edhoc.suite;
    // The ephemeral key X and C_I are fresh for every handshake: X from the DRBG, C_I one byte in the range
    // whose wire form is a one-byte CBOR integer (RFC 9528 §3.3.2).
    let x = drbgReady() ? OK : drbgSeedFromBoard();
    if (x == OK) x = randomBytes(edhoc.x, 32);
    const c = memory.data(1);
    if (x == OK) x = randomBytes(c, 1);
    if (x != OK) return fail(x, "the random generator failed");
    store<u8>(edhoc.cI, load<u8>(c) % 24);
    edhoc.cILen = 1;
    store<u8>(edhocBuf, 0xf5); // CBOR true: "no C_R yet" prefix of message_1 (RFC 9528 Appendix A.2)
    const n = edhocStart(edhocBuf + 1, 1299);
    if (n < 0) { edhocWipe(); return fail(n, "cannot build EDHOC message_1"); }
    this.hs.m1 = n;
    this.ranEdhoc = true;
    return this.yieldTo(PHASE_POST_M1);
  }

  /** POST a CBOR sequence to /.well-known/edhoc. */
  private post(p: usize, n: i32): i32 {
    edhocRequest(p, n);
    return coapClient.begin();
  }

  private request(combined: bool): i32 {
    const s = coapClient.spec;
    const st = this.runPrepare();
    if (st != OK) return st;
    s.path = this.path; s.pathLen = this.pathLen; s.method = this.method; s.contentFormat = this.cf;
    s.accept = this.accept; s.payload = this.payload; s.payloadLen = this.payloadLen;
    s.oscore = this.ctx; s.seq = this.seq;
    s.edhocM3 = combined ? m3Buf : 0;
    s.edhocM3Len = combined ? this.hs.m3 : 0;
    this.phase = PHASE_REQUEST;
    return coapClient.begin();
  }

  /** Run the `prepare` step once per request (the combined-size check may run it before request()). */
  private prepared: bool = false;
  private runPrepare(): i32 {
    const prepare = this.prepare;
    if (prepare === null || this.prepared) return OK;
    const n = prepare();
    if (n < 0) { this.phase = PHASE_IDLE; if (this.ranEdhoc) edhocWipe(); return n; }
    this.payloadLen = n;
    this.prepared = true;
    return OK;
  }

  private account(into: PhaseStats): void {
    const r = coapClient.response;
    into.datagramsUp += r.datagramsUp; into.datagramsDown += r.datagramsDown;
    into.bytesUp += r.bytesUp; into.bytesDown += r.bytesDown; into.roundTrips += r.roundTrips;
  }

  private settle(st: i32): i32 {
    if (st == PENDING) return PENDING;
    const r = coapClient.response;
    if (this.phase == PHASE_REQUEST) {
      this.account(this.req);
      // The server lost the stored context (4.01 without OSCORE, RFC 8613 §8.2: "Security context not found"):
      // establish a new one with EDHOC, once. A forged 4.01 can cost a handshake, nothing more.
      if (st == E_OSCORE_UNPROTECTED && !this.ranEdhoc && r.code == COAP_UNAUTHORIZED) {
        logBegin().str("oscore: the server does not know the stored context; running EDHOC"); logEnd(LOG_INFO);
        const e = this.startEdhoc(); // the refused attempt stays in the request's counters
        if (e != PENDING) this.phase = PHASE_IDLE;
        return e;
      }
      this.req.ms = board.clock_ms() - this.t0 - this.hs.ms;
      this.phase = PHASE_IDLE;
      if (this.ranEdhoc) edhocWipe();
      if (st == OK) { const c = this.confirmContext(); if (c != OK) return c; }
      else this.dropPending();
      return st;
    }
    this.account(this.hs);
    if (st != OK) { this.phase = PHASE_IDLE; edhocWipe(); return st; }
    if (this.phase == PHASE_M1) {
      if (r.code != COAP_CHANGED) return this.refused(r.payload, r.payloadLen, r.code, r.contentFormat);
      this.hs.m2 = r.payloadLen;
      return this.yieldTo(PHASE_CHECK_M2); // message_2 stays in the client's response buffer until then
    }
    // PHASE_M3: the Responder accepted message_3 (2.04, maybe with message_4, which we do not require).
    if (r.code != COAP_CHANGED) return this.refused(r.payload, r.payloadLen, r.code, r.contentFormat);
    this.hs.ms = board.clock_ms() - this.t0;
    return this.request(false);
  }

  /** PHASE_CHECK_M2: message_2, as the client received it. A refusal is answered with an EDHOC error. */
  private checkM2(): i32 {
    const r = coapClient.response;
    const m2 = edhocMessage2(r.payload, r.payloadLen);
    if (m2 != OK) {
      this.phase = PHASE_IDLE; edhocWipe();
      sendEdhocError(m2);
      if (m2 == E_UNSUPPORTED) return fail(m2, "EDHOC message_2 carries a critical EAD item this device does not support");
      if (m2 == E_CRYPTO_KEY) return fail(E_EDHOC_CREDENTIAL, "EDHOC message_2 names another credential than the provisioned server's");
      return fail(m2, "EDHOC message_2 refused");
    }
    memory.copy(this.gY, edhocGY(), 32);
    this.gYValid = true;
    return this.yieldTo(PHASE_MAKE_M3);
  }

  /** PHASE_MAKE_M3: message_3 and the new OSCORE context, then the request is prepared. */
  private makeM3(): i32 {
    const n = edhocMessage3(m3Buf, M3_CAP);
    if (n < 0) { this.phase = PHASE_IDLE; edhocWipe(); return fail(n, "cannot build EDHOC message_3"); }
    this.hs.m3 = n;
    const ks = this.installContext();
    if (ks != OK) { this.phase = PHASE_IDLE; edhocWipe(); return ks; }
    this.m3Pending = true;
    return this.yieldTo(PHASE_PREPARE);
  }

  /** PHASE_SEND after EDHOC: message_3 with the prepared request (RFC 9668), or alone when that is too big. */
  private sendM3(): i32 {
    this.m3Pending = false;
    const n = this.hs.m3;
    // The combined request is about the size of the plain one plus message_3 and the EDHOC option (the
    // payload was prepared first, so its real size counts).
    if (this.combined && this.payloadLen + this.pathLen + n + 64 <= this.maxCombined) {
      this.hs.ms = board.clock_ms() - this.t0;
      return this.request(true);
    }
    if (this.combined) { logBegin().str("edhoc: the combined request would exceed ").dec(this.maxCombined).str(" bytes; sending message_3 on its own"); logEnd(LOG_INFO); }
    // Sequential flow: C_R || message_3.
    const o = edhocCRWire(edhocBuf);
    memory.copy(edhocBuf + <usize>o, m3Buf, <usize>n);
    this.phase = PHASE_M3;
    return this.post(edhocBuf, o + n);
  }

  /** The OSCORE context of the new handshake (Appendix A.1: Sender ID = C_R, Recipient ID = C_I). It is used
   *  at once but stored only when a response verifies under it (confirmContext): until the Responder has shown
   *  that it derived the same keys, a message_3 lost or altered on the way must not replace the stored context
   *  (a man in the middle could otherwise make the device drop a working context). Its sequence numbers count
   *  from 0 in memory meanwhile; a reboot forgets the context with them, so none can be used twice. */
  private installContext(): i32 {
    const ms = memory.data(16, 8), salt = memory.data(8, 8);
    let st = edhocOscore(ms, salt);
    if (st == OK) st = oscoreDerive(this.ctx, ms, 16, salt, 8, cR, cRLen, edhoc.cI, edhoc.cILen, 0, -1);
    if (st != OK) { wipe(ms, 16); wipe(salt, 8); return fail(st, "cannot derive the OSCORE context"); }
    const rec = pendingRec;
    memory.copy(rec, ms, 16); memory.copy(rec + 16, salt, 8);
    let o = 24;
    store<u8>(rec + <usize>o, <u8>cRLen); memory.copy(rec + <usize>(o + 1), cR, <usize>cRLen); o += 1 + cRLen;
    store<u8>(rec + <usize>o, <u8>edhoc.cILen); memory.copy(rec + <usize>(o + 1), edhoc.cI, <usize>edhoc.cILen); o += 1 + edhoc.cILen;
    wipe(ms, 16); wipe(salt, 8);
    this.pendingLen = o;
    seqVolatile(this.seq);
    logBegin().str("edhoc: OSCORE context established, Sender ID ").hex(cR, cRLen).str(", Recipient ID ").hex(edhoc.cI, edhoc.cILen)
      .str(" (stored once a response verifies)");
    logEnd(LOG_INFO);
    return OK;
  }

  private pendingLen: i32 = 0;

  /** A response verified under the new context: store it, with a fresh tag and the first sequence number not
   *  yet used as its floor, then keep counting in the sequence-number record under that tag. The context is
   *  written before any sequence-number record of its own: a power cut in between leaves a record of another
   *  tag, and the context then starts at its floor. */
  private confirmContext(): i32 {
    if (this.pendingLen == 0) return OK;
    const rec = pendingRec;
    let o = this.pendingLen;
    this.pendingLen = 0;
    let st = drbgReady() ? OK : drbgSeedFromBoard();
    if (st == OK) st = randomBytes(rec + <usize>o, 4);
    if (st != OK) { wipe(rec, PENDING_CAP); return fail(st, "the random generator failed"); }
    const tag = load<u32>(rec + <usize>o);
    store<u64>(rec + <usize>(o + 4), bswap<u64>(this.seq.next));
    o += 12;
    st = board.store_write(STORE_ID_OSCORE_CTX, rec, o);
    wipe(rec, PENDING_CAP);
    if (st != OK) return fail(st, "cannot store the new OSCORE context");
    seqPersist(this.seq, STORE_ID_OSCORE_SEQ, tag);
    return OK;
  }

  /** The new context was never confirmed: forget it (the stored one, if any, stays as it was). */
  private dropPending(): void {
    if (this.pendingLen == 0) return;
    this.pendingLen = 0;
    wipe(pendingRec, PENDING_CAP);
    logBegin().str("edhoc: the new OSCORE context was not confirmed by a verified response; not stored"); logEnd(LOG_INFO);
  }

  /** A refusal from the Responder: an EDHOC error message (RFC 9528 §6) or a bare CoAP error. Error code 2
   *  (wrong selected cipher suite) with a SUITES_R that names the device's other suite: one more handshake
   *  with that suite selected and the preferred one listed before it (§6.3.2). */
  private refused(p: usize, n: i32, code: i32, cf: i32): i32 {
    const afterM1 = this.phase == PHASE_M1;
    this.phase = PHASE_IDLE;
    edhocWipe();
    if (cf == CF_EDHOC_CBOR_SEQ && n > 0 && afterM1 && this.suiteIndex == 0 && suiteCount > 1 &&
        responderOffers(p, n, <i32>load<u8>(setupBuf + 2))) {
      logBegin().str("edhoc: the Responder does not support suite ").dec(<i32>load<u8>(setupBuf + 1)).str("; retrying with suite ")
        .dec(<i32>load<u8>(setupBuf + 2));
      logEnd(LOG_INFO);
      this.suiteIndex = 1;
      return this.startEdhoc();
    }
    if (cf == CF_EDHOC_CBOR_SEQ && n > 0) return edhocErrorText(p, n);
    fail(E_COAP_RESPONSE, "the EDHOC Responder answered ");
    failDetail().dec(code >> 5).byte(0x2e).byte(0x30 + (code & 31) / 10).byte(0x30 + (code & 31) % 10);
    return E_COAP_RESPONSE;
  }
}

/**
 * Tell the Responder that its message_2 was refused: an EDHOC error message (ERR_CODE 1, ERR_INFO a short
 * diagnostic; RFC 9528 §6.2) POSTed with C_R in front (Appendix A.2), as a NON request nobody waits for. Only
 * when PLAINTEXT_2 decrypted far enough to name C_R; otherwise there is no session to address.
 */
/** The client's spec for a POST of (p, n) to /.well-known/edhoc, Content-Format 65, no OSCORE. */
function edhocRequest(p: usize, n: i32): void {
  const s = coapClient.spec;
  for (let i = 0; i < EDHOC_PATH.length; i++) store<u8>(edhocPath + <usize>i, <u8>EDHOC_PATH.charCodeAt(i));
  s.path = edhocPath; s.pathLen = EDHOC_PATH.length;
  s.method = COAP_POST; s.contentFormat = CF_CID_EDHOC_CBOR_SEQ; s.accept = -1;
  s.payload = p; s.payloadLen = n;
  s.oscore = null; s.seq = null; s.edhocM3 = 0; s.edhocM3Len = 0;
}

function sendEdhocError(status: i32): void {
  if (cRLen == 0) return;
  const b = memory.data(64, 8);
  let o = edhocCRWire(b);
  store<u8>(b + <usize>o, 0x01); o++; // ERR_CODE 1: unspecified error, with a text
  const name = statusName(status);
  const t = "message_2 refused: ";
  const n = t.length + name.length;
  if (n < 24) { store<u8>(b + <usize>o, <u8>(0x60 + n)); o++; } // tstr header
  else { store<u8>(b + <usize>o, 0x78); store<u8>(b + <usize>(o + 1), <u8>n); o += 2; }
  for (let i = 0; i < t.length; i++) store<u8>(b + <usize>(o + i), <u8>t.charCodeAt(i));
  o += t.length;
  for (let i = 0; i < name.length; i++) store<u8>(b + <usize>(o + i), <u8>name.charCodeAt(i));
  o += name.length;
  const s = coapClient.spec;
  edhocRequest(b, o);
  s.confirmable = false;
  coapClient.begin(); // sent once; the command ends without waiting
  s.confirmable = true;
  logBegin().str("edhoc: sent an error message to the Responder (").str(name).str(")"); logEnd(LOG_INFO);
}

/** One reader for the EDHOC error message: a `new` per call would never be freed (stub runtime) and would grow
 *  the module's memory with every error message (found by the edhoc_err fuzz target). */
const errReader = new CborReader();

/** Whether an EDHOC error message is code 2 with SUITES_R (an int or an array) containing `suite`. */
export function responderOffers(p: usize, n: i32, suite: i32): bool {
  const r = errReader;
  r.reset(p, n, false);
  if (r.readInt() != OK || r.value != 2) return false;
  if (r.peekType() == MT_ARRAY) {
    if (r.enterArray() != OK) return false;
    const k = r.count;
    for (let i = 0; i < k; i++) { if (r.readInt() != OK) return false; if (<i32>r.value == suite) return true; }
    return false;
  }
  return r.readInt() == OK && <i32>r.value == suite;
}

/** Report an EDHOC error message (ERR_CODE, ERR_INFO): 1 with a diagnostic text, 2 with SUITES_R. */
export function edhocErrorText(p: usize, n: i32): i32 {
  const r = errReader;
  r.reset(p, n, false);
  if (r.readInt() != OK) return fail(E_EDHOC_ERROR, "the Responder sent a malformed EDHOC error message");
  const code = <i32>r.value;
  const d = failDetail();
  fail(E_EDHOC_ERROR, "the Responder sent EDHOC error ");
  d.dec(code);
  if (code == 1 && r.readTstr() == OK) d.str(": ").bytes(r.ptr, r.size < 120 ? r.size : 120);
  else if (code == 2) {
    d.str(" (wrong selected cipher suite); it supports ");
    if (r.peekType() == MT_ARRAY) {
      if (r.enterArray() == OK) {
        const k = r.count;
        for (let i = 0; i < k && r.readInt() == OK; i++) { if (i > 0) d.str(", "); d.dec(<i32>r.value); }
      }
    } else if (r.readInt() == OK) d.dec(<i32>r.value);
    d.str("; provision a matching suite");
  }
  return E_EDHOC_ERROR;
}

// ---- Key store ---------------------------------------------------------------------------------------------

function readRecord(id: u32, p: usize, cap: i32, what: string, exact: i32 = -1): i32 {
  const n = board.store_read(id, p, cap);
  if (n == E_STORE_NOT_FOUND) {
    fail(E_IDENTITY, "the key store has no ");
    failDetail().str(what).str(" (record ").dec(id).str("); provision the device first");
    return E_IDENTITY;
  }
  if (n < 0) { fail(n, "cannot read "); failDetail().str(what); return n; }
  if (exact >= 0 && n != exact) { fail(E_STORE_CORRUPT, "wrong length of "); failDetail().str(what); return E_STORE_CORRUPT; }
  return n;
}

/** The suites the device has identities for, in its order of preference (the setup record after the method). */
const setupBuf = memory.data(4);
let suiteCount = 0;

/**
 * Load the device's EDHOC identity for its `index`-th suite (0: the preferred one; 1: the alternative, whose
 * records sit 8 ids above: STORE_ID_EDHOC_KEY + 8 ...) and the Responder it trusts into the Initiator's
 * configuration. SUITES_I is the selected suite alone, or [the more preferred ones..., selected] (§5.2.2).
 */
export function loadIdentity(index: i32 = 0): i32 {
  const c = edhoc;
  let n = readRecord(STORE_ID_EDHOC_SETUP, setupBuf, 4, "EDHOC setup (method, suite)");
  if (n < 2 || n > 3) return n < 0 ? n : fail(E_STORE_CORRUPT, "the EDHOC setup record must be 2 or 3 bytes");
  suiteCount = n - 1;
  if (index >= suiteCount) return fail(E_IDENTITY, "no identity for another cipher suite");
  c.method = <i32>load<u8>(setupBuf);
  c.suite = <i32>load<u8>(setupBuf + 1 + <usize>index);
  if (c.method > 3 || (c.suite != 0 && c.suite != 2)) return fail(E_IDENTITY, "the stored EDHOC setup names an unsupported method or suite");
  if (index == 0) c.suitesILen = cborInt(c.suitesI, 16, 0, c.suite);
  else {
    store<u8>(c.suitesI, <u8>(0x80 + index + 1));
    let o = 1;
    for (let i = 0; i <= index; i++) o = cborInt(c.suitesI, 16, o, <i32>load<u8>(setupBuf + 1 + <usize>i));
    c.suitesILen = o;
  }
  const d = <u32>(index * 8);
  if ((n = readRecord(STORE_ID_EDHOC_KEY + d, c.iKey, 32, "device EDHOC key", 32)) < 0) return n;
  if ((n = readRecord(STORE_ID_CRED_I + d, c.credI, 1100, "device credential CRED_I")) < 0) return n;
  c.credILen = n;
  if ((n = readRecord(STORE_ID_ID_CRED_I + d, c.idCredI, 1100, "device ID_CRED_I")) < 0) return n;
  c.idCredILen = n;
  // The server: a provisioned credential (CCS or certificate, identified by kid or x5t), or with x5chain only
  // its subject name, its certificate being checked against the trust anchor when it arrives.
  const subj = board.store_read(STORE_ID_PEER_SUBJECT + d, c.peerSubject, 128);
  if (subj > 0 && board.store_read(STORE_ID_ID_CRED_R + d, c.idCredR, 1) == E_STORE_NOT_FOUND) {
    c.peerSubjectLen = subj;
    c.idCredRLen = 0; c.credRLen = 0; c.gRLen = 0;
    n = readRecord(STORE_ID_TRUST_ANCHORS, taBuf, 1538, "trust anchor (needed to check the server's x5chain)");
    if (n < 0) return n;
    const l = (<i32>load<u8>(taBuf) << 8) | <i32>load<u8>(taBuf + 1);
    if (l + 2 > n) return fail(E_STORE_CORRUPT, "the trust-anchor record is malformed");
    c.trustAnchor = taBuf + 2; c.trustAnchorLen = l;
    return OK;
  }
  if ((n = readRecord(STORE_ID_CRED_R + d, c.credR, 1100, "server credential CRED_R")) < 0) return n;
  c.credRLen = n;
  if ((n = readRecord(STORE_ID_ID_CRED_R + d, c.idCredR, 1100, "server ID_CRED_R")) < 0) return n;
  c.idCredRLen = n;
  if ((n = readRecord(STORE_ID_PEER_KEY + d, c.gR, 65, "server public key")) < 0) return n;
  c.gRLen = n;
  return OK;
}

/** The stored context's tag and sequence-number floor (confirmContext); untagged for a context provisioned
 *  without them (tools/provision.ts --psk). Set by loadContext. */
let ctxTagged = false;
let ctxTag: u32 = 0;
let ctxFloor: u64 = 0;
const PENDING_CAP = 64;
const pendingRec = memory.data(PENDING_CAP, 8);

/** The stored OSCORE context, derived into ctx. E_STORE_NOT_FOUND when there is none. Record: master secret
 *  (16), master salt (8), Sender ID (length + bytes), Recipient ID (length + bytes), then optionally the tag
 *  (4) and the floor (8, big-endian). */
export function loadContext(ctx: OscoreContext): i32 {
  const rec = memory.data(PENDING_CAP, 8);
  const n = board.store_read(STORE_ID_OSCORE_CTX, rec, PENDING_CAP);
  if (n < 0) return n;
  if (n < 26) { wipe(rec, PENDING_CAP); return E_STORE_CORRUPT; }
  const sl = <i32>load<u8>(rec + 24);
  if (sl > OSCORE_MAX_ID || 25 + sl >= n) { wipe(rec, PENDING_CAP); return E_STORE_CORRUPT; }
  const rl = <i32>load<u8>(rec + <usize>(25 + sl));
  const base = 26 + sl + rl;
  if (rl > OSCORE_MAX_ID || (n != base && n != base + 12)) { wipe(rec, PENDING_CAP); return E_STORE_CORRUPT; }
  ctxTagged = n == base + 12;
  ctxTag = ctxTagged ? load<u32>(rec + <usize>base) : 0;
  ctxFloor = ctxTagged ? bswap<u64>(load<u64>(rec + <usize>(base + 4))) : 0;
  const st = oscoreDerive(ctx, rec, 16, rec + 16, 8, rec + 25, sl, rec + <usize>(26 + sl), rl, 0, -1);
  wipe(rec, PENDING_CAP);
  return st;
}

export const secure = new SecureRequest();
