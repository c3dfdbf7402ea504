// The module's cryptography, behind one narrow interface: protocol code (EDHOC, OSCORE, EST) imports only
// this file, never the algorithm files. Each operation goes to the board's crypto provider when the board
// offers it (the "crypto" import module, crypto/provider.ts, its capability mask read once) and to the
// module's own AssemblyScript provider otherwise, so one source serves every board:
//   - the portable build (build/client.wasm, entry app/device-portable.ts) installs the module's own provider
//     (crypto/soft.ts: the algorithm files of this folder) and chooses per operation at run time;
//   - the native-crypto build (build/client-native.wasm, entry app/device.ts) does not import it, so none of
//     the AssemblyScript algorithms, their tables or their scratch buffers are in that module; cryptoStart()
//     refuses a board whose mask lacks what it then needs.
// The module's own provider has the provider's shape (SoftCrypto below: hash operations by handle, keys as
// bytes the caller keeps); private keys are objects of crypto/key.ts either way.
//
// Conventions: (pointer, length) arguments into linear memory, fixed-size outputs written to caller-owned
// buffers, statuses from base/errors.ts. Secrets are handled in constant time and the primitives wipe their
// own intermediates; callers wipe the keys they own.
//
// Deliberately not here: the algorithms (the other files of this folder), policy about which key serves what.

import * as cp from "./provider";
import {
  CAP_RANDOM, CAP_SHA256, CAP_HMAC_HKDF, CAP_AES_CCM, CAP_P256, CAP_ED25519, CAP_PERSISTENT_KEYS,
} from "./provider";
import { OK, E_CRYPTO_PARAM, E_CRYPTO_SIGNATURE, E_CRYPTO_POINT, E_UNSUPPORTED, E_USAGE } from "../base/errors";
import { failWith } from "../base/diag";
import { M_CRYPTO_CAPS } from "../base/msg";
import { wipe } from "./ct";

export { ctEqual, wipe } from "./ct";
export { CAP_ED25519, CAP_X25519 } from "./provider";
export {
  Key, keyGenerate, keyImport, keyOpen, keyPublic, keyEcdh, keySign, keyClose, keyDestroy, keyOnBoard,
  keyPrivate, keysCloseAll, keyErase,
} from "./key";

export const SHA256_SIZE: i32 = 32;
export const HMAC_SHA256_SIZE: i32 = 32;

// ---- The module's own provider ------------------------------------------------------------------------------

/** The shape of the module's own crypto provider (crypto/soft.ts overrides every method). Each method is the
 *  board import of the same name, with keys passed as their 32 bytes; the base class answers E_UNSUPPORTED. */
export class SoftCrypto {
  random(out: usize, n: i32): i32 { return E_UNSUPPORTED; }
  sha256(p: usize, n: i32, out: usize): void {}
  /** A hash operation handle (> 0) or E_LIMIT; update/finish/abort as the board's. */
  shaBegin(): i32 { return E_UNSUPPORTED; }
  shaUpdate(op: i32, p: usize, n: i32): void {}
  shaFinish(op: i32, out: usize): i32 { return E_UNSUPPORTED; }
  shaAbort(op: i32): void {}
  hmac(key: usize, keyLen: i32, msg: usize, msgLen: i32, out: usize): void {}
  hkdfExpand(prk: usize, prkLen: i32, info: usize, infoLen: i32, out: usize, outLen: i32): i32 { return E_UNSUPPORTED; }
  ccmSeal(key: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, pt: usize, ptLen: i32, tagLen: i32, out: usize): i32 { return E_UNSUPPORTED; }
  ccmOpen(key: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, ct: usize, ctLen: i32, tagLen: i32, out: usize): i32 { return E_UNSUPPORTED; }
  p256Verify(pub: usize, pubLen: i32, digest: usize, sig: usize): i32 { return E_UNSUPPORTED; }
  ed25519Verify(pub: usize, msg: usize, msgLen: i32, sig: usize): i32 { return E_UNSUPPORTED; }
  /** A new private key of `type` (32 bytes) into priv. */
  keyGenerate(type: i32, priv: usize): i32 { return E_UNSUPPORTED; }
  /** The public key of priv into out (cap bytes): its length or a status. */
  keyPublic(type: i32, priv: usize, out: usize, cap: i32): i32 { return E_UNSUPPORTED; }
  ecdh(type: i32, priv: usize, peer: usize, peerLen: i32, out: usize): i32 { return E_UNSUPPORTED; }
  sign(type: i32, priv: usize, data: usize, len: i32, sig: usize): i32 { return E_UNSUPPORTED; }
  p256Decompress(pub33: usize, out65: usize): i32 { return E_UNSUPPORTED; }
}

let soft: SoftCrypto | null = null;

/** Install the module's own provider (crypto/soft.ts does, when an entry imports it). */
export function installSoftCrypto(s: SoftCrypto): void { soft = s; }

/** The module's own provider, or null in the native-crypto build. */
export function softCrypto(): SoftCrypto | null { return soft; }

// ---- The board's capabilities ------------------------------------------------------------------------------

/** What a module without its own provider (the native-crypto build) cannot do without. */
export const NATIVE_REQUIRED: u32 = CAP_RANDOM | CAP_SHA256 | CAP_HMAC_HKDF | CAP_AES_CCM | CAP_P256 | CAP_PERSISTENT_KEYS;

/** What a module without its own provider cannot start a command without. A module whose commands use no
 *  cryptography (the ABI probe) sets it to 0. */
let boardNeeds: u32 = NATIVE_REQUIRED;
export function cryptoNeeds(caps: u32): void { boardNeeds = caps; }

let capsRead: i32 = -1;

/** The board's CAP_* mask (read from the provider once). */
export function cryptoCaps(): u32 {
  if (capsRead < 0) capsRead = cp.caps() & 0xff;
  return <u32>capsRead;
}

/** Whether the operation behind `cap` goes to the board: it offers it, or the module has nothing else. */
function onBoard(cap: u32): bool { return soft == null || (cryptoCaps() & cap) != 0; }

/** Whether an operation behind `cap` can run at all: the board does it, or the module's own provider. */
export function cryptoCan(cap: u32): bool { return soft != null || (cryptoCaps() & cap) != 0; }

/** Called when a command starts: a module without its own provider refuses a board without the operations it
 *  needs (E_UNSUPPORTED, with the board's mask and the missing bits in the event). */
export function cryptoStart(): i32 {
  if (soft == null) {
    const missing = boardNeeds & ~cryptoCaps();
    if (missing != 0) return failWith(E_UNSUPPORTED, M_CRYPTO_CAPS).int(<i64>cryptoCaps()).int(<i64>missing).ret();
  }
  return OK;
}

// ---- Hashes, MACs, key derivation (FIPS 180-4, RFC 2104, RFC 5869) --------------------------------------------

/** SHA-256 of n bytes at p into out (32 bytes). */
export function sha256(p: usize, n: i32, out: usize): void {
  if (onBoard(CAP_SHA256)) cp.sha256(p, n, out); else soft!.sha256(p, n, out);
}

/** Incremental SHA-256: reset(), update()..., finish(). Each message is an operation handle of the board's
 *  provider or of the module's; reset() abandons an unfinished one, so an instance never holds more than one
 *  (a provider has few). */
export class Sha256 {
  private op: i32 = 0;
  private board: bool = false;

  /** Start a new message. */
  reset(): void {
    this.abandon();
    this.board = onBoard(CAP_SHA256);
    this.op = this.board ? cp.sha256_begin() : soft!.shaBegin(); // a failure (< 0) is reported by finish()
  }

  /** Absorb n bytes at p. */
  update(p: usize, n: i32): void {
    if (this.op <= 0) return;
    if (!this.board) { soft!.shaUpdate(this.op, p, n); return; }
    if (cp.sha256_update(this.op, p, n) != OK) { cp.sha256_abort(this.op); this.op = E_CRYPTO_PARAM; }
  }

  /** The 32-byte digest into out. OK, or the provider's status (out zeroed) when its operation failed. */
  finish(out: usize): i32 {
    const op = this.op;
    this.op = 0;
    let st = op < 0 ? op : E_USAGE;
    if (op > 0) st = this.board ? cp.sha256_finish(op, out) : soft!.shaFinish(op, out);
    if (st != OK) memory.fill(out, 0, 32);
    return st;
  }

  private abandon(): void {
    if (this.op > 0) { if (this.board) cp.sha256_abort(this.op); else soft!.shaAbort(this.op); }
    this.op = 0;
  }
}

/** HMAC-SHA-256 of msgLen bytes at msg under keyLen bytes of key; 32 bytes to out (out may alias msg). */
export function hmacSha256(key: usize, keyLen: i32, msg: usize, msgLen: i32, out: usize): void {
  if (onBoard(CAP_HMAC_HKDF)) cp.hmac_sha256(key, keyLen, msg, msgLen, out); else soft!.hmac(key, keyLen, msg, msgLen, out);
}

/** Streaming HMAC-SHA-256 (RFC 2104) over the incremental SHA-256 above: init(), update()..., finish(). */
export class HmacSha256 {
  private inner: Sha256 = new Sha256();
  private outer: Sha256 = new Sha256();
  private pad: usize = heap.alloc(64);

  /** Start a MAC under keyLen bytes of key (a longer key than the 64-byte block is hashed first). */
  init(key: usize, keyLen: i32): void {
    const pad = this.pad;
    memory.fill(pad, 0, 64);
    if (keyLen > 64) sha256(key, keyLen, pad); else memory.copy(pad, key, <usize>keyLen);
    for (let i = 0; i < 64; i++) store<u8>(pad + <usize>i, load<u8>(pad + <usize>i) ^ 0x36);
    this.inner.reset(); this.inner.update(pad, 64);
    for (let i = 0; i < 64; i++) store<u8>(pad + <usize>i, load<u8>(pad + <usize>i) ^ (0x36 ^ 0x5c));
    this.outer.reset(); this.outer.update(pad, 64);
    wipe(pad, 64);
  }

  update(p: usize, n: i32): void { this.inner.update(p, n); }

  /** The 32-byte MAC into out. OK or a provider status (out zeroed). */
  finish(out: usize): i32 {
    let st = this.inner.finish(out);
    this.outer.update(out, 32);
    const st2 = this.outer.finish(out);
    if (st == OK) st = st2;
    if (st != OK) memory.fill(out, 0, 32);
    return st;
  }
}

/** PRK = HMAC-SHA-256(salt, IKM) into prkOut (32 bytes); an empty salt acts as 32 zero bytes. */
export function hkdfExtract(salt: usize, saltLen: i32, ikm: usize, ikmLen: i32, prkOut: usize): void {
  hmacSha256(salt, saltLen, ikm, ikmLen, prkOut);
}

/** HKDF-Expand (RFC 5869 §2.3) from a 32-byte PRK: outLen bytes (at most 8160) into out, which must not
 *  overlap info or prk. Returns OK or E_CRYPTO_PARAM. */
export function hkdfExpand(prk: usize, prkLen: i32, info: usize, infoLen: i32, out: usize, outLen: i32): i32 {
  const st = onBoard(CAP_HMAC_HKDF) ? cp.hkdf_expand_sha256(prk, prkLen, info, infoLen, out, outLen)
                                    : soft!.hkdfExpand(prk, prkLen, info, infoLen, out, outLen);
  return st < 0 ? st : OK;
}

// ---- AEAD: AES-CCM (RFC 3610); COSE alg 10 = AES-CCM-16-64-128 is tag 8, nonce 13 ------------------------------

/** Encrypt ptLen bytes at pt under the 16-byte key: out receives ciphertext || tag (out may be pt). Returns OK
 *  or E_CRYPTO_PARAM. */
export function aesCcmSeal(key: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, pt: usize, ptLen: i32,
                           tagLen: i32, out: usize): i32 {
  const n = onBoard(CAP_AES_CCM) ? cp.aes_ccm_seal(key, nonce, nonceLen, aad, aadLen, pt, ptLen, out, tagLen)
                                 : soft!.ccmSeal(key, nonce, nonceLen, aad, aadLen, pt, ptLen, tagLen, out);
  return n < 0 ? n : OK;
}

/** Decrypt and verify ctLen bytes (ciphertext || tag) into out (out may be ct): the plaintext length,
 *  E_CRYPTO_AUTH (out zeroed) or E_CRYPTO_PARAM. */
export function aesCcmOpen(key: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, ct: usize, ctLen: i32,
                           tagLen: i32, out: usize): i32 {
  if (onBoard(CAP_AES_CCM)) return cp.aes_ccm_open(key, nonce, nonceLen, aad, aadLen, ct, ctLen, out, tagLen);
  return soft!.ccmOpen(key, nonce, nonceLen, aad, aadLen, ct, ctLen, tagLen, out);
}

// ---- Signatures with public keys -----------------------------------------------------------------------------

/** ES256 verification of a 64-byte r || s over a 32-byte digest with a P-256 public key (65, 33 or 32 bytes).
 *  OK or E_CRYPTO_SIGNATURE (an invalid key counts as a bad signature). */
export function p256VerifyDigest(pub: usize, pubLen: i32, digest32: usize, sig64: usize): i32 {
  const st = onBoard(CAP_P256) ? cp.verify(1, pub, pubLen, digest32, 32, sig64, 64) : soft!.p256Verify(pub, pubLen, digest32, sig64);
  return st == E_CRYPTO_POINT ? E_CRYPTO_SIGNATURE : st;
}

/** Ed25519 verification (RFC 8032) of a 64-byte signature over msgLen bytes with a 32-byte key. OK,
 *  E_CRYPTO_SIGNATURE, or E_UNSUPPORTED (a board without Ed25519 and no provider of the module's own). */
export function ed25519Verify(pub: usize, msg: usize, msgLen: i32, sig: usize): i32 {
  const st = onBoard(CAP_ED25519) ? cp.verify(2, pub, 32, msg, msgLen, sig, 64) : soft!.ed25519Verify(pub, msg, msgLen, sig);
  return st == E_CRYPTO_POINT ? E_CRYPTO_SIGNATURE : st;
}

/** A compressed P-256 point (33 bytes) as 65 bytes 04 || x || y. OK, E_CRYPTO_POINT, or E_UNSUPPORTED in a
 *  module without its own provider (the board's provider has no point decompression). */
export function p256Decompress(pub33: usize, out65: usize): i32 {
  return soft == null ? E_UNSUPPORTED : soft!.p256Decompress(pub33, out65);
}

// ---- Random numbers -----------------------------------------------------------------------------------------

/** n random bytes into out: the board's generator when it has one, else the module's HMAC-DRBG (NIST SP
 *  800-90A, seeded from the board on first use). OK or E_RNG. */
export function randomBytes(out: usize, n: i32): i32 {
  return onBoard(CAP_RANDOM) ? cp.random(out, n) : soft!.random(out, n);
}

// ---- For crypto/key.ts ----------------------------------------------------------------------------------------

/** Whether a key of the algorithm behind `cap` goes to the board: the board does the algorithm (and keeps keys
 *  under ids, when `persistent`), or the module has no provider of its own (the board then answers). */
export function boardDoesKey(cap: u32, persistent: bool): bool {
  if (soft == null) return true;
  const c = cryptoCaps();
  return cap != 0 && (c & cap) != 0 && (!persistent || (c & CAP_PERSISTENT_KEYS) != 0);
}
