/* capabilities.h - what the nRF52840 DK board (bare metal, boards/nrf52840) offers the module. */
#ifndef EST_BOARD_CAPABILITIES_H
#define EST_BOARD_CAPABILITIES_H

#define BOARD_NAME "nrf52840"
#define BOARD_RAM_BYTES (256u * 1024u)   /* link.ld: all of the chip's RAM (no SoftDevice reserves any) */
#define BOARD_FLASH_BYTES (1024u * 1024u) /* the last 32 KiB are the key store */
#define BOARD_WASM_MAX_PAGES 2
#include "../common/ram_256k.h"      /* the compiled-code budget and the linear memory allocated */
#ifndef BOARD_COMPILE_EAGERLY
#define BOARD_COMPILE_EAGERLY 0             /* lazy compilation: eager needs ~500 KB of heap (mps2-an386 README) */
#endif
#define BOARD_TRANSPORT "UDP as IPv4 in SLIP frames on UARTE0 (the DK's USB VCOM, 115200 8N1, RTS/CTS)"
#define BOARD_RNG "nRF52840 RNG peripheral (thermal noise), bias correction on (CONFIG.DERCEN = 1)"
#define BOARD_STORE "record log in the last 32 KiB of internal flash (NVMC: 4 KiB pages, word writes); survives resets and power loss"

#endif
