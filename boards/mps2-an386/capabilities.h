/* capabilities.h - what the emulated Cortex-M4F board (QEMU mps2-an386, held to nRF52840 limits) offers. */
#ifndef EST_BOARD_CAPABILITIES_H
#define EST_BOARD_CAPABILITIES_H

#define BOARD_NAME "mps2-an386"
#define BOARD_RAM_BYTES (256u * 1024u)   /* linker script: the nRF52840's RAM, not the AN386's */
#define BOARD_FLASH_BYTES (1024u * 1024u)
#define BOARD_WASM_STACK_BYTES (8u * 1024u) /* wasm3 value stack */
#define BOARD_WASM_MAX_PAGES 2
#define BOARD_COMPILE_EAGERLY 0             /* compile functions when first called: less RAM for code pages */
#define BOARD_TRANSPORT "none yet (SLIP over the UART comes next)"
#define BOARD_RNG "NOT ENTROPY: an emulator has no noise source; a xorshift generator seeded from the clock"
#define BOARD_STORE "RAM table (lost at exit); nRF52840 NVMC page emulation comes with the flash store"

#endif
