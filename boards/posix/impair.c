/*
 * impair.c - seeded loss, duplication, reordering and delay of datagrams (see impair.h).
 */
#include "impair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_posix.h"
#include "est_abi.h"

typedef struct {
  int used, up;
  int64_t due;
  uint64_t seq;
  uint8_t addr[EST_ADDR_MAX_LEN];
  size_t addr_len, len;
  uint8_t data[IMPAIR_MAX_DATAGRAM];
} slot_t;

static impair_config_t g_cfg;
static int g_active;
static uint32_t g_state = 1;
static uint64_t g_seq;
static slot_t g_queue[IMPAIR_QUEUE];

/* xorshift32 (Marsaglia 2003), mapped to [0, 1) with 24 bits; the Node host uses the same. */
static double draw(void) {
  uint32_t x = g_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  g_state = x;
  return (double)(x >> 8) / 16777216.0;
}

static int parse_pct(const char *v, double *out) {
  char *end;
  double d = strtod(v, &end);
  if (end == v || *end || d < 0 || d > 100) return -1;
  *out = d / 100.0;
  return 0;
}

static int parse_ms(const char *v, uint32_t *out) {
  char *end;
  unsigned long u = strtoul(v, &end, 10);
  if (end == v || *end || u > 600000) return -1;
  *out = (uint32_t)u;
  return 0;
}

int impair_parse_option(impair_config_t *c, const char *opt, const char *val, char *err, size_t err_cap) {
  int bad = 0;
  if (!strcmp(opt, "--loss")) bad = parse_pct(val, &c->loss);
  else if (!strcmp(opt, "--dup")) bad = parse_pct(val, &c->dup);
  else if (!strcmp(opt, "--reorder")) bad = parse_pct(val, &c->reorder);
  else if (!strcmp(opt, "--delay")) bad = parse_ms(val, &c->delay_ms);
  else if (!strcmp(opt, "--jitter")) bad = parse_ms(val, &c->jitter_ms);
  else if (!strcmp(opt, "--impair-seed")) {
    char *end;
    unsigned long u = strtoul(val, &end, 10);
    bad = (end == val || *end || u > 0xffffffffUL) ? -1 : 0;
    c->seed = (uint32_t)u;
  } else if (!strcmp(opt, "--impair-dir")) {
    if (!strcmp(val, "both")) { c->up = 1; c->down = 1; }
    else if (!strcmp(val, "up")) { c->up = 1; c->down = 0; }
    else if (!strcmp(val, "down")) { c->up = 0; c->down = 1; }
    else bad = -1;
  } else {
    return 0;
  }
  if (bad) {
    snprintf(err, err_cap, "%s needs %s", opt,
             !strcmp(opt, "--delay") || !strcmp(opt, "--jitter") ? "milliseconds (0..600000)"
             : !strcmp(opt, "--impair-seed") ? "an unsigned 32-bit number"
             : !strcmp(opt, "--impair-dir") ? "up, down or both" : "a percentage (0..100)");
    return -1;
  }
  return 2;
}

void impair_init(const impair_config_t *c) {
  g_cfg = *c;
  g_state = c->seed ? c->seed : 1;
  g_active = (c->loss > 0 || c->dup > 0 || c->reorder > 0 || c->delay_ms || c->jitter_ms) && (c->up || c->down);
}

int impair_active(void) { return g_active; }
int impair_applies(int up) { return g_active && (up ? g_cfg.up : g_cfg.down); }

int impair_submit(int up, int64_t now_ms, const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t len) {
  const char *dir = up ? "outgoing" : "incoming";
  if (draw() < g_cfg.loss) {
    posix_logf(EST_LOG_DEBUG, "impair: dropped %s datagram of %zu bytes", dir, len);
    return 0;
  }
  int copies = draw() < g_cfg.dup ? 2 : 1;
  if (copies == 2) posix_logf(EST_LOG_DEBUG, "impair: duplicated %s datagram of %zu bytes", dir, len);
  int queued = 0;
  for (int k = 0; k < copies; k++) {
    int64_t due = now_ms + g_cfg.delay_ms;
    if (draw() < g_cfg.reorder) {
      due += IMPAIR_REORDER_HOLD_MS;
      posix_logf(EST_LOG_DEBUG, "impair: held back %s datagram of %zu bytes", dir, len);
    }
    due += (int64_t)(draw() * (g_cfg.jitter_ms + 1));
    slot_t *s = NULL;
    for (int i = 0; i < IMPAIR_QUEUE && !s; i++) if (!g_queue[i].used) s = &g_queue[i];
    if (!s || len > IMPAIR_MAX_DATAGRAM || addr_len > EST_ADDR_MAX_LEN) {
      posix_logf(EST_LOG_WARN, "impair: queue full, dropped %s datagram of %zu bytes", dir, len);
      continue;
    }
    s->used = 1;
    s->up = up;
    s->due = due;
    s->seq = g_seq++;
    memcpy(s->addr, addr, addr_len);
    s->addr_len = addr_len;
    memcpy(s->data, data, len);
    s->len = len;
    queued++;
  }
  return queued;
}

int32_t impair_take(int up, int64_t now_ms, uint8_t *addr, size_t *addr_len, uint8_t *data, size_t cap) {
  slot_t *best = NULL;
  for (int i = 0; i < IMPAIR_QUEUE; i++) {
    slot_t *s = &g_queue[i];
    if (!s->used || s->up != up || s->due > now_ms) continue;
    if (!best || s->due < best->due || (s->due == best->due && s->seq < best->seq)) best = s;
  }
  if (!best) return -1;
  best->used = 0;
  if (best->len > cap) {
    posix_logf(EST_LOG_WARN, "impair: dropped a %zu-byte datagram larger than the receive buffer", best->len);
    return -1;
  }
  memcpy(addr, best->addr, best->addr_len);
  *addr_len = best->addr_len;
  memcpy(data, best->data, best->len);
  return (int32_t)best->len;
}

int64_t impair_next_due(void) {
  int64_t t = -1;
  for (int i = 0; i < IMPAIR_QUEUE; i++)
    if (g_queue[i].used && (t < 0 || g_queue[i].due < t)) t = g_queue[i].due;
  return t;
}
