/* board_posix.h - knobs of the desktop board that main.c sets from the command line. */
#ifndef EST_BOARD_POSIX_H
#define EST_BOARD_POSIX_H

#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

/** Most verbose level printed to stderr (EST_LOG_*); default EST_LOG_WARN. */
extern int g_log_level;
/** The command's input stream (-f FILE) and output stream (-o FILE); NULL: empty input, stdout. */
extern FILE *g_in, *g_out;
/** Set by the SIGINT/SIGTERM handler; board_wait() then returns EST_E_CANCELLED. */
extern volatile sig_atomic_t g_interrupted;

/** The board's real-time clock (--real-time): g_real_time_none set, none (real_time_s answers
 *  EST_E_UNSUPPORTED, as on a board without one); g_real_time_offset seconds added to the system clock. */
extern int g_real_time_none;
extern int64_t g_real_time_offset;

/** printf-style log line from the host side, same format as the module's lines. */
void posix_logf(int32_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
