/*
 * est_crypto.h - the "crypto" import module of the board ABI, as seen from C: the imports a module may use,
 * and the provider functions a board links to serve them.
 *
 * Shaped after the PSA Crypto API: keys live on the board's side and are named by small integer handles;
 * private keys never cross the boundary except into key_import. The module asks caps() at load which
 * operations the board provides and uses its own AssemblyScript code for the rest. assembly/crypto/provider.ts
 * and host/node/abi.ts describe the same contract; test/abi-sync.test.ts keeps the three equal.
 *
 * Rules of the boundary (as for module "board", est_abi.h):
 *  - Integers and (pointer, length) pairs into linear memory; pointers are byte offsets (u32).
 *  - The host (host/est_crypto_imports.c, host/node/crypto-provider.ts) checks every range against linear
 *    memory before the provider sees it and returns EST_E_BAD_POINTER instead of trapping. Output sizes that
 *    follow from other arguments (the 32 bytes of a digest, pt_len + tag_len of a sealed message) are checked
 *    the same way, so a provider function may write them without further checks.
 *  - Statuses are the EST_E_* codes of est_abi.h; functions that return a length or a handle return it >= 0.
 *  - A handle that is not open (never was, closed, destroyed, or from another kind) gives EST_E_CRYPTO_KEY
 *    (keys) or EST_E_CRYPTO_PARAM (hash operations), never a crash. Handles carry a generation count, so a
 *    stale handle stays invalid after its slot is reused.
 *
 * Deliberately not here: key derivation into key objects, algorithms the protocol does not use, asynchronous
 * operations, access to the key store records of persistent keys (the module's store imports refuse their ids).
 */
#ifndef EST_CRYPTO_H
#define EST_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define EST_CRYPTO_IMPORT_MODULE "crypto"

/* ---- Capabilities: the bits of caps() -------------------------------------------------------------------- */
#define EST_CRYPTO_CAP_RANDOM 1u          /* random */
#define EST_CRYPTO_CAP_SHA256 2u          /* sha256, sha256_begin/update/finish/abort */
#define EST_CRYPTO_CAP_HMAC_HKDF 4u       /* hmac_sha256, hkdf_sha256, hkdf_expand_sha256 */
#define EST_CRYPTO_CAP_AES_CCM 8u         /* aes_ccm_seal, aes_ccm_open */
#define EST_CRYPTO_CAP_P256 16u           /* key types 1 and 3, ecdh, sign and verify with ES256 */
#define EST_CRYPTO_CAP_X25519 32u         /* key type 4, ecdh */
#define EST_CRYPTO_CAP_ED25519 64u        /* key type 2, sign and verify with EdDSA */
#define EST_CRYPTO_CAP_PERSISTENT_KEYS 128u /* key_generate/key_import with an id > 0, key_open, key_destroy */

/* ---- Key types (the module's KEY_* kinds of assembly/est/csr.ts) ------------------------------------------ */
#define EST_CRYPTO_KEY_P256_ECDSA 1 /* ES256 signing key: sign, key_public */
#define EST_CRYPTO_KEY_ED25519 2    /* EdDSA signing key: sign, key_public */
#define EST_CRYPTO_KEY_P256_DH 3    /* P-256 ECDH key: ecdh, key_public */
#define EST_CRYPTO_KEY_X25519_DH 4  /* X25519 key: ecdh, key_public */

/* ---- Limits -------------------------------------------------------------------------------------------- */
#define EST_CRYPTO_MAX_KEYS 8      /* open key handles at once (more: EST_E_LIMIT) */
#define EST_CRYPTO_MAX_HASH_OPS 4  /* incremental SHA-256 operations at once (more: EST_E_LIMIT) */
#define EST_CRYPTO_KEY_MAX_ID 0xffffu /* persistent key ids 1..EST_CRYPTO_KEY_MAX_ID */

/* ---- Persistent keys in the board's key store ----------------------------------------------------------
 * Key id N lives in record EST_CRYPTO_KEY_RECORD_BASE + N, above the ids the module's store imports accept
 * (EST_STORE_MAX_ID), so the module can never read it. The record (EST_CRYPTO_KEY_RECORD_LEN bytes):
 *   u8 format (EST_CRYPTO_KEY_RECORD_FORMAT) | u8 key type | u16 0 | 32-byte private key
 * (P-256: the scalar, big-endian; X25519: the scalar as RFC 7748 encodes it; Ed25519: the RFC 8032 seed).
 * Both hosts write and read this format, so one key-store file serves est-sim and the Node host. On the
 * posix board the file is a software secure element: the key is outside the module, not outside the file.
 * Every board's store accepts record ids up to EST_STORE_BOARD_MAX_ID. */
#define EST_CRYPTO_KEY_RECORD_BASE 0x00010000u
#define EST_STORE_BOARD_MAX_ID (EST_CRYPTO_KEY_RECORD_BASE + EST_CRYPTO_KEY_MAX_ID)
#define EST_CRYPTO_KEY_RECORD_FORMAT 1
#define EST_CRYPTO_KEY_RECORD_LEN 36

/* ---- Imports: module "crypto" ---------------------------------------------------------------------------
 * X(name, wasm3 signature). All arguments are i32; pointers are offsets into linear memory.
 *
 * caps() -> mask                     EST_CRYPTO_CAP_* bits of what this board provides.
 * random(out, len) -> status         len random bytes. EST_E_RNG when the entropy source fails.
 * sha256(data, len, out32) -> status
 * sha256_begin() -> op | EST_E_LIMIT op > 0; at least 2 operations may be open at once.
 * sha256_update(op, data, len) -> status
 * sha256_finish(op, out32) -> status (frees op)
 * sha256_abort(op) -> status         (frees op)
 * hmac_sha256(key, key_len, data, len, out32) -> status      any key length, empty included
 * hkdf_sha256(salt, salt_len, ikm, ikm_len, info, info_len, out, out_len) -> status
 *                                    RFC 5869 extract then expand; out_len <= 8160 (255 * 32), else E_CRYPTO_PARAM
 * hkdf_expand_sha256(prk, prk_len, info, info_len, out, out_len) -> status
 *                                    RFC 5869 expand only; prk_len must be 32 (E_CRYPTO_PARAM otherwise)
 * aes_ccm_seal(key16, nonce, nonce_len, aad, aad_len, pt, pt_len, out, tag_len) -> pt_len + tag_len | error
 *                                    AES-128-CCM (RFC 3610): nonce_len 7..13, tag_len 4, 6, ..., 16
 *                                    (E_CRYPTO_PARAM otherwise; COSE alg 10: 13 and 8). out receives
 *                                    ciphertext || tag; out may equal pt.
 * aes_ccm_open(key16, nonce, nonce_len, aad, aad_len, ct, ct_len, out, tag_len) -> ct_len - tag_len | error
 *                                    ct holds ciphertext || tag. A wrong tag, or ct_len < tag_len, gives
 *                                    E_CRYPTO_AUTH, and the ct_len - tag_len bytes of out are zeroed (if
 *                                    any). out may equal ct.
 *   The host checks tag_len (0..16, else E_CRYPTO_PARAM) before it checks the ranges: out is
 *   pt_len + tag_len bytes (seal) or ct_len - tag_len bytes (open).
 * key_generate(type, id) -> handle | error
 *                                    A new key. id 0: volatile; id 1..EST_CRYPTO_KEY_MAX_ID: persistent,
 *                                    kept under that id, an existing key of that id replaced atomically
 *                                    (E_STORE_ID for a larger id; the store's errors pass through).
 * key_import(type, ptr, len, id) -> handle | error
 *                                    A private key given as 32 bytes (format of the key record above).
 *                                    Another length: E_CRYPTO_PARAM; an invalid P-256 scalar: E_CRYPTO_KEY.
 * key_open(id) -> handle | E_STORE_NOT_FOUND | E_STORE_CORRUPT | E_STORE_ID
 * key_public(handle, out, cap) -> length | error
 *                                    P-256: 65 bytes (0x04 || x || y); X25519, Ed25519: 32 bytes.
 *                                    E_BUFFER_TOO_SMALL when cap is smaller (nothing written).
 * key_close(handle) -> status        Frees the handle; a persistent key stays in the store.
 * key_destroy(handle) -> status      Frees the handle and erases a persistent key from the store.
 * ecdh(handle, peer, peer_len, out32) -> 32 | error
 *                                    P-256 (key type 3): the peer as 32-byte x-coordinate (EDHOC's compact
 *                                    form; either y serves), 33-byte compressed or 65-byte uncompressed point.
 *                                    X25519 (key type 4): 32 bytes. A point not on the curve, of another
 *                                    length, or an all-zero X25519 result: E_CRYPTO_POINT. out32 receives
 *                                    the shared x-coordinate / u-coordinate. Another key type: E_CRYPTO_KEY.
 * sign(handle, data, len, sig_out) -> 64 | error
 *                                    P-256 (key type 1): data is a 32-byte SHA-256 digest (E_CRYPTO_PARAM
 *                                    otherwise); sig_out receives r || s (64 bytes, randomized ECDSA).
 *                                    Ed25519 (key type 2): data is the message. Another key type: E_CRYPTO_KEY.
 * verify(type, pub, pub_len, data, len, sig, sig_len) -> status
 *                                    EST_OK, E_CRYPTO_SIGNATURE (also for sig_len != 64) or E_CRYPTO_POINT
 *                                    (a public key that is not a valid point). Type 1: pub is 65 or 33 bytes,
 *                                    data a 32-byte digest (E_CRYPTO_PARAM otherwise). Type 2: pub 32 bytes,
 *                                    data the message. Types 3 and 4: E_CRYPTO_PARAM.
 * Every function of a capability the board lacks returns EST_E_UNSUPPORTED.
 */
#define EST_CRYPTO_IMPORTS(X)                        \
  X(caps, "i()")                                     \
  X(random, "i(ii)")                                 \
  X(sha256, "i(iii)")                                \
  X(sha256_begin, "i()")                             \
  X(sha256_update, "i(iii)")                         \
  X(sha256_finish, "i(ii)")                          \
  X(sha256_abort, "i(i)")                            \
  X(hmac_sha256, "i(iiiii)")                         \
  X(hkdf_sha256, "i(iiiiiiii)")                      \
  X(hkdf_expand_sha256, "i(iiiiii)")                 \
  X(aes_ccm_seal, "i(iiiiiiiii)")                    \
  X(aes_ccm_open, "i(iiiiiiiii)")                    \
  X(key_generate, "i(ii)")                           \
  X(key_import, "i(iiii)")                           \
  X(key_open, "i(i)")                                \
  X(key_public, "i(iii)")                            \
  X(key_close, "i(i)")                               \
  X(key_destroy, "i(i)")                             \
  X(ecdh, "i(iiii)")                                 \
  X(sign, "i(iiii)")                                 \
  X(verify, "i(iiiiiii)")

/* ---- The provider: what a board links (host/crypto/psa_provider.c: mbedTLS; none_provider.c: nothing) ---
 * Same names and semantics as the imports, with plain pointers the host has already checked, lengths as
 * size_t and ids as uint32_t. Single-threaded: the host calls them from the module's thread only.
 * A provider uses the board's board_rng_fill and board_store_* (boards/board.h). */
uint32_t est_crypto_caps(void);
int32_t est_crypto_random(uint8_t *out, size_t len);
int32_t est_crypto_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
int32_t est_crypto_sha256_begin(void);
int32_t est_crypto_sha256_update(int32_t op, const uint8_t *data, size_t len);
int32_t est_crypto_sha256_finish(int32_t op, uint8_t out[32]);
int32_t est_crypto_sha256_abort(int32_t op);
int32_t est_crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len, uint8_t out[32]);
int32_t est_crypto_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                               const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);
int32_t est_crypto_hkdf_expand_sha256(const uint8_t *prk, size_t prk_len, const uint8_t *info, size_t info_len,
                                      uint8_t *out, size_t out_len);
int32_t est_crypto_aes_ccm_seal(const uint8_t key[16], const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                                size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out, size_t tag_len);
int32_t est_crypto_aes_ccm_open(const uint8_t key[16], const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                                size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out, size_t tag_len);
int32_t est_crypto_key_generate(int32_t type, uint32_t id);
int32_t est_crypto_key_import(int32_t type, const uint8_t *key, size_t len, uint32_t id);
int32_t est_crypto_key_open(uint32_t id);
int32_t est_crypto_key_public(int32_t handle, uint8_t *out, size_t cap);
int32_t est_crypto_key_close(int32_t handle);
int32_t est_crypto_key_destroy(int32_t handle);
int32_t est_crypto_ecdh(int32_t handle, const uint8_t *peer, size_t peer_len, uint8_t out[32]);
int32_t est_crypto_sign(int32_t handle, const uint8_t *data, size_t len, uint8_t sig[64]);
int32_t est_crypto_verify(int32_t type, const uint8_t *pub, size_t pub_len, const uint8_t *data, size_t len,
                          const uint8_t *sig, size_t sig_len);
/** Hide capabilities from the module: caps() answers the provider's mask ANDed with `mask` (0: the module
 *  sees a board without native crypto, as on a portable build; all bits: everything, the default). */
void est_crypto_set_caps_mask(uint32_t mask);
/** Close every handle and abort every operation (persistent keys stay in the store). The host calls it
 *  when a new module instance links the imports, so handles never outlive the module that opened them. */
void est_crypto_reset(void);

/* ---- The host glue (host/est_crypto_imports.c) ----------------------------------------------------------
 * Link the "crypto" imports of a wasm3 module (IM3Module) to the provider, with the range checks above in
 * front of each. Imports the module does not have are skipped. Returns NULL or wasm3's error text. */
const char *est_crypto_link(void *module);

#endif /* EST_CRYPTO_H */
