/*
 * wasm3_ext.h - the few things the hosts need from wasm3 beyond its public API (wasm3.h), in one place.
 *
 * They reach into wasm3's internals (m3_env.h, m3_code.h, m3_compile.h) and are written for wasm3 v0.5.0:
 * wasm3_ext.c refuses to compile against another version. Everything else in host/ and boards/ uses the
 * public API or these functions, never the internals.
 */
#ifndef WASM3_EXT_H
#define WASM3_EXT_H

#include <stdint.h>

#include "wasm3.h"

/** Allocate at most `bytes` of linear memory to the module (0: all it declares). Set before loading it. */
void wasm3_ext_set_memory_limit(IM3Runtime rt, uint32_t bytes);

/** Shrink the linear memory to `bytes` (no-op when it is not smaller): after start-up, a module whose heap
 *  never grows keeps only what it uses. Loads and stores beyond trap. */
M3Result wasm3_ext_fit_memory(IM3Runtime rt, uint32_t bytes);

/** Bytes the runtime's code pages hold, and how many pages there are. */
uint32_t wasm3_ext_code_bytes(IM3Runtime rt);
uint32_t wasm3_ext_code_pages(IM3Runtime rt);

/** The size of one code page (d_m3CodePageAlignSize of this build). */
uint32_t wasm3_ext_code_page_size(void);

/**
 * Free every code page and mark every function of mod uncompiled; they compile again when next called. Only
 * between two calls into the module (no wasm frame live). Imports are trampolines in those pages: the caller
 * links them again. Returns 0, or -1 when a compilation is under way (nothing dropped).
 */
int wasm3_ext_drop_code(IM3Runtime rt, IM3Module mod);

/** Compile a function whose code was dropped, before the host calls it (m3_Call refuses an uncompiled one). */
M3Result wasm3_ext_ready(IM3Function f);

/** Free the module's data-segment table (read only while loading). Returns the bytes released. */
uint32_t wasm3_ext_release_data_segments(IM3Module mod);

/** Bytes of the value stack ever written (it is zeroed at start; an all-zero top slot under-counts). */
uint32_t wasm3_ext_stack_high_water(IM3Runtime rt);

/** Functions compiled now, of how many, and their WebAssembly bytes. */
void wasm3_ext_compiled(IM3Module mod, uint32_t *compiled, uint32_t *total, uint32_t *wasm_bytes);

/** Measurement builds: log the code pages and the functions compiled since the last drop, through `log`. */
void wasm3_ext_trace_code(IM3Runtime rt, IM3Module mod, void (*log)(const char *line, uint32_t len));

#endif /* WASM3_EXT_H */
