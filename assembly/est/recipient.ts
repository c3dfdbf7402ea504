// The recipient of a classic RFC 6955 proof of possession (--pop dh-cert): from the /crts bundle, the CA's
// certificate with a static DH key on the device's curve — not a CA certificate, its path leading to the
// trust-anchor record (pki/path.ts; the bundle's CA certificates may be intermediates on the way).
// Its key, subject, issuer and serial go into the CSR spec (pki/csr.ts dhPopMac).
//
// Deliberately not here: the MAC (pki/csr.ts), fetching /crts (est/enroll.ts).

import { OK, E_EST_RESPONSE, E_EST_CHAIN, E_STORE_CORRUPT, E_INTERNAL } from "../base/errors";
import { arenaTake, arenaRelease, ARENA_RECIPIENT } from "../base/arena";
import { fail, logMsg } from "../base/diag";
import { LOG_INFO } from "../base/abi";
import { M_CRTS_FORMAT, M_CRTS_BUNDLE, M_RECIPIENT_NO_TA, M_RECIPIENT_NONE, M_RECIPIENT_FOUND } from "../base/msg";
import { CF_PKCS7_CERTS_ONLY } from "../numbers/coap";
import { KEY_P256_ECDSA, KEY_P256_DH, KEY_X25519_DH } from "../pki/keys";
import { x509Parse, pkcs7Certificates } from "../pki/x509";
import { CsrSpec } from "../pki/csr";
import { trustAnchorsLoad, trustAnchorSpans } from "../pki/trust";
import { pathValidate, pathAccept, pathSpans, PATH_MAX_CERTS } from "../pki/path";
import { timeNow, timeIsReal } from "../pki/time";
import { caCert } from "./state";

/** The candidate being looked at: the enrollment's CA certificate object, free until the trust-anchor step
 *  (est/state.ts caCert). */
const cert = caCert;

/** Take the recipient from a /crts answer (payload p, n bytes, Content-Format cf) into spec. */
export function recipientTake(p: usize, n: i32, cf: i32, spec: CsrSpec): i32 {
  if (cf != CF_PKCS7_CERTS_ONLY) return fail(E_EST_RESPONSE, M_CRTS_FORMAT);
  const a = arenaTake(ARENA_RECIPIENT);
  if (a == 0) return E_INTERNAL;
  const st = pick(p, n, spec, a);
  arenaRelease(ARENA_RECIPIENT);
  return st;
}

function pick(p: usize, n: i32, spec: CsrSpec, a: usize): i32 {
  // The spans: the trust-anchor record (trusted), then the bundle's certificates.
  const t = trustAnchorsLoad(a);
  if (t <= 0) return fail(t == E_STORE_CORRUPT ? E_STORE_CORRUPT : E_EST_CHAIN, M_RECIPIENT_NO_TA);
  const nt = trustAnchorSpans(pathSpans, PATH_MAX_CERTS);
  const k = nt < 0 ? nt : pkcs7Certificates(p, n, pathSpans + <usize>(nt * 8), PATH_MAX_CERTS - nt);
  if (k < 0) return fail(k, M_CRTS_BUNDLE);
  const want = spec.key.kind == KEY_P256_DH ? KEY_P256_ECDSA : KEY_X25519_DH; // x509.ts names any P-256 key KEY_P256_ECDSA
  for (let i = nt; i < nt + k; i++) {
    const cp = <usize>load<u32>(pathSpans + <usize>(i * 8)), cl = load<i32>(pathSpans + <usize>(i * 8 + 4));
    if (x509Parse(cert, cp, cl) != OK || cert.isCa || cert.keyKind != want) continue;
    if (cert.subjectLen > 256 || cert.issuerLen > 256 || cert.serialLen > 24) continue;
    const st = pathValidate(cert, pathSpans, nt, nt + k, timeNow(), timeIsReal(), E_EST_CHAIN);
    if (st != OK) return st;
    pathAccept();
    memory.copy(spec.recipient, cert.key + (want == KEY_P256_ECDSA ? 1 : 0), 32);
    memory.copy(spec.rSubject, cert.subject, <usize>cert.subjectLen); spec.rSubjectLen = cert.subjectLen;
    memory.copy(spec.rIssuer, cert.issuer, <usize>cert.issuerLen); spec.rIssuerLen = cert.issuerLen;
    memory.copy(spec.rSerial, cert.serial, <usize>cert.serialLen); spec.rSerialLen = cert.serialLen;
    logMsg(M_RECIPIENT_FOUND).int(cl).emit(LOG_INFO);
    return OK;
  }
  return fail(E_EST_CHAIN, M_RECIPIENT_NONE);
}
