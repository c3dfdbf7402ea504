/*
 * psa_provider.c - the native crypto provider of host/include/est_crypto.h on mbedTLS 3.5's PSA Crypto API
 * (configuration: host/crypto/est_mbedtls_config.h; P-256 through the p256-m driver, X25519 through mbedTLS's
 * own Curve25519). Random numbers come from the board's entropy source, persistent keys live in the board's
 * key store (records EST_CRYPTO_KEY_RECORD_BASE + id), read into volatile PSA keys when opened.
 *
 * Deliberately not here: Ed25519 (mbedTLS has none: caps() leaves EST_CRYPTO_CAP_ED25519 out and the module
 * keeps its own), PSA's own key storage (it needs a file system; the board's store serves instead),
 * deterministic ECDSA (p256-m signs with a random nonce from the board's entropy source).
 */
#include <string.h>

#include "psa/crypto.h"
#include "mbedtls/platform_util.h"
#if defined(EST_AES_ENCRYPT_ONLY)
#include "mbedtls/aes.h"
#include "mbedtls/error.h"
#endif
#if !defined(EST_P256_SQRT)
#include "mbedtls/bignum.h"
#endif
#if defined(MBEDTLS_PSA_P256M_DRIVER_ENABLED)
#include "p256-m/p256-m.h"
#endif

#include "board.h"
#include "est_abi.h"
#include "est_crypto.h"

/* ---- PSA set-up and the board's entropy --------------------------------------------------------------- */

static int psa_ready;

static int32_t ready(void) {
  if (!psa_ready) {
    if (psa_crypto_init() != PSA_SUCCESS) return EST_E_INTERNAL;
    psa_ready = 1;
  }
  return EST_OK;
}

#if defined(MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG)
/* MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG: PSA takes every random byte (key generation, ECDSA nonces, blinding)
 * from here. (A platform whose PSA core has its own entropy source and DRBG, as ESP-IDF's or nRF Connect
 * SDK's, leaves the option off and this function out.) */
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context, uint8_t *output,
                                             size_t output_size, size_t *output_length) {
  (void)context;
  *output_length = 0;
  if (board_rng_fill(output, output_size) != EST_OK) return PSA_ERROR_INSUFFICIENT_ENTROPY;
  *output_length = output_size;
  return PSA_SUCCESS;
}
#endif

/* PSA status -> EST status; `invalid` is what PSA_ERROR_INVALID_ARGUMENT means for the calling function. */
static int32_t st(psa_status_t s, int32_t invalid) {
  switch (s) {
    case PSA_SUCCESS: return EST_OK;
    case PSA_ERROR_INVALID_ARGUMENT: return invalid;
    case PSA_ERROR_INVALID_SIGNATURE: return EST_E_CRYPTO_SIGNATURE;
    case PSA_ERROR_INSUFFICIENT_ENTROPY: return EST_E_RNG;
    case PSA_ERROR_NOT_SUPPORTED: return EST_E_UNSUPPORTED;
    case PSA_ERROR_INSUFFICIENT_MEMORY: return EST_E_LIMIT;
    case PSA_ERROR_BUFFER_TOO_SMALL: return EST_E_BUFFER_TOO_SMALL;
    default: return EST_E_INTERNAL;
  }
}

/* ---- Handles: slot index in the low 4 bits (plus one), a generation count above ------------------------- */

static int32_t handle_of(uint32_t slot, uint32_t gen) { return (int32_t)((gen << 4) | (slot + 1)); }
static uint32_t next_gen(uint32_t gen) { return gen >= 0x7ffffu ? 1 : gen + 1; }

uint32_t est_crypto_caps(void) {
  if (ready() != EST_OK) return 0;
  return EST_CRYPTO_CAP_RANDOM | EST_CRYPTO_CAP_SHA256 | EST_CRYPTO_CAP_HMAC_HKDF | EST_CRYPTO_CAP_AES_CCM |
         EST_CRYPTO_CAP_P256 | EST_CRYPTO_CAP_X25519 | EST_CRYPTO_CAP_PERSISTENT_KEYS;
}

int32_t est_crypto_random(uint8_t *out, size_t len) {
  int32_t rc = ready();
  if (rc != EST_OK) return rc;
  return st(psa_generate_random(out, len), EST_E_CRYPTO_PARAM);
}

/* ---- SHA-256 -------------------------------------------------------------------------------------------- */

static struct {
  psa_hash_operation_t op;
  uint32_t gen;
  uint8_t used;
} hashes[EST_CRYPTO_MAX_HASH_OPS];

int32_t est_crypto_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
  int32_t rc = ready();
  if (rc != EST_OK) return rc;
  size_t n = 0;
  return st(psa_hash_compute(PSA_ALG_SHA_256, data, len, out, 32, &n), EST_E_CRYPTO_PARAM);
}

int32_t est_crypto_sha256_begin(void) {
  int32_t rc = ready();
  if (rc != EST_OK) return rc;
  for (uint32_t i = 0; i < EST_CRYPTO_MAX_HASH_OPS; i++) {
    if (hashes[i].used) continue;
    hashes[i].op = psa_hash_operation_init();
    psa_status_t s = psa_hash_setup(&hashes[i].op, PSA_ALG_SHA_256);
    if (s != PSA_SUCCESS) return st(s, EST_E_CRYPTO_PARAM);
    hashes[i].used = 1;
    hashes[i].gen = next_gen(hashes[i].gen);
    return handle_of(i, hashes[i].gen);
  }
  return EST_E_LIMIT;
}

static psa_hash_operation_t *hash_op(int32_t op, uint32_t *slot) {
  uint32_t i = (uint32_t)(op & 15) - 1u;
  if (op <= 0 || i >= EST_CRYPTO_MAX_HASH_OPS || !hashes[i].used || hashes[i].gen != (uint32_t)op >> 4) return NULL;
  *slot = i;
  return &hashes[i].op;
}

int32_t est_crypto_sha256_update(int32_t op, const uint8_t *data, size_t len) {
  uint32_t i;
  psa_hash_operation_t *h = hash_op(op, &i);
  if (!h) return EST_E_CRYPTO_PARAM;
  return st(psa_hash_update(h, data, len), EST_E_CRYPTO_PARAM);
}

int32_t est_crypto_sha256_finish(int32_t op, uint8_t out[32]) {
  uint32_t i;
  psa_hash_operation_t *h = hash_op(op, &i);
  if (!h) return EST_E_CRYPTO_PARAM;
  size_t n = 0;
  psa_status_t s = psa_hash_finish(h, out, 32, &n);
  psa_hash_abort(h);
  hashes[i].used = 0;
  return st(s, EST_E_CRYPTO_PARAM);
}

int32_t est_crypto_sha256_abort(int32_t op) {
  uint32_t i;
  psa_hash_operation_t *h = hash_op(op, &i);
  if (!h) return EST_E_CRYPTO_PARAM;
  psa_hash_abort(h);
  hashes[i].used = 0;
  return EST_OK;
}

/* ---- HMAC and HKDF -------------------------------------------------------------------------------------- */

int32_t est_crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len, uint8_t out[32]) {
  int32_t rc = ready();
  if (rc != EST_OK) return rc;
  /* PSA refuses empty keys; HMAC pads every key shorter than the block with zeros, so one zero byte is the
   * same key as none. */
  static const uint8_t zero = 0;
  if (key_len == 0) { key = &zero; key_len = 1; }
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_HMAC);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_MESSAGE);
  psa_set_key_algorithm(&a, PSA_ALG_HMAC(PSA_ALG_SHA_256));
  psa_key_id_t k = 0;
  psa_status_t s = psa_import_key(&a, key, key_len, &k);
  if (s != PSA_SUCCESS) return st(s, EST_E_CRYPTO_PARAM);
  size_t n = 0;
  s = psa_mac_compute(k, PSA_ALG_HMAC(PSA_ALG_SHA_256), data, len, out, 32, &n);
  psa_destroy_key(k);
  return st(s, EST_E_CRYPTO_PARAM);
}

/* One HKDF derivation: salt (extract+expand only), the secret (IKM or PRK), info, then out_len bytes. */
static int32_t hkdf(psa_algorithm_t alg, const uint8_t *salt, size_t salt_len, const uint8_t *secret, size_t secret_len,
                    const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len) {
  int32_t rc = ready();
  if (rc != EST_OK) return rc;
  if (out_len > 255u * 32u) return EST_E_CRYPTO_PARAM;
  if (out_len == 0) return EST_OK;
  psa_key_derivation_operation_t op = PSA_KEY_DERIVATION_OPERATION_INIT;
  psa_status_t s = psa_key_derivation_setup(&op, alg);
  if (s == PSA_SUCCESS && alg == PSA_ALG_HKDF(PSA_ALG_SHA_256))
    s = psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SALT, salt, salt_len);
  if (s == PSA_SUCCESS) s = psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SECRET, secret, secret_len);
  if (s == PSA_SUCCESS) s = psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, info, info_len);
  if (s == PSA_SUCCESS) s = psa_key_derivation_output_bytes(&op, out, out_len);
  psa_key_derivation_abort(&op);
  if (s != PSA_SUCCESS) mbedtls_platform_zeroize(out, out_len);
  return st(s, EST_E_CRYPTO_PARAM);
}

int32_t est_crypto_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                               const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len) {
  return hkdf(PSA_ALG_HKDF(PSA_ALG_SHA_256), salt, salt_len, ikm, ikm_len, info, info_len, out, out_len);
}

int32_t est_crypto_hkdf_expand_sha256(const uint8_t *prk, size_t prk_len, const uint8_t *info, size_t info_len,
                                      uint8_t *out, size_t out_len) {
  if (prk_len != 32) return EST_E_CRYPTO_PARAM;
  return hkdf(PSA_ALG_HKDF_EXPAND(PSA_ALG_SHA_256), NULL, 0, prk, prk_len, info, info_len, out, out_len);
}

/* ---- AES-CCM -------------------------------------------------------------------------------------------- */

/* A transient AES-128 key for one CCM call with the given tag length, or 0. */
static psa_key_id_t ccm_key(const uint8_t key[16], size_t tag_len, psa_algorithm_t *alg, int32_t *rc) {
  *alg = PSA_ALG_AEAD_WITH_SHORTENED_TAG(PSA_ALG_CCM, tag_len);
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_AES);
  psa_set_key_bits(&a, 128);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT);
  psa_set_key_algorithm(&a, *alg);
  psa_key_id_t k = 0;
  *rc = st(psa_import_key(&a, key, 16, &k), EST_E_CRYPTO_PARAM);
  return *rc == EST_OK ? k : 0;
}

static int ccm_params_ok(size_t nonce_len, size_t tag_len) {
  return nonce_len >= 7 && nonce_len <= 13 && tag_len >= 4 && tag_len <= 16 && tag_len % 2 == 0;
}

int32_t est_crypto_aes_ccm_seal(const uint8_t key[16], const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                                size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out, size_t tag_len) {
  int32_t rc = ready();
  if (rc != EST_OK) return rc;
  if (!ccm_params_ok(nonce_len, tag_len)) return EST_E_CRYPTO_PARAM;
  psa_algorithm_t alg;
  psa_key_id_t k = ccm_key(key, tag_len, &alg, &rc);
  if (!k) return rc;
  size_t n = 0;
  psa_status_t s = psa_aead_encrypt(k, alg, nonce, nonce_len, aad, aad_len, pt, pt_len, out, pt_len + tag_len, &n);
  psa_destroy_key(k);
  if (s != PSA_SUCCESS) return st(s, EST_E_CRYPTO_PARAM);
  return (int32_t)n;
}

int32_t est_crypto_aes_ccm_open(const uint8_t key[16], const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                                size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out, size_t tag_len) {
  int32_t rc = ready();
  if (rc != EST_OK) return rc;
  if (!ccm_params_ok(nonce_len, tag_len)) return EST_E_CRYPTO_PARAM;
  if (ct_len < tag_len) return EST_E_CRYPTO_AUTH;
  psa_algorithm_t alg;
  psa_key_id_t k = ccm_key(key, tag_len, &alg, &rc);
  if (!k) return rc;
  size_t n = 0;
  psa_status_t s = psa_aead_decrypt(k, alg, nonce, nonce_len, aad, aad_len, ct, ct_len, out, ct_len - tag_len, &n);
  psa_destroy_key(k);
  if (s == PSA_SUCCESS) return (int32_t)n;
  mbedtls_platform_zeroize(out, ct_len - tag_len); /* nothing of a forged message stays readable */
  return s == PSA_ERROR_INVALID_SIGNATURE ? EST_E_CRYPTO_AUTH : st(s, EST_E_CRYPTO_PARAM);
}

/* ---- Keys ----------------------------------------------------------------------------------------------- */

/* An open key. Its public key is kept once known (from generation, or the first key_public): PSA recomputes
 * it on every export, and for P-256 that is a whole scalar multiplication (about 8 M instructions on a
 * Cortex-M4), asked for once per EDHOC run and once per enrollment key. */
static struct {
  psa_key_id_t key;
  uint32_t gen;
  uint16_t id;  /* persistent id, 0 for a volatile key */
  uint8_t type; /* EST_CRYPTO_KEY_* */
  uint8_t used;
  uint8_t pub_len; /* 0: not known yet */
  uint8_t pub[65];
} keys[EST_CRYPTO_MAX_KEYS];

static int type_supported(int32_t type) {
  return type == EST_CRYPTO_KEY_P256_ECDSA || type == EST_CRYPTO_KEY_P256_DH || type == EST_CRYPTO_KEY_X25519_DH;
}

/* Type check for generate/import: 0 when supported, else the status to return. */
static int32_t type_status(int32_t type) {
  if (type_supported(type)) return EST_OK;
  return type == EST_CRYPTO_KEY_ED25519 ? EST_E_UNSUPPORTED : EST_E_CRYPTO_PARAM;
}

static void key_attributes(psa_key_attributes_t *a, int32_t type, int exportable) {
  psa_key_usage_t export = exportable ? PSA_KEY_USAGE_EXPORT : 0;
  if (type == EST_CRYPTO_KEY_P256_ECDSA) {
    psa_set_key_type(a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(a, 256);
    psa_set_key_usage_flags(a, PSA_KEY_USAGE_SIGN_HASH | export);
    psa_set_key_algorithm(a, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  } else {
    int p256 = type == EST_CRYPTO_KEY_P256_DH;
    psa_set_key_type(a, PSA_KEY_TYPE_ECC_KEY_PAIR(p256 ? PSA_ECC_FAMILY_SECP_R1 : PSA_ECC_FAMILY_MONTGOMERY));
    psa_set_key_bits(a, p256 ? 256 : 255);
    psa_set_key_usage_flags(a, PSA_KEY_USAGE_DERIVE | export);
    psa_set_key_algorithm(a, PSA_ALG_ECDH);
  }
}

static int32_t free_key_slot(void) {
  for (int32_t i = 0; i < EST_CRYPTO_MAX_KEYS; i++)
    if (!keys[i].used) return i;
  return -1;
}

static int32_t take_slot(int32_t i, psa_key_id_t k, int32_t type, uint32_t id) {
  keys[i].pub_len = 0;
  keys[i].key = k;
  keys[i].type = (uint8_t)type;
  keys[i].id = (uint16_t)id;
  keys[i].used = 1;
  keys[i].gen = next_gen(keys[i].gen);
  return handle_of((uint32_t)i, keys[i].gen);
}

static int key_slot(int32_t handle) {
  uint32_t i = (uint32_t)(handle & 15) - 1u;
  if (handle <= 0 || i >= EST_CRYPTO_MAX_KEYS || !keys[i].used || keys[i].gen != (uint32_t)handle >> 4) return -1;
  return (int)i;
}

/* Write the key record of a persistent key (the private key as 32 bytes). */
static int32_t store_key(uint32_t id, int32_t type, const uint8_t priv[32]) {
  uint8_t rec[EST_CRYPTO_KEY_RECORD_LEN] = {EST_CRYPTO_KEY_RECORD_FORMAT, (uint8_t)type, 0, 0};
  memcpy(rec + 4, priv, 32);
  int32_t rc = board_store_write(EST_CRYPTO_KEY_RECORD_BASE + id, rec, sizeof rec);
  mbedtls_platform_zeroize(rec, sizeof rec);
  return rc;
}

int32_t est_crypto_key_generate(int32_t type, uint32_t id) {
  int32_t rc = ready();
  if (rc != EST_OK) return rc;
  if ((rc = type_status(type)) != EST_OK) return rc;
  if (id > EST_CRYPTO_KEY_MAX_ID) return EST_E_STORE_ID;
  int32_t i = free_key_slot();
  if (i < 0) return EST_E_LIMIT;
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  key_attributes(&a, type, id != 0);
  psa_key_id_t k = 0;
  psa_status_t s;
#if defined(MBEDTLS_PSA_P256M_DRIVER_ENABLED)
  /* P-256 through p256-m directly: one scalar multiplication gives both halves of the pair, where
   * psa_generate_key would discard the public key and key_public compute it again. */
  uint8_t pair[32 + 64];
  if (type != EST_CRYPTO_KEY_X25519_DH) {
    if (p256_gen_keypair(pair, pair + 32) != P256_SUCCESS) { mbedtls_platform_zeroize(pair, sizeof pair); return EST_E_RNG; }
    s = psa_import_key(&a, pair, 32, &k);
    mbedtls_platform_zeroize(pair, 32);
  } else
#endif
    s = psa_generate_key(&a, &k);
  if (s != PSA_SUCCESS) return st(s, EST_E_CRYPTO_PARAM);
  if (id) {
    /* Kept by the board: the private key goes to the store record, never to the module. */
    uint8_t priv[32];
    size_t n = 0;
    s = psa_export_key(k, priv, sizeof priv, &n);
    rc = s == PSA_SUCCESS && n == 32 ? store_key(id, type, priv) : EST_E_INTERNAL;
    mbedtls_platform_zeroize(priv, sizeof priv);
    if (rc != EST_OK) { psa_destroy_key(k); return rc; }
  }
  int32_t h = take_slot(i, k, type, id);
#if defined(MBEDTLS_PSA_P256M_DRIVER_ENABLED)
  if (type != EST_CRYPTO_KEY_X25519_DH) {
    keys[i].pub[0] = 0x04;
    memcpy(keys[i].pub + 1, pair + 32, 64);
    keys[i].pub_len = 65;
  }
#endif
  return h;
}

int32_t est_crypto_key_import(int32_t type, const uint8_t *key, size_t len, uint32_t id) {
  int32_t rc = ready();
  if (rc != EST_OK) return rc;
  if ((rc = type_status(type)) != EST_OK) return rc;
  if (len != 32) return EST_E_CRYPTO_PARAM;
  if (id > EST_CRYPTO_KEY_MAX_ID) return EST_E_STORE_ID;
  int32_t i = free_key_slot();
  if (i < 0) return EST_E_LIMIT;
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  key_attributes(&a, type, 0);
  psa_key_id_t k = 0;
  psa_status_t s = psa_import_key(&a, key, 32, &k);
  if (s != PSA_SUCCESS) return st(s, EST_E_CRYPTO_KEY);
  if (id && (rc = store_key(id, type, key)) != EST_OK) { psa_destroy_key(k); return rc; }
  return take_slot(i, k, type, id);
}

int32_t est_crypto_key_open(uint32_t id) {
  int32_t rc = ready();
  if (rc != EST_OK) return rc;
  if (id == 0 || id > EST_CRYPTO_KEY_MAX_ID) return EST_E_STORE_ID;
  int32_t i = free_key_slot();
  if (i < 0) return EST_E_LIMIT;
  uint8_t rec[EST_CRYPTO_KEY_RECORD_LEN + 1];
  int32_t n = board_store_read(EST_CRYPTO_KEY_RECORD_BASE + id, rec, sizeof rec);
  if (n == EST_E_BUFFER_TOO_SMALL) return EST_E_STORE_CORRUPT;
  if (n < 0) return n;
  int32_t type = rec[1];
  if (n != EST_CRYPTO_KEY_RECORD_LEN || rec[0] != EST_CRYPTO_KEY_RECORD_FORMAT || rec[2] || rec[3] ||
      !type_supported(type)) {
    mbedtls_platform_zeroize(rec, sizeof rec);
    return type == EST_CRYPTO_KEY_ED25519 && n == EST_CRYPTO_KEY_RECORD_LEN ? EST_E_UNSUPPORTED : EST_E_STORE_CORRUPT;
  }
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  key_attributes(&a, type, 0);
  psa_key_id_t k = 0;
  psa_status_t s = psa_import_key(&a, rec + 4, 32, &k);
  mbedtls_platform_zeroize(rec, sizeof rec);
  if (s != PSA_SUCCESS) return st(s, EST_E_STORE_CORRUPT);
  return take_slot(i, k, type, id);
}

int32_t est_crypto_key_public(int32_t handle, uint8_t *out, size_t cap) {
  int i = key_slot(handle);
  if (i < 0) return EST_E_CRYPTO_KEY;
  if (keys[i].pub_len == 0) {
    size_t n = 0;
    psa_status_t s = psa_export_public_key(keys[i].key, keys[i].pub, sizeof keys[i].pub, &n);
    if (s != PSA_SUCCESS) return st(s, EST_E_INTERNAL);
    keys[i].pub_len = (uint8_t)n;
  }
  if (cap < keys[i].pub_len) return EST_E_BUFFER_TOO_SMALL;
  memcpy(out, keys[i].pub, keys[i].pub_len);
  return (int32_t)keys[i].pub_len;
}

static void release(int i) {
  psa_destroy_key(keys[i].key);
  keys[i].used = 0;
  keys[i].key = 0;
}

int32_t est_crypto_key_close(int32_t handle) {
  int i = key_slot(handle);
  if (i < 0) return EST_E_CRYPTO_KEY;
  release(i);
  return EST_OK;
}

int32_t est_crypto_key_destroy(int32_t handle) {
  int i = key_slot(handle);
  if (i < 0) return EST_E_CRYPTO_KEY;
  if (keys[i].id) {
    int32_t rc = board_store_erase(EST_CRYPTO_KEY_RECORD_BASE + keys[i].id);
    if (rc != EST_OK) return rc; /* the handle stays open: the key still exists */
  }
  release(i);
  return EST_OK;
}

void est_crypto_reset(void) {
  for (int i = 0; i < EST_CRYPTO_MAX_KEYS; i++)
    if (keys[i].used) release(i);
  for (int i = 0; i < EST_CRYPTO_MAX_HASH_OPS; i++)
    if (hashes[i].used) { psa_hash_abort(&hashes[i].op); hashes[i].used = 0; }
}

/* ---- The inverse AES cipher, left out (est_mbedtls_config.h) ---------------------------------------------- */

#if defined(EST_AES_ENCRYPT_ONLY)
/* mbedTLS's AES module calls these for a decryption key or block; AES-CCM never asks for one. */
int mbedtls_aes_setkey_dec(mbedtls_aes_context *ctx, const unsigned char *key, unsigned int keybits) {
  (void)ctx; (void)key; (void)keybits;
  return MBEDTLS_ERR_PLATFORM_FEATURE_UNSUPPORTED;
}
int mbedtls_internal_aes_decrypt(mbedtls_aes_context *ctx, const unsigned char input[16], unsigned char output[16]) {
  (void)ctx; (void)input; (void)output;
  return MBEDTLS_ERR_PLATFORM_FEATURE_UNSUPPORTED;
}
#endif

/* ---- P-256 points: x-only and compressed forms to the uncompressed one --------------------------------- */

#if defined(EST_P256_SQRT)
/* The uncompressed point with this x by host/crypto/p256_sqrt.h, on p256-m's field arithmetic (compiled into
 * tools/build-mbedtls.sh's copy of p256-m, which defines EST_P256_SQRT): the root of parity `parity`, or
 * either root for -1. A peer's public key is no secret: variable time is fine. */
int p256_est_y_from_x(uint8_t y_out[32], const uint8_t x_in[32], int parity);
static int32_t p256_decompress(const uint8_t x[32], int parity, uint8_t out[65]) {
  if (p256_est_y_from_x(out + 33, x, parity) != 0) return EST_E_CRYPTO_POINT; /* x >= p, or on no point */
  out[0] = 0x04;
  memcpy(out + 1, x, 32);
  return EST_OK;
}
#else
/* Against another mbedTLS (ESP-IDF's, nRF Connect SDK's), with the legacy bignum module: y = sqrt(x^3 - 3x + b)
 * mod p by exponentiation to (p + 1) / 4 (p = 3 mod 4), checked by squaring. A peer's public key is no secret:
 * variable time is fine. `parity` -1 takes either root. */
static int32_t p256_decompress(const uint8_t x[32], int parity, uint8_t out[65]) {
  static const uint8_t P[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  /* b of P-256 (FIPS 186-4 D.1.2.3, SEC 2 2.4.2) */
  static const uint8_t B[32] = {0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd, 0x55, 0x76,
                                0x98, 0x86, 0xbc, 0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53, 0xb0, 0xf6, 0x3b, 0xce,
                                0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b};
  mbedtls_mpi p, b, X, r, t, e;
  mbedtls_mpi_init(&p); mbedtls_mpi_init(&b); mbedtls_mpi_init(&X);
  mbedtls_mpi_init(&r); mbedtls_mpi_init(&t); mbedtls_mpi_init(&e);
  int32_t rc = EST_E_CRYPTO_POINT;
  int ok = mbedtls_mpi_read_binary(&p, P, 32) == 0 && mbedtls_mpi_read_binary(&b, B, 32) == 0 &&
           mbedtls_mpi_read_binary(&X, x, 32) == 0;
  if (!ok) { rc = EST_E_LIMIT; goto done; }
  if (mbedtls_mpi_cmp_mpi(&X, &p) >= 0) goto done; /* not a field element */
  /* r = x^3 - 3x + b mod p */
  ok = mbedtls_mpi_mul_mpi(&t, &X, &X) == 0 && mbedtls_mpi_sub_int(&t, &t, 3) == 0 &&
       mbedtls_mpi_mul_mpi(&r, &t, &X) == 0 && mbedtls_mpi_add_mpi(&r, &r, &b) == 0 &&
       mbedtls_mpi_mod_mpi(&r, &r, &p) == 0 &&
       /* e = (p + 1) / 4; y = r^e; t = y^2 */
       mbedtls_mpi_add_int(&e, &p, 1) == 0 && mbedtls_mpi_shift_r(&e, 2) == 0 &&
       mbedtls_mpi_exp_mod(&X, &r, &e, &p, NULL) == 0 && mbedtls_mpi_mul_mpi(&t, &X, &X) == 0 &&
       mbedtls_mpi_mod_mpi(&t, &t, &p) == 0;
  if (!ok) { rc = EST_E_LIMIT; goto done; }
  if (mbedtls_mpi_cmp_mpi(&t, &r) != 0) goto done; /* x^3 - 3x + b is no square: x is on no point */
  if (parity >= 0 && (int)mbedtls_mpi_get_bit(&X, 0) != parity) {
    if (mbedtls_mpi_cmp_int(&X, 0) == 0) goto done;
    if (mbedtls_mpi_sub_mpi(&X, &p, &X) != 0) { rc = EST_E_LIMIT; goto done; }
  }
  out[0] = 0x04;
  memcpy(out + 1, x, 32);
  rc = mbedtls_mpi_write_binary(&X, out + 33, 32) == 0 ? EST_OK : EST_E_INTERNAL;
done:
  mbedtls_mpi_free(&p); mbedtls_mpi_free(&b); mbedtls_mpi_free(&X);
  mbedtls_mpi_free(&r); mbedtls_mpi_free(&t); mbedtls_mpi_free(&e);
  return rc;
}
#endif

/* 32-byte x, 33-byte compressed or 65-byte uncompressed -> 65-byte uncompressed (checked on the curve
 * later by p256-m, or here for the decompressed forms). */
/* The last two points decompressed from an x-coordinate: an EDHOC Initiator meets G_Y twice (with X, then
 * with its static key) and G_R in between; each decompression is a modular exponentiation. Public data. */
static struct { uint8_t x[32]; uint8_t pt[65]; uint8_t ok; } xcache[2];
static unsigned xcache_next;

static int32_t p256_point(const uint8_t *in, size_t len, uint8_t out[65]) {
  if (len == 65 && in[0] == 0x04) { memcpy(out, in, 65); return EST_OK; }
  if (len == 33 && (in[0] == 0x02 || in[0] == 0x03)) return p256_decompress(in + 1, in[0] & 1, out);
  if (len != 32) return EST_E_CRYPTO_POINT;
  for (unsigned c = 0; c < 2; c++)
    if (xcache[c].ok && memcmp(xcache[c].x, in, 32) == 0) { memcpy(out, xcache[c].pt, 65); return EST_OK; }
  int32_t rc = p256_decompress(in, -1, out);
  if (rc == EST_OK) {
    unsigned c = xcache_next++ & 1;
    memcpy(xcache[c].x, in, 32);
    memcpy(xcache[c].pt, out, 65);
    xcache[c].ok = 1;
  }
  return rc;
}

/* ---- ECDH, signatures ----------------------------------------------------------------------------------- */

int32_t est_crypto_ecdh(int32_t handle, const uint8_t *peer, size_t peer_len, uint8_t out[32]) {
  int i = key_slot(handle);
  if (i < 0) return EST_E_CRYPTO_KEY;
  uint8_t pt[65];
  size_t pt_len = 32, n = 0;
  if (keys[i].type == EST_CRYPTO_KEY_P256_DH) {
    int32_t rc = p256_point(peer, peer_len, pt);
    if (rc != EST_OK) return rc;
    pt_len = 65;
  } else if (keys[i].type == EST_CRYPTO_KEY_X25519_DH) {
    if (peer_len != 32) return EST_E_CRYPTO_POINT;
    memcpy(pt, peer, 32);
  } else {
    return EST_E_CRYPTO_KEY;
  }
  psa_status_t s = psa_raw_key_agreement(PSA_ALG_ECDH, keys[i].key, pt, pt_len, out, 32, &n);
  if (s != PSA_SUCCESS || n != 32) {
    mbedtls_platform_zeroize(out, 32);
    return s == PSA_SUCCESS ? EST_E_INTERNAL : st(s, EST_E_CRYPTO_POINT);
  }
  if (keys[i].type == EST_CRYPTO_KEY_X25519_DH) {
    /* RFC 7748 section 6.1: a low-order peer point gives all zeros; refuse it (in constant time). */
    uint8_t acc = 0;
    for (int k = 0; k < 32; k++) acc |= out[k];
    if (acc == 0) return EST_E_CRYPTO_POINT;
  }
  return 32;
}

int32_t est_crypto_sign(int32_t handle, const uint8_t *data, size_t len, uint8_t sig[64]) {
  int i = key_slot(handle);
  if (i < 0 || keys[i].type != EST_CRYPTO_KEY_P256_ECDSA) return EST_E_CRYPTO_KEY;
  if (len != 32) return EST_E_CRYPTO_PARAM;
  size_t n = 0;
  psa_status_t s = psa_sign_hash(keys[i].key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), data, 32, sig, 64, &n);
  if (s != PSA_SUCCESS) return st(s, EST_E_CRYPTO_PARAM);
  return n == 64 ? 64 : EST_E_INTERNAL;
}

int32_t est_crypto_verify(int32_t type, const uint8_t *pub, size_t pub_len, const uint8_t *data, size_t len,
                          const uint8_t *sig, size_t sig_len) {
  int32_t rc = ready();
  if (rc != EST_OK) return rc;
  if (type == EST_CRYPTO_KEY_ED25519) return EST_E_UNSUPPORTED;
  if (type != EST_CRYPTO_KEY_P256_ECDSA) return EST_E_CRYPTO_PARAM;
  if (len != 32) return EST_E_CRYPTO_PARAM;
  uint8_t pt[65];
  if (pub_len == 32 || (rc = p256_point(pub, pub_len, pt)) != EST_OK) return EST_E_CRYPTO_POINT;
  if (sig_len != 64) return EST_E_CRYPTO_SIGNATURE;
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 256);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_VERIFY_HASH);
  psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  psa_key_id_t k = 0;
  psa_status_t s = psa_import_key(&a, pt, 65, &k);
  if (s != PSA_SUCCESS) return st(s, EST_E_CRYPTO_POINT);
  s = psa_verify_hash(k, PSA_ALG_ECDSA(PSA_ALG_SHA_256), data, 32, sig, 64);
  psa_destroy_key(k);
  return st(s, EST_E_CRYPTO_SIGNATURE);
}
