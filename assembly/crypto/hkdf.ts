// HKDF with SHA-256 (RFC 5869 §2.2, §2.3): the key derivation of EDHOC (RFC 9528 §4.1.2) and OSCORE
// (RFC 8613 §3.2.1).
//
// Deliberately not here: other hashes.

import { OK, E_CRYPTO_PARAM } from "../base/errors";
import { HmacSha256 } from "./hmac";
import { wipe } from "./ct";

const mac = new HmacSha256();
const t = memory.data(32, 8);
const ctr = memory.data(1);

/** PRK = HMAC-SHA-256(salt, IKM): 32 bytes to prkOut. An empty salt acts as 32 zero bytes (RFC 5869 §2.2). */
export function hkdfExtract(salt: usize, saltLen: i32, ikm: usize, ikmLen: i32, prkOut: usize): void {
  mac.init(salt, saltLen);
  mac.update(ikm, ikmLen);
  mac.finish(prkOut);
}

/** OKM = T(1) | T(2) | ... truncated to outLen bytes, T(i) = HMAC(PRK, T(i-1) | info | i) (RFC 5869 §2.3).
 *  Returns OK, or E_CRYPTO_PARAM when outLen is negative or above 255 * 32. out must not overlap info or prk. */
export function hkdfExpand(prk: usize, prkLen: i32, info: usize, infoLen: i32, out: usize, outLen: i32): i32 {
  if (outLen < 0 || outLen > 255 * 32) return E_CRYPTO_PARAM;
  let done = 0;
  for (let i = 1; done < outLen; i++) {
    mac.init(prk, prkLen);
    if (i > 1) mac.update(t, 32);
    mac.update(info, infoLen);
    store<u8>(ctr, <u8>i);
    mac.update(ctr, 1);
    mac.finish(t);
    const n = min(32, outLen - done);
    memory.copy(out + <usize>done, t, <usize>n);
    done += n;
  }
  wipe(t, 32);
  return OK;
}
