/*
 * est_render.c - the C hosts' renderer of what the module reports as numbers: event records (a failure's
 * detail, a log line) through the message table generated from assembly/base/messages.txt, and the result
 * record of a device command as report lines and PEM, or as one JSON object.
 *
 * The rules are host/node/render.ts's, and test/render-sync.test.ts holds both hosts to the same text for
 * the same records. Nothing here allocates; output streams through a small buffer, so a microcontroller
 * renders a report with a few hundred bytes of stack.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "est_abi.h"

/* ---- Little helpers ----------------------------------------------------------------------------------- */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
static int64_t le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return (int64_t)v;
}

/** A bounded text buffer: appends are cut at the end, the text stays NUL-terminated. */
typedef struct {
  char *p;
  size_t cap, len;
} text_t;

static void put(text_t *t, const char *s, size_t n) {
  if (t->cap == 0) return;
  size_t room = t->cap - 1 - t->len;
  if (n > room) n = room;
  memcpy(t->p + t->len, s, n);
  t->len += n;
  t->p[t->len] = 0;
}
static void puts_(text_t *t, const char *s) { put(t, s, strlen(s)); }
/* fmt with one "%lld" (or "%02llx") in it and no other '%', formatted here: newlib-nano's printf has no
 * long long. (strchr, not strstr: newlib's strstr is 1.7 KB of Cortex-M flash.) */
static size_t fmt1(char *out, size_t cap, const char *fmt, long long v) {
  const char *at = strchr(fmt, '%');
  int hex = at && strncmp(at, "%02llx", 6) == 0;
  if (!at || (!hex && strncmp(at, "%lld", 4) != 0) || cap < 48) return 0;
  size_t n = (size_t)(at - fmt);
  if (n > cap - 40) n = cap - 40;
  memcpy(out, fmt, n);
  char d[24];
  int k = 0;
  if (hex) {
    static const char x[] = "0123456789abcdef";
    unsigned long long u = (unsigned long long)v;
    do { d[k++] = x[u & 15]; u >>= 4; } while (u);
    if (k < 2) d[k++] = '0';
  } else {
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do { d[k++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) d[k++] = '-';
  }
  while (k) out[n++] = d[--k];
  const char *rest = at + (hex ? 6 : 4);
  size_t r = strlen(rest);
  if (n + r > cap) r = cap - n;
  memcpy(out + n, rest, r);
  return n + r;
}

static void putf(text_t *t, const char *fmt, long long v) {
  char b[64];
  put(t, b, fmt1(b, sizeof b, fmt, v));
}
static void put_hex(text_t *t, const uint8_t *b, size_t n) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) { char x[2] = {d[b[i] >> 4], d[b[i] & 15]}; put(t, x, 2); }
}
/* Printable ASCII as it is (but the backslash), anything else as \xNN. */
static void put_safe(text_t *t, const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != 0x5c) put(t, (const char *)b + i, 1);
    else { char x[5]; snprintf(x, sizeof x, "\\x%02x", b[i]); put(t, x, 4); }
  }
}

/* ---- CoAP codes, record names, message summaries -------------------------------------------------------- */

static const char *code_reason(int code) {
  switch (code) {
    case 0x41: return "Created"; case 0x42: return "Deleted"; case 0x43: return "Valid"; case 0x44: return "Changed";
    case 0x45: return "Content"; case 0x5f: return "Continue"; case 0x80: return "Bad Request"; case 0x81: return "Unauthorized";
    case 0x82: return "Bad Option"; case 0x83: return "Forbidden"; case 0x84: return "Not Found";
    case 0x85: return "Method Not Allowed"; case 0x86: return "Not Acceptable"; case 0x88: return "Request Entity Incomplete";
    case 0x89: return "Conflict"; case 0x8c: return "Precondition Failed"; case 0x8d: return "Request Entity Too Large";
    case 0x8f: return "Unsupported Content-Format"; case 0xa0: return "Internal Server Error"; case 0xa1: return "Not Implemented";
    case 0xa2: return "Bad Gateway"; case 0xa3: return "Service Unavailable"; case 0xa4: return "Gateway Timeout";
    case 0xa5: return "Proxying Not Supported";
    default: return "";
  }
}

static void put_code(text_t *t, long long code) {
  char b[16];
  snprintf(b, sizeof b, "%d.%02d", (int)((code >> 5) & 7), (int)(code & 31));
  puts_(t, b);
  const char *r = code_reason((int)code);
  if (*r) { puts_(t, " "); puts_(t, r); }
}

static void put_record(text_t *t, long long id) {
  static const struct { uint16_t id; const char *name; } names[] = {
    {0x0010, "DRBG seed"}, {0x0020, "EDHOC setup (method, suite)"}, {0x0022, "device policy"},
    {0x0100, "device EDHOC key"}, {0x0101, "device credential CRED_I"}, {0x0102, "device ID_CRED_I"},
    {0x0110, "server credential CRED_R"}, {0x0111, "server ID_CRED_R"}, {0x0112, "server public key"},
    {0x0113, "server subject name"}, {0x0120, "enrollment"}, {0x0121, "trust anchors"},
    {0x0200, "OSCORE sequence numbers"}, {0x0210, "OSCORE context"},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].id == id) { puts_(t, names[i].name); return; }
  if (id >= 0x0108 && id <= 0x011f)
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
      if (names[i].id == id - 8) { puts_(t, names[i].name); puts_(t, " (second suite)"); return; }
  putf(t, "record %lld", id);
}

static const char *option_name(unsigned n) {
  switch (n) {
    case 1: return "If-Match"; case 3: return "Uri-Host"; case 4: return "ETag"; case 5: return "If-None-Match";
    case 6: return "Observe"; case 7: return "Uri-Port"; case 8: return "Location-Path"; case 9: return "OSCORE";
    case 11: return "Uri-Path"; case 12: return "Content-Format"; case 14: return "Max-Age"; case 15: return "Uri-Query";
    case 17: return "Accept"; case 20: return "Location-Query"; case 21: return "EDHOC"; case 23: return "Block2";
    case 27: return "Block1"; case 28: return "Size2"; case 35: return "Proxy-Uri"; case 39: return "Proxy-Scheme";
    case 60: return "Size1"; case 252: return "Echo"; case 258: return "No-Response"; case 292: return "Request-Tag";
    default: return NULL;
  }
}

static unsigned long uint_of(const uint8_t *v, size_t n) {
  unsigned long x = 0;
  for (size_t i = 0; i < n; i++) x = x * 256 + v[i];
  return x;
}

/* The OSCORE option value (RFC 8613 section 6.1) as flags, Partial IV, kid context, kid. */
static void put_oscore(text_t *t, const uint8_t *v, size_t n) {
  if (n == 0) { puts_(t, "{}"); return; }
  unsigned flags = v[0], pl = flags & 7;
  putf(t, "{flags=0x%02llx", flags);
  size_t i = 1;
  if (pl > 0) { puts_(t, ",piv="); put_hex(t, v + i, i + pl <= n ? pl : n - i); i += pl; }
  if ((flags & 0x10) && i < n) {
    size_t s = v[i];
    puts_(t, ",kidctx=");
    put_hex(t, v + i + 1, i + 1 + s <= n ? s : (i + 1 <= n ? n - i - 1 : 0));
    i += 1 + s;
  }
  if ((flags & 0x08)) { puts_(t, ",kid="); if (i <= n) put_hex(t, v + i, n - i); }
  puts_(t, "}");
}

/* A CoAP message's header and options: type, code, MID, token, each option by name ("..." where cut). */
static void put_coap(text_t *t, const uint8_t *b, size_t n) {
  static const char *const types[] = {"CON", "NON", "ACK", "RST"};
  if (n < 4) { puts_(t, "..."); return; }
  unsigned tkl = b[0] & 15;
  char head[48];
  snprintf(head, sizeof head, "%s %u.%02u mid=%u", types[(b[0] >> 4) & 3], b[1] >> 5, b[1] & 31, (unsigned)((b[2] << 8) | b[3]));
  puts_(t, head);
  if (tkl > 8 || 4 + tkl > n) { puts_(t, " ..."); return; }
  if (tkl > 0) { puts_(t, " token="); put_hex(t, b + 4, tkl); }
  size_t i = 4 + tkl;
  unsigned num = 0;
  while (i < n && b[i] != 0xff) {
    unsigned d = b[i] >> 4, l = b[i] & 15;
    i++;
    if (d == 13) { if (i >= n) goto cut; d = b[i++] + 13u; }
    else if (d == 14) { if (i + 1 >= n) goto cut; d = ((unsigned)(b[i] << 8) | b[i + 1]) + 269u; i += 2; }
    if (l == 13) { if (i >= n) goto cut; l = b[i++] + 13u; }
    else if (l == 14) { if (i + 1 >= n) goto cut; l = ((unsigned)(b[i] << 8) | b[i + 1]) + 269u; i += 2; }
    if (d == 15 || l == 15 || i + l > n) goto cut;
    num += d;
    const uint8_t *v = b + i;
    i += l;
    puts_(t, " ");
    const char *name = option_name(num);
    if (name) puts_(t, name); else putf(t, "opt%lld", num);
    puts_(t, "=");
    if (num == 23 || num == 27) {
      unsigned long x = uint_of(v, l);
      char s[40];
      snprintf(s, sizeof s, "%lu/%lu/%lu", x >> 4, (x >> 3) & 1, 16ul << (x & 7));
      puts_(t, s);
    } else if (num == 9) put_oscore(t, v, l);
    else if (num == 3 || num == 8 || num == 11 || num == 15 || num == 20 || num == 35 || num == 39) put_safe(t, v, l);
    else if (num == 252 || num == 4 || num == 1 || num == 292 || l > 4) put_hex(t, v, l);
    else putf(t, "%lld", (long long)uint_of(v, l));
  }
  return;
cut:
  puts_(t, " ...");
}

/* ---- Event records ------------------------------------------------------------------------------------ */

static const est_message_t *find_message(uint16_t id) {
  uint32_t lo = 0, hi = est_messages_count;
  while (lo < hi) { /* the table is in id order */
    uint32_t mid = (lo + hi) / 2;
    if (est_messages[mid].id == id) return &est_messages[mid];
    if (est_messages[mid].id < id) lo = mid + 1; else hi = mid;
  }
  for (uint32_t i = 0; i < est_messages_count; i++) if (est_messages[i].id == id) return &est_messages[i];
  return NULL;
}

/* The byte-pair codes of the message texts (est_abi.h, tools/gen-messages.ts): the pair a byte stands for,
 * or -1 for a plain byte. */
static int code_index(unsigned c) {
  int i = c >= 0x80 ? (int)c - 0x80 : c == 0x7f ? 159 : c >= 1 && c < 0x20 ? 127 + (int)c : -1;
  return i >= 0 && (uint32_t)i < est_message_pair_count ? i : -1;
}
static void put_coded(text_t *t, unsigned char c) {
  unsigned char stack[EST_MESSAGE_CODE_DEPTH];
  int n = 0;
  stack[n++] = c;
  while (n) {
    c = stack[--n];
    int i = code_index(c);
    if (i < 0) { put(t, (const char *)&c, 1); continue; }
    if (n + 2 > EST_MESSAGE_CODE_DEPTH) { puts_(t, "?"); continue; }
    stack[n++] = est_message_pairs[i][1];
    stack[n++] = est_message_pairs[i][0];
  }
}

size_t est_render_event(const uint8_t *rec, size_t len, char *out, size_t cap) {
  text_t t = {out, cap, 0};
  if (cap) out[0] = 0;
  if (len < 2) return 0;
  uint16_t id = le16(rec);
  const est_message_t *m = find_message(id);
  size_t pos = 2;
  if (!m) { /* a newer module than this table: the id and the raw arguments */
    putf(&t, "message %lld", id);
    if (len > 2) { puts_(&t, " ["); put_hex(&t, rec + 2, len - 2); puts_(&t, "]"); }
    return t.len;
  }
  for (const char *s = est_message_texts + m->text; *s;) {
    unsigned char c = (unsigned char)*s;
    if (code_index(c) >= 0) { /* a code: plain text (placeholders are never coded) */
      put_coded(&t, c);
      s++;
      continue;
    }
    if (c != '{' || !s[1] || s[2] != '}' || !strchr("dcekxslm", s[1])) {
      put(&t, s, 1);
      s++;
      continue;
    }
    char k = s[1];
    s += 3;
    if (strchr("dcek", k)) {
      if (pos + 8 > len) { puts_(&t, "?"); continue; }
      long long v = (long long)le64(rec + pos);
      pos += 8;
      if (k == 'd') putf(&t, "%lld", v);
      else if (k == 'c') put_code(&t, v);
      else if (k == 'e') puts_(&t, est_status_name((int32_t)v));
      else put_record(&t, v);
    } else {
      if (pos + 2 > len) { puts_(&t, "?"); continue; }
      size_t n = le16(rec + pos);
      if (pos + 2 + n > len) { puts_(&t, "?"); pos = len; continue; }
      const uint8_t *v = rec + pos + 2;
      pos += 2 + n;
      if (n == 0 && (k == 's' || k == 'x')) { /* an empty value takes its separator away with it */
        if (t.len >= 2 && t.p[t.len - 2] == ':' && t.p[t.len - 1] == ' ') t.len -= 2;
        else if (t.len >= 1 && t.p[t.len - 1] == ' ') t.len -= 1;
        if (t.cap) t.p[t.len] = 0;
        continue;
      }
      if (k == 'x') put_hex(&t, v, n);
      else if (k == 's') put_safe(&t, v, n);
      else if (k == 'l') { for (size_t i = 0; i < n; i++) { if (i) puts_(&t, ", "); putf(&t, "%lld", v[i]); } }
      else put_coap(&t, v, n);
    }
  }
  return t.len;
}

/* ---- Result records ----------------------------------------------------------------------------------- */

typedef struct {
  const uint8_t *p;
  uint32_t len;
} span_t;

typedef struct {
  uint8_t kind;
  uint32_t v[6]; /* round trips, datagrams up, down, bytes up, down, ms */
} phase_t;

#define MAX_PHASES 8
#define MAX_CAS 8

typedef struct {
  int command;
  int32_t status;
  uint32_t flags;
  int resource;
  int has_sizes;
  uint16_t sizes[3];
  uint32_t csr_bytes;
  int nphases;
  phase_t phases[MAX_PHASES];
  span_t cert, subject;
  int ncas;
  span_t cas[MAX_CAS];
  int cert_format;
  int has_nb, has_na, has_renew;
  uint32_t key_id; /* 0: none */
  int64_t not_before, not_after, renew_at;
} result_t;

static void decode(const uint8_t *rec, size_t len, const uint8_t *mem, size_t mem_size, result_t *r) {
  memset(r, 0, sizeof *r);
  r->status = -1;
  size_t i = 0;
  while (i + 3 <= len) {
    uint8_t tag = rec[i];
    size_t n = le16(rec + i + 1);
    const uint8_t *v = rec + i + 3;
    if (i + 3 + n > len) break;
    i += 3 + n;
    span_t ref = {NULL, 0};
    if (n >= 8) {
      uint32_t p = le32(v), l = le32(v + 4);
      if ((uint64_t)p + l <= mem_size) { ref.p = mem + p; ref.len = l; }
    }
    switch (tag) {
      case EST_RESULT_COMMAND: if (n >= 1) r->command = v[0]; break;
      case EST_RESULT_STATUS: if (n >= 4) r->status = (int32_t)le32(v); break;
      case EST_RESULT_FLAGS: if (n >= 4) r->flags = le32(v); break;
      case EST_RESULT_RESOURCE: if (n >= 1) r->resource = v[0]; break;
      case EST_RESULT_EDHOC_SIZES: if (n >= 6) { r->has_sizes = 1; for (int k = 0; k < 3; k++) r->sizes[k] = le16(v + 2 * k); } break;
      case EST_RESULT_CSR_BYTES: if (n >= 4) r->csr_bytes = le32(v); break;
      case EST_RESULT_PHASE:
        if (n >= 25 && r->nphases < MAX_PHASES) {
          phase_t *ph = &r->phases[r->nphases++];
          ph->kind = v[0];
          for (int k = 0; k < 6; k++) ph->v[k] = le32(v + 1 + 4 * k);
        }
        break;
      case EST_RESULT_CERT: if (ref.p) r->cert = ref; break;
      case EST_RESULT_CA: if (ref.p && r->ncas < MAX_CAS) r->cas[r->ncas++] = ref; break;
      case EST_RESULT_NOT_AFTER: if (n >= 8) { r->has_na = 1; r->not_after = le64(v); } break;
      case EST_RESULT_NOT_BEFORE: if (n >= 8) { r->has_nb = 1; r->not_before = le64(v); } break;
      case EST_RESULT_RENEW_AT: if (n >= 8) { r->has_renew = 1; r->renew_at = le64(v); } break;
      case EST_RESULT_KEY_ID: if (n >= 4) r->key_id = le32(v); break;
      case EST_RESULT_SUBJECT: if (ref.p) r->subject = ref; break;
      case EST_RESULT_CERT_FORMAT: if (n >= 1) r->cert_format = v[0]; break;
      default: break;
    }
  }
}

/* Output through the sink in pieces. */
typedef struct {
  const est_report_sink_t *sink;
  char buf[256];
  size_t len;
} stream_t;

static void flush(stream_t *s) {
  if (s->len) s->sink->out(s->sink->ctx, s->buf, s->len);
  s->len = 0;
}
static void emit(stream_t *s, const char *p, size_t n) {
  while (n) {
    size_t k = sizeof s->buf - s->len;
    if (k > n) k = n;
    memcpy(s->buf + s->len, p, k);
    s->len += k; p += k; n -= k;
    if (s->len == sizeof s->buf) flush(s);
  }
}
static void emits(stream_t *s, const char *p) { emit(s, p, strlen(p)); }
static void emitf(stream_t *s, const char *fmt, long long v) {
  char b[64];
  emit(s, b, fmt1(b, sizeof b, fmt, v));
}

/* A JSON string's inside, as JSON.stringify escapes it. */
static void emit_json(stream_t *s, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    char b[8];
    if (c == '"' || c == '\\') { b[0] = '\\'; b[1] = (char)c; emit(s, b, 2); }
    else if (c == '\n') emit(s, "\\n", 2);
    else if (c == '\r') emit(s, "\\r", 2);
    else if (c == '\t') emit(s, "\\t", 2);
    else if (c == '\b') emit(s, "\\b", 2);
    else if (c == '\f') emit(s, "\\f", 2);
    else if (c < 0x20) { snprintf(b, sizeof b, "\\u%04x", c); emit(s, b, 6); }
    else emit(s, (const char *)&c, 1);
  }
}

/* PEM of DER, either as text (newlines) or inside a JSON string (\n). */
static void emit_pem(stream_t *s, const uint8_t *der, size_t n, int json) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *nl = json ? "\\n" : "\n";
  emits(s, "-----BEGIN CERTIFICATE-----"); emits(s, nl);
  int col = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)der[i] << 16 | (i + 1 < n ? (uint32_t)der[i + 1] << 8 : 0) | (i + 2 < n ? der[i + 2] : 0);
    char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=', i + 2 < n ? b64[v & 63] : '='};
    emit(s, q, 4);
    col += 4;
    if (col == 64) { emits(s, nl); col = 0; }
  }
  if (col) emits(s, nl);
  emits(s, "-----END CERTIFICATE-----"); emits(s, nl);
}

/* Bytes as lowercase hex (a C509 certificate, or any certificate in certificate_hex). */
static void emit_hex(stream_t *s, const uint8_t *p, size_t n) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) { char x[2] = {d[p[i] >> 4], d[p[i] & 15]}; emit(s, x, 2); }
}

/* The certificate in JSON: its format ("der", or "c509": the first byte of a stored CA certificate tells it
 * apart, 0x30 being DER), its bytes as hex, and a DER one also as PEM. */
static void emit_cert_json(stream_t *s, span_t c, int c509) {
  emits(s, c509 ? ",\"certificate_format\":\"c509\"" : ",\"certificate_format\":\"der\"");
  emits(s, ",\"certificate_hex\":\""); emit_hex(s, c.p, c.len); emits(s, "\"");
  if (!c509) { emits(s, ",\"certificate_pem\":\""); emit_pem(s, c.p, c.len, 1); emits(s, "\""); }
}

/* Seconds since 1970 as ISO 8601 UTC (days to civil date, proleptic Gregorian). */
static void iso_time(int64_t t, char *out, size_t cap) {
  int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  int64_t secs = t - days * 86400;
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m, (int)d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

/* A DER Name as "CN=x, O=y"; hex when it does not parse. */
static int tlv(const uint8_t *b, size_t n, size_t o, uint8_t *tag, size_t *val, size_t *len) {
  if (o + 2 > n) return 0;
  size_t l = b[o + 1], h = 2;
  if (l & 0x80) {
    size_t k = l & 0x7f;
    if (k < 1 || k > 2 || o + 2 + k > n) return 0;
    l = 0;
    for (size_t j = 0; j < k; j++) l = l * 256 + b[o + 2 + j];
    h += k;
  }
  if (o + h + l > n) return 0;
  *tag = b[o]; *val = o + h; *len = l;
  return 1;
}

static void name_text(text_t *t, const uint8_t *der, size_t n) {
  static const struct { const char *oid, *name; } attrs[] = {
    {"2.5.4.3", "CN"}, {"2.5.4.6", "C"}, {"2.5.4.7", "L"}, {"2.5.4.8", "ST"}, {"2.5.4.10", "O"}, {"2.5.4.11", "OU"},
    {"2.5.4.5", "serialNumber"}, {"1.2.840.113549.1.9.1", "emailAddress"}, {"0.9.2342.19200300.100.1.1", "UID"},
    {"0.9.2342.19200300.100.1.25", "DC"},
  };
  size_t start = t->len;
  uint8_t tag; size_t v, l;
  if (!tlv(der, n, 0, &tag, &v, &l) || tag != 0x30) goto bad;
  int first = 1;
  for (size_t o = v; o < v + l;) {
    uint8_t st; size_t sv, sl;
    if (!tlv(der, n, o, &st, &sv, &sl) || st != 0x31) goto bad;
    for (size_t p = sv; p < sv + sl;) {
      uint8_t qt, ot, vt; size_t qv, ql, ov, ol, vv, vl;
      if (!tlv(der, n, p, &qt, &qv, &ql) || !tlv(der, n, qv, &ot, &ov, &ol) || ot != 0x06 || !tlv(der, n, ov + ol, &vt, &vv, &vl)) goto bad;
      char oid[64];
      size_t k = 0;
      if (ol < 1) goto bad;
      k += (size_t)snprintf(oid, sizeof oid, "%u.%u", der[ov] / 40, der[ov] % 40);
      unsigned long acc = 0;
      for (size_t j = 1; j < ol && k < sizeof oid; j++) {
        acc = acc * 128 + (der[ov + j] & 0x7f);
        if (!(der[ov + j] & 0x80)) { k += (size_t)snprintf(oid + k, sizeof oid - k, ".%lu", acc); acc = 0; }
      }
      const char *name = oid;
      for (size_t a = 0; a < sizeof attrs / sizeof attrs[0]; a++) if (!strcmp(attrs[a].oid, oid)) name = attrs[a].name;
      if (!first) puts_(t, ", ");
      first = 0;
      puts_(t, name); puts_(t, "=");
      put_safe(t, der + vv, vl);
      p = qv + ql;
    }
    o = sv + sl;
  }
  return;
bad:
  t->len = start;
  if (t->cap) t->p[t->len] = 0;
  put_hex(t, der, n);
}

void est_render_time(int64_t t, char *out, size_t cap) { iso_time(t, out, cap); }

size_t est_render_name(const uint8_t *der, size_t n, char *out, size_t cap) {
  text_t t = {out, cap, 0};
  if (cap) out[0] = 0;
  name_text(&t, der, n);
  return t.len;
}

static const char *phase_name(int k) {
  static const char *const names[] = {"?", "edhoc", "att", "crts", "sen", "sren", "skg", "skc"};
  return k >= 0 && k < 8 ? names[k] : "?";
}

static void emit_time_field(stream_t *s, const char *key, int64_t t) {
  char b[32];
  iso_time(t, b, sizeof b);
  emits(s, ",\""); emits(s, key); emits(s, "\":\""); emits(s, b); emits(s, "\"");
}

static void emit_subject(stream_t *s, span_t subj) {
  char buf[256];
  text_t t = {buf, sizeof buf, 0};
  buf[0] = 0;
  name_text(&t, subj.p, subj.len);
  emits(s, ",\"subject\":\""); emit_json(s, buf, t.len); emits(s, "\"");
}

/* What `maintain` did (host/node/render.ts maintainAction): NULL for another command's record. */
static const char *maintain_action(const result_t *r) {
  if (!(r->flags & EST_RESULT_FLAG_MAINTAIN)) return NULL;
  if (r->command == EST_RESULT_CMD_STATUS) return "none";
  return (r->flags & EST_RESULT_FLAG_EXPIRED) ? "reenroll" : r->resource == EST_RESULT_RES_SREN ? "renew" : "enroll";
}

static void report_json(stream_t *s, const result_t *r, const char *detail) {
  uint32_t sum[6] = {0};
  for (int i = 0; i < r->nphases; i++) for (int k = 0; k < 5; k++) sum[k] += r->phases[i].v[k];
  int ok = r->status == EST_OK;
  emits(s, ok ? "{\"ok\":true" : "{\"ok\":false");
  if (!ok) {
    emits(s, ",\"error\":\""); emits(s, est_status_name(r->status)); emits(s, "\",\"detail\":\"");
    emit_json(s, detail, strlen(detail)); emits(s, "\"");
  }
  const char *action = maintain_action(r);
  if (action) { emits(s, ",\"action\":\""); emits(s, action); emits(s, "\""); }
  if (r->command == EST_RESULT_CMD_STATUS) {
    int enrolled = (r->flags & EST_RESULT_FLAG_ENROLLED) != 0;
    emits(s, enrolled ? ",\"enrolled\":true" : ",\"enrolled\":false");
    if (enrolled && r->subject.p) emit_subject(s, r->subject);
    if (enrolled && r->has_nb) emit_time_field(s, "not_before", r->not_before);
    if (enrolled && r->has_na) emit_time_field(s, "not_after", r->not_after);
    if (r->has_renew) emit_time_field(s, "renew_at", r->renew_at);
    if (r->flags & EST_RESULT_FLAG_EXPIRED) emits(s, ",\"expired\":true");
    if (r->flags & EST_RESULT_FLAG_DUE) emits(s, ",\"renewal_due\":true");
    if (enrolled && r->key_id) { char k[32]; snprintf(k, sizeof k, ",\"key_id\":%u", (unsigned)r->key_id); emits(s, k); }
    if (enrolled && r->cert.p) emit_cert_json(s, r->cert, r->cert_format == 1);
    if (ok) {
      emits(s, ",\"trust_anchors_pem\":[");
      for (int i = 0; i < r->ncas; i++) { if (i) emits(s, ","); emits(s, "\""); emit_pem(s, r->cas[i].p, r->cas[i].len, 1); emits(s, "\""); }
      emits(s, "]");
    }
    emits(s, "}\n");
    return;
  }
  static const char *const res[] = {"?", "sen", "sren", "skg", "skc"};
  emits(s, ",\"resource\":\""); emits(s, r->resource >= 0 && r->resource < 5 ? res[r->resource] : "?"); emits(s, "\"");
  emits(s, (r->flags & EST_RESULT_FLAG_EDHOC) ? ",\"edhoc\":true" : ",\"edhoc\":false");
  emits(s, (r->flags & EST_RESULT_FLAG_COMBINED) ? ",\"combined\":true" : ",\"combined\":false");
  if (r->has_sizes) { emitf(s, ",\"edhoc_messages\":[%lld", r->sizes[0]); emitf(s, ",%lld", r->sizes[1]); emitf(s, ",%lld]", r->sizes[2]); }
  emitf(s, ",\"csr_bytes\":%lld", r->csr_bytes);
  emitf(s, ",\"certificate_bytes\":%lld", r->cert.p ? r->cert.len : 0);
  emitf(s, ",\"round_trips\":%lld", sum[0]);
  emitf(s, ",\"datagrams_up\":%lld", sum[1]);
  emitf(s, ",\"datagrams_down\":%lld", sum[2]);
  emitf(s, ",\"bytes_up\":%lld", sum[3]);
  emitf(s, ",\"bytes_down\":%lld", sum[4]);
  emits(s, ",\"phases\":[");
  for (int i = 0; i < r->nphases; i++) {
    const phase_t *p = &r->phases[i];
    if (i) emits(s, ",");
    emits(s, "{\"name\":\""); emits(s, phase_name(p->kind)); emits(s, "\"");
    emitf(s, ",\"round_trips\":%lld", p->v[0]); emitf(s, ",\"datagrams_up\":%lld", p->v[1]);
    emitf(s, ",\"datagrams_down\":%lld", p->v[2]); emitf(s, ",\"bytes_up\":%lld", p->v[3]);
    emitf(s, ",\"bytes_down\":%lld", p->v[4]); emitf(s, ",\"ms\":%lld}", p->v[5]);
  }
  emits(s, "]");
  if (ok && r->cert.p) {
    if (r->subject.p) emit_subject(s, r->subject);
    if (r->has_nb) emit_time_field(s, "not_before", r->not_before);
    if (r->has_na) emit_time_field(s, "not_after", r->not_after);
    if (r->has_renew) emit_time_field(s, "renew_at", r->renew_at);
    emit_cert_json(s, r->cert, r->cert_format == 1);
    /* The CA certificates: DER ones as PEM, every one as hex (a C509 enrollment's may be C509 or DER). */
    emits(s, ",\"ca_certificates_pem\":[");
    for (int i = 0, k = 0; i < r->ncas; i++) {
      if (r->cas[i].len < 1 || r->cas[i].p[0] != 0x30) continue;
      if (k++) emits(s, ",");
      emits(s, "\""); emit_pem(s, r->cas[i].p, r->cas[i].len, 1); emits(s, "\"");
    }
    emits(s, "],\"ca_certificates_hex\":[");
    for (int i = 0; i < r->ncas; i++) { if (i) emits(s, ","); emits(s, "\""); emit_hex(s, r->cas[i].p, r->cas[i].len); emits(s, "\""); }
    emits(s, "]");
  }
  emits(s, "}\n");
}

/* The certificate on the command output: PEM for DER, "C509 certificate: " and its CBOR in hex for C509. */
static void emit_cert_text(stream_t *s, const result_t *r) {
  if (r->cert_format != 1) { emit_pem(s, r->cert.p, r->cert.len, 0); return; }
  emits(s, "C509 certificate: "); emit_hex(s, r->cert.p, r->cert.len); emits(s, "\n");
}

static void log_line(const est_report_sink_t *sink, text_t *t) { sink->log(sink->ctx, t->p, t->len); t->len = 0; t->p[0] = 0; }

static void report_text(stream_t *s, const result_t *r) {
  char buf[320];
  text_t t = {buf, sizeof buf, 0};
  buf[0] = 0;
  if (r->command == EST_RESULT_CMD_STATUS) {
    if (r->status != EST_OK) return;
    char anchors[48] = "";
    if (r->ncas > 0) snprintf(anchors, sizeof anchors, "trust anchors: %d certificate(s)\n", r->ncas);
    if (!(r->flags & EST_RESULT_FLAG_ENROLLED)) { emits(s, "not enrolled\n"); emits(s, anchors); return; }
    puts_(&t, "enrolled: ");
    if (r->subject.p) name_text(&t, r->subject.p, r->subject.len); else puts_(&t, "?");
    char a[32], b[32];
    if (r->has_nb && r->has_na) {
      iso_time(r->not_before, a, sizeof a); iso_time(r->not_after, b, sizeof b);
      puts_(&t, ", valid "); puts_(&t, a); puts_(&t, " to "); puts_(&t, b);
    }
    if (r->has_renew) { iso_time(r->renew_at, a, sizeof a); puts_(&t, ", renews at "); puts_(&t, a); }
    puts_(&t, (r->flags & EST_RESULT_FLAG_EXPIRED) ? " (expired)\n" : (r->flags & EST_RESULT_FLAG_DUE) ? " (renewal due)\n" : "\n");
    emit(s, t.p, t.len);
    emits(s, anchors);
    if (r->cert.p) emit_cert_text(s, r);
    return;
  }
  uint32_t rt = 0;
  for (int i = 0; i < r->nphases; i++) {
    const phase_t *p = &r->phases[i];
    rt += p->v[0];
    if (p->kind == 1) puts_(&t, "edhoc"); else { puts_(&t, "est /"); puts_(&t, phase_name(p->kind)); }
    putf(&t, ": %lld round trips", p->v[0]); putf(&t, ", %lld datagrams up", p->v[1]); putf(&t, " (%lld bytes)", p->v[3]);
    putf(&t, ", %lld down", p->v[2]); putf(&t, " (%lld bytes)", p->v[4]); putf(&t, ", %lld ms", p->v[5]);
    log_line(s->sink, &t);
  }
  if (r->status != EST_OK || !r->cert.p) return;
  putf(&t, "enrolled: %lld round trips in all", rt);
  putf(&t, "; certificate of %lld bytes stored", r->cert.len);
  if (r->subject.p) { puts_(&t, "; subject "); name_text(&t, r->subject.p, r->subject.len); }
  if (r->has_na) { char b[32]; iso_time(r->not_after, b, sizeof b); puts_(&t, ", valid to "); puts_(&t, b); }
  if (r->has_renew) { char b[32]; iso_time(r->renew_at, b, sizeof b); puts_(&t, ", renews at "); puts_(&t, b); }
  log_line(s->sink, &t);
  emit_cert_text(s, r);
}

void est_render_result(const uint8_t *rec, size_t len, const uint8_t *mem, size_t mem_size, const char *detail,
                       const est_report_sink_t *sink) {
  static result_t r; /* a few hundred bytes: off the stack of a small board's host task */
  decode(rec, len, mem, mem_size, &r);
  stream_t s;
  s.sink = sink;
  s.len = 0;
  if (r.flags & EST_RESULT_FLAG_JSON) report_json(&s, &r, detail ? detail : "");
  else report_text(&s, &r);
  flush(&s);
}
