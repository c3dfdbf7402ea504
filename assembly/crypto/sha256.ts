// SHA-256 (FIPS 180-4 §6.2), streaming and one-shot, over (pointer, length) input.
//
// The state lives in the Sha256 object (create instances once at module level); the message schedule is one
// shared static buffer, so a compression never allocates. Inputs are public or secret alike: the code has
// no data-dependent branches or indexes. finish() wipes the block buffer; call reset() to reuse.
//
// Deliberately not here: SHA-224, bit-granular messages, messages of 2^61 bytes or more.

import { wipe } from "./ct";

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Message schedule W[0..63], shared by every instance (compression is not re-entrant, nor needs to be). */
const W = memory.data(256, 4);

export const SHA256_BLOCK: i32 = 64;
export const SHA256_SIZE: i32 = 32;

@inline function rotr(x: u32, n: u32): u32 { return (x >>> n) | (x << (32 - n)); }
@inline function be32(p: usize): u32 { return bswap<u32>(load<u32>(p)); }

export class Sha256 {
  // H0..H7 (FIPS 180-4 §5.3.3), the pending partial block and the message length in bytes.
  h0: u32 = 0; h1: u32 = 0; h2: u32 = 0; h3: u32 = 0; h4: u32 = 0; h5: u32 = 0; h6: u32 = 0; h7: u32 = 0;
  private buf: usize = heap.alloc(64); // allocated once, when the instance is created at start-up
  private fill: i32 = 0;
  private total: u64 = 0;

  constructor() { this.reset(); }

  /** Start a new message. */
  reset(): void {
    this.h0 = 0x6a09e667; this.h1 = 0xbb67ae85; this.h2 = 0x3c6ef372; this.h3 = 0xa54ff53a;
    this.h4 = 0x510e527f; this.h5 = 0x9b05688c; this.h6 = 0x1f83d9ab; this.h7 = 0x5be0cd19;
    this.fill = 0;
    this.total = 0;
  }

  /** Absorb n bytes at p (n >= 0). */
  update(p: usize, n: i32): void {
    this.total += <u64>n;
    let i = 0;
    if (this.fill > 0) {
      const take = min(n, 64 - this.fill);
      memory.copy(this.buf + <usize>this.fill, p, <usize>take);
      this.fill += take;
      i = take;
      if (this.fill < 64) return;
      this.compress(this.buf);
      this.fill = 0;
    }
    for (; i + 64 <= n; i += 64) this.compress(p + <usize>i);
    if (i < n) {
      memory.copy(this.buf, p + <usize>i, <usize>(n - i));
      this.fill = n - i;
    }
  }

  /** Write the 32-byte digest to out and wipe the pending block. out may alias nothing the caller needs. */
  finish(out: usize): void {
    const bits = this.total << 3;
    store<u8>(this.buf + <usize>this.fill, 0x80);
    this.fill++;
    if (this.fill > 56) {
      memory.fill(this.buf + <usize>this.fill, 0, <usize>(64 - this.fill));
      this.compress(this.buf);
      this.fill = 0;
    }
    memory.fill(this.buf + <usize>this.fill, 0, <usize>(56 - this.fill));
    store<u64>(this.buf + 56, bswap<u64>(bits));
    this.compress(this.buf);
    store<u32>(out, bswap<u32>(this.h0)); store<u32>(out + 4, bswap<u32>(this.h1));
    store<u32>(out + 8, bswap<u32>(this.h2)); store<u32>(out + 12, bswap<u32>(this.h3));
    store<u32>(out + 16, bswap<u32>(this.h4)); store<u32>(out + 20, bswap<u32>(this.h5));
    store<u32>(out + 24, bswap<u32>(this.h6)); store<u32>(out + 28, bswap<u32>(this.h7));
    wipe(this.buf, 64);
    wipe(W, 256);
    this.fill = 0;
  }

  /** FIPS 180-4 §6.2.2 for one 64-byte block at p. */
  private compress(p: usize): void {
    for (let t = 0; t < 16; t++) store<u32>(W + <usize>(t << 2), be32(p + <usize>(t << 2)));
    for (let t = 16; t < 64; t++) {
      const w15 = load<u32>(W + <usize>((t - 15) << 2)), w2 = load<u32>(W + <usize>((t - 2) << 2));
      const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
      store<u32>(W + <usize>(t << 2), load<u32>(W + <usize>((t - 16) << 2)) + s0 + load<u32>(W + <usize>((t - 7) << 2)) + s1);
    }
    let a = this.h0, b = this.h1, c = this.h2, d = this.h3, e = this.h4, f = this.h5, g = this.h6, h = this.h7;
    for (let t = 0; t < 64; t++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = h + S1 + ch + load<u32>(K + <usize>(t << 2)) + load<u32>(W + <usize>(t << 2));
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = S0 + maj;
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    this.h0 += a; this.h1 += b; this.h2 += c; this.h3 += d; this.h4 += e; this.h5 += f; this.h6 += g; this.h7 += h;
  }
}

const oneShot = new Sha256();

/** SHA-256 of n bytes at p, written to out (32 bytes). */
export function sha256(p: usize, n: i32, out: usize): void {
  oneShot.reset();
  oneShot.update(p, n);
  oneShot.finish(out);
}
