// The P-256 base field GF(p), p = 2^256 - 2^224 + 2^192 + 2^96 - 1 (SEC 2 v2 section 2.4.2): constants,
// conversion from/to 32-byte big-endian strings, negation, exponentiation by a public exponent, inversion
// (Fermat, x^(p-2)) and square roots (x^((p+1)/4), valid because p = 3 mod 4). Multiplication, squaring,
// addition and subtraction live in the generated p256-field-mul.ts and are re-exported here.
//
// Elements: eight 32-bit little-endian limbs at a usize pointer, fully reduced. All functions are constant
// time in the element values (exponents are public constants). Static scratch below is private to this file;
// none of these functions is re-entrant. Deliberately not here: curve points (p256.ts), scalars (p256-scalar.ts).

import { fieldMul, fieldSqr, fieldAdd, fieldSub } from "./p256-field-mul";
import { u256FromBytes, u256Lt, u256Eq } from "./u256";
export { fieldMul, fieldSqr, fieldAdd, fieldSub };

/** p, little-endian limbs. */
export const FIELD_P: usize = memory.data<u32>([0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0, 1, 0xffffffff], 16);
/** The curve coefficient b (SEC 2 v2 section 2.4.2; a = -3). */
export const CURVE_B: usize = memory.data<u32>([
  0x27d2604b, 0x3bce3c3e, 0xcc53b0f6, 0x651d06b0, 0x769886bc, 0xb3ebbd55, 0xaa3a93e7, 0x5ac635d8], 16);
/** The base point G (SEC 2 v2 section 2.4.2), affine x then y. */
export const BASE_X: usize = memory.data<u32>([
  0xd898c296, 0xf4a13945, 0x2deb33a0, 0x77037d81, 0x63a440f2, 0xf8bce6e5, 0xe12c4247, 0x6b17d1f2], 16);
export const BASE_Y: usize = memory.data<u32>([
  0x37bf51f5, 0xcbb64068, 0x6b315ece, 0x2bce3357, 0x7c0f9e16, 0x8ee7eb4a, 0xfe1a7f9b, 0x4fe342e2], 16);
const EXP_INV: usize = memory.data<u32>([0xfffffffd, 0xffffffff, 0xffffffff, 0, 0, 0, 1, 0xffffffff], 16); // p - 2
const EXP_SQRT: usize = memory.data<u32>([0, 0, 0x40000000, 0, 0, 0x40000000, 0xc0000000, 0x3fffffff], 16); // (p + 1) / 4
const ZERO: usize = memory.data(32, 16);

const powAcc = memory.data(32, 16);
const powBase = memory.data(32, 16);

/** Read a big-endian 32-byte string into out. Returns a mask: all ones when the value is < p (a valid
 *  element); when it is not, out holds the unreduced value and must not be used. */
export function fieldFromBytes(out: usize, src: usize): u32 {
  u256FromBytes(out, src);
  return u256Lt(out, FIELD_P);
}

/** out = -a mod p. */
export function fieldNeg(out: usize, a: usize): void { fieldSub(out, ZERO, a); }

/** Mask: a == b (both reduced). */
export function fieldEq(a: usize, b: usize): u32 { return u256Eq(a, b); }

/** out = a^e mod p for a public exponent e (eight limbs): left-to-right square and multiply. */
export function fieldPowPublic(out: usize, a: usize, e: usize): void {
  memory.copy(powBase, a, 32);
  memory.fill(powAcc, 0, 32);
  store<u32>(powAcc, 1);
  for (let i = 255; i >= 0; i--) {
    fieldSqr(powAcc, powAcc);
    if (((load<u32>(e + <usize>((i >> 5) << 2)) >> <u32>(i & 31)) & 1) != 0) fieldMul(powAcc, powAcc, powBase);
  }
  memory.copy(out, powAcc, 32);
  memory.fill(powBase, 0, 32);
  memory.fill(powAcc, 0, 32);
}

/** out = a^-1 mod p (0 for a = 0). */
export function fieldInv(out: usize, a: usize): void { fieldPowPublic(out, a, EXP_INV); }

const sqrtCheck = memory.data(32, 16);
/** out = a square root of a, when one exists. Returns a mask: all ones when out^2 == a. */
export function fieldSqrt(out: usize, a: usize): u32 {
  fieldPowPublic(out, a, EXP_SQRT);
  fieldSqr(sqrtCheck, out);
  return u256Eq(sqrtCheck, a);
}

/** out = x^3 - 3x + b: the right-hand side of the curve equation y^2 = x^3 + ax + b, a = -3. */
const rhsT = memory.data(32, 16);
export function curveRhs(out: usize, x: usize): void {
  fieldSqr(rhsT, x);
  fieldMul(rhsT, rhsT, x);     // x^3
  fieldSub(rhsT, rhsT, x);
  fieldSub(rhsT, rhsT, x);
  fieldSub(rhsT, rhsT, x);     // x^3 - 3x
  fieldAdd(out, rhsT, CURVE_B);
}
