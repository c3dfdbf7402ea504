/*
 * mcu_client.c - the microcontroller boards' use of the firmware C API (mcu_client.h): one path for the boot
 * path and the console's commands, as est-sim takes for its command line.
 */
#include "mcu_client.h"

#include <stdio.h>
#include <string.h>

#include "board.h"
#include "capabilities.h"
#include "mcu_board.h"

est_client_t mcu_client;
uint32_t mcu_client_released;
static char server_uri[256];

static int64_t wall_clock(void *ctx) {
  (void)ctx;
  return board_wall_time_s();
}

/* What the last operation did (its on_done). */
static est_client_action_t last_action;
static void on_done(void *ctx, const est_client_event_t *ev) {
  (void)ctx;
  last_action = ev->action;
}

int mcu_client_load(const uint8_t *module, size_t len) {
  est_client_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.limits = (est_host_limits_t){BOARD_WASM_STACK_BYTES, BOARD_WASM_MAX_PAGES, BOARD_COMPILE_EAGERLY,
                                   BOARD_CODE_CACHE_BYTES, BOARD_WASM_MEMORY_BYTES};
  cfg.time_now = wall_clock;
  cfg.on_done = on_done;
  if (est_client_stored_uri(server_uri, sizeof server_uri) > 0) cfg.server_uri = server_uri;
  if (est_client_init(&mcu_client, module, len, &cfg) != EST_OK) {
    char msg[480];
    snprintf(msg, sizeof msg, "est-board: cannot run the module: %.320s (heap high-water %lu bytes, a request of %lu bytes refused)\n",
             est_client_error(&mcu_client), (unsigned long)heap_high_water, (unsigned long)heap_failed_request);
    board_puts(1, msg);
    return 3;
  }
  /* wasm3 reads its table of data segments (one 20-byte entry per segment) only while it loads the module,
   * to copy them into linear memory; it keeps the table until the module is freed. On 256 KiB of RAM that is
   * worth giving back: the lazy compiler's code pages reuse the space. */
  mcu_client_released = est_host_release_load_tables(est_client_host(&mcu_client));
  return 0;
}

int mcu_client_boot(void) {
  if (!server_uri[0]) return 0;
  int32_t st = est_client_run(&mcu_client, EST_CLIENT_MAINTAIN);
  est_client_status_t s;
  memset(&s, 0, sizeof s);
  est_client_status(&mcu_client, &s);
  static const char *const actions[] = {"nothing due", "enrolled", "enrolled anew (expired)", "renewed"};
  char when[32] = "?", msg[400];
  if (s.renew_at > 0) est_render_time(s.renew_at, when, sizeof when);
  int action = st != EST_OK ? 0 : (int)last_action;
  snprintf(msg, sizeof msg, "est-board: boot: maintain %s (%s%s%.200s), %s, renews at %s\n", st == EST_OK ? actions[action] : "failed",
           est_status_name(st), st == EST_OK ? "" : ": ", st == EST_OK ? "" : est_client_detail(&mcu_client),
           s.enrolled ? "enrolled" : "not enrolled", when);
  board_puts(1, msg);
  return 1;
}

int mcu_client_command(int argc, const char **argv) {
  int32_t status = 0;
  int rc = est_client_command(&mcu_client, argc, argv, &status);
  char msg[600];
  if (rc != EST_HOST_OK) {
    snprintf(msg, sizeof msg, "est-board: %.40s: %.150s\n", argv[0], est_client_error(&mcu_client));
    board_puts(1, msg);
    return 4;
  }
  if (status == EST_OK) return 0;
  snprintf(msg, sizeof msg, "est-board: %.40s: %s (%.400s)\n", argv[0], est_status_name(status), est_client_detail(&mcu_client));
  board_puts(1, msg);
  return (status == EST_E_USAGE || status == EST_E_UNKNOWN_COMMAND) ? 2 : 1;
}

int mcu_split_args(char *line, const char **argv, int max) {
  int argc = 0;
  for (char *p = line; *p && argc < max;) {
    while (*p == ' ') *p++ = 0;
    if (!*p) break;
    argv[argc++] = p;
    while (*p && *p != ' ') p++;
  }
  return argc;
}
