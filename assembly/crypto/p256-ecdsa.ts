// ECDSA over P-256 on 32-byte message digests (FIPS 186-5 section 6.4; SEC 1 v2 section 4.1), signatures as
// 64 bytes r||s (each 32-byte big-endian, the IEEE P1363 / COSE ES256 form, RFC 9053 section 2.1).
//
// Signing is deterministic (RFC 6979) or hedged (RFC 6979 section 3.6 with caller-supplied extra data), see
// p256-rfc6979.ts for how the nonce k is chosen. Signing is constant time in the key, the nonce and the digest
// except for the retry after a nonce >= n or r = 0 or s = 0 (probability about 2^-32 per signature; RFC 6979
// section 3.2 step h). Verification works on public data only and may take variable time.
//
// Deliberately not here: hashing the message (callers pass SHA-256 digests), DER signature encoding,
// low-s normalisation (not required by FIPS 186-5 or COSE; verification accepts either s).

import { OK, E_CRYPTO_KEY, E_CRYPTO_SIGNATURE, E_CRYPTO_PARAM } from "../base/errors";
import {
  ORDER_N, scalarMul, scalarAdd, scalarInv, scalarFromBytesReduce, scalarFromBytesChecked, scalarIsZero, scalarWipe,
} from "./p256-scalar";
import { pointMulBase, pointMulDoubleVartime, pointToAffine, pointWipe } from "./p256-point";
import { p256DecodePoint } from "./p256";
import { rfc6979Init, rfc6979Next, rfc6979Wipe } from "./p256-rfc6979";
import { u256ToBytes, u256Eq, u256SubMasked } from "./u256";
import { fieldNeg } from "./p256-field";

const d = memory.data(32, 16);
const e = memory.data(32, 16);
const kk = memory.data(32, 16);
const r = memory.data(32, 16);
const s = memory.data(32, 16);
const w = memory.data(32, 16);
const qx = memory.data(32, 16);
const qy = memory.data(32, 16);
const rx = memory.data(32, 16);
const ry = memory.data(32, 16);
const kBytes = memory.data(32, 16);
const pt = memory.data(96, 16);
const tmp = memory.data(32, 16);

/** x mod n for a field element x < p (< 2n): one masked subtraction. */
function reduceToScalar(out: usize, x: usize): void {
  const borrow = u256SubMasked(tmp, x, ORDER_N, 0xffffffff);
  memory.copy(out, x, 32);
  const take = ~borrow;
  for (let i = 0; i < 8; i++) {
    const o = <usize>(i << 2);
    const a = load<u32>(out + o);
    store<u32>(out + o, a ^ ((a ^ load<u32>(tmp + o)) & take));
  }
}

/** Sign a 32-byte digest with RFC 6979 deterministic k (HMAC-SHA-256). priv: 32 bytes big-endian in
 *  [1, n-1]; sig64Out: 64 bytes r||s. Returns OK or E_CRYPTO_KEY (sig64Out untouched). */
export function p256SignDigest(priv: usize, digest32: usize, sig64Out: usize): i32 {
  return p256SignDigestHedged(priv, digest32, 0, 0, sig64Out);
}

/** Sign a 32-byte digest with k from RFC 6979 section 3.6: the HMAC-DRBG of section 3.2 seeded with the key,
 *  the reduced digest and `extra` (extraLen bytes, e.g. fresh random bytes; extraLen 0 gives exactly
 *  p256SignDigest). With random extra data the signature stays safe if the randomness is weak (it falls back
 *  to deterministic) and resists fault attacks better than pure RFC 6979. priv, digest and extra are read only;
 *  sig (64 bytes) must not overlap them. Returns OK, E_CRYPTO_KEY (priv 0 or >= n) or E_CRYPTO_PARAM
 *  (extraLen < 0); sig is written only on OK. */
export function p256SignDigestHedged(priv: usize, digest: usize, extra: usize, extraLen: i32, sig: usize): i32 {
  if (extraLen < 0) return E_CRYPTO_PARAM;
  if (scalarFromBytesChecked(d, priv) == 0) { wipe(); return E_CRYPTO_KEY; }
  scalarFromBytesReduce(e, digest);              // bits2int(h1) mod n (qlen = hlen = 256)
  u256ToBytes(tmp, e);                            // bits2octets(h1)
  rfc6979Init(priv, tmp, extra, extraLen);
  for (;;) {
    rfc6979Next(kBytes);                          // a candidate k in [1, n-1] (loops inside for >= n)
    scalarFromBytesChecked(kk, kBytes);
    pointMulBase(pt, kk);
    pointToAffine(rx, ry, pt);
    reduceToScalar(r, rx);                        // r = x(kG) mod n
    scalarMul(s, r, d);
    scalarAdd(s, s, e);                           // e + r d
    scalarInv(w, kk);
    scalarMul(s, s, w);                           // s = k^-1 (e + r d)
    if ((scalarIsZero(r) | scalarIsZero(s)) == 0) break;
  }
  u256ToBytes(sig, r);
  u256ToBytes(sig + 32, s);
  wipe();
  return OK;
}

/** Verify a signature sig64 (r||s) over a 32-byte digest with a public key (65, 33 or 32 bytes, see
 *  p256.ts; a 32-byte x-only key stands for either y, so it accepts signatures of both keys). Returns OK, or
 *  E_CRYPTO_SIGNATURE for an invalid signature, r or s outside [1, n-1], or an invalid public key.
 *  Variable time (public inputs). */
export function p256VerifyDigest(pub: usize, pubLen: i32, digest32: usize, sig64: usize): i32 {
  if (p256DecodePoint(pub, pubLen, qx, qy) != OK) return E_CRYPTO_SIGNATURE;
  if (scalarFromBytesChecked(r, sig64) == 0) return E_CRYPTO_SIGNATURE;
  if (scalarFromBytesChecked(s, sig64 + 32) == 0) return E_CRYPTO_SIGNATURE;
  scalarFromBytesReduce(e, digest32);
  scalarInv(w, s);
  scalarMul(e, e, w);     // u1 = e / s
  scalarMul(w, r, w);     // u2 = r / s
  pointMulDoubleVartime(pt, e, w, qx, qy);
  if (pointToAffine(rx, ry, pt) != 0) return E_CRYPTO_SIGNATURE;
  reduceToScalar(tmp, rx);
  let ok = u256Eq(tmp, r) != 0;
  if (!ok && pubLen == 32) {
    // x-only key: the signature may belong to (x, -y); then u1 G - u2 Q must match instead.
    ok = verifyOtherY();
  }
  return ok ? OK : E_CRYPTO_SIGNATURE;
}

function verifyOtherY(): bool {
  fieldNeg(qy, qy);
  pointMulDoubleVartime(pt, e, w, qx, qy);
  if (pointToAffine(rx, ry, pt) != 0) return false;
  reduceToScalar(tmp, rx);
  return u256Eq(tmp, r) != 0;
}

function wipe(): void {
  memory.fill(d, 0, 32); memory.fill(e, 0, 32); memory.fill(kk, 0, 32); memory.fill(kBytes, 0, 32);
  memory.fill(w, 0, 32); memory.fill(s, 0, 32); memory.fill(r, 0, 32); memory.fill(pt, 0, 96);
  memory.fill(rx, 0, 32); memory.fill(ry, 0, 32); memory.fill(tmp, 0, 32);
  rfc6979Wipe();
  pointWipe();
  scalarWipe();
}
