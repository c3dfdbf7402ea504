/*
 * board.h - what a board gives the shared host (host/est_host.c).
 *
 * Each board folder (boards/posix, mps2-an386, nrf52840, esp32) implements these functions once, in C,
 * with plain pointers into host memory. The host has already checked every pointer and length against the
 * module's linear memory before it calls them, so a board never sees a range outside it. All functions
 * return the status codes of est_abi.h (EST_OK, EST_E_*), or a non-negative length where documented.
 *
 * Deliberately not here: threads, heap allocation contracts, a file system. A board may block only inside
 * board_wait().
 */
#ifndef EST_BOARD_H
#define EST_BOARD_H

#include <stddef.h>
#include <stdint.h>

/** Send one datagram to an encoded endpoint (est_abi.h address format). */
int32_t board_udp_send(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len);

/** Resolve a host name or IP literal (not NUL-terminated) to an encoded endpoint with `port`.
 *  Returns the endpoint length, EST_E_NET_RESOLVE, EST_E_BUFFER_TOO_SMALL or EST_E_UNSUPPORTED. */
int32_t board_udp_resolve(const char *name, size_t name_len, uint16_t port, uint8_t *out, size_t out_cap);

/** Wait until a datagram arrives or the clock reaches `deadline_ms` (-1: no deadline).
 *  On a datagram: writes the source endpoint to addr (cap EST_ADDR_MAX_LEN) and the payload to data, sets
 *  *addr_len and returns the payload length (>= 0). When the deadline passes first: BOARD_WAIT_TIMEOUT.
 *  Payloads longer than data_cap are dropped, never truncated. A wait interrupted by a request to stop
 *  (SIGINT on a desktop) returns EST_E_CANCELLED. */
#define BOARD_WAIT_TIMEOUT (-1000)
int32_t board_wait(int64_t deadline_ms, uint8_t *addr, size_t *addr_len, uint8_t *data, size_t data_cap);

/** Fill with entropy. */
int32_t board_rng_fill(uint8_t *out, size_t len);

/** Key store by record id; semantics as the store_* imports of est_abi.h. */
int32_t board_store_read(uint32_t id, uint8_t *out, size_t cap);
int32_t board_store_write(uint32_t id, const uint8_t *data, size_t len);
int32_t board_store_erase(uint32_t id);

/** Monotonic milliseconds. */
int64_t board_clock_ms(void);

/** Real time in seconds since 1970-01-01T00:00:00Z, or EST_E_UNSUPPORTED when the board does not know it
 *  (no real-time clock, or one not set yet). */
int64_t board_real_time_s(void);

/** One log line from the module (no newline) or from the host, at an EST_LOG_* level. */
void board_log(int32_t level, const char *msg, size_t len);

/** Command output, unchanged. */
int32_t board_out(const uint8_t *data, size_t len);

/** The command's input stream: up to cap bytes; returns the count, 0 at the end. */
int32_t board_in_read(uint8_t *out, size_t cap);

/** Move the input stream's read position (EST_IN_SEEK_SET: from the start, EST_IN_SEEK_END: from the end);
 *  returns the new position or EST_E_UNSUPPORTED / EST_E_USAGE / EST_E_LIMIT (est_abi.h, in_seek). */
int32_t board_in_seek(int32_t offset, int32_t whence);

/** Why the board last started, as text for logs and the HIL runner ("power-on", "software reset", ...). */
const char *board_reset_cause(void);

#endif /* EST_BOARD_H */
