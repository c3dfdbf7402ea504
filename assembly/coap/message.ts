// CoAP over UDP message codec (RFC 7252 §3): a parser that validates a whole datagram and gives views of its
// header, token, options and payload; an option iterator; a builder that takes options in any order and
// emits them sorted with correct deltas; helpers for uint options (§3.2), Uri-Path/Uri-Query (§6.4) and the
// Block1/Block2 value (RFC 7959 §2.2).
//
// Buffers are caller-owned: parsed views point into the datagram, the builder keeps pointers to the caller's
// option values and payload until build(). Nothing is allocated; no input traps.
//
// Statuses: E_TRUNCATED (datagram ends inside the header, token or an option), E_MALFORMED (message format
// error: version not 1, TKL 9-15, an option nibble 15 other than the 0xFF payload marker, a payload marker
// with no payload after it, an Empty message with a token or bytes after the Message ID, option number
// beyond 65535, a uint option longer than 4 bytes, a Block value longer than 3 bytes or with SZX 7),
// E_LIMIT (builder: too many options, option value or token too long; Block NUM beyond 20 bits),
// E_USAGE (builder: invalid argument such as option number 0), E_BUFFER_TOO_SMALL (build output).
//
// Deliberately not here: message semantics (what a code or option means, rejecting unknown critical options:
// the transport does that with firstUnknownCritical), percent-decoding of URIs, CoAP over TCP/WebSockets,
// retransmission and deduplication.

import { OK, E_TRUNCATED, E_MALFORMED, E_LIMIT, E_USAGE, E_BUFFER_TOO_SMALL } from "../base/errors";
import { COAP_MAX_BUILD_OPTIONS } from "../base/config";
import {
  COAP_VERSION, COAP_MAX_TOKEN, COAP_PAYLOAD_MARKER, COAP_EMPTY, OPT_MAX_NUMBER, OPT_URI_PATH, OPT_URI_QUERY,
  OPT_CONTENT_FORMAT, OPT_ACCEPT, OPT_MAX_AGE, OPT_SIZE1, OPT_SIZE2, COAP_DEFAULT_MAX_AGE, BLOCK_SZX_RESERVED,
  BLOCK_MAX_NUM, optIsCritical, optIsKnown,
} from "../numbers/coap";

/** Longest option value the 2-byte length extension can express (RFC 7252 §3.1: 14 -> 269 + 65535). */
export const COAP_MAX_OPTION_LENGTH: i32 = 65804;
/** Longest Uri-Path / Uri-Query segment (RFC 7252 §5.10 table). */
export const COAP_MAX_URI_SEGMENT: i32 = 255;

// Result of readOption (one option at a time, used by the parser and the iterator).
let optNumber: i32 = 0;
let optValue: usize = 0;
let optLength: i32 = 0;
let optNext: i32 = 0;

/** Decode the option at base[pos] (pos < end, not the payload marker) following option number prev. */
function readOption(base: usize, pos: i32, end: i32, prev: i32): i32 {
  const b = <i32>load<u8>(base + <usize>pos);
  let delta = b >> 4, length = b & 15;
  if (delta == 15 || length == 15) return E_MALFORMED; // RFC 7252 §3.1: 15 is reserved
  let p = pos + 1;
  if (delta == 13) { if (end - p < 1) return E_TRUNCATED; delta = <i32>load<u8>(base + <usize>p) + 13; p += 1; }
  else if (delta == 14) { if (end - p < 2) return E_TRUNCATED; delta = be16(base + <usize>p) + 269; p += 2; }
  if (length == 13) { if (end - p < 1) return E_TRUNCATED; length = <i32>load<u8>(base + <usize>p) + 13; p += 1; }
  else if (length == 14) { if (end - p < 2) return E_TRUNCATED; length = be16(base + <usize>p) + 269; p += 2; }
  const number = prev + delta;
  if (number > OPT_MAX_NUMBER) return E_MALFORMED;
  if (end - p < length) return E_TRUNCATED;
  optNumber = number;
  optValue = base + <usize>p;
  optLength = length;
  optNext = p + length;
  return OK;
}

@inline function be16(p: usize): i32 { return (<i32>load<u8>(p) << 8) | <i32>load<u8>(p + 1); }

/** Value of a uint option (RFC 7252 §3.2: 0-4 bytes, big-endian; leading zeros accepted), or -1 when it is
 *  longer than 4 bytes. */
export function coapUintValue(p: usize, n: i32): i64 {
  if (n < 0 || n > 4) return -1;
  let v: i64 = 0;
  for (let i = 0; i < n; i++) v = (v << 8) | <i64>load<u8>(p + <usize>i);
  return v;
}

/** A parsed CoAP message: views into the datagram given to parse(). Create once at module level. */
export class CoapMessage {
  base: usize = 0;
  len: i32 = 0;
  type: i32 = 0;
  code: i32 = 0;
  mid: i32 = 0;
  token: usize = 0;
  tokenLen: i32 = 0;
  /** Offsets of the options region [optStart, optEnd) and the number of options in it. */
  optStart: i32 = 0;
  optEnd: i32 = 0;
  optionCount: i32 = 0;
  payload: usize = 0;
  payloadLen: i32 = 0;
  /** Result of find()/getUint(): the option's value view, and its uint value. */
  value: usize = 0;
  valueLen: i32 = 0;
  uint: u32 = 0;

  /** Validate and take apart the datagram of len bytes at ptr (caller keeps it unchanged while the views
   *  are used). Returns OK, E_TRUNCATED or E_MALFORMED (see the file comment); after an error the message
   *  has no options or payload. */
  parse(ptr: usize, len: i32): i32 {
    this.base = ptr;
    this.len = len;
    this.optionCount = 0;
    this.optStart = 0;
    this.optEnd = 0; // a failed parse leaves no options to find or iterate
    this.payload = 0;
    this.payloadLen = 0;
    if (len < 4) return E_TRUNCATED;
    const b0 = <i32>load<u8>(ptr);
    if ((b0 >> 6) != COAP_VERSION) return E_MALFORMED;
    this.type = (b0 >> 4) & 3;
    const tkl = b0 & 15;
    if (tkl > COAP_MAX_TOKEN) return E_MALFORMED; // RFC 7252 §3: TKL 9-15 reserved
    this.code = <i32>load<u8>(ptr + 1);
    this.mid = be16(ptr + 2);
    // RFC 7252 §4.1: an Empty message has no token and nothing after the Message ID.
    if (this.code == COAP_EMPTY && (tkl != 0 || len != 4)) return E_MALFORMED;
    if (len - 4 < tkl) return E_TRUNCATED;
    this.token = ptr + 4;
    this.tokenLen = tkl;
    return this.parseOptions(4 + tkl);
  }

  /** Validate and take apart a body without header or token: options, then optionally 0xFF and a non-empty
   *  payload. That is the shape of an OSCORE plaintext after its code byte (RFC 8613 §5.3). type, code, mid
   *  and the token are left zero. Returns OK, E_TRUNCATED or E_MALFORMED. */
  parseBody(ptr: usize, len: i32): i32 {
    this.base = ptr;
    this.len = len < 0 ? 0 : len;
    this.type = 0;
    this.code = 0;
    this.mid = 0;
    this.token = ptr;
    this.tokenLen = 0;
    this.optionCount = 0;
    this.payload = 0;
    this.payloadLen = 0;
    return this.parseOptions(0);
  }

  private parseOptions(pos: i32): i32 {
    const ptr = this.base, len = this.len;
    this.optStart = pos;
    this.optEnd = pos;
    let prev = 0;
    while (pos < len) {
      if (<i32>load<u8>(ptr + <usize>pos) == COAP_PAYLOAD_MARKER) {
        if (pos + 1 == len) { this.optEnd = this.optStart; return E_MALFORMED; } // RFC 7252 §3: empty payload
        this.optEnd = pos;
        this.payload = ptr + <usize>(pos + 1);
        this.payloadLen = len - pos - 1;
        return OK;
      }
      const st = readOption(ptr, pos, len, prev);
      if (st < 0) { this.optEnd = this.optStart; this.optionCount = 0; return st; }
      prev = optNumber;
      pos = optNext;
      this.optionCount++;
    }
    this.optEnd = pos;
    return OK;
  }

  /** Find the first option `number`: returns 1 with its value in (value, valueLen), or 0 when absent. */
  find(number: i32): i32 {
    let pos = this.optStart, prev = 0;
    while (pos < this.optEnd) {
      if (readOption(this.base, pos, this.optEnd, prev) < 0) return 0;
      if (optNumber == number) { this.value = optValue; this.valueLen = optLength; return 1; }
      if (optNumber > number) return 0;
      prev = optNumber;
      pos = optNext;
    }
    return 0;
  }

  /** First option `number` as a uint (Content-Format, Accept, Max-Age, Size1, Size2, Uri-Port, ...):
   *  returns 1 with the value in `uint`, 0 when absent, E_MALFORMED when longer than 4 bytes. */
  getUint(number: i32): i32 {
    if (this.find(number) == 0) return 0;
    const v = coapUintValue(this.value, this.valueLen);
    if (v < 0) return E_MALFORMED;
    this.uint = <u32>v;
    return 1;
  }

  /** A uint option as a number: its value, `absent` when the message lacks it, E_MALFORMED when longer
   *  than 4 bytes. */
  uintOr(number: i32, absent: i64): i64 {
    const r = this.getUint(number);
    return r < 0 ? <i64>r : r == 0 ? absent : <i64>this.uint;
  }
  /** Content-Format (RFC 7252 §5.10.3): the number, -1 when absent, or E_MALFORMED. */
  contentFormat(): i64 { return this.uintOr(OPT_CONTENT_FORMAT, -1); }
  /** Accept (RFC 7252 §5.10.4): the number, -1 when absent, or E_MALFORMED. */
  accept(): i64 { return this.uintOr(OPT_ACCEPT, -1); }
  /** Max-Age in seconds (RFC 7252 §5.10.5): 60 when absent, or E_MALFORMED. */
  maxAge(): i64 { return this.uintOr(OPT_MAX_AGE, <i64>COAP_DEFAULT_MAX_AGE); }
  /** Size1 / Size2 in bytes (RFC 7959 §4): -1 when absent, or E_MALFORMED. */
  size1(): i64 { return this.uintOr(OPT_SIZE1, -1); }
  size2(): i64 { return this.uintOr(OPT_SIZE2, -1); }

  /** Decode the Block1 or Block2 option (number OPT_BLOCK1 / OPT_BLOCK2) into `out`: 1 when present, 0 when
   *  absent, E_MALFORMED for a bad value (longer than 3 bytes, SZX 7). */
  block(number: i32, out: BlockValue): i32 {
    if (this.find(number) == 0) return 0;
    const st = out.decode(this.value, this.valueLen);
    return st < 0 ? st : 1;
  }

  /** Number of the first critical option that optIsKnown() does not list, or 0 when there is none. The
   *  transport rejects such a message (RFC 7252 §5.4.1): 4.02 for a CON request, RST for a response. */
  firstUnknownCritical(): i32 {
    let pos = this.optStart, prev = 0;
    while (pos < this.optEnd) {
      if (readOption(this.base, pos, this.optEnd, prev) < 0) return 0;
      if (optIsCritical(optNumber) && !optIsKnown(optNumber)) return optNumber;
      prev = optNumber;
      pos = optNext;
    }
    return 0;
  }
}

/** Walks the options of a parsed message in wire order (ascending numbers; repeats in their order). */
export class CoapOptionIter {
  private msg: CoapMessage | null = null;
  private pos: i32 = 0;
  private prev: i32 = 0;
  /** The current option: number and value view. */
  number: i32 = 0;
  value: usize = 0;
  valueLen: i32 = 0;

  /** Start at the first option of a message that parse() or parseBody() accepted. */
  reset(msg: CoapMessage): CoapOptionIter { this.msg = msg; this.pos = msg.optStart; this.prev = 0; return this; }

  /** Advance: 1 with the next option in (number, value, valueLen), 0 after the last one. A message that
   *  parse() accepted always iterates; otherwise a decoding status may come back. */
  next(): i32 {
    const m = this.msg;
    if (m === null) return 0;
    if (this.pos >= m.optEnd) return 0;
    const st = readOption(m.base, this.pos, m.optEnd, this.prev);
    if (st < 0) return st;
    this.number = optNumber;
    this.value = optValue;
    this.valueLen = optLength;
    this.prev = optNumber;
    this.pos = optNext;
    return 1;
  }
}

// ---- Block1/Block2 values (RFC 7959 §2.2) ---------------------------------------------------------------------

/** A Block1/Block2 option value: block number, more flag, size exponent (block size 2^(SZX+4)). */
export class BlockValue {
  num: u32 = 0;
  more: bool = false;
  szx: i32 = 0;

  /** Decode a 0-3 byte option value. E_MALFORMED when longer or when SZX is 7 (reserved, BERT). */
  decode(p: usize, n: i32): i32 {
    if (n < 0 || n > 3) return E_MALFORMED;
    const v = <u32>coapUintValue(p, n);
    if (<i32>(v & 7) == BLOCK_SZX_RESERVED) return E_MALFORMED;
    this.num = v >> 4;
    this.more = (v & 8) != 0;
    this.szx = <i32>(v & 7);
    return OK;
  }

  /** Block size in bytes (16 .. 1024). */
  size(): i32 { return 1 << (this.szx + 4); }
}

/** Encode a Block value NUM << 4 | M << 3 | SZX as a uint for CoapBuilder.addUint. Returns the value
 *  (0 .. 0xffffff), E_LIMIT when num exceeds 20 bits, E_USAGE for szx outside 0-6. */
export function blockValue(num: u32, more: bool, szx: i32): i32 {
  if (szx < 0 || szx >= BLOCK_SZX_RESERVED) return E_USAGE;
  if (num > BLOCK_MAX_NUM) return E_LIMIT;
  return <i32>((num << 4) | (more ? 8 : 0) | <u32>szx);
}

/** SZX for a block size (16, 32, ..., 1024), or E_USAGE for any other size. */
export function blockSzx(size: i32): i32 {
  for (let s = 0; s < BLOCK_SZX_RESERVED; s++) if (size == 1 << (s + 4)) return s;
  return E_USAGE;
}

// ---- Builder ------------------------------------------------------------------------------------------------

// Option table: 16 bytes per entry: number u16, isUint u8, pad u8, ptr u32, len i32, uint u32.
const ENTRY: i32 = 16;
const table = memory.data(COAP_MAX_BUILD_OPTIONS * 16, 8);
const swap = memory.data(16, 8);

/** Builds one message. Create once at module level; reset() for each message. Option values and the payload
 *  are referenced, not copied: keep them unchanged until build() returns. */
export class CoapBuilder {
  type: i32 = 0;
  code: i32 = 0;
  mid: i32 = 0;
  token: usize = 0;
  tokenLen: i32 = 0;
  payload: usize = 0;
  payloadLen: i32 = 0;
  count: i32 = 0;

  /** Start a message: type (COAP_CON ...), code, message ID (0-65535; higher bits are dropped). */
  reset(type: i32, code: i32, mid: i32): CoapBuilder {
    this.type = type & 3;
    this.code = code & 0xff;
    this.mid = mid & 0xffff;
    this.tokenLen = 0;
    this.payloadLen = 0;
    this.count = 0;
    return this;
  }

  /** Token of 0-8 bytes; E_LIMIT when longer. */
  setToken(p: usize, n: i32): i32 {
    if (n < 0 || n > COAP_MAX_TOKEN) return E_LIMIT;
    this.token = p;
    this.tokenLen = n;
    return OK;
  }

  /** Payload (may be empty: then no payload marker is written). */
  setPayload(p: usize, n: i32): i32 {
    if (n < 0) return E_USAGE;
    this.payload = p;
    this.payloadLen = n;
    return OK;
  }

  private entry(number: i32): i32 {
    if (number <= 0 || number > OPT_MAX_NUMBER) return E_USAGE;
    if (this.count == COAP_MAX_BUILD_OPTIONS) return E_LIMIT;
    return this.count++;
  }

  /** Add an option with an opaque/string value of n bytes at p (any order; repeats keep their order). */
  add(number: i32, p: usize, n: i32): i32 {
    if (n < 0 || n > COAP_MAX_OPTION_LENGTH) return E_LIMIT;
    const i = this.entry(number);
    if (i < 0) return i;
    const e = table + <usize>(i * ENTRY);
    store<u16>(e, <u16>number);
    store<u8>(e, 0, 2);
    store<u32>(e, <u32>p, 4);
    store<i32>(e, n, 8);
    return OK;
  }

  /** Add a uint option (RFC 7252 §3.2), written in the fewest bytes (0 -> empty value). */
  addUint(number: i32, v: u32): i32 {
    const i = this.entry(number);
    if (i < 0) return i;
    const e = table + <usize>(i * ENTRY);
    store<u16>(e, <u16>number);
    store<u8>(e, 1, 2);
    store<i32>(e, v == 0 ? 0 : v < 0x100 ? 1 : v < 0x10000 ? 2 : v < 0x1000000 ? 3 : 4, 8);
    store<u32>(e, v, 12);
    return OK;
  }

  /** Add Uri-Path options for the path of a relative reference "/a/b?q=1&r" and Uri-Query options for its
   *  query (RFC 7252 §6.4 steps 8-9, without percent-decoding). "" and "/" give no Uri-Path. A segment longer
   *  than 255 bytes is E_LIMIT. The options point into the given text. */
  addUriPath(p: usize, n: i32): i32 {
    if (n < 0) return E_USAGE;
    let q = 0;
    while (q < n && load<u8>(p + <usize>q) != 0x3f) q++; // '?'
    let i = 0;
    if (i < q && load<u8>(p) == 0x2f) i++; // leading '/'
    if (i < q) {
      for (;;) {
        let j = i;
        while (j < q && load<u8>(p + <usize>j) != 0x2f) j++;
        const st = this.segment(OPT_URI_PATH, p + <usize>i, j - i);
        if (st < 0) return st;
        if (j >= q) break;
        i = j + 1;
      }
    }
    if (q < n) {
      i = q + 1;
      for (;;) {
        let j = i;
        while (j < n && load<u8>(p + <usize>j) != 0x26) j++; // '&'
        const st = this.segment(OPT_URI_QUERY, p + <usize>i, j - i);
        if (st < 0) return st;
        if (j >= n) break;
        i = j + 1;
      }
    }
    return OK;
  }

  private segment(number: i32, p: usize, n: i32): i32 {
    if (n > COAP_MAX_URI_SEGMENT) return E_LIMIT;
    return this.add(number, p, n);
  }

  /** Write the message to buf (cap bytes): header, token, options sorted by number (stable), payload.
   *  Returns the message length or E_BUFFER_TOO_SMALL (nothing is written past cap). */
  build(buf: usize, cap: i32): i32 {
    if (cap < 4 + this.tokenLen) return E_BUFFER_TOO_SMALL;
    store<u8>(buf, <u8>((COAP_VERSION << 6) | (this.type << 4) | this.tokenLen));
    store<u8>(buf + 1, <u8>this.code);
    store<u8>(buf + 2, <u8>(this.mid >> 8));
    store<u8>(buf + 3, <u8>this.mid);
    memory.copy(buf + 4, this.token, <usize>this.tokenLen);
    return this.writeBody(buf, cap, 4 + this.tokenLen);
  }

  /** Write only the options (sorted) and the payload, as in an OSCORE plaintext after its code byte
   *  (RFC 8613 §5.3); type, code, mid and token are ignored. Returns the length or E_BUFFER_TOO_SMALL. */
  buildBody(buf: usize, cap: i32): i32 {
    if (cap < 0) return E_BUFFER_TOO_SMALL;
    return this.writeBody(buf, cap, 0);
  }

  private writeBody(buf: usize, cap: i32, off: i32): i32 {
    const n = this.count;
    for (let i = 1; i < n; i++) { // stable insertion sort by option number
      let j = i;
      while (j > 0 && load<u16>(table + <usize>((j - 1) * ENTRY)) > load<u16>(table + <usize>(j * ENTRY))) {
        const a = table + <usize>((j - 1) * ENTRY), b = table + <usize>(j * ENTRY);
        memory.copy(swap, a, ENTRY); memory.copy(a, b, ENTRY); memory.copy(b, swap, ENTRY);
        j--;
      }
    }
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const e = table + <usize>(i * ENTRY);
      const number = <i32>load<u16>(e);
      const isUint = load<u8>(e, 2) != 0;
      const len = load<i32>(e, 8);
      const delta = number - prev;
      prev = number;
      const need = <i64>1 + <i64>extSize(delta) + <i64>extSize(len) + <i64>len;
      if (<i64>(cap - off) < need) return E_BUFFER_TOO_SMALL;
      const h = buf + <usize>off;
      store<u8>(h, <u8>((nibble(delta) << 4) | nibble(len)));
      let o = off + 1;
      o = putExt(buf, o, delta);
      o = putExt(buf, o, len);
      if (isUint) {
        const v = load<u32>(e, 12);
        for (let k = len - 1; k >= 0; k--) store<u8>(buf + <usize>(o + len - 1 - k), <u8>(v >> <u32>(k * 8)));
      } else {
        memory.copy(buf + <usize>o, <usize>load<u32>(e, 4), <usize>len);
      }
      off = o + len;
    }
    if (this.payloadLen > 0) {
      if (<i64>(cap - off) < <i64>1 + <i64>this.payloadLen) return E_BUFFER_TOO_SMALL;
      store<u8>(buf + <usize>off, <u8>COAP_PAYLOAD_MARKER);
      memory.copy(buf + <usize>(off + 1), this.payload, <usize>this.payloadLen);
      off += 1 + this.payloadLen;
    }
    return off;
  }
}

// RFC 7252 §3.1: values 0-12 in the nibble, 13-268 as 13 + one byte, 269-65804 as 14 + two bytes.
@inline function nibble(v: i32): i32 { return v < 13 ? v : v < 269 ? 13 : 14; }
@inline function extSize(v: i32): i32 { return v < 13 ? 0 : v < 269 ? 1 : 2; }
function putExt(buf: usize, o: i32, v: i32): i32 {
  if (v < 13) return o;
  if (v < 269) { store<u8>(buf + <usize>o, <u8>(v - 13)); return o + 1; }
  const x = v - 269;
  store<u8>(buf + <usize>o, <u8>(x >> 8));
  store<u8>(buf + <usize>o + 1, <u8>x);
  return o + 2;
}
