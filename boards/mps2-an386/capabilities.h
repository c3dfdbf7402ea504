/* capabilities.h - what the emulated Cortex-M4F board (QEMU mps2-an386, held to nRF52840 limits) offers. */
#ifndef EST_BOARD_CAPABILITIES_H
#define EST_BOARD_CAPABILITIES_H

#define BOARD_NAME "mps2-an386"
#define BOARD_CPU_HZ 25000000u          /* QEMU mps2-an386 processor clock (SysTick source) */
#define BOARD_RAM_BYTES (256u * 1024u)   /* linker script: the nRF52840's RAM, not the AN386's */
#define BOARD_FLASH_BYTES (1024u * 1024u)
#define BOARD_WASM_MAX_PAGES 2
#ifndef BOARD_COMPILE_EAGERLY
#define BOARD_COMPILE_EAGERLY 0             /* compile functions when first called: less RAM for code pages */
#endif
#include "../common/ram_256k.h"      /* the compiled-code budget and the linear memory allocated */
#define BOARD_TRANSPORT "UDP as IPv4 in SLIP frames on UART0, to the host's bridge (tools/hil/bridge.ts)"
#define BOARD_RNG "NOT ENTROPY: an emulator has no noise source; a counter and the SysTick value through xorshift"
#define BOARD_STORE "record log in simulated nRF52840 flash (4 KiB erase pages, word writes), lost when QEMU exits"

#endif
