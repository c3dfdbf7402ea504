// X25519 (RFC 7748 §5): the Montgomery ladder on Curve25519 over field25519.ts, constant time (one cswap
// per bit, no branch on the scalar). Used for EDHOC cipher suites 0 and 1 and static-DH keys.
//
// Deliberately not here: X448, public-key validation beyond RFC 7748 (every 32-byte string is a valid u);
// a low-order input shows up as an all-zero shared secret, which x25519() refuses.

import { OK, E_CRYPTO_POINT } from "../base/errors";
import {
  FE, feAdd, feSub, feMul, feSq, feMulSmall, feCswap, feInvert, feOne, feZero, feCopy, feFromBytes, feToBytes, curve25519Scratch,
} from "./field25519";
import { wipe } from "./ct";

// The ladder's 14 field elements, in one block so they can be wiped at once: the start of the scratch this file
// shares with Ed25519 (field25519.ts), which is never running while a ladder is.
const WORK = curve25519Scratch;
const x1 = WORK, x2 = WORK + 80, z2 = WORK + 160, x3 = WORK + 240, z3 = WORK + 320, A = WORK + 400, AA = WORK + 480;
const B = WORK + 560, BB = WORK + 640, E = WORK + 720, C = WORK + 800, D = WORK + 880, DA = WORK + 960, CB = WORK + 1040;
const k = memory.data(32, 8);
const BASE = memory.data<u8>([9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/**
 * out (32 bytes) = X25519(scalar, u). scalar and u are 32 bytes, little-endian; the scalar is clamped and the
 * top bit of u masked as RFC 7748 requires. Returns OK, or E_CRYPTO_POINT (out zeroed) when the result is
 * all zero, i.e. u had small order (RFC 7748 §6.1, RFC 9528 §9.5). out may alias u or scalar.
 */
export function x25519(scalar: usize, u: usize, out: usize): i32 {
  memory.copy(k, scalar, 32);
  store<u8>(k, load<u8>(k) & 248);
  store<u8>(k + 31, (load<u8>(k + 31) & 127) | 64);
  feFromBytes(x1, u);
  feOne(x2); feZero(z2); feCopy(x3, x1); feOne(z3);
  let swap: i64 = 0;
  for (let t = 254; t >= 0; t--) {
    const kt = <i64>((load<u8>(k + <usize>(t >> 3)) >> <u8>(t & 7)) & 1);
    swap ^= kt;
    feCswap(x2, x3, swap);
    feCswap(z2, z3, swap);
    swap = kt;
    feAdd(A, x2, z2); feSq(AA, A);
    feSub(B, x2, z2); feSq(BB, B);
    feSub(E, AA, BB);
    feAdd(C, x3, z3); feSub(D, x3, z3);
    feMul(DA, D, A); feMul(CB, C, B);
    feAdd(x3, DA, CB); feSq(x3, x3);
    feSub(z3, DA, CB); feSq(z3, z3); feMul(z3, z3, x1);
    feMul(x2, AA, BB);
    feMulSmall(z2, E, 121665); feAdd(z2, z2, AA); feMul(z2, z2, E);
  }
  feCswap(x2, x3, swap);
  feCswap(z2, z3, swap);
  feInvert(z2, z2);
  feMul(x2, x2, z2);
  feToBytes(out, x2);
  wipe(k, 32);
  wipe(WORK, 14 * FE);
  let d: u32 = 0;
  for (let i = 0; i < 32; i++) d |= <u32>load<u8>(out + <usize>i);
  if (d == 0) return E_CRYPTO_POINT; // public outcome: the peer sent a small-order point
  return OK;
}

/** out = X25519(scalar, 9): the public key of a private scalar. */
export function x25519Base(scalar: usize, out: usize): i32 {
  return x25519(scalar, BASE, out);
}
