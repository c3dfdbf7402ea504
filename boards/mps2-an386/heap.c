/* heap.c - the firmware's allocator: malloc/calloc/realloc/free over the RAM between .bss and the stack.
 *
 * Replaces newlib's, for one reason: wasm3 grows its function array one element at a time with realloc, and
 * newlib-nano's realloc always moves (malloc, copy, free), which leaves a trail of holes. Here a block grows
 * in place when the free space after it (or the untouched top of the heap) is large enough.
 *
 * Layout: blocks follow each other from __heap_start__ up to `top`; each starts with a 4-byte header (size of
 * the whole block, a multiple of 8, | 1 when in use) and its payload is 8-byte aligned. Free neighbours are
 * merged when found (on free with the next block, during the search, and when the last block is freed the
 * top comes down). First fit. No locking: the firmware has one thread and no allocation in interrupts.
 *
 * heap_high_water is the highest `top` ever reached (bytes above __heap_start__): the heap's real RAM peak,
 * holes included. heap_in_use counts the bytes of live blocks. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "mcu_board.h"

extern uint8_t __heap_start__[], __stack_limit__[];

uint32_t heap_high_water, heap_now, heap_in_use, heap_in_use_peak, heap_failed_request;

#define USED 1u
#define HDR 4u

static uint8_t *base, *top, *end;

static void init(void) {
  /* The first header sits 4 bytes below an 8-byte boundary, so every payload is 8-byte aligned. */
  base = (uint8_t *)((((uintptr_t)__heap_start__ + HDR + 7u) & ~(uintptr_t)7u) - HDR);
  top = base;
  end = __stack_limit__;
}

static inline uint32_t *hdr(uint8_t *b) { return (uint32_t *)b; }
static inline uint32_t bsize(uint8_t *b) { return *hdr(b) & ~7u; }
static inline int bused(uint8_t *b) { return (int)(*hdr(b) & USED); }

#ifdef HEAP_TRACE
/* Build with -DHEAP_TRACE (EXTRA_CFLAGS=-DHEAP_TRACE bash tools/build-mps2.sh) to log every operation on
 * stderr: "heap OP size address top". */
#include <stdio.h>
static void trace(const char *op, size_t n, const void *p) {
  char m[80];
  snprintf(m, sizeof m, "heap %s %lu %lx %lu\n", op, (unsigned long)n, (unsigned long)(uintptr_t)p, (unsigned long)(top - base));
  board_puts(1, m);
}
#define TRACE(op, n, p) trace(op, n, p)
#else
#define TRACE(op, n, p) ((void)0)
#endif

static void note_top(void) {
  heap_now = (uint32_t)(top - __heap_start__);
  if (heap_now > heap_high_water) heap_high_water = heap_now;
}

/* Merge the free blocks that follow free block b; if b then ends at the top, give it back to the top. */
static void absorb(uint8_t *b) {
  uint32_t s = bsize(b);
  while (b + s < top && !bused(b + s)) s += bsize(b + s);
  if (b + s == top) { top = b; note_top(); return; }
  *hdr(b) = s;
}

static size_t need(size_t n) {
  if (n > 0x7fffffffu) return 0;
  size_t s = (n + HDR + 7u) & ~(size_t)7u;
  return s < 16 ? 16 : s;
}

static void *malloc_(size_t n);
void *malloc(size_t n) { void *p = malloc_(n); TRACE("malloc", n, p); return p; }
static void *malloc_(size_t n) {
  if (!base) init();
  size_t s = need(n);
  if (!s) { errno = ENOMEM; return NULL; }
  for (uint8_t *b = base; b < top; b += bsize(b)) {
    if (bused(b)) continue;
    absorb(b);
    if (b >= top) break; /* it was the last block: now part of the top */
    uint32_t bs = bsize(b);
    if (bs < s) continue;
    if (bs - s >= 16) { *hdr(b + s) = (uint32_t)(bs - s); bs = (uint32_t)s; }
    *hdr(b) = bs | USED;
    heap_in_use += bs;
    if (heap_in_use > heap_in_use_peak) heap_in_use_peak = heap_in_use;
    return b + HDR;
  }
  if ((size_t)(end - top) < s) { heap_failed_request = (uint32_t)n; errno = ENOMEM; return NULL; }
  uint8_t *b = top;
  *hdr(b) = (uint32_t)s | USED;
  top += s;
  note_top();
  heap_in_use += (uint32_t)s;
  if (heap_in_use > heap_in_use_peak) heap_in_use_peak = heap_in_use;
  return b + HDR;
}

void free(void *p) {
  if (!p) return;
  TRACE("free", 0, p);
  uint8_t *b = (uint8_t *)p - HDR;
  heap_in_use -= bsize(b);
  *hdr(b) &= ~USED;
  absorb(b);
}

void *calloc(size_t a, size_t n) {
  if (n && a > SIZE_MAX / n) { errno = ENOMEM; return NULL; }
  void *p = malloc(a * n);
  if (p) memset(p, 0, a * n);
  return p;
}

void *realloc(void *p, size_t n) {
  if (!p) return malloc(n);
  TRACE("realloc", n, p);
  if (!n) { free(p); return NULL; }
  uint8_t *b = (uint8_t *)p - HDR;
  size_t s = need(n);
  if (!s) { errno = ENOMEM; return NULL; }
  uint32_t bs = bsize(b);
  if (s <= bs) { /* shrinking: give the tail back (to the top, or as a free block) */
    if (bs - s >= 16) {
      if (b + bs == top) { top = b + s; note_top(); }
      else { *hdr(b + s) = (uint32_t)(bs - s); absorb(b + s); }
      *hdr(b) = (uint32_t)s | USED;
      heap_in_use -= (uint32_t)(bs - s);
    }
    return p;
  }
  /* Grow in place: take the free blocks after it, then the top. */
  uint32_t have = bs;
  while (b + have < top && !bused(b + have)) have += bsize(b + have);
  if (b + have == top && (size_t)(end - b) >= s) {
    top = b + s;
    note_top();
    *hdr(b) = (uint32_t)s | USED;
    heap_in_use += (uint32_t)(s - bs);
  } else if (have >= s) {
    if (have - s >= 16) { *hdr(b + s) = (uint32_t)(have - s); have = (uint32_t)s; }
    *hdr(b) = have | USED;
    heap_in_use += have - bs;
  } else {
    if (b + have == top) { top = b + bs; note_top(); } /* the free run was the end: back to the top */
    else if (have > bs) *hdr(b + bs) = have - bs;     /* keep the merged free run as one block */
    void *q = malloc(n);
    if (!q) return NULL;
    memcpy(q, p, bs - HDR);
    free(p);
    return q;
  }
  if (heap_in_use > heap_in_use_peak) heap_in_use_peak = heap_in_use;
  return p;
}

/* newlib's reentrant entry points, in case any of its functions allocate. */
struct _reent;
void *_malloc_r(struct _reent *r, size_t n) { (void)r; return malloc(n); }
void _free_r(struct _reent *r, void *p) { (void)r; free(p); }
void *_calloc_r(struct _reent *r, size_t a, size_t n) { (void)r; return calloc(a, n); }
void *_realloc_r(struct _reent *r, void *p, size_t n) { (void)r; return realloc(p, n); }
