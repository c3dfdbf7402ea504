// Vector-runner ops for X25519, Ed25519 and SHA-512 (docs/vectors.md).
import { OK, E_USAGE, E_CRYPTO_POINT } from "../base/errors";
import { fail } from "../base/diag";
import { M_VEC_25519_LENGTH, M_VEC_X25519_N } from "../base/msg";
import { jsonIs, jsonHex, jsonPtr, jsonInt } from "./json";
import { NOT_HANDLED, vecOut, vecBool, vecRefused, vectorScratch } from "./vectors";
import { x25519, x25519Base } from "../crypto/x25519";
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from "../crypto/ed25519";
import { sha512 } from "../crypto/sha512";

/** Decode a hex field that must be exactly n bytes. */
function fixed(key: string, n: i32): i32 {
  const got = jsonHex(key, 4096);
  if (got < 0) return got;
  if (got != n) return fail(E_USAGE, M_VEC_25519_LENGTH);
  return OK;
}

export function curve25519Op(): i32 {
  if (jsonIs("op", "x25519")) {
    let st = fixed("scalar", 32); if (st != OK) return st;
    st = fixed("u", 32); if (st != OK) return st;
    st = x25519(jsonPtr("scalar"), jsonPtr("u"), vectorScratch);
    return st == E_CRYPTO_POINT ? vecRefused(st) : vecOut(vectorScratch, 32);
  }
  if (jsonIs("op", "x25519_iterate")) {
    // RFC 7748 §5.2 iteration: k, u = X25519(k, u), k; answers k after n rounds.
    let st = fixed("scalar", 32); if (st != OK) return st;
    st = fixed("u", 32); if (st != OK) return st;
    const n = jsonInt("n");
    if (n < 1 || n > 100000) return fail(E_USAGE, M_VEC_X25519_N);
    const k = jsonPtr("scalar"), u = jsonPtr("u");
    for (let i = 0; i < n; i++) {
      x25519(k, u, vectorScratch);
      memory.copy(u, k, 32);
      memory.copy(k, vectorScratch, 32);
    }
    return vecOut(k, 32);
  }
  if (jsonIs("op", "x25519_base")) {
    const st = fixed("scalar", 32); if (st != OK) return st;
    x25519Base(jsonPtr("scalar"), vectorScratch);
    return vecOut(vectorScratch, 32);
  }
  if (jsonIs("op", "ed25519_pub")) {
    const st = fixed("seed", 32); if (st != OK) return st;
    ed25519PublicKey(jsonPtr("seed"), vectorScratch);
    return vecOut(vectorScratch, 32);
  }
  if (jsonIs("op", "ed25519_sign")) {
    const st = fixed("seed", 32); if (st != OK) return st;
    const n = jsonHex("msg", 2048); if (n < 0) return n;
    ed25519Sign(jsonPtr("seed"), jsonPtr("msg"), n, vectorScratch);
    return vecOut(vectorScratch, 64);
  }
  if (jsonIs("op", "ed25519_verify")) {
    let st = fixed("pub", 32); if (st != OK) return st;
    st = fixed("sig", 64); if (st != OK) return st;
    const n = jsonHex("msg", 2048); if (n < 0) return n;
    return vecBool(ed25519Verify(jsonPtr("pub"), jsonPtr("msg"), n, jsonPtr("sig")) == OK);
  }
  if (jsonIs("op", "sha512")) {
    const n = jsonHex("msg", 4096); if (n < 0) return n;
    sha512(jsonPtr("msg"), n, vectorScratch);
    return vecOut(vectorScratch, 64);
  }
  return NOT_HANDLED;
}
