// Points of P-256 (y^2 = x^3 - 3x + b over GF(p), SEC 2 v2 section 2.4.2) and constant-time scalar
// multiplication.
//
// A point is 96 bytes at a usize pointer: projective X, Y, Z (field elements, see p256-field.ts), the point
// being (X/Z, Y/Z); the identity is (0 : 1 : 0). Addition and doubling are the complete formulas of
// Renes, Costello and Batina, "Complete addition formulas for prime order elliptic curves" (EUROCRYPT 2016),
// Algorithms 4 (addition), 5 (mixed addition) and 6 (doubling) for a = -3: no input is exceptional, so the
// scalar multiplications below need no special case and no branch on secret data.
//
// - pointMulBase: fixed-base Lim-Lee comb over the generated table in p256-table.ts (64 doublings and 64
//   mixed additions for 4 teeth), each table entry picked by a full masked scan.
// - pointMul: variable-base, signed 4-bit windows (digits -8..8, 65 of them), a table of 1P..8P built per
//   call, masked scan plus masked negation per window.
// - pointMulDoubleVartime: u1 G + u2 Q for signature verification, variable time (public inputs only).
//
// Scratch is static and private to this file; nothing is re-entrant. pointWipe() clears it after secret work.
// Deliberately not here: encoding, validation and the public API (p256.ts), scalar arithmetic.

import {
  fieldMul, fieldSqr, fieldAdd, fieldSub, fieldNeg, fieldInv, CURVE_B, BASE_X, BASE_Y,
} from "./p256-field";
import { u256Cmov, u256IsZero, u256Bit, u256SetSmall } from "./u256";
import { combTable, COMB_W, COMB_D, COMB_ENTRIES } from "./p256-table";

export const POINT_SIZE: i32 = 96;

// Formula temporaries.
const t0 = memory.data(32, 16);
const t1 = memory.data(32, 16);
const t2 = memory.data(32, 16);
const t3 = memory.data(32, 16);
const t4 = memory.data(32, 16);
const X3 = memory.data(32, 16);
const Y3 = memory.data(32, 16);
const Z3 = memory.data(32, 16);

@inline function mul(o: usize, a: usize, b: usize): void { fieldMul(o, a, b); }
@inline function add(o: usize, a: usize, b: usize): void { fieldAdd(o, a, b); }
@inline function sub(o: usize, a: usize, b: usize): void { fieldSub(o, a, b); }

function storeResult(out: usize): void {
  memory.copy(out, X3, 32);
  memory.copy(out + 32, Y3, 32);
  memory.copy(out + 64, Z3, 32);
}

/** out = p + q (projective, complete; RCB 2016 Algorithm 4, a = -3). out may alias p or q. */
export function pointAdd(out: usize, p: usize, q: usize): void {
  const X1 = p, Y1 = p + 32, Z1 = p + 64, X2 = q, Y2 = q + 32, Z2 = q + 64;
  mul(t0, X1, X2); mul(t1, Y1, Y2); mul(t2, Z1, Z2);
  add(t3, X1, Y1); add(t4, X2, Y2); mul(t3, t3, t4);
  add(t4, t0, t1); sub(t3, t3, t4); add(t4, Y1, Z1);
  add(X3, Y2, Z2); mul(t4, t4, X3); add(X3, t1, t2);
  sub(t4, t4, X3); add(X3, X1, Z1); add(Y3, X2, Z2);
  mul(X3, X3, Y3); add(Y3, t0, t2); sub(Y3, X3, Y3);
  mul(Z3, CURVE_B, t2); sub(X3, Y3, Z3); add(Z3, X3, X3);
  add(X3, X3, Z3); sub(Z3, t1, X3); add(X3, t1, X3);
  mul(Y3, CURVE_B, Y3); add(t1, t2, t2); add(t2, t1, t2);
  sub(Y3, Y3, t2); sub(Y3, Y3, t0); add(t1, Y3, Y3);
  add(Y3, t1, Y3); add(t1, t0, t0); add(t0, t1, t0);
  sub(t0, t0, t2); mul(t1, t4, Y3); mul(t2, t0, Y3);
  mul(Y3, X3, Z3); add(Y3, Y3, t2); mul(X3, X3, t3);
  sub(X3, X3, t1); mul(Z3, Z3, t4); mul(t1, t3, t0);
  add(Z3, Z3, t1);
  storeResult(out);
}

/** out = p + (qx, qy) with q affine, not the identity (RCB 2016 Algorithm 5, a = -3). p may be the identity.
 *  out may alias p. */
export function pointAddAffine(out: usize, p: usize, qx: usize, qy: usize): void {
  const X1 = p, Y1 = p + 32, Z1 = p + 64, X2 = qx, Y2 = qy;
  mul(t0, X1, X2); mul(t1, Y1, Y2); add(t3, X2, Y2);
  add(t4, X1, Y1); mul(t3, t3, t4); add(t4, t0, t1);
  sub(t3, t3, t4); mul(t4, Y2, Z1); add(t4, t4, Y1);
  mul(Y3, X2, Z1); add(Y3, Y3, X1); mul(Z3, CURVE_B, Z1);
  sub(X3, Y3, Z3); add(Z3, X3, X3); add(X3, X3, Z3);
  sub(Z3, t1, X3); add(X3, t1, X3); mul(Y3, CURVE_B, Y3);
  add(t1, Z1, Z1); add(t2, t1, Z1); sub(Y3, Y3, t2);
  sub(Y3, Y3, t0); add(t1, Y3, Y3); add(Y3, t1, Y3);
  add(t1, t0, t0); add(t0, t1, t0); sub(t0, t0, t2);
  mul(t1, t4, Y3); mul(t2, t0, Y3); mul(Y3, X3, Z3);
  add(Y3, Y3, t2); mul(X3, X3, t3); sub(X3, X3, t1);
  mul(Z3, Z3, t4); mul(t1, t3, t0); add(Z3, Z3, t1);
  storeResult(out);
}

/** out = 2p (RCB 2016 Algorithm 6, a = -3). out may alias p. */
export function pointDouble(out: usize, p: usize): void {
  const X = p, Y = p + 32, Z = p + 64;
  fieldSqr(t0, X); fieldSqr(t1, Y); fieldSqr(t2, Z);
  mul(t3, X, Y); add(t3, t3, t3); mul(Z3, X, Z);
  add(Z3, Z3, Z3); mul(Y3, CURVE_B, t2); sub(Y3, Y3, Z3);
  add(X3, Y3, Y3); add(Y3, X3, Y3); sub(X3, t1, Y3);
  add(Y3, t1, Y3); mul(Y3, X3, Y3); mul(X3, X3, t3);
  add(t3, t2, t2); add(t2, t2, t3); mul(Z3, CURVE_B, Z3);
  sub(Z3, Z3, t2); sub(Z3, Z3, t0); add(t3, Z3, Z3);
  add(Z3, Z3, t3); add(t3, t0, t0); add(t0, t3, t0);
  sub(t0, t0, t2); mul(t0, t0, Z3); add(Y3, Y3, t0);
  mul(t0, Y, Z); add(t0, t0, t0); mul(Z3, t0, Z3);
  sub(X3, X3, Z3); mul(Z3, t0, t1); add(Z3, Z3, Z3);
  add(Z3, Z3, Z3);
  storeResult(out);
}

/** out = the identity (0 : 1 : 0). */
export function pointSetIdentity(out: usize): void {
  memory.fill(out, 0, 96);
  store<u32>(out + 32, 1);
}

/** out = (x : y : 1). */
export function pointFromAffine(out: usize, x: usize, y: usize): void {
  memory.copy(out, x, 32);
  memory.copy(out + 32, y, 32);
  u256SetSmall(out + 64, 1);
}

const zInv = memory.data(32, 16);
/** Affine coordinates of p into x, y (each 32-byte field element). Returns a mask: all ones when p is the
 *  identity (then x = y = 0). Constant time. */
export function pointToAffine(x: usize, y: usize, p: usize): u32 {
  const isId = u256IsZero(p + 64);
  fieldInv(zInv, p + 64);
  fieldMul(x, p, zInv);
  fieldMul(y, p + 32, zInv);
  return isId;
}

/** out = mask ? a : out, for points. */
function pointCmov(out: usize, a: usize, mask: u32): void {
  u256Cmov(out, a, mask);
  u256Cmov(out + 32, a + 32, mask);
  u256Cmov(out + 64, a + 64, mask);
}

// ---- Fixed base -----------------------------------------------------------------------------------------

const combX = memory.data(32, 16);
const combY = memory.data(32, 16);

/** out = k G for a scalar k (eight limbs, any value < 2^256), constant time. */
export function pointMulBase(out: usize, k: usize): void {
  pointSetIdentity(out);
  for (let col = COMB_D - 1; col >= 0; col--) {
    pointDouble(out, out);
    let idx: u32 = 0;
    for (let r = 0; r < COMB_W; r++) {
      const bit = r * COMB_D + col;
      if (bit < 256) idx |= u256Bit(k, bit) << <u32>r; // bit positions are public
    }
    // Select entry idx (1-based; entry 1 when idx == 0, whose sum is then discarded).
    memory.copy(combX, combTable, 32);
    memory.copy(combY, combTable + 32, 32);
    for (let e = 2; e <= COMB_ENTRIES; e++) {
      const m = <u32>((<u64>(idx ^ <u32>e) - 1) >> 32);
      const src = combTable + <usize>((e - 1) << 6);
      u256Cmov(combX, src, m);
      u256Cmov(combY, src + 32, m);
    }
    pointAddAffine(sum, out, combX, combY);
    pointCmov(out, sum, ~<u32>((<u64>idx - 1) >> 32)); // keep the sum unless idx == 0
  }
  memory.fill(combX, 0, 32);
  memory.fill(combY, 0, 32);
  memory.fill(sum, 0, 96);
}

// ---- Variable base --------------------------------------------------------------------------------------

const VAR_ENTRIES = 8;
const varTable = memory.data(VAR_ENTRIES * 96, 16);   // 1P .. 8P, projective
const sum = memory.data(96, 16);
const pick = memory.data(96, 16);
const negY = memory.data(32, 16);

/** The signed digit of window i of k: b[4i-1] + b[4i] + 2 b[4i+1] + 4 b[4i+2] - 8 b[4i+3], in -8..8. */
@inline function digit(k: usize, i: i32): i32 {
  const base = i << 2;
  let v: i32 = 0;
  if (base > 0) v = <i32>u256Bit(k, base - 1);               // window positions are public
  if (base < 256) v += <i32>u256Bit(k, base) + (<i32>u256Bit(k, base + 1) << 1) + (<i32>u256Bit(k, base + 2) << 2) - (<i32>u256Bit(k, base + 3) << 3);
  return v;
}

/** pick = d P from varTable, for a signed digit d in -8..8 (the identity for 0). Constant time. */
function selectSigned(d: i32): void {
  const sign = <u32>(d >> 31);            // all ones when negative
  const mag = <u32>((d ^ <i32>sign) - <i32>sign);
  pointSetIdentity(pick);
  for (let e = 1; e <= VAR_ENTRIES; e++) {
    const m = <u32>((<u64>(mag ^ <u32>e) - 1) >> 32);
    pointCmov(pick, varTable + <usize>((e - 1) * 96), m);
  }
  fieldNeg(negY, pick + 32);
  u256Cmov(pick + 32, negY, sign);
}

/** out = k P for a scalar k (< 2^256) and an affine point P = (px, py) on the curve, constant time in k and
 *  P. out must not alias px/py. */
export function pointMul(out: usize, k: usize, px: usize, py: usize): void {
  // varTable[i-1] = i P
  pointFromAffine(varTable, px, py);
  for (let i = 2; i <= VAR_ENTRIES; i++) {
    const dst = varTable + <usize>((i - 1) * 96);
    if ((i & 1) == 0) pointDouble(dst, varTable + <usize>(((i >> 1) - 1) * 96));
    else pointAddAffine(dst, varTable + <usize>((i - 2) * 96), px, py);
  }
  // 65 windows: digit 64 is bit 255 alone.
  selectSigned(digit(k, 64));
  memory.copy(out, pick, 96);
  for (let i = 63; i >= 0; i--) {
    pointDouble(out, out); pointDouble(out, out); pointDouble(out, out); pointDouble(out, out);
    selectSigned(digit(k, i));
    pointAdd(out, out, pick);
  }
}

/** Clear the scratch that held secret-dependent values. */
export function pointWipe(): void {
  memory.fill(varTable, 0, VAR_ENTRIES * 96);
  memory.fill(sum, 0, 96);
  memory.fill(pick, 0, 96);
  memory.fill(negY, 0, 32);
  memory.fill(t0, 0, 32); memory.fill(t1, 0, 32); memory.fill(t2, 0, 32);
  memory.fill(t3, 0, 32); memory.fill(t4, 0, 32);
  memory.fill(X3, 0, 32); memory.fill(Y3, 0, 32); memory.fill(Z3, 0, 32);
  memory.fill(zInv, 0, 32);
  memory.fill(combX, 0, 32); memory.fill(combY, 0, 32);
}

// ---- Verification: u1 G + u2 Q, variable time -------------------------------------------------------------

/** out = u1 G + u2 Q (Q affine (qx, qy) on the curve). May be variable time: only for public scalars and
 *  points. Uses the constant-time multiplications; simple and correct rather than fast. out must not alias
 *  the inputs. (`pick` is free here: pointMulBase does not use it.) */
export function pointMulDoubleVartime(out: usize, u1: usize, u2: usize, qx: usize, qy: usize): void {
  pointMul(out, u2, qx, qy);
  pointMulBase(pick, u1);
  pointAdd(out, out, pick);
}

export { BASE_X, BASE_Y };
