/*
 * est_client.h - the EST-oscore client as a small C API for firmware: enroll, keep the certificate renewed,
 * tell the application what it holds, and send its own requests under the OSCORE context.
 *
 * It sits on the shared host (est_host.h): the device module (build/client.wasm) runs under wasm3 with the
 * board's functions (boards/board.h: UDP, RNG, key store, clock, log). The API turns the module's commands
 * into calls and its result records into structs; it adds no protocol of its own.
 *
 *   est_client_init()       load the module with a board's limits and the configuration below
 *   est_client_start()      begin an operation without blocking: MAINTAIN (the life cycle: enroll when not
 *                           enrolled, enroll from scratch when the certificate expired, renew with /sren when
 *                           due, else nothing), ENROLL (now), RENEW (/sren now)
 *   est_client_step()       let it progress: wait at most max_wait_ms for the network or its timer, then
 *                           return; EST_PENDING while it runs, then the operation's status, and on_done has run
 *   est_client_run()        start + step until done (blocking); est_client_task(): a whole task for an RTOS
 *   est_client_status()     enrolled or not, subject, notBefore/notAfter, the renewal time, the key's id
 *   est_client_certificate() / est_client_key() / est_client_key_export()   the enrolled certificate and key
 *   est_client_request()    an application request under OSCORE to the server (a sensor reading, say)
 *
 * The identity (the device's EDHOC key and credential, the server's credential, trust anchors) is what
 * provisioning wrote into the board's key store (tools/provision.ts, tools/device-image.ts), and so may be the
 * server's URI (est_client_stored_uri); the enrollment
 * and the OSCORE context are kept there too, so a power cut at any point leaves the old or the new state and
 * the next MAINTAIN completes the job.
 *
 * Time: the life cycle needs the wall time (config.time_now). Without it (NULL, or it answers -1) MAINTAIN
 * enrolls a device that is not enrolled and otherwise does nothing: call est_client_start(EST_CLIENT_RENEW) on
 * your own schedule then.
 *
 * Threads and reentrancy: one est_client_t per program (the board functions and the key store are single
 * instances). Call it from one thread or task only; est_client_stop() alone may be called from any thread or
 * interrupt. Nothing blocks but est_client_step() (at most max_wait_ms), est_client_run(), est_client_request()
 * and est_client_task(). on_done runs inside est_client_step()/est_client_run(), after the operation has
 * ended: from it you may call est_client_status(), _certificate(), _key() and start the next operation, but not
 * est_client_free(). Not interrupt-safe otherwise.
 *
 * Memory: the est_client_t itself (about 2 KiB; allocate it statically), plus what wasm3 allocates for the
 * module within config.limits (README "RAM": 48 KiB of linear memory, code pages of 1 KiB, about 200 KiB at
 * the peak of an enrollment on a 256 KiB board). Nothing else is allocated after est_client_init().
 *
 * Deliberately not here: sockets and Wi-Fi (the board's), a scheduler (est_client_task sleeps through the
 * board), CoAP options beyond what the module's request command takes.
 */
#ifndef EST_CLIENT_H
#define EST_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "est_abi.h"
#include "est_host.h"

/* Statuses are the module's (est_abi.h: EST_OK, EST_PENDING, EST_E_*), and these of the host: */
#define EST_CLIENT_E_HOST (-1000)   /* the host failed (module trap, stall, too long a command): est_client_error() */
#define EST_CLIENT_E_CONFIG (-1001) /* a configuration value is missing or out of range */

/** What an operation does. */
typedef enum {
  EST_CLIENT_MAINTAIN = 1, /* the life cycle (module command `maintain`) */
  EST_CLIENT_ENROLL = 2,   /* enroll now: /sen, or /sren once enrolled (`enroll`) */
  EST_CLIENT_RENEW = 3,    /* re-enroll now with /sren (`reenroll`) */
  EST_CLIENT_REQUEST = 4,  /* an application request (est_client_start_request) */
} est_client_op_t;

/** What an operation changed. */
typedef enum {
  EST_CLIENT_ACTION_NONE = 0,       /* nothing: not due (MAINTAIN), a request, or the operation failed */
  EST_CLIENT_ACTION_ENROLLED = 1,   /* a first enrollment (/sen) */
  EST_CLIENT_ACTION_REENROLLED = 2, /* enrolled from scratch: the certificate had expired (new EDHOC, /sen) */
  EST_CLIENT_ACTION_RENEWED = 3,    /* re-enrolled with /sren */
} est_client_action_t;

/** Methods of est_client_request. */
#define EST_CLIENT_GET 1
#define EST_CLIENT_POST 2

/** Largest request payload (text), and the response kept for on_done / est_client_request. */
#define EST_CLIENT_PAYLOAD_MAX 160
#define EST_CLIENT_RESPONSE_MAX 256

/** An operation's outcome, for on_done. Valid during the callback only. */
typedef struct {
  est_client_op_t op;
  int32_t status;             /* EST_OK, EST_E_* of the module, or EST_CLIENT_E_HOST */
  est_client_action_t action;
  int64_t not_after, renew_at; /* of the certificate now held (seconds since 1970); 0 when none */
  const uint8_t *response;    /* EST_CLIENT_REQUEST: the response payload (also on a 4.xx/5.xx answer) */
  size_t response_len;
} est_client_event_t;

typedef void (*est_client_done_fn)(void *ctx, const est_client_event_t *ev);

/** The configuration; est_client_init copies it (the strings must stay valid). */
typedef struct {
  const char *server_uri;        /* the EST root: coap://host[:port][/root] (root default /.well-known/est) */
  uint32_t renew_percent;        /* renew at this percentage of the validity, 1..99; 0: two thirds */
  est_host_limits_t limits;      /* wasm3's value stack, linear memory and code cache (capabilities.h) */
  const char *const *options;    /* more enroll options, NULL-terminated, or NULL: e.g. "--pop", "dh", "--cn",
                                  * "sensor-7", "-B", "60" (module commands, README "enroll") */
  int64_t (*time_now)(void *ctx); /* wall time, seconds since 1970, or -1 while unknown; NULL: unknown */
  est_client_done_fn on_done;    /* NULL: none */
  void *ctx;                     /* for time_now and on_done */
  uint32_t retry_min_s;          /* est_client_task: first retry after a failure, seconds (0: 10) ... */
  uint32_t retry_max_s;          /* ... doubling up to this (0: 3600); also the longest sleep between checks */
} est_client_config_t;

/** The enrolled key: a board-held key (est_crypto.h: open it with est_crypto_key_open(id)), or, while id is
 *  0, a key kept in the enrollment record (the portable build: est_client_key_export). */
typedef struct {
  uint32_t id;
} est_client_key_t;

/** What the device holds (est_client_status). */
typedef struct {
  int enrolled;
  int expired, renewal_due;       /* judged only when the wall time is known */
  int64_t not_before, not_after, renew_at; /* seconds since 1970 */
  char subject[128];              /* "CN=..., O=..." (cut to fit) */
  size_t certificate_len;         /* DER bytes (est_client_certificate) */
  est_client_key_t key;
} est_client_status_t;

/** One client. Treat the fields as private; they are visible for static allocation. */
typedef struct {
  est_host_t host;
  est_client_config_t cfg;
  est_client_op_t op;             /* running operation, 0 when idle */
  int32_t last_status;
  int failures;                   /* consecutive failed operations (est_client_next_run_s) */
  int64_t renew_at;               /* of the certificate held, seconds since 1970 (0: unknown) */
  volatile int stop;              /* est_client_stop */
  char num[2][24];                /* --renew-at and --now values */
  char payload[EST_CLIENT_PAYLOAD_MAX + 1];
  char uri[256];                  /* a request's URI */
  uint8_t response[EST_CLIENT_RESPONSE_MAX];
  size_t response_len;
} est_client_t;

/**
 * Load the module (wasm, wasm_len: must stay valid and unchanged while the client is used) with cfg->limits
 * and keep cfg. Returns EST_OK, EST_CLIENT_E_CONFIG (no server URI, renew_percent over 99) or
 * EST_CLIENT_E_HOST (the module does not load: est_client_error() says why).
 */
int32_t est_client_init(est_client_t *c, const uint8_t *wasm, size_t wasm_len, const est_client_config_t *cfg);

/** Begin op (MAINTAIN, ENROLL or RENEW) without blocking. Returns EST_PENDING (running: call
 *  est_client_step), the final status when it ended at once (on_done has run), EST_E_BUSY while another
 *  operation runs, or EST_CLIENT_E_HOST. */
int32_t est_client_start(est_client_t *c, est_client_op_t op);

/** Begin an application request under OSCORE: method EST_CLIENT_GET or _POST, path on the server of
 *  server_uri (e.g. "/sensor"), payload text (NUL-free, at most EST_CLIENT_PAYLOAD_MAX bytes; NULL: none).
 *  Returns as est_client_start; a 4.xx/5.xx answer ends it with EST_E_COAP_RESPONSE. */
int32_t est_client_start_request(est_client_t *c, int method, const char *path, const char *payload);

/** Let the running operation progress, waiting at most max_wait_ms (0: do not wait) for a datagram or its
 *  timer. Returns EST_PENDING while it runs, then its final status once (on_done has run); EST_E_NO_COMMAND
 *  when nothing runs. */
int32_t est_client_step(est_client_t *c, uint32_t max_wait_ms);

/** When the running operation next needs est_client_step (board clock ms, board_clock_ms()); -1 when idle.
 *  A datagram may need it sooner: a superloop that polls the network calls it on every pass. */
int64_t est_client_next_deadline(est_client_t *c);

/** Abort the running operation (it ends with EST_E_CANCELLED; on_done runs). */
int32_t est_client_cancel(est_client_t *c);

/** Blocking forms: start, then step until done. */
int32_t est_client_run(est_client_t *c, est_client_op_t op);
int32_t est_client_request(est_client_t *c, int method, const char *path, const char *payload, uint8_t *response,
                           size_t cap, size_t *response_len);

/** What the device holds, read from the key store (no network; not while an operation runs: EST_E_BUSY). */
int32_t est_client_status(est_client_t *c, est_client_status_t *out);

/** The enrolled certificate (DER) into out. EST_E_STORE_NOT_FOUND when not enrolled, EST_E_BUFFER_TOO_SMALL
 *  when cap < *len (*len set, nothing copied). */
int32_t est_client_certificate(est_client_t *c, uint8_t *out, size_t cap, size_t *len);

/** The enrolled key's id (see est_client_key_t); EST_E_STORE_NOT_FOUND when not enrolled. */
int32_t est_client_key(est_client_t *c, est_client_key_t *key);

/** A key kept in the enrollment record (key id 0): its 32 private bytes (P-256 scalar, or X25519 / Ed25519
 *  as RFC 7748 / 8032 encode them) into priv, its type (EST_CRYPTO_KEY_*) into *type. The record is read
 *  through scratch (at least EST_CLIENT_RECORD_MAX bytes), which is wiped again. EST_E_UNSUPPORTED for a
 *  record of another format (a board-held key). The caller owns the copy: wipe it after use. */
#define EST_CLIENT_RECORD_MAX 3110
int32_t est_client_key_export(est_client_t *c, uint8_t priv[32], int *type, uint8_t *scratch, size_t scratch_cap);

/** Seconds until MAINTAIN should run again: at the renewal time (1 s after it), after a failure the retry
 *  back-off, at most retry_max_s (the time may be set meanwhile); 0 when it should run now. */
uint32_t est_client_next_run_s(est_client_t *c);

/** For an RTOS task (pass the client as arg): MAINTAIN, sleep through the board until est_client_next_run_s,
 *  again, until est_client_stop(). Datagrams that arrive while it sleeps are dropped. */
void est_client_task(void *client);
void est_client_stop(est_client_t *c);

/** The server URI provisioning may write into the key store (tools/provision.ts --server-uri; record
 *  EST_CLIENT_STORE_SERVER_URI, UTF-8 without NUL), so that a board knows where to enroll at boot. Copies it
 *  NUL-terminated into out; returns its length, EST_E_STORE_NOT_FOUND, or EST_E_BUFFER_TOO_SMALL. */
#define EST_CLIENT_STORE_SERVER_URI 0x0031u
int32_t est_client_stored_uri(char *out, size_t cap);

/** Run any module command line (argv[0]: enroll, maintain, status, request, ...) to completion with its report
 *  rendered to board_out/board_log, as est-sim and the boards' consoles do. *status: the module's status.
 *  Returns EST_HOST_OK or the host's error (est_host_run). */
int est_client_command(est_client_t *c, int argc, const char *const *argv, int32_t *status);

/** The host's last error text (after EST_CLIENT_E_HOST), and the module's last error detail. */
const char *est_client_error(est_client_t *c);
const char *est_client_detail(est_client_t *c);

/** The host under the client (for boards' statistics). */
est_host_t *est_client_host(est_client_t *c);

/** Release wasm3's memory. */
void est_client_free(est_client_t *c);

#endif /* EST_CLIENT_H */
