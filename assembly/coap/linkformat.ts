// CoRE Link Format parser (RFC 6690 §2) over caller-owned text (ptr, len): iterates the links of a discovery
// response `<uri>;attr=val;attr="quoted";flag,<uri>...` and gives, per link, views of the target (with host,
// port and path split out of absolute `scheme://host:port/path` targets) and of the attributes the client
// uses: rt and if (RFC 6690 §3.1, §3.2), ct (a cardinal, or a quoted space-separated list, RFC 7252 §7.2.1),
// sz (RFC 6690 §3.3) and the flag `osc` (RFC 8613 §9: the resource is OSCORE-protected; the EST-oscore
// draft §4.1 requires it). LinkParamIter walks all attributes of a link. findRt() picks the first link whose
// rt has a given prefix ("ace.est").
//
// Lenient on purpose: whitespace around commas and semicolons and at both ends is skipped, as RFC 8288 §3
// allows in HTTP (the EST-oscore draft's own example reads `</est>; rt="ace.est.sen";osc`, and RFC 9148
// §4.1 wraps long documents after ';').
// Statuses: E_MALFORMED for junk (an unterminated '<' or quoted string, a character outside the grammar,
// an empty link between commas, an empty attribute name or unquoted value, rt/if/ct/sz given twice, a ct or
// port that is not a number or beyond 65535); E_LIMIT for more than LINK_MAX_CT ct values or sz beyond 2^32-1.
// An empty document has no links (RFC 6690 §2 allows an empty link-value-list).
//
// Deliberately not here: unescaping of quoted-pairs (values are views of the raw text), percent-decoding,
// resolving relative references against the request URI (the caller knows its base), RFC 8288 rel/anchor
// semantics, and ext-name-star (RFC 8187) values beyond treating them as opaque.

import { OK, E_MALFORMED, E_LIMIT } from "../base/errors";
import { LINK_MAX_CT } from "../base/config";

const ctValues = memory.data(LINK_MAX_CT * 2, 2);
const PREFIX_CAP: i32 = 64;
const prefixBuf = memory.data(PREFIX_CAP, 1);

@inline function at(p: usize, i: i32): i32 { return <i32>load<u8>(p + <usize>i); }
@inline function isSpace(c: i32): bool { return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d; }
@inline function isAlpha(c: i32): bool { return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a; }
@inline function isDigit(c: i32): bool { return c >= 0x30 && c <= 0x39; }

/** parmname characters (RFC 6690 §2 via RFC 5988 token): ALPHA DIGIT ! # $ & + - . ^ _ ` | ~ and * (ext-name-star). */
function isNameChar(c: i32): bool {
  if (isAlpha(c) || isDigit(c)) return true;
  return c == 0x21 || c == 0x23 || c == 0x24 || c == 0x26 || c == 0x2b || c == 0x2d || c == 0x2e ||
    c == 0x5e || c == 0x5f || c == 0x60 || c == 0x7c || c == 0x7e || c == 0x2a;
}

/** ptoken characters (RFC 6690 §2): printable ASCII except SP " , ; \ . */
function isPtokenChar(c: i32): bool {
  return c > 0x20 && c < 0x7f && c != 0x22 && c != 0x2c && c != 0x3b && c != 0x5c;
}

/** Walks the `;name[=value]` parameters of one link (the span LinkIter.params/paramsLen). */
export class LinkParamIter {
  private base: usize = 0;
  private len: i32 = 0;
  private pos: i32 = 0;
  /** The current parameter: name view, value view (inside the quotes when quoted), flags. */
  name: usize = 0;
  nameLen: i32 = 0;
  value: usize = 0;
  valueLen: i32 = 0;
  hasValue: bool = false;
  quoted: bool = false;

  /** Walk the parameter span (p, n) of one link (LinkIter.params/paramsLen); the text stays caller-owned. */
  reset(p: usize, n: i32): LinkParamIter { this.base = p; this.len = n; this.pos = 0; return this; }

  /** 1 with the next parameter, 0 after the last, E_MALFORMED on junk. */
  next(): i32 {
    const p = this.base, n = this.len;
    let i = this.pos;
    while (i < n && isSpace(at(p, i))) i++;
    if (i >= n) return 0;
    if (at(p, i) != 0x3b) return E_MALFORMED;
    i++;
    while (i < n && isSpace(at(p, i))) i++;
    const ns = i;
    while (i < n && isNameChar(at(p, i))) i++;
    if (i == ns) return E_MALFORMED;
    this.name = p + <usize>ns;
    this.nameLen = i - ns;
    this.hasValue = false;
    this.quoted = false;
    this.valueLen = 0;
    this.value = p + <usize>i;
    if (i < n && at(p, i) == 0x3d) {
      i++;
      this.hasValue = true;
      if (i < n && at(p, i) == 0x22) {
        i++;
        const vs = i;
        for (;;) {
          if (i >= n) return E_MALFORMED; // unterminated quoted string
          const c = at(p, i);
          if (c == 0x22) break;
          if (c == 0x5c) { if (i + 1 >= n) return E_MALFORMED; i += 2; continue; } // quoted-pair
          if (c < 0x20 && c != 0x09) return E_MALFORMED;
          i++;
        }
        this.quoted = true;
        this.value = p + <usize>vs;
        this.valueLen = i - vs;
        i++;
      } else {
        const vs = i;
        while (i < n && isPtokenChar(at(p, i))) i++;
        if (i == vs) return E_MALFORMED;
        this.value = p + <usize>vs;
        this.valueLen = i - vs;
      }
    }
    let k = i;
    while (k < n && isSpace(at(p, k))) k++;
    if (k < n && at(p, k) != 0x3b) return E_MALFORMED;
    this.pos = i;
    return 1;
  }

  /** True when the current parameter's name is the ASCII string s (case-sensitive, as RFC 6690 §2 says). */
  nameIs(s: string): bool {
    if (this.nameLen != s.length) return false;
    for (let k = 0; k < this.nameLen; k++) if (at(this.name, k) != <i32>s.charCodeAt(k)) return false;
    return true;
  }
}

const params = new LinkParamIter();

/** Iterates the links of a link-format document. Create once at module level; reset() per document. */
export class LinkIter {
  private base: usize = 0;
  private len: i32 = 0;
  private pos: i32 = 0;
  private started: bool = false;

  /** Target URI reference (between < and >). */
  target: usize = 0;
  targetLen: i32 = 0;
  /** Absolute (scheme://host...) or network-path (//host...) targets: host (IPv6 without brackets) and port
   *  (-1 when absent). hasHost false for relative references. */
  hasHost: bool = false;
  host: usize = 0;
  hostLen: i32 = 0;
  port: i32 = -1;
  /** Path (and query) of the target: everything after the authority, or the whole relative reference. */
  path: usize = 0;
  pathLen: i32 = 0;
  /** Parameter span of the link (";a=b;c..."), for LinkParamIter. */
  params: usize = 0;
  paramsLen: i32 = 0;
  /** rt and if values (inside quotes if quoted); length -1 when absent. */
  rt: usize = 0;
  rtLen: i32 = -1;
  iface: usize = 0;
  ifaceLen: i32 = -1;
  /** ct values (ctAt(i), i < ctCount); 0 values when absent. */
  ctCount: i32 = 0;
  /** sz value, -1 when absent. */
  sz: i64 = -1;
  /** The osc flag attribute is present. */
  osc: bool = false;

  /** Start at the beginning of the document (p, n); the text stays caller-owned and must not change while
   *  the views are used. */
  reset(p: usize, n: i32): LinkIter { this.base = p; this.len = n < 0 ? 0 : n; this.pos = 0; this.started = false; return this; }

  /** Content-Format number i of the current link's ct attribute. */
  ctAt(i: i32): i32 { return i >= 0 && i < this.ctCount ? <i32>load<u16>(ctValues + <usize>(i << 1)) : -1; }

  /** 1 with the next link in the fields above, 0 after the last one, or E_MALFORMED / E_LIMIT. */
  next(): i32 {
    const p = this.base, n = this.len;
    let i = this.pos;
    while (i < n && isSpace(at(p, i))) i++;
    if (i >= n) { this.pos = n; return 0; }
    if (this.started) { // between links: a comma is required
      if (at(p, i) != 0x2c) return E_MALFORMED;
      i++;
      while (i < n && isSpace(at(p, i))) i++;
      if (i >= n) return E_MALFORMED; // trailing comma: an empty link
    }
    if (at(p, i) != 0x3c) return E_MALFORMED;
    i++;
    const ts = i;
    for (;;) {
      if (i >= n) return E_MALFORMED; // unterminated '<'
      const c = at(p, i);
      if (c == 0x3e) break;
      if (c <= 0x20 || c == 0x3c || c == 0x22 || c >= 0x7f) return E_MALFORMED;
      i++;
    }
    this.target = p + <usize>ts;
    this.targetLen = i - ts;
    i++;
    const ps = i;
    while (i < n) { // the parameters end at the first comma outside quotes
      const c = at(p, i);
      if (c == 0x2c) break;
      if (c == 0x22) {
        i++;
        while (i < n && at(p, i) != 0x22) { if (at(p, i) == 0x5c) i++; i++; }
        if (i >= n) return E_MALFORMED;
      }
      i++;
    }
    this.params = p + <usize>ps;
    this.paramsLen = i - ps;
    this.pos = i;
    this.started = true;
    let st = this.splitTarget();
    if (st < 0) return st;
    st = this.readParams();
    if (st < 0) return st;
    return 1;
  }

  private splitTarget(): i32 {
    const t = this.target, n = this.targetLen;
    this.hasHost = false;
    this.hostLen = 0;
    this.port = -1;
    let i = 0;
    if (n > 0 && isAlpha(at(t, 0))) { // scheme ":" ?
      let k = 1;
      while (k < n) {
        const c = at(t, k);
        if (!(isAlpha(c) || isDigit(c) || c == 0x2b || c == 0x2d || c == 0x2e)) break;
        k++;
      }
      if (k < n && at(t, k) == 0x3a) i = k + 1;
    }
    if (n - i >= 2 && at(t, i) == 0x2f && at(t, i + 1) == 0x2f) {
      i += 2;
      this.hasHost = true;
      let h = i;
      if (i < n && at(t, i) == 0x5b) { // IP-literal
        h = i + 1;
        while (i < n && at(t, i) != 0x5d) i++;
        if (i >= n) return E_MALFORMED;
        this.host = t + <usize>h;
        this.hostLen = i - h;
        i++;
      } else {
        while (i < n && at(t, i) != 0x3a && at(t, i) != 0x2f && at(t, i) != 0x3f && at(t, i) != 0x23) i++;
        this.host = t + <usize>h;
        this.hostLen = i - h;
      }
      if (i < n && at(t, i) == 0x3a) {
        i++;
        let port = 0, digits = 0;
        while (i < n && isDigit(at(t, i))) { port = port * 10 + at(t, i) - 0x30; i++; if (++digits > 5) return E_MALFORMED; }
        if (digits > 0) { if (port > 65535) return E_MALFORMED; this.port = port; }
      }
      if (i < n && at(t, i) != 0x2f && at(t, i) != 0x3f && at(t, i) != 0x23) return E_MALFORMED;
    } else {
      i = 0; // a relative reference (or scheme:path): the whole target is the path
    }
    this.path = t + <usize>i;
    this.pathLen = n - i;
    return OK;
  }

  private readParams(): i32 {
    this.rtLen = -1;
    this.ifaceLen = -1;
    this.ctCount = 0;
    this.sz = -1;
    this.osc = false;
    let sawCt = false;
    params.reset(this.params, this.paramsLen);
    for (;;) {
      const r = params.next();
      if (r < 0) return r;
      if (r == 0) return OK;
      if (params.nameIs("rt")) {
        if (this.rtLen >= 0 || !params.hasValue) return E_MALFORMED;
        this.rt = params.value; this.rtLen = params.valueLen;
      } else if (params.nameIs("if")) {
        if (this.ifaceLen >= 0 || !params.hasValue) return E_MALFORMED;
        this.iface = params.value; this.ifaceLen = params.valueLen;
      } else if (params.nameIs("ct")) {
        if (sawCt || !params.hasValue) return E_MALFORMED;
        sawCt = true;
        const st = this.readCt(params.value, params.valueLen, params.quoted);
        if (st < 0) return st;
      } else if (params.nameIs("sz")) {
        if (this.sz >= 0 || !params.hasValue || params.quoted) return E_MALFORMED;
        let v: i64 = 0;
        if (params.valueLen == 0 || params.valueLen > 10) return params.valueLen > 10 ? E_LIMIT : E_MALFORMED;
        for (let k = 0; k < params.valueLen; k++) {
          const c = at(params.value, k);
          if (!isDigit(c)) return E_MALFORMED;
          v = v * 10 + <i64>(c - 0x30);
        }
        if (v > 0xffffffff) return E_LIMIT;
        this.sz = v;
      } else if (params.nameIs("osc")) {
        this.osc = true;
      }
    }
    return E_MALFORMED; // not reached: the loop above only exits by return
  }

  /** ct: one cardinal, or (quoted) cardinals separated by single spaces (RFC 7252 §7.2.1). */
  private readCt(p: usize, n: i32, quoted: bool): i32 {
    let i = 0;
    for (;;) {
      let v = 0, digits = 0;
      while (i < n && isDigit(at(p, i))) { v = v * 10 + at(p, i) - 0x30; i++; if (++digits > 5) return E_MALFORMED; }
      if (digits == 0 || v > 65535) return E_MALFORMED;
      if (this.ctCount == LINK_MAX_CT) return E_LIMIT;
      store<u16>(ctValues + <usize>(this.ctCount << 1), <u16>v);
      this.ctCount++;
      if (i == n) return OK;
      if (!quoted || at(p, i) != 0x20) return E_MALFORMED;
      i++;
    }
    return E_MALFORMED; // not reached: the loop above only exits by return
  }

  /** True when one of the space-separated rt values of the current link is `prefix` or starts with
   *  `prefix` followed by '.' (so "ace.est" matches "ace.est.sen", not "ace.estimate"). */
  rtHasPrefix(pp: usize, pl: i32): bool {
    if (this.rtLen < 0) return false;
    const r = this.rt, n = this.rtLen;
    let i = 0;
    while (i < n) {
      let j = i;
      while (j < n && at(r, j) != 0x20) j++;
      if (j - i >= pl) {
        let same = true;
        for (let k = 0; k < pl; k++) if (at(r, i + k) != at(pp, k)) { same = false; break; }
        if (same && (j - i == pl || at(r, i + pl) == 0x2e)) return true;
      }
      i = j + 1;
    }
    return false;
  }

  /** From the start of the document, find the first link whose rt has the prefix (pp, pl). Returns 1 with
   *  that link in the fields (path, ctAt, osc, ...), 0 when no link matches, or the first parse error met. */
  findRt(doc: usize, docLen: i32, pp: usize, pl: i32): i32 {
    this.reset(doc, docLen);
    for (;;) {
      const r = this.next();
      if (r <= 0) return r;
      if (this.rtHasPrefix(pp, pl)) return 1;
    }
    return E_MALFORMED; // not reached: the loop above only exits by return
  }

  /** findRt with an ASCII prefix string of at most 64 characters (e.g. RT_EST_PREFIX). */
  findRtText(doc: usize, docLen: i32, prefix: string): i32 {
    const n = prefix.length < PREFIX_CAP ? prefix.length : PREFIX_CAP;
    for (let k = 0; k < n; k++) store<u8>(prefixBuf + <usize>k, <u8>prefix.charCodeAt(k));
    return this.findRt(doc, docLen, prefixBuf, n);
  }
}
