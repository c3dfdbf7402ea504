// P-256 (secp256r1) public-key operations: key derivation, public-key validation and decompression, ECDH.
// ECDSA (p256-ecdsa.ts) is re-exported here so callers import one file.
//
// Encodings (SEC 1 v2 section 2.3.3/2.3.4): private keys are 32-byte big-endian integers in [1, n-1];
// public keys are accepted as 65-byte 04||x||y, 33-byte 02/03||x (compressed) and 32-byte x only (the form
// EDHOC, RFC 9528 section 3.7, uses for P-256 ephemeral keys; its y is irrelevant to ECDH because
// x(k P) = x(k (-P)); where a full point is needed this file takes the even y, as 02||x would).
// The identity (SEC 1's single 0x00 byte) is never accepted.
//
// Secret inputs are processed in constant time; the scratch that held them is wiped before returning.
// Public-key validation and decoding are constant time as well, though they need not be.
// Deliberately not here: random number generation (callers pass the bytes: p256KeyFromSeed), hashing.

import { OK, E_CRYPTO_KEY, E_CRYPTO_POINT } from "../base/errors";
import { fieldFromBytes, fieldSqrt, fieldNeg, fieldEq, curveRhs, fieldSqr } from "./p256-field";
import { scalarFromBytesChecked, scalarFromSeed, scalarWipe } from "./p256-scalar";
import { pointMulBase, pointMul, pointToAffine, pointWipe } from "./p256-point";
import { u256ToBytes, u256Cmov, u256Bit } from "./u256";

export { p256SignDigest, p256SignDigestHedged, p256VerifyDigest } from "./p256-ecdsa";

const k = memory.data(32, 16);
const px = memory.data(32, 16);
const py = memory.data(32, 16);
const ax = memory.data(32, 16);
const ay = memory.data(32, 16);
const rhs = memory.data(32, 16);
const ysq = memory.data(32, 16);
const yneg = memory.data(32, 16);
const res = memory.data(96, 16);

/** Decode a public key (65, 33 or 32 bytes, see the file comment) into the affine field elements x, y
 *  (32 bytes each, limbs). Returns OK, or E_CRYPTO_POINT for a bad length or prefix, a coordinate >= p or a
 *  point not on the curve. */
export function p256DecodePoint(pub: usize, pubLen: i32, x: usize, y: usize): i32 {
  let xoff: usize = 0;
  let wantOdd: i32 = -1; // -1: y given; 0: even; 1: odd
  if (pubLen == 65) {
    if (load<u8>(pub) != 0x04) return E_CRYPTO_POINT;
    xoff = 1;
  } else if (pubLen == 33) {
    const pre = <i32>load<u8>(pub);
    if (pre != 0x02 && pre != 0x03) return E_CRYPTO_POINT;
    xoff = 1; wantOdd = pre & 1;
  } else if (pubLen == 32) {
    wantOdd = 0;
  } else return E_CRYPTO_POINT;
  let ok = fieldFromBytes(x, pub + xoff);
  curveRhs(rhs, x);
  if (wantOdd < 0) {
    ok &= fieldFromBytes(y, pub + 33);
    fieldSqr(ysq, y);
    ok &= fieldEq(ysq, rhs);
  } else {
    ok &= fieldSqrt(y, rhs);
    // Pick the root with the wanted parity: negate when the parity differs (y = 0 has no P-256 point).
    fieldNeg(yneg, y);
    u256Cmov(y, yneg, -((u256Bit(y, 0) ^ <u32>wantOdd) & 1));
  }
  return ok == 0xffffffff ? OK : E_CRYPTO_POINT;
}

/** Check a public key: returns OK or E_CRYPTO_POINT (see p256DecodePoint). pub: pubLen bytes, read only. */
export function p256ValidatePublic(pub: usize, pubLen: i32): i32 {
  return p256DecodePoint(pub, pubLen, px, py);
}

/** Write the uncompressed 65-byte form 04||x||y of a valid public key (any accepted form) to out65.
 *  Returns OK or E_CRYPTO_POINT (out65 untouched). out65 must not overlap pub. */
export function p256Decompress(pub: usize, pubLen: i32, out65: usize): i32 {
  const st = p256DecodePoint(pub, pubLen, px, py);
  if (st != OK) return st;
  store<u8>(out65, 0x04);
  u256ToBytes(out65 + 1, px);
  u256ToBytes(out65 + 33, py);
  return OK;
}

/** Public key of a private key: out65 = 04||x||y of priv * G. priv: 32 bytes big-endian. Returns OK, or
 *  E_CRYPTO_KEY when priv is 0 or >= n (out65 untouched). Constant time in priv. */
export function p256PublicKey(priv: usize, out65: usize): i32 {
  const valid = scalarFromBytesChecked(k, priv);
  let st = E_CRYPTO_KEY;
  if (valid != 0) {
    pointMulBase(res, k);
    pointToAffine(ax, ay, res);
    store<u8>(out65, 0x04);
    u256ToBytes(out65 + 1, ax);
    u256ToBytes(out65 + 33, ay);
    st = OK;
  }
  wipeAll();
  return st;
}

/** ECDH (SEC 1 v2 section 3.3.1): out32 = x-coordinate (32 bytes big-endian) of priv * pub. The public key is
 *  validated first (any accepted form). Returns OK, E_CRYPTO_KEY (priv 0 or >= n), or E_CRYPTO_POINT (invalid
 *  pub, or the identity as result); out32 is written only on OK. Constant time in priv. */
export function p256Ecdh(priv: usize, pub: usize, pubLen: i32, out32: usize): i32 {
  if (p256DecodePoint(pub, pubLen, px, py) != OK) return E_CRYPTO_POINT;
  const valid = scalarFromBytesChecked(k, priv);
  let st = E_CRYPTO_KEY;
  if (valid != 0) {
    pointMul(res, k, px, py);
    const isId = pointToAffine(ax, ay, res);
    if (isId != 0) st = E_CRYPTO_POINT;
    else { u256ToBytes(out32, ax); st = OK; }
  }
  wipeAll();
  return st;
}

/** A private key from 48 random bytes: privOut (32 bytes big-endian) = seed mod (n - 1) + 1, always in
 *  [1, n-1] (FIPS 186-5 Appendix A.2.1, "extra random bits"; bias below 2^-128). No rejection loop, constant
 *  time. seed48 is read only; the caller wipes it. */
export function p256KeyFromSeed(seed48: usize, privOut: usize): void {
  scalarFromSeed(k, seed48, 48);
  u256ToBytes(privOut, k);
  wipeAll();
}

function wipeAll(): void {
  memory.fill(k, 0, 32);
  memory.fill(ax, 0, 32);
  memory.fill(ay, 0, 32);
  memory.fill(res, 0, 96);
  pointWipe();
  scalarWipe();
}
