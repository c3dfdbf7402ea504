// Certification path validation (RFC 5280 §6.1), to the extent a device needs: from an end-entity certificate
// up through CA certificates, each found by its subject name, to a trusted certificate. The candidates are
// given as spans: first the trusted set (the trust-anchor record, pki/trust.ts, or the CA certificates of a
// /crts answer from the authenticated server), then untrusted intermediates (the rest of an x5chain). A path
// ends at a trusted certificate that is self-issued or that no other certificate of the set issued: the
// anchor, whose own dates, extensions and signature are not checked (RFC 5280 §6.1 takes a trust anchor as
// given). For every other certificate of the path:
//   - no critical extension the device does not process (x509.ts knows basicConstraints, keyUsage,
//     subjectAltName),
//   - notAfter not before the time; notBefore not after it, where the time is real (pki/time.ts),
//   - its issuer has basicConstraints cA, keyUsage keyCertSign when keyUsage is present, and a pathLenConstraint
//     (when present) of at least the number of intermediate CAs below it, and its signature verifies.
// Once its user accepts the certificate (pathAccept), a verified path moves the last-known-good time forward to
// its latest notBefore (pki/time.ts); a refusal for other reasons (a wrong subject) leaves the key store alone.
//
// Deliberately not here: name constraints, policies, revocation (no CRL or OCSP on the device), and
// backtracking over several issuers of one name beyond trying each in turn at one level.

import { OK, E_UNSUPPORTED } from "../base/errors";
import { failWith } from "../base/diag";
import {
  M_PATH_CRITICAL, M_PATH_EXPIRED, M_PATH_NOT_YET_VALID, M_PATH_NOT_CA, M_PATH_KEY_USAGE, M_PATH_LENGTH,
  M_PATH_SIGNATURE, M_PATH_NO_ISSUER, M_PATH_TOO_LONG, M_CRYPTO_NO_ALG,
} from "../base/msg";
import { Certificate, x509Parse, x509VerifyIssued, spanEquals, KU_KEY_CERT_SIGN } from "./x509";
import { timeAdvance } from "./time";

/** Room for candidate spans (u32 pointer, i32 length each), shared by the callers: pathSpans. */
export const PATH_MAX_CERTS: i32 = 12;
export const pathSpans = memory.data(PATH_MAX_CERTS * 8, 8);
/** Most certificates above the end entity. */
const PATH_MAX_DEPTH = 4;

const a = new Certificate(), b = new Certificate();
let issuerAt: usize = 0;
let issuerLen = 0;
let latest: i64 = 0;

/** The end entity's issuer in the last path that verified: its DER (pathIssuer, pathIssuerLength bytes). */
export function pathIssuer(): usize { return issuerAt; }
export function pathIssuerLength(): i32 { return issuerLen; }

/**
 * Validate the path from `leaf` (parsed; left as it is) to a trusted certificate. spans holds nTotal spans, the
 * first nTrusted of them trusted. now: the time to judge dates by, seconds since 1970, -1 when unknown (then
 * dates are not judged); real: whether now is real time (else a lower bound: notBefore is not judged).
 * Returns OK, or `code` with the reason recorded (diag.ts): which certificate of the path (0: the end entity)
 * and what failed.
 */
export function pathValidate(leaf: Certificate, spans: usize, nTrusted: i32, nTotal: i32, now: i64, real: bool, code: i32): i32 {
  let cur = leaf;
  let at = -1;        // cur's index in spans (-1: the end entity, never an anchor)
  let depth = 0;      // cur's place in the path
  latest = 0;
  while (true) {
    const trusted = at >= 0 && at < nTrusted;
    if (trusted && spanEquals(cur.issuer, cur.issuerLen, cur.subject, cur.subjectLen)) break; // a trusted root
    const up = cur == a ? b : a;
    let why: u16 = 0, next = -1;
    for (let i = 0; i < nTotal; i++) {
      const p = <usize>load<u32>(spans + <usize>(i * 8)), l = load<i32>(spans + <usize>(i * 8 + 4));
      if (p == cur.der || x509Parse(up, p, l) != OK || !spanEquals(cur.issuer, cur.issuerLen, up.subject, up.subjectLen)) continue;
      // A certificate of the issuer's name: may it issue cur?
      if (!up.isCa) { why = M_PATH_NOT_CA; continue; }
      if (up.keyUsage >= 0 && (up.keyUsage & KU_KEY_CERT_SIGN) == 0) { why = M_PATH_KEY_USAGE; continue; }
      if (up.pathLen >= 0 && up.pathLen < depth) { why = M_PATH_LENGTH; continue; }
      // cur is not the anchor: its own extensions and dates count.
      if (cur.unknownCritical) return failWith(code, M_PATH_CRITICAL).int(depth).ret();
      if (now >= 0 && cur.notAfter < now) return failWith(code, M_PATH_EXPIRED).int(depth).int(cur.notAfter).int(now).ret();
      if (now >= 0 && real && cur.notBefore > now) return failWith(code, M_PATH_NOT_YET_VALID).int(depth).int(cur.notBefore).int(now).ret();
      const v = x509VerifyIssued(cur, up);
      if (v == E_UNSUPPORTED) return failWith(v, M_CRYPTO_NO_ALG).ascii("the signature algorithm of a certificate on the path").ret();
      if (v != OK) { why = M_PATH_SIGNATURE; continue; }
      next = i;
      if (depth == 0) { issuerAt = p; issuerLen = l; }
      break;
    }
    if (next < 0) {
      if (why != 0) return failWith(code, why).int(depth).ret();
      if (trusted) break; // nothing in the set issued it: the anchor
      return failWith(code, M_PATH_NO_ISSUER).int(depth).ret();
    }
    if (cur.notBefore > latest) latest = cur.notBefore;
    cur = up; at = next; depth++;
    if (depth > PATH_MAX_DEPTH) return failWith(code, M_PATH_TOO_LONG).int(PATH_MAX_DEPTH).ret();
  }
  return OK;
}

/** The certificate whose path verified last is accepted: the last-known-good time moves to the path's latest
 *  notBefore (a signed statement that the time is past it). Returns OK or the store's status (logged). */
export function pathAccept(): i32 { return timeAdvance(latest); }
