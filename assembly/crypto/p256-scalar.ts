// Scalars of P-256: arithmetic modulo the group order n (SEC 2 v2 section 2.4.2), for ECDSA (FIPS 186-5
// section 6.4) and key generation (FIPS 186-5 Appendix A.2.1). Scalars are eight 32-bit little-endian limbs at
// a usize pointer, fully reduced to [0, n).
//
// Multiplication is Montgomery (CIOS, 32-bit words, R = 2^256) in loops: scalar arithmetic runs a handful of
// times per signature, so it is written for size, not speed. Everything is constant time in the values.
// Static scratch is private to this file; functions are not re-entrant. Outputs may alias inputs.
// Deliberately not here: nonce derivation (p256-rfc6979.ts), curve points (p256.ts).

import { u256FromBytes, u256Lt, u256IsZero, u256SubMasked, u256AddMasked, u256Bit } from "./u256";

/** n, little-endian limbs. */
export const ORDER_N: usize = memory.data<u32>([
  0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0, 0xffffffff], 16);
/** n - 1: key generation reduces modulo it (FIPS 186-5 A.2.1). */
const ORDER_N_MINUS_1: usize = memory.data<u32>([
  0xfc632550, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0, 0xffffffff], 16);
/** n - 2: the Fermat inversion exponent. */
const EXP_INV: usize = memory.data<u32>([
  0xfc63254f, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0, 0xffffffff], 16);
/** R^2 mod n, R = 2^256, to enter the Montgomery domain. */
const R2: usize = memory.data<u32>([
  0xbe79eea2, 0x83244c95, 0x49bd6fa6, 0x4699799c, 0x2b6bec59, 0x2845b239, 0xf3d95620, 0x66e12d94], 16);
/** -n^-1 mod 2^32. */
const N0: u64 = 0xee00bc4f;
const ONE: usize = memory.data<u32>([1, 0, 0, 0, 0, 0, 0, 0], 16);

const acc = memory.data(40, 16);     // 10 words: CIOS accumulator
const mt = memory.data(32, 16);
const powAcc = memory.data(32, 16);
const powBase = memory.data(32, 16);

/** out = a * b * R^-1 mod n (a, b < n). */
function montMul(out: usize, a: usize, b: usize): void {
  memory.fill(acc, 0, 40);
  for (let i = 0; i < 8; i++) {
    const ai = <u64>load<u32>(a + <usize>(i << 2));
    let c: u64 = 0;
    for (let j = 0; j < 8; j++) {
      const o = <usize>(j << 2);
      c = <u64>load<u32>(acc + o) + ai * <u64>load<u32>(b + o) + (c >> 32);
      store<u32>(acc + o, <u32>c);
    }
    c = <u64>load<u32>(acc, 32) + (c >> 32);
    store<u32>(acc, <u32>c, 32);
    store<u32>(acc, <u32>(c >> 32), 36);
    const m = (<u64>load<u32>(acc) * N0) & 0xffffffff;
    c = <u64>load<u32>(acc) + m * <u64>load<u32>(ORDER_N);
    for (let j = 1; j < 8; j++) {
      const o = <usize>(j << 2);
      c = <u64>load<u32>(acc + o) + m * <u64>load<u32>(ORDER_N + o) + (c >> 32);
      store<u32>(acc + o - 4, <u32>c);
    }
    c = <u64>load<u32>(acc, 32) + (c >> 32);
    store<u32>(acc, <u32>c, 28);
    store<u32>(acc, load<u32>(acc, 36) + <u32>(c >> 32), 32);
  }
  // acc < 2n: subtract n unless that borrows (taking the 33rd bit into account).
  const borrow = u256SubMasked(mt, acc, ORDER_N, 0xffffffff);
  const keep = borrow & (load<u32>(acc, 32) - 1); // keep acc when it borrowed and there was no carry word
  for (let i = 0; i < 8; i++) {
    const o = <usize>(i << 2);
    const x = load<u32>(mt + o);
    store<u32>(out + o, x ^ ((x ^ load<u32>(acc + o)) & keep));
  }
}

/** out = a * b mod n. */
export function scalarMul(out: usize, a: usize, b: usize): void {
  montMul(out, a, b);
  montMul(out, out, R2);
}

/** out = a + b mod n. */
export function scalarAdd(out: usize, a: usize, b: usize): void {
  const carry = u256AddMasked(out, a, b, 0xffffffff);
  const borrow = u256SubMasked(mt, out, ORDER_N, 0xffffffff);
  const keep = borrow & (carry - 1);
  for (let i = 0; i < 8; i++) {
    const o = <usize>(i << 2);
    const x = load<u32>(mt + o);
    store<u32>(out + o, x ^ ((x ^ load<u32>(out + o)) & keep));
  }
}

/** out = a^-1 mod n by Fermat (a^(n-2)); the exponent is public, a stays secret. 0 maps to 0. */
export function scalarInv(out: usize, a: usize): void {
  montMul(powBase, a, R2);             // a R
  montMul(powAcc, ONE, R2);            // R (Montgomery one)
  for (let i = 255; i >= 0; i--) {
    montMul(powAcc, powAcc, powAcc);
    if (u256Bit(EXP_INV, i) != 0) montMul(powAcc, powAcc, powBase);
  }
  montMul(out, powAcc, ONE);
  memory.fill(powBase, 0, 32);
  memory.fill(powAcc, 0, 32);
}

/** Read 32 big-endian bytes as an integer < 2^256 and reduce it mod n (one masked subtraction, as
 *  2^256 < 2n). For message digests (FIPS 186-5 6.4.1 step 4, bit length 256 = bit length of n). */
export function scalarFromBytesReduce(out: usize, src: usize): void {
  u256FromBytes(out, src);
  const borrow = u256SubMasked(mt, out, ORDER_N, 0xffffffff);
  const take = ~borrow;
  for (let i = 0; i < 8; i++) {
    const o = <usize>(i << 2);
    const x = load<u32>(out + o);
    store<u32>(out + o, x ^ ((x ^ load<u32>(mt + o)) & take));
  }
}

/** Read 32 big-endian bytes into out. Returns a mask: all ones when 1 <= value < n. */
export function scalarFromBytesChecked(out: usize, src: usize): u32 {
  u256FromBytes(out, src);
  return u256Lt(out, ORDER_N) & ~u256IsZero(out);
}

/** Mask: a == 0. */
export function scalarIsZero(a: usize): u32 { return u256IsZero(a); }

/** out = (big-endian integer of len bytes at src) mod (n - 1) + 1, in [1, n - 1]: FIPS 186-5 A.2.1 with
 *  len = 48 (256 + 128 bits, bias at most 2^-128). Bit by bit, shift then masked subtract: constant time in
 *  the value, linear in len (public). len must be >= 1. */
export function scalarFromSeed(out: usize, src: usize, len: i32): void {
  memory.fill(out, 0, 32);
  for (let i = 0; i < len; i++) {
    const byte = <u32>load<u8>(src + <usize>i);
    for (let b = 7; b >= 0; b--) {
      // out = 2 out + bit; the result is < 2(n-1) + 1 < 2^257: keep the top bit in `top`.
      let carry: u32 = (byte >> <u32>b) & 1;
      for (let j = 0; j < 8; j++) {
        const o = <usize>(j << 2);
        const w = load<u32>(out + o);
        store<u32>(out + o, (w << 1) | carry);
        carry = w >> 31;
      }
      const borrow = u256SubMasked(mt, out, ORDER_N_MINUS_1, 0xffffffff);
      const take = ~(borrow & (carry - 1)); // subtract when out + carry*2^256 >= n - 1
      for (let j = 0; j < 8; j++) {
        const o = <usize>(j << 2);
        const x = load<u32>(out + o);
        store<u32>(out + o, x ^ ((x ^ load<u32>(mt + o)) & take));
      }
    }
  }
  u256AddMasked(out, out, ONE, 0xffffffff);
  memory.fill(mt, 0, 32);
}

/** Wipe the file's scratch (call after a secret computation). */
export function scalarWipe(): void {
  memory.fill(acc, 0, 40);
  memory.fill(mt, 0, 32);
}
