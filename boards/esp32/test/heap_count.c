/* heap_count.c - the heap high-water of the ESP32 board code under Linux (tools/build-esp32-linux.sh links it
 * with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free). Every allocation of wasm3, the host and the
 * board code is counted by the bytes asked for, as ESP-IDF's heap_caps_get_minimum_free_size would see them
 * less its per-block overhead; the C library's own allocations (stdio buffers) are not (they do not go through
 * the wrapped symbols). With EST_HEAP_REPORT set, the figures go to stderr when the process exits:
 *   est-esp32: heap high-water N bytes (at exit M)
 * It does not model the ESP32's allocator, its fragmentation or the 32-bit pointer sizes (this build is 64-bit:
 * wasm3's structures that hold pointers are larger here than on the chip). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

/* Each block carries its size in a 16-byte header (keeps malloc's alignment). */
#define HDR 16u
static size_t live, peak;

static void *track(uint8_t *b, size_t n) {
  if (!b) return NULL;
  memcpy(b, &n, sizeof n);
  live += n;
  if (live > peak) peak = live;
  return b + HDR;
}
static size_t size_of(void *p) {
  size_t n;
  memcpy(&n, (uint8_t *)p - HDR, sizeof n);
  return n;
}

void *__wrap_malloc(size_t n) { return n > SIZE_MAX - HDR ? NULL : track(__real_malloc(n + HDR), n); }
void *__wrap_calloc(size_t n, size_t m) {
  if (m && n > (SIZE_MAX - HDR) / m) return NULL;
  return track(__real_calloc(1, n * m + HDR), n * m);
}
void __wrap_free(void *p) {
  if (!p) return;
  live -= size_of(p);
  __real_free((uint8_t *)p - HDR);
}
void *__wrap_realloc(void *p, size_t n) {
  if (!p) return __wrap_malloc(n);
  if (n > SIZE_MAX - HDR) return NULL;
  size_t old = size_of(p);
  uint8_t *b = __real_realloc((uint8_t *)p - HDR, n + HDR);
  if (!b) return NULL;
  live -= old;
  return track(b, n);
}

static void report(void) {
  if (getenv("EST_HEAP_REPORT")) fprintf(stderr, "est-esp32: heap high-water %zu bytes (at exit %zu)\n", peak, live);
}
__attribute__((constructor)) static void heap_count_init(void) { atexit(report); }
