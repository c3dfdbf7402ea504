/*
 * board_posix.c - boards/board.h for Linux: UDP over IPv4 and IPv6 sockets, getrandom(), CLOCK_MONOTONIC,
 * levelled logging to stderr, output to stdout, and the file key store (store_file.c).
 */
#include "board_posix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "est_abi.h"
#include "impair.h"
#include "store_file.h"

int g_log_level = EST_LOG_WARN;
FILE *g_in, *g_out;
volatile sig_atomic_t g_interrupted;
static int g_fd4 = -1, g_fd6 = -1;

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

/* ---- Key store ---------------------------------------------------------------------------------------- */

int32_t board_store_read(uint32_t id, uint8_t *out, size_t cap) { return store_file_read(id, out, cap); }
int32_t board_store_write(uint32_t id, const uint8_t *data, size_t len) { return store_file_write(id, data, len); }
int32_t board_store_erase(uint32_t id) { return store_file_erase(id); }

/* ---- UDP ---------------------------------------------------------------------------------------------- */

/* Encoded endpoint <-> sockaddr (address format in est_abi.h). */
static int decode_addr(const uint8_t *a, size_t n, struct sockaddr_storage *ss, socklen_t *sl) {
  memset(ss, 0, sizeof *ss);
  if (n == EST_ADDR_V4_LEN && a[0] == 4) {
    struct sockaddr_in *s = (struct sockaddr_in *)ss;
    s->sin_family = AF_INET;
    s->sin_port = htons((uint16_t)(a[1] << 8 | a[2]));
    memcpy(&s->sin_addr, a + 3, 4);
    *sl = sizeof *s;
  } else if ((n == EST_ADDR_V6_LEN || n == EST_ADDR_V6_SCOPED_LEN) && a[0] == 6) {
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
    s->sin6_family = AF_INET6;
    s->sin6_port = htons((uint16_t)(a[1] << 8 | a[2]));
    memcpy(&s->sin6_addr, a + 3, 16);
    if (n == EST_ADDR_V6_SCOPED_LEN) s->sin6_scope_id = (uint32_t)a[19] << 24 | (uint32_t)a[20] << 16 | (uint32_t)a[21] << 8 | a[22];
    *sl = sizeof *s;
  } else {
    return -1;
  }
  if ((ss->ss_family == AF_INET ? ((struct sockaddr_in *)ss)->sin_port : ((struct sockaddr_in6 *)ss)->sin6_port) == 0) return -1;
  return 0;
}

static size_t encode_addr(const struct sockaddr *sa, uint8_t *a) {
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
    uint16_t port = ntohs(s->sin_port);
    a[0] = 4; a[1] = (uint8_t)(port >> 8); a[2] = (uint8_t)port;
    memcpy(a + 3, &s->sin_addr, 4);
    return EST_ADDR_V4_LEN;
  }
  const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
  uint16_t port = ntohs(s->sin6_port);
  a[0] = 6; a[1] = (uint8_t)(port >> 8); a[2] = (uint8_t)port;
  memcpy(a + 3, &s->sin6_addr, 16);
  if (!s->sin6_scope_id) return EST_ADDR_V6_LEN;
  uint32_t sc = s->sin6_scope_id;
  a[19] = (uint8_t)(sc >> 24); a[20] = (uint8_t)(sc >> 16); a[21] = (uint8_t)(sc >> 8); a[22] = (uint8_t)sc;
  return EST_ADDR_V6_SCOPED_LEN;
}

static int socket_for(int family) {
  int *fd = family == AF_INET ? &g_fd4 : &g_fd6;
  if (*fd >= 0) return *fd;
  int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0) return -1;
  if (family == AF_INET6) { int one = 1; setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one); }
  *fd = s;
  return s;
}

static void fmt_addr(const struct sockaddr *sa, char *buf, size_t cap) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof host);
    snprintf(buf, cap, "%s:%u", host, ntohs(((const struct sockaddr_in *)sa)->sin_port));
  } else {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof host);
    snprintf(buf, cap, "[%s]:%u", host, ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
  }
}

static int32_t send_now(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len);

/* Send every outgoing copy the impairment layer has released. */
static void flush_impaired(void) {
  static uint8_t a[EST_ADDR_MAX_LEN], d[IMPAIR_MAX_DATAGRAM];
  size_t al;
  int32_t n;
  while ((n = impair_take(1, board_clock_ms(), a, &al, d, sizeof d)) >= 0) send_now(a, al, d, (size_t)n);
}

int32_t board_udp_send(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len) {
  struct sockaddr_storage ss;
  socklen_t sl;
  if (decode_addr(addr, addr_len, &ss, &sl) != 0) return EST_E_NET_ADDRESS;
  if (impair_applies(1)) {
    /* The device cannot tell a datagram lost on the link from a delivered one: always "sent". */
    impair_submit(1, board_clock_ms(), addr, addr_len, data, data_len);
    flush_impaired();
    return EST_OK;
  }
  return send_now(addr, addr_len, data, data_len);
}

static int32_t send_now(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len) {
  struct sockaddr_storage ss;
  socklen_t sl;
  if (decode_addr(addr, addr_len, &ss, &sl) != 0) return EST_E_NET_ADDRESS;
  int s = socket_for(ss.ss_family);
  char where[80];
  fmt_addr((struct sockaddr *)&ss, where, sizeof where);
  if (s < 0) {
    posix_logf(EST_LOG_ERROR, "cannot open a UDP socket for %s: %s", where, strerror(errno));
    return EST_E_NET_ADDRESS;
  }
  if (sendto(s, data, data_len, 0, (struct sockaddr *)&ss, sl) < 0) {
    int e = errno;
    posix_logf(EST_LOG_ERROR, "cannot send %zu bytes to %s: %s", data_len, where, strerror(e));
    if (e == EMSGSIZE) return EST_E_NET_TOO_BIG;
    if (e == EAFNOSUPPORT || e == EADDRNOTAVAIL || e == EINVAL) return EST_E_NET_ADDRESS;
    return EST_E_NET_SEND;
  }
  posix_logf(EST_LOG_TRACE, "sent %zu bytes to %s", data_len, where);
  return EST_OK;
}

int32_t board_udp_resolve(const char *name, size_t name_len, uint16_t port, uint8_t *out, size_t out_cap) {
  char host[256];
  if (name_len >= 2 && name[0] == '[' && name[name_len - 1] == ']') { name++; name_len -= 2; }
  if (name_len == 0 || name_len >= sizeof host || memchr(name, 0, name_len)) return EST_E_NET_RESOLVE;
  memcpy(host, name, name_len);
  host[name_len] = 0;
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  int rc = getaddrinfo(host, NULL, &hints, &res);
  if (rc != 0 || !res) {
    posix_logf(EST_LOG_ERROR, "cannot resolve %s: %s", host, gai_strerror(rc));
    return EST_E_NET_RESOLVE;
  }
  uint8_t a[EST_ADDR_MAX_LEN];
  size_t n = encode_addr(res->ai_addr, a);
  freeaddrinfo(res);
  a[1] = (uint8_t)(port >> 8);
  a[2] = (uint8_t)port;
  if (out_cap < n) return EST_E_BUFFER_TOO_SMALL;
  memcpy(out, a, n);
  return (int32_t)n;
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
    if (g_fd4 >= 0) p[n++] = (struct pollfd){.fd = g_fd4, .events = POLLIN};
    if (g_fd6 >= 0) p[n++] = (struct pollfd){.fd = g_fd6, .events = POLLIN};
    int64_t wait = wake < 0 ? -1 : wake - now;
    int r = poll(p, (nfds_t)n, wait > 60000 ? 60000 : (int)wait);
    if (r < 0) {
      if (errno == EINTR) continue;
      posix_logf(EST_LOG_ERROR, "poll failed: %s", strerror(errno));
      return EST_E_INTERNAL;
    }
    for (int i = 0; i < n; i++) {
      if (!(p[i].revents & (POLLIN | POLLERR))) continue;
      struct sockaddr_storage ss;
      socklen_t sl = sizeof ss;
      ssize_t got = recvfrom(p[i].fd, data, data_cap, MSG_TRUNC, (struct sockaddr *)&ss, &sl);
      if (got < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
          posix_logf(EST_LOG_DEBUG, "receive error: %s", strerror(errno)); /* e.g. ICMP port unreachable */
        continue;
      }
      char where[80];
      fmt_addr((struct sockaddr *)&ss, where, sizeof where);
      if ((size_t)got > data_cap) {
        posix_logf(EST_LOG_WARN, "dropped a %zd-byte datagram from %s: larger than the module's %zu-byte buffer", got, where, data_cap);
        continue;
      }
      posix_logf(EST_LOG_TRACE, "received %zd bytes from %s", got, where);
      *addr_len = encode_addr((struct sockaddr *)&ss, addr);
      if (impair_applies(0)) {
        impair_submit(0, board_clock_ms(), addr, *addr_len, data, (size_t)got);
        break; /* delivered (or not) by impair_take on the next turn */
      }
      return (int32_t)got;
    }
  }
}
