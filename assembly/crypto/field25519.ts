// Arithmetic in GF(2^255 - 19) for X25519 and Ed25519 (RFC 7748 §4.1, RFC 8032 §5.1), constant time.
//
// An element is 10 signed 64-bit limbs at a caller-owned 80-byte location, limb i weighing 2^ceil(25.5 i)
// (26, 25, 26, 25, ... bits). wasm has no 64x64->128 multiply, so limbs stay near 2^26 and products are
// 32x32->64 in i64. Every operation ends with a carry pass, so every stored element has limbs of at most
// about 2^26 in magnitude, which keeps the 10-term sums of a product below 2^61.
// Reduction uses 2^255 = 19 (mod p). Only toBytes() produces the canonical value in [0, p).
//
// Deliberately not here: anything that branches on, or indexes memory by, an element's value.

export const FE = 80; // bytes per element

/** Bytes of curve25519Scratch: Ed25519's 12 elements and 4 points (28 elements); X25519's ladder uses 14. */
export const CURVE25519_SCRATCH_SIZE: i32 = 28 * FE;
/** One scratch block for X25519's ladder (crypto/x25519.ts) and Ed25519's temporaries and points
 *  (crypto/ed25519.ts): the two never run at once (each call runs to its end, and neither calls the other), and
 *  each wipes the part it used before it returns, so a secret never waits here for the other. */
export const curve25519Scratch = memory.data(CURVE25519_SCRATCH_SIZE, 8);

@inline function ld(p: usize, i: i32): i64 { return load<i64>(p + <usize>(i << 3)); }
@inline function st(p: usize, i: i32, v: i64): void { store<i64>(p + <usize>(i << 3), v); }

/** Normalize limbs h0..h9 (carry pass, top carry folded back times 19) and store them at out. */
@inline function carryStore(out: usize, h0: i64, h1: i64, h2: i64, h3: i64, h4: i64, h5: i64, h6: i64, h7: i64, h8: i64, h9: i64): void {
  let c: i64;
  c = h0 >> 26; h1 += c; h0 -= c << 26;
  c = h1 >> 25; h2 += c; h1 -= c << 25;
  c = h2 >> 26; h3 += c; h2 -= c << 26;
  c = h3 >> 25; h4 += c; h3 -= c << 25;
  c = h4 >> 26; h5 += c; h4 -= c << 26;
  c = h5 >> 25; h6 += c; h5 -= c << 25;
  c = h6 >> 26; h7 += c; h6 -= c << 26;
  c = h7 >> 25; h8 += c; h7 -= c << 25;
  c = h8 >> 26; h9 += c; h8 -= c << 26;
  c = h9 >> 25; h0 += c * 19; h9 -= c << 25;
  c = h0 >> 26; h1 += c; h0 -= c << 26;
  st(out, 0, h0); st(out, 1, h1); st(out, 2, h2); st(out, 3, h3); st(out, 4, h4);
  st(out, 5, h5); st(out, 6, h6); st(out, 7, h7); st(out, 8, h8); st(out, 9, h9);
}

export function feZero(h: usize): void { memory.fill(h, 0, FE); }
export function feOne(h: usize): void { memory.fill(h, 0, FE); st(h, 0, 1); }
export function feCopy(h: usize, f: usize): void { memory.copy(h, f, FE); }

/** h = f + g */
export function feAdd(h: usize, f: usize, g: usize): void {
  carryStore(h, ld(f, 0) + ld(g, 0), ld(f, 1) + ld(g, 1), ld(f, 2) + ld(g, 2), ld(f, 3) + ld(g, 3), ld(f, 4) + ld(g, 4),
    ld(f, 5) + ld(g, 5), ld(f, 6) + ld(g, 6), ld(f, 7) + ld(g, 7), ld(f, 8) + ld(g, 8), ld(f, 9) + ld(g, 9));
}

/** h = f - g */
export function feSub(h: usize, f: usize, g: usize): void {
  carryStore(h, ld(f, 0) - ld(g, 0), ld(f, 1) - ld(g, 1), ld(f, 2) - ld(g, 2), ld(f, 3) - ld(g, 3), ld(f, 4) - ld(g, 4),
    ld(f, 5) - ld(g, 5), ld(f, 6) - ld(g, 6), ld(f, 7) - ld(g, 7), ld(f, 8) - ld(g, 8), ld(f, 9) - ld(g, 9));
}

/** h = -f */
export function feNeg(h: usize, f: usize): void {
  carryStore(h, -ld(f, 0), -ld(f, 1), -ld(f, 2), -ld(f, 3), -ld(f, 4), -ld(f, 5), -ld(f, 6), -ld(f, 7), -ld(f, 8), -ld(f, 9));
}

/** h = f * g (h may alias f or g). Limb products with i + j >= 10 wrap with a factor 19; products of two
 *  odd limbs are doubled (their weights add up to one bit more than the target limb's). */
export function feMul(h: usize, f: usize, g: usize): void {
  const f0 = ld(f, 0), f1 = ld(f, 1), f2 = ld(f, 2), f3 = ld(f, 3), f4 = ld(f, 4);
  const f5 = ld(f, 5), f6 = ld(f, 6), f7 = ld(f, 7), f8 = ld(f, 8), f9 = ld(f, 9);
  const g0 = ld(g, 0), g1 = ld(g, 1), g2 = ld(g, 2), g3 = ld(g, 3), g4 = ld(g, 4);
  const g5 = ld(g, 5), g6 = ld(g, 6), g7 = ld(g, 7), g8 = ld(g, 8), g9 = ld(g, 9);
  const f1_2 = f1 << 1, f3_2 = f3 << 1, f5_2 = f5 << 1, f7_2 = f7 << 1, f9_2 = f9 << 1;
  const g1_19 = g1 * 19, g2_19 = g2 * 19, g3_19 = g3 * 19, g4_19 = g4 * 19, g5_19 = g5 * 19;
  const g6_19 = g6 * 19, g7_19 = g7 * 19, g8_19 = g8 * 19, g9_19 = g9 * 19;
  let h0 = f0 * g0 + f1_2 * g9_19 + f2 * g8_19 + f3_2 * g7_19 + f4 * g6_19 + f5_2 * g5_19 + f6 * g4_19 + f7_2 * g3_19 + f8 * g2_19 + f9_2 * g1_19;
  let h1 = f0 * g1 + f1 * g0 + f2 * g9_19 + f3 * g8_19 + f4 * g7_19 + f5 * g6_19 + f6 * g5_19 + f7 * g4_19 + f8 * g3_19 + f9 * g2_19;
  let h2 = f0 * g2 + f1_2 * g1 + f2 * g0 + f3_2 * g9_19 + f4 * g8_19 + f5_2 * g7_19 + f6 * g6_19 + f7_2 * g5_19 + f8 * g4_19 + f9_2 * g3_19;
  let h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + f4 * g9_19 + f5 * g8_19 + f6 * g7_19 + f7 * g6_19 + f8 * g5_19 + f9 * g4_19;
  let h4 = f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + f5_2 * g9_19 + f6 * g8_19 + f7_2 * g7_19 + f8 * g6_19 + f9_2 * g5_19;
  let h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + f6 * g9_19 + f7 * g8_19 + f8 * g7_19 + f9 * g6_19;
  let h6 = f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + f7_2 * g9_19 + f8 * g8_19 + f9_2 * g7_19;
  let h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + f8 * g9_19 + f9 * g8_19;
  let h8 = f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + f9_2 * g9_19;
  let h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** h = f^2 */
export function feSq(h: usize, f: usize): void { feMul(h, f, f); }

/** h = f * n for a small non-negative n (< 2^20), e.g. the curve constant a24 = 121665. */
export function feMulSmall(h: usize, f: usize, n: i64): void {
  carryStore(h, ld(f, 0) * n, ld(f, 1) * n, ld(f, 2) * n, ld(f, 3) * n, ld(f, 4) * n,
    ld(f, 5) * n, ld(f, 6) * n, ld(f, 7) * n, ld(f, 8) * n, ld(f, 9) * n);
}

/** Swap f and g when swap is 1, leave them when 0, without a branch (RFC 7748 §5 cswap). */
export function feCswap(f: usize, g: usize, swap: i64): void {
  const mask = -swap;
  for (let i = 0; i < 10; i++) {
    const a = ld(f, i), b = ld(g, i);
    const x = (a ^ b) & mask;
    st(f, i, a ^ x);
    st(g, i, b ^ x);
  }
}

/** h = g when b is 1, else h unchanged (constant time). */
export function feCmov(h: usize, g: usize, b: i64): void {
  const mask = -b;
  for (let i = 0; i < 10; i++) st(h, i, ld(h, i) ^ ((ld(h, i) ^ ld(g, i)) & mask));
}

const LIMB_BITS = memory.data<u8>([26, 25, 26, 25, 26, 25, 26, 25, 26, 25]);
const LIMB_SHIFT = memory.data<u8>([0, 26, 51, 77, 102, 128, 153, 179, 204, 230]);

/** Load 32 little-endian bytes, ignoring bit 255 (RFC 7748 §5 masks it; RFC 8032 takes it as the sign). */
export function feFromBytes(h: usize, s: usize): void {
  for (let i = 0; i < 10; i++) {
    const shift = <i32>load<u8>(LIMB_SHIFT + <usize>i), bits = <i32>load<u8>(LIMB_BITS + <usize>i);
    const byte = shift >> 3;
    let v: u64 = 0;
    for (let k = 0; k < 5 && byte + k < 32; k++) v |= <u64>load<u8>(s + <usize>(byte + k)) << <u64>(k << 3);
    st(h, i, <i64>((v >> <u64>(shift & 7)) & ((<u64>1 << <u64>bits) - 1)));
  }
}

const t = memory.data(FE, 8);

/** The canonical 32-byte little-endian encoding of h (in [0, p)). */
export function feToBytes(s: usize, h: usize): void {
  // Make every limb non-negative by adding 2p, then carry twice: all limbs in range, value below 2^255.
  carryStore(t, ld(h, 0) + 0x7ffffda, ld(h, 1) + 0x3fffffe, ld(h, 2) + 0x7fffffe, ld(h, 3) + 0x3fffffe, ld(h, 4) + 0x7fffffe,
    ld(h, 5) + 0x3fffffe, ld(h, 6) + 0x7fffffe, ld(h, 7) + 0x3fffffe, ld(h, 8) + 0x7fffffe, ld(h, 9) + 0x3fffffe);
  carryStore(t, ld(t, 0), ld(t, 1), ld(t, 2), ld(t, 3), ld(t, 4), ld(t, 5), ld(t, 6), ld(t, 7), ld(t, 8), ld(t, 9));
  // value >= p exactly when value + 19 reaches 2^255: then the result is value + 19 - 2^255.
  let c: i64 = 19;
  const u = memory.data(FE, 8);
  for (let i = 0; i < 10; i++) {
    const bits = <i64>load<u8>(LIMB_BITS + <usize>i);
    const v = ld(t, i) + c;
    c = v >> bits;
    st(u, i, v & ((<i64>1 << bits) - 1));
  }
  feCmov(t, u, c & 1);
  // Pack 255 bits.
  let acc: u64 = 0, nbits: i32 = 0, o = 0;
  for (let i = 0; i < 10; i++) {
    acc += <u64>ld(t, i) << <u64>nbits; // "+": a limb one bit too wide still lands right
    nbits += <i32>load<u8>(LIMB_BITS + <usize>i);
    while (nbits >= 8) { store<u8>(s + <usize>o, <u8>acc); o++; acc >>= 8; nbits -= 8; }
  }
  store<u8>(s + 31, <u8>acc);
  memory.fill(t, 0, FE);
  memory.fill(u, 0, FE);
}

/** Bit 0 of the canonical value (the "sign" of RFC 8032 §5.1.2). */
export function feIsNegative(h: usize): i32 {
  const b = memory.data(32, 8);
  feToBytes(b, h);
  return <i32>(load<u8>(b) & 1);
}

/** 1 when h is 0 mod p, else 0 (constant time). */
export function feIsZero(h: usize): i32 {
  const b = memory.data(32, 8);
  feToBytes(b, h);
  let d: u32 = 0;
  for (let i = 0; i < 32; i++) d |= <u32>load<u8>(b + <usize>i);
  return <i32>(((d | (0 - d)) >> 31) ^ 1);
}

const e0 = memory.data(FE, 8);
const e1 = memory.data(FE, 8);

/** h = f^(2^255 - 21) = 1/f (Fermat; 0 maps to 0). The exponent is public: the branch on its bits is not
 *  a branch on secret data. */
export function feInvert(h: usize, f: usize): void {
  feCopy(e1, f);
  feOne(e0);
  for (let i = 254; i >= 0; i--) {
    feSq(e0, e0);
    // p - 2 = 2^255 - 21: every bit of 0..254 is set except bits 2 and 4.
    if (i != 2 && i != 4) feMul(e0, e0, e1);
  }
  feCopy(h, e0);
}

/** h = f^((p - 5) / 8) = f^(2^252 - 3), for square roots (RFC 8032 §5.1.3). */
export function fePow22523(h: usize, f: usize): void {
  feCopy(e1, f);
  feOne(e0);
  for (let i = 251; i >= 0; i--) {
    feSq(e0, e0);
    if (i != 1) feMul(e0, e0, e1); // 2^252 - 3: bits 0..251 set except bit 1
  }
  feCopy(h, e0);
}
