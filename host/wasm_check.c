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
#define SIG_CAP 24 /* "i(" + at most 16 parameters + ")" + NUL */

/* One function type (0x60, params, at most one result) read from r, as its signature in wasm3 notation, e.g.
 * "i(iiii)", into sig (NULL: only check it). 0 or -1 when malformed. */
static int read_type(rd_t *r, char *sig) {
  if (rd_byte(r) != 0x60) return -1;
  uint32_t np = rd_u32(r);
  if (r->bad || np > 16) return -1;
  char params[16];
  for (uint32_t k = 0; k < np; k++) params[k] = valtype_letter(rd_byte(r));
  uint32_t nr = rd_u32(r);
  if (r->bad || nr > 1) return -1;
  char res = nr ? valtype_letter(rd_byte(r)) : 'v';
  if (r->bad) return -1;
  if (sig) {
    size_t o = 0;
    sig[o++] = res;
    sig[o++] = '(';
    for (uint32_t k = 0; k < np; k++) sig[o++] = params[k];
    sig[o++] = ')';
    sig[o] = 0;
  }
  return 0;
}

/* The type section, checked whole; its signatures are read again by index when an import or export is
 * checked (no table of them: this runs on boards with 256 KiB of RAM). */
static int check_types(rd_t *r, uint32_t *count) {
  uint32_t n = rd_u32(r);
  if (r->bad || n > MAX_TYPES) return -1;
  for (uint32_t i = 0; i < n; i++) if (read_type(r, NULL) != 0) return -1;
  *count = n;
  return 0;
}

/* The signature of type idx of the (checked) type section `types`, or "?" when there is no such type. */
static const char *type_sig(const rd_t *types, uint32_t ntypes, uint32_t idx, char sig[SIG_CAP]) {
  rd_t r = *types;
  if (!r.p || idx >= ntypes) return "?";
  (void)rd_u32(&r);
  for (uint32_t i = 0; i <= idx; i++) if (read_type(&r, sig) != 0) return "?";
  return sig;
}

typedef struct {
  const char *name;
  const char *sig;
} abi_fn_t;

#define X(fn, sig) {#fn, sig},
static const abi_fn_t board_imports[] = {EST_ABI_IMPORTS(X)};
static const abi_fn_t crypto_imports[] = {EST_CRYPTO_IMPORTS(X)};
static const abi_fn_t abi_exports[] = {EST_ABI_EXPORTS(X)};
#undef X

static const char *find_sig(const abi_fn_t *t, size_t n, const uint8_t *name, uint32_t len) {
  for (size_t i = 0; i < n; i++) if (name_is(name, len, t[i].name)) return t[i].sig;
  return NULL;
}

/* Every ABI export must be there, as a function with the agreed signature. */
static int check_exports(const uint8_t *wasm, size_t len, rd_t exports, const rd_t *types, uint32_t ntypes,
                         uint32_t nfunc_imports, uint32_t nfuncs, uint32_t func_types_off, char *err, size_t err_cap) {
  for (size_t x = 0; x < sizeof abi_exports / sizeof abi_exports[0]; x++) {
    const char *fn = abi_exports[x].name, *want = abi_exports[x].sig;
    rd_t e = exports;
    uint32_t n = rd_u32(&e), found = 0;
    for (uint32_t i = 0; i < n && !e.bad && !found; i++) {
      uint32_t nl;
      const uint8_t *nm = rd_name(&e, &nl);
      uint8_t kind = rd_byte(&e);
      uint32_t idx = rd_u32(&e);
      if (e.bad || kind != 0 || !name_is(nm, nl, fn)) continue;
      found = 1;
      if (idx < nfunc_imports || !func_types_off || idx - nfunc_imports >= nfuncs) {
        snprintf(err, err_cap, "export %s is not a function defined by the module", fn);
        return EST_HOST_E_INVALID;
      }
      rd_t ft = {wasm + func_types_off, wasm + len, 0};
      uint32_t t = 0;
      for (uint32_t k = 0; k <= idx - nfunc_imports; k++) t = rd_u32(&ft);
      char sig[SIG_CAP];
      const char *have = ft.bad ? "?" : type_sig(types, ntypes, t, sig);
      if (strcmp(have, want) != 0) {
        snprintf(err, err_cap, "export %s has signature %s; the ABI says %s", fn, have, want);
        return EST_HOST_E_INVALID;
      }
    }
    if (e.bad) { snprintf(err, err_cap, "export section is malformed"); return EST_HOST_E_INVALID; }
    if (!found) {
      snprintf(err, err_cap, "module does not export %s: not an est-oscore module of ABI %u?", fn, EST_ABI_VERSION);
      return EST_HOST_E_INVALID;
    }
  }
  return EST_HOST_OK;
}

int est_wasm_check(const uint8_t *wasm, size_t len, uint32_t max_pages, char *err, size_t err_cap) {
  static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  if (len < 8) { snprintf(err, err_cap, "file is too short to be a WebAssembly module (%zu bytes)", len); return EST_HOST_E_INVALID; }
  if (memcmp(wasm, header, 4) != 0) { snprintf(err, err_cap, "not a WebAssembly module (no \\0asm magic)"); return EST_HOST_E_INVALID; }
  if (memcmp(wasm + 4, header + 4, 4) != 0) { snprintf(err, err_cap, "unsupported WebAssembly binary version"); return EST_HOST_E_INVALID; }

  rd_t types = {NULL, NULL, 0};
  uint32_t ntypes = 0, nfunc_imports = 0, nfuncs = 0;
  uint32_t func_types_off = 0; /* offset of the function section's type index vector */
  int have_memory = 0;
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
        types = s;
        if (check_types(&s, &ntypes) != 0) { snprintf(err, err_cap, "type section is malformed or too large"); return EST_HOST_E_INVALID; }
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
          const char *want = crypto ? find_sig(crypto_imports, sizeof crypto_imports / sizeof crypto_imports[0], f, fl)
                                    : find_sig(board_imports, sizeof board_imports / sizeof board_imports[0], f, fl);
          if (!want) {
            snprintf(err, err_cap, "module imports %.*s.%.*s, which this host does not provide (ABI %u)",
                     (int)ml, m, (int)fl, f, EST_ABI_VERSION);
            return EST_HOST_E_INVALID;
          }
          char sig[SIG_CAP];
          const char *have = type_sig(&types, ntypes, t, sig);
          if (strcmp(have, want) != 0) {
            snprintf(err, err_cap, "module imports %.*s.%.*s with signature %s; the ABI says %s",
                     (int)ml, m, (int)fl, f, have, want);
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

  int rc = check_exports(wasm, len, (rd_t){exports, exports_end, 0}, &types, ntypes, nfunc_imports, nfuncs, func_types_off, err, err_cap);
  if (rc != EST_HOST_OK) return rc;
  if (err_cap) err[0] = 0;
  return EST_HOST_OK;
}
