// `enroll [options] coap://host[:port][/root]`: EST-oscore enrollment (RFC 9148 paths under OSCORE).
//
//   first enrollment:  EDHOC message_1, then /sen in the combined request with message_3  (2 round trips)
//   re-enrollment:     /sren under the stored OSCORE context, no EDHOC                    (1 round trip)
//   trust anchors:     provisioned (record STORE_ID_TRUST_ANCHORS), else /crts under OSCORE after the
//                      server was authenticated by EDHOC (one more round trip)
//
// Every run makes a new key (P-256 by default, the curve of EDHOC suite 2; Ed25519 or X25519 with suite 0)
// and a CSR whose proof of possession is a signature, or with --pop dh the static-DH MAC of docs/dh-pop.md
// keyed by the Responder's ephemeral key G_Y of this run's EDHOC (so --pop dh always runs EDHOC). The issued
// certificate must carry the CSR's key and verify under a trust anchor; only then are key, certificate and
// CA certificate written to the key store, in one record, so a power cut leaves the old or the new state.
//
// options: --edhoc (run EDHOC even with a stored context), --sequential (no combined request),
//   --pop sig|dh|dh-cert (dh-cert: classic RFC 6955 to the CA's DH certificate from /crts), --cn NAME, --dns NAME, --password TEXT, --sen|--sren (force the resource),
//   --crts (fetch trust anchors even when provisioned), --att (ask /att first; its attributes shape the CSR), --skg|--skc (server-side key generation: only for a
//   device with a pre-shared OSCORE context and a provisioned weak-RNG policy, else E_EST_REFUSED), --json (one JSON report on stdout instead of the
//   PEM), -B SECS, --ack-timeout MS, -v (trace datagrams)

import * as board from "../abi";
import { LOG_ALWAYS, LOG_INFO } from "../abi";
import {
  OK, PENDING, E_USAGE, E_LIMIT, E_STORE_NOT_FOUND, E_EST_RESPONSE, E_EST_CERT_KEY, E_EST_CHAIN, E_COAP_RESPONSE,
  E_STORE_CORRUPT, E_EST_REFUSED, E_MALFORMED, statusName,
} from "../errors";
import {
  COAP_POST, COAP_GET, COAP_CHANGED, COAP_CONTENT, CF_PKCS10, CF_PKIX_CERT, CF_PKCS7_CERTS_ONLY, CF_MULTIPART_CORE, CF_PKCS8,
  CF_CSRATTRS,
} from "../numbers/coap";
import { coapClient } from "../coap/client";
import { secure, PhaseStats } from "../secure";
import { config as edhoc } from "../edhoc/initiator";
import { takeUri, codeText } from "../coapcmd";
import {
  argc, argIs, argPtr, argLen, argUint, fail, failDetail, output, flushOut, setJob, setDeadline, logBegin, logEnd, Writer,
} from "../runtime";
import { CsrSpec, csrSpec, csrNewKey, csrBuild, KEY_P256_ECDSA, KEY_ED25519, KEY_P256_DH, KEY_X25519_DH } from "./csr";
import { Certificate, x509Parse, x509HasKey, x509VerifyIssued, pkcs7Certificates, pkcs8Parse } from "./x509";
import { csrPublicKey } from "./csr";
import { CborReader } from "../cbor/decode";
import { DerReader, DER_SEQUENCE, DER_OID, derEquals, OID_ECDSA_SHA256, OID_ED25519, OID_DH_POP_SHA256 } from "./der";
const attReader = new DerReader(), attInner = new DerReader();
import { STORE_ID_ENROLLMENT, STORE_ID_TRUST_ANCHORS, STORE_ID_EDHOC_SETUP, STORE_ID_DEVICE_POLICY } from "../store-ids";
import { wipe } from "../crypto/index";
import { drbgReady, drbgSeedFromBoard } from "../crypto/index";

const STEP_ENROLL = 1, STEP_CRTS = 2, STEP_RECIPIENT = 3, STEP_ATT = 4;
/** The certificate and the trust anchor are in; finish() checks and stores them in the next call into the
 *  module (a timer due at once), so that the host can drop the compiled code of the exchange first (as
 *  secure.ts splits its exchange into steps, for the same reason). */
const STEP_FINISH = 5;
/** The issued certificate is in certBuf: parsed and compared with the CSR's key in a call of its own. */
const STEP_CHECK = 6;
const DEFAULT_ROOT = "/.well-known/est";

const pathBuf = memory.data(160, 1);
let rootLen = 0;
const csrBuf = memory.data(1024, 8);
/** The issued certificate and the CA certificate, copied out of the response buffer. */
const certBuf = memory.data(1536, 8);
let certLen = 0;
let csrLen = 0;
const caBuf = memory.data(1536, 8);
let caLen = 0;
const recBuf = memory.data(3200, 8);
const cert = new Certificate();
const ca = new Certificate();
const spans = memory.data(8 * 4, 8);

let step = 0;
let reenroll = false;
/** 0: the device makes its key (/sen, /sren); 1: /skg; 2: /skc (the server makes it). */
let serverKeygen = 0;
/** --pop dh-cert: fetch /crts first and prove possession to the CA's DH certificate (classic RFC 6955). */
let classicPop = false;
/** --att: ask /att first and let the server's CSR attributes shape the CSR (attStats counts that exchange). */
let askAtt = false;
const attStats = new PhaseStats();
let popChoice = 0;
let suiteInUse = 2;
let fetchCrts = false;
let json = false;
let t0: i64 = 0;
const enrollStats = new PhaseStats();
const crtsStats = new PhaseStats();
let edhocStats = new PhaseStats();
let ranEdhoc = false;

function setPath(suffix: string): void {
  for (let i = 0; i < suffix.length; i++) store<u8>(pathBuf + <usize>(rootLen + i), <u8>suffix.charCodeAt(i));
  const s = coapClient.spec;
  s.path = pathBuf;
  s.pathLen = rootLen + suffix.length;
}

/** Whether csrSpec holds this run's new key; prepareCsr makes it. */
let keyReady = false;

/** Make the key and build the CSR now: after EDHOC, so that a DH proof of possession can use this run's G_Y. */
function prepareCsr(): i32 {
  const spec = csrSpec;
  // EDHOC may have settled on the device's other suite (error code 2): enroll a key on that suite's curve.
  if (secure.ranEdhoc && secure.suiteUsed >= 0 && secure.suiteUsed != suiteInUse && serverKeygen == 0) {
    const dh = spec.kind == KEY_P256_DH || spec.kind == KEY_X25519_DH;
    suiteInUse = secure.suiteUsed;
    spec.kind = suiteInUse == 0 ? (dh ? KEY_X25519_DH : KEY_ED25519) : (dh ? KEY_P256_DH : KEY_P256_ECDSA);
    keyReady = false;
  }
  if (!keyReady) {
    const k = csrNewKey(spec);
    if (k != OK) return fail(k, "cannot generate the key to enroll");
    keyReady = true;
  }
  if ((spec.kind == KEY_P256_DH || spec.kind == KEY_X25519_DH) && !spec.classic) {
    if (!secure.gYValid) return fail(E_USAGE, "a DH proof of possession needs this run's EDHOC (G_Y)");
    memory.copy(spec.recipient, secure.gY, 32);
  }
  const n = csrBuild(spec, csrBuf, 1024);
  if (n < 0) return fail(n, "cannot build the CSR");
  csrLen = n;
  logBegin().str("est: CSR of ").dec(n).str(" bytes, proof of possession by ")
    .str(spec.kind == KEY_P256_DH || spec.kind == KEY_X25519_DH ? "DH MAC" : "signature");
  logEnd(LOG_INFO);
  return n;
}

function copyArg(i: i32, dst: usize, cap: i32): i32 {
  const n = argLen(i);
  if (n > cap) return -1;
  memory.copy(dst, argPtr(i), <usize>n);
  return n;
}

export function enrollCommand(): i32 {
  const s = coapClient.spec;
  s.confirmable = true; s.szx = 6; s.trace = false; s.deadlineMs = 90000; s.retry = true;
  s.ackTimeoutMs = 2000; s.maxRetransmit = 4; s.oscore = null; s.seq = null;
  secure.edhoc = false; secure.combined = true; secure.prepare = prepareCsr; secure.forgetGY(); secure.maxCombined = 1152;
  json = false; fetchCrts = false; serverKeygen = 0; classicPop = false; askAtt = false;
  let force = 0; // 1: /sen, 2: /sren
  let pop = 0; // 0: default (signature), 1: sig, 2: dh
  let uri = -1;
  const spec = csrSpec;
  spec.cnLen = 0; spec.dnsLen = 0; spec.passwordLen = 0;
  for (let i = 1; i < argc(); i++) {
    const hasValue = i + 1 < argc();
    if (argIs(i, "--edhoc")) secure.edhoc = true;
    else if (argIs(i, "--sequential")) secure.combined = false;
    else if (argIs(i, "--max-combined") && hasValue) {
      const v = argUint(i + 1);
      if (v < 64 || v > 1280) return fail(E_USAGE, "enroll: --max-combined must be 64..1280 bytes");
      secure.maxCombined = <i32>v; i++;
    }
    else if (argIs(i, "--sen")) force = 1;
    else if (argIs(i, "--sren")) force = 2;
    else if (argIs(i, "--skg")) serverKeygen = 1;
    else if (argIs(i, "--skc")) serverKeygen = 2;
    else if (argIs(i, "--crts")) fetchCrts = true;
    else if (argIs(i, "--att")) askAtt = true;
    else if (argIs(i, "--json")) json = true;
    else if (argIs(i, "-v") || argIs(i, "--verbose")) s.trace = true;
    else if (argIs(i, "--pop") && hasValue) {
      if (argIs(i + 1, "sig")) pop = 1; else if (argIs(i + 1, "dh")) pop = 2; else if (argIs(i + 1, "dh-cert")) pop = 3;
      else return fail(E_USAGE, "enroll: --pop must be sig, dh or dh-cert");
      i++;
    } else if (argIs(i, "--cn") && hasValue) { if ((spec.cnLen = copyArg(i + 1, spec.cn, 64)) < 1) return fail(E_USAGE, "enroll: --cn must be 1..64 bytes"); i++; }
    else if (argIs(i, "--dns") && hasValue) { if ((spec.dnsLen = copyArg(i + 1, spec.dns, 64)) < 1) return fail(E_USAGE, "enroll: --dns must be 1..64 bytes"); i++; }
    else if (argIs(i, "--password") && hasValue) { if ((spec.passwordLen = copyArg(i + 1, spec.password, 64)) < 1) return fail(E_USAGE, "enroll: --password must be 1..64 bytes"); i++; }
    else if ((argIs(i, "-B") || argIs(i, "--timeout")) && hasValue) {
      const v = argUint(i + 1);
      if (v < 1 || v > 3600) return fail(E_USAGE, "enroll: timeout must be 1..3600 seconds");
      s.deadlineMs = <i32>v * 1000; i++;
    } else if (argIs(i, "--ack-timeout") && hasValue) {
      const v = argUint(i + 1);
      if (v < 10 || v > 60000) return fail(E_USAGE, "enroll: --ack-timeout must be 10..60000 ms");
      s.ackTimeoutMs = <i32>v; i++;
    } else if (uri < 0 && argLen(i) > 0 && load<u8>(argPtr(i)) != 0x2d) uri = i;
    else {
      fail(E_USAGE, "enroll: unknown option or missing value: ");
      failDetail().bytes(argPtr(i), argLen(i) < 40 ? argLen(i) : 40);
      return E_USAGE;
    }
  }
  if (uri < 0) return fail(E_USAGE, "usage: enroll [--edhoc] [--sequential] [--pop sig|dh] [--cn NAME] [--dns NAME] [--crts] [--json] coap://host[:port][/root]");
  let st = takeUri(uri);
  if (st != OK) return st;
  // The root: the URI's path, or /.well-known/est.
  rootLen = s.pathLen;
  while (rootLen > 0 && load<u8>(s.path + <usize>(rootLen - 1)) == 0x2f) rootLen--;
  if (rootLen > 120) return fail(E_LIMIT, "enroll: EST root path longer than 120 bytes");
  if (rootLen == 0) {
    for (let i = 0; i < DEFAULT_ROOT.length; i++) store<u8>(pathBuf + <usize>i, <u8>DEFAULT_ROOT.charCodeAt(i));
    rootLen = DEFAULT_ROOT.length;
  } else memory.copy(pathBuf, s.path, <usize>rootLen);
  // The key kind follows the EDHOC suite (the curve in use) and --pop.
  const setup = memory.data(4);
  st = board.store_read(STORE_ID_EDHOC_SETUP, setup, 4);
  const usesEdhoc = st >= 2;
  const suite = usesEdhoc ? <i32>load<u8>(setup + 1) : 2;
  popChoice = pop; suiteInUse = suite;
  if (suite == 0) spec.kind = pop >= 2 ? KEY_X25519_DH : KEY_ED25519;
  else spec.kind = pop >= 2 ? KEY_P256_DH : KEY_P256_ECDSA;
  if (pop == 2) secure.edhoc = true;
  spec.classic = pop == 3;
  classicPop = pop == 3;
  if (spec.cnLen == 0) {
    const name = "est-oscore-device";
    for (let i = 0; i < name.length; i++) store<u8>(spec.cn + <usize>i, <u8>name.charCodeAt(i));
    spec.cnLen = name.length;
  }
  if (serverKeygen != 0) {
    // EST-oscore draft §5.2 / §8: server-side key generation only for a device that does not use EDHOC (a
    // pre-shared OSCORE context) and has no cryptographically secure RNG; everyone else makes its own key.
    const policy = memory.data(1);
    const weak = board.store_read(STORE_ID_DEVICE_POLICY, policy, 1) == 1 && (load<u8>(policy) & 1) != 0;
    if (usesEdhoc) return fail(E_EST_REFUSED, "server-side key generation is refused: this device uses EDHOC and must make its own key");
    if (!weak) return fail(E_EST_REFUSED, "server-side key generation is refused: the device has a good RNG (no weak-RNG policy provisioned)");
    if (pop >= 2) return fail(E_USAGE, "enroll: --pop dh does not apply to server-side key generation");
  }
  const have = board.store_read(STORE_ID_ENROLLMENT, recBuf, 1);
  reenroll = force == 2 || (force == 0 && have != E_STORE_NOT_FOUND);
  st = drbgReady() ? OK : drbgSeedFromBoard();
  if (st != OK) return fail(st, "the random generator failed");
  keyReady = false; // made with the CSR (prepareCsr), in a step of its own
  t0 = board.clock_ms();
  copyStats(enrollStats, new PhaseStats()); copyStats(crtsStats, new PhaseStats()); copyStats(attStats, new PhaseStats()); edhocStats = new PhaseStats();
  certLen = 0; caLen = 0; csrLen = 0; ranEdhoc = false;
  return startEnroll();
}

function startEnroll(): i32 {
  const s = coapClient.spec;
  if (askAtt) {
    setPath("/att");
    s.method = COAP_GET; s.contentFormat = -1; s.accept = CF_CSRATTRS; s.payload = csrBuf; s.payloadLen = 0;
    step = STEP_ATT;
    secure.prepare = null;
    logBegin().str("est: asking /att for the CSR attributes the server wants"); logEnd(LOG_INFO);
    const b = secure.begin();
    if (b != PENDING) return done(b);
    setJob(onDatagram, onTimer);
    setDeadline(secure.nextDeadline());
    return PENDING;
  }
  return startAfterAtt();
}

function startAfterAtt(): i32 {
  const s = coapClient.spec;
  if (classicPop) {
    // The recipient key comes from a certificate: /crts first (under OSCORE, after EDHOC when needed).
    setPath("/crts");
    s.method = COAP_GET; s.contentFormat = -1; s.accept = CF_PKCS7_CERTS_ONLY; s.payload = csrBuf; s.payloadLen = 0;
    step = STEP_RECIPIENT;
    secure.prepare = null; // the CSR is built for /sen, once the recipient is known (startSen)
    logBegin().str("est: fetching /crts for the CA's DH certificate (RFC 6955 proof of possession)"); logEnd(LOG_INFO);
    const b = secure.begin();
    if (b != PENDING) return done(b);
    setJob(onDatagram, onTimer);
    setDeadline(secure.nextDeadline());
    return PENDING;
  }
  return startSen();
}

function startSen(): i32 {
  const s = coapClient.spec;
  secure.prepare = prepareCsr;
  setPath(serverKeygen == 1 ? "/skg" : serverKeygen == 2 ? "/skc" : reenroll ? "/sren" : "/sen");
  s.method = COAP_POST; s.contentFormat = CF_PKCS10; s.accept = serverKeygen != 0 ? CF_MULTIPART_CORE : CF_PKIX_CERT;
  s.payload = csrBuf; s.payloadLen = 0; // prepareCsr fills it
  step = STEP_ENROLL;
  logBegin().str("est: ").str(reenroll ? "re-enrolling (/sren)" : "enrolling (/sen)"); logEnd(LOG_INFO);
  const b = secure.begin();
  if (b != PENDING) return done(b);
  setJob(onDatagram, onTimer);
  setDeadline(secure.nextDeadline());
  return PENDING;
}

function onDatagram(addr: usize, addrLen: i32, data: usize, len: i32): i32 {
  // The exchange is over: run the due step; what comes now is not for this command.
  if (step == STEP_FINISH || step == STEP_CHECK) return onTimer();
  return settle(secure.onDatagram(addr, addrLen, data, len));
}
function onTimer(): i32 {
  if (step == STEP_CHECK) return checkIssued();
  if (step == STEP_FINISH) return finish();
  return settle(secure.onTimer());
}

/** Go on with `next` in the next call into the module, at once. */
function stepSoon(next: i32): i32 {
  step = next;
  setDeadline(board.clock_ms());
  return PENDING;
}
function finishSoon(): i32 { return stepSoon(STEP_FINISH); }

/** STEP_CHECK: the issued certificate parses and carries the CSR's key. */
function checkIssued(): i32 {
  const p = x509Parse(cert, certBuf, certLen);
  if (p != OK) return done(fail(p, "the issued certificate does not parse"));
  if (!x509HasKey(cert, csrSpec.pub, csrSpec.pubLen)) return done(fail(E_EST_CERT_KEY, "the issued certificate carries another public key than the CSR's"));
  return afterCertificate();
}

function copyStats(to: PhaseStats, from: PhaseStats): void {
  to.datagramsUp = from.datagramsUp; to.datagramsDown = from.datagramsDown; to.bytesUp = from.bytesUp;
  to.bytesDown = from.bytesDown; to.roundTrips = from.roundTrips; to.ms = from.ms;
  to.m1 = from.m1; to.m2 = from.m2; to.m3 = from.m3;
}

function settle(st: i32): i32 {
  if (st == PENDING) { setDeadline(secure.nextDeadline()); return PENDING; }
  if (step == STEP_ATT) {
    ranEdhoc = secure.ranEdhoc;
    copyStats(edhocStats, secure.hs);
    copyStats(attStats, secure.req);
    if (st != OK) return done(st);
    const ra = coapClient.response;
    const f = applyCsrAttrs(ra.code, ra.payload, ra.payloadLen, ra.contentFormat);
    if (f != OK) return done(f);
    secure.edhoc = false;
    const b = startAfterAtt();
    if (b == PENDING) setDeadline(secure.nextDeadline());
    return b;
  }
  if (step == STEP_RECIPIENT) {
    if (!askAtt) ranEdhoc = secure.ranEdhoc;
    if (!askAtt) copyStats(edhocStats, secure.hs);
    copyStats(crtsStats, secure.req);
    if (st != OK) return done(st);
    const rr = coapClient.response;
    const f = takeRecipient(rr.code, rr.payload, rr.payloadLen, rr.contentFormat);
    if (f != OK) return done(f);
    secure.edhoc = false; // the context of this run is established
    const b = startSen();
    if (b == PENDING) setDeadline(secure.nextDeadline());
    return b;
  }
  if (step == STEP_ENROLL) {
    if (!classicPop && !askAtt) {
      ranEdhoc = secure.ranEdhoc;
      edhocStats = new PhaseStats();
      copyStats(edhocStats, secure.hs);
    }
    copyStats(enrollStats, secure.req);
  } else copyStats(crtsStats, secure.req);
  if (st != OK) return done(st);
  const r = coapClient.response;
  if (step == STEP_ENROLL) {
    if (r.code != COAP_CHANGED && r.code != COAP_CONTENT) return done(responseError(r.code, r.payload, r.payloadLen));
    if (serverKeygen != 0) {
      const k = takeServerKey(r.payload, r.payloadLen, r.contentFormat);
      if (k != OK) return done(k);
      return afterCertificate();
    }
    if (r.contentFormat != CF_PKIX_CERT) return done(fail(E_EST_RESPONSE, "the enrollment answer is not application/pkix-cert (287)"));
    if (r.payloadLen > 1536) return done(fail(E_LIMIT, "the issued certificate is larger than 1536 bytes"));
    memory.copy(certBuf, r.payload, <usize>r.payloadLen);
    certLen = r.payloadLen;
    return stepSoon(STEP_CHECK);
  }
  return settleCrts(r.code, r.payload, r.payloadLen, r.contentFormat);
}

/** The certificate is in certBuf and carries our key: find the trust anchor (provisioned, or /crts now that
 *  the server is authenticated), then verify and store. */
function afterCertificate(): i32 {
  if (!fetchCrts) {
    const n = board.store_read(STORE_ID_TRUST_ANCHORS, caBuf, 1536);
    if (n > 2) {
      const l = (<i32>load<u8>(caBuf) << 8) | <i32>load<u8>(caBuf + 1);
      if (l + 2 > n) return done(fail(E_STORE_CORRUPT, "the trust-anchor record is malformed"));
      memory.copy(caBuf, caBuf + 2, <usize>l);
      caLen = l;
      return finishSoon();
    }
  }
  step = STEP_CRTS;
  const s = coapClient.spec;
  setPath("/crts");
  s.method = COAP_GET; s.contentFormat = -1; s.accept = CF_PKCS7_CERTS_ONLY; s.payloadLen = 0;
  secure.edhoc = false; secure.prepare = null;
  const b = secure.begin();
  if (b != PENDING) return done(b);
  setDeadline(secure.nextDeadline());
  return PENDING;
}

function settleCrts(code: i32, payload: usize, payloadLen: i32, cf: i32): i32 {
  if (code != COAP_CONTENT) return done(responseError(code, payload, payloadLen));
  if (cf != CF_PKCS7_CERTS_ONLY) return done(fail(E_EST_RESPONSE, "the /crts answer is not application/pkcs7-mime certs-only (281)"));
  const k = pkcs7Certificates(payload, payloadLen, spans, 4);
  if (k < 0) return done(fail(k, "the /crts answer is not a valid PKCS#7 certs-only bundle"));
  // The CA certificate: the one in the bundle that issued ours.
  for (let i = 0; i < k; i++) {
    const p = <usize>load<u32>(spans + <usize>(i * 8)), l = load<i32>(spans + <usize>(i * 8 + 4));
    if (l > 1536) continue;
    if (x509Parse(ca, p, l) == OK && x509VerifyIssued(cert, ca) == OK) {
      memory.copy(caBuf, p, <usize>l);
      caLen = l;
      return finishSoon();
    }
  }
  return done(fail(E_EST_CHAIN, "no certificate from /crts issued the enrolled certificate"));
}

/**
 * The CSR attributes from /att (RFC 7030 §4.5, CsrAttrs ::= SEQUENCE OF AttrOrOID) shape the CSR where they are
 * understood: a challengePassword OID makes the password mandatory; signature / PoP algorithm OIDs choose the
 * proof of possession among those this device can give with its suite's curve (the first one listed that fits,
 * unless --pop was given). Other items are logged and passed over.
 */
const OID_CHALLENGE_PW: StaticArray<u8> = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x07];
export function applyCsrAttrs(code: i32, p: usize, n: i32, cf: i32): i32 {
  if (code != COAP_CONTENT) return responseError(code, p, n);
  if (cf != CF_CSRATTRS) return fail(E_EST_RESPONSE, "the /att answer is not application/csrattrs (285)");
  const top = attReader.reset(p, n);
  if (top.expect(DER_SEQUENCE) != OK || top.finish() != OK) return fail(E_MALFORMED, "the CSR attributes are not a DER SEQUENCE");
  const list = top.into(attInner);
  let wantPassword = false, chosen = 0, understood = 0, other = 0;
  while (!list.atEnd()) {
    if (list.read() != OK) return fail(E_MALFORMED, "malformed CSR attributes");
    if (list.tag == DER_OID) {
      if (derEquals(list.value, list.len, OID_CHALLENGE_PW)) { wantPassword = true; understood++; }
      else if (derEquals(list.value, list.len, OID_ECDSA_SHA256) && suiteInUse == 2) { if (chosen == 0) chosen = 1; understood++; }
      else if (derEquals(list.value, list.len, OID_ED25519) && suiteInUse == 0) { if (chosen == 0) chosen = 1; understood++; }
      else if (derEquals(list.value, list.len, OID_DH_POP_SHA256)) { if (chosen == 0) chosen = 2; understood++; }
      else other++;
    } else if (list.tag == DER_SEQUENCE) other++; // an Attribute with values: not used by this device
    else return fail(E_MALFORMED, "a CSR attribute is neither an OID nor an Attribute");
  }
  logBegin().str("est: /att lists ").dec(understood + other).str(" items, ").dec(understood).str(" understood"); logEnd(LOG_INFO);
  const spec = csrSpec;
  if (wantPassword && spec.passwordLen == 0) return fail(E_USAGE, "the server's CSR attributes ask for a challengePassword: give --password");
  if (popChoice == 0 && chosen != 0) {
    const dh = chosen == 2;
    const kind = suiteInUse == 0 ? (dh ? KEY_X25519_DH : KEY_ED25519) : (dh ? KEY_P256_DH : KEY_P256_ECDSA);
    if (kind != spec.kind) {
      if (dh && !secure.gYValid) return fail(E_USAGE, "the server asks for a DH proof of possession, which needs EDHOC in this run (--edhoc)");
      spec.kind = kind;
      keyReady = false; // prepareCsr makes the key of the new kind
      logBegin().str("est: /att asks for a ").str(dh ? "DH" : "signature").str(" proof of possession"); logEnd(LOG_INFO);
    }
  }
  return OK;
}

/** From the /crts bundle: the certificate with a DH key on our curve, not a CA, issued by the trust anchor;
 *  its key, subject, issuer and serial go into csrSpec for the classic RFC 6955 MAC. */
function takeRecipient(code: i32, p: usize, n: i32, cf: i32): i32 {
  if (code != COAP_CONTENT) return responseError(code, p, n);
  if (cf != CF_PKCS7_CERTS_ONLY) return fail(E_EST_RESPONSE, "the /crts answer is not application/pkcs7-mime certs-only (281)");
  const k = pkcs7Certificates(p, n, spans, 4);
  if (k < 0) return fail(k, "the /crts answer is not a valid PKCS#7 certs-only bundle");
  const t = board.store_read(STORE_ID_TRUST_ANCHORS, caBuf, 1536);
  if (t < 3) return fail(E_EST_CHAIN, "--pop dh-cert needs a provisioned trust anchor to check the CA's DH certificate");
  const tl = (<i32>load<u8>(caBuf) << 8) | <i32>load<u8>(caBuf + 1);
  if (tl + 2 > t) return fail(E_STORE_CORRUPT, "the trust-anchor record is malformed");
  const spec = csrSpec;
  const want = spec.kind == KEY_P256_DH ? KEY_P256_ECDSA : KEY_X25519_DH; // x509.ts names any P-256 key KEY_P256_ECDSA
  for (let i = 0; i < k; i++) {
    const cp = <usize>load<u32>(spans + <usize>(i * 8)), cl = load<i32>(spans + <usize>(i * 8 + 4));
    if (x509Parse(cert, cp, cl) != OK || cert.isCa || cert.keyKind != want) continue;
    if (cert.subjectLen > 256 || cert.issuerLen > 256 || cert.serialLen > 24) continue;
    if (x509Parse(ca, caBuf + 2, tl) != OK) return fail(E_EST_CHAIN, "the trust anchor does not parse");
    if (x509Parse(cert, cp, cl) != OK || x509VerifyIssued(cert, ca) != OK) continue;
    memory.copy(spec.recipient, cert.key + (want == KEY_P256_ECDSA ? 1 : 0), 32);
    memory.copy(spec.rSubject, cert.subject, <usize>cert.subjectLen); spec.rSubjectLen = cert.subjectLen;
    memory.copy(spec.rIssuer, cert.issuer, <usize>cert.issuerLen); spec.rIssuerLen = cert.issuerLen;
    memory.copy(spec.rSerial, cert.serial, <usize>cert.serialLen); spec.rSerialLen = cert.serialLen;
    logBegin().str("est: recipient key from the CA's DH certificate (").dec(cl).str(" bytes)"); logEnd(LOG_INFO);
    return OK;
  }
  return fail(E_EST_CHAIN, "/crts holds no DH certificate on this curve issued by the trust anchor");
}

/**
 * The /skg or /skc answer: multipart-core (RFC 8710) [284, PKCS#8 key, 281 (skg) or 287 (skc), certificate].
 * The key goes into csrSpec (kind, key, public key), the certificate into certBuf; the certificate must carry
 * that key.
 */
const mp = new CborReader();
/** For the fuzz entry only: which server-keygen answer takeServerKey expects (1 /skg, 2 /skc). */
export function fuzzServerKeygen(v: i32): void { serverKeygen = v; }
export function takeServerKey(p: usize, n: i32, cf: i32): i32 {
  if (cf != CF_MULTIPART_CORE) return fail(E_EST_RESPONSE, "the server-keygen answer is not application/multipart-core (62)");
  mp.reset(p, n, true);
  if (mp.enterArray() != OK || mp.count != 4) return fail(E_MALFORMED, "multipart-core answer is not [cf, key, cf, certificate]");
  if (mp.readInt(0, 65535) != OK || mp.value != CF_PKCS8 || mp.readBstr() != OK) return fail(E_EST_RESPONSE, "the first part is not an unencrypted PKCS#8 key (284)");
  const kind = pkcs8Parse(mp.ptr, mp.size, csrSpec.key);
  if (kind < 0) return fail(kind, "the PKCS#8 key does not parse");
  csrSpec.kind = kind;
  let st = csrPublicKey(csrSpec);
  if (st != OK) return fail(st, "the server-generated key is invalid");
  const want = serverKeygen == 1 ? CF_PKCS7_CERTS_ONLY : CF_PKIX_CERT;
  if (mp.readInt(0, 65535) != OK || mp.value != want || mp.readBstr() != OK || mp.finish() != OK) return fail(E_EST_RESPONSE, "the second part is not the certificate in the format asked for");
  let cp = mp.ptr, cl = mp.size;
  if (want == CF_PKCS7_CERTS_ONLY) {
    const k = pkcs7Certificates(cp, cl, spans, 4);
    if (k < 1) return fail(k < 0 ? k : E_EST_RESPONSE, "the /skg PKCS#7 holds no certificate");
    cp = <usize>load<u32>(spans); cl = load<i32>(spans + 4);
  }
  if (cl > 1536) return fail(E_LIMIT, "the issued certificate is larger than 1536 bytes");
  memory.copy(certBuf, cp, <usize>cl);
  certLen = cl;
  st = x509Parse(cert, certBuf, certLen);
  if (st != OK) return fail(st, "the issued certificate does not parse");
  if (!x509HasKey(cert, csrSpec.pub, csrSpec.pubLen)) return fail(E_EST_CERT_KEY, "the certificate does not carry the server-generated key");
  return OK;
}

/** Verify the chain, then store key, certificate and CA certificate in one record. */
function finish(): i32 {
  let st = x509Parse(ca, caBuf, caLen);
  if (st != OK) return done(fail(st, "the trust anchor does not parse"));
  // cert points into certBuf; parse again after the CA parse reused the readers.
  st = x509Parse(cert, certBuf, certLen);
  if (st != OK) return done(fail(st, "the issued certificate does not parse"));
  if (x509VerifyIssued(cert, ca) != OK) return done(fail(E_EST_CHAIN, "the issued certificate does not verify under the trust anchor"));
  // Record: version 1, key kind, 32-byte private key, 2-byte length + certificate, 2-byte length + CA cert.
  const spec = csrSpec;
  let o = 0;
  store<u8>(recBuf, 1); store<u8>(recBuf + 1, <u8>spec.kind); memory.copy(recBuf + 2, spec.key, 32); o = 34;
  store<u8>(recBuf + <usize>o, <u8>(certLen >> 8)); store<u8>(recBuf + <usize>(o + 1), <u8>certLen);
  memory.copy(recBuf + <usize>(o + 2), certBuf, <usize>certLen); o += 2 + certLen;
  store<u8>(recBuf + <usize>o, <u8>(caLen >> 8)); store<u8>(recBuf + <usize>(o + 1), <u8>caLen);
  memory.copy(recBuf + <usize>(o + 2), caBuf, <usize>caLen); o += 2 + caLen;
  st = board.store_write(STORE_ID_ENROLLMENT, recBuf, o);
  wipe(recBuf, o);
  if (st != OK) return done(fail(st, "cannot store the enrollment"));
  wipe(spec.key, 32);
  return done(OK);
}

function responseError(code: i32, p: usize, n: i32): i32 {
  fail(E_COAP_RESPONSE, "the EST server answered ");
  const d = failDetail();
  codeText(d, code);
  if (n > 0) d.str(": ").bytes(p, n < 100 ? n : 100);
  return E_COAP_RESPONSE;
}

function resourceName(): string { return serverKeygen == 1 ? "skg" : serverKeygen == 2 ? "skc" : reenroll ? "sren" : "sen"; }

function phaseJson(w: Writer, name: string, p: PhaseStats): void {
  w.str("{\"name\":\"").str(name).str("\",\"round_trips\":").dec(p.roundTrips).str(",\"datagrams_up\":").dec(p.datagramsUp)
    .str(",\"datagrams_down\":").dec(p.datagramsDown).str(",\"bytes_up\":").dec(p.bytesUp).str(",\"bytes_down\":")
    .dec(p.bytesDown).str(",\"ms\":").dec(p.ms).str("}");
}

function phaseLine(name: string, p: PhaseStats): void {
  logBegin().str(name).str(": ").dec(p.roundTrips).str(" round trips, ").dec(p.datagramsUp).str(" datagrams up (")
    .dec(p.bytesUp).str(" bytes), ").dec(p.datagramsDown).str(" down (").dec(p.bytesDown).str(" bytes), ").dec(p.ms).str(" ms");
  logEnd(LOG_ALWAYS);
}

/** The end of the command: the report (text on stderr + PEM on stdout, or one JSON object). */
function done(st: i32): i32 {
  secure.prepare = null;
  wipe(csrSpec.key, 32);
  const e = edhocStats, a = enrollStats, c = crtsStats;
  const at = attStats;
  const rt = e.roundTrips + a.roundTrips + c.roundTrips + at.roundTrips;
  if (json) {
    const w = output;
    w.str("{\"ok\":").str(st == OK ? "true" : "false");
    if (st != OK) w.str(",\"error\":\"").str(statusName(st)).str("\"");
    w.str(",\"resource\":\"").str(resourceName()).str("\",\"edhoc\":").str(ranEdhoc ? "true" : "false")
      .str(",\"combined\":").str(ranEdhoc && secure.combined && e.roundTrips == 1 ? "true" : "false");
    if (ranEdhoc) w.str(",\"edhoc_messages\":[").dec(e.m1).str(",").dec(e.m2).str(",").dec(e.m3).str("]");
    w.str(",\"csr_bytes\":").dec(csrLen).str(",\"certificate_bytes\":").dec(certLen);
    w.str(",\"round_trips\":").dec(rt).str(",\"datagrams_up\":").dec(e.datagramsUp + a.datagramsUp + c.datagramsUp + at.datagramsUp)
      .str(",\"datagrams_down\":").dec(e.datagramsDown + a.datagramsDown + c.datagramsDown + at.datagramsDown)
      .str(",\"bytes_up\":").dec(e.bytesUp + a.bytesUp + c.bytesUp + at.bytesUp).str(",\"bytes_down\":").dec(e.bytesDown + a.bytesDown + c.bytesDown + at.bytesDown)
      .str(",\"phases\":[");
    let first = true;
    if (ranEdhoc) { phaseJson(w, "edhoc", e); first = false; }
    if (askAtt && attStats.roundTrips > 0) { if (!first) w.str(","); phaseJson(w, "att", attStats); first = false; }
    if (classicPop && c.roundTrips > 0) { if (!first) w.str(","); phaseJson(w, "crts", c); first = false; }
    if (!first) w.str(","); phaseJson(w, resourceName(), a);
    if (!classicPop && c.roundTrips > 0) { w.str(","); phaseJson(w, "crts", c); }
    w.str("]");
    if (st == OK) { w.str(",\"certificate_pem\":\""); pem(w, "CERTIFICATE", certBuf, certLen, true); w.str("\",\"ca_certificates_pem\":[\""); pem(w, "CERTIFICATE", caBuf, caLen, true); w.str("\"]"); }
    w.str("}\n");
    flushOut();
    return st == OK ? OK : st;
  }
  if (ranEdhoc) phaseLine("edhoc", e);
  if (askAtt && at.roundTrips > 0) phaseLine("est /att", at);
  phaseLine(serverKeygen == 1 ? "est /skg" : serverKeygen == 2 ? "est /skc" : reenroll ? "est /sren" : "est /sen", a);
  if (c.roundTrips > 0) phaseLine("est /crts", c);
  if (st != OK) return st;
  logBegin().str("enrolled: ").dec(rt).str(" round trips in all; certificate of ").dec(certLen).str(" bytes stored");
  logEnd(LOG_ALWAYS);
  pem(output, "CERTIFICATE", certBuf, certLen, false);
  flushOut();
  return OK;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** PEM: base64 in 64-column lines between BEGIN/END lines (RFC 7468); in a JSON string, newlines as \n. */
export function pem(w: Writer, label: string, p: usize, n: i32, inJson: bool): void {
  const nl = inJson ? "\\n" : "\n";
  w.str("-----BEGIN ").str(label).str("-----").str(nl);
  let col = 0;
  for (let i = 0; i < n; i += 3) {
    const b0 = <i32>load<u8>(p + <usize>i);
    const b1 = i + 1 < n ? <i32>load<u8>(p + <usize>(i + 1)) : 0;
    const b2 = i + 2 < n ? <i32>load<u8>(p + <usize>(i + 2)) : 0;
    w.byte(B64.charCodeAt(b0 >> 2));
    w.byte(B64.charCodeAt(((b0 & 3) << 4) | (b1 >> 4)));
    w.byte(i + 1 < n ? B64.charCodeAt(((b1 & 15) << 2) | (b2 >> 6)) : 0x3d);
    w.byte(i + 2 < n ? B64.charCodeAt(b2 & 63) : 0x3d);
    col += 4;
    if (col == 64) { w.str(nl); col = 0; }
  }
  if (col > 0) w.str(nl);
  w.str("-----END ").str(label).str("-----").str(nl);
}
