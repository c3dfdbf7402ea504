// The "crypto" import module of the board ABI, from the module's side: what a board's native crypto provider
// offers (mbedTLS's PSA Crypto API in est-sim and on the Cortex-M boards, node:crypto under the Node host),
// shaped after PSA: keys stay on the board's side, named by small integer handles; a private key crosses the
// boundary only into key_import.
//
// This file, host/include/est_crypto.h (C) and host/node/abi.ts (Node) describe the same contract;
// test/abi-sync.test.ts keeps them equal. Every import is optional for a board only in what it does: all are
// linked, and caps() tells which ones work (the others answer E_UNSUPPORTED). The module reads caps() once
// and uses its own AssemblyScript crypto (assembly/crypto/) for whatever the mask lacks.
//
// Rules, as for module "board" (assembly/base/abi.ts): pointers are offsets into linear memory, checked by the host
// (E_BAD_POINTER); statuses are the codes of assembly/base/errors.ts; lengths and handles are returned as i32 >= 0.
// A handle that is not open (closed, destroyed, never opened, another kind) gives E_CRYPTO_KEY (keys) or
// E_CRYPTO_PARAM (hash operations), never a crash.
//
// Deliberately not here: the dispatch between native and portable crypto (the crypto layer's business), key
// derivation into key objects, algorithms the protocol does not use.

// ---- Capabilities: bits of caps() ---------------------------------------------------------------------------
export const CAP_RANDOM: u32 = 1;
export const CAP_SHA256: u32 = 2;
export const CAP_HMAC_HKDF: u32 = 4;
export const CAP_AES_CCM: u32 = 8;
/** Key types 1 and 3: P-256 keys, ECDH and ES256 sign/verify. */
export const CAP_P256: u32 = 16;
export const CAP_X25519: u32 = 32;
export const CAP_ED25519: u32 = 64;
/** key_generate/key_import with an id, key_open, key_destroy of a stored key. */
export const CAP_PERSISTENT_KEYS: u32 = 128;

// ---- Key types (equal to the KEY_* kinds of assembly/pki/keys.ts) ----------------------------------------------
export const KEY_TYPE_P256_ECDSA: i32 = 1;
export const KEY_TYPE_ED25519: i32 = 2;
export const KEY_TYPE_P256_DH: i32 = 3;
export const KEY_TYPE_X25519_DH: i32 = 4;

// ---- Limits and the key records ---------------------------------------------------------------------------
/** Key handles open at once; one more: E_LIMIT. */
export const CRYPTO_MAX_KEYS: i32 = 8;
/** Incremental SHA-256 operations open at once; one more: E_LIMIT. */
export const CRYPTO_MAX_HASH_OPS: i32 = 4;
/** Persistent key ids are 1..CRYPTO_KEY_MAX_ID. */
export const CRYPTO_KEY_MAX_ID: u32 = 0xffff;
/** The board keeps persistent key N in its store under record KEY_RECORD_BASE + N: above STORE_MAX_ID, so
 *  store_read/store_write refuse it to the module. */
export const KEY_RECORD_BASE: u32 = 0x00010000;

// ---- Imports: module "crypto" ---------------------------------------------------------------------------------

/** CAP_* bits of what this board provides. */
@external("crypto", "caps")
export declare function caps(): i32;

/** len random bytes from the board's random generator. Returns 0, E_RNG or E_BAD_POINTER. */
@external("crypto", "random")
export declare function random(out: usize, len: i32): i32;

/** SHA-256 of data into out (32 bytes). Returns 0 or E_BAD_POINTER. */
@external("crypto", "sha256")
export declare function sha256(data: usize, len: i32, out32: usize): i32;

/** Start an incremental SHA-256: an operation handle > 0, or E_LIMIT (at least 2 may be open). */
@external("crypto", "sha256_begin")
export declare function sha256_begin(): i32;

/** Feed data to operation op. Returns 0, E_CRYPTO_PARAM (op not open) or E_BAD_POINTER. */
@external("crypto", "sha256_update")
export declare function sha256_update(op: i32, data: usize, len: i32): i32;

/** Write the digest (32 bytes) and free op. Returns 0, E_CRYPTO_PARAM or E_BAD_POINTER. */
@external("crypto", "sha256_finish")
export declare function sha256_finish(op: i32, out32: usize): i32;

/** Free op without a digest. Returns 0 or E_CRYPTO_PARAM. */
@external("crypto", "sha256_abort")
export declare function sha256_abort(op: i32): i32;

/** HMAC-SHA-256 (RFC 2104) with any key length into out (32 bytes). Returns 0 or E_BAD_POINTER. */
@external("crypto", "hmac_sha256")
export declare function hmac_sha256(key: usize, key_len: i32, data: usize, len: i32, out32: usize): i32;

/** HKDF-SHA-256 extract and expand (RFC 5869): out_len bytes, at most 8160 (E_CRYPTO_PARAM otherwise). */
@external("crypto", "hkdf_sha256")
export declare function hkdf_sha256(salt: usize, salt_len: i32, ikm: usize, ikm_len: i32, info: usize, info_len: i32, out: usize, out_len: i32): i32;

/** HKDF-Expand (RFC 5869) from a 32-byte PRK (another length: E_CRYPTO_PARAM). */
@external("crypto", "hkdf_expand_sha256")
export declare function hkdf_expand_sha256(prk: usize, prk_len: i32, info: usize, info_len: i32, out: usize, out_len: i32): i32;

/** AES-128-CCM encryption (RFC 3610; COSE alg 10: nonce_len 13, tag_len 8). out receives ciphertext || tag
 *  (pt_len + tag_len bytes; out may equal pt). Returns that length, E_CRYPTO_PARAM (nonce_len not 7..13,
 *  tag_len not 4, 6, ..., 16) or E_BAD_POINTER. */
@external("crypto", "aes_ccm_seal")
export declare function aes_ccm_seal(key16: usize, nonce: usize, nonce_len: i32, aad: usize, aad_len: i32, pt: usize, pt_len: i32, out: usize, tag_len: i32): i32;

/** AES-128-CCM decryption of ct = ciphertext || tag into out (ct_len - tag_len bytes; out may equal ct).
 *  Returns the plaintext length, E_CRYPTO_AUTH (wrong tag or ct shorter than the tag; out zeroed),
 *  E_CRYPTO_PARAM or E_BAD_POINTER. */
@external("crypto", "aes_ccm_open")
export declare function aes_ccm_open(key16: usize, nonce: usize, nonce_len: i32, aad: usize, aad_len: i32, ct: usize, ct_len: i32, out: usize, tag_len: i32): i32;

/** A new key of type KEY_TYPE_*: a handle > 0, or E_UNSUPPORTED, E_CRYPTO_PARAM (type), E_LIMIT (handles),
 *  E_STORE_ID (id > CRYPTO_KEY_MAX_ID) or a store error. id 0: volatile; id > 0: kept by the board under that
 *  id, replacing an existing key of that id atomically. */
@external("crypto", "key_generate")
export declare function key_generate(type: i32, id: u32): i32;

/** Import a private key (32 bytes: P-256 scalar big-endian, X25519 scalar, Ed25519 seed): a handle, or
 *  E_CRYPTO_PARAM (length, type), E_CRYPTO_KEY (an invalid scalar), E_LIMIT, E_STORE_ID or a store error. */
@external("crypto", "key_import")
export declare function key_import(type: i32, ptr: usize, len: i32, id: u32): i32;

/** Open the persistent key id: a handle, or E_STORE_NOT_FOUND, E_STORE_CORRUPT, E_STORE_ID, E_LIMIT. */
@external("crypto", "key_open")
export declare function key_open(id: u32): i32;

/** The public key into out: P-256 65 bytes (0x04 || x || y), X25519 and Ed25519 32 bytes. Returns the
 *  length, E_BUFFER_TOO_SMALL (nothing written), E_CRYPTO_KEY or E_BAD_POINTER. */
@external("crypto", "key_public")
export declare function key_public(handle: i32, out: usize, cap: i32): i32;

/** Free the handle; a persistent key stays stored. Returns 0 or E_CRYPTO_KEY. */
@external("crypto", "key_close")
export declare function key_close(handle: i32): i32;

/** Free the handle and erase a persistent key from the store. Returns 0, E_CRYPTO_KEY or a store error. */
@external("crypto", "key_destroy")
export declare function key_destroy(handle: i32): i32;

/** ECDH: the shared x-coordinate (P-256, key type 3) or u-coordinate (X25519, key type 4) into out (32
 *  bytes). P-256 peers: 32-byte x (EDHOC's compact form), 33-byte compressed or 65-byte uncompressed points.
 *  Returns 32, E_CRYPTO_POINT (invalid point, all-zero X25519 result), E_CRYPTO_KEY or E_BAD_POINTER. */
@external("crypto", "ecdh")
export declare function ecdh(handle: i32, peer: usize, peer_len: i32, out32: usize): i32;

/** Sign: ES256 (key type 1) over a 32-byte SHA-256 digest, or EdDSA (key type 2) over the message. sig_out
 *  receives 64 bytes (r || s). Returns 64, E_CRYPTO_PARAM (digest length), E_CRYPTO_KEY or E_BAD_POINTER. */
@external("crypto", "sign")
export declare function sign(handle: i32, data: usize, len: i32, sig_out: usize): i32;

/** Verify a signature with a raw public key (type 1: 65 or 33 bytes and a 32-byte digest; type 2: 32 bytes
 *  and the message). Returns 0, E_CRYPTO_SIGNATURE, E_CRYPTO_POINT, E_CRYPTO_PARAM, E_UNSUPPORTED or
 *  E_BAD_POINTER. */
@external("crypto", "verify")
export declare function verify(type: i32, pub: usize, pub_len: i32, data: usize, len: i32, sig: usize, sig_len: i32): i32;
