// Ed25519 (RFC 8032 §5.1, "pure" Ed25519): key derivation, signing, verification.
//
// Points are in extended twisted-Edwards coordinates (X:Y:Z:T), added with the complete a = -1 formulas
// ("add-2008-hwcd-3", Hisil-Wong-Carter-Dawson 2008), which also double. Scalar multiplication is
// double-and-add-always with a masked select, so signing (a secret scalar times the base point) has no
// secret-dependent branch or memory index. Verification uses the same routine (its data is public).
//
// Verification is cofactorless: it checks [S]B == R + [k]A' (RFC 8032 §5.1.7 allows this form). It rejects
// S >= L, public keys and R whose y is not canonical (y >= p), points that do not decode, and x = 0 with
// the sign bit set.
//
// Deliberately not here: Ed25519ctx / Ed25519ph, batch verification, X25519 conversion.

import { OK, E_CRYPTO_SIGNATURE, E_CRYPTO_POINT } from "../base/errors";
import {
  FE, feAdd, feSub, feMul, feSq, feMulSmall, feNeg, feCmov, feCopy, feOne, feZero, feInvert, fePow22523,
  feFromBytes, feToBytes, feIsNegative, feIsZero, curve25519Scratch, CURVE25519_SCRATCH_SIZE,
} from "./field25519";
import { sha512State } from "./sha512";
import { scReduce, scMulAdd, scIsCanonical } from "./sc25519";
import { ctEqual, wipe } from "./ct";

const P = 4 * FE; // bytes per point: X, Y, Z, T

// Curve constants, computed once on first use (RFC 8032 §5.1): d = -121665/121666, 2d, sqrt(-1), B.
const D = memory.data(FE, 8), D2 = memory.data(FE, 8), SQRTM1 = memory.data(FE, 8), BASE = memory.data(P, 8);
let ready = false;
const BASE_ENC = memory.data<u8>([0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66]);

// Scratch: the addition's temporaries and the scalar multiplication's points (12 * FE + 4 * P bytes: all of
// CURVE25519_SCRATCH_SIZE), in the block this file shares with X25519 (field25519.ts), which is never running
// while an Ed25519 operation is.
const SCRATCH = curve25519Scratch;
const tA = SCRATCH, tB = SCRATCH + FE, tC = SCRATCH + 2 * FE, tD = SCRATCH + 3 * FE, tE = SCRATCH + 4 * FE, tF = SCRATCH + 5 * FE;
const tG = SCRATCH + 6 * FE, tH = SCRATCH + 7 * FE, u = SCRATCH + 8 * FE, v = SCRATCH + 9 * FE, w = SCRATCH + 10 * FE, x = SCRATCH + 11 * FE;
const Q = SCRATCH + 12 * FE, T = Q + P, R1 = T + P, R2 = R1 + P;

function setup(): void {
  if (ready) return;
  feOne(tA); feMulSmall(tA, tA, 121666); feInvert(tA, tA); feMulSmall(D, tA, 121665); feNeg(D, D);
  feAdd(D2, D, D);
  // sqrt(-1) = 2^((p-1)/4), (p-1)/4 = 2^253 - 5: bits 0..252 set except bit 2.
  feOne(SQRTM1);
  for (let i = 252; i >= 0; i--) {
    feSq(SQRTM1, SQRTM1);
    if (i != 2) feMulSmall(SQRTM1, SQRTM1, 2);
  }
  ready = true;
  decodePoint(BASE, BASE_ENC);
}

@inline function X(p: usize): usize { return p; }
@inline function Y(p: usize): usize { return p + FE; }
@inline function Z(p: usize): usize { return p + 2 * FE; }
@inline function Tc(p: usize): usize { return p + 3 * FE; }

function ptIdentity(p: usize): void { feZero(X(p)); feOne(Y(p)); feOne(Z(p)); feZero(Tc(p)); }

/** r = p + q (complete; r may alias p or q). */
function ptAdd(r: usize, p: usize, q: usize): void {
  feSub(tA, Y(p), X(p)); feSub(tB, Y(q), X(q)); feMul(tA, tA, tB);
  feAdd(tB, Y(p), X(p)); feAdd(tC, Y(q), X(q)); feMul(tB, tB, tC);
  feMul(tC, Tc(p), D2); feMul(tC, tC, Tc(q));
  feMul(tD, Z(p), Z(q)); feAdd(tD, tD, tD);
  feSub(tE, tB, tA); feSub(tF, tD, tC); feAdd(tG, tD, tC); feAdd(tH, tB, tA);
  feMul(X(r), tE, tF); feMul(Y(r), tG, tH); feMul(Tc(r), tE, tH); feMul(Z(r), tF, tG);
}

function ptCmov(r: usize, p: usize, b: i64): void {
  feCmov(X(r), X(p), b); feCmov(Y(r), Y(p), b); feCmov(Z(r), Z(p), b); feCmov(Tc(r), Tc(p), b);
}

/** r = [k] p for a 32-byte little-endian k, all 256 bits, in constant time (r must not alias p). */
function scalarMult(r: usize, p: usize, k: usize): void {
  ptIdentity(Q);
  for (let i = 255; i >= 0; i--) {
    ptAdd(Q, Q, Q);
    ptAdd(T, Q, p);
    ptCmov(Q, T, <i64>((load<u8>(k + <usize>(i >> 3)) >> <u8>(i & 7)) & 1));
  }
  memory.copy(r, Q, P);
}

/** The 32-byte encoding of p (RFC 8032 §5.1.2): y with the sign of x in the top bit. */
function encodePoint(out: usize, p: usize): void {
  feInvert(u, Z(p));
  feMul(v, X(p), u);
  feMul(w, Y(p), u);
  feToBytes(out, w);
  store<u8>(out + 31, load<u8>(out + 31) | <u8>(feIsNegative(v) << 7));
}

/** Decode 32 bytes into p (RFC 8032 §5.1.3). Returns false for a non-canonical y, a y with no x, or x = 0
 *  with the sign bit set. Public data: branches are fine here. */
function decodePoint(p: usize, s: usize): bool {
  const sign = <i32>(load<u8>(s + 31) >> 7);
  feFromBytes(Y(p), s);
  const canon = memory.data(32, 8);
  feToBytes(canon, Y(p));
  store<u8>(canon + 31, load<u8>(canon + 31) | <u8>(sign << 7));
  if (!ctEqual(canon, s, 32)) return false; // y >= p
  feSq(u, Y(p));
  feMul(v, u, D);
  feOne(w);
  feSub(u, u, w);               // u = y^2 - 1
  feAdd(v, v, w);               // v = d y^2 + 1
  // x = u v^3 (u v^7)^((p-5)/8)
  feSq(w, v); feMul(w, w, v);   // v^3
  feSq(x, w); feMul(x, x, v);   // v^7
  feMul(x, x, u);               // u v^7
  fePow22523(x, x);
  feMul(x, x, w); feMul(x, x, u);
  // v x^2 == u: x is a root; == -u: x * sqrt(-1) is; otherwise no root.
  feSq(w, x); feMul(w, w, v);
  feSub(tA, w, u);
  if (feIsZero(tA) == 0) {
    feAdd(tA, w, u);
    if (feIsZero(tA) == 0) return false;
    feMul(x, x, SQRTM1);
  }
  if (feIsZero(x) == 1 && sign == 1) return false;
  if (feIsNegative(x) != sign) feNeg(x, x);
  feCopy(X(p), x);
  feOne(Z(p));
  feMul(Tc(p), X(p), Y(p));
  return true;
}

const hash = sha512State; // shared with sha512() (sha512.ts)
const h64 = memory.data(64, 8);
const a32 = memory.data(32, 8);
const r32 = memory.data(32, 8);
const k32 = memory.data(32, 8);
const pub = memory.data(32, 8);

/** Expand a 32-byte seed: a (clamped scalar) into a32 and the prefix into h64[32..64]. */
function expand(seed: usize): void {
  hash.reset(); hash.update(seed, 32); hash.finish(h64);
  memory.copy(a32, h64, 32);
  store<u8>(a32, load<u8>(a32) & 248);
  store<u8>(a32 + 31, (load<u8>(a32 + 31) & 127) | 64);
}

/** pubOut (32 bytes) = the public key of a 32-byte private seed (RFC 8032 §5.1.5). */
export function ed25519PublicKey(seed: usize, pubOut: usize): void {
  setup();
  expand(seed);
  scalarMult(R1, BASE, a32);
  encodePoint(pubOut, R1);
  wipe(h64, 64); wipe(a32, 32); wipe(SCRATCH, CURVE25519_SCRATCH_SIZE);
}

/** sigOut (64 bytes) = the Ed25519 signature of msgLen bytes at msg under a 32-byte seed (RFC 8032 §5.1.6).
 *  sigOut must not overlap msg. */
export function ed25519Sign(seed: usize, msg: usize, msgLen: i32, sigOut: usize): void {
  setup();
  expand(seed);
  scalarMult(R1, BASE, a32);
  encodePoint(pub, R1);
  hash.reset(); hash.update(h64 + 32, 32); hash.update(msg, msgLen); hash.finish(h64);
  scReduce(r32, h64, 64);                         // r = SHA-512(prefix || M) mod L
  scalarMult(R1, BASE, r32);
  encodePoint(sigOut, R1);                        // R
  hash.reset(); hash.update(sigOut, 32); hash.update(pub, 32); hash.update(msg, msgLen); hash.finish(h64);
  scReduce(k32, h64, 64);                         // k = SHA-512(R || A || M) mod L
  scMulAdd(sigOut + 32, k32, a32, r32);           // S = r + k a mod L
  wipe(h64, 64); wipe(a32, 32); wipe(r32, 32); wipe(SCRATCH, CURVE25519_SCRATCH_SIZE);
}

/**
 * Verify a 64-byte signature over msgLen bytes at msg under a 32-byte public key (RFC 8032 §5.1.7).
 * Returns OK, E_CRYPTO_POINT when the public key does not decode, or E_CRYPTO_SIGNATURE.
 */
export function ed25519Verify(pubKey: usize, msg: usize, msgLen: i32, sig: usize): i32 {
  setup();
  if (!decodePoint(R2, pubKey)) return E_CRYPTO_POINT;
  if (!scIsCanonical(sig + 32)) return E_CRYPTO_SIGNATURE;
  const Rp = memory.data(P, 8);
  if (!decodePoint(Rp, sig)) return E_CRYPTO_SIGNATURE;
  hash.reset(); hash.update(sig, 32); hash.update(pubKey, 32); hash.update(msg, msgLen); hash.finish(h64);
  scReduce(k32, h64, 64);
  scalarMult(R1, R2, k32);                        // [k]A
  ptAdd(R1, R1, Rp);                              // R + [k]A
  const lhs = memory.data(32, 8), rhs = memory.data(32, 8);
  encodePoint(rhs, R1);
  scalarMult(R1, BASE, sig + 32);                 // [S]B
  encodePoint(lhs, R1);
  return ctEqual(lhs, rhs, 32) ? OK : E_CRYPTO_SIGNATURE;
}
