/* startup.c - vector table and reset for the Cortex-M4F of QEMU's mps2-an386: copy .data from flash, zero
 * .bss, enable the FPU, paint the stack (for the high-water mark), start the SysTick, then main(). */
#include <stdint.h>
#include <string.h>

extern uint32_t __etext, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top__, __stack_limit__;
int main(void);
void board_fault(const char *what);
void systick_handler(void);
void uart0_rx_handler(void);
void board_clock_init(void);

#define STACK_PAINT 0x5a5aa5a5u

void reset_handler(void) {
  memcpy(&__data_start__, &__etext, (size_t)((uint8_t *)&__data_end__ - (uint8_t *)&__data_start__));
  memset(&__bss_start__, 0, (size_t)((uint8_t *)&__bss_end__ - (uint8_t *)&__bss_start__));
  /* CPACR: full access to CP10 and CP11 (the FPU), as the hard-float ABI needs. */
  *(volatile uint32_t *)0xE000ED88 |= (0xFu << 20);
  __asm volatile("dsb\n isb");
  /* Paint the stack below the current frame so board_stack_high_water() can measure it. */
  uint32_t *p = &__stack_limit__;
  uint32_t *sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  while (p < sp - 16) *p++ = STACK_PAINT;
  board_clock_init();
  main();
  for (;;) {}
}

static void hard_fault(void) { board_fault("HardFault"); }
static void other_fault(void) { board_fault("fault"); }

__attribute__((section(".vectors"), used)) static void (*const vectors[17])(void) = {
  (void (*)(void))&__stack_top__, reset_handler, other_fault, hard_fault,
  other_fault, other_fault, other_fault, 0, 0, 0, 0, other_fault, other_fault, 0, other_fault, systick_handler,
  uart0_rx_handler, /* IRQ 0: UART0 RX */
};

/** Bytes of the stack ever used: the painted words that were overwritten. */
uint32_t board_stack_high_water(void) {
  const uint32_t *p = &__stack_limit__;
  while (p < &__stack_top__ && *p == STACK_PAINT) p++;
  return (uint32_t)((uint8_t *)&__stack_top__ - (uint8_t *)p);
}
