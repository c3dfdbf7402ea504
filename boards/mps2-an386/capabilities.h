/* capabilities.h - what the emulated Cortex-M4F board (QEMU mps2-an386, held to nRF52840 limits) offers. */
#ifndef EST_BOARD_CAPABILITIES_H
#define EST_BOARD_CAPABILITIES_H

#define BOARD_NAME "mps2-an386"
#define BOARD_CPU_HZ 25000000u          /* QEMU mps2-an386 processor clock (SysTick source) */
#define BOARD_RAM_BYTES (256u * 1024u)   /* linker script: the nRF52840's RAM, not the AN386's */
#define BOARD_FLASH_BYTES (1024u * 1024u)
#ifndef BOARD_WASM_STACK_BYTES
#define BOARD_WASM_STACK_BYTES (8u * 1024u) /* wasm3 value stack */
#endif
#define BOARD_WASM_MAX_PAGES 2
#ifndef BOARD_COMPILE_EAGERLY
#define BOARD_COMPILE_EAGERLY 0             /* compile functions when first called: less RAM for code pages */
#endif
/* What lets an enrollment fit 256 KiB (README "RAM"): wasm3 keeps at most this much compiled code between two
 * calls into the module, so the code of one step is in RAM at a time, not that of the whole command. */
#ifndef BOARD_CODE_CACHE_BYTES
#define BOARD_CODE_CACHE_BYTES 2048
#endif
/* ... and allocates only this much of the module's two declared 64 KiB pages: its heap top is 116,704 bytes
 * (est-sim selftest --json); the host refuses a module whose heap top is above it, at load. */
#ifndef BOARD_WASM_MEMORY_BYTES
#define BOARD_WASM_MEMORY_BYTES (116u * 1024u)
#endif
#define BOARD_TRANSPORT "none yet (SLIP over the UART comes next)"
#define BOARD_RNG "NOT ENTROPY: an emulator has no noise source; a counter and the SysTick value through xorshift"
#define BOARD_STORE "record log in simulated nRF52840 flash (4 KiB erase pages, word writes), lost when QEMU exits"

#endif
