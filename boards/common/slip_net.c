/* slip_net.c - board_udp_send, board_udp_resolve and board_wait (boards/board.h) for a board whose only link is
 * a serial line: IPv4/UDP datagrams in SLIP frames, plus the console frames of slip_net.h. See slip_net.h.
 *
 * Framing (RFC 1055): END (0xC0) before and after each frame; inside, END is sent as ESC ESC_END (0xDB 0xDC)
 * and ESC as ESC ESC_ESC (0xDB 0xDD). A frame that overflows the receive buffer or holds an invalid escape is
 * dropped whole at the next END, so a line glitch costs at most one frame.
 *
 * IPv4 (RFC 791): version 4, IHL 5 (options are dropped as bad), no fragments (MF or an offset: dropped), DF
 * set on what we send, TTL 64, header checksum checked and set. UDP (RFC 768): the checksum is set on what we
 * send and checked when the sender set one (non-zero), over the pseudo-header as the RFC defines it.
 */
#include "slip_net.h"

#include <string.h>

#include "board.h"
#include "est_abi.h"

#define SLIP_END 0xC0u
#define SLIP_ESC 0xDBu
#define SLIP_ESC_END 0xDCu
#define SLIP_ESC_ESC 0xDDu

#define IP_HDR 20u
#define UDP_HDR 8u
#define IP_PROTO_UDP 17u

slip_net_stats_t slip_net_stats;
static const uint8_t device_ip[4] = SLIP_NET_DEVICE_IP;
static uint16_t src_port, ip_id;

/* ---- Receive: a frame assembler fed one byte at a time ------------------------------------------------ */
static uint8_t rx[SLIP_NET_MTU];
static size_t rx_len;
static int rx_esc, rx_bad;

/* Feed one byte; returns the length of a completed frame in rx (> 0), else 0. */
static size_t slip_feed(uint8_t b) {
  if (b == SLIP_END) {
    size_t n = rx_bad ? 0 : rx_len;
    if (rx_bad) slip_net_stats.dropped_long++;
    rx_len = 0; rx_esc = 0; rx_bad = 0;
    return n;
  }
  if (rx_bad) return 0;
  if (rx_esc) {
    rx_esc = 0;
    if (b == SLIP_ESC_END) b = SLIP_END;
    else if (b == SLIP_ESC_ESC) b = SLIP_ESC;
    else { rx_bad = 1; return 0; } /* protocol violation: drop the frame (counted as long: not a datagram) */
  } else if (b == SLIP_ESC) {
    rx_esc = 1;
    return 0;
  }
  if (rx_len == sizeof rx) { rx_bad = 1; return 0; }
  rx[rx_len++] = b;
  return 0;
}

/* Wait for the next complete frame until deadline_ms (-1: none). Returns its length or BOARD_WAIT_TIMEOUT. */
static int32_t next_frame(int64_t deadline_ms) {
  for (;;) {
    int c = board_uart_read();
    if (c >= 0) {
      size_t n = slip_feed((uint8_t)c);
      if (n) return (int32_t)n;
      continue;
    }
    if (deadline_ms >= 0 && board_clock_ms() >= deadline_ms) return BOARD_WAIT_TIMEOUT;
    board_idle();
  }
}

/* ---- Send ----------------------------------------------------------------------------------------------- */
static void slip_put(const uint8_t *p, size_t n) {
  uint8_t buf[64];
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (k + 2 > sizeof buf) { board_uart_write(buf, k); k = 0; }
    if (p[i] == SLIP_END) { buf[k++] = SLIP_ESC; buf[k++] = SLIP_ESC_END; }
    else if (p[i] == SLIP_ESC) { buf[k++] = SLIP_ESC; buf[k++] = SLIP_ESC_ESC; }
    else buf[k++] = p[i];
  }
  if (k) board_uart_write(buf, k);
}
static void slip_end(void) { const uint8_t e = SLIP_END; board_uart_write(&e, 1); }

void slip_send_frame(uint8_t type, const uint8_t *p, size_t n) {
  slip_end(); /* a leading END flushes whatever line noise the receiver has collected */
  slip_put(&type, 1);
  slip_put(p, n);
  slip_end();
}

/* ---- Checksums ------------------------------------------------------------------------------------------ */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2) acc += (uint32_t)p[i] << 8 | p[i + 1];
  if (n & 1) acc += (uint32_t)p[n - 1] << 8;
  return acc;
}
static uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xFFFFu) + (acc >> 16);
  return (uint16_t)~acc;
}
/* UDP checksum over the pseudo-header (src, dst, 0, 17, UDP length) and the UDP header + payload. */
static uint16_t udp_sum(const uint8_t *src, const uint8_t *dst, const uint8_t *udp, size_t udp_len) {
  uint32_t acc = sum16(0, src, 4);
  acc = sum16(acc, dst, 4);
  acc += IP_PROTO_UDP + (uint32_t)udp_len;
  return fold(sum16(acc, udp, udp_len));
}
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* ---- board.h -------------------------------------------------------------------------------------------- */
void slip_net_init(void) {
  uint8_t r[4];
  if (board_rng_fill(r, sizeof r) != EST_OK) memset(r, 0x5A, sizeof r);
  src_port = (uint16_t)(49152u + (get16(r) & 0x3FFFu)); /* RFC 6335 dynamic range */
  ip_id = get16(r + 2);
}

int32_t board_udp_send(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len) {
  if (addr_len != EST_ADDR_V4_LEN || addr[0] != 4) return EST_E_UNSUPPORTED; /* IPv4 only on this link */
  uint16_t dport = get16(addr + 1);
  if (dport == 0) return EST_E_NET_ADDRESS;
  if (data_len > SLIP_NET_MTU - IP_HDR - UDP_HDR) return EST_E_NET_TOO_BIG;
  if (!src_port) slip_net_init();
  uint8_t h[IP_HDR + UDP_HDR];
  size_t total = IP_HDR + UDP_HDR + data_len;
  h[0] = 0x45; h[1] = 0;
  put16(h + 2, (uint32_t)total);
  put16(h + 4, ip_id++);
  h[6] = 0x40; h[7] = 0; /* DF, offset 0 */
  h[8] = 64; h[9] = IP_PROTO_UDP;
  put16(h + 10, 0);
  memcpy(h + 12, device_ip, 4);
  memcpy(h + 16, addr + 3, 4);
  put16(h + 10, fold(sum16(0, h, IP_HDR)));
  uint8_t *u = h + IP_HDR;
  put16(u, src_port);
  put16(u + 2, dport);
  put16(u + 4, (uint32_t)(UDP_HDR + data_len));
  put16(u + 6, 0);
  uint32_t acc = sum16(0, h + 12, 8) + IP_PROTO_UDP + (uint32_t)(UDP_HDR + data_len);
  acc = sum16(acc, u, UDP_HDR);
  /* The payload may be odd-length: sum16 pads its last byte as RFC 768 says. */
  uint16_t cs = fold(sum16(acc, data, data_len));
  put16(u + 6, cs ? cs : 0xFFFFu); /* 0 means "no checksum": send its one's-complement twin */
  slip_end();
  slip_put(h, sizeof h);
  slip_put(data, data_len);
  slip_end();
  slip_net_stats.frames_out++;
  slip_net_stats.bytes_out += (uint32_t)data_len;
  return EST_OK;
}

int32_t board_udp_resolve(const char *name, size_t name_len, uint16_t port, uint8_t *out, size_t out_cap) {
  if (out_cap < EST_ADDR_V4_LEN) return EST_E_BUFFER_TOO_SMALL;
  uint8_t ip[4] = {0, 0, 0, 0};
  if (name_len == 9 && memcmp(name, "localhost", 9) == 0) {
    ip[0] = 127; ip[3] = 1;
  } else {
    /* A dotted-quad literal: four decimal octets 0..255, no leading '+', no empty parts. */
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
      uint32_t v = 0;
      size_t digits = 0;
      while (i < name_len && name[i] >= '0' && name[i] <= '9' && digits < 4) { v = v * 10 + (uint32_t)(name[i] - '0'); i++; digits++; }
      if (digits == 0 || digits > 3 || v > 255) return EST_E_NET_RESOLVE;
      ip[part] = (uint8_t)v;
      if (part < 3) { if (i >= name_len || name[i] != '.') return EST_E_NET_RESOLVE; i++; }
    }
    if (i != name_len) return EST_E_NET_RESOLVE; /* a host name or IPv6: no DNS and no IPv6 on this link */
  }
  out[0] = 4;
  put16(out + 1, port);
  memcpy(out + 3, ip, 4);
  return EST_ADDR_V4_LEN;
}

/* A received IPv4/UDP frame addressed to us: the payload's offset in rx, or -1 (counted as bad). */
static int32_t udp_payload(size_t n, uint8_t *addr, size_t *addr_len, size_t *plen) {
  if (n < IP_HDR + UDP_HDR || rx[0] != 0x45) return -1;
  size_t total = get16(rx + 2);
  if (total < IP_HDR + UDP_HDR || total > n) return -1;
  if ((get16(rx + 6) & 0x3FFFu) != 0) return -1; /* a fragment */
  if (rx[9] != IP_PROTO_UDP || fold(sum16(0, rx, IP_HDR)) != 0) return -1;
  if (memcmp(rx + 16, device_ip, 4) != 0) return -1;
  const uint8_t *u = rx + IP_HDR;
  size_t ulen = get16(u + 4);
  if (ulen < UDP_HDR || ulen != total - IP_HDR) return -1;
  if (get16(u + 2) != src_port) return -1;
  if (get16(u + 6) != 0 && udp_sum(rx + 12, rx + 16, u, ulen) != 0) return -1;
  addr[0] = 4;
  memcpy(addr + 1, u, 2); /* source port */
  memcpy(addr + 3, rx + 12, 4);
  *addr_len = EST_ADDR_V4_LEN;
  *plen = ulen - UDP_HDR;
  return (int32_t)(IP_HDR + UDP_HDR);
}

int32_t board_wait(int64_t deadline_ms, uint8_t *addr, size_t *addr_len, uint8_t *data, size_t data_cap) {
  if (!src_port) slip_net_init();
  for (;;) {
    int32_t n = next_frame(deadline_ms);
    if (n < 0) return n;
    if (rx[0] < 0x45 || rx[0] > 0x4F) continue; /* a console frame while a command runs: not for us */
    size_t plen = 0;
    int32_t off = udp_payload((size_t)n, addr, addr_len, &plen);
    if (off < 0) { slip_net_stats.dropped_bad++; continue; }
    if (plen > data_cap) { slip_net_stats.dropped_long++; continue; } /* dropped, never truncated */
    memcpy(data, rx + off, plen);
    slip_net_stats.frames_in++;
    slip_net_stats.bytes_in += (uint32_t)plen;
    return (int32_t)plen;
  }
}

int32_t slip_wait_command(char *buf, size_t cap) {
  for (;;) {
    int32_t n = next_frame(-1);
    if (n <= 0 || rx[0] != SLIP_FRAME_CMD) continue;
    if ((size_t)n > cap) return EST_E_BUFFER_TOO_SMALL; /* n - 1 bytes and the NUL */
    memcpy(buf, rx + 1, (size_t)n - 1);
    buf[n - 1] = 0;
    return n - 1;
  }
}
