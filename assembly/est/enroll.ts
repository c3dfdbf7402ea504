// EST-oscore enrollment (RFC 9148 paths under OSCORE, EST-oscore draft): the device's one job.
//
//   first enrollment:  EDHOC message_1, then /sen in the combined request with message_3  (2 round trips)
//   re-enrollment:     /sren under the stored OSCORE context, no EDHOC                    (1 round trip)
//   trust anchors:     the trust-anchor record (pki/trust.ts) when it holds the certificate's issuer, else /crts
//                      under OSCORE after the server was authenticated (one more round trip); the CA
//                      certificates of that answer replace the record once the certificate's path holds
//
// Every run makes a new key (P-256 by default, the curve of EDHOC suite 2; Ed25519 or X25519 with suite 0)
// and a CSR whose proof of possession is a signature or, with pop DH, the static-DH MAC of docs/dh-pop.md
// keyed by the Responder's ephemeral key G_Y of this run's EDHOC (so a DH proof always runs EDHOC), or the
// classic RFC 6955 MAC to the CA's DH certificate from /crts. The issued certificate must carry the CSR's key
// and its path lead to a trust anchor (pki/path.ts: dates, critical extensions, CA rules, signatures); only then
// are key, certificate and its issuer's certificate written to the key store in one record (est/record.ts), so
// a power cut leaves the old or the new state.
//
// The steps: [ /att ] [ /crts for the RFC 6955 recipient ] then the CSR (its own call into the module), the
// enrollment request, the issued certificate's checks (its own call), [ /crts for the trust anchor ], the chain
// check and the store write (its own call). The channel (edhoc/channel.ts) may run EDHOC again in between
// (a lost context, a consumed session): then the CSR is made again for the new handshake.
//
// Sans-I/O: enrollStart() returns PENDING; the command layer feeds enrollDatagram()/enrollTimer() and arms
// its timer from enrollDeadline(). The result leaves as a result record (est/report.ts).
//
// Deliberately not here: argument parsing and the job (app/device.ts), report text (the hosts).

import * as board from "../base/abi";
import { LOG_INFO } from "../base/abi";
import {
  OK, PENDING, E_USAGE, E_LIMIT, E_EST_RESPONSE, E_EST_CERT_KEY, E_EST_CHAIN, E_COAP_RESPONSE,
  E_STORE_CORRUPT, E_EST_REFUSED, E_INTERNAL, E_STORE_NOT_FOUND, E_UNSUPPORTED,
} from "../base/errors";
import { fail, failWith, logMsg } from "../base/diag";
import {
  EST_CSR_CAPACITY, EST_CERT_CAPACITY, EST_PATH_CAPACITY, ARENA_RECORD, ARENA_ENROLLMENT_TA, TRUST_ANCHORS_CAPACITY, CSR_INFO_CAPACITY,
} from "../base/config";
import { arenaTake, arenaRelease, ARENA_CSR, ARENA_ENROLLMENT, ARENA_STATUS } from "../base/arena";
import { STORE_ID_EDHOC_SETUP, STORE_ID_DEVICE_POLICY, STORE_ID_SELFTEST, KEY_ID_ENROLL_A, KEY_ID_ENROLL_B } from "../base/store-ids";
import {
  M_EST_ROOT_TOO_LONG, M_EST_SKG_EDHOC, M_EST_SKG_RNG, M_EST_SKG_POP, M_EST_STORE_READONLY, M_EST_KEY, M_EST_CSR,
  M_EST_CSR_SIG, M_EST_CSR_DH, M_EST_DH_NEEDS_EDHOC, M_EST_ANSWER, M_EST_FORMAT, M_CERT_TOO_BIG, M_CERT_PARSE, M_EST_CERT_KEY,
  M_EST_TA_MALFORMED, M_CRTS_FORMAT, M_CRTS_BUNDLE, M_CRTS_NO_CA, M_CRTS_TA_TOO_BIG, M_EST_TA_STORE, M_EST_TA_INSTALLED, M_EST_STORE,
  M_EST_ATT_ASKING, M_EST_ATT_ITEMS, M_EST_ATT_PASSWORD, M_EST_ATT_DH_EDHOC, M_EST_ATT_POP_SIG, M_EST_ATT_POP_DH, M_EST_RECIPIENT_FETCH,
  M_EST_ENROLLING, M_EST_REENROLLING, M_CRYPTO_NO_ALG, M_C509_FALLBACK,
} from "../base/msg";
import {
  COAP_POST, COAP_GET, COAP_CHANGED, COAP_CONTENT, CF_PKCS10, CF_PKIX_CERT, CF_PKCS7_CERTS_ONLY, CF_MULTIPART_CORE,
  CF_CSRATTRS, COAP_UNSUPPORTED_CONTENT_FORMAT, COAP_NOT_ACCEPTABLE,
} from "../numbers/coap";
import { CoapRequest } from "../coap/client";
import { CoapEndpoint } from "../coap/uri";
import { ExchangeStats } from "../coap/stats";
import { wipe, keyErase, keyDestroy } from "../crypto/index";
import { KEY_P256_DH, KEY_X25519_DH, keyIsDh, keyKindFor, keyPairGenerate, keyPairPublic } from "../pki/keys";
import { csrSpec, csrBuild } from "../pki/csr";
import { Certificate, x509Parse, x509HasKey, pkcs7Certificates, spanEquals } from "../pki/x509";
import { trustAnchorsLoad, trustAnchorsUse, trustAnchorSpans, trustAnchorsAppend, trustAnchorsSave } from "../pki/trust";
import { pathValidate, pathAccept, pathSpans, pathIssuer, pathIssuerLength, PATH_MAX_CERTS } from "../pki/path";
import { timeNow, timeIsReal } from "../pki/time";
import { channel, CHANNEL_READY } from "../edhoc/channel";
import { CsrAttrs, csrAttrsParse } from "./att";
import { recipientTake } from "./recipient";
import { skgTake } from "./skg";
import { enrollmentLoad, enrollmentStore, enrollmentKeyOpen, recordCertSlot, recordCertLen, recordCaSlot, recordIsC509 } from "./record";
import { reportEnroll } from "./report";
import { enrollOptions, enrollState, issuedCert, caCert, storedRecord } from "./state";
import { FORMAT_C509, c509Start, c509Csr, c509Answer, c509Check, c509IssuerIs, c509Crts, c509Chain } from "./c509";

// What the command is waiting for or will do next (EnrollState.step).
const S_IDLE = 0;
const S_ATT = 1;        // the channel opens / /att asked
const S_RECIPIENT = 2;  // the channel opens / /crts asked for the RFC 6955 recipient
const S_ENROLL = 3;     // the channel opens / the enrollment request sent
const S_CRTS = 4;       // /crts asked for the trust anchor
const S_CSR = 5;        // due: the key and the CSR
const S_SEND = 8;       // due: the enrollment request (the CSR was made in the call before)
const S_CHECK = 6;      // due: the issued certificate parses and carries the CSR's key
const S_FINISH = 7;     // due: the chain check
const S_OPEN = 9;       // due: open the channel (the stored context, or EDHOC's message_1) for `next`
const S_STORE = 10;     // due: the store write and the report (the chain was checked in the call before)

const DEFAULT_ROOT = "/.well-known/est";
/** Retransmissions of one message before the request goes again as a new message (RFC 7252 §4.8 lets an
 *  application choose MAX_RETRANSMIT; the default 4 lets one message's back-off span 62-93 s). An enrollment
 *  needs two exchanges or more within one deadline (-B, 90 s): with 2, a message is given up after 14-21 s and
 *  the request sent anew with the back-off started again, so a lossy link gets about 15 transmissions in 90 s
 *  instead of 5-6 (40% loss both ways: 20 of 20 seeds enroll instead of 16; README "Measurements"). Each
 *  message still doubles its timeout; a request goes anew at most once per 7 ACK_TIMEOUTs (14 s). */
const ENROLL_MAX_RETRANSMIT: i32 = 2;
const pathBuf = memory.data(EST_PATH_CAPACITY + 8, 1);
const csrBuf = memory.data(EST_CSR_CAPACITY, 8);
/** The enrollment record being assembled (in the arena, ARENA_ENROLLMENT), and its certificate slots. */
let recBuf: usize = 0;
let certBuf: usize = 0;
let caBuf: usize = 0;
/** > 0: the trust-anchor room holds this many bytes of /crts CA certificates (the record's format), to be
 *  installed once the certificate's path holds; 0: the path is checked against the stored record. */
let crtsTaLen = 0;
const cert = issuedCert; // shared (est/state.ts)
const ca = caCert;
const attrs = new CsrAttrs();
const request = new CoapRequest();
/** The request object, lent to app/request.ts (the two commands never run at once). */
export const enrollRequest = request;
/** When the due step runs (clock_ms time). */
let yieldAt: i64 = 0;

function setPath(suffix: string): void {
  const o = enrollOptions;
  memory.copy(pathBuf, o.root, <usize>o.rootLen);
  for (let i = 0; i < suffix.length; i++) store<u8>(pathBuf + <usize>(o.rootLen + i), <u8>suffix.charCodeAt(i));
  request.path = pathBuf;
  request.pathLen = o.rootLen + suffix.length;
}

const old = storedRecord; // shared with est/status.ts (est/state.ts)

/** Whether an enrollment is stored; notes the board key it names (enrollState.oldKeyId, oldKeyKind). */
function readOldKey(): bool {
  const e = enrollState;
  e.oldKeyId = 0; e.oldKeyKind = 0;
  const a = arenaTake(ARENA_STATUS);
  if (a == 0) return false;
  const st = enrollmentLoad(old, a + <usize>ARENA_RECORD);
  if (st == OK) { e.oldKeyId = old.keyId; e.oldKeyKind = old.kind; }
  arenaRelease(ARENA_STATUS);
  return st != E_STORE_NOT_FOUND;
}

/** Start an enrollment with enrollOptions (and the subject fields of csrSpec). Returns PENDING or a status. */
export function enrollStart(): i32 {
  const o = enrollOptions, e = enrollState, spec = csrSpec;
  // The root: the URI's path, or /.well-known/est.
  let rl = o.ep.pathLen;
  while (rl > 0 && load<u8>(o.ep.path + <usize>(rl - 1)) == 0x2f) rl--;
  if (rl > EST_PATH_CAPACITY - 8) return failWith(E_LIMIT, M_EST_ROOT_TOO_LONG).int(EST_PATH_CAPACITY - 8).ret();
  if (rl == 0) {
    for (let i = 0; i < DEFAULT_ROOT.length; i++) store<u8>(o.root + <usize>i, <u8>DEFAULT_ROOT.charCodeAt(i));
    o.rootLen = DEFAULT_ROOT.length;
  } else { memory.copy(o.root, o.ep.path, <usize>rl); o.rootLen = rl; }
  e.format = o.format;
  if (o.format == FORMAT_C509) { const c = c509Start(); if (c != OK) return c; }
  // The key kind follows the EDHOC suite (the curve in use) and the proof of possession.
  const setup = memory.data(4);
  const usesEdhoc = board.store_read(STORE_ID_EDHOC_SETUP, setup, 4) >= 2;
  e.suite = usesEdhoc ? <i32>load<u8>(setup + 1) : 2;
  spec.key.kind = keyKindFor(e.suite, o.pop >= 2);
  spec.classic = o.pop == 3;
  if (o.serverKeygen != 0) {
    // EST-oscore draft §5.2 / §8: server-side key generation only for a device that does not use EDHOC (a
    // pre-shared OSCORE context) and has no cryptographically secure RNG; everyone else makes its own key.
    const policy = memory.data(1);
    const weak = board.store_read(STORE_ID_DEVICE_POLICY, policy, 1) == 1 && (load<u8>(policy) & 1) != 0;
    if (usesEdhoc) return fail(E_EST_REFUSED, M_EST_SKG_EDHOC);
    if (!weak) return fail(E_EST_REFUSED, M_EST_SKG_RNG);
    if (o.pop >= 2) return fail(E_USAGE, M_EST_SKG_POP);
  }
  // A store that cannot be written would only show once the certificate was issued: find out now.
  const probe = memory.data(1);
  store<u8>(probe, 0x5a);
  let st = board.store_write(STORE_ID_SELFTEST, probe, 1);
  if (st == OK) st = board.store_erase(STORE_ID_SELFTEST);
  if (st != OK) return failWith(st, M_EST_STORE_READONLY).int(st).ret();
  // The old record's key is noted whatever the resource (--sren and maintain's renewal reuse it; every
  // enrollment makes its new key under the other board id and erases the old one only once stored).
  const had = readOldKey();
  e.reenroll = o.resource == 2 || (o.resource == 0 && had);
  e.newKeyId = e.oldKeyId == KEY_ID_ENROLL_A ? KEY_ID_ENROLL_B : KEY_ID_ENROLL_A;
  e.keyReady = false; e.stored = false; e.keyReused = false;
  e.csrLen = 0; e.certLen = 0; e.caLen = 0; e.crtsBefore = false;
  recBuf = 0; certBuf = 0; caBuf = 0;
  e.att.reset(); e.crts.reset(); e.enroll.reset();
  e.t0 = board.clock_ms();
  const ch = channel;
  const t = ch.transport;
  t.ep = o.ep; t.deadlineMs = o.deadlineMs; t.deadlineAt = e.t0 + <i64>o.deadlineMs; t.ackTimeoutMs = o.ackTimeoutMs;
  t.trace = o.trace; t.szx = o.szx; t.confirmable = true; t.retry = true; t.maxRetransmit = ENROLL_MAX_RETRANSMIT;
  ch.forceEdhoc = o.forceEdhoc || o.pop == 2; ch.combine = o.combine; ch.maxCombined = o.maxCombined;
  request.ep = o.ep;
  e.next = <u8>(o.askAtt ? S_ATT : o.pop == 3 ? S_RECIPIENT : S_ENROLL);
  if (o.askAtt) logMsg(M_EST_ATT_ASKING).emit(LOG_INFO);
  else if (o.pop == 3) logMsg(M_EST_RECIPIENT_FETCH).emit(LOG_INFO);
  // The channel opens in the next call: the code of the arguments and of this setup is not compiled beside
  // that of the identity and message_1.
  return stepSoon(S_OPEN);
}

export function enrollDatagram(addr: usize, addrLen: i32, data: usize, len: i32): i32 {
  // Past the exchange: run the due step; what comes now is not for this command.
  if (due()) return dueStep();
  return settle(channel.onDatagram(addr, addrLen, data, len));
}

export function enrollTimer(): i32 {
  if (due()) return dueStep();
  return settle(channel.onTimer());
}

/** The step of the enrollment's own that runs in a call of its own. Kept out of enrollTimer, which every
 *  timer step of the exchange passes through: its code is compiled only in the calls that run one. */
function dueStep(): i32 {
  const e = enrollState, s = e.step;
  if (s == S_OPEN) { e.step = e.next; return settle(channel.open()); }
  if (s == S_CSR) return makeCsr();
  if (s == S_SEND) return sendEnroll();
  if (s == S_CHECK) return checkIssued();
  if (s == S_FINISH) return finish();
  return storeRecord();
}

/** When the command layer must call enrollTimer (absolute clock_ms time), -1 for none. */
export function enrollDeadline(): i64 { return due() ? yieldAt : channel.nextDeadline(); }

function due(): bool {
  const s = enrollState.step;
  return s == S_OPEN || s == S_CSR || s == S_SEND || s == S_CHECK || s == S_FINISH || s == S_STORE;
}
/** Go on with `next` in the next call into the module, at once. */
function stepSoon(next: i32): i32 { enrollState.step = next; yieldAt = board.clock_ms(); return PENDING; }

/** A channel status: PENDING, CHANNEL_READY (send the step's request), OK (its answer) or an error. Most calls
 *  into the module end PENDING (a handshake step, a block, a retransmission): that test alone stays in the
 *  callers, so the code that acts on a status is compiled only in the calls that have one. */
function settle(st: i32): i32 {
  if (st == PENDING) return PENDING;
  return settleStatus(st);
}

function settleStatus(st: i32): i32 {
  const e = enrollState;
  if (st == CHANNEL_READY) {
    if (e.step == S_ATT) return ask(COAP_GET, "/att", CF_CSRATTRS);
    if (e.step == S_RECIPIENT || e.step == S_CRTS) return ask(COAP_GET, "/crts", crtsAccept());
    return stepSoon(S_CSR); // the key and the CSR in a call of their own, then the request
  }
  const phase = e.step == S_ATT ? e.att : e.step == S_ENROLL ? e.enroll : e.crts;
  phase.addStats(channel.req);
  channel.req.reset();
  if (st != OK) return done(st);
  const r = channel.response();
  if (e.step == S_ATT) {
    if (r.code != COAP_CONTENT) return done(responseError(r.code, r.payload, r.payloadLen));
    const a = applyAttrs(r.payload, r.payloadLen, r.contentFormat);
    if (a != OK) return done(a);
    e.step = enrollOptions.pop == 3 ? S_RECIPIENT : S_ENROLL;
    if (e.step == S_RECIPIENT) return ask(COAP_GET, "/crts", CF_PKCS7_CERTS_ONLY);
    return stepSoon(S_CSR);
  }
  if (e.step == S_RECIPIENT) {
    if (r.code != COAP_CONTENT) return done(responseError(r.code, r.payload, r.payloadLen));
    const t = recipientTake(r.payload, r.payloadLen, r.contentFormat, csrSpec);
    if (t != OK) return done(t);
    e.crtsBefore = true;
    e.step = S_ENROLL;
    return stepSoon(S_CSR);
  }
  if (e.step == S_ENROLL) return enrolled(r.code, r.payload, r.payloadLen, r.contentFormat);
  return crtsAnswer(r.code, r.payload, r.payloadLen, r.contentFormat);
}

/** A GET of the step's resource under the channel. */
function ask(method: i32, suffix: string, accept: i32): i32 {
  setPath(suffix);
  request.method = method; request.contentFormat = -1; request.accept = accept;
  request.payload = csrBuf; request.payloadLen = 0;
  return settle(channel.request(request));
}

/** S_CSR: make the key (once) and the CSR (again after each handshake: a DH proof is keyed by its G_Y); the
 *  request goes in the next call (S_SEND), so the code of the two is never compiled at once. */
function makeCsr(): i32 {
  const o = enrollOptions, e = enrollState, spec = csrSpec;
  e.step = S_ENROLL;
  // EDHOC may have settled on the device's other suite (error code 2): enroll a key on that suite's curve.
  if (o.serverKeygen == 0 && channel.ranEdhoc && channel.suiteUsed >= 0 && channel.suiteUsed != e.suite) {
    e.suite = channel.suiteUsed;
    spec.key.kind = keyKindFor(e.suite, keyIsDh(spec.key.kind));
    e.keyReady = false;
  }
  // A CSR always carries a key; for server-side key generation the server replaces it with its own. A
  // re-enrollment renews the enrolled key (RFC 7030 §4.2.2) unless told to rekey or the key kind changed;
  // a first enrollment, or one whose old key cannot be opened, makes a new one.
  if (!e.keyReady) {
    e.keyReused = false;
    if (e.reenroll && !o.rekey && o.serverKeygen == 0 && e.oldKeyKind == spec.key.kind) {
      const a = arenaTake(ARENA_CSR);
      // The public key is the enrolled certificate's (asking the board for it would cost a P-256 scalar
      // multiplication on the board: PSA recomputes a public key on export); a C509 certificate carries a P-256
      // point compressed, so there the board is asked.
      if (a != 0 && enrollmentKeyOpen(spec.key, a, e.newKeyId) == OK) {
        if (recordIsC509(a)) e.keyReused = keyPairPublic(spec.key) == OK;
        else if (x509Parse(cert, recordCertSlot(a), recordCertLen(a)) == OK && cert.keyLen <= 65) {
          memory.copy(spec.key.pub, cert.key, <usize>cert.keyLen); spec.key.pubLen = cert.keyLen;
          e.keyReused = true;
        }
      }
      arenaRelease(ARENA_CSR);
    }
    if (!e.keyReused) {
      const k = keyPairGenerate(spec.key, e.newKeyId);
      if (k == E_UNSUPPORTED) return done(failWith(k, M_CRYPTO_NO_ALG).ascii("Ed25519 (the key to enroll; --suite 2 or --pop dh)").ret());
      if (k != OK) return done(failWith(k, M_EST_KEY).int(k).ret());
    }
    e.keyReady = true;
    // A renewal's key came with the enrolled certificate, parsed for it: the CSR in the next call, so the
    // certificate's parser is not compiled beside the CSR's writer.
    if (e.keyReused) return stepSoon(S_CSR);
  }
  if (o.serverKeygen == 0) {
    if (keyIsDh(spec.key.kind) && !spec.classic) {
      if (!channel.gYValid) return done(fail(E_USAGE, M_EST_DH_NEEDS_EDHOC));
      memory.copy(spec.recipient, channel.gY, 32);
    }
  }
  const info = arenaTake(ARENA_CSR);
  if (info == 0) return done(E_INTERNAL);
  const n = e.format == FORMAT_C509 ? c509Csr(csrBuf, EST_CSR_CAPACITY, info, CSR_INFO_CAPACITY) : csrBuild(spec, csrBuf, EST_CSR_CAPACITY, info);
  arenaRelease(ARENA_CSR);
  if (n < 0) return done(failWith(n, M_EST_CSR).int(n).ret());
  e.csrLen = n;
  logMsg(keyIsDh(spec.key.kind) ? M_EST_CSR_DH : M_EST_CSR_SIG).int(n).emit(LOG_INFO);
  return stepSoon(S_SEND);
}

/** S_SEND: the enrollment request with the CSR. */
function sendEnroll(): i32 {
  const o = enrollOptions, e = enrollState;
  e.step = S_ENROLL;
  const n = e.csrLen;
  setPath(o.serverKeygen == 1 ? "/skg" : o.serverKeygen == 2 ? "/skc" : e.reenroll ? "/sren" : "/sen");
  logMsg(e.reenroll ? M_EST_REENROLLING : M_EST_ENROLLING).emit(LOG_INFO);
  const c509 = e.format == FORMAT_C509;
  request.method = COAP_POST; request.contentFormat = c509 ? o.cfPkcs10 : CF_PKCS10;
  request.accept = o.serverKeygen != 0 ? CF_MULTIPART_CORE : c509 ? (o.noAccept ? -1 : o.cfCert) : CF_PKIX_CERT;
  request.payload = csrBuf; request.payloadLen = n;
  return settle(channel.request(request));
}

/** The answer to the enrollment request. */
function enrolled(code: i32, p: usize, n: i32, cf: i32): i32 {
  const o = enrollOptions, e = enrollState;
  if (e.format == FORMAT_C509) {
    // DER is the fallback: a server without C509 gets the request again in DER; a DER answer is taken as DER.
    if (code == COAP_UNSUPPORTED_CONTENT_FORMAT || code == COAP_NOT_ACCEPTABLE) {
      logMsg(M_C509_FALLBACK).int(code).emit(LOG_INFO);
      e.format = 0;
      return stepSoon(S_CSR);
    }
    if (cf == CF_PKIX_CERT) e.format = 0;
  }
  if (code != COAP_CHANGED && code != COAP_CONTENT) return done(responseError(code, p, n));
  // From here the certificate waits in the record being assembled, until it is stored.
  recBuf = arenaTake(ARENA_ENROLLMENT);
  if (recBuf == 0) return done(E_INTERNAL);
  recBuf += <usize>ARENA_RECORD;
  certBuf = recordCertSlot(recBuf);
  if (o.serverKeygen != 0) {
    const l = skgTake(p, n, cf, o.serverKeygen == 2, csrSpec.key, e.newKeyId, certBuf, EST_CERT_CAPACITY, cert);
    if (l < 0) return done(l);
    e.certLen = l;
    return trustAnchorStep();
  }
  if (e.format == FORMAT_C509) {
    const a = c509Answer(p, n, cf, certBuf, request);
    if (a == PENDING) return settle(channel.request(request)); // the certificate by its c5u
    return a == OK ? stepSoon(S_CHECK) : done(a);
  }
  if (cf != CF_PKIX_CERT) return done(fail(E_EST_RESPONSE, M_EST_FORMAT));
  if (n > EST_CERT_CAPACITY) return done(failWith(E_LIMIT, M_CERT_TOO_BIG).int(EST_CERT_CAPACITY).ret());
  memory.copy(certBuf, p, <usize>n);
  e.certLen = n;
  return stepSoon(S_CHECK);
}

/** S_CHECK: the issued certificate parses and carries the CSR's key. */
function checkIssued(): i32 {
  const e = enrollState;
  e.step = S_ENROLL;
  if (e.format == FORMAT_C509) { const c = c509Check(certBuf, e.certLen); return c == OK ? trustAnchorStep() : done(c); }
  const p = x509Parse(cert, certBuf, e.certLen);
  if (p != OK) return done(fail(p, M_CERT_PARSE));
  if (!x509HasKey(cert, csrSpec.key.pub, csrSpec.key.pubLen)) return done(fail(E_EST_CERT_KEY, M_EST_CERT_KEY));
  return trustAnchorStep();
}

/** The certificate is in and carries our key: its path is checked against the trust-anchor record when the
 *  record holds its issuer, else against /crts, asked now that the server is authenticated. */
function trustAnchorStep(): i32 {
  const e = enrollState;
  caBuf = recordCaSlot(recBuf, e.certLen);
  crtsTaLen = 0;
  if (!enrollOptions.fetchCrts) {
    const k = trustAnchorsLoad(taRoom());
    if (k == E_STORE_CORRUPT) return done(fail(E_STORE_CORRUPT, M_EST_TA_MALFORMED));
    const n = k > 0 ? trustAnchorSpans(pathSpans, PATH_MAX_CERTS) : 0;
    for (let i = 0; i < n; i++) {
      if (x509Parse(ca, <usize>load<u32>(pathSpans + <usize>(i * 8)), load<i32>(pathSpans + <usize>(i * 8 + 4))) == OK &&
          issuerIs(ca)) return stepSoon(S_FINISH);
    }
  }
  e.step = S_CRTS;
  return ask(COAP_GET, "/crts", crtsAccept());
}

/** /crts in the enrollment's format: C509 (a COSE_C509 chain) or a PKCS#7 bundle. */
function crtsAccept(): i32 { return enrollState.format == FORMAT_C509 ? enrollOptions.cfCert : CF_PKCS7_CERTS_ONLY; }

/** Whether the DER certificate c (a trust anchor) is the issued certificate's issuer, by subject Name. */
function issuerIs(c: Certificate): bool {
  return enrollState.format == FORMAT_C509 ? c509IssuerIs(c.subject, c.subjectLen) : spanEquals(cert.issuer, cert.issuerLen, c.subject, c.subjectLen);
}

/** Room for the trust anchors, after the enrollment record being assembled. */
function taRoom(): usize { return recBuf - <usize>ARENA_RECORD + <usize>ARENA_ENROLLMENT_TA; }

/** The /crts answer for the trust anchors: its CA certificates, in the record's format, for finish(). */
function crtsAnswer(code: i32, p: usize, n: i32, cf: i32): i32 {
  if (code != COAP_CONTENT) return done(responseError(code, p, n));
  if (enrollState.format == FORMAT_C509) { const l = c509Crts(p, n, cf, caBuf); if (l < 0) return done(l); enrollState.caLen = l; return stepSoon(S_FINISH); }
  if (cf != CF_PKCS7_CERTS_ONLY) return done(fail(E_EST_RESPONSE, M_CRTS_FORMAT));
  const k = pkcs7Certificates(p, n, pathSpans, PATH_MAX_CERTS);
  if (k < 0) return done(fail(k, M_CRTS_BUNDLE));
  const ta = taRoom();
  let o = 0;
  for (let i = 0; i < k; i++) {
    const cp = <usize>load<u32>(pathSpans + <usize>(i * 8)), cl = load<i32>(pathSpans + <usize>(i * 8 + 4));
    // The CA certificates, and any of the issuer's name (so that one that is no CA is refused as such); the
    // RFC 6955 recipients are no anchors.
    if (x509Parse(ca, cp, cl) != OK || (!ca.isCa && !spanEquals(ca.subject, ca.subjectLen, cert.issuer, cert.issuerLen))) continue;
    o = trustAnchorsAppend(ta, o, cp, cl);
    if (o < 0) return done(failWith(E_LIMIT, M_CRTS_TA_TOO_BIG).int(TRUST_ANCHORS_CAPACITY).ret());
  }
  if (o == 0) return done(fail(E_EST_CHAIN, M_CRTS_NO_CA));
  crtsTaLen = o;
  return stepSoon(S_FINISH);
}

/** S_FINISH: check the certificate's path, install the /crts anchors if they were asked for. The record is
 *  written in the next call: the store and the report are not compiled beside the path's checks. */
function finish(): i32 {
  const e = enrollState;
  e.step = S_ENROLL;
  const st = e.format == FORMAT_C509 ? c509Finish() : derFinish();
  if (st != OK) return done(st);
  return stepSoon(S_STORE);
}

/** S_STORE: key, certificate and its issuer's certificate in one record. */
function storeRecord(): i32 {
  const e = enrollState;
  e.step = S_ENROLL;
  const st = enrollmentStore(recBuf, csrSpec.key, e.certLen, e.caLen, e.format);
  if (st != OK) return done(failWith(st, M_EST_STORE).int(st).ret());
  e.stored = true;
  // The old enrollment's board key is now unreferenced (a power cut before this leaves a spare key, which the
  // next enrollment replaces).
  if (!e.keyReused && e.oldKeyId != 0 && e.oldKeyId != csrSpec.key.key.id) keyErase(e.oldKeyKind, e.oldKeyId);
  return done(OK);
}

/** The DER certificate's path, checked against the /crts anchors or the trust-anchor record; its issuer's
 *  certificate into the record's CA slot; the /crts anchors installed. OK or a status. */
function derFinish(): i32 {
  const e = enrollState;
  let st = x509Parse(cert, certBuf, e.certLen);
  if (st != OK) return fail(st, M_CERT_PARSE);
  const ta = taRoom();
  const k = crtsTaLen > 0 ? trustAnchorsUse(ta, crtsTaLen) : trustAnchorsLoad(ta);
  const n = k > 0 ? trustAnchorSpans(pathSpans, PATH_MAX_CERTS) : -1;
  if (n <= 0) return fail(E_STORE_CORRUPT, M_EST_TA_MALFORMED);
  st = pathValidate(cert, pathSpans, n, n, timeNow(), timeIsReal(), E_EST_CHAIN);
  if (st != OK) return st;
  const il = pathIssuerLength();
  if (il > EST_CERT_CAPACITY) return failWith(E_LIMIT, M_CERT_TOO_BIG).int(EST_CERT_CAPACITY).ret();
  memory.copy(caBuf, pathIssuer(), <usize>il);
  e.caLen = il;
  pathAccept();
  if (crtsTaLen > 0) {
    st = trustAnchorsSave(ta, crtsTaLen);
    if (st != OK) return failWith(st, M_EST_TA_STORE).int(st).ret();
    logMsg(M_EST_TA_INSTALLED).int(n).emit(LOG_INFO);
  }
  return OK;
}

/** The C509 certificate's path (est/c509.ts): to the C509 CA certificate /crts gave (in the CA slot), else to
 *  the trust-anchor record, whose anchor then goes into the CA slot. OK or a status. */
function c509Finish(): i32 {
  const e = enrollState;
  const l = c509Chain(certBuf, e.certLen, caBuf, e.caLen, ca, taRoom());
  if (l < 0) return l;
  e.caLen = l;
  return OK;
}

/** The /att attributes shape the CSR: a mandatory password, and the proof of possession unless chosen. */
function applyAttrs(p: usize, n: i32, cf: i32): i32 {
  const st = csrAttrsParse(p, n, cf, enrollState.suite, attrs);
  if (st != OK) return st;
  logMsg(M_EST_ATT_ITEMS).int(attrs.understood + attrs.other).int(attrs.understood).emit(LOG_INFO);
  const spec = csrSpec;
  if (attrs.wantPassword && spec.passwordLen == 0) return fail(E_USAGE, M_EST_ATT_PASSWORD);
  if (enrollOptions.pop == 0 && attrs.pop != 0) {
    const dh = attrs.pop == 2;
    const kind = keyKindFor(enrollState.suite, dh);
    if (kind != spec.key.kind) {
      if (dh && !channel.gYValid) return fail(E_USAGE, M_EST_ATT_DH_EDHOC);
      spec.key.kind = kind;
      enrollState.keyReady = false;
      logMsg(dh ? M_EST_ATT_POP_DH : M_EST_ATT_POP_SIG).emit(LOG_INFO);
    }
  }
  return OK;
}

function responseError(code: i32, p: usize, n: i32): i32 {
  return failWith(E_COAP_RESPONSE, M_EST_ANSWER).int(code).bytes(p, n < 100 ? n : 100).ret();
}

/** The end of the command: forget secrets, write the result record. The record being assembled stays in the
 *  arena (the result refers to its certificates) until the next command starts. */
function done(st: i32): i32 {
  const e = enrollState;
  e.step = S_IDLE;
  channel.close();
  // A new key the board keeps goes again unless the record that names it was written.
  if (!e.stored && !e.keyReused) keyDestroy(csrSpec.key.key);
  csrSpec.key.wipe();
  arenaRelease(ARENA_CSR);
  if (st != OK) { e.certLen = 0; e.caLen = 0; }
  reportEnroll(st, certBuf, caBuf, cert);
  return st;
}

/** For the fuzz entry: the certificate and CA buffers' parse objects. */
export function enrollCertificate(): Certificate { return cert; }
