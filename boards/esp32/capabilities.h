/* capabilities.h - what the ESP32 board (ESP-IDF v5, boards/esp32) offers the module. */
#ifndef EST_BOARD_CAPABILITIES_H
#define EST_BOARD_CAPABILITIES_H

#define BOARD_NAME "esp32"
#define BOARD_RAM_BYTES (520u * 1024u)     /* internal SRAM; an enrollment needs PSRAM besides (README.md) */
#define BOARD_FLASH_BYTES (4u * 1024u * 1024u)
#include "sdkconfig.h"
#define BOARD_WASM_STACK_BYTES CONFIG_EST_WASM_STACK
#define BOARD_WASM_MAX_PAGES 2
/* menuconfig, "EST-oscore client" > "Memory" (components/est_client/Kconfig): by default all compiled code is
 * kept and the whole linear memory allocated; a board short of RAM sets them as boards/nrf52840 does. */
#define BOARD_CODE_CACHE_BYTES CONFIG_EST_CODE_CACHE_BYTES
#define BOARD_WASM_MEMORY_BYTES CONFIG_EST_MEMORY_BYTES
#define BOARD_COMPILE_EAGERLY 0
#define BOARD_TRANSPORT "UDP over lwIP sockets on Wi-Fi (station)"
#define BOARD_RNG "esp_fill_random: the hardware RNG, true entropy while Wi-Fi or Bluetooth runs"
#define BOARD_STORE "NVS, namespace \"est\", one blob per record (atomic replacement per entry)"

#endif
