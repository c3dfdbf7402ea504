/*
 * board_posix.c - boards/board.h for Linux: UDP over IPv4 and IPv6 sockets, getrandom(), CLOCK_MONOTONIC,
 * CLOCK_REALTIME (or none, or shifted: --real-time),
 * levelled logging to stderr, output to stdout, and the file key store (store_file.c).
 */
#include "board_posix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "bsd_udp.h"
#include "est_abi.h"
#include "impair.h"
#include "store_file.h"

int g_log_level = EST_LOG_WARN;
FILE *g_in, *g_out;
volatile sig_atomic_t g_interrupted;

/* ---- Logging and output ---------------------------------------------------------------------------- */

void board_log(int32_t level, const char *msg, size_t len) {
  static const char *const names[] = {"?", "error", "warn", "info", "debug", "trace"};
  if (level == EST_LOG_ALWAYS) { fprintf(stderr, "%.*s\n", (int)len, msg); return; }
  if (level > g_log_level) return;
  const char *name = (level >= 1 && level <= 5) ? names[level] : names[0];
  fprintf(stderr, "est-sim: [%s] %.*s\n", name, (int)len, msg);
}

void posix_logf(int32_t level, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  board_log(level, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

int32_t board_out(const uint8_t *data, size_t len) {
  FILE *f = g_out ? g_out : stdout;
  if (len && fwrite(data, 1, len, f) != len) return EST_E_INTERNAL;
  fflush(f);
  return EST_OK;
}

int32_t board_in_read(uint8_t *out, size_t cap) {
  if (!g_in || cap == 0) return 0;
  size_t n = fread(out, 1, cap, g_in);
  return (int32_t)n;
}

int32_t board_in_seek(int32_t offset, int32_t whence) {
  if (whence != EST_IN_SEEK_SET && whence != EST_IN_SEEK_END) return EST_E_USAGE;
  if (!g_in) return offset < 0 ? EST_E_USAGE : offset; /* no -f: an empty stream */
  /* The size first, so that a position before the start is refused without moving (a pipe cannot seek). */
  off_t here = ftello(g_in);
  if (here < 0 || fseeko(g_in, 0, SEEK_END) != 0) return EST_E_UNSUPPORTED;
  off_t size = ftello(g_in);
  off_t to = (whence == EST_IN_SEEK_END ? size : 0) + (off_t)offset;
  if (to < 0 || to > INT32_MAX) { (void)fseeko(g_in, here, SEEK_SET); return to < 0 ? EST_E_USAGE : EST_E_LIMIT; }
  if (fseeko(g_in, to, SEEK_SET) != 0) return EST_E_UNSUPPORTED;
  return (int32_t)to;
}

const char *board_reset_cause(void) { return "process start"; }

/* ---- RNG and clock ------------------------------------------------------------------------------------ */

int32_t board_rng_fill(uint8_t *out, size_t len) {
  while (len) {
    ssize_t n = getrandom(out, len, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return EST_E_RNG;
    out += n;
    len -= (size_t)n;
  }
  return EST_OK;
}

int64_t board_clock_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int g_real_time_none;
int64_t g_real_time_offset;

int64_t board_real_time_s(void) {
  if (g_real_time_none) return EST_E_UNSUPPORTED;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec + g_real_time_offset;
}

/* ---- Key store ---------------------------------------------------------------------------------------- */

int32_t board_store_read(uint32_t id, uint8_t *out, size_t cap) { return store_file_read(id, out, cap); }
int32_t board_store_write(uint32_t id, const uint8_t *data, size_t len) { return store_file_write(id, data, len); }
int32_t board_store_erase(uint32_t id) { return store_file_erase(id); }

/* ---- UDP ---------------------------------------------------------------------------------------------- */

static int32_t send_now(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len);

/* Send every outgoing copy the impairment layer has released. */
static void flush_impaired(void) {
  static uint8_t a[EST_ADDR_MAX_LEN], d[IMPAIR_MAX_DATAGRAM];
  size_t al;
  int32_t n;
  while ((n = impair_take(1, board_clock_ms(), a, &al, d, sizeof d)) >= 0) send_now(a, al, d, (size_t)n);
}

int32_t board_udp_send(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len) {
  if (addr_len == 0 || (addr[0] != 4 && addr[0] != 6) || (addr[1] == 0 && addr[2] == 0)) return EST_E_NET_ADDRESS;
  if (impair_applies(1)) {
    /* The device cannot tell a datagram lost on the link from a delivered one: always "sent". */
    impair_submit(1, board_clock_ms(), addr, addr_len, data, data_len);
    flush_impaired();
    return EST_OK;
  }
  return send_now(addr, addr_len, data, data_len);
}

static int32_t send_now(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len) {
  char where[80];
  bsd_udp_format(addr, addr_len, where, sizeof where);
  int err = 0;
  int32_t st = bsd_udp_send(addr, addr_len, data, data_len, &err);
  if (st != EST_OK) {
    posix_logf(EST_LOG_ERROR, "cannot send %zu bytes to %s: %s", data_len, where, err ? strerror(err) : "bad address");
    return st;
  }
  posix_logf(EST_LOG_TRACE, "sent %zu bytes to %s", data_len, where);
  return EST_OK;
}

int32_t board_udp_resolve(const char *name, size_t name_len, uint16_t port, uint8_t *out, size_t out_cap) {
  int32_t n = bsd_udp_resolve(name, name_len, port, out, out_cap);
  if (n == EST_E_NET_RESOLVE) posix_logf(EST_LOG_ERROR, "cannot resolve %.*s", (int)(name_len > 200 ? 200 : name_len), name);
  return n;
}

int32_t board_wait(int64_t deadline_ms, uint8_t *addr, size_t *addr_len, uint8_t *data, size_t data_cap) {
  for (;;) {
    if (g_interrupted) return EST_E_CANCELLED;
    flush_impaired();
    int64_t now = board_clock_ms();
    int32_t held = impair_take(0, now, addr, addr_len, data, data_cap);
    if (held >= 0) return held;
    if (deadline_ms >= 0 && now >= deadline_ms) return BOARD_WAIT_TIMEOUT;
    int64_t wake = deadline_ms, due = impair_next_due();
    if (due >= 0 && (wake < 0 || due < wake)) wake = due;
    struct pollfd p[2];
    int n = 0;
    if (bsd_udp_fd4() >= 0) p[n++] = (struct pollfd){.fd = bsd_udp_fd4(), .events = POLLIN};
    if (bsd_udp_fd6() >= 0) p[n++] = (struct pollfd){.fd = bsd_udp_fd6(), .events = POLLIN};
    int64_t wait = wake < 0 ? -1 : wake - now;
    int r = poll(p, (nfds_t)n, wait > 60000 ? 60000 : (int)wait);
    if (r < 0) {
      if (errno == EINTR) continue;
      posix_logf(EST_LOG_ERROR, "poll failed: %s", strerror(errno));
      return EST_E_INTERNAL;
    }
    for (int i = 0; i < n; i++) {
      if (!(p[i].revents & (POLLIN | POLLERR))) continue;
      int32_t got = bsd_udp_recv(p[i].fd, addr, addr_len, data, data_cap);
      if (got == -1) { posix_logf(EST_LOG_DEBUG, "receive error: %s", strerror(errno)); continue; } /* e.g. ICMP port unreachable */
      char where[80];
      bsd_udp_format(addr, *addr_len, where, sizeof where);
      if (got == -2) {
        posix_logf(EST_LOG_WARN, "dropped a datagram from %s: larger than the module's %zu-byte buffer", where, data_cap);
        continue;
      }
      posix_logf(EST_LOG_TRACE, "received %d bytes from %s", (int)got, where);
      if (impair_applies(0)) {
        impair_submit(0, board_clock_ms(), addr, *addr_len, data, (size_t)got);
        break; /* delivered (or not) by impair_take on the next turn */
      }
      return (int32_t)got;
    }
  }
}
