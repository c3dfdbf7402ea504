// The kinds of key the device enrolls and authenticates with, and the key pair it makes for an enrollment.
//
// Deliberately not here: what a key proves (pki/csr.ts), storing keys (est/).

import { OK, E_USAGE } from "../base/errors";
import { p256PublicKey, p256KeyFromSeed, ed25519PublicKey, x25519Base, randomBytes, wipe } from "../crypto/index";

/** Kinds of key (also the key types of the board's crypto import). */
export const KEY_P256_ECDSA: i32 = 1; // P-256, signing with ES256 (x509.ts names any P-256 key this way)
export const KEY_ED25519: i32 = 2;    // Ed25519 signature
export const KEY_P256_DH: i32 = 3;    // static P-256 DH key, proof of possession by MAC
export const KEY_X25519_DH: i32 = 4;  // static X25519 key, proof of possession by MAC

/** Whether a kind is a static Diffie-Hellman key (proof of possession by MAC). */
export function keyIsDh(kind: i32): bool { return kind == KEY_P256_DH || kind == KEY_X25519_DH; }

/** The kind for a curve (EDHOC suite 0: the 25519 curves, else P-256) and a proof of possession. */
export function keyKindFor(suite: i32, dh: bool): i32 {
  return suite == 0 ? (dh ? KEY_X25519_DH : KEY_ED25519) : (dh ? KEY_P256_DH : KEY_P256_ECDSA);
}

/** A private key and its public key. Create at module level (each instance allocates its buffers once). */
export class KeyPair {
  kind: i32 = KEY_P256_ECDSA;
  /** The private key (32 bytes): P-256 scalar, Ed25519 seed or X25519 scalar. */
  priv: usize = heap.alloc(32);
  /** The public key: 65-byte uncompressed point (P-256) or 32 bytes. */
  pub: usize = heap.alloc(65);
  pubLen: i32 = 0;

  wipe(): void { wipe(this.priv, 32); this.pubLen = 0; }
}

const seed = memory.data(48, 8);

/** Make a new key of k.kind and its public key. */
export function keyGenerate(k: KeyPair): i32 {
  if (k.kind == KEY_P256_ECDSA || k.kind == KEY_P256_DH) {
    const st = randomBytes(seed, 48);
    if (st != OK) return st;
    p256KeyFromSeed(seed, k.priv);
    wipe(seed, 48);
  } else {
    const st = randomBytes(k.priv, 32);
    if (st != OK) return st;
  }
  return keyPublic(k);
}

/** Compute k.pub from k.priv. */
export function keyPublic(k: KeyPair): i32 {
  if (k.kind == KEY_P256_ECDSA || k.kind == KEY_P256_DH) {
    const st = p256PublicKey(k.priv, k.pub);
    if (st != OK) return st;
    k.pubLen = 65;
  } else if (k.kind == KEY_ED25519) {
    ed25519PublicKey(k.priv, k.pub);
    k.pubLen = 32;
  } else if (k.kind == KEY_X25519_DH) {
    const st = x25519Base(k.priv, k.pub);
    if (st != OK) return st;
    k.pubLen = 32;
  } else return E_USAGE;
  return OK;
}
