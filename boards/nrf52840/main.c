/* main.c - the nRF52840 DK firmware: the module embedded in flash (boards/mps2-an386/module.S, shared), run
 * under wasm3 through the firmware C API (host/include/est_client.h, boards/common/mcu_client.c). One command
 * per boot, like a power cycle:
 *
 *   boot -> LOG "est-board: nrf52840 up: reset cause ..." -> load the module
 *        -> with a server URI in the key store (provision --server-uri): maintain, LOG "est-board: boot: ..."
 *        -> HELLO "nrf52840" -> wait for a SLIP_FRAME_CMD (slip_wait_command) -> the command
 *        -> OUT frames (the command's output), LOG frames (its log, errors, one stats line)
 *        -> EXIT <code> -> reset (NVIC_SystemReset)
 *
 * Everything that must outlive the command (keys, certificates, state) is in the flash key store; RAM starts
 * clean for every command, so a command cannot leak heap fragmentation or wasm3 state into the next one.
 * Exit codes as est-sim and mps2-an386: 0 ok, 1 failed, 2 usage, 3 module could not be loaded, 4 trap/fault.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "board.h"
#include "capabilities.h"
#include "est_abi.h"
#include "est_client.h"
#include "est_host.h"
#include "mcu_client.h"
#include "module_source.h"
#include "flash_store.h"
#include "slip_net.h"
#include "mcu_board.h"

void NVIC_SystemReset(void) __attribute__((noreturn));

#define host (*est_client_host(&mcu_client))

/* Bytes of wasm3's value stack ever written. */
static uint32_t wasm_stack_high_water(void) {
  est_host_code_stats_t cs;
  est_host_code_stats(&host, &cs);
  return cs.value_stack_high_water;
}

/* The command is over: EXIT frame, wait until it has left the UART, reset. */
static void finish(int code) __attribute__((noreturn));
static void finish(int code) {
  uint8_t c = (uint8_t)code;
  slip_send_frame(SLIP_FRAME_EXIT, &c, 1);
  board_uart_flush();
  NVIC_SystemReset();
}

int main(void) {
  board_init();
  slip_net_init(); /* the source port, from the RNG */
  char msg[700]; /* on main's stack: the stack is reserved anyway, .bss would come off the heap */
  board_boot_report(msg, sizeof msg);
  board_puts(1, msg);

  int64_t t0 = board_clock_ms();
  size_t module_len = 0;
  const char *module_from = "image";
  const uint8_t *module = est_module_select(&module_len, &module_from);
  if (module_len == 0) {
    board_puts(1, "est-board: the module partition (0xB8000) holds a damaged module: write it again, or erase it to run the embedded one\n");
    finish(3);
  }
  if (mcu_client_load(module, module_len) != 0) finish(3);
  /* The boot path: the certificate's life cycle, before the console takes commands. */
  mcu_client_boot();
  slip_send_frame(SLIP_FRAME_HELLO, (const uint8_t *)BOARD_NAME, sizeof BOARD_NAME - 1);

  static char line[512];
  int32_t n = slip_wait_command(line, sizeof line);
  if (n < 0) {
    board_puts(1, "est-board: command line too long (511 bytes at most)");
    finish(2);
  }
  const char *argv[16];
  int argc = mcu_split_args(line, argv, 16);
  if (argc == 0) { argv[0] = "status"; argc = 1; }

  int64_t t1 = board_clock_ms();
  int code = mcu_client_command(argc, argv);
  snprintf(msg, sizeof msg,
           "est-board: stats: board %s, module %u bytes from the %s, load+start %ld ms, command %ld ms, linear memory %u bytes, "
           "heap high-water %lu bytes (live peak %lu) (of %u RAM), stack high-water %lu bytes, "
           "wasm3 value stack high-water %lu of %u bytes, data segment table released after load %lu bytes, "
           "slip frames out %lu in %lu (dropped %lu bad, %lu long, %lu uart overruns, %lu uart errors, %lu rx stalls), "
           "flash erases %lu word writes %lu",
           BOARD_NAME, (unsigned)module_len, module_from, (long)(t1 - t0), (long)(board_clock_ms() - t1),
           (unsigned)est_host_memory_size(&host), (unsigned long)heap_high_water, (unsigned long)heap_in_use_peak,
           (unsigned)(__stack_top__ - __bss_start__), (unsigned long)board_stack_high_water(),
           (unsigned long)wasm_stack_high_water(), (unsigned)BOARD_WASM_STACK_BYTES, (unsigned long)mcu_client_released,
           (unsigned long)slip_net_stats.frames_out, (unsigned long)slip_net_stats.frames_in,
           (unsigned long)slip_net_stats.dropped_bad, (unsigned long)slip_net_stats.dropped_long,
           (unsigned long)uart_ring_overflows, (unsigned long)uart_rx_errors, (unsigned long)uart_rx_stalls,
           (unsigned long)nvmc_page_erases, (unsigned long)nvmc_word_writes);
  board_puts(1, msg);
  finish(code);
}
