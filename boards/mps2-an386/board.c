/* board.c - the board interface (boards/board.h) for QEMU's mps2-an386, through ARM semihosting.
 *
 * Output and logs go to the host's stdout/stderr with SYS_WRITE; the command line comes from SYS_GET_CMDLINE;
 * the exit code leaves with SYS_EXIT_EXTENDED (with --console they travel as SLIP frames instead, as on the
 * nRF52840). The clock is the SysTick (1 ms interrupt). UDP travels as IPv4 in SLIP frames on UART0
 * (boards/common/slip_net.c) to the host's bridge, and:
 *   - the RNG is NOT a source of entropy: an emulator has none. A counter and the SysTick value mixed by a
 *     xorshift generator stand in so that the module's DRBG has input; never use this board's keys for
 *     anything real.
 *   - the key store (boards/common/flash_store.c) is a record log in simulated nRF52840 flash (flash.c), kept
 *     in a host file when the command line names one (--flash FILE), else lost when QEMU exits.
 */
#include <stdint.h>
#include <string.h>
#include "board.h"
#include "capabilities.h"
#include "est_abi.h"
#include "slip_net.h"

/* ---- Semihosting (ARM "Semihosting for AArch32", operation numbers) --------------------------------------- */
#define SYS_OPEN 0x01
#define SYS_WRITE 0x05
#define SYS_TIME 0x11
#define SYS_GET_CMDLINE 0x15
#define SYS_EXIT_EXTENDED 0x20

int32_t semihost(int32_t op, void *arg) {
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
static void semihost_write(int err, const void *p, size_t n) {
  uint32_t a[3] = {(uint32_t)(err ? h_err : h_out), (uint32_t)p, (uint32_t)n};
  semihost(SYS_WRITE, a);
}

/* ---- Console mode (--console): the nRF52840's SLIP console on UART0 ---------------------------------------
 * With --console the board behaves like boards/nrf52840 on its serial port: HELLO, a command in a CMD frame,
 * output in OUT frames, each stderr line in a LOG frame, then EXIT. That lets the HIL runner's serial path
 * (tools/hil/run.ts --board serial) run in CI against QEMU. Log lines are still copied to semihosting stderr. */
int board_console_frames;
#define CONSOLE_CHUNK 1024u
static char log_line[1024]; /* the stats line is about 700 bytes: one frame */
static size_t log_len;
static void log_flush(void) {
  if (log_len) slip_send_frame(SLIP_FRAME_LOG, (const uint8_t *)log_line, log_len);
  log_len = 0;
}

void board_write(int err, const void *p, size_t n) {
  if (!board_console_frames) { semihost_write(err, p, n); return; }
  const uint8_t *b = (const uint8_t *)p;
  if (!err) {
    do {
      size_t k = n < CONSOLE_CHUNK ? n : CONSOLE_CHUNK;
      slip_send_frame(SLIP_FRAME_OUT, b, k);
      b += k;
      n -= k;
    } while (n);
    return;
  }
  semihost_write(1, p, n);
  for (size_t i = 0; i < n; i++) { /* a longer line goes out in pieces */
    if (b[i] == '\n') { log_flush(); continue; }
    if (log_len == sizeof log_line) log_flush();
    log_line[log_len++] = (char)b[i];
  }
}
void board_puts(int err, const char *s) { board_write(err, s, strlen(s)); }

/* The emulator's host clock (SYS_TIME: seconds since 1970), moved on by SysTick between calls: the board's
 * real-time clock. */
int64_t board_wall_time_s(void) {
  static int64_t base = -1, base_ms;
  if (base < 0) { base = semihost(SYS_TIME, NULL); base_ms = board_clock_ms(); }
  return base < 0 ? -1 : base + (board_clock_ms() - base_ms) / 1000;
}

int board_cmdline(char *buf, size_t cap) {
  uint32_t a[2] = {(uint32_t)buf, (uint32_t)cap};
  if (semihost(SYS_GET_CMDLINE, a) != 0) return -1;
  return (int)a[1];
}

void board_exit(int code) {
  if (board_console_frames) {
    uint8_t c = (uint8_t)code;
    log_flush();
    slip_send_frame(SLIP_FRAME_EXIT, &c, 1);
  }
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

/* ---- Clock: SysTick ---------------------------------------------------------------------------------------
 * The Cortex-M4 SysTick on the processor clock (QEMU's mps2-an386: 25 MHz), reloaded every millisecond; its
 * interrupt counts milliseconds. Under QEMU without -icount the emulated clock follows the host's. */
#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)
#define CPU_HZ BOARD_CPU_HZ
static volatile uint32_t ms_ticks;

void systick_handler(void) { ms_ticks++; }

void board_clock_init(void) {
  SYST_RVR = CPU_HZ / 1000u - 1u;
  SYST_CVR = 0;
  SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

int64_t board_clock_ms(void) { return (int64_t)ms_ticks; }

/* No calendar clock: the module judges certificate dates by its last-known-good time (pki/time.ts). */
int64_t board_real_time_s(void) { return EST_E_UNSUPPORTED; }

/* ---- RNG: NOT entropy (see the file comment) --------------------------------------------------------------
 * A counter and the SysTick's current value (whatever jitter the emulator's timing gives it) mixed by a
 * xorshift generator. Predictable by anyone who can guess the boot timing: a placeholder so that the module's
 * DRBG gets input, never a source of key material. */
static uint64_t rng_state, rng_counter;
int32_t board_rng_fill(uint8_t *out, size_t len) {
  rng_counter++;
  rng_state ^= ((uint64_t)SYST_CVR << 32) ^ ((uint64_t)ms_ticks << 8) ^ rng_counter ^ 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < len; i++) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    out[i] = (uint8_t)(rng_state >> 24);
  }
  return EST_OK;
}

/* ---- UART0 (CMSDK APB UART at 0x40004000): the SLIP link to the host's bridge ---------------------------
 * QEMU connects it to its first serial port (-serial tcp:...: tools/hil/bridge.ts). The UART holds one
 * received byte; its RX interrupt (IRQ 0 on the AN385/AN386) moves each byte into a ring buffer, so nothing is
 * lost while the module computes (QEMU also holds bytes back while the holding register is full). */
#define UART0_DATA (*(volatile uint32_t *)0x40004000)
#define UART0_STATE (*(volatile uint32_t *)0x40004004)
#define UART0_CTRL (*(volatile uint32_t *)0x40004008)
#define UART0_INTCLEAR (*(volatile uint32_t *)0x4000400C)
#define UART0_BAUDDIV (*(volatile uint32_t *)0x40004010)
#define UART_STATE_TXFULL 1u
#define UART_STATE_RXFULL 2u
#define UART_CTRL_TX_EN 1u
#define UART_CTRL_RX_EN 2u
#define UART_CTRL_RX_INTEN 8u
#define UART_INT_RX 2u
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100)
#define UART0_RX_IRQ 0u

static uint8_t uart_ring[4096]; /* a power of two */
static volatile uint32_t ring_head, ring_tail;
uint32_t uart_ring_overflows;

/* Move every waiting byte into the ring. Called from the RX interrupt, and with interrupts masked from
 * board_uart_read. */
static void uart_drain(void) {
  while (UART0_STATE & UART_STATE_RXFULL) {
    uint8_t b = (uint8_t)UART0_DATA;
    if (ring_head - ring_tail < sizeof uart_ring) uart_ring[ring_head++ % sizeof uart_ring] = b;
    else uart_ring_overflows++;
  }
}

/* Clear the interrupt BEFORE draining: a byte that lands after the drain loop then raises it again. Clearing
 * after the loop lost that interrupt, and with the holding register full QEMU delivers nothing more: the link
 * stalled for good (seen as a timeout under load). */
void uart0_rx_handler(void) {
  UART0_INTCLEAR = UART_INT_RX;
  uart_drain();
}

void board_uart_init(void) {
  UART0_BAUDDIV = CPU_HZ / 115200u; /* QEMU ignores the rate but refuses a divisor below 16 */
  UART0_CTRL = UART_CTRL_TX_EN | UART_CTRL_RX_EN | UART_CTRL_RX_INTEN;
  NVIC_ISER0 = 1u << UART0_RX_IRQ;
}

void board_uart_write(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    while (UART0_STATE & UART_STATE_TXFULL) {}
    UART0_DATA = p[i];
  }
}

int board_uart_read(void) {
  if (ring_tail == ring_head) {
    /* Belt and braces: a byte in the holding register without its interrupt still gets read. */
    __asm volatile("cpsid i" ::: "memory");
    uart_drain();
    __asm volatile("cpsie i" ::: "memory");
    if (ring_tail == ring_head) return -1;
  }
  return uart_ring[ring_tail++ % sizeof uart_ring];
}

/* Sleep until the next interrupt: a received byte or the millisecond tick. Interrupts are masked around the
 * check so that a byte arriving between the check and the wfi still wakes it (a pending IRQ ends wfi). */
/* Processor-clock ticks spent asleep in board_idle, so that stats can report the busy time. Under QEMU with
 * -icount shift=0 the virtual clock advances one nanosecond per instruction executed, so the busy time in
 * nanoseconds is the number of instructions (tools/hil/run.ts --icount). */
uint64_t idle_ticks;
static uint64_t now_ticks(void) {
  uint32_t ms, cvr;
  do { ms = ms_ticks; cvr = SYST_CVR; } while (ms != ms_ticks);
  return (uint64_t)ms * (CPU_HZ / 1000u) + (CPU_HZ / 1000u - 1u - cvr);
}
uint64_t board_ticks(void) { return now_ticks(); }

void board_idle(void) {
  uint64_t t0 = now_ticks(); /* read with interrupts on, so the millisecond count is current */
  __asm volatile("cpsid i" ::: "memory");
  if (ring_tail == ring_head) {
    __asm volatile("wfi");
    __asm volatile("cpsie i" ::: "memory"); /* take the interrupt that woke us, then measure */
    idle_ticks += now_ticks() - t0;
    return;
  }
  __asm volatile("cpsie i" ::: "memory");
}

/* The emulated board starts only at power-on: QEMU is a new process for every boot (the HIL runner's reset
 * and power cut are both a new process), and the flash file tells whether state survived. */
const char *board_reset_cause(void) { return "power-on (a new QEMU process)"; }

/* ---- Log, output, input ---------------------------------------------------------------------------------- */
void board_log(int32_t level, const char *msg, size_t len) {
  if (level > EST_LOG_INFO) return;
  board_puts(1, "est-board: ");
  board_write(1, msg, len);
  board_puts(1, "\n");
}
int32_t board_out(const uint8_t *data, size_t len) { board_write(0, data, len); return EST_OK; }
int32_t board_in_read(uint8_t *out, size_t cap) { (void)out; (void)cap; return 0; }
/* No input stream on this board: an empty one, where any position from 0 on is valid. */
int32_t board_in_seek(int32_t offset, int32_t whence) {
  if (whence != EST_IN_SEEK_SET && whence != EST_IN_SEEK_END) return EST_E_USAGE;
  return offset < 0 ? EST_E_USAGE : offset;
}
