/* main.c - the emulated board's firmware: the module embedded in flash (module.S), run under wasm3 through the
 * firmware C API (host/include/est_client.h, boards/common/mcu_client.c), with the command line QEMU passes by
 * semihosting (default: status). The boot path first runs the certificate's life cycle (maintain) when
 * provisioning stored a server URI in the key store. Prints the command's output, then a line of measurements
 * (heap high-water mark, painted stack, wall time) on stderr, and exits with the same codes as est-sim (0 ok,
 * 1 failed, 2 usage, 3 module, 4 trap). */
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

#define host (*est_client_host(&mcu_client))

/* Functions compiled by the command (lazy compilation), their WebAssembly bytes, and wasm3's code pages. */
static void compiled_stats(char *buf, size_t cap) {
  est_host_code_stats_t cs;
  est_host_code_stats(&host, &cs);
  snprintf(buf, cap, "compiled %lu of %lu functions (%lu wasm bytes) into %lu code pages of %u bytes, at most %lu, code dropped %lu times",
           (unsigned long)cs.functions_compiled, (unsigned long)cs.functions, (unsigned long)cs.compiled_wasm_bytes,
           (unsigned long)cs.code_pages, (unsigned)cs.page_bytes, (unsigned long)cs.code_pages_peak, (unsigned long)cs.drops);
}

/* Bytes of wasm3's value stack ever written. */
static uint32_t wasm_stack_high_water(void) {
  est_host_code_stats_t cs;
  est_host_code_stats(&host, &cs);
  return cs.value_stack_high_water;
}

int main(void) {
  board_console_init();
  static char line[512];
  int n = board_cmdline(line, sizeof line - 1);
  if (n < 0) n = 0;
  line[n] = 0;
  const char *argv[16];
  int argc = mcu_split_args(line, argv, 16);
  /* QEMU passes the kernel file name first when arg= is not used: skip anything that is not a command. */
  if (argc > 0 && strchr(argv[0], '/')) { memmove(argv, argv + 1, (size_t)(argc - 1) * sizeof argv[0]); argc--; }
  /* --flash FILE (before the command): keep the key store's flash in FILE (flash.c), across runs. */
  if (argc >= 2 && strcmp(argv[0], "--flash") == 0) {
    if (flash_file_open(argv[1]) != 0) { board_puts(1, "est-board: --flash: cannot open or read the flash file (it must be 32768 bytes)\n"); board_exit(2); }
    memmove(argv, argv + 2, (size_t)(argc - 2) * sizeof argv[0]);
    argc -= 2;
  }
  /* --console: take the command from a CMD frame on the UART and answer in frames, as boards/nrf52840 does
   * (board.c), so that the HIL runner's serial path can drive this board. */
  int console = argc >= 1 && strcmp(argv[0], "--console") == 0;
  board_uart_init();
  slip_net_init();
  if (console) {
    board_console_frames = 1;
    slip_send_frame(SLIP_FRAME_HELLO, (const uint8_t *)BOARD_NAME, sizeof BOARD_NAME - 1);
    if (slip_wait_command(line, sizeof line) < 0) {
      board_puts(1, "est-board: command line too long (511 bytes at most)\n");
      board_exit(2);
    }
    argc = mcu_split_args(line, argv, 16);
  }
  if (argc == 0) { argv[0] = "status"; argc = 1; }

  int64_t t0 = board_clock_ms();
  size_t module_len = 0;
  const char *module_from = "image";
  const uint8_t *module = est_module_select(&module_len, &module_from);
  if (module_len == 0) {
    board_puts(1, "est-board: the module partition (0xB8000) holds a damaged module: write it again, or erase it to run the embedded one\n");
    board_exit(3);
  }
  if (mcu_client_load(module, module_len) != 0) board_exit(3);
  uint32_t released = mcu_client_released;
  int64_t t1 = board_clock_ms();
  uint64_t k1 = board_ticks(), idle1 = idle_ticks;
  mcu_client_boot();
  int code = mcu_client_command(argc, argv);
  char msg[800];
  /* Busy time of the command: wall time minus the time asleep waiting for the network (ticks of 40 ns). */
  uint64_t busy_ticks = (board_ticks() - k1) - (idle_ticks - idle1);
  unsigned long busy_us = (unsigned long)(busy_ticks / (BOARD_CPU_HZ / 1000000u));
  char comp[260];
  compiled_stats(comp, sizeof comp);
  snprintf(msg, sizeof msg,
           "est-board: stats: board %s (reset cause: %s), module %u bytes from the %s, load+start %ld ms, command %ld ms (busy %lu us), linear memory %u bytes, "
           "heap high-water %lu bytes (live peak %lu) (of %u RAM), stack high-water %lu bytes, "
           "wasm3 value stack high-water %lu of %u bytes, data segment table released after load %lu bytes, "
           "slip frames out %lu in %lu (dropped %lu bad, %lu long, %lu uart overruns), flash erases %lu word writes %lu, %s\n",
           BOARD_NAME, board_reset_cause(), (unsigned)module_len, module_from, (long)(t1 - t0), (long)(board_clock_ms() - t1), busy_us,
           (unsigned)est_host_memory_size(&host), (unsigned long)heap_high_water, (unsigned long)heap_in_use_peak, (unsigned)(__stack_top__ - __bss_start__),
           (unsigned long)board_stack_high_water(), (unsigned long)wasm_stack_high_water(), (unsigned)BOARD_WASM_STACK_BYTES,
           (unsigned long)released, (unsigned long)slip_net_stats.frames_out, (unsigned long)slip_net_stats.frames_in,
           (unsigned long)slip_net_stats.dropped_bad, (unsigned long)slip_net_stats.dropped_long,
           (unsigned long)uart_ring_overflows, (unsigned long)nvmc_page_erases, (unsigned long)nvmc_word_writes, comp);
  board_puts(1, msg);
  board_exit(code);
  return code;
}
