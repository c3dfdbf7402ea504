/*
 * est_crypto_imports.c - the wasm3 glue of the "crypto" import module (host/include/est_crypto.h): one raw
 * function per import that reads its arguments, checks every (pointer, length) against the current linear
 * memory exactly as host/est_host.c does for module "board", and only then calls the board's provider
 * (est_crypto_* : host/crypto/psa_provider.c, or none_provider.c on a board without one). A range outside
 * memory returns EST_E_BAD_POINTER to the module; it never reaches the provider.
 *
 * Deliberately not here: any cryptography, any state but the module last linked (a new module instance
 * resets the provider's handles).
 */
#include <stdint.h>

#include "wasm3.h"

#include "est_abi.h"
#include "est_crypto.h"

static int in_memory(IM3Runtime rt, uint32_t ptr, int64_t len) {
  if (len < 0) return 0;
  return (uint64_t)ptr + (uint64_t)len <= (uint64_t)m3_GetMemorySize(rt);
}

#define MEM(off) ((uint8_t *)_mem + (uint32_t)(off))
#define CHECK(ptr, len) \
  if (!in_memory(runtime, (ptr), (int64_t)(len))) m3ApiReturn(EST_E_BAD_POINTER)
#define ARG(name) m3ApiGetArg(int32_t, name)
#define PTR(name) m3ApiGetArg(uint32_t, name)

/* What caps() tells the module: the provider's mask, less what the host hides (est_crypto_set_caps_mask). */
static uint32_t g_caps_mask = 0xffffffffu;

void est_crypto_set_caps_mask(uint32_t mask) { g_caps_mask = mask; }

m3ApiRawFunction(imp_caps) {
  m3ApiReturnType(int32_t);
  (void)_mem;
  m3ApiReturn((int32_t)(est_crypto_caps() & g_caps_mask));
}

m3ApiRawFunction(imp_random) {
  m3ApiReturnType(int32_t);
  PTR(out); ARG(len);
  CHECK(out, len);
  m3ApiReturn(est_crypto_random(MEM(out), (size_t)len));
}

m3ApiRawFunction(imp_sha256) {
  m3ApiReturnType(int32_t);
  PTR(data); ARG(len); PTR(out);
  CHECK(data, len);
  CHECK(out, 32);
  m3ApiReturn(est_crypto_sha256(MEM(data), (size_t)len, MEM(out)));
}

m3ApiRawFunction(imp_sha256_begin) {
  m3ApiReturnType(int32_t);
  (void)_mem;
  m3ApiReturn(est_crypto_sha256_begin());
}

m3ApiRawFunction(imp_sha256_update) {
  m3ApiReturnType(int32_t);
  ARG(op); PTR(data); ARG(len);
  CHECK(data, len);
  m3ApiReturn(est_crypto_sha256_update(op, MEM(data), (size_t)len));
}

m3ApiRawFunction(imp_sha256_finish) {
  m3ApiReturnType(int32_t);
  ARG(op); PTR(out);
  CHECK(out, 32);
  m3ApiReturn(est_crypto_sha256_finish(op, MEM(out)));
}

m3ApiRawFunction(imp_sha256_abort) {
  m3ApiReturnType(int32_t);
  ARG(op);
  (void)_mem;
  m3ApiReturn(est_crypto_sha256_abort(op));
}

m3ApiRawFunction(imp_hmac_sha256) {
  m3ApiReturnType(int32_t);
  PTR(key); ARG(key_len); PTR(data); ARG(len); PTR(out);
  CHECK(key, key_len);
  CHECK(data, len);
  CHECK(out, 32);
  m3ApiReturn(est_crypto_hmac_sha256(MEM(key), (size_t)key_len, MEM(data), (size_t)len, MEM(out)));
}

m3ApiRawFunction(imp_hkdf_sha256) {
  m3ApiReturnType(int32_t);
  PTR(salt); ARG(salt_len); PTR(ikm); ARG(ikm_len); PTR(info); ARG(info_len); PTR(out); ARG(out_len);
  CHECK(salt, salt_len);
  CHECK(ikm, ikm_len);
  CHECK(info, info_len);
  CHECK(out, out_len);
  m3ApiReturn(est_crypto_hkdf_sha256(MEM(salt), (size_t)salt_len, MEM(ikm), (size_t)ikm_len, MEM(info),
                                     (size_t)info_len, MEM(out), (size_t)out_len));
}

m3ApiRawFunction(imp_hkdf_expand_sha256) {
  m3ApiReturnType(int32_t);
  PTR(prk); ARG(prk_len); PTR(info); ARG(info_len); PTR(out); ARG(out_len);
  CHECK(prk, prk_len);
  CHECK(info, info_len);
  CHECK(out, out_len);
  m3ApiReturn(est_crypto_hkdf_expand_sha256(MEM(prk), (size_t)prk_len, MEM(info), (size_t)info_len, MEM(out),
                                            (size_t)out_len));
}

m3ApiRawFunction(imp_aes_ccm_seal) {
  m3ApiReturnType(int32_t);
  PTR(key); PTR(nonce); ARG(nonce_len); PTR(aad); ARG(aad_len); PTR(pt); ARG(pt_len); PTR(out); ARG(tag_len);
  if (tag_len < 0 || tag_len > 16) m3ApiReturn(EST_E_CRYPTO_PARAM);
  CHECK(key, 16);
  CHECK(nonce, nonce_len);
  CHECK(aad, aad_len);
  CHECK(pt, pt_len);
  CHECK(out, (int64_t)pt_len + tag_len);
  m3ApiReturn(est_crypto_aes_ccm_seal(MEM(key), MEM(nonce), (size_t)nonce_len, MEM(aad), (size_t)aad_len, MEM(pt),
                                      (size_t)pt_len, MEM(out), (size_t)tag_len));
}

m3ApiRawFunction(imp_aes_ccm_open) {
  m3ApiReturnType(int32_t);
  PTR(key); PTR(nonce); ARG(nonce_len); PTR(aad); ARG(aad_len); PTR(ct); ARG(ct_len); PTR(out); ARG(tag_len);
  if (tag_len < 0 || tag_len > 16) m3ApiReturn(EST_E_CRYPTO_PARAM);
  CHECK(key, 16);
  CHECK(nonce, nonce_len);
  CHECK(aad, aad_len);
  CHECK(ct, ct_len);
  if (ct_len < tag_len) m3ApiReturn(EST_E_CRYPTO_AUTH);
  CHECK(out, ct_len - tag_len);
  m3ApiReturn(est_crypto_aes_ccm_open(MEM(key), MEM(nonce), (size_t)nonce_len, MEM(aad), (size_t)aad_len, MEM(ct),
                                      (size_t)ct_len, MEM(out), (size_t)tag_len));
}

m3ApiRawFunction(imp_key_generate) {
  m3ApiReturnType(int32_t);
  ARG(type); PTR(id);
  (void)_mem;
  m3ApiReturn(est_crypto_key_generate(type, id));
}

m3ApiRawFunction(imp_key_import) {
  m3ApiReturnType(int32_t);
  ARG(type); PTR(key); ARG(len); PTR(id);
  CHECK(key, len);
  m3ApiReturn(est_crypto_key_import(type, MEM(key), (size_t)len, id));
}

m3ApiRawFunction(imp_key_open) {
  m3ApiReturnType(int32_t);
  PTR(id);
  (void)_mem;
  m3ApiReturn(est_crypto_key_open(id));
}

m3ApiRawFunction(imp_key_public) {
  m3ApiReturnType(int32_t);
  ARG(handle); PTR(out); ARG(cap);
  CHECK(out, cap);
  m3ApiReturn(est_crypto_key_public(handle, MEM(out), (size_t)cap));
}

m3ApiRawFunction(imp_key_close) {
  m3ApiReturnType(int32_t);
  ARG(handle);
  (void)_mem;
  m3ApiReturn(est_crypto_key_close(handle));
}

m3ApiRawFunction(imp_key_destroy) {
  m3ApiReturnType(int32_t);
  ARG(handle);
  (void)_mem;
  m3ApiReturn(est_crypto_key_destroy(handle));
}

m3ApiRawFunction(imp_ecdh) {
  m3ApiReturnType(int32_t);
  ARG(handle); PTR(peer); ARG(peer_len); PTR(out);
  CHECK(peer, peer_len);
  CHECK(out, 32);
  m3ApiReturn(est_crypto_ecdh(handle, MEM(peer), (size_t)peer_len, MEM(out)));
}

m3ApiRawFunction(imp_sign) {
  m3ApiReturnType(int32_t);
  ARG(handle); PTR(data); ARG(len); PTR(sig);
  CHECK(data, len);
  CHECK(sig, 64);
  m3ApiReturn(est_crypto_sign(handle, MEM(data), (size_t)len, MEM(sig)));
}

m3ApiRawFunction(imp_verify) {
  m3ApiReturnType(int32_t);
  ARG(type); PTR(pub); ARG(pub_len); PTR(data); ARG(len); PTR(sig); ARG(sig_len);
  CHECK(pub, pub_len);
  CHECK(data, len);
  CHECK(sig, sig_len);
  m3ApiReturn(est_crypto_verify(type, MEM(pub), (size_t)pub_len, MEM(data), (size_t)len, MEM(sig), (size_t)sig_len));
}

const char *est_crypto_link(void *module) {
  static void *last;
  IM3Module m = (IM3Module)module;
  if (module != last) { /* a new module instance: no handle of the old one survives */
    est_crypto_reset();
    last = module;
  }
  M3Result r;
#define X(fn, sig)                                                       \
  r = m3_LinkRawFunction(m, EST_CRYPTO_IMPORT_MODULE, #fn, sig, imp_##fn); \
  if (r && r != m3Err_functionLookupFailed) return r;
  EST_CRYPTO_IMPORTS(X)
#undef X
  return NULL;
}
