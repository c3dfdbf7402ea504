// Constant-time helpers for secrets: comparison and wiping.
//
// ctEqual reads every byte whatever the data and decides with one comparison at the end; wipe writes zeros
// through memory.fill, a store to exported linear memory that the optimizer must keep.

/** True when the n bytes at a and b are equal; the time depends on n only. */
export function ctEqual(a: usize, b: usize, n: i32): bool {
  let d: u32 = 0;
  for (let i = 0; i < n; i++) d |= <u32>(load<u8>(a + <usize>i) ^ load<u8>(b + <usize>i));
  return d == 0;
}

/** Overwrite n bytes at p with zeros (secrets after use). */
export function wipe(p: usize, n: i32): void {
  if (n > 0) memory.fill(p, 0, <usize>n);
}
