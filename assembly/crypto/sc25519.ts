// Arithmetic modulo L = 2^252 + 27742317777372353535851937790883648493, the order of the Ed25519 base
// point (RFC 8032 §5.1), on little-endian byte strings, constant time.
//
// Reduction is plain shift-and-subtract, one bit at a time with a masked conditional subtraction of L:
// slower than a Barrett reduction but short, obviously constant time, and cheap next to a scalar
// multiplication (512 steps of 8-limb arithmetic).
//
// Deliberately not here: inversion mod L (Ed25519 does not need it).

// L, little-endian 32-bit limbs (RFC 8032 §5.1: L = 2^252 + 27742317777372353535851937790883648493).
const L = memory.data<u32>([0x5cf5d3ed, 0x5812631a, 0xa2f79cd6, 0x14def9de, 0, 0, 0, 0x10000000]);
const r = memory.data(32, 8);
const prod = memory.data(64, 8);

/** out (32 bytes) = n mod L, where n is the little-endian integer of len bytes at p (len <= 64). */
export function scReduce(out: usize, p: usize, len: i32): void {
  memory.fill(r, 0, 32);
  for (let bit = len * 8 - 1; bit >= 0; bit--) {
    // r = 2r + bit; r < L < 2^253 before, so 2r + 1 < 2^254 fits in 8 limbs.
    let carry: u32 = <u32>((load<u8>(p + <usize>(bit >> 3)) >> <u8>(bit & 7)) & 1);
    for (let i = 0; i < 8; i++) {
      const w = load<u32>(r + <usize>(i << 2));
      store<u32>(r + <usize>(i << 2), (w << 1) | carry);
      carry = w >> 31;
    }
    // t = r - L; keep t when it did not borrow.
    let borrow: i64 = 0;
    const t = memory.data(32, 8);
    for (let i = 0; i < 8; i++) {
      const d = <i64>load<u32>(r + <usize>(i << 2)) - <i64>load<u32>(L + <usize>(i << 2)) - borrow;
      store<u32>(t + <usize>(i << 2), <u32>d);
      borrow = (d >> 63) & 1;
    }
    const keepT = <u32>(borrow ^ 1) * 0xffffffff;
    for (let i = 0; i < 8; i++) {
      const a = load<u32>(r + <usize>(i << 2)), b = load<u32>(t + <usize>(i << 2));
      store<u32>(r + <usize>(i << 2), a ^ ((a ^ b) & keepT));
    }
  }
  memory.copy(out, r, 32);
  memory.fill(r, 0, 32);
}

/** out = (a * b + c) mod L for 32-byte little-endian a, b, c (each below 2^256). out may alias any input. */
export function scMulAdd(out: usize, a: usize, b: usize, c: usize): void {
  memory.fill(prod, 0, 64);
  // 8x8 limb schoolbook product into 16 limbs.
  for (let i = 0; i < 8; i++) {
    let carry: u64 = 0;
    const ai = <u64>load<u32>(a + <usize>(i << 2));
    for (let j = 0; j < 8; j++) {
      const k = prod + <usize>((i + j) << 2);
      const v = ai * <u64>load<u32>(b + <usize>(j << 2)) + <u64>load<u32>(k) + carry;
      store<u32>(k, <u32>v);
      carry = v >> 32;
    }
    store<u32>(prod + <usize>((i + 8) << 2), <u32>carry);
  }
  let carry: u64 = 0;
  for (let i = 0; i < 16; i++) {
    const k = prod + <usize>(i << 2);
    const v = <u64>load<u32>(k) + (i < 8 ? <u64>load<u32>(c + <usize>(i << 2)) : 0) + carry;
    store<u32>(k, <u32>v);
    carry = v >> 32;
  }
  scReduce(out, prod, 64);
  memory.fill(prod, 0, 64);
}

/** True when the 32-byte little-endian s is below L (RFC 8032 §5.1.7: S must be in [0, L)). Public data. */
export function scIsCanonical(s: usize): bool {
  for (let i = 7; i >= 0; i--) {
    const a = load<u32>(s + <usize>(i << 2)), l = load<u32>(L + <usize>(i << 2));
    if (a < l) return true;
    if (a > l) return false;
  }
  return false; // equal to L
}
