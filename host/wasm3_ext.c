/*
 * wasm3_ext.c - wasm3 internals the hosts need (wasm3_ext.h), kept in this one file and pinned to v0.5.0.
 */
#include <stdio.h>

#include "wasm3_ext.h"

#include "m3_code.h"
#include "m3_compile.h"
#include "m3_env.h"

#if M3_VERSION_MAJOR != 0 || M3_VERSION_MINOR != 5 || M3_VERSION_REV != 0
#error "wasm3_ext.c reaches into wasm3 v0.5.0's internals (runtime memory limit, code pages, functions): check them against this version, then update the check"
#endif

void wasm3_ext_set_memory_limit(IM3Runtime rt, uint32_t bytes) { rt->memoryLimit = bytes; }

M3Result wasm3_ext_fit_memory(IM3Runtime rt, uint32_t bytes) {
  if (!rt->memory.mallocated || bytes == 0) return m3Err_none;
  uint32_t now = m3_GetMemorySize(rt);
  if (bytes >= now) return m3Err_none;
  rt->memoryLimit = bytes;
  return ResizeMemory(rt, rt->memory.numPages); /* reallocates to min(pages, limit): the smaller size */
}

uint32_t wasm3_ext_code_bytes(IM3Runtime rt) {
  uint32_t n = 0;
  for (int full = 0; full < 2; full++)
    for (IM3CodePage p = full ? rt->pagesFull : rt->pagesOpen; p; p = p->info.next)
      n += (uint32_t)sizeof(M3CodePageHeader) + p->info.numLines * (uint32_t)sizeof(code_t);
  return n;
}

uint32_t wasm3_ext_code_pages(IM3Runtime rt) { return rt->numCodePages; }

uint32_t wasm3_ext_code_page_size(void) { return d_m3CodePageAlignSize; }

int wasm3_ext_drop_code(IM3Runtime rt, IM3Module mod) {
  if (rt->numActiveCodePages != 0) return -1; /* a compilation is under way: never between calls */
  for (uint32_t i = 0; i < mod->numFunctions; i++) {
    IM3Function f = &mod->functions[i];
    f->compiled = NULL;
    m3_Free(f->constants); /* the function's constant table, made again by the next compilation */
    f->constants = NULL;
    f->numConstantBytes = 0;
  }
  FreeCodePages(&rt->pagesOpen);
  FreeCodePages(&rt->pagesFull);
  rt->numCodePages = 0;
  return 0;
}

M3Result wasm3_ext_ready(IM3Function f) { return f->compiled ? NULL : CompileFunction(f); }

uint32_t wasm3_ext_release_data_segments(IM3Module mod) {
  uint32_t released = mod->numDataSegments * (uint32_t)sizeof(M3DataSegment);
  m3_Free(mod->dataSegments);
  mod->dataSegments = NULL;
  mod->numDataSegments = 0;
  return released;
}

uint32_t wasm3_ext_stack_high_water(IM3Runtime rt) {
  if (!rt || !rt->stack) return 0;
  const uint8_t *s = (const uint8_t *)rt->stack;
  uint32_t n = rt->numStackSlots * (uint32_t)sizeof(m3slot_t);
  while (n > 0 && s[n - 1] == 0) n--;
  return n;
}

void wasm3_ext_compiled(IM3Module mod, uint32_t *compiled, uint32_t *total, uint32_t *wasm_bytes) {
  uint32_t n = 0, bytes = 0;
  for (uint32_t i = 0; mod && i < mod->numFunctions; i++)
    if (mod->functions[i].compiled) { n++; bytes += (uint32_t)(mod->functions[i].wasmEnd - mod->functions[i].wasm); }
  *compiled = n;
  *total = mod ? mod->numFunctions : 0;
  *wasm_bytes = bytes;
}

void wasm3_ext_trace_code(IM3Runtime rt, IM3Module mod, void (*log)(const char *line, uint32_t len)) {
  char line[64];
  int n = snprintf(line, sizeof line, "code: drop %u pages", (unsigned)rt->numCodePages);
  log(line, (uint32_t)n);
  for (int full = 0; full < 2; full++)
    for (IM3CodePage p = full ? rt->pagesFull : rt->pagesOpen; p; p = p->info.next) {
      n = snprintf(line, sizeof line, "code: page %u %u/%u", (unsigned)p->info.sequence, (unsigned)p->info.lineIndex,
                   (unsigned)p->info.numLines);
      log(line, (uint32_t)n);
    }
  for (uint32_t i = 0; i < mod->numFunctions; i++)
    if (mod->functions[i].wasm && mod->functions[i].compiled) {
      n = snprintf(line, sizeof line, "code: fn %u %u", (unsigned)i, (unsigned)(mod->functions[i].wasmEnd - mod->functions[i].wasm));
      log(line, (uint32_t)n);
    }
}
