/*
 * est_host.c - wasm3 embedding shared by every board: import glue, the command loop, trap reporting.
 *
 * Each import of module "board" is one raw function below: it reads its arguments, checks every
 * (pointer, length) against the current linear memory and only then calls the board (boards/board.h).
 * A range outside memory returns EST_E_BAD_POINTER to the module; it never reaches the board.
 */
#include <stdio.h>
#include <string.h>

#include "wasm3.h"
#include "wasm3_ext.h" /* what wasm3's API lacks: a memory limit, dropping compiled code (host/wasm3_ext.c) */

#include "board.h"
#include "est_abi.h"
#include "est_crypto.h"
#include "est_host.h"

enum {
#define X(fn, sig) EXP_##fn,
  EST_ABI_EXPORTS(X)
#undef X
  EXP_COUNT
};

const char *est_status_name(int32_t status) {
  switch (status) {
#define S(name) case EST_##name: return #name;
    S(OK) S(PENDING) S(E_INTERNAL) S(E_USAGE) S(E_UNKNOWN_COMMAND) S(E_BUFFER_TOO_SMALL) S(E_BAD_POINTER)
    S(E_BUSY) S(E_NO_COMMAND) S(E_UNSUPPORTED) S(E_RNG) S(E_CANCELLED) S(E_STORE_NOT_FOUND)
    S(E_STORE_CORRUPT) S(E_STORE_FULL) S(E_STORE_IO) S(E_STORE_ID) S(E_STORE_TOO_LARGE) S(E_NET_SEND)
    S(E_NET_ADDRESS) S(E_NET_RESOLVE) S(E_TIMEOUT) S(E_NET_TOO_BIG) S(E_MALFORMED) S(E_TRUNCATED)
    S(E_TOO_DEEP) S(E_NON_CANONICAL) S(E_TRAILING) S(E_LIMIT) S(E_CRYPTO_AUTH) S(E_CRYPTO_KEY)
    S(E_CRYPTO_POINT) S(E_CRYPTO_SIGNATURE) S(E_CRYPTO_PARAM) S(E_COAP_RESET) S(E_COAP_BAD_OPTION)
    S(E_COAP_RESPONSE) S(E_COAP_BLOCK) S(E_COAP_URI)
    S(E_EDHOC_ERROR) S(E_EDHOC_CREDENTIAL) S(E_OSCORE_UNPROTECTED) S(E_OSCORE_REPLAY) S(E_IDENTITY) S(E_EST_RESPONSE) S(E_EST_CERT_KEY) S(E_EST_CHAIN) S(E_EST_REFUSED)
#undef S
    default: return "E_?";
  }
}

/* ---- Range checks ------------------------------------------------------------------------------------ */

static int in_memory(IM3Runtime rt, uint32_t ptr, int32_t len) {
  if (len < 0) return 0;
  return (uint64_t)ptr + (uint64_t)(uint32_t)len <= (uint64_t)m3_GetMemorySize(rt);
}

#define MEM(off) ((uint8_t *)_mem + (uint32_t)(off))
#define CHECK(ptr, len) \
  if (!in_memory(runtime, (ptr), (len))) m3ApiReturn(EST_E_BAD_POINTER)

/* ---- Imports ----------------------------------------------------------------------------------------- */

m3ApiRawFunction(imp_udp_send) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, addr);
  m3ApiGetArg(int32_t, addr_len);
  m3ApiGetArg(uint32_t, data);
  m3ApiGetArg(int32_t, data_len);
  CHECK(addr, addr_len);
  CHECK(data, data_len);
  m3ApiReturn(board_udp_send(MEM(addr), (size_t)addr_len, MEM(data), (size_t)data_len));
}

m3ApiRawFunction(imp_udp_resolve) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, name);
  m3ApiGetArg(int32_t, name_len);
  m3ApiGetArg(int32_t, port);
  m3ApiGetArg(uint32_t, out);
  m3ApiGetArg(int32_t, out_cap);
  CHECK(name, name_len);
  CHECK(out, out_cap);
  if (port < 0 || port > 65535) m3ApiReturn(EST_E_NET_ADDRESS);
  m3ApiReturn(board_udp_resolve((const char *)MEM(name), (size_t)name_len, (uint16_t)port, MEM(out), (size_t)out_cap));
}

m3ApiRawFunction(imp_rng_fill) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(int32_t, len);
  CHECK(ptr, len);
  m3ApiReturn(board_rng_fill(MEM(ptr), (size_t)len));
}

m3ApiRawFunction(imp_store_read) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, id);
  m3ApiGetArg(uint32_t, out);
  m3ApiGetArg(int32_t, cap);
  CHECK(out, cap);
  if (id > EST_STORE_MAX_ID) m3ApiReturn(EST_E_STORE_ID);
  m3ApiReturn(board_store_read(id, MEM(out), (size_t)cap));
}

m3ApiRawFunction(imp_store_write) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, id);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(int32_t, len);
  CHECK(ptr, len);
  if (id > EST_STORE_MAX_ID) m3ApiReturn(EST_E_STORE_ID);
  if (len > EST_STORE_MAX_RECORD) m3ApiReturn(EST_E_STORE_TOO_LARGE);
  m3ApiReturn(board_store_write(id, MEM(ptr), (size_t)len));
}

m3ApiRawFunction(imp_store_erase) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, id);
  if (id > EST_STORE_MAX_ID) m3ApiReturn(EST_E_STORE_ID);
  m3ApiReturn(board_store_erase(id));
}

m3ApiRawFunction(imp_clock_ms) {
  m3ApiReturnType(int64_t);
  (void)runtime;
  (void)_mem;
  m3ApiReturn(board_clock_ms());
}

m3ApiRawFunction(imp_real_time_s) {
  m3ApiReturnType(int64_t);
  (void)runtime;
  (void)_mem;
  m3ApiReturn(board_real_time_s());
}

/* A log line is an event record: render its text from the message table, then hand it to the board. */
m3ApiRawFunction(imp_log) {
  m3ApiGetArg(int32_t, level);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(int32_t, len);
  if (in_memory(runtime, ptr, len)) {
    char line[EST_HOST_LINE_CAPACITY];
    size_t n = est_render_event(MEM(ptr), (size_t)len, line, sizeof line);
    board_log(level, line, n);
  }
  m3ApiSuccess();
}

m3ApiRawFunction(imp_in_read) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(int32_t, cap);
  CHECK(ptr, cap);
  m3ApiReturn(board_in_read(MEM(ptr), (size_t)cap));
}

m3ApiRawFunction(imp_in_seek) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(int32_t, offset);
  m3ApiGetArg(int32_t, whence);
  m3ApiReturn(board_in_seek(offset, whence));
}

m3ApiRawFunction(imp_out) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(int32_t, len);
  CHECK(ptr, len);
  est_host_t *h = (est_host_t *)m3_GetUserData(runtime);
  if (h->out_hook) { h->out_hook(h->out_ctx, MEM(ptr), (size_t)len); m3ApiReturn(EST_OK); }
  m3ApiReturn(board_out(MEM(ptr), (size_t)len));
}

m3ApiRawFunction(imp_panic) {
  m3ApiGetArg(uint32_t, msg);
  m3ApiGetArg(int32_t, msg_len);
  m3ApiGetArg(uint32_t, file);
  m3ApiGetArg(int32_t, file_len);
  m3ApiGetArg(int32_t, line);
  m3ApiGetArg(int32_t, col);
  est_host_t *h = (est_host_t *)m3_GetUserData(runtime);
  int ok_msg = in_memory(runtime, msg, msg_len), ok_file = in_memory(runtime, file, file_len);
  snprintf(h->panic, sizeof h->panic, "%.*s at %.*s:%d:%d", ok_msg ? (int)msg_len : 13,
           ok_msg ? (const char *)MEM(msg) : "<bad pointer>", ok_file ? (int)file_len : 13,
           ok_file ? (const char *)MEM(file) : "<bad pointer>", (int)line, (int)col);
  m3ApiSuccess();
}

/* ---- Loading ----------------------------------------------------------------------------------------- */

static int fail(est_host_t *h, int code, const char *what, M3Result r) {
  snprintf(h->error, sizeof h->error, "%s%s%s", what, r ? ": " : "", r ? r : "");
  return code;
}

static int link_imports(est_host_t *h) {
  IM3Module m = (IM3Module)h->module;
  M3Result r;
#define X(fn, sig)                                                        \
  r = m3_LinkRawFunction(m, EST_ABI_IMPORT_MODULE, #fn, sig, imp_##fn);    \
  if (r && r != m3Err_functionLookupFailed) return fail(h, EST_HOST_E_INVALID, "cannot link board." #fn, r);
  EST_ABI_IMPORTS(X)
#undef X
  if ((r = est_crypto_link(m)) != NULL) return fail(h, EST_HOST_E_INVALID, "cannot link the crypto imports", r);
  return EST_HOST_OK;
}

int est_host_load(est_host_t *h, const uint8_t *wasm, size_t wasm_len, const est_host_limits_t *limits) {
  memset(h, 0, sizeof *h);
  if (est_wasm_check(wasm, wasm_len, limits->max_pages, h->error, sizeof h->error) != EST_HOST_OK)
    return EST_HOST_E_INVALID;

  IM3Environment env = m3_NewEnvironment();
  if (!env) return fail(h, EST_HOST_E_RUNTIME, "wasm3: cannot create environment (out of memory)", NULL);
  h->env = env;
  IM3Runtime rt = m3_NewRuntime(env, limits->stack_bytes, h);
  if (!rt) { est_host_free(h); return fail(h, EST_HOST_E_RUNTIME, "wasm3: cannot create runtime (out of memory)", NULL); }
  h->runtime = rt;

  wasm3_ext_set_memory_limit(rt, limits->memory_bytes);
  h->code_cache_bytes = limits->code_cache_bytes;
  IM3Module mod = NULL;
  M3Result r = m3_ParseModule(env, &mod, wasm, (uint32_t)wasm_len);
  if (r) { est_host_free(h); return fail(h, EST_HOST_E_INVALID, "wasm3 rejected the module", r); }
  r = m3_LoadModule(rt, mod);
  if (r) {
    m3_FreeModule(mod);
    est_host_free(h);
    if (limits->memory_bytes) {
      snprintf(h->error, sizeof h->error, "wasm3 could not load the module: %s (the board allocates %u bytes of linear memory)",
               r, (unsigned)limits->memory_bytes);
      return EST_HOST_E_RUNTIME;
    }
    return fail(h, EST_HOST_E_RUNTIME, "wasm3 could not load the module", r);
  }
  h->module = mod;

  int rc = link_imports(h);
  if (rc != EST_HOST_OK) { char keep[sizeof h->error]; memcpy(keep, h->error, sizeof keep); est_host_free(h); memcpy(h->error, keep, sizeof keep); return rc; }

  if (limits->compile_eagerly) {
    r = m3_CompileModule(mod);
    if (r) { est_host_free(h); return fail(h, EST_HOST_E_INVALID, "wasm3 cannot compile the module (an opcode it lacks?)", r); }
  }

  static const char *const names[EXP_COUNT] = {
#define X(fn, sig) #fn,
      EST_ABI_EXPORTS(X)
#undef X
  };
  for (int i = 0; i < EXP_COUNT; i++) {
    IM3Function f = NULL;
    r = m3_FindFunction(&f, rt, names[i]);
    if (r) {
      char what[96];
      snprintf(what, sizeof what, "wasm3 cannot prepare export %s", names[i]);
      est_host_free(h);
      return fail(h, EST_HOST_E_RUNTIME, what, r);
    }
    h->fn[i] = f;
  }

  r = m3_CallV((IM3Function)h->fn[EXP__start]);
  if (r) {
    h->trapped = 1;
    char what[300];
    snprintf(what, sizeof what, "module initialisation trapped%s%s", h->panic[0] ? ": panic: " : "", h->panic);
    fail(h, EST_HOST_E_TRAP, what, h->panic[0] ? NULL : r);
    if (limits->memory_bytes) {
      size_t l = strlen(h->error);
      snprintf(h->error + l, sizeof h->error - l, " (the board allocates only %u bytes of linear memory)", (unsigned)limits->memory_bytes);
    }
    return EST_HOST_E_TRAP;
  }

  uint32_t v = 0;
  if (m3_CallV((IM3Function)h->fn[EXP_abi_version]) || m3_GetResultsV((IM3Function)h->fn[EXP_abi_version], &v))
    return fail(h, EST_HOST_E_TRAP, "abi_version() failed", NULL);
  if (v != EST_ABI_VERSION) {
    snprintf(h->error, sizeof h->error, "module implements ABI version %u; this host implements %u", (unsigned)v, (unsigned)EST_ABI_VERSION);
    return EST_HOST_E_INVALID;
  }
  if (m3_CallV((IM3Function)h->fn[EXP_io_buffer]) || m3_GetResultsV((IM3Function)h->fn[EXP_io_buffer], &h->io_ptr) ||
      m3_CallV((IM3Function)h->fn[EXP_io_capacity]) || m3_GetResultsV((IM3Function)h->fn[EXP_io_capacity], &h->io_cap))
    return fail(h, EST_HOST_E_TRAP, "io_buffer()/io_capacity() failed", NULL);
  if (!in_memory(rt, h->io_ptr, (int32_t)h->io_cap) || h->io_cap <= EST_IO_PAYLOAD_OFFSET)
    return fail(h, EST_HOST_E_INVALID, "module's io buffer lies outside its memory", NULL);
  if (limits->memory_bytes) {
    /* The module allocates every buffer during _start and never again (tests hold it to that), so its heap top
     * now bounds every address it will use: refuse it here rather than trap later. */
    uint32_t top = 0;
    if (m3_CallV((IM3Function)h->fn[EXP_heap_top]) || m3_GetResultsV((IM3Function)h->fn[EXP_heap_top], &top))
      return fail(h, EST_HOST_E_TRAP, "heap_top() failed", NULL);
    if (top > m3_GetMemorySize(rt)) {
      snprintf(h->error, sizeof h->error, "module needs %u bytes of linear memory; this board gives it %u",
               (unsigned)top, (unsigned)m3_GetMemorySize(rt));
      return EST_HOST_E_INVALID;
    }
    /* ... and only that much is kept (rounded up to 8 bytes): the rest goes back to the board's heap. Every
     * byte counts here, since the board's heap peak includes it: a kilobyte rounding cost the native-crypto
     * module 992 bytes of the peak. */
    uint32_t keep = (top + 7u) & ~7u;
    M3Result fr = wasm3_ext_fit_memory(rt, keep);
    if (fr) return fail(h, EST_HOST_E_RUNTIME, "wasm3 could not shrink the linear memory", fr);
    if (!in_memory(rt, h->io_ptr, (int32_t)h->io_cap)) return fail(h, EST_HOST_E_INVALID, "module's io buffer lies above its heap top", NULL);
  }
  return EST_HOST_OK;
}

void est_host_free(est_host_t *h) {
  if (h->runtime) m3_FreeRuntime((IM3Runtime)h->runtime); /* frees the loaded module too */
  if (h->env) m3_FreeEnvironment((IM3Environment)h->env);
  h->runtime = NULL;
  h->env = NULL;
  h->module = NULL;
}

/* Between two calls into the module no wasm frame is live, so nothing runs from the code pages: free them all
 * and mark every function uncompiled (wasm3_ext_drop_code). Exports compile again in export_ready(), other
 * functions through wasm3's op_Compile when first called. Imports are host trampolines in those pages, so
 * they are linked again. */
static int drop_compiled_code(est_host_t *h) {
  if (wasm3_ext_drop_code((IM3Runtime)h->runtime, (IM3Module)h->module) != 0) return EST_HOST_OK;
  h->code_drops++;
  return link_imports(h);
}

#ifdef EST_HOST_TRACE_CODE
static void trace_line(const char *line, uint32_t len) { board_log(3, line, len); }
#define trace_code(h) wasm3_ext_trace_code((IM3Runtime)(h)->runtime, (IM3Module)(h)->module, trace_line)
#else
#define trace_code(h) ((void)0)
#endif

/* Called before each call into the module: keep the compiled code within the board's budget. */
static int tend_code_cache(est_host_t *h) {
  if (!h->code_cache_bytes) return EST_HOST_OK;
  if (wasm3_ext_code_bytes((IM3Runtime)h->runtime) <= h->code_cache_bytes) return EST_HOST_OK;
  trace_code(h);
  int rc = drop_compiled_code(h);
  if (rc != EST_HOST_OK) h->trapped = 1; /* the imports could not be linked again (out of memory) */
  return rc;
}

void est_host_code_stats(est_host_t *h, est_host_code_stats_t *out) {
  memset(out, 0, sizeof *out);
  IM3Runtime rt = (IM3Runtime)h->runtime;
  if (!rt) return;
  uint32_t pages = wasm3_ext_code_pages(rt);
  out->code_pages = pages;
  out->code_pages_peak = h->code_pages_peak > pages ? h->code_pages_peak : pages;
  out->drops = h->code_drops;
  out->page_bytes = wasm3_ext_code_page_size();
  wasm3_ext_compiled((IM3Module)h->module, &out->functions_compiled, &out->functions, &out->compiled_wasm_bytes);
  out->value_stack_high_water = wasm3_ext_stack_high_water(rt);
}

uint32_t est_host_release_load_tables(est_host_t *h) {
  return h->module ? wasm3_ext_release_data_segments((IM3Module)h->module) : 0;
}

uint32_t est_host_memory_size(est_host_t *h) {
  return h->runtime ? m3_GetMemorySize((IM3Runtime)h->runtime) : 0;
}

/* ---- Running ----------------------------------------------------------------------------------------- */

static void report(est_host_t *h, int32_t status);

/* Call an export returning i32 (args are i32). On a trap, fill h->error and return EST_HOST_E_TRAP. */
/* An export whose code was dropped compiles again before it is called (m3_CallV would refuse it). Notes the
 * code pages after the call: pages are only added during a call, so that is the call's peak. */
static M3Result export_ready(IM3Function f) { return wasm3_ext_ready(f); }
static void note_code_peak(est_host_t *h) {
  uint32_t n = wasm3_ext_code_pages((IM3Runtime)h->runtime);
  if (n > h->code_pages_peak) {
    h->code_pages_peak = n;
    trace_code(h); /* the trace build: what the new peak holds */
  }
}

static int call_i32(est_host_t *h, int which, const char *name, int32_t *ret, int nargs, int32_t a, int32_t b) {
  IM3Function f = (IM3Function)h->fn[which];
  M3Result r = export_ready(f);
  if (!r) r = nargs == 0 ? m3_CallV(f) : nargs == 1 ? m3_CallV(f, a) : m3_CallV(f, a, b);
  note_code_peak(h);
  if (!r) r = m3_GetResultsV(f, ret);
  if (r) {
    h->trapped = 1;
    if (h->panic[0]) snprintf(h->error, sizeof h->error, "module panic in %s: %s", name, h->panic);
    else snprintf(h->error, sizeof h->error, "module trap in %s: %s", name, r);
    return EST_HOST_E_TRAP;
  }
  return EST_HOST_OK;
}

static int call_i64(est_host_t *h, int which, const char *name, int64_t *ret) {
  IM3Function f = (IM3Function)h->fn[which];
  M3Result r = export_ready(f);
  if (!r) r = m3_CallV(f);
  note_code_peak(h);
  if (!r) r = m3_GetResultsV(f, ret);
  if (r) {
    h->trapped = 1;
    snprintf(h->error, sizeof h->error, "module trap in %s: %s", name, r);
    return EST_HOST_E_TRAP;
  }
  return EST_HOST_OK;
}

int est_host_start(est_host_t *h, int argc, const char *const *argv, int32_t *status) {
  *status = EST_E_INTERNAL;
  if (h->trapped) { snprintf(h->error, sizeof h->error, "module instance trapped earlier; reload it"); return EST_HOST_E_TRAP; }
  if (h->running) { *status = EST_E_BUSY; snprintf(h->error, sizeof h->error, "a command is already running"); return EST_HOST_OK; }
  uint32_t mem_size = 0;
  uint8_t *mem = m3_GetMemory((IM3Runtime)h->runtime, &mem_size, 0);
  size_t total = 0;
  for (int i = 0; i < argc; i++) {
    size_t n = strlen(argv[i]) + 1;
    if (total + n > h->io_cap) {
      snprintf(h->error, sizeof h->error, "command line too long for the module (%u bytes at most)", (unsigned)h->io_cap);
      return EST_HOST_E_ARGS;
    }
    memcpy(mem + h->io_ptr + total, argv[i], n);
    total += n;
  }
  int32_t st = EST_E_INTERNAL;
  int rc = tend_code_cache(h);
  if (rc == EST_HOST_OK) rc = call_i32(h, EXP_start, "start", &st, 1, (int32_t)total, 0);
  if (rc != EST_HOST_OK) return rc;
  *status = st;
  h->running = st == EST_PENDING;
  if (!h->running) report(h, st);
  return EST_HOST_OK;
}

int64_t est_host_deadline(est_host_t *h) {
  int64_t d = -1;
  if (!h->running || call_i64(h, EXP_next_deadline, "next_deadline", &d) != EST_HOST_OK) return -1;
  return d;
}

/* The command ended (or the host gave up on it): render its report. */
static int settle(est_host_t *h, int rc, int32_t st, int32_t *status) {
  if (rc != EST_HOST_OK) { h->running = 0; return rc; }
  *status = st;
  if (st != EST_PENDING) { h->running = 0; report(h, st); }
  return EST_HOST_OK;
}

int est_host_poll(est_host_t *h, int64_t until_ms, int32_t *status) {
  if (!h->running) { *status = EST_E_NO_COMMAND; return EST_HOST_OK; }
  *status = EST_PENDING;
  int64_t deadline;
  int rc = call_i64(h, EXP_next_deadline, "next_deadline", &deadline);
  if (rc != EST_HOST_OK) { h->running = 0; return rc; }
  if (deadline < 0) {
    h->running = 0;
    snprintf(h->error, sizeof h->error, "module is waiting with no deadline (a module bug; it would hang)");
    return EST_HOST_E_STALLED;
  }
  int64_t wake = until_ms >= 0 && until_ms < deadline ? until_ms : deadline;
  uint32_t mem_size = 0;
  uint8_t *mem = m3_GetMemory((IM3Runtime)h->runtime, &mem_size, 0);
  size_t addr_len = 0;
  int32_t n = board_wait(wake, mem + h->io_ptr, &addr_len, mem + h->io_ptr + EST_IO_PAYLOAD_OFFSET, h->io_cap - EST_IO_PAYLOAD_OFFSET);
  if ((rc = tend_code_cache(h)) != EST_HOST_OK) { h->running = 0; return rc; }
  int32_t st = EST_PENDING;
  if (n >= 0) rc = call_i32(h, EXP_on_datagram, "on_datagram", &st, 2, (int32_t)addr_len, n);
  else if (n == BOARD_WAIT_TIMEOUT && board_clock_ms() >= deadline) rc = call_i32(h, EXP_on_timer, "on_timer", &st, 0, 0, 0);
  else if (n == EST_E_CANCELLED) rc = call_i32(h, EXP_cancel, "cancel", &st, 0, 0, 0);
  /* else: the caller's limit came first, or another board error (the board has logged it): still pending */
  return settle(h, rc, st, status);
}

int est_host_cancel(est_host_t *h, int32_t *status) {
  if (!h->running) { *status = EST_E_NO_COMMAND; return EST_HOST_OK; }
  int32_t st = EST_E_CANCELLED;
  int rc = call_i32(h, EXP_cancel, "cancel", &st, 0, 0, 0);
  return settle(h, rc, st, status);
}

int est_host_run(est_host_t *h, int argc, const char *const *argv, int32_t *status) {
  int rc = est_host_start(h, argc, argv, status);
  while (rc == EST_HOST_OK && *status == EST_PENDING) rc = est_host_poll(h, -1, status);
  return rc;
}

/* A span of linear memory the module named by two exports (pointer, length), or NULL. */
static const uint8_t *module_span(est_host_t *h, int ptr_fn, int len_fn, const char *name, uint32_t *len) {
  int32_t p = 0, n = 0;
  *len = 0;
  if (h->trapped || call_i32(h, ptr_fn, name, &p, 0, 0, 0) != EST_HOST_OK || call_i32(h, len_fn, name, &n, 0, 0, 0) != EST_HOST_OK)
    return NULL;
  IM3Runtime rt = (IM3Runtime)h->runtime;
  if (n <= 0 || !in_memory(rt, (uint32_t)p, n)) return NULL;
  uint32_t size;
  uint8_t *mem = m3_GetMemory(rt, &size, 0);
  *len = (uint32_t)n;
  return mem + (uint32_t)p;
}

const char *est_host_error_detail(est_host_t *h, uint32_t *len) {
  uint32_t n = 0;
  const uint8_t *rec = module_span(h, EXP_error_detail, EXP_error_detail_len, "error_detail", &n);
  *len = rec ? (uint32_t)est_render_event(rec, n, h->detail, sizeof h->detail) : 0;
  if (!rec) h->detail[0] = 0;
  return h->detail;
}

static void report_out(void *ctx, const char *text, size_t len) { (void)ctx; board_out((const uint8_t *)text, len); }
static void report_log(void *ctx, const char *line, size_t len) { (void)ctx; board_log(EST_LOG_ALWAYS, line, len); }

const uint8_t *est_host_result(est_host_t *h, uint32_t *len, const uint8_t **mem, uint32_t *mem_size) {
  const uint8_t *rec = module_span(h, EXP_result, EXP_result_len, "result", len);
  *mem = rec ? m3_GetMemory((IM3Runtime)h->runtime, mem_size, 0) : NULL;
  if (!rec) *mem_size = 0;
  return rec;
}

/* After a command: its result record, if it wrote one, rendered as the report (output and log lines). */
static void report(est_host_t *h, int32_t status) {
  if (h->quiet_report) return;
  uint32_t n = 0;
  const uint8_t *rec = module_span(h, EXP_result, EXP_result_len, "result", &n);
  if (!rec) return;
  uint32_t dl = 0;
  const char *detail = status == EST_OK ? "" : est_host_error_detail(h, &dl);
  /* The record's references point into linear memory; detail rendering did not move it. */
  rec = module_span(h, EXP_result, EXP_result_len, "result", &n);
  if (!rec) return;
  uint32_t size;
  const uint8_t *mem = m3_GetMemory((IM3Runtime)h->runtime, &size, 0);
  est_report_sink_t sink = {report_out, report_log, h};
  est_render_result(rec, n, mem, size, detail, &sink);
}
