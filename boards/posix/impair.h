/*
 * impair.h - the simulator's network impairment layer: seeded loss, duplication, reordering and delay of
 * datagrams, in either or both directions, so tests can prove the transport survives a bad link.
 *
 * Every datagram draws, in this order, from one seeded generator (xorshift32): loss, duplication, then for
 * each copy reordering and jitter. The Node host (host/node/impair.ts) uses the same generator and order, so
 * a seed gives both hosts the same decisions for the same datagram sequence. Delayed datagrams wait in a
 * bounded queue; when it is full the datagram is dropped (and logged).
 */
#ifndef EST_IMPAIR_H
#define EST_IMPAIR_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  double loss;       /* probability 0..1 that a datagram is dropped */
  double dup;        /* probability 0..1 that it is delivered twice */
  double reorder;    /* probability 0..1 that a copy is held back so later datagrams overtake it */
  uint32_t delay_ms; /* fixed extra one-way delay */
  uint32_t jitter_ms;/* uniform extra delay 0..jitter_ms */
  uint32_t seed;     /* generator seed (0 is replaced by 1) */
  int up, down;      /* directions: up = device -> network, down = network -> device */
} impair_config_t;

#define IMPAIR_REORDER_HOLD_MS 50 /* extra delay of a reordered copy */
#define IMPAIR_QUEUE 64           /* datagrams that can wait at once */
#define IMPAIR_MAX_DATAGRAM 4096

/** Parse one option of the command line (e.g. "--loss", "20"). Returns 2 when it consumed both arguments,
 *  0 when the option is not an impairment option, -1 on a bad value (message in err). */
int impair_parse_option(impair_config_t *c, const char *opt, const char *val, char *err, size_t err_cap);

/** Activate the configuration (after parsing). Inactive until called; all-zero settings stay inactive. */
void impair_init(const impair_config_t *c);

/** True when the layer changes anything. */
int impair_active(void);

/** True when datagrams in direction up (1: device -> network) or down (0) pass through the layer. */
int impair_applies(int up);

/** Pass a datagram through the layer: it is queued zero, one or two times with a release time. Returns the
 *  number of copies queued. */
int impair_submit(int up, int64_t now_ms, const uint8_t *addr, size_t addr_len, const uint8_t *data, size_t len);

/** Take the earliest copy in direction `up` that is due at now_ms, in submission order among equal times.
 *  Copies it out (data cap must be >= IMPAIR_MAX_DATAGRAM for up copies) and returns its length, or -1. */
int32_t impair_take(int up, int64_t now_ms, uint8_t *addr, size_t *addr_len, uint8_t *data, size_t cap);

/** Release time of the earliest queued copy in either direction, or -1. */
int64_t impair_next_due(void);

#endif
