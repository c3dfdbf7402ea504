/* main_linux.c - runs one module command on boards/esp32's board code under Linux (test/board-esp32.test.ts),
 * through the firmware C API as main/app_main.c does.
 *   esp32-linux MODULE [command args...]
 * The module file is read into a buffer followed by 64 KiB of 0xFF, as it sits in the "module" flash
 * partition, and its length found by est_module_length, as the component does with the partition. Exit codes
 * as est-sim: 0 ok, 1 the command failed, 2 usage, 3 module unusable, 4 trap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_esp32.h"
#include "est_abi.h"
#include "est_client.h"
#include "board.h"
#include "sdkconfig.h"

int board_esp32_cancelled(void) { return 0; }

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: esp32-linux MODULE command [args...]\n"); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 3; }
  static uint8_t part[512 * 1024];
  size_t n = fread(part, 1, sizeof part - 65536, f);
  fclose(f);
  memset(part + n, 0xFF, sizeof part - n);
  size_t len = est_module_length(part, sizeof part);
  if (len != n) { fprintf(stderr, "est-esp32: module length %zu, file %zu\n", len, n); return 3; }
  fprintf(stderr, "est-esp32: reset cause %s\n", board_reset_cause());
  static est_client_t client;
  est_client_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  /* The component's menuconfig defaults (components/est_client/Kconfig, as sdkconfig.h has them); the
   * environment's EST_WASM_STACK, EST_MEMORY_BYTES and EST_CODE_CACHE_BYTES override them (the heap benchmark
   * compares settings). */
  const char *stack = getenv("EST_WASM_STACK"), *mem = getenv("EST_MEMORY_BYTES"), *cache = getenv("EST_CODE_CACHE_BYTES");
  cfg.limits = (est_host_limits_t){stack ? (uint32_t)strtoul(stack, NULL, 0) : CONFIG_EST_WASM_STACK, 2, 0,
                                   cache ? (uint32_t)strtoul(cache, NULL, 0) : CONFIG_EST_CODE_CACHE_BYTES,
                                   mem ? (uint32_t)strtoul(mem, NULL, 0) : CONFIG_EST_MEMORY_BYTES};
  if (est_client_init(&client, part, len, &cfg) != EST_OK) { fprintf(stderr, "est-esp32: %s\n", est_client_error(&client)); return 3; }
  int32_t status = 0;
  if (est_client_command(&client, argc - 2, (const char *const *)argv + 2, &status) != EST_HOST_OK) {
    fprintf(stderr, "est-esp32: %s\n", est_client_error(&client));
    return 4;
  }
  board_esp32_net_reset();
  if (status != EST_OK) {
    fprintf(stderr, "est-esp32: %s: %s (%s)\n", argv[2], est_status_name(status), est_client_detail(&client));
    return status == EST_E_USAGE || status == EST_E_UNKNOWN_COMMAND ? 2 : 1;
  }
  return 0;
}
