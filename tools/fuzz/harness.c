/* harness.c - libFuzzer driver for one export of build/fuzz.wasm (test/fuzz/entry.ts), translated to C by
 * wasm2c. TARGET names the export (e.g. Z_fuzzZ_fuzz_cbor). The input is copied to the module's fuzz_input()
 * buffer and the export runs; a wasm trap (tools/fuzz/trap.h), a module panic (board.c), or linear memory that
 * grows is a crash (abort). The module is instantiated once and reused, as the device reuses it. Inputs longer
 * than fuzz_capacity() are ignored (run with -max_len=8192). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "board.h"

static struct Z_board_instance_t board;
extern const uint8_t *fuzz_record;
extern uint32_t fuzz_record_len;
static Z_fuzz_instance_t inst;
static uint32_t pages;
static int ready, print_status;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ready) {
    wasm_rt_init();
    Z_fuzz_init_module();
    Z_fuzz_instantiate(&inst, &board, NULL); /* the crypto imports (crypto.c) use no instance */
    board.memory = &inst.w2c_memory;
    Z_fuzzZ__start(&inst);
    pages = inst.w2c_memory.pages;
    print_status = getenv("FUZZ_PRINT_STATUS") != NULL; /* to check that a seed reaches the decoder's end */
    ready = 1;
  }
  uint32_t cap = (uint32_t)Z_fuzzZ_fuzz_capacity(&inst);
  if (size > cap) return 0;
  uint32_t at = Z_fuzzZ_fuzz_input(&inst);
  if ((uint64_t)at + cap > inst.w2c_memory.size) abort();
  memcpy(inst.w2c_memory.data + at, data, size);
#ifdef FUZZ_STORE
  /* The store target: the key store serves the input after its first byte (the selector) as every record. */
  fuzz_record = size > 0 ? data + 1 : NULL;
  fuzz_record_len = size > 0 ? (uint32_t)(size - 1) : 0;
#endif
  int32_t st = (int32_t)TARGET(&inst, (u32)size);
  if (print_status) fprintf(stderr, "status %d\n", st);
  if (inst.w2c_memory.pages != pages) {
    fprintf(stderr, "linear memory grew: %u -> %u pages\n", pages, inst.w2c_memory.pages);
    abort(); /* nothing may grow the module's memory */
  }
  return 0;
}
