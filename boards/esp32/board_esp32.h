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

#include "module_source.h"

#endif
