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

/** One loaded module instance. Treat the fields as private; they are visible for static allocation. */
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
