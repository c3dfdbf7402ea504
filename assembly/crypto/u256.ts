// 256-bit unsigned integers as eight 32-bit little-endian limbs (least significant limb first) at a usize
// pointer: byte conversion, constant-time comparison, selection and masked subtraction. Shared by the P-256
// field (mod p) and scalar (mod n) code.
//
// Every function is constant time in the values (no value-dependent branch, loop bound or memory index).
// Masks are u32: 0xffffffff for true, 0 for false. Deliberately not here: any modular arithmetic.

/** Big-endian 32 bytes at src -> limbs at out. out and src must not overlap. */
export function u256FromBytes(out: usize, src: usize): void {
  for (let i = 0; i < 8; i++) store<u32>(out + <usize>(i << 2), bswap<u32>(load<u32>(src + <usize>(28 - (i << 2)))));
}

/** Limbs at a -> big-endian 32 bytes at out. out and a must not overlap. */
export function u256ToBytes(out: usize, a: usize): void {
  for (let i = 0; i < 8; i++) store<u32>(out + <usize>(28 - (i << 2)), bswap<u32>(load<u32>(a + <usize>(i << 2))));
}

export function u256Copy(out: usize, a: usize): void { memory.copy(out, a, 32); }
export function u256Zero(out: usize): void { memory.fill(out, 0, 32); }

/** Set out to the small value v. */
export function u256SetSmall(out: usize, v: u32): void { memory.fill(out, 0, 32); store<u32>(out, v); }

/** Mask: a < b. */
export function u256Lt(a: usize, b: usize): u32 {
  let t: i64 = 0;
  for (let i = 0; i < 8; i++) {
    const o = <usize>(i << 2);
    t = (t >> 32) + <i64>load<u32>(a + o) - <i64>load<u32>(b + o);
  }
  return <u32>(t >> 32); // -1 (borrow) when a < b
}

/** Mask: a == 0. */
export function u256IsZero(a: usize): u32 {
  let d: u32 = 0;
  for (let i = 0; i < 8; i++) d |= load<u32>(a + <usize>(i << 2));
  return <u32>((<u64>d - 1) >> 32); // 0xffffffff only when d == 0
}

/** Mask: a == b. */
export function u256Eq(a: usize, b: usize): u32 {
  let d: u32 = 0;
  for (let i = 0; i < 8; i++) { const o = <usize>(i << 2); d |= load<u32>(a + o) ^ load<u32>(b + o); }
  return <u32>((<u64>d - 1) >> 32);
}

/** out = mask ? a : out (mask all ones or zero). */
export function u256Cmov(out: usize, a: usize, mask: u32): void {
  for (let i = 0; i < 8; i++) {
    const o = <usize>(i << 2);
    const x = load<u32>(out + o);
    store<u32>(out + o, x ^ ((x ^ load<u32>(a + o)) & mask));
  }
}

/** out = a - (b & mask) mod 2^256; returns the borrow as a mask. */
export function u256SubMasked(out: usize, a: usize, b: usize, mask: u32): u32 {
  let t: i64 = 0;
  for (let i = 0; i < 8; i++) {
    const o = <usize>(i << 2);
    t = (t >> 32) + <i64>load<u32>(a + o) - <i64>(load<u32>(b + o) & mask);
    store<u32>(out + o, <u32>t);
  }
  return <u32>(t >> 32);
}

/** out = a + (b & mask) mod 2^256; returns the carry (0 or 1). */
export function u256AddMasked(out: usize, a: usize, b: usize, mask: u32): u32 {
  let t: u64 = 0;
  for (let i = 0; i < 8; i++) {
    const o = <usize>(i << 2);
    t = (t >> 32) + <u64>load<u32>(a + o) + <u64>(load<u32>(b + o) & mask);
    store<u32>(out + o, <u32>t);
  }
  return <u32>(t >> 32);
}

/** Bit i (0 = least significant) of a, 0 or 1. The index i must be public. */
@inline export function u256Bit(a: usize, i: i32): u32 {
  return (load<u32>(a + <usize>((i >> 5) << 2)) >> <u32>(i & 31)) & 1;
}
