/*
 * est_host.h - the wasm3 embedding shared by every board.
 *
 * It validates a module against the ABI (est_abi.h) before wasm3 sees it, links the "board" imports to the
 * board functions of boards/board.h with a pointer/length check in front of each, runs the module's commands
 * through the sans-I/O loop, and turns every trap into one clear message. No allocation happens after
 * est_host_load() except inside wasm3's lazy function compiler.
 */
#ifndef EST_HOST_H
#define EST_HOST_H

#include <stddef.h>
#include <stdint.h>

/* Results of the est_host_* calls (module statuses are reported separately). */
#define EST_HOST_OK 0
#define EST_HOST_E_INVALID (-1)   /* not a usable module: bad format, wrong imports/exports/memory, ABI version */
#define EST_HOST_E_RUNTIME (-2)   /* wasm3 could not create the runtime or compile the module (out of memory?) */
#define EST_HOST_E_TRAP (-3)      /* the module trapped or panicked; the instance must not be called again */
#define EST_HOST_E_ARGS (-4)      /* argv does not fit the module's io buffer */
#define EST_HOST_E_STALLED (-5)   /* the module waits with no deadline: a module bug that would hang the host */

/** Longest rendered log line or error detail, bytes (longer ones are cut). */
#define EST_HOST_LINE_CAPACITY 320

/** Limits a board sets for the module it runs. */
typedef struct {
  uint32_t stack_bytes;     /* wasm3 value stack, e.g. 64 KiB on a desktop, 8-16 KiB on a microcontroller */
  uint32_t max_pages;       /* largest initial linear memory (64 KiB pages) the board accepts */
  int compile_eagerly;      /* compile every function at load time: unsupported opcodes fail at load */
  uint32_t code_cache_bytes; /* 0: keep all code wasm3 compiles. Else, between two calls into the module (never
                              * during one), drop every compiled function once the code pages hold more than
                              * this many bytes; functions compile again when next called. The peak is then
                              * the code of one event (a start, datagram or timer call), not of a command. */
  uint32_t memory_bytes;    /* 0: allocate the module's whole declared memory. Else allocate at most this many
                             * bytes of it; once the module has started, keep only its heap top (rounded up to
                             * 1 KiB: it allocates nothing after start-up). Loads and stores beyond trap, and a
                             * module whose data or heap does not fit is refused at load. */
} est_host_limits_t;

/** Where a module's command output goes instead of board_out (est_host_t.out_hook); ctx is out_ctx. */
typedef void (*est_host_out_fn)(void *ctx, const uint8_t *data, size_t len);

/** One loaded module instance. Treat the fields as private, but for out_hook, out_ctx and quiet_report; they
 *  are visible for static allocation. */
typedef struct {
  void *env;                /* IM3Environment */
  void *runtime;            /* IM3Runtime */
  void *module;             /* IM3Module */
  void *fn[16];             /* looked-up exports, in EST_ABI_EXPORTS order */
  uint32_t io_ptr;          /* module's io buffer (offset) and capacity */
  uint32_t io_cap;
  int trapped;
  uint32_t code_cache_bytes; /* from est_host_limits_t */
  uint32_t code_pages_peak, code_drops;
  char error[320];          /* last host-level error, NUL-terminated */
  char panic[256];          /* "MESSAGE at FILE:LINE:COL" once the module panicked, else empty */
  char detail[EST_HOST_LINE_CAPACITY]; /* the last error's detail, rendered (est_host_error_detail) */
  int running;              /* a command started by est_host_start has not ended */
  est_host_out_fn out_hook; /* NULL: command output to board_out; else here (set it between commands) */
  void *out_ctx;
  int quiet_report;         /* 1: do not render a device command's result record as its report */
} est_host_t;

/**
 * Validate and instantiate a module. `wasm` must stay valid and unchanged while the host is in use (wasm3
 * keeps pointers into it). Runs the module's _start. Returns EST_HOST_OK, EST_HOST_E_INVALID (message in
 * h->error names the offending import/export/section) or EST_HOST_E_RUNTIME.
 */
int est_host_load(est_host_t *h, const uint8_t *wasm, size_t wasm_len, const est_host_limits_t *limits);

/**
 * Run one command to completion: start(argv), then feed board_wait() results to on_datagram/on_timer until
 * the status is not EST_PENDING. *status receives the module's final status (EST_OK or EST_E_*). A device
 * command's result record is rendered as its report: text or JSON through board_out, phase lines through
 * board_log at EST_LOG_ALWAYS (est_render_result).
 * Returns EST_HOST_OK, EST_HOST_E_ARGS, EST_HOST_E_TRAP or EST_HOST_E_STALLED (h->error says why).
 */
int est_host_run(est_host_t *h, int argc, const char *const *argv, int32_t *status);

/**
 * The same, without blocking: est_host_start() starts the command; while *status is EST_PENDING, each
 * est_host_poll() waits for a datagram or the module's next deadline, but no later than the board clock time
 * until_ms (-1: no limit; until_ms <= now: do not wait at all), and hands the module what came. When *status
 * is no longer EST_PENDING the command has ended and its report was rendered (unless quiet_report). Returns
 * as est_host_run; est_host_poll with no command running returns EST_HOST_OK and *status EST_E_NO_COMMAND.
 */
int est_host_start(est_host_t *h, int argc, const char *const *argv, int32_t *status);
int est_host_poll(est_host_t *h, int64_t until_ms, int32_t *status);

/** The board clock time (ms) of the running command's next deadline, -1 when none runs. */
int64_t est_host_deadline(est_host_t *h);

/** Abort the running command (the module answers E_CANCELLED; its report is rendered). *status receives it. */
int est_host_cancel(est_host_t *h, int32_t *status);

/** The last command's result record (base/result.ts) and the module's linear memory its references point
 *  into, valid until the next command starts; NULL when it wrote none. */
const uint8_t *est_host_result(est_host_t *h, uint32_t *len, const uint8_t **mem, uint32_t *mem_size);

/** Detail text of the module's last error, rendered from its event record into h->detail (NUL-terminated;
 *  *len receives its length). */
const char *est_host_error_detail(est_host_t *h, uint32_t *len);

/** What wasm3's lazy compiler holds: code pages now and at most (of page_bytes each), how many times the
 *  compiled code was dropped (est_host_limits_t.code_cache_bytes), the functions compiled now of all and their
 *  WebAssembly bytes, and the bytes of wasm3's value stack ever written. */
typedef struct {
  uint32_t code_pages, code_pages_peak, drops, page_bytes;
  uint32_t functions_compiled, functions, compiled_wasm_bytes;
  uint32_t value_stack_high_water;
} est_host_code_stats_t;
void est_host_code_stats(est_host_t *h, est_host_code_stats_t *out);

/** Free what wasm3 reads only while loading (the data-segment table: one 20-byte entry per segment) once
 *  est_host_load() succeeded; a 256 KiB board gives the space to the code pages. Returns the bytes freed. */
uint32_t est_host_release_load_tables(est_host_t *h);

/** Bytes of linear memory currently allocated to the module. */
uint32_t est_host_memory_size(est_host_t *h);

/** Release the instance and everything wasm3 allocated for it. */
void est_host_free(est_host_t *h);

/**
 * Check a module's bytes against the ABI without instantiating it: header, section bounds, imports (only
 * known "board" functions with the right signatures), exports, memory limits. Writes a message to err.
 * Returns EST_HOST_OK or EST_HOST_E_INVALID.
 */
int est_wasm_check(const uint8_t *wasm, size_t len, uint32_t max_pages, char *err, size_t err_cap);

#endif /* EST_HOST_H */
