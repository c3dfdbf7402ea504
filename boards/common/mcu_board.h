/*
 * mcu_board.h - what the microcontroller boards' own files (startup, board, heap, main) share, besides the
 * host contract of boards/board.h: console output and exit, faults, and the measurements their main() prints.
 * Defined by each board (boards/<name>/board.c, startup.c) and by boards/mps2-an386/heap.c, which the
 * nRF52840 build links too.
 */
#ifndef EST_MCU_BOARD_H
#define EST_MCU_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* ---- Every microcontroller board --------------------------------------------------------------------- */
/** Text to the console (err: 1 for diagnostics; the nRF52840 sends both as LOG frames). */
void board_puts(int err, const char *s);
/** End the run: QEMU exits with the code; the nRF52840 sends the EXIT frame and resets. */
void board_exit(int code);
/** A fault handler's last words, then board_exit(4). */
void board_fault(const char *what);
/** Wall time, seconds since 1970, for the certificate's life cycle; -1 where the board has no such clock. */
int64_t board_wall_time_s(void);
/** Bytes of the main stack ever used (the stack is painted at reset). */
uint32_t board_stack_high_water(void);
/** The heap's high-water mark, current top, peak of bytes in use, and the last request it refused (heap.c). */
extern uint32_t heap_high_water, heap_now, heap_in_use_peak, heap_failed_request;
/** UART receive bytes lost to a full ring or an overrun. */
extern uint32_t uart_ring_overflows;
/** The module embedded in the image (module.S), and the RAM the linker script lays out. */
extern const uint8_t est_module[], est_module_end[];
extern uint8_t __stack_top__[], __bss_start__[];

/* ---- boards/mps2-an386 (QEMU) ------------------------------------------------------------------------- */
void board_console_init(void);
/** The command line QEMU passes by semihosting; returns its length. */
int board_cmdline(char *buf, size_t cap);
/** 1: answer in SLIP frames (HELLO, OUT, LOG, EXIT) as the nRF52840 does (--console). */
extern int board_console_frames;
void board_uart_init(void);
/** Keep the key store's flash in a host file across runs (semihosting). */
int flash_file_open(const char *path);
/** CPU ticks (40 ns) and the ticks spent asleep waiting for the network. */
uint64_t board_ticks(void);
extern uint64_t idle_ticks;

/* ---- boards/nrf52840 ----------------------------------------------------------------------------------- */
void board_init(void);
/** The boot line: reset cause, clocks, the store's state. */
void board_boot_report(char *out, size_t cap);
/** A fault with the stacked register frame (NULL when there is none). */
void board_fault_frame(const char *what, const uint32_t *frame);
/** Wait until everything written to the UART has left it. */
void board_uart_flush(void);
extern uint32_t uart_rx_errors, uart_rx_stalls;

#endif /* EST_MCU_BOARD_H */
