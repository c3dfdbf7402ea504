/* board.c - the board interface (boards/board.h) for the nRF52840 DK (PCA10056), bare metal.
 *
 * What lives here, each as a small register-level driver (no vendor SDK; every register is defined below with
 * its peripheral, offset and the Product Specification's name, "PS" = nRF52840 Product Specification v1.x):
 *   - clocks: HFCLK from the 32 MHz crystal (HFXO; the UART's baud rate needs its accuracy), LFCLK from the
 *     32.768 kHz crystal (LFXO), with a fall-back to the RC oscillator if the crystal does not start;
 *   - UARTE0 on the DK's VCOM pins: the byte link that boards/common/slip_net.c carries UDP and the console
 *     over (board_uart_write / board_uart_read / board_idle);
 *   - RTC1: board_clock_ms, a 64-bit millisecond count from the 24-bit RTC counter and its overflows;
 *   - RNG: board_rng_fill, with bias correction;
 *   - NVMC: the flash primitives of boards/common/flash_store.h (the key store in the last 32 KiB);
 *   - the console: board_log / board_out as SLIP frames (SLIP_FRAME_LOG / SLIP_FRAME_OUT), faults, reset.
 *
 * UDP (board_udp_send / board_udp_resolve / board_wait) is boards/common/slip_net.c; the key store
 * (board_store_*) is boards/common/flash_store.c.
 *
 * Interrupts: UARTE0 (priority 0) and RTC1 (priority 1), both short. Everything else runs in thread mode
 * on one stack; nothing allocates in an interrupt.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "board.h"
#include "est_abi.h"
#include "flash_store.h"
#include "mcu_board.h"
#include "slip_net.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

/* ---- Cortex-M4 core (ARMv7-M ARM) ----------------------------------------------------------------------- */
#define NVIC_ISER0 REG(0xE000E100u)               /* Interrupt Set-Enable, IRQ 0..31 */
#define NVIC_ICPR1 REG(0xE000E284u)               /* Interrupt Clear-Pending, IRQ 32..63 */
#define NVIC_IPR(n) (*(volatile uint8_t *)(0xE000E400u + (n))) /* priority byte; nRF52: top 3 bits implemented */
#define SCB_AIRCR REG(0xE000ED0Cu)                /* Application Interrupt and Reset Control */
#define SCB_CFSR REG(0xE000ED28u)                 /* Configurable Fault Status (MMFSR | BFSR | UFSR) */
#define SCB_HFSR REG(0xE000ED2Cu)                 /* HardFault Status */
#define SCB_MMFAR REG(0xE000ED34u)                /* MemManage Fault Address */
#define SCB_BFAR REG(0xE000ED38u)                 /* BusFault Address */
#define AIRCR_SYSRESETREQ (0x05FAu << 16 | 1u << 2) /* VECTKEY | SYSRESETREQ */

static inline uint32_t irq_save(void) {
  uint32_t m;
  __asm volatile("mrs %0, primask\n cpsid i" : "=r"(m)::"memory");
  return m;
}
static inline void irq_restore(uint32_t m) { __asm volatile("msr primask, %0" ::"r"(m) : "memory"); }

/* ---- CLOCK and POWER (PS "CLOCK", "POWER": one peripheral, base 0x40000000, ID 0) ------------------------ */
#define CLOCK_TASKS_HFCLKSTART REG(0x40000000u)    /* start the HFXO */
#define CLOCK_TASKS_LFCLKSTART REG(0x40000008u)
#define CLOCK_TASKS_LFCLKSTOP REG(0x4000000Cu)
#define CLOCK_EVENTS_HFCLKSTARTED REG(0x40000100u)
#define CLOCK_EVENTS_LFCLKSTARTED REG(0x40000104u)
#define CLOCK_LFCLKSTAT REG(0x40000418u)           /* SRC bits 1:0, STATE bit 16 */
#define CLOCK_LFCLKSRC REG(0x40000518u)            /* SRC bits 1:0: 0 RC, 1 Xtal, 2 Synth */
#define LFCLKSRC_RC 0u
#define LFCLKSRC_XTAL 1u
#define POWER_RESETREAS REG(0x40000400u)           /* reset reason; bits are cleared by writing 1 */

/* ---- GPIO P0 (PS "GPIO", base 0x50000000) ---------------------------------------------------------------- */
#define P0_OUTSET REG(0x50000508u)
#define P0_PIN_CNF(n) REG(0x50000700u + 4u * (n))  /* DIR bit 0, INPUT bit 1 (1 = disconnect), PULL bits 3:2 */
#define PIN_CNF_OUTPUT (1u << 0 | 1u << 1)         /* output, input buffer disconnected, no pull, S0S1 drive */
#define PIN_CNF_INPUT_NOPULL 0u                    /* input, buffer connected */
#define PIN_CNF_INPUT_PULLUP (3u << 2)             /* input, buffer connected, pull-up */

/* The DK's VCOM pins (PCA10056 user guide, "Virtual COM port"): the interface MCU (J-Link OB) bridges them to
 * USB CDC ACM (/dev/ttyACM0 on Linux). */
#define PIN_TXD 6u
#define PIN_RXD 8u
#define PIN_RTS 5u
#define PIN_CTS 7u

/* ---- UARTE0 (PS "UARTE - Universal asynchronous receiver/transmitter with EasyDMA", base 0x40002000, ID 2) - */
#define UARTE0_TASKS_STARTRX REG(0x40002000u)
#define UARTE0_TASKS_STARTTX REG(0x40002008u)
#define UARTE0_EVENTS_ENDRX REG(0x40002110u)    /* the RX buffer is full (RXD.MAXCNT bytes are in RAM) */
#define UARTE0_EVENTS_ENDTX REG(0x40002120u)    /* the TX buffer has been sent */
#define UARTE0_EVENTS_ERROR REG(0x40002124u)
#define UARTE0_SHORTS REG(0x40002200u)
#define UARTE0_INTENSET REG(0x40002304u)
#define UARTE0_INTENCLR REG(0x40002308u)
#define UARTE0_ERRORSRC REG(0x40002480u)        /* OVERRUN bit 0, PARITY 1, FRAMING 2, BREAK 3; write 1 to clear */
#define UARTE0_ENABLE REG(0x40002500u)          /* 8 = UARTE enabled */
#define UARTE0_PSEL_RTS REG(0x40002508u)        /* PSEL.*: PIN bits 4:0, PORT bit 5, CONNECT bit 31 (0 = on) */
#define UARTE0_PSEL_TXD REG(0x4000250Cu)
#define UARTE0_PSEL_CTS REG(0x40002510u)
#define UARTE0_PSEL_RXD REG(0x40002514u)
#define UARTE0_BAUDRATE REG(0x40002524u)
#define UARTE0_RXD_PTR REG(0x40002534u)         /* RXD.PTR / RXD.MAXCNT: latched at STARTRX */
#define UARTE0_RXD_MAXCNT REG(0x40002538u)
#define UARTE0_RXD_AMOUNT REG(0x4000253Cu)      /* bytes moved by the last transfer */
#define UARTE0_TXD_PTR REG(0x40002544u)
#define UARTE0_TXD_MAXCNT REG(0x40002548u)
#define UARTE0_CONFIG REG(0x4000256Cu)          /* HWFC bit 0, PARITY bits 3:1, STOP bit 4 */
#define UARTE_ENABLE_ON 8u
#define UARTE_BAUD_115200 0x01D60000u           /* UARTE's value (115108 baud actual); UART's 0x01D7E000 differs */
#define UARTE_CONFIG_HWFC 1u                    /* RTS/CTS on, no parity, one stop bit: 8N1 */
#define UARTE_INT_ENDRX (1u << 4)
#define UARTE_INT_ERROR (1u << 9)
#define UARTE_ERR_OVERRUN 1u
#define UARTE0_IRQ 2u

/* ---- RTC1 (PS "RTC - Real-time counter", base 0x40011000, ID 17) ----------------------------------------- */
#define RTC1_TASKS_START REG(0x40011000u)
#define RTC1_TASKS_CLEAR REG(0x40011008u)
#define RTC1_EVENTS_OVRFLW REG(0x40011104u)     /* COUNTER wrapped from 0xFFFFFF to 0 */
#define RTC1_EVENTS_COMPARE0 REG(0x40011140u)   /* COUNTER reached CC[0] */
#define RTC1_INTENSET REG(0x40011304u)          /* OVRFLW bit 1, COMPARE0 bit 16 */
#define RTC1_EVTENSET REG(0x40011344u)
#define RTC1_COUNTER REG(0x40011504u)           /* 24 bits */
#define RTC1_PRESCALER REG(0x40011508u)         /* f = 32768 / (PRESCALER + 1); writable only while stopped */
#define RTC1_CC0 REG(0x40011540u)
#define RTC_OVRFLW (1u << 1)
#define RTC_COMPARE0 (1u << 16)
#define RTC1_IRQ 17u

/* ---- RNG (PS "RNG - Random number generator", base 0x4000D000, ID 13) ------------------------------------ */
#define RNG_TASKS_START REG(0x4000D000u)
#define RNG_TASKS_STOP REG(0x4000D004u)
#define RNG_EVENTS_VALRDY REG(0x4000D100u)      /* a new byte is in VALUE */
#define RNG_CONFIG REG(0x4000D504u)             /* DERCEN bit 0: digital error (bias) correction */
#define RNG_VALUE REG(0x4000D508u)

/* ---- NVMC (PS "NVMC - Non-volatile memory controller", base 0x4001E000) ---------------------------------- */
#define NVMC_READY REG(0x4001E400u)             /* bit 0: 1 = ready, no write or erase in progress */
#define NVMC_CONFIG REG(0x4001E504u)            /* WEN bits 1:0: 0 read only, 1 write, 2 erase */
#define NVMC_ERASEPAGE REG(0x4001E508u)         /* write a page's address to erase it */
#define NVMC_ICACHECNF REG(0x4001E540u)         /* CACHEEN bit 0 */
#define NVMC_REN 0u
#define NVMC_WEN 1u
#define NVMC_EEN 2u

/* ================================================================================================== */

static void system_reset(void) __attribute__((noreturn));
static void system_reset(void) {
  __asm volatile("dsb" ::: "memory");
  SCB_AIRCR = AIRCR_SYSRESETREQ; /* RESETREAS.SREQ at the next boot */
  __asm volatile("dsb" ::: "memory");
  for (;;) {}
}
void NVIC_SystemReset(void) __attribute__((noreturn));
void NVIC_SystemReset(void) { system_reset(); }

/* ---- Clocks ------------------------------------------------------------------------------------------------
 * At reset the CPU runs from the 64 MHz RC oscillator (HFINT), whose tolerance (a few %) is too loose for a
 * UART that must stay within about 2 % over a byte; the HFXO (32 MHz crystal, 40 ppm on the DK) is started and
 * kept on. The LFCLK for RTC1 comes from the 32.768 kHz crystal (20 ppm). */
static const char *lfclk_source = "?";

static void clocks_init(void) {
  CLOCK_EVENTS_HFCLKSTARTED = 0;
  CLOCK_TASKS_HFCLKSTART = 1;
  while (!CLOCK_EVENTS_HFCLKSTARTED) {} /* HFXO start-up: about 0.3 ms */

  CLOCK_LFCLKSRC = LFCLKSRC_XTAL;
  CLOCK_EVENTS_LFCLKSTARTED = 0;
  CLOCK_TASKS_LFCLKSTART = 1;
  /* LFXO start-up is typically 0.25 s. Wait up to about 2 s (the loop is >= 4 cycles at 64 MHz), then fall
   * back to the RC oscillator (250 ppm after calibration, 2 % without: the clock is then only approximate)
   * rather than hang silently on a board whose crystal is missing. */
  for (uint32_t i = 0; i < 32000000u && !CLOCK_EVENTS_LFCLKSTARTED; i++) {}
  if (CLOCK_EVENTS_LFCLKSTARTED) { lfclk_source = "LFXO"; return; }
  CLOCK_TASKS_LFCLKSTOP = 1;
  while (CLOCK_LFCLKSTAT & (1u << 16)) {} /* STATE: running -> stopped */
  CLOCK_LFCLKSRC = LFCLKSRC_RC;
  CLOCK_EVENTS_LFCLKSTARTED = 0;
  CLOCK_TASKS_LFCLKSTART = 1;
  while (!CLOCK_EVENTS_LFCLKSTARTED) {}
  lfclk_source = "LFRC (the LFXO did not start: the clock is approximate)";
}

/* ---- Clock: RTC1 --------------------------------------------------------------------------------------------
 * PRESCALER 0: COUNTER counts at 32768 Hz (30.5 us), 24 bits, so it wraps every 2^24 / 32768 = 512 s. The
 * OVRFLW interrupt counts the wraps; ticks = overflows * 2^24 + COUNTER, and
 *   ms = ticks * 1000 / 32768 = ticks * 125 / 4096   (exact, no drift: 125/4096 is 1000/32768 reduced).
 * A 64-bit tick count times 125 overflows only after 2^64 / 125 ticks (about 143,000 years).
 * COMPARE0 is only a wake-up source for board_idle (about 1 ms ahead). */
static volatile uint32_t rtc_overflows;
static uint64_t rtc_last_ticks;

void rtc1_irq_handler(void) {
  if (RTC1_EVENTS_OVRFLW) { RTC1_EVENTS_OVRFLW = 0; rtc_overflows++; }
  if (RTC1_EVENTS_COMPARE0) RTC1_EVENTS_COMPARE0 = 0;
  /* Read back: the event clears reach the peripheral before the exception returns (else the IRQ, which is
   * level-triggered from the event, can fire a second time). */
  (void)RTC1_EVENTS_OVRFLW;
  (void)RTC1_EVENTS_COMPARE0;
}

static void rtc_init(void) {
  RTC1_PRESCALER = 0;
  RTC1_TASKS_CLEAR = 1;
  RTC1_EVTENSET = RTC_OVRFLW; /* events routed (not only the interrupt): harmless, and keeps OVRFLW visible */
  RTC1_INTENSET = RTC_OVRFLW | RTC_COMPARE0;
  NVIC_IPR(RTC1_IRQ) = 1u << 5; /* priority 1 (below the UART) */
  NVIC_ISER0 = 1u << RTC1_IRQ;
  RTC1_TASKS_START = 1;
}

int64_t board_clock_ms(void) {
  uint32_t m = irq_save();
  uint32_t ovf = rtc_overflows;
  uint32_t cnt = RTC1_COUNTER;
  /* An overflow the interrupt has not counted yet (interrupts are off here, or it is just pending): count it,
   * and read COUNTER again in case the wrap came between the first read and the event check. */
  if (RTC1_EVENTS_OVRFLW) { ovf++; cnt = RTC1_COUNTER; }
  uint64_t ticks = ((uint64_t)ovf << 24) | (cnt & 0xFFFFFFu);
  /* COUNTER and the OVRFLW event cross from the 32 kHz domain separately; should a read ever see the wrapped
   * COUNTER a moment before the event, the time would jump back 512 s. Never let it go backwards. */
  if (ticks < rtc_last_ticks) ticks += 1u << 24;
  rtc_last_ticks = ticks;
  irq_restore(m);
  return (int64_t)((ticks * 125u) >> 12);
}

/* RTC1 counts from reset, not calendar time: the module judges certificate dates by its last-known-good time
 * (pki/time.ts). A board with a time source (GNSS, a network time service) would answer here. */
int64_t board_real_time_s(void) { return EST_E_UNSUPPORTED; }

/* ---- UARTE0: the SLIP link to the host -------------------------------------------------------------------
 * 115200 8N1 with RTS/CTS on the DK's VCOM pins. EasyDMA moves every byte: TX reads a RAM buffer (EasyDMA
 * cannot read flash, so board_uart_write always copies first), RX writes into a ring buffer in RAM.
 *
 * RX design: one-byte EasyDMA transfers straight into the ring, restarted from the ENDRX interrupt, with NO
 * ENDRX_STARTRX shortcut. Why:
 *   - With large DMA buffers, bytes become visible only at ENDRX (RXD.AMOUNT), i.e. when a buffer is full: a
 *     20-byte command frame would sit in a half-full buffer. Getting at partial buffers needs an idle timer
 *     plus STOPRX/FLUSHRX, or a TIMER counting RXDRDY through PPI - more parts, more ways to lose a byte.
 *   - With the ENDRX_STARTRX shortcut, a late interrupt is not safe: the UARTE restarts by itself on whatever
 *     RXD.PTR holds, and if the CPU has not advanced it yet (e.g. stalled by a flash erase, below) the next
 *     byte overwrites the previous one.
 *   - Without the shortcut, after ENDRX the receiver keeps collecting bytes in its internal RX FIFO, and with
 *     HWFC the UARTE deactivates RTS by itself when the FIFO has room for only four more (PS "UARTE:
 *     Reception"; this reading of the PS has not been checked on a board yet); the J-Link OB then stops
 *     sending. So an interrupt that comes late - by microseconds or by
 *     the 85 ms a flash page erase halts the CPU (PS "NVMC": the CPU stalls on flash fetches, the vector table
 *     included, while the NVMC erases) - costs throughput, never a byte. When the ring is full the ISR simply
 *     does not restart the transfer, and board_uart_read restarts it once there is room: back-pressure to the
 *     host instead of loss.
 * The price is one interrupt per byte: 11,520 per second at most, a few hundred cycles each at 64 MHz, under
 * 5 % of the CPU while a frame arrives. Bytes lost anyway (the host ignoring RTS) show up as OVERRUN errors,
 * counted in uart_ring_overflows. */
#define RX_RING 2048u /* a power of two; SLIP frames are consumed as they arrive, flow control covers the rest */
static uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head, rx_tail; /* head: written by the ISR; tail: by board_uart_read */
static volatile int rx_running;            /* a one-byte transfer is armed */
uint32_t uart_ring_overflows;              /* bytes lost: UARTE OVERRUN errors (the peer ignored RTS) */
uint32_t uart_rx_errors;                   /* framing, parity, break */
uint32_t uart_rx_stalls;                   /* times the ring was full and RTS held the host back */

/* Arm the next one-byte transfer into the ring, if there is room. Called with UARTE0's interrupt masked (in
 * the ISR, or with interrupts off). */
static void rx_arm(void) {
  if (rx_head - rx_tail >= RX_RING) { rx_running = 0; uart_rx_stalls++; return; }
  UARTE0_RXD_PTR = (uint32_t)&rx_ring[rx_head % RX_RING];
  UARTE0_RXD_MAXCNT = 1;
  rx_running = 1;
  UARTE0_TASKS_STARTRX = 1;
}

void uarte0_irq_handler(void) {
  if (UARTE0_EVENTS_ERROR) {
    UARTE0_EVENTS_ERROR = 0;
    uint32_t src = UARTE0_ERRORSRC;
    UARTE0_ERRORSRC = src; /* write 1 to clear */
    if (src & UARTE_ERR_OVERRUN) uart_ring_overflows++;
    if (src & ~UARTE_ERR_OVERRUN) uart_rx_errors++;
  }
  if (UARTE0_EVENTS_ENDRX) {
    UARTE0_EVENTS_ENDRX = 0;
    rx_head += UARTE0_RXD_AMOUNT; /* 1 (0 only if a transfer were stopped, which this driver never does) */
    rx_arm();
  }
  (void)UARTE0_EVENTS_ENDRX; /* read back: the clears land before the exception returns */
}

/* TX: two RAM buffers, so the next chunk is copied while the previous one is on the wire. */
#define TX_CHUNK 128u
static uint8_t tx_buf[2][TX_CHUNK];
static int tx_next;
static volatile int tx_busy;

static void tx_wait(void) {
  if (!tx_busy) return;
  while (!UARTE0_EVENTS_ENDTX) {} /* with CTS held inactive by the host, this waits: flow control */
  tx_busy = 0;
}

void board_uart_write(const uint8_t *p, size_t n) {
  while (n) {
    size_t k = n < TX_CHUNK ? n : TX_CHUNK;
    uint8_t *b = tx_buf[tx_next];
    memcpy(b, p, k); /* EasyDMA reads RAM only: string constants and the module live in flash */
    tx_wait();
    UARTE0_EVENTS_ENDTX = 0;
    UARTE0_TXD_PTR = (uint32_t)b;
    UARTE0_TXD_MAXCNT = (uint32_t)k;
    tx_busy = 1;
    UARTE0_TASKS_STARTTX = 1;
    tx_next ^= 1;
    p += k;
    n -= k;
  }
}

/** Wait until everything written has left the UARTE (before a reset). */
void board_uart_flush(void) { tx_wait(); }

int board_uart_read(void) {
  uint32_t m = irq_save();
  int c = -1;
  if (rx_tail != rx_head) {
    c = rx_ring[rx_tail % RX_RING];
    rx_tail++;
    if (!rx_running) rx_arm(); /* the ring had filled up: there is room again */
  }
  irq_restore(m);
  return c;
}

static void uart_init(void) {
  /* PS "UARTE: Pin configuration": TXD and RTS as outputs driven high (idle / not ready), RXD and CTS as
   * inputs, before the UARTE is enabled. RXD gets a pull-up: the interface MCU tri-states its side while no
   * terminal has the port open, and a floating RXD would read noise as framing errors. CTS gets one too, so
   * that it reads "not clear to send" while tri-stated: the HELLO frame then waits for the host to open the
   * port instead of being sent into the void. */
  P0_OUTSET = (1u << PIN_TXD) | (1u << PIN_RTS);
  P0_PIN_CNF(PIN_TXD) = PIN_CNF_OUTPUT;
  P0_PIN_CNF(PIN_RTS) = PIN_CNF_OUTPUT;
  P0_PIN_CNF(PIN_RXD) = PIN_CNF_INPUT_PULLUP;
  P0_PIN_CNF(PIN_CTS) = PIN_CNF_INPUT_PULLUP;
  UARTE0_PSEL_TXD = PIN_TXD; /* port 0, CONNECT = 0 (connected) */
  UARTE0_PSEL_RXD = PIN_RXD;
  UARTE0_PSEL_RTS = PIN_RTS;
  UARTE0_PSEL_CTS = PIN_CTS;
  UARTE0_BAUDRATE = UARTE_BAUD_115200;
  UARTE0_CONFIG = UARTE_CONFIG_HWFC;
  UARTE0_SHORTS = 0; /* no ENDRX_STARTRX: see the RX design above */
  UARTE0_INTENCLR = 0xFFFFFFFFu;
  UARTE0_INTENSET = UARTE_INT_ENDRX | UARTE_INT_ERROR;
  UARTE0_ENABLE = UARTE_ENABLE_ON;
  NVIC_IPR(UARTE0_IRQ) = 0; /* highest: a byte every 87 us */
  NVIC_ISER0 = 1u << UARTE0_IRQ;
  uint32_t m = irq_save();
  rx_arm();
  irq_restore(m);
}

/* ---- Idle ------------------------------------------------------------------------------------------------
 * Sleep until the next interrupt: a received byte, or RTC1 COMPARE0 armed about 1 ms ahead (33 ticks = 1.007
 * ms), which stands in for the millisecond tick board_wait's deadline checks need (slip_net.c). Interrupts are
 * masked around the check so that a byte arriving between the check and the WFI still wakes it: a pending,
 * enabled IRQ ends WFI even with PRIMASK set; its handler then runs at the cpsie. WFI rather than WFE: WFE
 * could return at once on an event latched earlier, WFI only on a real interrupt.
 * nRF52840 erratum 87 (the FPU's interrupt, pending after any FP exception flag, keeps the chip from sleeping
 * in System ON idle): clear FPSCR's cumulative exception flags and the pending FPU IRQ (38) first. */
void board_idle(void) {
  uint32_t m = irq_save();
  if (rx_tail == rx_head) {
    RTC1_EVENTS_COMPARE0 = 0;
    RTC1_CC0 = (RTC1_COUNTER + 33u) & 0xFFFFFFu; /* CC must be at least COUNTER + 2 to fire (PS "RTC") */
    uint32_t fpscr;
    __asm volatile("vmrs %0, fpscr" : "=r"(fpscr));
    fpscr &= ~0x9Fu; /* IOC DZC OFC UFC IXC IDC */
    __asm volatile("vmsr fpscr, %0" ::"r"(fpscr));
    NVIC_ICPR1 = 1u << (38u - 32u);
    __asm volatile("dsb\n wfi" ::: "memory");
  }
  irq_restore(m);
}

/* ---- RNG -------------------------------------------------------------------------------------------------
 * One byte per VALRDY; with bias correction (DERCEN) each byte takes about 120 us, so 32 bytes of seed take
 * about 4 ms. VALUE is read before the event is cleared: a byte that lands between the two merely loses its
 * event (it is skipped, the next one is waited for); the same byte is never returned twice. */
int32_t board_rng_fill(uint8_t *out, size_t len) {
  RNG_CONFIG = 1u; /* DERCEN */
  RNG_EVENTS_VALRDY = 0;
  RNG_TASKS_START = 1;
  for (size_t i = 0; i < len; i++) {
    while (!RNG_EVENTS_VALRDY) {}
    out[i] = (uint8_t)RNG_VALUE;
    RNG_EVENTS_VALRDY = 0;
  }
  RNG_TASKS_STOP = 1;
  return EST_OK;
}

/* ---- NVMC: the key store's flash (boards/common/flash_store.h) -------------------------------------------
 * PS "NVMC": erase by 4 KiB page (t_ERASEPAGE up to 85 ms), write by aligned 32-bit word (t_WRITE up to 41 us,
 * bits only go 1 -> 0, at most 2 writes to a word between erases - flash_store.c writes a record's state word
 * exactly twice: live, then dead). CONFIG selects what the NVMC accepts; it is put back to read-only after
 * each operation so that a stray store into flash does nothing. Both functions wait for READY, i.e. the
 * operation is complete when they return (flash_store.h's contract; READYNEXT would only say that the next
 * write may be queued). While the NVMC works, the CPU is halted on its next flash fetch - the UARTE keeps
 * receiving into its FIFO and holds the host off with RTS (see the RX design).
 * Only the store region can be touched: any other address is a bug and resets the board. */
extern uint32_t __store_start__[], __store_end__[];
void board_fault_frame(const char *what, const uint32_t *frame);

uint32_t *flash_store_region(void) { return __store_start__; } /* 0x000F8000 (link.ld) */

static void nvmc_check(const uint32_t *at, uint32_t align) {
  if (at < __store_start__ || at >= __store_end__ || ((uint32_t)at & (align - 1u)))
    board_fault_frame("flash write outside the key store", 0);
}
static void nvmc_wait(void) { while (!(NVMC_READY & 1u)) {} }

void flash_erase_page(uint32_t *page) {
  nvmc_check(page, FLASH_STORE_PAGE_BYTES);
  nvmc_wait();
  NVMC_CONFIG = NVMC_EEN;
  nvmc_wait();
  NVMC_ERASEPAGE = (uint32_t)page;
  nvmc_wait();
  NVMC_CONFIG = NVMC_REN;
  nvmc_wait();
}

void flash_write_word(uint32_t *word, uint32_t value) {
  nvmc_check(word, 4u);
  nvmc_wait();
  NVMC_CONFIG = NVMC_WEN;
  nvmc_wait();
  *(volatile uint32_t *)word = value; /* the cells can only clear bits: the word becomes old & value */
  __asm volatile("dsb" ::: "memory");
  nvmc_wait();
  NVMC_CONFIG = NVMC_REN;
  nvmc_wait();
}

/* ---- Console: SLIP frames ---------------------------------------------------------------------------------
 * The bridge (tools/hil/bridge.ts) accepts frames of at most 1501 bytes (type + SLIP_NET_MTU): output is sent
 * in chunks below that, log lines are cut to fit. Lines from the host (stats, errors) carry the same
 * "est-board: " prefix as on mps2-an386, whose stderr lines they mirror. A longer line is cut at LOG_MAX. */
#define CONSOLE_CHUNK 1024u
#define LOG_MAX 1024u /* on the stack (16 KiB, about 5 KiB used): RAM in .bss would come off the heap */

static void log_frame(const char *prefix, const char *msg, size_t len) {
  char line[LOG_MAX];
  size_t p = strlen(prefix);
  if (p + len > LOG_MAX) len = LOG_MAX - p;
  memcpy(line, prefix, p);
  memcpy(line + p, msg, len);
  slip_send_frame(SLIP_FRAME_LOG, (const uint8_t *)line, p + len);
}

void board_log(int32_t level, const char *msg, size_t len) {
  if (level > EST_LOG_INFO) return;
  log_frame("est-board: ", msg, len);
}

/** One line from the firmware itself (main.c, heap.c's trace); a trailing newline is dropped. */
void board_puts(int err, const char *s) {
  (void)err;
  size_t n = strlen(s);
  if (n && s[n - 1] == '\n') n--;
  log_frame("", s, n);
}

int32_t board_out(const uint8_t *data, size_t len) {
  do {
    size_t k = len < CONSOLE_CHUNK ? len : CONSOLE_CHUNK;
    slip_send_frame(SLIP_FRAME_OUT, data, k);
    data += k;
    len -= k;
  } while (len);
  return EST_OK;
}

int32_t board_in_read(uint8_t *out, size_t cap) { (void)out; (void)cap; return 0; }
/* No input stream on this board: an empty one, where any position from 0 on is valid. */
int32_t board_in_seek(int32_t offset, int32_t whence) {
  if (whence != EST_IN_SEEK_SET && whence != EST_IN_SEEK_END) return EST_E_USAGE;
  return offset < 0 ? EST_E_USAGE : offset;
}

/** The command is over: SLIP_FRAME_EXIT with the code, then a reset (one command per boot). */
void board_exit(int code) {
  uint8_t c = (uint8_t)code;
  slip_send_frame(SLIP_FRAME_EXIT, &c, 1);
  board_uart_flush();
  system_reset();
}

/** A fault or a fatal error: log it (with the exception frame, if any), exit code 4, reset.
 *  Runs at fault priority: the UART interrupt cannot run, but TX is polled, so the frames still go out. */
void board_fault_frame(const char *what, const uint32_t *frame) {
  char m[200];
  if (frame)
    snprintf(m, sizeof m, "est-board: %s: pc 0x%08lx lr 0x%08lx xpsr 0x%08lx cfsr 0x%08lx hfsr 0x%08lx mmfar 0x%08lx bfar 0x%08lx",
             what, (unsigned long)frame[6], (unsigned long)frame[5], (unsigned long)frame[7], (unsigned long)SCB_CFSR,
             (unsigned long)SCB_HFSR, (unsigned long)SCB_MMFAR, (unsigned long)SCB_BFAR);
  else
    snprintf(m, sizeof m, "est-board: %s", what);
  board_puts(1, m);
  board_exit(4);
}
void board_fault(const char *what) { board_fault_frame(what, 0); }

/* ---- Boot -------------------------------------------------------------------------------------------------- */
static uint32_t reset_reason;

/** RESETREAS as text ("SREQ" after the previous command's reset, "RESETPIN" after the button, ...). */
static void reset_reason_text(char *out, size_t cap) {
  static const struct { uint32_t bit; const char *name; } r[] = {
    {1u << 0, "RESETPIN"}, {1u << 1, "DOG"}, {1u << 2, "SREQ"}, {1u << 3, "LOCKUP"}, {1u << 16, "OFF"},
    {1u << 17, "LPCOMP"}, {1u << 18, "DIF"}, {1u << 19, "NFC"}, {1u << 20, "VBUS"},
  };
  size_t n = 0;
  out[0] = 0;
  for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
    if (reset_reason & r[i].bit) n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? "+" : "", r[i].name);
  if (!n) snprintf(out, cap, "power-on or brown-out");
}

/* No wall clock on this board (the RTC counts from boot): the life cycle then only enrolls when not enrolled
 * (host/include/est_client.h, "Time"). An application that learns the time sets its own time_now. */
int64_t board_wall_time_s(void) { return -1; }

const char *board_reset_cause(void) {
  static char why[80];
  reset_reason_text(why, sizeof why);
  return why;
}

/** Start the clocks, the RTC, the UART; clear and keep the reset reason. Called first thing by main(). */
void board_init(void) {
  reset_reason = POWER_RESETREAS;
  POWER_RESETREAS = reset_reason; /* write 1 to clear: the next boot reports only its own cause */
  NVMC_ICACHECNF = 1u;            /* CACHEEN: instruction cache on (wasm3's interpreter loop lives in flash) */
  clocks_init();
  rtc_init();
  uart_init();
}

/** The boot line: reset cause and clock source (sent as a LOG frame before HELLO). */
void board_boot_report(char *out, size_t cap) {
  char why[80];
  reset_reason_text(why, sizeof why);
  snprintf(out, cap, "est-board: nrf52840 up: reset cause %s (RESETREAS 0x%08lx), lfclk %s", why,
           (unsigned long)reset_reason, lfclk_source);
}
