// Vector-runner ops for P-256 (see assembly/vectors.ts and docs/vectors.md):
//   {"op":"p256_pub","priv":H}                  -> {"out":H} 65-byte 04||x||y, or {"error":"E_CRYPTO_KEY"}
//   {"op":"p256_ecdh","priv":H,"pub":H}         -> {"out":H} x-coordinate, or {"error":"E_CRYPTO_POINT"|"E_CRYPTO_KEY"}
//   {"op":"p256_sign","priv":H,"msg":H}         -> {"out":H} r||s over SHA-256(msg), RFC 6979 k
//                                                 (optional "extra":H: RFC 6979 section 3.6 hedged signing)
//   {"op":"p256_verify","pub":H,"msg":H,"sig":H} -> {"ok":bool} (SHA-256(msg); a sig that is not 64 bytes is false)
//   {"op":"p256_validate","pub":H}              -> {"ok":bool}
//   {"op":"p256_decompress","pub":H}            -> {"out":H} 65 bytes, or {"error":"E_CRYPTO_POINT"}
//   {"op":"p256_keygen","seed":H}               -> {"out":H} private key from a 48-byte seed (p256KeyFromSeed)
// Private keys must be exactly 32 bytes (else the line fails with E_USAGE). Public keys of any length are
// passed to the primitive, which refuses what it does not accept. Other ops: NOT_HANDLED.

import { OK, E_USAGE } from "../base/errors";
import { fail } from "../base/diag";
import { M_VEC_P256_PRIV, M_VEC_P256_SEED } from "../base/msg";
import { jsonIs, jsonHex, jsonPtr } from "./json";
import { NOT_HANDLED, vecOut, vecBool, vecRefused, vectorScratch } from "./vectors";
import {
  p256PublicKey, p256Ecdh, p256ValidatePublic, p256Decompress, p256SignDigestHedged, p256VerifyDigest, p256KeyFromSeed,
} from "../crypto/p256";
import { sha256 } from "../crypto/sha256";

const MAX_PUB = 128;   // longer public keys are refused by the primitive anyway; bound the hex decoding
const MAX_MSG = 2048;
const MAX_EXTRA = 256;

function privKey(): i32 {
  const n = jsonHex("priv", 32);
  if (n < 0) return n;
  if (n != 32) return fail(E_USAGE, M_VEC_P256_PRIV);
  return OK;
}

export function p256Op(): i32 {
  const out = vectorScratch;
  if (jsonIs("op", "p256_pub")) {
    const st = privKey(); if (st != OK) return st;
    const r = p256PublicKey(jsonPtr("priv"), out);
    return r == OK ? vecOut(out, 65) : vecRefused(r);
  }
  if (jsonIs("op", "p256_ecdh")) {
    const st = privKey(); if (st != OK) return st;
    const n = jsonHex("pub", MAX_PUB); if (n < 0) return n;
    const r = p256Ecdh(jsonPtr("priv"), jsonPtr("pub"), n, out);
    return r == OK ? vecOut(out, 32) : vecRefused(r);
  }
  if (jsonIs("op", "p256_validate")) {
    const n = jsonHex("pub", MAX_PUB); if (n < 0) return n;
    return vecBool(p256ValidatePublic(jsonPtr("pub"), n) == OK);
  }
  if (jsonIs("op", "p256_decompress")) {
    const n = jsonHex("pub", MAX_PUB); if (n < 0) return n;
    const r = p256Decompress(jsonPtr("pub"), n, out);
    return r == OK ? vecOut(out, 65) : vecRefused(r);
  }
  if (jsonIs("op", "p256_sign")) {
    const st = privKey(); if (st != OK) return st;
    const m = jsonHex("msg", MAX_MSG); if (m < 0) return m;
    let extra: usize = 0, extraLen = 0;
    if (jsonPtr("extra") != 0) {
      extraLen = jsonHex("extra", MAX_EXTRA); if (extraLen < 0) return extraLen;
      extra = jsonPtr("extra");
    }
    sha256(jsonPtr("msg"), m, out + 64);
    const r = p256SignDigestHedged(jsonPtr("priv"), out + 64, extra, extraLen, out);
    return r == OK ? vecOut(out, 64) : vecRefused(r);
  }
  if (jsonIs("op", "p256_verify")) {
    const n = jsonHex("pub", MAX_PUB); if (n < 0) return n;
    const m = jsonHex("msg", MAX_MSG); if (m < 0) return m;
    const sl = jsonHex("sig", 128); if (sl < 0) return sl;
    if (sl != 64) return vecBool(false);
    sha256(jsonPtr("msg"), m, out);
    return vecBool(p256VerifyDigest(jsonPtr("pub"), n, out, jsonPtr("sig")) == OK);
  }
  if (jsonIs("op", "p256_keygen")) {
    const n = jsonHex("seed", 48); if (n < 0) return n;
    if (n != 48) return fail(E_USAGE, M_VEC_P256_SEED);
    p256KeyFromSeed(jsonPtr("seed"), out);
    return vecOut(out, 32);
  }
  return NOT_HANDLED;
}
