// AES-CCM (RFC 3610, NIST SP 800-38C) with AES-128: seal and open with any even tag length 4..16 and nonce
// length 7..13. COSE algorithm 10, AES-CCM-16-64-128 (RFC 9053 §4.2), used by EDHOC suites 0 and 2 and by
// OSCORE, is tag length 8 with a 13-byte nonce (L = 2: messages up to 65535 bytes).
//
// One pass: CBC-MAC over the formatted input and CTR encryption interleave block by block. open() decrypts,
// computes the tag over the recovered plaintext and compares it in constant time; on a mismatch it zeroes
// the whole output and returns E_CRYPTO_AUTH, so no unauthenticated plaintext ever leaves.
//
// Deliberately not here: associated data of 2^32 bytes or more, AES-192/256.

import { OK, E_CRYPTO_AUTH, E_CRYPTO_PARAM } from "../base/errors";
import { aes128SetKey, aes128Encrypt, aes128Wipe } from "./aes";
import { ctEqual, wipe } from "./ct";

const mac = memory.data(16, 16);   // CBC-MAC chaining value X_i
const ctr = memory.data(16, 16);   // counter block A_i
const ks = memory.data(16, 16);    // key stream block S_i
const s0 = memory.data(16, 16);    // S_0, masks the tag
const tag = memory.data(16, 16);

function params(nonceLen: i32, tagLen: i32, msgLen: i32, aadLen: i32): bool {
  if (nonceLen < 7 || nonceLen > 13 || tagLen < 4 || tagLen > 16 || (tagLen & 1) != 0) return false;
  if (msgLen < 0 || aadLen < 0) return false;
  const L = 15 - nonceLen;
  if (L < 4 && msgLen >= (1 << (L << 3))) return false; // l(m) must fit in L bytes (RFC 3610 §2.2)
  return true;
}

/** XOR n (<= 16) bytes at p into the MAC block and encrypt it: X_{i+1} = E(K, X_i xor B_{i+1}). */
function macBlock(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u8>(mac + <usize>i, load<u8>(mac + <usize>i) ^ load<u8>(p + <usize>i));
  aes128Encrypt(mac, mac);
}

/** B_0, the encoded associated data and the counter block A_0 (RFC 3610 §2.2, §2.3). */
function start(key: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, msgLen: i32, tagLen: i32): void {
  aes128SetKey(key);
  const L = 15 - nonceLen;
  memory.fill(mac, 0, 16);
  store<u8>(mac, <u8>((aadLen > 0 ? 64 : 0) | (((tagLen - 2) >> 1) << 3) | (L - 1)));
  memory.copy(mac + 1, nonce, <usize>nonceLen);
  for (let i = 0; i < L; i++) store<u8>(mac + <usize>(15 - i), <u8>(i < 4 ? (<u32>msgLen >> <u32>(i << 3)) : 0));
  aes128Encrypt(mac, mac);
  if (aadLen > 0) {
    // l(a): two bytes below 2^16 - 2^8, else 0xff 0xfe and four bytes; then a; zero padding to a block.
    const head = memory.data(16, 8);
    memory.fill(head, 0, 16);
    let h = 0;
    if (aadLen < 0xff00) { store<u8>(head, <u8>(aadLen >> 8)); store<u8>(head, <u8>aadLen, 1); h = 2; }
    else {
      store<u8>(head, 0xff); store<u8>(head, 0xfe, 1);
      store<u8>(head, <u8>(aadLen >>> 24), 2); store<u8>(head, <u8>(aadLen >> 16), 3);
      store<u8>(head, <u8>(aadLen >> 8), 4); store<u8>(head, <u8>aadLen, 5);
      h = 6;
    }
    const first = min(16 - h, aadLen);
    memory.copy(head + <usize>h, aad, <usize>first);
    macBlock(head, 16);
    let off = first;
    while (off < aadLen) {
      const n = min(16, aadLen - off);
      macBlock(aad + <usize>off, n); // a short last block is zero-padded: XOR with nothing
      off += n;
    }
  }
  memory.fill(ctr, 0, 16);
  store<u8>(ctr, <u8>(L - 1));
  memory.copy(ctr + 1, nonce, <usize>nonceLen);
  aes128Encrypt(ctr, s0);
}

/** Counter block A_i for i >= 1 (big-endian in the last L bytes). */
function setCounter(i: i32, nonceLen: i32): void {
  const L = 15 - nonceLen;
  for (let k = 0; k < L; k++) store<u8>(ctr + <usize>(15 - k), <u8>(k < 4 ? (<u32>i >> <u32>(k << 3)) : 0));
}

function finish(): void {
  wipe(mac, 16); wipe(ctr, 16); wipe(ks, 16); wipe(s0, 16); wipe(tag, 16);
  aes128Wipe();
}

/**
 * Encrypt and authenticate: out receives ptLen bytes of ciphertext followed by tagLen bytes of tag.
 * key: 16 bytes. out may be pt (in place) but must not overlap aad or nonce otherwise.
 * Returns OK or E_CRYPTO_PARAM (nonce/tag length, or a message too long for L).
 */
export function aesCcmSeal(key: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, pt: usize, ptLen: i32,
                           tagLen: i32, out: usize): i32 {
  if (!params(nonceLen, tagLen, ptLen, aadLen)) return E_CRYPTO_PARAM;
  start(key, nonce, nonceLen, aad, aadLen, ptLen, tagLen);
  let block = 1;
  for (let off = 0; off < ptLen; off += 16) {
    const n = min(16, ptLen - off);
    macBlock(pt + <usize>off, n);
    setCounter(block++, nonceLen);
    aes128Encrypt(ctr, ks);
    for (let i = 0; i < n; i++) store<u8>(out + <usize>(off + i), load<u8>(pt + <usize>(off + i)) ^ load<u8>(ks + <usize>i));
  }
  for (let i = 0; i < tagLen; i++) store<u8>(out + <usize>(ptLen + i), load<u8>(mac + <usize>i) ^ load<u8>(s0 + <usize>i));
  finish();
  return OK;
}

/**
 * Decrypt and verify ctLen bytes (ciphertext || tagLen-byte tag): out receives ctLen - tagLen bytes of
 * plaintext. Returns that length, E_CRYPTO_AUTH (output zeroed) or E_CRYPTO_PARAM. out may be ct.
 */
export function aesCcmOpen(key: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, ct: usize, ctLen: i32,
                           tagLen: i32, out: usize): i32 {
  const ptLen = ctLen - tagLen;
  if (ptLen < 0 || !params(nonceLen, tagLen, ptLen, aadLen)) return E_CRYPTO_PARAM;
  memory.copy(tag, ct + <usize>ptLen, <usize>tagLen); // before an in-place decryption can touch it
  start(key, nonce, nonceLen, aad, aadLen, ptLen, tagLen);
  let block = 1;
  for (let off = 0; off < ptLen; off += 16) {
    const n = min(16, ptLen - off);
    setCounter(block++, nonceLen);
    aes128Encrypt(ctr, ks);
    for (let i = 0; i < n; i++) store<u8>(out + <usize>(off + i), load<u8>(ct + <usize>(off + i)) ^ load<u8>(ks + <usize>i));
    macBlock(out + <usize>off, n);
  }
  for (let i = 0; i < tagLen; i++) store<u8>(mac + <usize>i, load<u8>(mac + <usize>i) ^ load<u8>(s0 + <usize>i));
  const ok = ctEqual(mac, tag, tagLen);
  finish();
  if (!ok) {
    wipe(out, ptLen);
    return E_CRYPTO_AUTH;
  }
  return ptLen;
}
