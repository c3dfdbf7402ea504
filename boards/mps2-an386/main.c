/* main.c - the emulated board's firmware: the module embedded in flash (module.S), run by the shared host
 * (host/est_host.c) under wasm3, with the command line QEMU passes by semihosting (default: status).
 * Prints the command's output, then a line of measurements (heap high-water mark, painted stack, wall time)
 * on stderr, and exits with the same codes as est-sim (0 ok, 1 failed, 2 usage, 3 module, 4 trap). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "board.h"
#include "capabilities.h"
#include "est_abi.h"
#include "est_host.h"
#include "module_source.h"
#include "flash_store.h"
#include "slip_net.h"
#include "mcu_board.h"

static est_host_t host;

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

/* Split a command line at spaces, in place. */
static int split_args(char *line, const char **argv, int max) {
  int argc = 0;
  for (char *p = line; *p && argc < max;) {
    while (*p == ' ') *p++ = 0;
    if (!*p) break;
    argv[argc++] = p;
    while (*p && *p != ' ') p++;
  }
  return argc;
}

int main(void) {
  board_console_init();
  static char line[512];
  int n = board_cmdline(line, sizeof line - 1);
  if (n < 0) n = 0;
  line[n] = 0;
  const char *argv[16];
  int argc = split_args(line, argv, 16);
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
    argc = split_args(line, argv, 16);
  }
  if (argc == 0) { argv[0] = "status"; argc = 1; }

  const est_host_limits_t limits = {BOARD_WASM_STACK_BYTES, BOARD_WASM_MAX_PAGES, BOARD_COMPILE_EAGERLY,
                                    BOARD_CODE_CACHE_BYTES, BOARD_WASM_MEMORY_BYTES};
  int64_t t0 = board_clock_ms();
  size_t module_len = 0;
  const char *module_from = "image";
  const uint8_t *module = est_module_select(&module_len, &module_from);
  if (module_len == 0) {
    board_puts(1, "est-board: the module partition (0xB8000) holds a damaged module: write it again, or erase it to run the embedded one\n");
    board_exit(3);
  }
  int rc = est_host_load(&host, module, module_len, &limits);
  if (rc != EST_HOST_OK) {
    char m2[120];
    snprintf(m2, sizeof m2, " (heap high-water %lu bytes, a request of %lu bytes refused)\n",
             (unsigned long)heap_high_water, (unsigned long)heap_failed_request);
    board_puts(1, "est-board: cannot run the module: "); board_puts(1, host.error); board_puts(1, m2);
    board_exit(3);
  }
  /* wasm3 reads its table of data segments (one 20-byte entry per segment: 1,226 in this module, 24.5 KiB)
   * only while it loads the module, to copy them into linear memory; it keeps the table until the module is
   * freed. On 256 KiB of RAM that is worth giving back: the lazy compiler's code pages reuse the space. */
  uint32_t released = est_host_release_load_tables(&host);
  int64_t t1 = board_clock_ms();
  uint64_t k1 = board_ticks(), idle1 = idle_ticks;
  int32_t status = 0;
  rc = est_host_run(&host, argc, argv, &status);
  int code = 0;
  char msg[800];
  if (rc != EST_HOST_OK) {
    snprintf(msg, sizeof msg, "est-board: %.40s: %.150s\n", argv[0], host.error);
    board_puts(1, msg);
    code = 4;
  } else if (status != EST_OK) {
    uint32_t dl = 0;
    const char *d = est_host_error_detail(&host, &dl);
    snprintf(msg, sizeof msg, "est-board: %.40s: %s (%.*s)\n", argv[0], est_status_name(status), (int)(dl > 400 ? 400 : dl), d);
    board_puts(1, msg);
    code = (status == EST_E_USAGE || status == EST_E_UNKNOWN_COMMAND) ? 2 : 1;
  }
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
