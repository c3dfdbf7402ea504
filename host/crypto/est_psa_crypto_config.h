/*
 * est_psa_crypto_config.h - the PSA mechanisms the native crypto provider asks mbedTLS 3.5 for
 * (MBEDTLS_PSA_CRYPTO_CONFIG_FILE of host/crypto/est_mbedtls_config.h).
 *
 * Exactly what the `crypto` import of host/include/est_crypto.h needs: SHA-256, HMAC and HKDF over it,
 * AES-128-CCM, ECDH and randomized ECDSA on P-256 (served by the p256-m driver), X25519 (mbedTLS's own
 * Curve25519). Deliberately absent: deterministic ECDSA (p256-m does not do it, and asking for it would pull
 * in the whole built-in ECC code), every other curve, hash and cipher, RSA, key derivation into keys.
 */
#ifndef EST_PSA_CRYPTO_CONFIG_H
#define EST_PSA_CRYPTO_CONFIG_H

#define PSA_WANT_ALG_SHA_256 1
#define PSA_WANT_ALG_HMAC 1
#define PSA_WANT_ALG_HKDF 1
#define PSA_WANT_ALG_HKDF_EXPAND 1
#define PSA_WANT_ALG_CCM 1
#define PSA_WANT_ALG_ECDH 1
#define PSA_WANT_ALG_ECDSA 1

#define PSA_WANT_ECC_SECP_R1_256 1
#define PSA_WANT_ECC_MONTGOMERY_255 1

#define PSA_WANT_KEY_TYPE_AES 1
#define PSA_WANT_KEY_TYPE_HMAC 1
#define PSA_WANT_KEY_TYPE_DERIVE 1
#define PSA_WANT_KEY_TYPE_RAW_DATA 1
#define PSA_WANT_KEY_TYPE_ECC_PUBLIC_KEY 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_BASIC 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_IMPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_EXPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_GENERATE 1

#endif /* EST_PSA_CRYPTO_CONFIG_H */
