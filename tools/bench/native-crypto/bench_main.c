/*
 * bench_main.c - firmware for QEMU's mps2-an386 (Cortex-M4F) that times the native crypto provider
 * (host/crypto/psa_provider.c on mbedTLS 3.5.1 + p256-m, built by tools/build-mbedtls.sh m4) one operation at a
 * time and prints one JSON object on semihosting stdout. Run under `qemu-system-arm -icount shift=0` the
 * virtual clock advances one nanosecond per instruction, so the board's 25 MHz SysTick ticks (40 ns each)
 * count instructions in steps of 40. tools/bench/native-crypto.ts builds it, runs it and prints the table.
 *
 * Each figure is the median of RUNS runs. The board's RNG here is the emulator's placeholder (boards/mps2-an386:
 * not entropy): fine for timing, never for keys. Not part of the product.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "est_abi.h"
#include "est_crypto.h"

void board_console_init(void);
void board_puts(int err, const char *s);
void board_exit(int code);
uint64_t board_ticks(void);
uint32_t board_stack_high_water(void);
extern uint32_t heap_high_water;

#define RUNS 5
#define TICK_INSTRUCTIONS 40u /* 25 MHz SysTick, 1 ns per instruction */

static char json[1536];
static size_t json_len;

static void fail(const char *what, int32_t rc) {
  char m[96];
  snprintf(m, sizeof m, "bench: %s failed: %ld\n", what, (long)rc);
  board_puts(1, m);
  board_exit(1);
}

static void put(const char *name, uint64_t v) {
  json_len += (size_t)snprintf(json + json_len, sizeof json - json_len, "%s\"%s\":%lu", json_len > 1 ? "," : "", name,
                               (unsigned long)v); /* newlib-nano: no %llu; every figure fits 32 bits */
}

static uint64_t median(uint64_t *v) {
  for (int i = 1; i < RUNS; i++)
    for (int k = i; k > 0 && v[k - 1] > v[k]; k--) { uint64_t t = v[k]; v[k] = v[k - 1]; v[k - 1] = t; }
  return v[RUNS / 2];
}

/* Time `body` RUNS times; `setup` runs before each, untimed. rc must be >= 0. */
#define BENCH(name, setup, body)                                   \
  do {                                                             \
    uint64_t v[RUNS];                                              \
    for (int r = 0; r < RUNS; r++) {                               \
      setup;                                                       \
      uint64_t t0 = board_ticks();                                 \
      int32_t rc = (body);                                         \
      v[r] = (board_ticks() - t0) * TICK_INSTRUCTIONS;             \
      if (rc < 0) fail(name, rc);                                  \
    }                                                              \
    put(name, median(v));                                          \
  } while (0)

static uint8_t msg_copy[1024], msg[1024], out[1024 + 16], peer[65], peer_x[32], pub[65], sig[64], digest[32], z[32];

int main(void) {
  board_console_init();
  json[0] = '{';
  json_len = 1;
  for (size_t i = 0; i < sizeof msg; i++) msg[i] = (uint8_t)(i * 7 + 1);
  static const uint8_t key16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  static const uint8_t nonce[13] = {0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  int32_t rc;
  if ((int32_t)est_crypto_caps() <= 0) fail("caps", (int32_t)est_crypto_caps()); /* PSA set-up, untimed */

  /* A peer for ECDH: another P-256 key's public point. */
  int32_t other = est_crypto_key_generate(EST_CRYPTO_KEY_P256_DH, 0);
  if (other < 0 || (rc = est_crypto_key_public(other, peer, sizeof peer)) != 65) fail("peer", other < 0 ? other : rc);
  memcpy(peer_x, peer + 1, 32);
  est_crypto_key_close(other);

  int32_t h = 0;
  BENCH("p256_keygen", (void)0, (h = est_crypto_key_generate(EST_CRYPTO_KEY_P256_DH, 0)) > 0 ? est_crypto_key_close(h) : h);
  h = est_crypto_key_generate(EST_CRYPTO_KEY_P256_DH, 0);
  BENCH("p256_ecdh", (void)0, est_crypto_ecdh(h, peer, 65, z));
  BENCH("p256_ecdh_x_only", (void)0, est_crypto_ecdh(h, peer_x, 32, z));
  est_crypto_key_close(h);

  h = est_crypto_key_generate(EST_CRYPTO_KEY_P256_ECDSA, 0);
  if (h < 0 || est_crypto_key_public(h, pub, sizeof pub) != 65) fail("es256 key", h);
  est_crypto_sha256(msg, sizeof msg, digest);
  BENCH("es256_sign", (void)0, est_crypto_sign(h, digest, 32, sig));
  BENCH("es256_verify", (void)0, est_crypto_verify(EST_CRYPTO_KEY_P256_ECDSA, pub, 65, digest, 32, sig, 64));
  est_crypto_key_close(h);

  BENCH("x25519_keygen", (void)0, (h = est_crypto_key_generate(EST_CRYPTO_KEY_X25519_DH, 0)) > 0 ? est_crypto_key_close(h) : h);
  h = est_crypto_key_generate(EST_CRYPTO_KEY_X25519_DH, 0);
  if (h < 0 || est_crypto_key_public(h, peer, sizeof peer) != 32) fail("x25519 key", h);
  BENCH("x25519_ecdh", (void)0, est_crypto_ecdh(h, peer, 32, z));
  est_crypto_key_close(h);

  BENCH("sha256_1k", (void)0, est_crypto_sha256(msg, sizeof msg, digest));
  BENCH("hmac_sha256_1k", (void)0, est_crypto_hmac_sha256(key16, 16, msg, sizeof msg, digest));
  BENCH("hkdf_sha256_32", (void)0, est_crypto_hkdf_sha256(key16, 16, msg, 32, nonce, 13, z, 32));
  BENCH("aes_ccm_seal_1k", (void)0, est_crypto_aes_ccm_seal(key16, nonce, 13, NULL, 0, msg, sizeof msg, out, 8));
  BENCH("aes_ccm_open_1k", est_crypto_aes_ccm_seal(key16, nonce, 13, NULL, 0, msg, sizeof msg, out, 8),
        est_crypto_aes_ccm_open(key16, nonce, 13, NULL, 0, out, sizeof msg + 8, msg_copy, 8));

  put("heap_high_water", heap_high_water);
  put("stack_high_water", board_stack_high_water());
  json_len += (size_t)snprintf(json + json_len, sizeof json - json_len, "}\n");
  board_puts(0, json);
  board_exit(0);
  return 0;
}
