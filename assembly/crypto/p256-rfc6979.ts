// The ECDSA nonce k for P-256: RFC 6979 section 3.2 (HMAC_DRBG with HMAC-SHA-256), optionally with the
// additional data of section 3.6.
//
// How k is chosen (qlen = hlen = 256, so one HMAC output is one candidate):
//   V = 0x01 * 32, K = 0x00 * 32
//   K = HMAC_K(V || 0x00 || int2octets(x) || bits2octets(h1) || extra)       (step d)
//   V = HMAC_K(V)                                                          (step e)
//   K = HMAC_K(V || 0x01 || int2octets(x) || bits2octets(h1) || extra)       (step f)
//   V = HMAC_K(V)                                                          (step g)
//   loop: V = HMAC_K(V); k = V as a big-endian integer; accept when 1 <= k < n, else
//         K = HMAC_K(V || 0x00), V = HMAC_K(V) and repeat                   (step h)
// x is the private key, bits2octets(h1) the digest reduced mod n (the caller passes it), extra the
// section 3.6 additional data (empty for plain RFC 6979). After a candidate was used and rejected by the
// signer (r = 0 or s = 0), rfc6979Next continues with the step-h update, as section 3.2 prescribes.
//
// State K, V is static and private; rfc6979Wipe() clears it. Deliberately not here: the signature itself.

import { HmacSha256 } from "./hmac";
import { ORDER_N } from "./p256-scalar";
import { u256FromBytes, u256Lt, u256IsZero } from "./u256";

const K = memory.data(32, 16);
const V = memory.data(32, 16);
const cand = memory.data(32, 16);
const sep = memory.data(1, 1);
const mac = new HmacSha256();
let started = false;

/** K = HMAC_K(V || sep || parts...) with up to three parts (a null pointer with length 0 is skipped). */
function rekey(sepByte: u8, x: usize, h: usize, extra: usize, extraLen: i32, withParts: bool): void {
  store<u8>(sep, sepByte);
  mac.init(K, 32);
  mac.update(V, 32);
  mac.update(sep, 1);
  if (withParts) {
    mac.update(x, 32);
    mac.update(h, 32);
    if (extraLen > 0) mac.update(extra, extraLen);
  }
  mac.finish(K);
  updateV();
}

function updateV(): void {
  mac.init(K, 32);
  mac.update(V, 32);
  mac.finish(V);
}

/** Seed the generator: priv32 = int2octets(x), h32 = bits2octets(h1), extra (extraLen >= 0 bytes). */
export function rfc6979Init(priv32: usize, h32: usize, extra: usize, extraLen: i32): void {
  memory.fill(V, 0x01, 32);
  memory.fill(K, 0x00, 32);
  rekey(0x00, priv32, h32, extra, extraLen, true);
  rekey(0x01, priv32, h32, extra, extraLen, true);
  started = false;
}

/** Write the next candidate k in [1, n-1] (32 bytes big-endian) to out32. */
export function rfc6979Next(out32: usize): void {
  for (;;) {
    if (started) rekey(0x00, 0, 0, 0, 0, false);
    started = true;
    updateV();
    u256FromBytes(cand, V);
    if ((u256Lt(cand, ORDER_N) & ~u256IsZero(cand)) != 0) break;
  }
  memory.copy(out32, V, 32);
  memory.fill(cand, 0, 32);
}

/** Clear the generator state. */
export function rfc6979Wipe(): void {
  memory.fill(K, 0, 32);
  memory.fill(V, 0, 32);
  memory.fill(cand, 0, 32);
  started = false;
}
