/* startup.c - vector table and reset for the nRF52840 (Cortex-M4F, bare metal, no SoftDevice/MBR).
 *
 * Reset: APPROTECT (debug port) opened when the UICR says so, .data copied from flash, .bss zeroed, FPU on,
 * the stack painted (for the high-water mark), then main(). Clocks and peripherals are started by
 * board_init() (board.c), which main() calls first.
 *
 * Faults (HardFault, MemManage, BusFault, UsageFault, NMI) go to board_fault_frame() in board.c with the
 * exception frame the core pushed: it logs the PC/LR and the fault status registers as a SLIP LOG frame, sends
 * SLIP_FRAME_EXIT 4 (trap or fault) and resets. An interrupt nobody enabled does the same ("IRQ n").
 * The register map referred to is the nRF52840 Product Specification v1.x ("PS") and the ARMv7-M ARM.
 */
#include <stdint.h>
#include <string.h>

extern uint32_t __etext, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top__, __stack_limit__;
int main(void);
void board_fault_frame(const char *what, const uint32_t *frame);
void uarte0_irq_handler(void); /* board.c: IRQ 2, UARTE0 (RX into the ring buffer) */
void rtc1_irq_handler(void);   /* board.c: IRQ 17, RTC1 (24-bit overflow, idle wake-up compare) */

#define STACK_PAINT 0x5a5aa5a5u

/* ---- Registers used here ------------------------------------------------------------------------------- */
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u) /* ARMv7-M: Coprocessor Access Control */
#define SCB_ICSR_VECTACTIVE() ((*(volatile uint32_t *)0xE000ED04u) & 0x1FFu) /* ICSR.VECTACTIVE: exception number */
/* PS "APPROTECT": on build code F devices (nRF52840 rev 3) the debug access port is locked at every reset unless
 * UICR.APPROTECT holds HwDisabled (0x5A) AND the firmware writes SwDisable (0x5A) to APPROTECT.DISABLE. On
 * earlier revisions the UICR word is 0xFFFFFFFF (unprotected) unless someone protected the chip, and the
 * write below is not made. Without it, a rev 3 DK would need `nrfjprog --recover` before every reflash. */
#define UICR_APPROTECT (*(volatile uint32_t *)0x10001208u)      /* UICR base 0x10001000 + 0x208 */
#define APPROTECT_DISABLE (*(volatile uint32_t *)0x40000558u)   /* APPROTECT base 0x40000000 + 0x558 */
#define APPROTECT_HWDISABLED 0x5Au
#define APPROTECT_SWDISABLE 0x5Au

void reset_handler(void) {
  if ((UICR_APPROTECT & 0xFFu) == APPROTECT_HWDISABLED) APPROTECT_DISABLE = APPROTECT_SWDISABLE;
  memcpy(&__data_start__, &__etext, (size_t)((uint8_t *)&__data_end__ - (uint8_t *)&__data_start__));
  memset(&__bss_start__, 0, (size_t)((uint8_t *)&__bss_end__ - (uint8_t *)&__bss_start__));
  /* CPACR: full access to CP10 and CP11 (the FPU), as the hard-float ABI needs, before any FP instruction. */
  SCB_CPACR |= (0xFu << 20);
  __asm volatile("dsb\n isb" ::: "memory");
  /* Paint the stack below the current frame so board_stack_high_water() can measure it. */
  uint32_t *p = &__stack_limit__;
  uint32_t *sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  while (p < sp - 16) *p++ = STACK_PAINT;
  main();
  for (;;) {}
}

/* ---- Faults ----------------------------------------------------------------------------------------------
 * The naked entry picks the stack the core pushed the exception frame on (EXC_RETURN bit 2: 0 = MSP, 1 = PSP;
 * the firmware only uses MSP, but this costs nothing) and passes it to the C handler, which never returns. */
__attribute__((used, noinline)) static void fault_c(const uint32_t *frame) {
  static const char *const names[] = {"?", "?", "NMI", "HardFault", "MemManage", "BusFault", "UsageFault"};
  uint32_t n = SCB_ICSR_VECTACTIVE();
  board_fault_frame(n < 7 ? names[n] : "fault", frame);
}
__attribute__((naked)) static void fault_entry(void) {
  __asm volatile(
      "tst lr, #4      \n"
      "ite eq          \n"
      "mrseq r0, msp   \n"
      "mrsne r0, psp   \n"
      "b %c0           \n" ::"i"(fault_c));
}

/* An interrupt that is not ours: report its number (exception number - 16) and reset. */
static void unexpected_irq(void) {
  static char what[] = "IRQ nn";
  uint32_t irq = SCB_ICSR_VECTACTIVE() - 16u;
  what[4] = (char)('0' + (irq / 10u) % 10u);
  what[5] = (char)('0' + irq % 10u);
  board_fault_frame(what, 0);
}

/* ---- Vector table (PS "Memory": at 0x00000000; ARMv7-M: 16 core entries, then the IRQs) ------------------
 * The nRF52840 has 48 peripheral interrupts (IRQ 0..47); the number of each is its peripheral ID (PS
 * "Instantiation" table): 0 CLOCK/POWER, 2 UARTE0, 13 RNG, 17 RTC1, 38 FPU, ... Only UARTE0 and RTC1 are
 * enabled in the NVIC; every other slot reports itself if it ever fires. */
#define NRF_IRQS 48
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init" /* the range default, then the two IRQs we use */
__attribute__((section(".vectors"), used)) static void (*const vectors[16 + NRF_IRQS])(void) = {
  [0] = (void (*)(void))&__stack_top__,
  [1] = reset_handler,
  [2] = fault_entry,  /* NMI */
  [3] = fault_entry,  /* HardFault */
  [4] = fault_entry,  /* MemManage */
  [5] = fault_entry,  /* BusFault */
  [6] = fault_entry,  /* UsageFault */
  [11] = fault_entry, /* SVCall: not used */
  [12] = fault_entry, /* DebugMonitor: not used */
  [14] = fault_entry, /* PendSV: not used */
  [15] = fault_entry, /* SysTick: not used (RTC1 is the clock) */
  [16 ... 16 + NRF_IRQS - 1] = unexpected_irq,
  [16 + 2] = uarte0_irq_handler, /* IRQ 2: UARTE0_UART0 */
  [16 + 17] = rtc1_irq_handler,  /* IRQ 17: RTC1 */
};
#pragma GCC diagnostic pop

/** Bytes of the stack ever used: the painted words that were overwritten. */
uint32_t board_stack_high_water(void) {
  const uint32_t *p = &__stack_limit__;
  while (p < &__stack_top__ && *p == STACK_PAINT) p++;
  return (uint32_t)((uint8_t *)&__stack_top__ - (uint8_t *)p);
}
