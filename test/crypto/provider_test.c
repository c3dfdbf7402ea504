/*
 * provider_test.c - drives the native crypto provider (host/crypto/psa_provider.c) directly, without wasm:
 * one script line in on stdin, one result line out on stdout. test/crypto-provider.test.ts writes the scripts
 * (RFC vectors, bad handles, bad points, short buffers, persistent keys) and checks the answers; the same
 * script language runs through the `crypto` imports in build/crypto-test.wasm (test/crypto/entry.ts), so the
 * answers of the provider, of est-sim's import glue and of the Node host can be compared line by line.
 *
 * Script (arguments: hex with "-" for empty, decimal integers, or @N = the result of line N, from 0):
 *   caps | random LEN | sha256 HEX | sha256_begin | sha256_update OP HEX | sha256_finish OP | sha256_abort OP
 *   hmac KEY DATA | hkdf SALT IKM INFO LEN | hkdf_expand PRK INFO LEN
 *   ccm_seal KEY NONCE AAD PT TAGLEN [inplace] | ccm_open KEY NONCE AAD CT TAGLEN [inplace]
 *   key_generate TYPE ID | key_import TYPE HEX ID | key_open ID | key_public H CAP | key_close H | key_destroy H
 *   ecdh H PEER | sign H DATA | verify TYPE PUB DATA SIG
 *   reset (est_crypto_reset) | reopen (the key-store file read again, as by a new process)
 * Answer: the result as a decimal integer, then " HEX" for the bytes a successful call wrote (ccm_open also
 * after E_CRYPTO_AUTH, to show the zeroed output). A line it cannot parse answers "ERR".
 *
 * Usage: provider_test STORE_FILE < script. Board functions: getrandom() and boards/posix/store_file.c.
 * Not a product file: it links only the provider and the posix key store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "board.h"
#include "est_abi.h"
#include "est_crypto.h"
#include "store_file.h"

/* ---- The board functions the provider uses ------------------------------------------------------------ */

int32_t board_rng_fill(uint8_t *out, size_t len) {
  while (len) {
    ssize_t n = getrandom(out, len, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return EST_E_RNG;
    out += n;
    len -= (size_t)n;
  }
  return EST_OK;
}
int32_t board_store_read(uint32_t id, uint8_t *out, size_t cap) { return store_file_read(id, out, cap); }
int32_t board_store_write(uint32_t id, const uint8_t *d, size_t n) { return store_file_write(id, d, n); }
int32_t board_store_erase(uint32_t id) { return store_file_erase(id); }
void board_log(int32_t level, const char *msg, size_t len) { fprintf(stderr, "[%d] %.*s\n", (int)level, (int)len, msg); }

/* ---- Script parsing ----------------------------------------------------------------------------------- */

#define MAX_ARGS 8
#define BUF 4096
static long results[100000];
static long nlines;

static int hex_val(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* hex ("-": empty) -> bytes; returns the count or -1. */
static long hex(const char *s, uint8_t *out, size_t cap) {
  if (!strcmp(s, "-")) return 0;
  size_t n = strlen(s);
  if (n % 2 || n / 2 > cap) return -1;
  for (size_t i = 0; i < n; i += 2) {
    int hi = hex_val(s[i]), lo = hex_val(s[i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  return (long)(n / 2);
}

/* decimal (optionally negative) or @N; returns 0 and sets *v, or -1. */
static int num(const char *s, long *v) {
  if (s[0] == '@') {
    char *e;
    long i = strtol(s + 1, &e, 10);
    if (*e || e == s + 1 || i < 0 || i >= nlines) return -1;
    *v = results[i];
    return 0;
  }
  char *e;
  *v = strtol(s, &e, 10);
  return (*e || e == s || !strcmp(s, "-")) ? -1 : 0;
}

static void put_hex(const uint8_t *p, size_t n) {
  if (!n) return;
  putchar(' ');
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

static const char *store_path;

/* Run one line; returns its result, prints its answer. */
static int run(char **a, int n, long *result) {
  static uint8_t b1[BUF], b2[BUF], b3[BUF], b4[BUF], out[BUF + 16];
  long l1, l2, l3, l4, v1, v2, v3;
  const char *c = a[0];
  long r;
  memset(out, 0xaa, sizeof out);
#define NEED(k) if (n != (k) + 1) return -1
  if (!strcmp(c, "caps")) { NEED(0); r = (long)est_crypto_caps(); printf("%ld", r); }
  else if (!strcmp(c, "random")) {
    NEED(1); if (num(a[1], &v1) || v1 < 0 || v1 > BUF) return -1;
    r = est_crypto_random(out, (size_t)v1); printf("%ld", r); if (r == 0) put_hex(out, (size_t)v1);
  } else if (!strcmp(c, "sha256")) {
    NEED(1); if ((l1 = hex(a[1], b1, BUF)) < 0) return -1;
    r = est_crypto_sha256(b1, (size_t)l1, out); printf("%ld", r); if (r == 0) put_hex(out, 32);
  } else if (!strcmp(c, "sha256_begin")) { NEED(0); r = est_crypto_sha256_begin(); printf("%ld", r); }
  else if (!strcmp(c, "sha256_update")) {
    NEED(2); if (num(a[1], &v1) || (l1 = hex(a[2], b1, BUF)) < 0) return -1;
    r = est_crypto_sha256_update((int32_t)v1, b1, (size_t)l1); printf("%ld", r);
  } else if (!strcmp(c, "sha256_finish")) {
    NEED(1); if (num(a[1], &v1)) return -1;
    r = est_crypto_sha256_finish((int32_t)v1, out); printf("%ld", r); if (r == 0) put_hex(out, 32);
  } else if (!strcmp(c, "sha256_abort")) {
    NEED(1); if (num(a[1], &v1)) return -1;
    r = est_crypto_sha256_abort((int32_t)v1); printf("%ld", r);
  } else if (!strcmp(c, "hmac")) {
    NEED(2); if ((l1 = hex(a[1], b1, BUF)) < 0 || (l2 = hex(a[2], b2, BUF)) < 0) return -1;
    r = est_crypto_hmac_sha256(b1, (size_t)l1, b2, (size_t)l2, out); printf("%ld", r); if (r == 0) put_hex(out, 32);
  } else if (!strcmp(c, "hkdf")) {
    NEED(4);
    if ((l1 = hex(a[1], b1, BUF)) < 0 || (l2 = hex(a[2], b2, BUF)) < 0 || (l3 = hex(a[3], b3, BUF)) < 0 ||
        num(a[4], &v1) || v1 < 0 || v1 > BUF) return -1;
    r = est_crypto_hkdf_sha256(b1, (size_t)l1, b2, (size_t)l2, b3, (size_t)l3, out, (size_t)v1);
    printf("%ld", r); if (r == 0) put_hex(out, (size_t)v1);
  } else if (!strcmp(c, "hkdf_expand")) {
    NEED(3);
    if ((l1 = hex(a[1], b1, BUF)) < 0 || (l2 = hex(a[2], b2, BUF)) < 0 || num(a[3], &v1) || v1 < 0 || v1 > BUF) return -1;
    r = est_crypto_hkdf_expand_sha256(b1, (size_t)l1, b2, (size_t)l2, out, (size_t)v1);
    printf("%ld", r); if (r == 0) put_hex(out, (size_t)v1);
  } else if (!strcmp(c, "ccm_seal") || !strcmp(c, "ccm_open")) {
    if (n != 6 && !(n == 7 && !strcmp(a[6], "inplace"))) return -1;
    if (hex(a[1], b1, BUF) != 16 || (l2 = hex(a[2], b2, BUF)) < 0 || (l3 = hex(a[3], b3, BUF)) < 0 ||
        (l4 = hex(a[4], b4, BUF)) < 0 || num(a[5], &v1) || v1 < 0 || v1 > 16) return -1;
    uint8_t *dst = n == 7 ? b4 : out;
    if (c[4] == 's') {
      r = est_crypto_aes_ccm_seal(b1, b2, (size_t)l2, b3, (size_t)l3, b4, (size_t)l4, dst, (size_t)v1);
      printf("%ld", r); if (r > 0) put_hex(dst, (size_t)r);
    } else {
      r = est_crypto_aes_ccm_open(b1, b2, (size_t)l2, b3, (size_t)l3, b4, (size_t)l4, dst, (size_t)v1);
      printf("%ld", r);
      if (r >= 0) put_hex(dst, (size_t)r);
      else if (r == EST_E_CRYPTO_AUTH && l4 > v1) put_hex(dst, (size_t)(l4 - v1));
    }
  } else if (!strcmp(c, "key_generate")) {
    NEED(2); if (num(a[1], &v1) || num(a[2], &v2)) return -1;
    r = est_crypto_key_generate((int32_t)v1, (uint32_t)v2); printf("%ld", r);
  } else if (!strcmp(c, "key_import")) {
    NEED(3); if (num(a[1], &v1) || (l1 = hex(a[2], b1, BUF)) < 0 || num(a[3], &v2)) return -1;
    r = est_crypto_key_import((int32_t)v1, b1, (size_t)l1, (uint32_t)v2); printf("%ld", r);
  } else if (!strcmp(c, "key_open")) {
    NEED(1); if (num(a[1], &v1)) return -1;
    r = est_crypto_key_open((uint32_t)v1); printf("%ld", r);
  } else if (!strcmp(c, "key_public")) {
    NEED(2); if (num(a[1], &v1) || num(a[2], &v2) || v2 < 0 || v2 > BUF) return -1;
    r = est_crypto_key_public((int32_t)v1, out, (size_t)v2); printf("%ld", r); if (r > 0) put_hex(out, (size_t)r);
  } else if (!strcmp(c, "key_close") || !strcmp(c, "key_destroy")) {
    NEED(1); if (num(a[1], &v1)) return -1;
    r = c[4] == 'c' ? est_crypto_key_close((int32_t)v1) : est_crypto_key_destroy((int32_t)v1); printf("%ld", r);
  } else if (!strcmp(c, "ecdh")) {
    NEED(2); if (num(a[1], &v1) || (l1 = hex(a[2], b1, BUF)) < 0) return -1;
    r = est_crypto_ecdh((int32_t)v1, b1, (size_t)l1, out); printf("%ld", r); if (r == 32) put_hex(out, 32);
  } else if (!strcmp(c, "sign")) {
    NEED(2); if (num(a[1], &v1) || (l1 = hex(a[2], b1, BUF)) < 0) return -1;
    r = est_crypto_sign((int32_t)v1, b1, (size_t)l1, out); printf("%ld", r); if (r == 64) put_hex(out, 64);
  } else if (!strcmp(c, "verify")) {
    NEED(4);
    if (num(a[1], &v3) || (l1 = hex(a[2], b1, BUF)) < 0 || (l2 = hex(a[3], b2, BUF)) < 0 || (l3 = hex(a[4], b3, BUF)) < 0) return -1;
    r = est_crypto_verify((int32_t)v3, b1, (size_t)l1, b2, (size_t)l2, b3, (size_t)l3); printf("%ld", r);
  } else if (!strcmp(c, "reset")) { NEED(0); est_crypto_reset(); r = 0; printf("0"); }
  else if (!strcmp(c, "reopen")) {
    NEED(0);
    char err[200];
    r = store_file_open(store_path, STORE_FILE_DEFAULT_CAPACITY, err, sizeof err);
    printf("%ld", r);
  } else return -1;
  *result = r;
  return 0;
#undef NEED
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: provider_test STORE_FILE < script\n"); return 2; }
  store_path = argv[1];
  char err[200];
  if (store_file_open(store_path, STORE_FILE_DEFAULT_CAPACITY, err, sizeof err) != EST_OK) {
    fprintf(stderr, "provider_test: key store %s: %s\n", store_path, err);
    return 2;
  }
  static char line[65536];
  while (fgets(line, sizeof line, stdin)) {
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
    if (!len) continue;
    char *a[MAX_ARGS + 1];
    int n = 0;
    for (char *t = strtok(line, " "); t && n <= MAX_ARGS; t = strtok(NULL, " ")) a[n++] = t;
    long r = 0;
    if (n == 0 || n > MAX_ARGS || run(a, n, &r) != 0) { printf("ERR"); r = 0; }
    putchar('\n');
    fflush(stdout);
    if (nlines < (long)(sizeof results / sizeof results[0])) results[nlines++] = r;
  }
  return 0;
}
