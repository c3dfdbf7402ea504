/* board.c - the board interface (boards/board.h) for QEMU's mps2-an386, through ARM semihosting.
 *
 * Output and logs go to the host's stdout/stderr with SYS_WRITE; the clock is SYS_ELAPSED / SYS_TICKFREQ; the
 * command line comes from SYS_GET_CMDLINE; the exit code leaves with SYS_EXIT_EXTENDED. There is no network
 * yet (SLIP over UART0 and the host-side bridge come next), and:
 *   - the RNG is NOT a source of entropy: an emulator has none. A xorshift generator seeded from the elapsed
 *     tick count stands in so that the module's DRBG has input; never use this board's keys for anything real.
 *   - the key store is a table in RAM, lost when QEMU exits.
 */
#include <stdint.h>
#include <string.h>
#include "board.h"
#include "est_abi.h"

/* ---- Semihosting (ARM "Semihosting for AArch32", operation numbers) --------------------------------------- */
#define SYS_OPEN 0x01
#define SYS_WRITE 0x05
#define SYS_GET_CMDLINE 0x15
#define SYS_EXIT_EXTENDED 0x20
#define SYS_ELAPSED 0x30
#define SYS_TICKFREQ 0x31

static int32_t semihost(int32_t op, void *arg) {
  register int32_t r0 __asm__("r0") = op;
  register void *r1 __asm__("r1") = arg;
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static int32_t h_out = -1, h_err = -1;
static int32_t open_tt(int mode) {
  static const char tt[] = ":tt";
  uint32_t a[3] = {(uint32_t)tt, (uint32_t)mode, 3};
  return semihost(SYS_OPEN, a);
}
void board_console_init(void) {
  h_out = open_tt(4); /* "w": the host's stdout */
  h_err = open_tt(8); /* "a": the host's stderr */
}
void board_write(int err, const void *p, size_t n) {
  uint32_t a[3] = {(uint32_t)(err ? h_err : h_out), (uint32_t)p, (uint32_t)n};
  semihost(SYS_WRITE, a);
}
void board_puts(int err, const char *s) { board_write(err, s, strlen(s)); }

int board_cmdline(char *buf, size_t cap) {
  uint32_t a[2] = {(uint32_t)buf, (uint32_t)cap};
  if (semihost(SYS_GET_CMDLINE, a) != 0) return -1;
  return (int)a[1];
}

void board_exit(int code) {
  uint32_t a[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, (uint32_t)code};
  semihost(SYS_EXIT_EXTENDED, a);
  for (;;) {}
}

void board_fault(const char *what) {
  board_puts(1, "est-board: ");
  board_puts(1, what);
  board_puts(1, "\n");
  board_exit(4);
}

/* ---- Clock ------------------------------------------------------------------------------------------------ */
static uint64_t tick_hz;
int64_t board_clock_ms(void) {
  if (!tick_hz) tick_hz = (uint64_t)(uint32_t)semihost(SYS_TICKFREQ, 0);
  uint32_t t[2] = {0, 0};
  if (semihost(SYS_ELAPSED, t) != 0 || tick_hz == 0) return 0;
  uint64_t ticks = ((uint64_t)t[1] << 32) | t[0];
  return (int64_t)(ticks * 1000u / tick_hz);
}

/* ---- RNG: NOT entropy (see the file comment) -------------------------------------------------------------- */
static uint64_t rng_state;
int32_t board_rng_fill(uint8_t *out, size_t len) {
  if (!rng_state) {
    uint32_t t[2] = {0, 0};
    semihost(SYS_ELAPSED, t);
    rng_state = (((uint64_t)t[1] << 32) | t[0]) ^ 0x9e3779b97f4a7c15ull;
  }
  for (size_t i = 0; i < len; i++) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    out[i] = (uint8_t)(rng_state >> 24);
  }
  return EST_OK;
}

/* ---- Key store: a RAM table ------------------------------------------------------------------------------ */
#define STORE_BYTES 16384
#define STORE_SLOTS 48
static uint8_t store_mem[STORE_BYTES];
static struct { uint32_t id; uint32_t off; uint32_t len; int used; } slots[STORE_SLOTS];
static uint32_t store_top;

static int find(uint32_t id) { for (int i = 0; i < STORE_SLOTS; i++) if (slots[i].used && slots[i].id == id) return i; return -1; }

int32_t board_store_read(uint32_t id, uint8_t *out, size_t cap) {
  int i = find(id);
  if (i < 0) return EST_E_STORE_NOT_FOUND;
  size_t n = slots[i].len < cap ? slots[i].len : cap;
  memcpy(out, store_mem + slots[i].off, n);
  return (int32_t)slots[i].len;
}

static void compact(void) {
  uint8_t tmp[256];
  uint32_t top = 0;
  for (int i = 0; i < STORE_SLOTS; i++) {
    if (!slots[i].used) continue;
    for (uint32_t k = 0; k < slots[i].len; k += sizeof tmp) {
      uint32_t n = slots[i].len - k < sizeof tmp ? slots[i].len - k : sizeof tmp;
      memcpy(tmp, store_mem + slots[i].off + k, n);
      memcpy(store_mem + top + k, tmp, n);
    }
    slots[i].off = top;
    top += slots[i].len;
  }
  store_top = top;
}

int32_t board_store_write(uint32_t id, const uint8_t *data, size_t len) {
  if (len > EST_STORE_MAX_RECORD) return EST_E_STORE_TOO_LARGE;
  int i = find(id);
  if (i >= 0) slots[i].used = 0;
  if (store_top + len > STORE_BYTES) compact();
  if (store_top + len > STORE_BYTES) { if (i >= 0) slots[i].used = 1; return EST_E_STORE_FULL; }
  int j = -1;
  for (int k = 0; k < STORE_SLOTS; k++) if (!slots[k].used) { j = k; break; }
  if (j < 0) { if (i >= 0) slots[i].used = 1; return EST_E_STORE_FULL; }
  memcpy(store_mem + store_top, data, len);
  slots[j].id = id; slots[j].off = store_top; slots[j].len = (uint32_t)len; slots[j].used = 1;
  store_top += (uint32_t)len;
  return EST_OK;
}

int32_t board_store_erase(uint32_t id) {
  int i = find(id);
  if (i < 0) return EST_E_STORE_NOT_FOUND;
  slots[i].used = 0;
  return EST_OK;
}

/* ---- Network: not yet ------------------------------------------------------------------------------------ */
int32_t board_udp_send(const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t data_len) {
  (void)addr; (void)addr_len; (void)data; (void)data_len;
  return EST_E_UNSUPPORTED;
}
int32_t board_udp_resolve(const char *name, size_t name_len, uint16_t port, uint8_t *out, size_t out_cap) {
  (void)name; (void)name_len; (void)port; (void)out; (void)out_cap;
  return EST_E_UNSUPPORTED;
}
int32_t board_wait(int64_t deadline_ms, uint8_t *addr, size_t *addr_len, uint8_t *data, size_t data_cap) {
  (void)addr; (void)addr_len; (void)data; (void)data_cap;
  if (deadline_ms < 0) return EST_E_CANCELLED;
  while (board_clock_ms() < deadline_ms) {}
  return BOARD_WAIT_TIMEOUT;
}

/* ---- Log, output, input ---------------------------------------------------------------------------------- */
void board_log(int32_t level, const char *msg, size_t len) {
  if (level > EST_LOG_INFO) return;
  board_puts(1, "est-board: ");
  board_write(1, msg, len);
  board_puts(1, "\n");
}
int32_t board_out(const uint8_t *data, size_t len) { board_write(0, data, len); return EST_OK; }
int32_t board_in_read(uint8_t *out, size_t cap) { (void)out; (void)cap; return 0; }
