// HMAC-SHA-256 (RFC 2104, FIPS 198-1), streaming and one-shot.
//
// A key longer than the 64-byte block is hashed first; shorter keys are zero-padded. The inner and outer
// hash states are kept in the object; finish() wipes the padded key and both states.
//
// Deliberately not here: truncated MACs (callers compare a prefix), other hash functions.

import { Sha256, sha256, SHA256_BLOCK } from "./sha256";
import { wipe } from "./ct";

export const HMAC_SHA256_SIZE: i32 = 32;

export class HmacSha256 {
  private inner: Sha256 = new Sha256();
  private outer: Sha256 = new Sha256();
  private pad: usize = heap.alloc(64); // allocated once, when the instance is created at start-up

  /** Start a MAC under keyLen bytes of key at key. */
  init(key: usize, keyLen: i32): void {
    const pad = this.pad;
    memory.fill(pad, 0, 64);
    if (keyLen > SHA256_BLOCK) sha256(key, keyLen, pad);
    else memory.copy(pad, key, <usize>keyLen);
    for (let i = 0; i < 64; i++) store<u8>(pad + <usize>i, load<u8>(pad + <usize>i) ^ 0x36);
    this.inner.reset();
    this.inner.update(pad, 64);
    for (let i = 0; i < 64; i++) store<u8>(pad + <usize>i, load<u8>(pad + <usize>i) ^ (0x36 ^ 0x5c));
    this.outer.reset();
    this.outer.update(pad, 64);
    wipe(pad, 64);
  }

  update(p: usize, n: i32): void { this.inner.update(p, n); }

  /** Write the 32-byte MAC to out; the key-dependent state is wiped. */
  finish(out: usize): void {
    this.inner.finish(out);
    this.outer.update(out, 32);
    this.outer.finish(out);
    this.inner.reset();
    this.outer.reset();
  }
}

const oneShot = new HmacSha256();

/** HMAC-SHA-256 of msgLen bytes at msg under keyLen bytes of key; 32 bytes to out (out may alias msg). */
export function hmacSha256(key: usize, keyLen: i32, msg: usize, msgLen: i32, out: usize): void {
  oneShot.init(key, keyLen);
  oneShot.update(msg, msgLen);
  oneShot.finish(out);
}
