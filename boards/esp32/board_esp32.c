/*
 * board_esp32.c - boards/board.h for the ESP32 under ESP-IDF v5:
 *   UDP          lwIP's BSD sockets (socket, sendto, select, recvfrom, getaddrinfo), IPv4 and IPv6
 *   RNG          esp_fill_random (the hardware RNG; true entropy while Wi-Fi or Bluetooth runs, see README)
 *   key store    NVS, namespace "est" (CONFIG_EST_NVS_NAMESPACE), one blob per record under the key "r%04x" (record id in hex; ids above
 *                0xffff hold the crypto provider's persistent keys, est_crypto.h)
 *   clock        esp_timer_get_time() / 1000; real time from time() once it has been set (SNTP)
 *   log, output  ESP_LOGx with the tag "est"; command output to stdout
 *
 * The socket part uses only POSIX calls, and the ESP-IDF calls are the handful in the "ESP-IDF" section, so the
 * whole file also compiles on Linux against the stand-in headers of boards/esp32/test/ (test/board-esp32.test.ts
 * runs the module on it there: selftest, the key store across runs, a real UDP exchange).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <netinet/in.h>
#include <unistd.h>

#include "board.h"
#include "bsd_udp.h"
#include "board_esp32.h"
#include "est_abi.h"
#include "est_crypto.h"

#include "esp_err.h"
#include "esp_log.h"
#include "esp_random.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "nvs.h"
#include "sdkconfig.h"

#ifndef CONFIG_EST_NVS_NAMESPACE
#define CONFIG_EST_NVS_NAMESPACE "est"
#endif

static const char *TAG = "est";

/* ---- ESP-IDF: RNG, clock, log, key store ---------------------------------------------------------------- */

int32_t board_rng_fill(uint8_t *out, size_t len) {
  esp_fill_random(out, len);
  return EST_OK;
}

int64_t board_clock_ms(void) { return esp_timer_get_time() / 1000; }

/* The system time, once something set it (SNTP, or the application): an unset ESP32 clock starts at 1970, so
 * a time before 2024-01-01 counts as unknown and the module uses its last-known-good time (pki/time.ts). */
int64_t board_real_time_s(void) {
  time_t t = time(NULL);
  return t >= (time_t)1704067200 ? (int64_t)t : EST_E_UNSUPPORTED;
}

int g_est_log_level = EST_LOG_INFO;

void board_log(int32_t level, const char *msg, size_t len) {
  if (level != EST_LOG_ALWAYS && level > g_est_log_level) return;
  switch (level) {
    case EST_LOG_ERROR: ESP_LOGE(TAG, "%.*s", (int)len, msg); break;
    case EST_LOG_WARN: ESP_LOGW(TAG, "%.*s", (int)len, msg); break;
    case EST_LOG_DEBUG: case EST_LOG_TRACE: ESP_LOGD(TAG, "%.*s", (int)len, msg); break;
    default: ESP_LOGI(TAG, "%.*s", (int)len, msg); break;
  }
}

int32_t board_out(const uint8_t *data, size_t len) {
  if (len && fwrite(data, 1, len, stdout) != len) return EST_E_INTERNAL;
  fflush(stdout);
  return EST_OK;
}

int32_t board_in_read(uint8_t *out, size_t cap) { (void)out; (void)cap; return 0; }
/* No input stream on this board: an empty one, where any position from 0 on is valid. */
int32_t board_in_seek(int32_t offset, int32_t whence) {
  if (whence != EST_IN_SEEK_SET && whence != EST_IN_SEEK_END) return EST_E_USAGE;
  return offset < 0 ? EST_E_USAGE : offset;
}

const char *board_reset_cause(void) {
  switch (esp_reset_reason()) {
    case ESP_RST_POWERON: return "power-on";
    case ESP_RST_SW: return "software reset";
    case ESP_RST_PANIC: return "panic";
    case ESP_RST_INT_WDT: case ESP_RST_TASK_WDT: case ESP_RST_WDT: return "watchdog";
    case ESP_RST_DEEPSLEEP: return "wake from deep sleep";
    case ESP_RST_BROWNOUT: return "brown-out";
    case ESP_RST_EXT: return "external reset pin";
    default: return "other";
  }
}

static nvs_handle_t nvs;
static int nvs_ready;

/* Open the "est" namespace once (nvs_flash_init() is the application's job, before the first command). */
static int32_t store_open(void) {
  if (nvs_ready) return EST_OK;
  esp_err_t e = nvs_open(CONFIG_EST_NVS_NAMESPACE, NVS_READWRITE, &nvs);
  if (e != ESP_OK) {
    ESP_LOGE(TAG, "nvs_open(\"%s\") failed: %s", CONFIG_EST_NVS_NAMESPACE, esp_err_to_name(e));
    return EST_E_STORE_IO;
  }
  nvs_ready = 1;
  return EST_OK;
}

/* "r" and the id in hex, at least 4 digits: "r0100"; the crypto provider's keys above 0xffff: "r10001". */
static void record_key(uint32_t id, char key[8]) { snprintf(key, 8, "r%04x", (unsigned)(id & 0xFFFFFFu)); }

static int32_t store_status(esp_err_t e, const char *what, uint32_t id) {
  if (e == ESP_OK) return EST_OK;
  if (e == ESP_ERR_NVS_NOT_FOUND) return EST_E_STORE_NOT_FOUND;
  if (e == ESP_ERR_NVS_NOT_ENOUGH_SPACE) return EST_E_STORE_FULL;
  if (e == ESP_ERR_NVS_INVALID_LENGTH) return EST_E_BUFFER_TOO_SMALL;
  ESP_LOGE(TAG, "%s of record 0x%04x failed: %s", what, (unsigned)id, esp_err_to_name(e));
  return EST_E_STORE_IO;
}

int32_t board_store_read(uint32_t id, uint8_t *out, size_t cap) {
  if (id > EST_STORE_BOARD_MAX_ID) return EST_E_STORE_ID;
  int32_t st = store_open();
  if (st != EST_OK) return st;
  char key[8];
  record_key(id, key);
  size_t n = 0;
  esp_err_t e = nvs_get_blob(nvs, key, NULL, &n); /* the length first: nothing is copied when it does not fit */
  if (e != ESP_OK) return store_status(e, "reading the length", id);
  if (n > EST_STORE_MAX_RECORD) return EST_E_STORE_CORRUPT;
  if (n > cap) return EST_E_BUFFER_TOO_SMALL;
  e = nvs_get_blob(nvs, key, out, &n);
  if (e != ESP_OK) return store_status(e, "reading", id);
  return (int32_t)n;
}

/* NVS replaces an entry atomically: after a power cut the key holds the old value or the new one. */
int32_t board_store_write(uint32_t id, const uint8_t *data, size_t len) {
  if (id > EST_STORE_BOARD_MAX_ID) return EST_E_STORE_ID;
  if (len > EST_STORE_MAX_RECORD) return EST_E_STORE_TOO_LARGE;
  int32_t st = store_open();
  if (st != EST_OK) return st;
  char key[8];
  record_key(id, key);
  esp_err_t e = nvs_set_blob(nvs, key, data, len);
  if (e == ESP_OK) e = nvs_commit(nvs);
  return store_status(e, "writing", id);
}

int32_t board_store_erase(uint32_t id) {
  if (id > EST_STORE_BOARD_MAX_ID) return EST_E_STORE_ID;
  int32_t st = store_open();
  if (st != EST_OK) return st;
  char key[8];
  record_key(id, key);
  esp_err_t e = nvs_erase_key(nvs, key);
  if (e == ESP_ERR_NVS_NOT_FOUND) return EST_OK;
  if (e == ESP_OK) e = nvs_commit(nvs);
  return store_status(e, "erasing", id);
}

/* ---- UDP over BSD sockets (lwIP on the ESP32, the kernel on Linux): boards/common/sockets/bsd_udp.c ------ */

int32_t board_udp_send(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len) {
  int err = 0;
  int32_t st = bsd_udp_send(addr, addr_len, data, data_len, &err);
  if (st != EST_OK && err) ESP_LOGE(TAG, "cannot send %u bytes: errno %d", (unsigned)data_len, err);
  return st;
}

int32_t board_udp_resolve(const char *name, size_t name_len, uint16_t port, uint8_t *out, size_t out_cap) {
  int32_t n = bsd_udp_resolve(name, name_len, port, out, out_cap);
  if (n == EST_E_NET_RESOLVE) ESP_LOGE(TAG, "cannot resolve %.*s", (int)(name_len > 100 ? 100 : name_len), name);
  return n;
}

int32_t board_wait(int64_t deadline_ms, uint8_t *addr, size_t *addr_len, uint8_t *data, size_t data_cap) {
  for (;;) {
    if (board_esp32_cancelled()) return EST_E_CANCELLED;
    int64_t now = board_clock_ms();
    if (deadline_ms >= 0 && now >= deadline_ms) return BOARD_WAIT_TIMEOUT;
    fd_set rd;
    FD_ZERO(&rd);
    int top = -1, fd4 = bsd_udp_fd4(), fd6 = bsd_udp_fd6();
    if (fd4 >= 0) { FD_SET(fd4, &rd); top = fd4; }
    if (fd6 >= 0) { FD_SET(fd6, &rd); if (fd6 > top) top = fd6; }
    int64_t wait = deadline_ms < 0 ? 1000 : deadline_ms - now;
    if (wait > 1000) wait = 1000; /* wake once a second to notice a cancel */
    struct timeval tv = {(long)(wait / 1000), (long)(wait % 1000) * 1000};
    int r = select(top + 1, top >= 0 ? &rd : NULL, NULL, NULL, &tv);
    if (r < 0) {
      if (errno == EINTR) continue;
      ESP_LOGE(TAG, "select failed: errno %d", errno);
      return EST_E_INTERNAL;
    }
    for (int i = 0; i < 2 && r > 0; i++) {
      int fd = i == 0 ? fd4 : fd6;
      if (fd < 0 || !FD_ISSET(fd, &rd)) continue;
      int32_t got = bsd_udp_recv(fd, addr, addr_len, data, data_cap);
      if (got == -1) continue; /* e.g. an ICMP port unreachable reported on the socket */
      if (got == -2) { ESP_LOGW(TAG, "dropped a datagram larger than the module's %u-byte buffer", (unsigned)data_cap); continue; }
      return got;
    }
  }
}

/* Close the sockets between commands (a command's socket must not receive the next one's answers). */
void board_esp32_net_reset(void) { bsd_udp_close(); }
