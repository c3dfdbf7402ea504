// The path of a C509 end-entity certificate (RFC 5280 §6.1 as pki/path.ts applies it to DER), one level up: to
// a DER trust anchor (the record pki/trust.ts reads, whose subject is the certificate's issuer Name rebuilt as
// DER: pki/c509.ts c509NameDer) or to a C509 CA certificate the caller trusts (a /crts answer from the
// authenticated server). The issuer must be a CA (basicConstraints cA) allowed to sign certificates (keyCertSign
// when keyUsage is present); the certificate itself must carry no critical extension the device does not
// process, must not have expired by the time given, nor (real time only) be not yet valid; its signature must
// verify. Failures are `code` with the reason recorded as pki/path.ts records them (certificate 0 of the path).
// Once accepted (c509PathAccept), the last-known-good time moves to the certificate's notBefore (pki/time.ts).
//
// Deliberately not here: intermediate CAs between the certificate and the anchor (a C509 chain is checked
// issuer by issuer by its user), the anchor's own dates and signature (taken as given, as RFC 5280 does).

import { OK, E_UNSUPPORTED } from "../base/errors";
import { fail, failWith } from "../base/diag";
import {
  M_PATH_CRITICAL, M_PATH_EXPIRED, M_PATH_NOT_YET_VALID, M_PATH_NOT_CA, M_PATH_KEY_USAGE, M_PATH_SIGNATURE,
  M_PATH_NO_ISSUER, M_C509_UNSUPPORTED,
} from "../base/msg";
import { Certificate, x509Parse, spanEquals, KU_KEY_CERT_SIGN } from "./x509";
import { C509Cert, c509NameDer, c509VerifyIssued, c509VerifySignedByX509, C509_TBS_DER_MAX } from "./c509";
import { timeAdvance } from "./time";

/** keyCertSign in C509Cert.keyUsage (bit i of RFC 5280 §4.2.1.3 is 2^i there). */
const C509_KU_KEY_CERT_SIGN: i64 = 32;
/** Room the issuer's DER Name takes at the start of the scratch buffer; the signature check gets the rest. */
const NAME_MAX: i32 = 256;
/** Room c509PathToAnchor's scratch buffer needs: the issuer's DER Name, then a type 3 DER tbsCertificate. */
export const C509_PATH_SCRATCH: i32 = NAME_MAX + C509_TBS_DER_MAX;

let accepted: i64 = 0;

/** The certificate's own checks: critical extensions and dates (now -1: unknown, not judged). */
function leafChecks(c: C509Cert, now: i64, real: bool, code: i32): i32 {
  if (c.unknownCritical) return failWith(code, M_PATH_CRITICAL).int(0).ret();
  if (now >= 0 && <i64>c.notAfter < now) return failWith(code, M_PATH_EXPIRED).int(0).int(<i64>c.notAfter).int(now).ret();
  if (now >= 0 && real && <i64>c.notBefore > now) return failWith(code, M_PATH_NOT_YET_VALID).int(0).int(<i64>c.notBefore).int(now).ret();
  return OK;
}

/**
 * Validate c (parsed) under the DER trust anchors of spans (n pairs of u32 pointer, i32 length): each anchor of
 * the issuer's name is tried until one verifies; it is left parsed in `anchor`. (scratch, cap): room for the
 * issuer's DER Name and the signature check (NAME_MAX + C509_TBS_DER_MAX bytes). now, real: as pki/path.ts
 * takes them. OK or `code` / E_UNSUPPORTED with the reason recorded.
 */
export function c509PathToAnchor(c: C509Cert, spans: usize, n: i32, anchor: Certificate, now: i64, real: bool, code: i32,
                                 scratch: usize, cap: i32): i32 {
  const l = c509NameDer(c.issuerLen > 0 ? c.issuer : c.subject, c.issuerLen > 0 ? c.issuerLen : c.subjectLen, scratch, NAME_MAX);
  let why: u16 = M_PATH_NO_ISSUER;
  for (let i = 0; l > 0 && i < n; i++) {
    const p = <usize>load<u32>(spans + <usize>(i * 8)), pl = load<i32>(spans + <usize>(i * 8 + 4));
    if (x509Parse(anchor, p, pl) != OK || !spanEquals(scratch, l, anchor.subject, anchor.subjectLen)) continue;
    if (!anchor.isCa) { why = M_PATH_NOT_CA; continue; }
    if (anchor.keyUsage >= 0 && (anchor.keyUsage & KU_KEY_CERT_SIGN) == 0) { why = M_PATH_KEY_USAGE; continue; }
    const st = leafChecks(c, now, real, code);
    if (st != OK) return st;
    const v = c509VerifySignedByX509(c, anchor, scratch + <usize>NAME_MAX, cap - NAME_MAX);
    if (v == OK) { accepted = <i64>c.notBefore; return OK; }
    if (v == E_UNSUPPORTED) return fail(v, M_C509_UNSUPPORTED);
    why = M_PATH_SIGNATURE;
  }
  return failWith(code, why).int(0).ret();
}

/** Validate c (parsed) under the trusted C509 CA certificate ca (parsed): names, CA rules, c's own checks, the
 *  signature (scratch, cap as for c509VerifyIssued). OK or `code` / E_UNSUPPORTED with the reason recorded. */
export function c509PathToCa(c: C509Cert, ca: C509Cert, now: i64, real: bool, code: i32, scratch: usize, cap: i32): i32 {
  if (!spanEquals(c.issuerLen > 0 ? c.issuer : c.subject, c.issuerLen > 0 ? c.issuerLen : c.subjectLen, ca.subject, ca.subjectLen)) {
    return failWith(code, M_PATH_NO_ISSUER).int(0).ret();
  }
  if (!ca.isCa) return failWith(code, M_PATH_NOT_CA).int(0).ret();
  if (ca.keyUsage >= 0 && (ca.keyUsage & C509_KU_KEY_CERT_SIGN) == 0) return failWith(code, M_PATH_KEY_USAGE).int(0).ret();
  const st = leafChecks(c, now, real, code);
  if (st != OK) return st;
  const v = c509VerifyIssued(c, ca, scratch, cap);
  if (v == OK) { accepted = <i64>c.notBefore; return OK; }
  if (v == E_UNSUPPORTED) return fail(v, M_C509_UNSUPPORTED);
  return failWith(code, M_PATH_SIGNATURE).int(0).ret();
}

/** The certificate whose path verified last is accepted: the last-known-good time moves to its notBefore. */
export function c509PathAccept(): i32 { return timeAdvance(accepted); }
