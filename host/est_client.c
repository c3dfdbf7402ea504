/*
 * est_client.c - the C API of est_client.h over the shared host: operations become module command lines
 * (maintain, enroll, reenroll, request, status), their result records become events and status structs.
 *
 * Deliberately not here: protocol (the module's), rendering (est_render.c), sockets and storage (the board's).
 */
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "est_client.h"

/* The result record's key-id item: the id of a board-held enrollment key (the module writes it once keys move
 * to the board; est_abi.h then names it). */
/* The enrollment record (assembly/base/store-ids.ts STORE_ID_ENROLLMENT) and its format 1 (est/record.ts):
 * version | key type | 32-byte private key | u16 length | certificate | u16 length | CA certificate. */
#define ENROLLMENT_RECORD_ID 0x0120u
#define ENROLLMENT_FORMAT_KEY_IN_RECORD 1

/* ---- The result record ----------------------------------------------------------------------------------- */

/* The value of the first item with this tag, or NULL. */
static const uint8_t *item(const uint8_t *rec, uint32_t len, uint8_t tag, uint32_t *n) {
  for (uint32_t i = 0; i + 3 <= len;) {
    uint32_t l = (uint32_t)rec[i + 1] | (uint32_t)rec[i + 2] << 8;
    if (i + 3 + l > len) break;
    if (rec[i] == tag) { *n = l; return rec + i + 3; }
    i += 3 + l;
  }
  return NULL;
}

static uint64_t le(const uint8_t *v, uint32_t n) {
  uint64_t x = 0;
  for (uint32_t k = n > 8 ? 8 : n; k > 0; k--) x = x << 8 | v[k - 1];
  return x;
}

static int64_t num(const uint8_t *rec, uint32_t len, uint8_t tag, int64_t absent) {
  uint32_t n = 0;
  const uint8_t *v = item(rec, len, tag, &n);
  return v && n > 0 ? (int64_t)le(v, n) : absent;
}

/* A reference item (u32 offset | u32 length into linear memory), or NULL when outside it. */
static const uint8_t *ref(const uint8_t *rec, uint32_t len, uint8_t tag, const uint8_t *mem, uint32_t mem_size, size_t *out_len) {
  uint32_t n = 0;
  const uint8_t *v = item(rec, len, tag, &n);
  if (!v || n < 8) return NULL;
  uint32_t p = (uint32_t)le(v, 4), l = (uint32_t)le(v + 4, 4);
  if ((uint64_t)p + l > mem_size) return NULL;
  *out_len = l;
  return mem + p;
}

/* ---- Command lines --------------------------------------------------------------------------------------- */

#define MAX_ARGV 32

/* A non-negative number in decimal (by hand: newlib-nano's printf has no long long). */
static void dec(char *out, size_t cap, int64_t v) {
  char d[24];
  int k = 0;
  uint64_t u = v < 0 ? 0 : (uint64_t)v;
  do { d[k++] = (char)('0' + u % 10); u /= 10; } while (u && k < (int)sizeof d);
  size_t n = 0;
  while (k && n + 1 < cap) out[n++] = d[--k];
  if (cap) out[n] = 0;
}

static int64_t wall_now(est_client_t *c) { return c->cfg.time_now ? c->cfg.time_now(c->cfg.ctx) : -1; }

/* Append the life-cycle options the configuration implies (--renew-at, --now) unless argv gives them. */
static int life_args(est_client_t *c, const char **argv, int argc) {
  int has_renew = 0, has_now = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--renew-at")) has_renew = 1;
    if (!strcmp(argv[i], "--now")) has_now = 1;
  }
  if (!has_renew && c->cfg.renew_percent && argc + 2 <= MAX_ARGV) {
    dec(c->num[0], sizeof c->num[0], c->cfg.renew_percent);
    argv[argc++] = "--renew-at";
    argv[argc++] = c->num[0];
  }
  int64_t now = wall_now(c);
  if (!has_now && now >= 0 && argc + 2 <= MAX_ARGV) {
    dec(c->num[1], sizeof c->num[1], now);
    argv[argc++] = "--now";
    argv[argc++] = c->num[1];
  }
  return argc;
}

static int takes_life_args(const char *cmd) {
  return !strcmp(cmd, "maintain") || !strcmp(cmd, "status") || !strcmp(cmd, "enroll") || !strcmp(cmd, "reenroll");
}

/* Output of the module's commands under the API: kept as the response (a request's payload), cut to fit. */
static void capture(void *ctx, const uint8_t *data, size_t len) {
  est_client_t *c = (est_client_t *)ctx;
  size_t room = sizeof c->response - c->response_len;
  if (len > room) len = room;
  memcpy(c->response + c->response_len, data, len);
  c->response_len += len;
}

/* Run a command for the API: no report, output captured. */
static int quiet_start(est_client_t *c, const char **argv, int argc, int32_t *st) {
  c->host.quiet_report = 1;
  c->host.out_hook = capture;
  c->host.out_ctx = c;
  c->response_len = 0;
  return est_host_start(&c->host, argc, argv, st);
}

/* ---- Operations ------------------------------------------------------------------------------------------ */

static int32_t finish(est_client_t *c, int32_t st) {
  est_client_event_t ev;
  memset(&ev, 0, sizeof ev);
  ev.op = c->op;
  ev.status = st;
  uint32_t len = 0, mem_size = 0;
  const uint8_t *mem = NULL;
  const uint8_t *rec = st == EST_CLIENT_E_HOST ? NULL : est_host_result(&c->host, &len, &mem, &mem_size);
  if (rec && c->op != EST_CLIENT_REQUEST) {
    uint32_t flags = (uint32_t)num(rec, len, EST_RESULT_FLAGS, 0);
    int command = (int)num(rec, len, EST_RESULT_COMMAND, 0);
    if (st == EST_OK && command == EST_RESULT_CMD_ENROLL)
      ev.action = (flags & EST_RESULT_FLAG_EXPIRED) ? EST_CLIENT_ACTION_REENROLLED
                : num(rec, len, EST_RESULT_RESOURCE, 0) == EST_RESULT_RES_SREN ? EST_CLIENT_ACTION_RENEWED
                : EST_CLIENT_ACTION_ENROLLED;
    ev.not_after = num(rec, len, EST_RESULT_NOT_AFTER, 0);
    ev.renew_at = num(rec, len, EST_RESULT_RENEW_AT, 0);
    if (ev.renew_at) c->renew_at = ev.renew_at;
  }
  if (c->op == EST_CLIENT_REQUEST) { ev.response = c->response; ev.response_len = c->response_len; }
  /* Only the life-cycle operations count towards the back-off of est_client_task. */
  if (c->op != EST_CLIENT_REQUEST) c->failures = st == EST_OK ? 0 : c->failures + 1;
  c->last_status = st;
  c->op = 0;
  if (c->cfg.on_done) c->cfg.on_done(c->cfg.ctx, &ev);
  return st;
}

static int32_t begin(est_client_t *c, est_client_op_t op, const char **argv, int argc) {
  if (c->op) return EST_E_BUSY;
  int32_t st = EST_E_INTERNAL;
  c->op = op;
  int rc = quiet_start(c, argv, argc, &st);
  if (rc != EST_HOST_OK) return finish(c, EST_CLIENT_E_HOST);
  return st == EST_PENDING ? EST_PENDING : finish(c, st);
}

int32_t est_client_init(est_client_t *c, const uint8_t *wasm, size_t wasm_len, const est_client_config_t *cfg) {
  memset(c, 0, sizeof *c);
  c->cfg = *cfg;
  if (cfg->renew_percent > 99) return EST_CLIENT_E_CONFIG;
  if (est_host_load(&c->host, wasm, wasm_len, &cfg->limits) != EST_HOST_OK) return EST_CLIENT_E_HOST;
  return EST_OK;
}

int32_t est_client_start(est_client_t *c, est_client_op_t op) {
  const char *cmd = op == EST_CLIENT_MAINTAIN ? "maintain" : op == EST_CLIENT_ENROLL ? "enroll" : op == EST_CLIENT_RENEW ? "reenroll" : NULL;
  if (!cmd || !c->cfg.server_uri || !*c->cfg.server_uri) return EST_CLIENT_E_CONFIG;
  if (c->op) return EST_E_BUSY;
  const char *argv[MAX_ARGV];
  int argc = 0;
  argv[argc++] = cmd;
  for (const char *const *o = c->cfg.options; o && *o && argc < MAX_ARGV - 5; o++) argv[argc++] = *o;
  argc = life_args(c, argv, argc);
  argv[argc++] = c->cfg.server_uri;
  return begin(c, op, argv, argc);
}

int32_t est_client_start_request(est_client_t *c, int method, const char *path, const char *payload) {
  const char *u = c->cfg.server_uri;
  if (!u || strncmp(u, "coap://", 7) != 0 || !path || path[0] != '/') return EST_CLIENT_E_CONFIG;
  if (method != EST_CLIENT_GET && method != EST_CLIENT_POST) return EST_CLIENT_E_CONFIG;
  if (payload && strlen(payload) > EST_CLIENT_PAYLOAD_MAX) return EST_E_LIMIT;
  if (c->op) return EST_E_BUSY;
  /* The server's scheme and authority, then the application's path. */
  const char *slash = strchr(u + 7, '/');
  size_t auth = slash ? (size_t)(slash - u) : strlen(u);
  if (auth + strlen(path) + 1 > sizeof c->uri) return EST_E_LIMIT;
  memcpy(c->uri, u, auth);
  strcpy(c->uri + auth, path);
  const char *argv[8];
  int argc = 0;
  argv[argc++] = "request";
  argv[argc++] = method == EST_CLIENT_GET ? "get" : "post";
  if (payload) {
    strcpy(c->payload, payload);
    argv[argc++] = "-e";
    argv[argc++] = c->payload;
  }
  argv[argc++] = c->uri;
  return begin(c, EST_CLIENT_REQUEST, argv, argc);
}

int32_t est_client_step(est_client_t *c, uint32_t max_wait_ms) {
  if (!c->op) return EST_E_NO_COMMAND;
  int32_t st = EST_PENDING;
  int rc = est_host_poll(&c->host, board_clock_ms() + (int64_t)max_wait_ms, &st);
  if (rc != EST_HOST_OK) return finish(c, EST_CLIENT_E_HOST);
  return st == EST_PENDING ? EST_PENDING : finish(c, st);
}

int64_t est_client_next_deadline(est_client_t *c) { return c->op ? est_host_deadline(&c->host) : -1; }

int32_t est_client_cancel(est_client_t *c) {
  if (!c->op) return EST_E_NO_COMMAND;
  int32_t st = EST_E_CANCELLED;
  if (est_host_cancel(&c->host, &st) != EST_HOST_OK) return finish(c, EST_CLIENT_E_HOST);
  return finish(c, st);
}

int32_t est_client_run(est_client_t *c, est_client_op_t op) {
  int32_t st = est_client_start(c, op);
  while (st == EST_PENDING) st = est_client_step(c, 60000);
  return st;
}

int32_t est_client_request(est_client_t *c, int method, const char *path, const char *payload, uint8_t *response,
                           size_t cap, size_t *response_len) {
  int32_t st = est_client_start_request(c, method, path, payload);
  while (st == EST_PENDING) st = est_client_step(c, 60000);
  size_t n = c->response_len < cap ? c->response_len : cap;
  if (response && n) memcpy(response, c->response, n);
  if (response_len) *response_len = n;
  return st;
}

/* ---- What the device holds ------------------------------------------------------------------------------- */

/* Run `status` (no network: it ends in start) and hand back its record. */
static int32_t status_record(est_client_t *c, const uint8_t **rec, uint32_t *len, const uint8_t **mem, uint32_t *mem_size) {
  if (c->op) return EST_E_BUSY;
  const char *argv[6] = {"status"};
  int argc = life_args(c, argv, 1);
  int32_t st = EST_E_INTERNAL;
  if (quiet_start(c, argv, argc, &st) != EST_HOST_OK) return EST_CLIENT_E_HOST;
  if (st == EST_PENDING) { int32_t ignored; est_host_cancel(&c->host, &ignored); return EST_E_INTERNAL; }
  if (st != EST_OK) return st;
  *rec = est_host_result(&c->host, len, mem, mem_size);
  return *rec ? EST_OK : EST_E_INTERNAL;
}

int32_t est_client_status(est_client_t *c, est_client_status_t *out) {
  memset(out, 0, sizeof *out);
  const uint8_t *rec = NULL, *mem = NULL;
  uint32_t len = 0, mem_size = 0;
  int32_t st = status_record(c, &rec, &len, &mem, &mem_size);
  if (st != EST_OK) return st;
  uint32_t flags = (uint32_t)num(rec, len, EST_RESULT_FLAGS, 0);
  out->enrolled = (flags & EST_RESULT_FLAG_ENROLLED) != 0;
  if (!out->enrolled) return EST_OK;
  out->expired = (flags & EST_RESULT_FLAG_EXPIRED) != 0;
  out->renewal_due = (flags & EST_RESULT_FLAG_DUE) != 0;
  out->not_before = num(rec, len, EST_RESULT_NOT_BEFORE, 0);
  out->not_after = num(rec, len, EST_RESULT_NOT_AFTER, 0);
  out->renew_at = num(rec, len, EST_RESULT_RENEW_AT, 0);
  if (out->renew_at) c->renew_at = out->renew_at;
  size_t sl = 0;
  const uint8_t *subject = ref(rec, len, EST_RESULT_SUBJECT, mem, mem_size, &sl);
  if (subject) est_render_name(subject, sl, out->subject, sizeof out->subject);
  ref(rec, len, EST_RESULT_CERT, mem, mem_size, &out->certificate_len);
  out->key.id = (uint32_t)num(rec, len, EST_RESULT_KEY_ID, 0);
  return EST_OK;
}

int32_t est_client_certificate(est_client_t *c, uint8_t *out, size_t cap, size_t *len) {
  const uint8_t *rec = NULL, *mem = NULL;
  uint32_t rl = 0, mem_size = 0;
  *len = 0;
  int32_t st = status_record(c, &rec, &rl, &mem, &mem_size);
  if (st != EST_OK) return st;
  const uint8_t *der = ref(rec, rl, EST_RESULT_CERT, mem, mem_size, len);
  if (!der) return EST_E_STORE_NOT_FOUND;
  if (*len > cap) return EST_E_BUFFER_TOO_SMALL;
  memcpy(out, der, *len);
  return EST_OK;
}

int32_t est_client_key(est_client_t *c, est_client_key_t *key) {
  est_client_status_t s;
  int32_t st = est_client_status(c, &s);
  if (st != EST_OK) return st;
  if (!s.enrolled) return EST_E_STORE_NOT_FOUND;
  *key = s.key;
  return EST_OK;
}

int32_t est_client_key_export(est_client_t *c, uint8_t priv[32], int *type, uint8_t *scratch, size_t scratch_cap) {
  if (c->op) return EST_E_BUSY;
  int32_t n = board_store_read(ENROLLMENT_RECORD_ID, scratch, scratch_cap);
  if (n < 0) return n;
  int32_t st = EST_OK;
  if (n < 36 || scratch[0] != ENROLLMENT_FORMAT_KEY_IN_RECORD) st = EST_E_UNSUPPORTED;
  else { *type = scratch[1]; memcpy(priv, scratch + 2, 32); }
  volatile uint8_t *w = scratch; /* wiped where the compiler cannot drop it */
  for (int32_t i = 0; i < n; i++) w[i] = 0;
  return st;
}

/* ---- Scheduling ------------------------------------------------------------------------------------------ */

uint32_t est_client_next_run_s(est_client_t *c) {
  uint32_t lo = c->cfg.retry_min_s ? c->cfg.retry_min_s : 10, hi = c->cfg.retry_max_s ? c->cfg.retry_max_s : 3600;
  if (c->failures > 0) {
    uint64_t b = (uint64_t)lo << (c->failures > 20 ? 20 : c->failures - 1);
    return b > hi ? hi : (uint32_t)b;
  }
  int64_t now = wall_now(c);
  if (now < 0 || c->renew_at <= 0) return hi;
  if (now > c->renew_at) return 0;
  int64_t left = c->renew_at + 1 - now;
  return left > hi ? hi : (uint32_t)left;
}

void est_client_stop(est_client_t *c) { c->stop = 1; }

/* Sleep through the board until the board clock reaches until_ms (datagrams meanwhile are dropped), waking
 * every second to see est_client_stop. */
static void idle_until(est_client_t *c, int64_t until_ms) {
  uint8_t addr[EST_ADDR_MAX_LEN], data[64];
  for (int64_t now = board_clock_ms(); now < until_ms && !c->stop; now = board_clock_ms()) {
    size_t al = 0;
    board_wait(until_ms - now > 1000 ? now + 1000 : until_ms, addr, &al, data, sizeof data);
  }
}

void est_client_task(void *client) {
  est_client_t *c = (est_client_t *)client;
  while (!c->stop) {
    est_client_run(c, EST_CLIENT_MAINTAIN);
    if (c->stop) break;
    idle_until(c, board_clock_ms() + 1000 * (int64_t)est_client_next_run_s(c));
  }
}

int32_t est_client_stored_uri(char *out, size_t cap) {
  if (cap == 0) return EST_E_BUFFER_TOO_SMALL;
  int32_t n = board_store_read(EST_CLIENT_STORE_SERVER_URI, (uint8_t *)out, cap - 1);
  if (n < 0) { out[0] = 0; return n; }
  out[n] = 0;
  return n;
}

/* ---- Consoles and est-sim -------------------------------------------------------------------------------- */

int est_client_command(est_client_t *c, int argc, const char *const *argv, int32_t *status) {
  if (c->op) { *status = EST_E_BUSY; return EST_HOST_OK; }
  const char *args[MAX_ARGV];
  int n = 0;
  for (; n < argc && n < MAX_ARGV - 4; n++) args[n] = argv[n];
  if (n < argc) { snprintf(c->host.error, sizeof c->host.error, "more than %d arguments", MAX_ARGV - 4); return EST_HOST_E_ARGS; }
  if (argc > 0 && takes_life_args(argv[0])) n = life_args(c, args, n);
  c->host.quiet_report = 0;
  c->host.out_hook = NULL;
  return est_host_run(&c->host, n, args, status);
}

const char *est_client_error(est_client_t *c) { return c->host.error; }

const char *est_client_detail(est_client_t *c) {
  uint32_t n = 0;
  return est_host_error_detail(&c->host, &n);
}

est_host_t *est_client_host(est_client_t *c) { return &c->host; }

void est_client_free(est_client_t *c) { est_host_free(&c->host); }
