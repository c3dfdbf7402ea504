/*
 * bsd_udp.c - UDP over BSD sockets, shared by boards/posix and boards/esp32 (bsd_udp.h).
 */
#include "bsd_udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "est_abi.h"

static int fd4 = -1, fd6 = -1;

/* Encoded endpoint -> sockaddr (address format in est_abi.h); a zero port is refused. */
static int decode_addr(const uint8_t *a, size_t n, struct sockaddr_storage *ss, socklen_t *sl) {
  memset(ss, 0, sizeof *ss);
  if (n == EST_ADDR_V4_LEN && a[0] == 4) {
    struct sockaddr_in *s = (struct sockaddr_in *)ss;
    s->sin_family = AF_INET;
    s->sin_port = htons((uint16_t)(a[1] << 8 | a[2]));
    memcpy(&s->sin_addr, a + 3, 4);
    *sl = sizeof *s;
    return s->sin_port ? 0 : -1;
  }
  if ((n == EST_ADDR_V6_LEN || n == EST_ADDR_V6_SCOPED_LEN) && a[0] == 6) {
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
    s->sin6_family = AF_INET6;
    s->sin6_port = htons((uint16_t)(a[1] << 8 | a[2]));
    memcpy(&s->sin6_addr, a + 3, 16);
    if (n == EST_ADDR_V6_SCOPED_LEN) s->sin6_scope_id = (uint32_t)a[19] << 24 | (uint32_t)a[20] << 16 | (uint32_t)a[21] << 8 | a[22];
    *sl = sizeof *s;
    return s->sin6_port ? 0 : -1;
  }
  return -1;
}

/* sockaddr -> encoded endpoint; returns its length. */
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

int bsd_udp_socket(int family) {
  int *fd = family == AF_INET ? &fd4 : &fd6;
  if (*fd >= 0) return *fd;
  int s = socket(family, SOCK_DGRAM, 0);
  if (s < 0) return -1;
#ifdef IPV6_V6ONLY
  if (family == AF_INET6) { int one = 1; setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one); }
#endif
  *fd = s;
  return s;
}

int bsd_udp_fd4(void) { return fd4; }
int bsd_udp_fd6(void) { return fd6; }

void bsd_udp_close(void) {
  if (fd4 >= 0) close(fd4);
  if (fd6 >= 0) close(fd6);
  fd4 = fd6 = -1;
}

int32_t bsd_udp_send(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len, int *err) {
  struct sockaddr_storage ss;
  socklen_t sl;
  *err = 0;
  if (decode_addr(addr, addr_len, &ss, &sl) != 0) return EST_E_NET_ADDRESS;
  int s = bsd_udp_socket(ss.ss_family);
  if (s < 0) { *err = errno; return EST_E_NET_ADDRESS; }
  if (sendto(s, data, data_len, 0, (struct sockaddr *)&ss, sl) < 0) {
    int e = *err = errno;
    if (e == EMSGSIZE) return EST_E_NET_TOO_BIG;
    if (e == EAFNOSUPPORT || e == EADDRNOTAVAIL || e == EINVAL) return EST_E_NET_ADDRESS;
    return EST_E_NET_SEND;
  }
  return EST_OK;
}

int32_t bsd_udp_resolve(const char *name, size_t name_len, uint16_t port, uint8_t *out, size_t out_cap) {
  char host[256];
  if (name_len >= 2 && name[0] == '[' && name[name_len - 1] == ']') { name++; name_len -= 2; }
  if (name_len == 0 || name_len >= sizeof host || memchr(name, 0, name_len)) return EST_E_NET_RESOLVE;
  memcpy(host, name, name_len);
  host[name_len] = 0;
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) return EST_E_NET_RESOLVE;
  uint8_t a[EST_ADDR_MAX_LEN];
  size_t n = encode_addr(res->ai_addr, a);
  freeaddrinfo(res);
  a[1] = (uint8_t)(port >> 8);
  a[2] = (uint8_t)port;
  if (out_cap < n) return EST_E_BUFFER_TOO_SMALL;
  memcpy(out, a, n);
  return (int32_t)n;
}

/* lwIP's recvfrom has no MSG_TRUNC: receive into a buffer one byte larger than any datagram the module takes,
 * so that a longer one is seen, and dropped rather than truncated (board.h). */
#ifndef BSD_UDP_MAX_DATAGRAM
#define BSD_UDP_MAX_DATAGRAM 1500 /* an Ethernet MTU's worth: a board's module takes one CoAP datagram */
#endif
static uint8_t rxbuf[BSD_UDP_MAX_DATAGRAM + 1];

int32_t bsd_udp_recv(int fd, uint8_t *addr, size_t *addr_len, uint8_t *data, size_t data_cap) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  ssize_t got = recvfrom(fd, rxbuf, sizeof rxbuf, 0, (struct sockaddr *)&ss, &sl);
  if (got < 0) return -1; /* none waiting, or e.g. an ICMP port unreachable reported on the socket */
  *addr_len = encode_addr((struct sockaddr *)&ss, addr);
  if ((size_t)got > data_cap || (size_t)got == sizeof rxbuf) return -2;
  memcpy(data, rxbuf, (size_t)got);
  return (int32_t)got;
}

void bsd_udp_format(const uint8_t *a, size_t n, char *buf, size_t cap) {
  struct sockaddr_storage ss;
  socklen_t sl;
  char host[INET6_ADDRSTRLEN] = "?";
  if (decode_addr(a, n, &ss, &sl) != 0) { snprintf(buf, cap, "?"); return; }
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
    snprintf(buf, cap, "%s:%u", host, (unsigned)ntohs(((const struct sockaddr_in *)&ss)->sin_port));
  } else {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
    snprintf(buf, cap, "[%s]:%u", host, (unsigned)ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port));
  }
}
