/* slip_net.h - UDP for boards without a network stack: IPv4/UDP datagrams (RFC 791, RFC 768) in SLIP frames
 * (RFC 1055) over a serial line to a host-side bridge (tools/hil/bridge.ts), which sends them on as real UDP
 * and frames the answers back. slip_net.c implements board_udp_send, board_udp_resolve and board_wait of
 * boards/board.h on top of the three byte-level functions below, which the board supplies.
 *
 * The device is SLIP_NET_DEVICE_IP; the bridge forwards a datagram to whatever destination its IPv4 header
 * names and returns the answers with that source. Only IPv4 literals resolve ("localhost" is 127.0.0.1, the
 * bridge's host); there is no DNS.
 */
#ifndef EST_SLIP_NET_H
#define EST_SLIP_NET_H

#include <stddef.h>
#include <stdint.h>

#define SLIP_NET_DEVICE_IP {10, 83, 76, 2}
/* Largest IPv4 packet carried (header 20 + UDP 8 + payload); longer frames are dropped and counted. */
#define SLIP_NET_MTU 1500u

/* Frames that are not IPv4 (first byte 0x45..0x4F) carry the console of a board without semihosting (the
 * nRF52840 DK's USB serial port carries both): one type byte, then the content. */
#define SLIP_FRAME_OUT 0x00  /* device -> host: command output (bytes as board_out got them) */
#define SLIP_FRAME_LOG 0x01  /* device -> host: one log line, no newline */
#define SLIP_FRAME_CMD 0x02  /* host -> device: a command line, arguments separated by single spaces */
#define SLIP_FRAME_EXIT 0x03 /* device -> host: one byte, the exit code (as est-sim's); the command is over */
#define SLIP_FRAME_HELLO 0x04 /* device -> host: the board is up and waits for a command (text: board name) */

/* ---- Supplied by the board ---- */
/** Send bytes on the serial line; returns when they are queued or sent. */
void board_uart_write(const uint8_t *p, size_t n);
/** The next received byte (0..255), or -1 when none is waiting. Must not block. */
int board_uart_read(void);
/** Nothing to do: sleep until an interrupt (a received byte, the millisecond tick) or return at once. */
void board_idle(void);

/* ---- Supplied by slip_net.c ---- */
/** Pick the source port (from the board's RNG); call once before the first datagram. */
void slip_net_init(void);

/** Send one non-IPv4 frame: the type byte, then n bytes. */
void slip_send_frame(uint8_t type, const uint8_t *p, size_t n);
/** Wait for a SLIP_FRAME_CMD (no deadline); copy it NUL-terminated into buf. Returns its length, or
 *  EST_E_BUFFER_TOO_SMALL when it does not fit (it is dropped). Datagrams that arrive meanwhile are dropped. */
int32_t slip_wait_command(char *buf, size_t cap);

typedef struct {
  uint32_t frames_out, frames_in, bytes_out, bytes_in;
  uint32_t dropped_bad;   /* not IPv4/UDP to us, bad header checksum or length */
  uint32_t dropped_long;  /* longer than SLIP_NET_MTU or than the caller's buffer */
} slip_net_stats_t;
extern slip_net_stats_t slip_net_stats;

#endif
