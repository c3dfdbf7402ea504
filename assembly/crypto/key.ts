// Private keys by handle. A Key is either held by the board (its crypto provider: a handle, and for a
// persistent key an id under which the board keeps it, so its bytes never enter linear memory) or, in the
// portable build on a board without that algorithm, 32 bytes in linear memory that the module's own provider
// (crypto/soft.ts) uses. Callers do the same thing either way: generate, import or open, then public,
// ECDH or sign, then close (forget) or destroy (erase a persistent key).
//
// Key types are those of the crypto import (crypto/provider.ts): 1 P-256 ECDSA, 2 Ed25519, 3 P-256 DH,
// 4 X25519 DH. A key the board holds is persistent only where the board has CAP_PERSISTENT_KEYS; otherwise
// (and for every key in the portable path) keyOnBoard() tells the caller it must keep the bytes itself.
//
// The board has few handles (CRYPTO_MAX_KEYS); the handles opened here are listed so that keysCloseAll() at
// the start of each command gives back whatever an abandoned command left open.
//
// Deliberately not here: which key is used for what, and where records point to keys (edhoc/credentials.ts,
// est/record.ts).

import * as cp from "./provider";
import { CAP_P256, CAP_X25519, CAP_ED25519, CAP_PERSISTENT_KEYS, CRYPTO_MAX_KEYS } from "./provider";
import { OK, E_UNSUPPORTED, E_USAGE, E_CRYPTO_KEY, E_CRYPTO_PARAM, E_CRYPTO_POINT, E_STORE_NOT_FOUND } from "../base/errors";
import { boardDoesKey, softCrypto } from "./index";
import { wipe } from "./ct";

const T_P256_ECDSA = 1;
const T_ED25519 = 2;
const T_P256_DH = 3;
const T_X25519_DH = 4;

/** A private key. Create at module level (a portable-build instance allocates its 32 bytes once). */
export class Key {
  /** Key type (1..4); 0: no key. */
  type: i32 = 0;
  /** The board's handle (> 0) when the board holds the key. */
  handle: i32 = 0;
  /** The id the board keeps it under (a persistent board key), else 0. */
  id: u32 = 0;
  /** The key's bytes when the module holds it (portable path): P-256 scalar, Ed25519 seed or X25519 scalar. */
  priv: usize = heap.alloc(32);
}

// The handles open at the board (0: a free entry).
const open = memory.data(CRYPTO_MAX_KEYS * 4, 4);

function remember(h: i32): void {
  for (let i = 0; i < CRYPTO_MAX_KEYS; i++) {
    const p = open + <usize>(i << 2);
    if (load<i32>(p) == 0) { store<i32>(p, h); return; }
  }
}
function forget(h: i32): void {
  for (let i = 0; i < CRYPTO_MAX_KEYS; i++) {
    const p = open + <usize>(i << 2);
    if (load<i32>(p) == h) { store<i32>(p, 0); return; }
  }
}

/** Close every handle still open at the board (a command's start: what the last one left behind). */
export function keysCloseAll(): void {
  for (let i = 0; i < CRYPTO_MAX_KEYS; i++) {
    const p = open + <usize>(i << 2);
    const h = load<i32>(p);
    if (h != 0) { cp.key_close(h); store<i32>(p, 0); }
  }
}

/** The capability a key type needs. */
function capOf(type: i32): u32 {
  if (type == T_P256_ECDSA || type == T_P256_DH) return CAP_P256;
  if (type == T_X25519_DH) return CAP_X25519;
  if (type == T_ED25519) return CAP_ED25519;
  return 0;
}

/** Whether the board does the key's algorithm, and keeps it under an id if one is asked for. */
function boardDoes(type: i32, id: u32): bool { return boardDoesKey(capOf(type), id != 0); }

function adopt(k: Key, type: i32, id: u32, h: i32): i32 {
  if (h <= 0) return h == 0 ? E_CRYPTO_KEY : h;
  remember(h);
  k.type = type; k.handle = h; k.id = id;
  return OK;
}

/** Whether the board holds k (so k.priv holds nothing), and keeps it under k.id when that is not 0. */
export function keyOnBoard(k: Key): bool { return k.handle > 0; }

/** The key's bytes when the module holds it (to store in a record of its own), else 0. */
export function keyPrivate(k: Key): usize { return k.handle > 0 ? 0 : k.priv; }

/**
 * A new key of `type` into k (closing what k held). With id > 0 the board keeps it under that id, replacing a
 * key of that id atomically, when the board can; else the key is volatile (k.id 0) and, in the portable path,
 * in linear memory. Returns OK, E_RNG, E_UNSUPPORTED (the native-crypto build, a type the board lacks) or a
 * board status.
 */
export function keyGenerate(k: Key, type: i32, id: u32): i32 {
  keyClose(k);
  if (capOf(type) == 0) return E_CRYPTO_PARAM;
  if (boardDoes(type, id)) return adopt(k, type, id, cp.key_generate(type, id));
  const st = softCrypto()!.keyGenerate(type, k.priv);
  if (st != OK) return st;
  k.type = type; k.id = 0;
  return OK;
}

/** Import 32 bytes of private key (P-256 scalar big-endian, Ed25519 seed, X25519 scalar) into k, kept by the
 *  board under id when id > 0 and the board can (see keyGenerate). Returns OK, E_CRYPTO_PARAM (length, type),
 *  E_CRYPTO_KEY (an invalid scalar, board path), E_UNSUPPORTED or a board status. */
export function keyImport(k: Key, type: i32, p: usize, n: i32, id: u32): i32 {
  keyClose(k);
  if (n != 32 || capOf(type) == 0) return E_CRYPTO_PARAM;
  if (boardDoes(type, id)) return adopt(k, type, id, cp.key_import(type, p, n, id));
  memory.copy(k.priv, p, 32);
  k.type = type; k.id = 0;
  return OK;
}

/** Open the board's persistent key `id` (of the given type) into k. Returns OK, E_STORE_NOT_FOUND (no such key,
 *  or a board that keeps none), E_STORE_CORRUPT, E_LIMIT. */
export function keyOpen(k: Key, type: i32, id: u32): i32 {
  keyClose(k);
  if (id == 0 || !boardDoes(type, id)) return E_STORE_NOT_FOUND;
  return adopt(k, type, id, cp.key_open(id));
}

/** The public key into out (cap bytes): P-256 65 bytes (0x04 || x || y), Ed25519 and X25519 32 bytes.
 *  Returns the length, E_USAGE (no key), E_BUFFER_TOO_SMALL or a board status. */
export function keyPublic(k: Key, out: usize, cap: i32): i32 {
  if (k.type == 0) return E_USAGE;
  if (k.handle > 0) return cp.key_public(k.handle, out, cap);
  return softCrypto()!.keyPublic(k.type, k.priv, out, cap);
}

/** ECDH with a DH key (types 3, 4): the shared 32 bytes into out32. P-256 peers: 32-byte x, 33 or 65 bytes;
 *  X25519 peers: 32 bytes. Returns OK, E_CRYPTO_POINT, E_CRYPTO_KEY or E_USAGE (not a DH key). */
export function keyEcdh(k: Key, peer: usize, peerLen: i32, out32: usize): i32 {
  if (k.type != T_P256_DH && k.type != T_X25519_DH) return E_USAGE;
  const n = k.handle > 0 ? cp.ecdh(k.handle, peer, peerLen, out32) : softCrypto()!.ecdh(k.type, k.priv, peer, peerLen, out32);
  return n < 0 ? n : OK;
}

/** Sign with a signature key: ES256 (type 1) over a 32-byte digest, EdDSA (type 2) over the message; 64 bytes
 *  into sig. Returns OK, E_CRYPTO_PARAM (digest length), E_CRYPTO_KEY or E_USAGE (not a signature key). */
export function keySign(k: Key, data: usize, len: i32, sig: usize): i32 {
  if (k.type != T_P256_ECDSA && k.type != T_ED25519) return E_USAGE;
  if (k.type == T_P256_ECDSA && len != 32) return E_CRYPTO_PARAM;
  const n = k.handle > 0 ? cp.sign(k.handle, data, len, sig) : softCrypto()!.sign(k.type, k.priv, data, len, sig);
  return n < 0 ? n : OK;
}

/** Forget k: the board's handle is closed (a persistent key stays stored), the module's bytes are wiped. */
export function keyClose(k: Key): void {
  if (k.handle > 0) { cp.key_close(k.handle); forget(k.handle); }
  else wipe(k.priv, 32);
  k.handle = 0; k.type = 0; k.id = 0;
}

/** Forget k and erase it where the board keeps it. Returns OK or a board status. */
export function keyDestroy(k: Key): i32 {
  let st = OK;
  if (k.handle > 0) { st = cp.key_destroy(k.handle); forget(k.handle); k.handle = 0; }
  keyClose(k);
  return st;
}

const scratch = new Key();

/** Erase the board's persistent key `id` if there is one (OK when there is none). */
export function keyErase(type: i32, id: u32): i32 {
  const st = keyOpen(scratch, type, id);
  if (st == E_STORE_NOT_FOUND) return OK;
  if (st != OK) return st;
  return keyDestroy(scratch);
}
