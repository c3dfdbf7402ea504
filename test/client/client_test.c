/*
 * client_test.c - drives the firmware C API (host/include/est_client.h) on the posix board through one
 * device's life, for test/client-api.test.ts; host/node/client.ts runs the same script on the Node host
 * (test/client/script.ts) and the test holds both to the same events.
 *
 *   est-client-test MODULE STORE SERVER_URI
 *
 * One JSON object per line on stdout: each on_done event, each status, and the checks of the API's own
 * rules (busy, configuration errors, idle step). The wall time is a variable the script moves (time travel to
 * the renewal time and past notAfter); the board clock and the network are real.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "board_posix.h"
#include "est_client.h"
#include "est_crypto.h"
#include "impair.h"
#include "store_file.h"

static int64_t now_s;
static int64_t wall(void *ctx) { (void)ctx; return now_s; }

static const char *op_name(est_client_op_t op) {
  switch (op) {
    case EST_CLIENT_MAINTAIN: return "maintain";
    case EST_CLIENT_ENROLL: return "enroll";
    case EST_CLIENT_RENEW: return "renew";
    case EST_CLIENT_REQUEST: return "request";
    default: return "?";
  }
}
static const char *action_name(est_client_action_t a) {
  static const char *const n[] = {"none", "enrolled", "reenrolled", "renewed"};
  return a <= EST_CLIENT_ACTION_RENEWED ? n[a] : "?";
}

static int stop_after_done;
static est_client_t client;

static void on_done(void *ctx, const est_client_event_t *ev) {
  (void)ctx;
  printf("{\"event\":\"%s\",\"status\":%d,\"action\":\"%s\",\"not_after\":%lld,\"renew_at\":%lld", op_name(ev->op),
         (int)ev->status, action_name(ev->action), (long long)ev->not_after, (long long)ev->renew_at);
  if (ev->op == EST_CLIENT_REQUEST) printf(",\"response\":\"%.*s\"", (int)ev->response_len, (const char *)ev->response);
  printf("}\n");
  if (stop_after_done) est_client_stop(&client);
}

static void status_line(const char *label) {
  est_client_status_t s;
  int32_t st = est_client_status(&client, &s);
  printf("{\"status\":\"%s\",\"result\":%d,\"enrolled\":%d,\"expired\":%d,\"renewal_due\":%d,\"not_before\":%lld,"
         "\"not_after\":%lld,\"renew_at\":%lld,\"subject\":\"%s\",\"certificate_len\":%zu,\"key_id\":%u,\"next_run_s\":%u}\n",
         label, (int)st, s.enrolled, s.expired, s.renewal_due, (long long)s.not_before, (long long)s.not_after,
         (long long)s.renew_at, s.subject, s.certificate_len, (unsigned)s.key.id, (unsigned)est_client_next_run_s(&client));
}

static void check(const char *what, long long got) { printf("{\"check\":\"%s\",\"value\":%lld}\n", what, got); }

/* Start op and step it without blocking for long: counts the steps, and tries what must be refused meanwhile. */
static void stepped(est_client_op_t op) {
  int32_t st = est_client_start(&client, op);
  int steps = 0, busy = 0;
  while (st == EST_PENDING) {
    if (steps == 0) {
      est_client_status_t s;
      busy = est_client_start(&client, EST_CLIENT_ENROLL) == EST_E_BUSY && est_client_status(&client, &s) == EST_E_BUSY &&
             est_client_next_deadline(&client) >= 0;
    }
    st = est_client_step(&client, 20);
    steps++;
  }
  printf("{\"stepped\":\"%s\",\"status\":%d,\"steps\":%d,\"busy_refused\":%d}\n", op_name(op), (int)st, steps, busy);
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: est-client-test MODULE STORE SERVER_URI\n"); return 2; }
  impair_config_t none;
  memset(&none, 0, sizeof none);
  impair_init(&none);
  char err[200];
  if (store_file_open(argv[2], 32768, err, sizeof err) != EST_OK) { fprintf(stderr, "store: %s\n", err); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  static uint8_t wasm[256 * 1024];
  size_t wasm_len = fread(wasm, 1, sizeof wasm, f);
  fclose(f);
  setvbuf(stdout, NULL, _IOLBF, 0);
  now_s = (int64_t)time(NULL);

  est_client_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.limits = (est_host_limits_t){64 * 1024, 2, 0, 0, 0};
  /* A board without native crypto (caps 0): the enrolled key stays in the enrollment record, so
   * est_client_key_export has it to give (a board that keeps keys answers with a key id instead). */
  est_crypto_set_caps_mask(0);
  cfg.time_now = wall;
  cfg.on_done = on_done;
  cfg.renew_percent = 100;
  check("config_percent_100", est_client_init(&client, wasm, wasm_len, &cfg));
  cfg.renew_percent = 0;
  check("init", est_client_init(&client, wasm, wasm_len, &cfg));
  check("start_without_uri", est_client_start(&client, EST_CLIENT_MAINTAIN));
  est_client_free(&client);
  cfg.server_uri = argv[3];
  cfg.retry_min_s = 5;
  cfg.retry_max_s = 600;
  check("init", est_client_init(&client, wasm, wasm_len, &cfg));
  check("step_idle", est_client_step(&client, 0));
  status_line("fresh");

  stepped(EST_CLIENT_MAINTAIN);          /* not enrolled: enrolls */
  status_line("enrolled");
  static uint8_t der[2048];
  size_t dl = 0;
  check("certificate", est_client_certificate(&client, der, sizeof der, &dl));
  printf("{\"certificate\":\"");
  for (size_t i = 0; i < dl; i++) printf("%02x", der[i]);
  printf("\"}\n");
  size_t small = 0;
  check("certificate_small_buffer", est_client_certificate(&client, der, 10, &small));
  check("certificate_small_len", (long long)small);
  uint8_t priv[32];
  int type = 0;
  static uint8_t scratch[EST_CLIENT_RECORD_MAX];
  check("key_export", est_client_key_export(&client, priv, &type, scratch, sizeof scratch));
  printf("{\"key_type\":%d,\"key\":\"", type);
  for (int i = 0; i < 32; i++) printf("%02x", priv[i]);
  printf("\"}\n");
  check("key_export_small_scratch", est_client_key_export(&client, priv, &type, scratch, 16));

  uint8_t resp[64];
  size_t rl = 0;
  char long_payload[EST_CLIENT_PAYLOAD_MAX + 2];
  memset(long_payload, 'x', sizeof long_payload - 1);
  long_payload[sizeof long_payload - 1] = 0;
  check("request_payload_too_long", est_client_start_request(&client, EST_CLIENT_POST, "/sensor", long_payload));
  check("request_bad_path", est_client_start_request(&client, EST_CLIENT_POST, "sensor", "1"));
  check("request_post", est_client_request(&client, EST_CLIENT_POST, "/sensor", "t=21.5", resp, sizeof resp, &rl));
  check("request_get", est_client_request(&client, EST_CLIENT_GET, "/sensor", NULL, resp, sizeof resp, &rl));
  check("request_get_len", (long long)rl);
  check("request_missing", est_client_request(&client, EST_CLIENT_GET, "/nothing-here", NULL, resp, sizeof resp, &rl));

  stepped(EST_CLIENT_MAINTAIN);          /* nothing due */
  est_client_status_t s;
  est_client_status(&client, &s);
  now_s = s.renew_at + 1;                /* time travel: the renewal is due */
  status_line("due");
  stepped(EST_CLIENT_MAINTAIN);          /* renews with /sren */
  status_line("renewed");
  est_client_status(&client, &s);
  now_s = s.not_after + 10;              /* ... and past notAfter: expired */
  status_line("expired");
  stepped(EST_CLIENT_MAINTAIN);          /* enrolls from scratch */
  now_s = (int64_t)time(NULL);           /* back to the present: the new certificate is current */
  status_line("reenrolled");
  check("run_renew", est_client_run(&client, EST_CLIENT_RENEW));

  /* Cancel a running operation. */
  int32_t st = est_client_start(&client, EST_CLIENT_ENROLL);
  check("cancel", st == EST_PENDING ? est_client_cancel(&client) : st);

  /* The task helper: one maintain (nothing due), then stop from its on_done. */
  stop_after_done = 1;
  est_client_task(&client);
  stop_after_done = 0;
  check("task_returned", 1);
  est_client_free(&client);
  return 0;
}
