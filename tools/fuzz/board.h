/* board.h - the host side of the fuzz module's "board" imports (tools/fuzz/board.c). */
#ifndef FUZZ_BOARD_H
#define FUZZ_BOARD_H
#include "wasm-rt.h"
struct Z_board_instance_t { wasm_rt_memory_t *memory; };
#endif
