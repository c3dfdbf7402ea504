// Vector-runner ops for the symmetric primitives: sha256, hmac_sha256, hkdf_sha256(_extract), aes128_encrypt,
// aes_ccm_seal and aes_ccm_open (docs/vectors.md).
import { OK, E_USAGE, E_CRYPTO_AUTH } from "../base/errors";
import { fail } from "../base/diag";
import { M_VEC_CCM_KEY, M_VEC_HKDF_LEN, M_VEC_HKDF_EXPAND, M_VEC_AES_KEY, M_VEC_CCM_PARAM, M_VEC_DRBG_HEX, M_VEC_DRBG_LEN, M_VEC_DRBG_GENERATE } from "../base/msg";
import { jsonIs, jsonHex, jsonPtr, jsonInt } from "./json";
import { NOT_HANDLED, vecOut, vecRefused, vectorScratch, VECTOR_SCRATCH_CAPACITY } from "./vectors";
import { sha256 } from "../crypto/sha256";
import { hmacSha256 } from "../crypto/hmac";
import { hkdfExtract, hkdfExpand } from "../crypto/hkdf";
import { aes128SetKey, aes128Encrypt, aes128Wipe } from "../crypto/aes";
import { aesCcmSeal, aesCcmOpen } from "../crypto/ccm";
import { drbgInstantiate, drbgReseed, drbgGenerate, drbgWipe } from "../crypto/drbg";

/** Hex field that may be absent (then empty). Returns its length or a negative status. */
function optHex(key: string): i32 {
  if (jsonPtr(key) == 0) return 0;
  return jsonHex(key, MAX);
}

/** Decode key (16 bytes), nonce, aad and tag_len (default 8) of a CCM request; returns the nonce length. */
function ccmCommon(): i32 {
  const kl = jsonHex("key", 16);
  if (kl < 0) return kl;
  if (kl != 16) return fail(E_USAGE, M_VEC_CCM_KEY);
  const nl = jsonHex("nonce", 16);
  if (nl < 0) return nl;
  const al = jsonHex("aad", MAX);
  if (al < 0) return al;
  lastAad = al;
  return nl;
}

const MAX = 4096;

export function symmetricOp(): i32 {
  if (jsonIs("op", "sha256")) {
    const n = jsonHex("msg", MAX);
    if (n < 0) return n;
    sha256(jsonPtr("msg"), n, vectorScratch);
    return vecOut(vectorScratch, 32);
  }
  if (jsonIs("op", "hmac_sha256")) {
    const kl = jsonHex("key", MAX);
    if (kl < 0) return kl;
    const ml = jsonHex("msg", MAX);
    if (ml < 0) return ml;
    hmacSha256(jsonPtr("key"), kl, jsonPtr("msg"), ml, vectorScratch);
    return vecOut(vectorScratch, 32);
  }
  if (jsonIs("op", "hkdf_sha256")) {
    const sl = jsonHex("salt", MAX);
    if (sl < 0) return sl;
    const il = jsonHex("ikm", MAX);
    if (il < 0) return il;
    const fl = jsonHex("info", MAX);
    if (fl < 0) return fl;
    const len = jsonInt("len");
    if (len < 0 || len > 255 * 32 || len + 32 > VECTOR_SCRATCH_CAPACITY) return fail(E_USAGE, M_VEC_HKDF_LEN);
    const prk = vectorScratch + <usize>(VECTOR_SCRATCH_CAPACITY - 32);
    hkdfExtract(jsonPtr("salt"), sl, jsonPtr("ikm"), il, prk);
    const st = hkdfExpand(prk, 32, jsonPtr("info"), fl, vectorScratch, len);
    if (st != OK) return fail(st, M_VEC_HKDF_EXPAND);
    return vecOut(vectorScratch, len);
  }
  if (jsonIs("op", "hkdf_sha256_extract")) {
    const sl = jsonHex("salt", MAX);
    if (sl < 0) return sl;
    const il = jsonHex("ikm", MAX);
    if (il < 0) return il;
    hkdfExtract(jsonPtr("salt"), sl, jsonPtr("ikm"), il, vectorScratch);
    return vecOut(vectorScratch, 32);
  }
  if (jsonIs("op", "aes128_encrypt")) {
    const kl = jsonHex("key", 16);
    if (kl < 0) return kl;
    const bl = jsonHex("block", 16);
    if (bl < 0) return bl;
    if (kl != 16 || bl != 16) return fail(E_USAGE, M_VEC_AES_KEY);
    aes128SetKey(jsonPtr("key"));
    aes128Encrypt(jsonPtr("block"), vectorScratch);
    aes128Wipe();
    return vecOut(vectorScratch, 16);
  }
  if (jsonIs("op", "aes_ccm_seal") || jsonIs("op", "aes_ccm_open")) {
    const seal = jsonIs("op", "aes_ccm_seal");
    const nl = ccmCommon();
    if (nl < 0) return nl;
    let tagLen = jsonInt("tag_len");
    if (tagLen < 0) tagLen = 8;
    const field = seal ? "pt" : "ct";
    const n = jsonHex(field, VECTOR_SCRATCH_CAPACITY - 16);
    if (n < 0) return n;
    const st = seal
      ? aesCcmSeal(jsonPtr("key"), jsonPtr("nonce"), nl, jsonPtr("aad"), aadLen(), jsonPtr("pt"), n, tagLen, vectorScratch)
      : aesCcmOpen(jsonPtr("key"), jsonPtr("nonce"), nl, jsonPtr("aad"), aadLen(), jsonPtr("ct"), n, tagLen, vectorScratch);
    if (st == E_CRYPTO_AUTH) return vecRefused(st);
    if (st < 0) return fail(st, M_VEC_CCM_PARAM);
    return vecOut(vectorScratch, seal ? n + tagLen : st);
  }
  if (jsonIs("op", "hmac_drbg")) {
    // A NIST CAVP HMAC_DRBG (SHA-256, no prediction resistance) case: instantiate, optionally reseed,
    // generate twice, answer the second output. The module's DRBG is wiped afterwards: a test state is never
    // left behind for real keys.
    const el = jsonHex("entropy", 256);
    if (el < 0) return el;
    const nl = optHex("nonce"), pl = optHex("pers"), rl = optHex("reseed_entropy"), ral = optHex("reseed_add");
    const a1 = optHex("add1"), a2 = optHex("add2");
    if (nl < 0 || pl < 0 || rl < 0 || ral < 0 || a1 < 0 || a2 < 0) return fail(E_USAGE, M_VEC_DRBG_HEX);
    const len = jsonInt("len");
    if (len < 1 || len > VECTOR_SCRATCH_CAPACITY) return fail(E_USAGE, M_VEC_DRBG_LEN);
    drbgInstantiate(jsonPtr("entropy"), el, jsonPtr("nonce"), nl, jsonPtr("pers"), pl);
    if (rl > 0) drbgReseed(jsonPtr("reseed_entropy"), rl, jsonPtr("reseed_add"), ral);
    let st = drbgGenerate(vectorScratch, len, jsonPtr("add1"), a1);
    if (st == OK) st = drbgGenerate(vectorScratch, len, jsonPtr("add2"), a2);
    drbgWipe();
    if (st != OK) return fail(st, M_VEC_DRBG_GENERATE);
    return vecOut(vectorScratch, len);
  }
  return NOT_HANDLED;
}

let lastAad = 0;
function aadLen(): i32 { return lastAad; }
