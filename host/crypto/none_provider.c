/*
 * none_provider.c - the crypto provider of a board that has none (host/include/est_crypto.h): caps() is 0,
 * so the module runs all its cryptography itself, and every other function answers EST_E_UNSUPPORTED.
 * Linked by the portable builds of the microcontroller boards instead of libestcrypto.a.
 */
#include "est_abi.h"
#include "est_crypto.h"

uint32_t est_crypto_caps(void) { return 0; }
int32_t est_crypto_random(uint8_t *o, size_t n) { (void)o; (void)n; return EST_E_UNSUPPORTED; }
int32_t est_crypto_sha256(const uint8_t *d, size_t n, uint8_t o[32]) { (void)d; (void)n; (void)o; return EST_E_UNSUPPORTED; }
int32_t est_crypto_sha256_begin(void) { return EST_E_UNSUPPORTED; }
int32_t est_crypto_sha256_update(int32_t op, const uint8_t *d, size_t n) { (void)op; (void)d; (void)n; return EST_E_UNSUPPORTED; }
int32_t est_crypto_sha256_finish(int32_t op, uint8_t o[32]) { (void)op; (void)o; return EST_E_UNSUPPORTED; }
int32_t est_crypto_sha256_abort(int32_t op) { (void)op; return EST_E_UNSUPPORTED; }
int32_t est_crypto_hmac_sha256(const uint8_t *k, size_t kl, const uint8_t *d, size_t n, uint8_t o[32]) {
  (void)k; (void)kl; (void)d; (void)n; (void)o;
  return EST_E_UNSUPPORTED;
}
int32_t est_crypto_hkdf_sha256(const uint8_t *s, size_t sl, const uint8_t *i, size_t il, const uint8_t *f, size_t fl,
                               uint8_t *o, size_t ol) {
  (void)s; (void)sl; (void)i; (void)il; (void)f; (void)fl; (void)o; (void)ol;
  return EST_E_UNSUPPORTED;
}
int32_t est_crypto_hkdf_expand_sha256(const uint8_t *p, size_t pl, const uint8_t *f, size_t fl, uint8_t *o, size_t ol) {
  (void)p; (void)pl; (void)f; (void)fl; (void)o; (void)ol;
  return EST_E_UNSUPPORTED;
}
int32_t est_crypto_aes_ccm_seal(const uint8_t k[16], const uint8_t *n, size_t nl, const uint8_t *a, size_t al,
                                const uint8_t *p, size_t pl, uint8_t *o, size_t tl) {
  (void)k; (void)n; (void)nl; (void)a; (void)al; (void)p; (void)pl; (void)o; (void)tl;
  return EST_E_UNSUPPORTED;
}
int32_t est_crypto_aes_ccm_open(const uint8_t k[16], const uint8_t *n, size_t nl, const uint8_t *a, size_t al,
                                const uint8_t *c, size_t cl, uint8_t *o, size_t tl) {
  (void)k; (void)n; (void)nl; (void)a; (void)al; (void)c; (void)cl; (void)o; (void)tl;
  return EST_E_UNSUPPORTED;
}
int32_t est_crypto_key_generate(int32_t t, uint32_t id) { (void)t; (void)id; return EST_E_UNSUPPORTED; }
int32_t est_crypto_key_import(int32_t t, const uint8_t *k, size_t n, uint32_t id) { (void)t; (void)k; (void)n; (void)id; return EST_E_UNSUPPORTED; }
int32_t est_crypto_key_open(uint32_t id) { (void)id; return EST_E_UNSUPPORTED; }
int32_t est_crypto_key_public(int32_t h, uint8_t *o, size_t c) { (void)h; (void)o; (void)c; return EST_E_UNSUPPORTED; }
int32_t est_crypto_key_close(int32_t h) { (void)h; return EST_E_UNSUPPORTED; }
int32_t est_crypto_key_destroy(int32_t h) { (void)h; return EST_E_UNSUPPORTED; }
int32_t est_crypto_ecdh(int32_t h, const uint8_t *p, size_t n, uint8_t o[32]) { (void)h; (void)p; (void)n; (void)o; return EST_E_UNSUPPORTED; }
int32_t est_crypto_sign(int32_t h, const uint8_t *d, size_t n, uint8_t s[64]) { (void)h; (void)d; (void)n; (void)s; return EST_E_UNSUPPORTED; }
int32_t est_crypto_verify(int32_t t, const uint8_t *p, size_t pl, const uint8_t *d, size_t n, const uint8_t *s, size_t sl) {
  (void)t; (void)p; (void)pl; (void)d; (void)n; (void)s; (void)sl;
  return EST_E_UNSUPPORTED;
}
void est_crypto_reset(void) {}
