/* board.c - stubs for every "board" import of the module ABI (host/include/est_abi.h, assembly/base/abi.ts), for the
 * fuzz harness. wasm2c declares only the imports build/fuzz.wasm keeps (today out and panic); the others are
 * defined weak so the harness still links if an entry starts to use them. Everything is deterministic: no
 * network, an empty store, a fixed clock, a fixed RNG stream. panic prints the module's message and aborts,
 * so libFuzzer records it as a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "board.h"

typedef uint32_t u32;
typedef uint64_t u64;
#define WEAK __attribute__((weak))
#define E_STORE_NOT_FOUND ((u32)-20)
#define E_NETWORK ((u32)-30)

static const uint8_t *span(struct Z_board_instance_t *b, u32 p, u32 n) {
  if (!b || !b->memory || (u64)p + n > b->memory->size) return NULL;
  return b->memory->data + p;
}

WEAK u32 Z_boardZ_udp_send(struct Z_board_instance_t *b, u32 a, u32 al, u32 d, u32 dl) {
  (void)b; (void)a; (void)al; (void)d; (void)dl; return dl; /* sent into the void */
}
WEAK u32 Z_boardZ_udp_resolve(struct Z_board_instance_t *b, u32 n, u32 nl, u32 port, u32 o, u32 oc) {
  (void)b; (void)n; (void)nl; (void)port; (void)o; (void)oc; return E_NETWORK;
}
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
WEAK u32 Z_boardZ_rng_fill(struct Z_board_instance_t *b, u32 p, u32 n) {
  if (!b || (u64)p + n > b->memory->size) abort();
  for (u32 i = 0; i < n; i++) { /* splitmix64, one byte per step: fixed stream */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull; z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    b->memory->data[p + i] = (uint8_t)(z ^ (z >> 31));
  }
  return 0;
}
/* The key store serves one record for every id: the bytes harness.c puts here (the input after its first
 * byte), so that the store target's record parsers read fuzzed records. NULL: an empty store. */
const uint8_t *fuzz_record;
uint32_t fuzz_record_len;
#define E_BUFFER_TOO_SMALL ((u32)-4)
WEAK u32 Z_boardZ_store_read(struct Z_board_instance_t *b, u32 id, u32 o, u32 oc) {
  (void)id;
  if (!fuzz_record) return E_STORE_NOT_FOUND;
  if (!b || (u64)o + oc > b->memory->size) abort(); /* the module passed a range outside its memory */
  if (oc < fuzz_record_len) return E_BUFFER_TOO_SMALL;
  memcpy(b->memory->data + o, fuzz_record, fuzz_record_len);
  return fuzz_record_len;
}
WEAK u32 Z_boardZ_store_write(struct Z_board_instance_t *b, u32 id, u32 p, u32 n) { (void)b; (void)id; (void)p; (void)n; return 0; }
WEAK u32 Z_boardZ_store_erase(struct Z_board_instance_t *b, u32 id) { (void)b; (void)id; return 0; }
WEAK u64 Z_boardZ_clock_ms(struct Z_board_instance_t *b) { (void)b; return 1000; }
WEAK u64 Z_boardZ_real_time_s(struct Z_board_instance_t *b) { (void)b; return (u64)(int64_t)-8; } /* E_UNSUPPORTED */
WEAK void Z_boardZ_log(struct Z_board_instance_t *b, u32 level, u32 p, u32 n) { (void)b; (void)level; (void)p; (void)n; }
WEAK u32 Z_boardZ_in_read(struct Z_board_instance_t *b, u32 p, u32 cap) { (void)b; (void)p; (void)cap; return 0; }
WEAK u32 Z_boardZ_out(struct Z_board_instance_t *b, u32 p, u32 n) { (void)b; (void)p; return n; }

void Z_boardZ_panic(struct Z_board_instance_t *b, u32 m, u32 ml, u32 f, u32 fl, u32 line, u32 col) {
  const uint8_t *msg = span(b, m, ml), *file = span(b, f, fl);
  fprintf(stderr, "module panic: %.*s at %.*s:%u:%u\n", msg ? (int)ml : 1, msg ? (const char *)msg : "?",
          file ? (int)fl : 1, file ? (const char *)file : "?", line, col);
  abort();
}

/* The trap handler of wasm-rt-impl.c (tools/fuzz/trap.h). */
void fuzz_trap(wasm_rt_trap_t code) {
  fprintf(stderr, "wasm trap: %s\n", wasm_rt_strerror(code));
  abort();
}
