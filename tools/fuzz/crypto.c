/* crypto.c - the "crypto" imports of build/fuzz.wasm (wasm2c's Z_crypto* functions) for the fuzz binaries: a
 * board without native crypto. caps() is 0, so the module runs its own AssemblyScript crypto (crypto/soft.ts)
 * for everything, as a portable board does; every other import answers EST_E_UNSUPPORTED (-8) and is never
 * reached. Each function the module may import is here; wasm2c declares only those it does import. */
#include <stdint.h>

typedef uint32_t u32;
struct Z_crypto_instance_t;
#define NO ((u32)-8) /* EST_E_UNSUPPORTED */

u32 Z_cryptoZ_caps(struct Z_crypto_instance_t *c) { (void)c; return 0; }
u32 Z_cryptoZ_random(struct Z_crypto_instance_t *c, u32 a, u32 b) { (void)c; (void)a; (void)b; return NO; }
u32 Z_cryptoZ_sha256(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d) { (void)c; (void)a; (void)b; (void)d; return NO; }
u32 Z_cryptoZ_sha256_begin(struct Z_crypto_instance_t *c) { (void)c; return NO; }
u32 Z_cryptoZ_sha256_update(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d) { (void)c; (void)a; (void)b; (void)d; return NO; }
u32 Z_cryptoZ_sha256_finish(struct Z_crypto_instance_t *c, u32 a, u32 b) { (void)c; (void)a; (void)b; return NO; }
u32 Z_cryptoZ_sha256_abort(struct Z_crypto_instance_t *c, u32 a) { (void)c; (void)a; return NO; }
u32 Z_cryptoZ_hmac_sha256(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d, u32 e, u32 f) { (void)c; (void)a; (void)b; (void)d; (void)e; (void)f; return NO; }
u32 Z_cryptoZ_hkdf_sha256(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d, u32 e, u32 f, u32 g, u32 h, u32 i) { (void)c; (void)a; (void)b; (void)d; (void)e; (void)f; (void)g; (void)h; (void)i; return NO; }
u32 Z_cryptoZ_hkdf_expand_sha256(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d, u32 e, u32 f, u32 g) { (void)c; (void)a; (void)b; (void)d; (void)e; (void)f; (void)g; return NO; }
u32 Z_cryptoZ_aes_ccm_seal(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d, u32 e, u32 f, u32 g, u32 h, u32 i, u32 j) { (void)c; (void)a; (void)b; (void)d; (void)e; (void)f; (void)g; (void)h; (void)i; (void)j; return NO; }
u32 Z_cryptoZ_aes_ccm_open(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d, u32 e, u32 f, u32 g, u32 h, u32 i, u32 j) { (void)c; (void)a; (void)b; (void)d; (void)e; (void)f; (void)g; (void)h; (void)i; (void)j; return NO; }
u32 Z_cryptoZ_key_generate(struct Z_crypto_instance_t *c, u32 a, u32 b) { (void)c; (void)a; (void)b; return NO; }
u32 Z_cryptoZ_key_import(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d, u32 e) { (void)c; (void)a; (void)b; (void)d; (void)e; return NO; }
u32 Z_cryptoZ_key_open(struct Z_crypto_instance_t *c, u32 a) { (void)c; (void)a; return NO; }
u32 Z_cryptoZ_key_public(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d) { (void)c; (void)a; (void)b; (void)d; return NO; }
u32 Z_cryptoZ_key_close(struct Z_crypto_instance_t *c, u32 a) { (void)c; (void)a; return NO; }
u32 Z_cryptoZ_key_destroy(struct Z_crypto_instance_t *c, u32 a) { (void)c; (void)a; return NO; }
u32 Z_cryptoZ_ecdh(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d, u32 e) { (void)c; (void)a; (void)b; (void)d; (void)e; return NO; }
u32 Z_cryptoZ_sign(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d, u32 e) { (void)c; (void)a; (void)b; (void)d; (void)e; return NO; }
u32 Z_cryptoZ_verify(struct Z_crypto_instance_t *c, u32 a, u32 b, u32 d, u32 e, u32 f, u32 g, u32 h) { (void)c; (void)a; (void)b; (void)d; (void)e; (void)f; (void)g; (void)h; return NO; }
