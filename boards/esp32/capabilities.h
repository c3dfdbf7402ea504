/* capabilities.h - what the ESP32 board (ESP-IDF v5, boards/esp32) offers the module. */
#ifndef EST_BOARD_CAPABILITIES_H
#define EST_BOARD_CAPABILITIES_H

#define BOARD_NAME "esp32"
#define BOARD_RAM_BYTES (520u * 1024u)     /* internal SRAM; an enrollment needs PSRAM besides (README.md) */
#define BOARD_FLASH_BYTES (4u * 1024u * 1024u)
#define BOARD_WASM_STACK_BYTES CONFIG_EST_WASM_STACK
#define BOARD_WASM_MAX_PAGES 2
/* The ESP32 has RAM enough to keep all compiled code and the whole linear memory; on a board short of RAM,
 * set these as boards/nrf52840/capabilities.h does. */
#define BOARD_CODE_CACHE_BYTES 0
#define BOARD_WASM_MEMORY_BYTES 0
#define BOARD_COMPILE_EAGERLY 0
#define BOARD_TRANSPORT "UDP over lwIP sockets on Wi-Fi (station)"
#define BOARD_RNG "esp_fill_random: the hardware RNG, true entropy while Wi-Fi or Bluetooth runs"
#define BOARD_STORE "NVS, namespace \"est\", one blob per record (atomic replacement per entry)"

#endif
