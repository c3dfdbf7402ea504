/*
 * main.c - an example application on the emulated Cortex-M4 (QEMU mps2-an386, held to the nRF52840's 256 KiB
 * of RAM): a sensor that keeps its own certificate. Everything it does with EST-oscore goes through the
 * firmware C API (host/include/est_client.h); the board (boards/mps2-an386, boards/common) gives it the UDP
 * link, the flash key store, the clocks and the console.
 *
 *   boot -> maintain: enroll when there is no certificate, renew when due (at two thirds of the validity),
 *           enroll from scratch when it expired, else nothing
 *        -> every REPORT_S seconds: POST a reading to /sensor on the server, under the OSCORE context
 *        -> at the renewal time: maintain again
 *
 * A power cut at any point is survived by construction: the key store keeps the old or the new enrollment and
 * OSCORE context (never a mix), so the next boot simply starts over from "boot".
 *
 * Semihosting arguments (QEMU -semihosting-config arg=...): [--flash FILE] [--report-s N] [--cycles N]
 *   --flash FILE   keep the key store's flash in FILE across runs (as the test firmware does)
 *   --report-s N   seconds between readings (default 5)
 *   --cycles N     exit (code 0) once the certificate was renewed N times in this boot and a reading followed;
 *                  0 (default): run forever, as a device does
 * The server URI is the one provisioning stored in the key store (tools/provision.ts --server-uri).
 * One JSON line per event on the console's stdout: {"event":"maintain",...}, {"event":"reading",...}.
 *
 * Deliberately not here: a real sensor, low-power sleep (the board's wait is a wfi loop), more than one server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "capabilities.h"
#include "est_client.h"
#include "flash_store.h"
#include "mcu_board.h"
#include "module_source.h"
#include "slip_net.h"

static est_client_t client; /* static: wasm3 keeps pointers into it */
static char uri[256];
static int renewals;

static int64_t wall_clock(void *ctx) { (void)ctx; return board_wall_time_s(); }

static void say(const char *line) { board_puts(0, line); }

/* Every operation's outcome, as one JSON line. */
static void on_done(void *ctx, const est_client_event_t *ev) {
  (void)ctx;
  static const char *const actions[] = {"none", "enrolled", "reenrolled", "renewed"};
  char line[400];
  if (ev->op == EST_CLIENT_REQUEST) {
    snprintf(line, sizeof line, "{\"event\":\"reading\",\"status\":\"%s\",\"response\":\"%.*s\"}\n", est_status_name(ev->status),
             (int)(ev->response_len > 100 ? 100 : ev->response_len), (const char *)ev->response);
  } else {
    if (ev->status == EST_OK && ev->action == EST_CLIENT_ACTION_RENEWED) renewals++;
    snprintf(line, sizeof line, "{\"event\":\"maintain\",\"status\":\"%s\",\"action\":\"%s\",\"renew_at\":%ld,\"not_after\":%ld%s%.200s%s}\n",
             est_status_name(ev->status), actions[ev->action], (long)ev->renew_at, (long)ev->not_after,
             ev->status == EST_OK ? "" : ",\"detail\":\"", ev->status == EST_OK ? "" : est_client_detail(&client),
             ev->status == EST_OK ? "" : "\"");
  }
  say(line);
}

/* Sleep through the board until the board clock reaches until_ms; a datagram meanwhile is not for us. */
static void idle_until(int64_t until_ms) {
  uint8_t addr[EST_ADDR_MAX_LEN], data[64];
  size_t al;
  while (board_clock_ms() < until_ms) board_wait(until_ms, addr, &al, data, sizeof data);
}

int main(void) {
  board_console_init();
  static char line[512];
  int n = board_cmdline(line, sizeof line - 1);
  line[n < 0 ? 0 : n] = 0;
  long report_s = 5, cycles = 0;
  for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " ")) {
    char *val = NULL;
    if (!strcmp(tok, "--flash") || !strcmp(tok, "--report-s") || !strcmp(tok, "--cycles")) val = strtok(NULL, " ");
    if (!strcmp(tok, "--flash") && val && flash_file_open(val) != 0) { board_puts(1, "sensor: cannot open the flash file\n"); board_exit(2); }
    if (!strcmp(tok, "--report-s") && val) report_s = strtol(val, NULL, 10);
    if (!strcmp(tok, "--cycles") && val) cycles = strtol(val, NULL, 10);
  }
  board_uart_init();
  slip_net_init();

  /* The configuration: where the server is (from provisioning), the board's limits and clock, our callback. */
  if (est_client_stored_uri(uri, sizeof uri) <= 0) { board_puts(1, "sensor: no server URI in the key store (provision --server-uri)\n"); board_exit(2); }
  size_t module_len = 0;
  const char *from = "image";
  const uint8_t *module = est_module_select(&module_len, &from);
  est_client_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.server_uri = uri;
  cfg.limits = (est_host_limits_t){BOARD_WASM_STACK_BYTES, BOARD_WASM_MAX_PAGES, BOARD_COMPILE_EAGERLY,
                                   BOARD_CODE_CACHE_BYTES, BOARD_WASM_MEMORY_BYTES};
  cfg.time_now = wall_clock;
  cfg.on_done = on_done;
  cfg.retry_min_s = 2;
  cfg.retry_max_s = 60;
  if (module_len == 0 || est_client_init(&client, module, module_len, &cfg) != EST_OK) {
    board_puts(1, "sensor: cannot load the module: ");
    board_puts(1, est_client_error(&client));
    board_puts(1, "\n");
    board_exit(3);
  }
  est_host_release_load_tables(est_client_host(&client));

  int64_t next_maintain = board_clock_ms(), next_report = 0;
  int readings_since_renewal = 0, done_renewals = 0;
  for (;;) {
    int64_t now = board_clock_ms();
    if (now >= next_maintain) {
      est_client_run(&client, EST_CLIENT_MAINTAIN);
      next_maintain = board_clock_ms() + 1000 * (int64_t)est_client_next_run_s(&client);
      if (renewals != done_renewals) { done_renewals = renewals; readings_since_renewal = 0; next_report = 0; }
    }
    est_client_status_t s;
    if (board_clock_ms() >= next_report && est_client_status(&client, &s) == EST_OK && s.enrolled && !s.expired) {
      char reading[48];
      snprintf(reading, sizeof reading, "t=%ld.%ld C", 20 + (long)(board_clock_ms() / 1000 % 5), (long)(board_clock_ms() / 100 % 10));
      if (est_client_request(&client, EST_CLIENT_POST, "/sensor", reading, NULL, 0, NULL) == EST_OK) readings_since_renewal++;
      next_report = board_clock_ms() + 1000 * (int64_t)report_s;
    }
    if (cycles > 0 && renewals >= cycles && readings_since_renewal > 0) {
      char msg[96];
      snprintf(msg, sizeof msg, "{\"event\":\"done\",\"renewals\":%d}\n", renewals);
      say(msg);
      board_exit(0);
    }
    idle_until(next_report < next_maintain ? next_report : next_maintain);
  }
}
