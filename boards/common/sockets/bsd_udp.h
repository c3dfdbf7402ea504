/*
 * bsd_udp.h - UDP over BSD sockets for the boards that have them (boards/posix on Linux, boards/esp32 on
 * lwIP): the encoded endpoints of est_abi.h to and from sockaddr, one socket per address family, sending,
 * resolving, and receiving one datagram without truncating it. The waiting loop stays each board's own
 * (poll and the impairment layer on Linux, select with a cancel check on the ESP32).
 */
#ifndef EST_BSD_UDP_H
#define EST_BSD_UDP_H

#include <stddef.h>
#include <stdint.h>

/** The socket of an address family (AF_INET, AF_INET6), opened on first use; -1 when it cannot be. */
int bsd_udp_socket(int family);
/** The sockets open now (-1: none), for a board's wait loop. */
int bsd_udp_fd4(void);
int bsd_udp_fd6(void);
/** Close both sockets (a new command must not receive the last one's answers). */
void bsd_udp_close(void);

/** Send a datagram to an encoded endpoint. Returns EST_OK, EST_E_NET_ADDRESS, EST_E_NET_TOO_BIG or
 *  EST_E_NET_SEND; *err receives errno on a failed send (0 otherwise). */
int32_t bsd_udp_send(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len, int *err);

/** Resolve a name or an IP literal (optionally in brackets) with getaddrinfo into an encoded endpoint.
 *  Returns its length, EST_E_NET_RESOLVE or EST_E_BUFFER_TOO_SMALL. */
int32_t bsd_udp_resolve(const char *name, size_t name_len, uint16_t port, uint8_t *out, size_t out_cap);

/** Receive one datagram from fd into data: its length, -1 when there was none (or a socket error), or -2 when
 *  it was longer than data_cap (dropped, never truncated). The source endpoint goes to addr. */
int32_t bsd_udp_recv(int fd, uint8_t *addr, size_t *addr_len, uint8_t *data, size_t data_cap);

/** "192.0.2.1:5683" / "[2001:db8::1]:5683" of an encoded endpoint, for logs. */
void bsd_udp_format(const uint8_t *addr, size_t addr_len, char *buf, size_t cap);

#endif /* EST_BSD_UDP_H */
