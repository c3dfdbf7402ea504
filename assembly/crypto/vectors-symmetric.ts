// Vector-runner ops for the hash-based primitives: sha256, hmac_sha256, hkdf_sha256 (docs/vectors.md).
import { OK, E_USAGE } from "../errors";
import { fail } from "../runtime";
import { jsonIs, jsonHex, jsonPtr, jsonInt } from "../json";
import { NOT_HANDLED, vecOut, vectorScratch, VECTOR_SCRATCH_CAPACITY } from "../vectors";
import { sha256 } from "./sha256";
import { hmacSha256 } from "./hmac";
import { hkdfExtract, hkdfExpand } from "./hkdf";

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
    if (len < 0 || len > 255 * 32 || len + 32 > VECTOR_SCRATCH_CAPACITY) return fail(E_USAGE, "hkdf_sha256: len must be 0..2080");
    const prk = vectorScratch + <usize>(VECTOR_SCRATCH_CAPACITY - 32);
    hkdfExtract(jsonPtr("salt"), sl, jsonPtr("ikm"), il, prk);
    const st = hkdfExpand(prk, 32, jsonPtr("info"), fl, vectorScratch, len);
    if (st != OK) return fail(st, "hkdf_sha256: expand failed");
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
  return NOT_HANDLED;
}
