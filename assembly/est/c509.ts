// An enrollment in C509 (`enroll --format c509`; EST-oscore draft -11 §5.2.2, the C509 draft §3-§4): what
// est/enroll.ts does differently, one function per step it calls in here.
//
//   CSR         a C509CertificationRequest of type 2 (natively signed, the default) or 3, from the module's one
//               CSR spec (pki/c509-csr.ts), posted with Content-Format TBD4;
//   answer      Accept TBD3: a COSE_C509 (the certificate first). Without Accept (--no-accept): multipart-core
//               [TBD17, c5t, 60, c5u, TBD3, COSE_C509] in any order and subset holding a reference; the
//               certificate is taken from its part, else fetched by its c5u under OSCORE (a GET to the EST
//               server itself, in the same enrollment phase), and must match the c5t when one came;
//   checks      the certificate parses (strictly) and carries the CSR's key; its issuer is the provisioned DER
//               trust anchor whose subject equals the issuer Name rebuilt as DER (pki/c509.ts c509NameDer), or
//               a C509 CA certificate from /crts (Accept TBD3) whose subject Name has the same CBOR bytes; the
//               signature verifies over the CBOR TBS (type 2) or the rebuilt DER tbsCertificate (type 3);
//   fallback    a server that answers the C509 request 4.15 or 4.06 gets the same request in DER; an answer in
//               application/pkix-cert is taken as DER.
// The DER a check rebuilds goes into the arena after the trust anchors (base/config.ts ARENA_C509_DER), where
// also the c5u's path waits while it is fetched and a reported subject's DER stays until the next command. A type 3
// certificate's key marked fe/fd stands for the DER's uncompressed point: it is the device's own key, so the DER
// is rebuilt from the key the device holds, never by point decompression (which the board's provider lacks).
//
// Deliberately not here: the steps' order and the transport (est/enroll.ts), C509 parsing and DER rebuilding
// (pki/c509.ts, c509-der.ts), server-side key generation and /att in CBOR (not offered).

import { OK, PENDING, E_USAGE, E_EST_RESPONSE, E_EST_CERT_KEY, E_EST_CHAIN, E_MALFORMED, E_LIMIT, E_INTERNAL, E_STORE_CORRUPT } from "../base/errors";
import { fail, failWith, logMsg } from "../base/diag";
import { LOG_INFO } from "../base/abi";
import { ARENA_C509_DER, C509_DER_CAPACITY, ARENA_CAPACITY, EST_CERT_CAPACITY } from "../base/config";
import { arenaTake, ARENA_ENROLLMENT } from "../base/arena";
import {
  M_C509_SKG, M_C509_DH_CERT, M_C509_PASSWORD, M_C509_FORMAT, M_C509_COSE, M_C509_PARTS, M_C509_NO_CERT,
  M_C509_C5U_HOST, M_C509_C5U_LONG, M_C509_C5U_FETCH, M_C509_C5T, M_C509_CRTS_FORMAT, M_CERT_PARSE, M_CERT_TOO_BIG, M_EST_CERT_KEY,
  M_PATH_NO_ISSUER, M_EST_TA_MALFORMED,
} from "../base/msg";
import { COAP_GET, CF_CBOR, CF_MULTIPART_CORE } from "../numbers/coap";
import { CborReader, MT_ARRAY, MT_BSTR } from "../cbor/decode";
import { sha256, ctEqual } from "../crypto/index";
import { CoapRequest } from "../coap/client";
import { C509Cert, c509Parse, c509HasKey, c509NameDer } from "../pki/c509";
import { c509PathToAnchor, c509PathToCa, c509PathAccept } from "../pki/c509-path";
import { trustAnchorsLoad, trustAnchorSpans } from "../pki/trust";
import { pathSpans, PATH_MAX_CERTS } from "../pki/path";
import { timeNow, timeIsReal } from "../pki/time";
import { c509CsrBuild } from "../pki/c509-csr";
import { Certificate, x509Parse, spanEquals } from "../pki/x509";
import { csrSpec } from "../pki/csr";
import { enrollOptions, enrollState, answerReader } from "./state";

/** Certificate formats (EnrollOptions.format, the enrollment record, RESULT_CERT_FORMAT). */
export const FORMAT_DER: i32 = 0;
export const FORMAT_C509: i32 = 1;

const cert = new C509Cert();
const ca = new C509Cert();
const mp = answerReader; // shared with est/skg.ts (est/state.ts)
const part = new CborReader();
/** The c5t of a multipart answer (wantLen 8 for SHA-256/64, 32 for SHA-256; 0: none); whether the c5u is
 *  being fetched. */
const want = memory.data(32, 8);
let wantLen = 0;
let fetching = false;
/** The issued certificate's issuer Name as DER (at the arena's C509 part), to match DER trust anchors by. */
let issuerDerLen = 0;
/** Room for the issuer's or a reported subject's DER Name, and for the c5u's path (both at the C509 part's start,
 *  never wanted at once). */
const NAME_DER_MAX: i32 = 256;

/** The arena's C509 part (the arena is held by `owner`: the enrollment's from the answer on, or the status
 *  command's), or 0 if the layout lacks room. */
function scratch(owner: i32 = ARENA_ENROLLMENT): usize {
  if (ARENA_C509_DER + C509_DER_CAPACITY > ARENA_CAPACITY) return 0;
  const a = arenaTake(owner);
  return a == 0 ? 0 : a + <usize>ARENA_C509_DER;
}

/** enrollStart: what a C509 enrollment cannot do (E_USAGE), and a fresh state. */
export function c509Start(): i32 {
  const o = enrollOptions;
  fetching = false; wantLen = 0; issuerDerLen = 0;
  if (o.serverKeygen != 0) return fail(E_USAGE, M_C509_SKG);
  if (o.pop == 3) return fail(E_USAGE, M_C509_DH_CERT);
  if (csrSpec.passwordLen > 0) return fail(E_USAGE, M_C509_PASSWORD);
  return OK;
}

/** The C509 CSR of csrSpec (type enrollOptions.csrType) into (out, cap), with scratch for a type 3 CSR's DER.
 *  Its length or a status. */
export function c509Csr(out: usize, cap: i32, info: usize, infoCap: i32): i32 {
  fetching = false; wantLen = 0;
  return c509CsrBuild(csrSpec, enrollOptions.csrType, out, cap, info, infoCap);
}

/** The first certificate of a COSE_C509 (a byte string, or an array of them) at (p, n): sets part.ptr/size. */
function firstOf(p: usize, n: i32): i32 {
  part.reset(p, n, true);
  const t = part.peekType();
  if (t == MT_ARRAY && (part.enterArray() != OK || part.count < 1)) return E_MALFORMED;
  if (t != MT_ARRAY && t != MT_BSTR) return E_MALFORMED;
  return part.readBstr();
}

/**
 * The enrollment answer (code 2.xx, payload (p, n), Content-Format cf) to a C509 request, or to the c5u GET that
 * an earlier answer asked for. OK: the certificate is at `out` (EST_CERT_CAPACITY bytes) and enrollState.certLen
 * says its length; PENDING: `req` is set up as the GET of the certificate's c5u, to be sent; else a status.
 */
export function c509Answer(p: usize, n: i32, cf: i32, out: usize, req: CoapRequest): i32 {
  const o = enrollOptions;
  let cp: usize = 0, cl = 0;
  if (cf == o.cfCert || cf == o.cfChain) {
    if (firstOf(p, n) != OK) return fail(E_EST_RESPONSE, M_C509_COSE);
    cp = part.ptr; cl = part.size;
  } else if (cf == CF_MULTIPART_CORE && !fetching) {
    // [cf, representation, ...] (RFC 8710): the c5t, the c5u and the certificate; other parts are passed over.
    let uri: usize = 0, uriLen = 0;
    mp.reset(p, n, true);
    if (mp.enterArray() != OK || (mp.count & 1) != 0) return fail(E_EST_RESPONSE, M_C509_PARTS);
    for (let i = mp.count; i > 0; i -= 2) {
      if (mp.readInt(0, 65535) != OK) return fail(E_EST_RESPONSE, M_C509_PARTS);
      const pcf = <i32>mp.value;
      if (mp.readBstr() != OK) return fail(E_EST_RESPONSE, M_C509_PARTS);
      part.reset(mp.ptr, mp.size, true);
      if (pcf == o.cfC5t) {
        // COSE_CertHash [-15 (SHA-256/64) or -16 (SHA-256), hash]
        if (part.enterArray() != OK || part.count != 2 || part.readInt(-16, -15) != OK) return fail(E_EST_RESPONSE, M_C509_PARTS);
        const l = part.value == -15 ? 8 : 32;
        if (part.readBstr() != OK || part.size != l || part.finish() != OK) return fail(E_EST_RESPONSE, M_C509_PARTS);
        memory.copy(want, part.ptr, <usize>l);
        wantLen = l;
      } else if (pcf == CF_CBOR) {
        if (part.readTstr() != OK || part.finish() != OK) return fail(E_EST_RESPONSE, M_C509_PARTS);
        uri = part.ptr; uriLen = part.size;
      } else if (pcf == o.cfCert || pcf == o.cfChain) {
        if (firstOf(mp.ptr, mp.size) != OK) return fail(E_EST_RESPONSE, M_C509_COSE);
        cp = part.ptr; cl = part.size;
      }
    }
    if (mp.finish() != OK) return fail(E_EST_RESPONSE, M_C509_PARTS);
    if (cl == 0) {
      if (uriLen == 0) return fail(E_EST_RESPONSE, M_C509_NO_CERT);
      return fetchC5u(uri, uriLen, req);
    }
  } else return failWith(E_EST_RESPONSE, M_C509_FORMAT).int(cf).ret();
  fetching = false;
  if (cl > EST_CERT_CAPACITY) return failWith(E_LIMIT, M_CERT_TOO_BIG).int(EST_CERT_CAPACITY).ret();
  if (wantLen > 0) {
    // The c5t hashes ~C509Certificate: the array form without its one-byte head 0x8b.
    const h = scratch() + <usize>(C509_DER_CAPACITY - 32);
    const skip = cl > 0 && load<u8>(cp) == 0x8b ? 1 : 0;
    sha256(cp + <usize>skip, cl - skip, h);
    if (!ctEqual(h, want, wantLen)) return fail(E_EST_RESPONSE, M_C509_C5T);
  }
  memory.copy(out, cp, <usize>cl);
  enrollState.certLen = cl;
  return OK;
}

/** Set up the GET of a c5u, which must name the EST server the device talks to (same scheme and authority as
 *  its URI), the only one it has an OSCORE context with. PENDING or a status. */
function fetchC5u(uri: usize, n: i32, req: CoapRequest): i32 {
  const ep = enrollOptions.ep;
  const a = <i32>(ep.path - ep.uri); // "coap://host[:port]" of the device's URI
  if (a <= 0 || n <= a || !spanEquals(uri, a, ep.uri, a) || load<u8>(uri + <usize>a) != 0x2f) {
    return failWith(E_EST_RESPONSE, M_C509_C5U_HOST).bytes(uri, n < 80 ? n : 80).ret();
  }
  const c5uPath = scratch();
  if (c5uPath == 0 || n - a > NAME_DER_MAX) return failWith(E_LIMIT, M_C509_C5U_LONG).int(NAME_DER_MAX).ret();
  memory.copy(c5uPath, uri + <usize>a, <usize>(n - a));
  logMsg(M_C509_C5U_FETCH).bytes(uri, n).emit(LOG_INFO);
  req.method = COAP_GET; req.contentFormat = -1; req.accept = enrollOptions.cfChain;
  req.path = c5uPath; req.pathLen = n - a; req.payloadLen = 0;
  fetching = true;
  return PENDING;
}

/** Parse the issued certificate and check that it carries the CSR's key (then a type 3 certificate's fe/fd
 *  key is replaced by the device's uncompressed one: see the file comment). */
function parseOwn(p: usize, n: i32): i32 {
  const st = c509Parse(cert, p, n);
  if (st != OK) return fail(st, M_CERT_PARSE);
  const k = csrSpec.key;
  if (!c509HasKey(cert, k.pub, k.pubLen)) return fail(E_EST_CERT_KEY, M_EST_CERT_KEY);
  if (cert.keyLen == 33 && load<u8>(cert.key) >= 0xfd) { cert.key = k.pub; cert.keyLen = 65; }
  return OK;
}

/** S_CHECK: the certificate (p, n) parses and carries the CSR's key; its issuer's DER Name is noted. */
export function c509Check(p: usize, n: i32): i32 {
  let st = parseOwn(p, n);
  if (st != OK) return st;
  const s = scratch();
  if (s == 0) return E_INTERNAL;
  st = c509NameDer(cert.issuerLen > 0 ? cert.issuer : cert.subject, cert.issuerLen > 0 ? cert.issuerLen : cert.subjectLen, s, NAME_DER_MAX);
  issuerDerLen = st < 0 ? 0 : st; // a Name with no DER form matches no DER anchor (the chain check says so)
  return OK;
}

/** Whether a DER Name (a trust anchor's subject) is the checked certificate's issuer. */
export function c509IssuerIs(name: usize, n: i32): bool {
  return issuerDerLen > 0 && spanEquals(scratch(), issuerDerLen, name, n);
}

/** The /crts answer in C509 (a COSE_C509 chain): the CA certificate whose subject is the checked certificate's
 *  issuer, copied to out (EST_CERT_CAPACITY bytes). Its length or a status. Its signature is checked with the
 *  chain, as for DER. */
export function c509Crts(p: usize, n: i32, cf: i32, out: usize): i32 {
  if (cf != enrollOptions.cfCert && cf != enrollOptions.cfChain) return failWith(E_EST_RESPONSE, M_C509_CRTS_FORMAT).int(cf).ret();
  mp.reset(p, n, true);
  let k = 1;
  if (mp.peekType() == MT_ARRAY) { if (mp.enterArray() != OK) return fail(E_EST_RESPONSE, M_C509_COSE); k = mp.count; }
  const ip = cert.issuerLen > 0 ? cert.issuer : cert.subject, il = cert.issuerLen > 0 ? cert.issuerLen : cert.subjectLen;
  for (let i = 0; i < k; i++) {
    if (mp.readBstr() != OK) return fail(E_EST_RESPONSE, M_C509_COSE);
    if (mp.size <= EST_CERT_CAPACITY && c509Parse(ca, mp.ptr, mp.size) == OK && ca.isCa && spanEquals(ip, il, ca.subject, ca.subjectLen)) {
      memory.copy(out, mp.ptr, <usize>mp.size);
      return mp.size;
    }
  }
  return failWith(E_EST_CHAIN, M_PATH_NO_ISSUER).int(0).ret();
}

/** S_FINISH: the certificate (p, n) and its path (pki/c509-path.ts, judged by the time pki/time.ts gives): to
 *  the C509 CA certificate from /crts at (q, m) when m > 0, else to the DER trust anchors of the record, read
 *  into ta (TRUST_ANCHORS_CAPACITY bytes): the anchor that issued it (parsed into the caller's `anchor`) is
 *  copied to q (EST_CERT_CAPACITY bytes). The CA certificate's length, or a status. */
export function c509Chain(p: usize, n: i32, q: usize, m: i32, anchor: Certificate, ta: usize): i32 {
  let st = parseOwn(p, n);
  if (st != OK) return st;
  const s = scratch();
  if (s == 0) return E_INTERNAL;
  const now = timeNow(), real = timeIsReal();
  if (m > 0) {
    if (c509Parse(ca, q, m) != OK) return failWith(E_EST_CHAIN, M_PATH_NO_ISSUER).int(0).ret(); // (parsed when picked)
    st = c509PathToCa(cert, ca, now, real, E_EST_CHAIN, s, C509_DER_CAPACITY);
  } else {
    const k = trustAnchorsLoad(ta);
    const t = k > 0 ? trustAnchorSpans(pathSpans, PATH_MAX_CERTS) : -1;
    if (t <= 0) return fail(E_STORE_CORRUPT, M_EST_TA_MALFORMED);
    st = c509PathToAnchor(cert, pathSpans, t, anchor, now, real, E_EST_CHAIN, s, C509_DER_CAPACITY);
    if (st == OK) {
      m = anchor.derLen;
      if (m > EST_CERT_CAPACITY) return failWith(E_LIMIT, M_CERT_TOO_BIG).int(EST_CERT_CAPACITY).ret();
      memory.copy(q, anchor.der, <usize>m);
    }
  }
  if (st != OK) return st;
  c509PathAccept();
  return m;
}

/** A C509 certificate (p, n) described as the reports and the life cycle read a DER one: into c its validity
 *  and its subject as the DER Name it stands for, written in the arena `owner` holds (it stays there until the
 *  next command; no subject when it does not fit). OK or the parse status. */
export function c509Describe(p: usize, n: i32, c: Certificate, owner: i32): i32 {
  const st = c509Parse(cert, p, n);
  if (st != OK) return st;
  c.notBefore = <i64>cert.notBefore; c.notAfter = <i64>cert.notAfter;
  const s = scratch(owner);
  const l = s == 0 ? -1 : c509NameDer(cert.subject, cert.subjectLen, s, NAME_DER_MAX);
  c.subject = s; c.subjectLen = l > 0 ? l : 0;
  return OK;
}
