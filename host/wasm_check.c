/*
 * wasm_check.c - checks a module's bytes against the ABI before it reaches wasm3.
 *
 * Reads only what the ABI constrains: the type, import, function, memory and export sections. Imports come from
 * module "board" (est_abi.h) or "crypto" (est_crypto.h), each name with its signature. Every length
 * is checked against the end of its section before use; the checker never reads past `len`. It does not
 * validate code bodies (wasm3 compiles those; with eager compilation an unsupported opcode fails at load).
 */
#include <stdio.h>
#include <string.h>

#include "est_abi.h"
#include "est_crypto.h"
#include "est_host.h"

typedef struct {
  const uint8_t *p;
  const uint8_t *end;
  int bad;
} rd_t;

static uint32_t rd_u32(rd_t *r) {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (r->p >= r->end) { r->bad = 1; return 0; }
    uint8_t b = *r->p++;
    v |= (uint32_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  r->bad = 1;
  return 0;
}

static uint8_t rd_byte(rd_t *r) {
  if (r->p >= r->end) { r->bad = 1; return 0; }
  return *r->p++;
}

/* A name: returns a pointer into the module and its length (not NUL-terminated). */
static const uint8_t *rd_name(rd_t *r, uint32_t *n) {
  *n = rd_u32(r);
  if (r->bad || (size_t)(r->end - r->p) < *n) { r->bad = 1; return NULL; }
  const uint8_t *s = r->p;
  r->p += *n;
  return s;
}

static int name_is(const uint8_t *s, uint32_t n, const char *lit) {
  return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static char valtype_letter(uint8_t t) {
  switch (t) {
    case 0x7f: return 'i';
    case 0x7e: return 'I';
    case 0x7d: return 'f';
    case 0x7c: return 'F';
    default: return '?';
  }
}

#define MAX_TYPES 256
#define SIG_CAP 24

/* Type section -> signature strings in wasm3 notation, e.g. "i(iiii)". */
static int read_types(rd_t *r, char sigs[][SIG_CAP], uint32_t *count) {
  uint32_t n = rd_u32(r);
  if (r->bad || n > MAX_TYPES) return -1;
  for (uint32_t i = 0; i < n; i++) {
    if (rd_byte(r) != 0x60) return -1;
    uint8_t params[16];
    uint32_t np = rd_u32(r);
    if (r->bad || np > sizeof params) return -1;
    for (uint32_t k = 0; k < np; k++) params[k] = rd_byte(r);
    uint32_t nr = rd_u32(r);
    if (r->bad || nr > 1) return -1;
    uint8_t res = nr ? rd_byte(r) : 0;
    if (r->bad) return -1;
    char *s = sigs[i];
    size_t o = 0;
    s[o++] = nr ? valtype_letter(res) : 'v';
    s[o++] = '(';
    for (uint32_t k = 0; k < np; k++) s[o++] = valtype_letter(params[k]);
    s[o++] = ')';
    s[o] = 0;
  }
  *count = n;
  return 0;
}

static const char *import_sig(const uint8_t *name, uint32_t n) {
#define X(fn, sig) if (name_is(name, n, #fn)) return sig;
  EST_ABI_IMPORTS(X)
#undef X
  return NULL;
}

static const char *crypto_import_sig(const uint8_t *name, uint32_t n) {
#define X(fn, sig) if (name_is(name, n, #fn)) return sig;
  EST_CRYPTO_IMPORTS(X)
#undef X
  return NULL;
}

int est_wasm_check(const uint8_t *wasm, size_t len, uint32_t max_pages, char *err, size_t err_cap) {
  static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  if (len < 8) { snprintf(err, err_cap, "file is too short to be a WebAssembly module (%zu bytes)", len); return EST_HOST_E_INVALID; }
  if (memcmp(wasm, header, 4) != 0) { snprintf(err, err_cap, "not a WebAssembly module (no \\0asm magic)"); return EST_HOST_E_INVALID; }
  if (memcmp(wasm + 4, header + 4, 4) != 0) { snprintf(err, err_cap, "unsupported WebAssembly binary version"); return EST_HOST_E_INVALID; }

  static char sigs[MAX_TYPES][SIG_CAP];
  uint32_t ntypes = 0, nfunc_imports = 0, nfuncs = 0;
  uint32_t func_types_off = 0; /* offset of the function section's type index vector */
  int have_types = 0, have_memory = 0, have_funcs = 0;
  const uint8_t *exports = NULL, *exports_end = NULL;

  rd_t r = {wasm + 8, wasm + len, 0};
  uint8_t last_id = 0;
  while (r.p < r.end) {
    uint8_t id = rd_byte(&r);
    uint32_t size = rd_u32(&r);
    if (r.bad || (size_t)(r.end - r.p) < size) {
      snprintf(err, err_cap, "module is truncated or corrupt (section %u runs past the end of the file)", id);
      return EST_HOST_E_INVALID;
    }
    rd_t s = {r.p, r.p + size, 0};
    r.p += size;
    if (id != 0) {
      /* Known sections appear once, in this order; the data-count section (12) sits before code (10). */
      static const uint8_t order[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
      if (id > 12 || order[id] <= last_id) {
        snprintf(err, err_cap, "module has an unknown or misplaced section (id %u)", id);
        return EST_HOST_E_INVALID;
      }
      last_id = order[id];
    }
    switch (id) {
      case 1:
        if (read_types(&s, sigs, &ntypes) != 0) { snprintf(err, err_cap, "type section is malformed or too large"); return EST_HOST_E_INVALID; }
        have_types = 1;
        break;
      case 2: {
        uint32_t n = rd_u32(&s);
        for (uint32_t i = 0; i < n && !s.bad; i++) {
          uint32_t ml, fl;
          const uint8_t *m = rd_name(&s, &ml);
          const uint8_t *f = rd_name(&s, &fl);
          uint8_t kind = rd_byte(&s);
          if (s.bad) break;
          if (kind != 0) {
            snprintf(err, err_cap, "module imports %.*s.%.*s as a %s; this host provides functions only",
                     (int)ml, m, (int)fl, f, kind == 2 ? "memory" : kind == 1 ? "table" : "global");
            return EST_HOST_E_INVALID;
          }
          uint32_t t = rd_u32(&s);
          if (s.bad) break;
          int crypto = name_is(m, ml, EST_CRYPTO_IMPORT_MODULE);
          if (!crypto && !name_is(m, ml, EST_ABI_IMPORT_MODULE)) {
            snprintf(err, err_cap, "module imports %.*s.%.*s, but this host provides only module \"%s\" and module \"%s\"",
                     (int)ml, m, (int)fl, f, EST_ABI_IMPORT_MODULE, EST_CRYPTO_IMPORT_MODULE);
            return EST_HOST_E_INVALID;
          }
          const char *want = crypto ? crypto_import_sig(f, fl) : import_sig(f, fl);
          if (!want) {
            snprintf(err, err_cap, "module imports %.*s.%.*s, which this host does not provide (ABI %u)",
                     (int)ml, m, (int)fl, f, EST_ABI_VERSION);
            return EST_HOST_E_INVALID;
          }
          if (!have_types || t >= ntypes || strcmp(sigs[t], want) != 0) {
            snprintf(err, err_cap, "module imports %.*s.%.*s with signature %s; the ABI says %s",
                     (int)ml, m, (int)fl, f, (have_types && t < ntypes) ? sigs[t] : "?", want);
            return EST_HOST_E_INVALID;
          }
          nfunc_imports++;
        }
        if (s.bad) { snprintf(err, err_cap, "import section is malformed"); return EST_HOST_E_INVALID; }
        break;
      }
      case 3:
        nfuncs = rd_u32(&s);
        func_types_off = (uint32_t)(s.p - wasm);
        have_funcs = 1;
        if (s.bad) { snprintf(err, err_cap, "function section is malformed"); return EST_HOST_E_INVALID; }
        break;
      case 5: {
        uint32_t n = rd_u32(&s);
        if (s.bad || n != 1) { snprintf(err, err_cap, "module must define exactly one memory"); return EST_HOST_E_INVALID; }
        uint8_t flags = rd_byte(&s);
        uint32_t initial = rd_u32(&s);
        if (flags & 1) (void)rd_u32(&s);
        if (s.bad || (flags & ~1u)) { snprintf(err, err_cap, "memory section is malformed or uses unsupported flags"); return EST_HOST_E_INVALID; }
        if (initial > max_pages) {
          snprintf(err, err_cap, "module needs %u pages (64 KiB each) of linear memory; this board allows %u", (unsigned)initial, (unsigned)max_pages);
          return EST_HOST_E_INVALID;
        }
        have_memory = 1;
        break;
      }
      case 7:
        exports = s.p;
        exports_end = s.end;
        break;
      default:
        break;
    }
  }
  if (!have_memory) { snprintf(err, err_cap, "module defines no linear memory"); return EST_HOST_E_INVALID; }
  if (!exports) { snprintf(err, err_cap, "module exports nothing"); return EST_HOST_E_INVALID; }

  /* Every ABI export must be there, as a function with the agreed signature. */
#define X(fn, sig)                                                                                     \
  {                                                                                                    \
    rd_t e = {exports, exports_end, 0};                                                                \
    uint32_t n = rd_u32(&e), found = 0;                                                                \
    for (uint32_t i = 0; i < n && !e.bad && !found; i++) {                                             \
      uint32_t nl;                                                                                     \
      const uint8_t *nm = rd_name(&e, &nl);                                                            \
      uint8_t kind = rd_byte(&e);                                                                      \
      uint32_t idx = rd_u32(&e);                                                                       \
      if (e.bad || kind != 0 || !name_is(nm, nl, #fn)) continue;                                       \
      found = 1;                                                                                       \
      if (idx < nfunc_imports || !have_funcs || idx - nfunc_imports >= nfuncs) {                       \
        snprintf(err, err_cap, "export %s is not a function defined by the module", #fn);              \
        return EST_HOST_E_INVALID;                                                                     \
      }                                                                                                \
      rd_t ft = {wasm + func_types_off, wasm + len, 0};                                                \
      uint32_t t = 0;                                                                                  \
      for (uint32_t k = 0; k <= idx - nfunc_imports; k++) t = rd_u32(&ft);                              \
      if (ft.bad || t >= ntypes || strcmp(sigs[t], sig) != 0) {                                        \
        snprintf(err, err_cap, "export %s has signature %s; the ABI says %s", #fn,                     \
                 (!ft.bad && t < ntypes) ? sigs[t] : "?", sig);                                        \
        return EST_HOST_E_INVALID;                                                                     \
      }                                                                                                \
    }                                                                                                  \
    if (e.bad) { snprintf(err, err_cap, "export section is malformed"); return EST_HOST_E_INVALID; }   \
    if (!found) {                                                                                      \
      snprintf(err, err_cap, "module does not export %s: not an est-oscore module of ABI %u?", #fn,    \
               EST_ABI_VERSION);                                                                       \
      return EST_HOST_E_INVALID;                                                                       \
    }                                                                                                  \
  }
  EST_ABI_EXPORTS(X)
#undef X
  if (err_cap) err[0] = 0;
  return EST_HOST_OK;
}
