/* trap.h - force-included into wasm-rt-impl.c (tools/fuzz/build.sh): a wasm trap prints its kind and aborts, so
 * libFuzzer records it as a crash (wasm2c would otherwise longjmp to a jump buffer nobody set). */
#include "wasm-rt.h"
void fuzz_trap(wasm_rt_trap_t code) __attribute__((noreturn));
#define WASM_RT_TRAP_HANDLER(code) fuzz_trap(code)
