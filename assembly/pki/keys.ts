// The kinds of key the device enrolls and authenticates with, and the key pair it makes for an enrollment.
//
// Deliberately not here: what a key proves (pki/csr.ts), storing keys (est/).

import { OK } from "../base/errors";
import { Key, keyGenerate, keyPublic, keyClose } from "../crypto/index";

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

/** A private key (a crypto/key.ts Key: a board handle where the board does the curve) and its public key.
 *  Create at module level (each instance allocates its buffers once). */
export class KeyPair {
  kind: i32 = KEY_P256_ECDSA;
  key: Key = new Key();
  /** The public key: 65-byte uncompressed point (P-256) or 32 bytes. */
  pub: usize = heap.alloc(65);
  pubLen: i32 = 0;

  /** Forget the private key (close its handle or wipe its bytes; a persistent board key stays stored). */
  wipe(): void { keyClose(this.key); this.pubLen = 0; }
}

/** Make a new key of k.kind and its public key: kept by the board under id when id > 0 and the board keeps
 *  keys (k.key.id tells), else volatile. Returns OK or a status of crypto/key.ts. */
export function keyPairGenerate(k: KeyPair, id: u32): i32 {
  const st = keyGenerate(k.key, k.kind, id);
  if (st != OK) return st;
  return keyPairPublic(k);
}

/** Compute k.pub from k.key. */
export function keyPairPublic(k: KeyPair): i32 {
  const n = keyPublic(k.key, k.pub, 65);
  if (n < 0) return n;
  k.pubLen = n;
  return OK;
}
