/*
 * est_mbedtls_config.h - mbedTLS 3.5.1 configured for the native crypto provider (host/crypto/psa_provider.c)
 * and nothing else: the PSA Crypto API with the mechanisms of est_psa_crypto_config.h, built for the posix
 * simulator and for Cortex-M4 by tools/build-mbedtls.sh (MBEDTLS_CONFIG_FILE).
 *
 * - P-256 through the p256-m driver (3rdparty/p256-m): with every P-256 key type and algorithm accelerated,
 *   mbedTLS leaves its own P-256 code out; the built-in ECP and bignum code remains for X25519 only.
 * - Random numbers: MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG, served by the board's source (board_rng_fill, through
 *   mbedtls_psa_external_get_random in psa_provider.c): getrandom() on the posix board, esp_fill_random on
 *   the ESP32, the RNG peripheral with bias correction on the nRF52840 (true random, about 120 us a byte; the
 *   provider draws some 32-100 bytes per key or signature), and on the emulated board a placeholder that is
 *   not entropy at all (boards/mps2-an386). A board whose source is slow or not uniform enough for direct use
 *   would enable MBEDTLS_ENTROPY_C + MBEDTLS_CTR_DRBG_C seeded from it instead.
 * - No file system, no threads, no PSA key storage (persistent keys are the provider's records in the
 *   board's key store), no X.509, TLS or PK layer, no self tests, no error strings.
 * - Small: AES tables in flash (ROM tables, the one-table variant), no inverse AES, the smaller SHA-256, a
 *   small ECP window.
 */
#ifndef EST_MBEDTLS_CONFIG_H
#define EST_MBEDTLS_CONFIG_H

#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_CRYPTO_CONFIG
#define MBEDTLS_PSA_CRYPTO_CONFIG_FILE "est_psa_crypto_config.h"
#define MBEDTLS_PSA_P256M_DRIVER_ENABLED
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
#define MBEDTLS_PSA_KEY_SLOT_COUNT 8 /* the provider's 8 handles, plus the transient keys of one call */

/* PSA's built-in AEAD and key handling sit on the cipher layer (mbedTLS 3.5 requires it with PSA). */
#define MBEDTLS_CIPHER_C

/* The bignum module serves the built-in Curve25519 (X25519); P-256 points are decompressed on p256-m's field
 * arithmetic (host/crypto/p256_sqrt.h). */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE 64
#define MBEDTLS_MPI_WINDOW_SIZE 2
#define MBEDTLS_HAVE_ASM /* mbedTLS's multiply-accumulate in assembly (x86-64, Thumb-2) */

#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0

/* X25519=everest builds (tools/build-mbedtls.sh): ECDH on Curve25519 by HACL* from 3rdparty/everest. */
#ifdef EST_X25519_EVEREST
#define MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED
#endif

#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
/* AES-CCM runs the block cipher forwards only, to seal and to open: mbedTLS's inverse cipher (its round
 * function, key schedule and 1 KiB table, about 2.4 KB of Cortex-M4 flash) is left out through its _ALT hooks,
 * and psa_provider.c's stand-ins for the two functions refuse (EST_AES_ENCRYPT_ONLY). */
#define MBEDTLS_AES_DECRYPT_ALT
#define MBEDTLS_AES_SETKEY_DEC_ALT
#define EST_AES_ENCRYPT_ONLY
#define MBEDTLS_SHA256_SMALLER

#endif /* EST_MBEDTLS_CONFIG_H */
