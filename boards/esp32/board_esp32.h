/* board_esp32.h - what the ESP32 application (main/app_main.c) uses besides boards/board.h. */
#ifndef EST_BOARD_ESP32_H
#define EST_BOARD_ESP32_H

#include <stddef.h>
#include <stdint.h>

/** Module log lines above this EST_LOG_* level are not printed (default EST_LOG_INFO). */
extern int g_est_log_level;

/** Whether the running command should stop (the application defines it: a button, a console command...). */
int board_esp32_cancelled(void);

/** Close the UDP sockets after a command. */
void board_esp32_net_reset(void);

/**
 * The length of the WebAssembly module at the start of `p` (at most `max` bytes): a module in a flash
 * partition is followed by erased flash (0xFF), and wasm has no overall length field, so walk the sections
 * until a byte that cannot start one. Returns the length, or 0 when `p` does not hold a well-formed module
 * (bad magic or version, a section running past `max`).
 */
size_t est_module_length(const uint8_t *p, size_t max);

#endif
