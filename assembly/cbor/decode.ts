// CBOR decoder (RFC 8949): a cursor over caller-owned bytes (ptr, len) that reads one data item or header at
// a time. Strings are returned as views into the input, never copied. Every read checks the input first and
// returns a status; no input makes it trap, read outside [ptr, ptr+len) or allocate.
//
// Statuses (assembly/errors.ts):
//   E_TRUNCATED      the input ends inside an item (a header argument, a string, a container).
//   E_MALFORMED      not well-formed (RFC 8949 §3, Appendix F): additional information 28-30, a break outside
//                    an indefinite-length item, a two-byte simple value below 32, ai 31 on major types 0/1/6,
//                    a wrong chunk inside an indefinite-length string, an odd number of items in an
//                    indefinite-length map; also a read of the wrong type (readBstr on an integer, ...).
//   E_NON_CANONICAL  strict mode only: an integer, length or count not in its shortest form, a float not in
//                    its shortest exact form, or any indefinite length (RFC 8949 §4.2.1 core deterministic
//                    encoding, required by EDHOC, RFC 9528 §3.1). Also readBstr/readTstr of an
//                    indefinite-length string, which cannot be viewed in place.
//   E_LIMIT          a length or count above 2^31-1, or an integer outside the range a read asked for.
//   E_TOO_DEEP       skip() found more than CBOR_MAX_DEPTH nested arrays/maps/tags.
//   E_TRAILING       finish(): bytes left after the last item.
// The precedence among them follows the bytes: the first problem met reading left to right wins, and within
// one header: truncation, then malformation, then non-canonical form, then depth.
//
// Deliberately not done: UTF-8 validation of text strings, map key order or duplicate-key checks (the
// deterministic-encoding rules for keys are the caller's), tag semantics, bignums, and decoding into trees.

import { OK, E_MALFORMED, E_TRUNCATED, E_TOO_DEEP, E_NON_CANONICAL, E_TRAILING, E_LIMIT } from "../base/errors";
import { CBOR_MAX_DEPTH } from "../base/config";
import { halfToDouble, singleToDouble, doubleToHalf, doubleToSingle } from "./float";

// Major types (RFC 8949 §3.1)
export const MT_UINT: i32 = 0;
export const MT_NINT: i32 = 1;
export const MT_BSTR: i32 = 2;
export const MT_TSTR: i32 = 3;
export const MT_ARRAY: i32 = 4;
export const MT_MAP: i32 = 5;
export const MT_TAG: i32 = 6;
export const MT_SIMPLE: i32 = 7;
/** Additional information 31: indefinite length, or the "break" stop code for major type 7 (RFC 8949 §3.2). */
export const AI_INDEFINITE: i32 = 31;
/** Simple values (RFC 8949 §3.3). */
export const SIMPLE_FALSE: i32 = 20;
export const SIMPLE_TRUE: i32 = 21;
export const SIMPLE_NULL: i32 = 22;
export const SIMPLE_UNDEFINED: i32 = 23;
/** Largest length or count this decoder accepts (a 64 KiB memory holds nothing longer). */
export const CBOR_LENGTH_MAX: u64 = 0x7fffffff;

// Skip stack: per open container, items still expected (definite) and flags.
const FLAG_INDEFINITE: u8 = 1;
const FLAG_MAP: u8 = 2;
const FLAG_ODD: u8 = 4; // indefinite map: an odd number of items so far
const skipRemaining = memory.data(CBOR_MAX_DEPTH * 8, 8);
const skipFlags = memory.data(CBOR_MAX_DEPTH, 1);

/** A read position over a CBOR item or sequence. Create instances once at module level and reset() them. */
export class CborReader {
  /** Input start, length, current offset from start. */
  base: usize = 0;
  len: i32 = 0;
  pos: i32 = 0;
  /** Strict mode: deterministic encoding required (see the file comment). */
  strict: bool = false;

  // Last header decoded by head(): major type, additional information, argument, header size in bytes.
  major: i32 = 0;
  ai: i32 = 0;
  arg: u64 = 0;
  headLen: i32 = 0;

  /** Result of readInt. */
  value: i64 = 0;
  /** Result of readUint, readTag, readSimple; readFloat's binary64 bit pattern. */
  uvalue: u64 = 0;
  /** Result of readFloat: width of the encoded float in bytes (2, 4, 8). */
  floatWidth: i32 = 0;
  /** Result of readBstr/readTstr: a view into the input. */
  ptr: usize = 0;
  size: i32 = 0;
  /** Result of enterArray (items) / enterMap (pairs); -1 for indefinite length (then read until readBreak). */
  count: i32 = 0;
  /** Result of skip(): offset and length of the item just skipped (its full encoding). */
  itemStart: i32 = 0;
  itemLen: i32 = 0;

  /** Start reading len bytes at ptr (caller keeps them alive and unchanged while reading). */
  reset(ptr: usize, len: i32, strict: bool): CborReader {
    this.base = ptr;
    this.len = len < 0 ? 0 : len;
    this.pos = 0;
    this.strict = strict;
    return this;
  }

  /** True when every byte was consumed. */
  atEnd(): bool { return this.pos >= this.len; }
  /** Bytes not consumed yet. */
  remaining(): i32 { return this.len - this.pos; }
  /** OK when every byte was consumed, else E_TRAILING. */
  finish(): i32 { return this.pos == this.len ? OK : E_TRAILING; }

  /** Decode the header at the current position without consuming it (fields major, ai, arg, headLen).
   *  Returns OK (also for a break stop code: major 7, ai 31), E_TRUNCATED, E_MALFORMED or E_NON_CANONICAL. */
  head(): i32 {
    const rem = this.len - this.pos;
    if (rem <= 0) return E_TRUNCATED;
    const p = this.base + <usize>this.pos;
    const ib = <i32>load<u8>(p);
    const major = ib >> 5, ai = ib & 31;
    this.major = major;
    this.ai = ai;
    if (ai < 24) { this.arg = <u64>ai; this.headLen = 1; return OK; }
    if (ai <= 27) {
      const n = 1 << (ai - 24);
      if (rem - 1 < n) return E_TRUNCATED;
      let v: u64 = 0;
      for (let i = 1; i <= n; i++) v = (v << 8) | <u64>load<u8>(p + <usize>i);
      this.arg = v;
      this.headLen = 1 + n;
      if (major == MT_SIMPLE) {
        if (ai == 24) return v < 32 ? E_MALFORMED : OK; // RFC 8949 §3.3: simple values 0-31 use one byte
        if (this.strict && !floatIsShortest(v, ai)) return E_NON_CANONICAL;
        return OK;
      }
      if (this.strict && !argIsShortest(v, ai)) return E_NON_CANONICAL;
      return OK;
    }
    if (ai < 31) return E_MALFORMED; // reserved (RFC 8949 §3)
    this.arg = 0;
    this.headLen = 1;
    if (major == MT_UINT || major == MT_NINT || major == MT_TAG) return E_MALFORMED;
    if (major == MT_SIMPLE) return OK; // break: callers decide whether one is allowed here
    return this.strict ? E_NON_CANONICAL : OK;
  }

  /** Major type (0-7) of the next item, or a negative status (E_TRUNCATED at the end of the input).
   *  A break stop code reports 7; see isBreak(). Consumes nothing. */
  peekType(): i32 {
    const st = this.head();
    return st < 0 ? st : this.major;
  }

  /** True when the next byte is a break stop code (0xff). */
  isBreak(): bool {
    return this.pos < this.len && load<u8>(this.base + <usize>this.pos) == 0xff;
  }

  /** Consume a break stop code ending an indefinite-length array or map; E_MALFORMED when there is none. */
  readBreak(): i32 {
    if (this.pos >= this.len) return E_TRUNCATED;
    if (!this.isBreak()) return E_MALFORMED;
    this.pos++;
    return OK;
  }

  /** Decode the next header, require major type `major`, consume it. */
  private take(major: i32): i32 {
    const st = this.head();
    if (st < 0) return st;
    if (this.major != major || (major == MT_SIMPLE && this.ai == AI_INDEFINITE)) return E_MALFORMED;
    this.pos += this.headLen;
    return OK;
  }

  /** Read an unsigned integer (major 0) into uvalue (full 64-bit range). */
  readUint(): i32 {
    const st = this.take(MT_UINT);
    if (st < 0) return st;
    this.uvalue = this.arg;
    return OK;
  }

  /** Read an integer (major 0 or 1) into value, requiring min <= value <= max; else E_LIMIT (nothing consumed). */
  readInt(min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i32 {
    const st = this.head();
    if (st < 0) return st;
    if (this.major > MT_NINT) return E_MALFORMED;
    if (this.arg > <u64>i64.MAX_VALUE) return E_LIMIT;
    const v: i64 = this.major == MT_UINT ? <i64>this.arg : -1 - <i64>this.arg;
    if (v < min || v > max) return E_LIMIT;
    this.value = v;
    this.pos += this.headLen;
    return OK;
  }

  private readString(major: i32): i32 {
    const st = this.head();
    if (st < 0) return st;
    if (this.major != major) return E_MALFORMED;
    if (this.ai == AI_INDEFINITE) return E_NON_CANONICAL;
    if (this.arg > CBOR_LENGTH_MAX) return E_LIMIT;
    const n = <i32>this.arg;
    if (this.len - this.pos - this.headLen < n) return E_TRUNCATED;
    this.ptr = this.base + <usize>(this.pos + this.headLen);
    this.size = n;
    this.pos += this.headLen + n;
    return OK;
  }

  /** Read a definite-length byte string: view (ptr, size) into the input. */
  readBstr(): i32 { return this.readString(MT_BSTR); }
  /** Read a definite-length text string: view (ptr, size); the UTF-8 is not validated. */
  readTstr(): i32 { return this.readString(MT_TSTR); }

  private enter(major: i32): i32 {
    const st = this.head();
    if (st < 0) return st;
    if (this.major != major) return E_MALFORMED;
    if (this.ai == AI_INDEFINITE) { this.count = -1; this.pos += this.headLen; return OK; }
    if (this.arg > CBOR_LENGTH_MAX) return E_LIMIT;
    this.count = <i32>this.arg;
    this.pos += this.headLen;
    return OK;
  }

  /** Read an array header: count = number of items, or -1 (indefinite; items follow until readBreak()). */
  enterArray(): i32 { return this.enter(MT_ARRAY); }
  /** Read a map header: count = number of key/value pairs, or -1 (indefinite). */
  enterMap(): i32 { return this.enter(MT_MAP); }

  /** Read a tag number into uvalue; the tagged item follows. */
  readTag(): i32 {
    const st = this.take(MT_TAG);
    if (st < 0) return st;
    this.uvalue = this.arg;
    return OK;
  }

  /** Read a simple value (0-19, 20 false, 21 true, 22 null, 23 undefined, 32-255) into uvalue.
   *  A float is E_MALFORMED here (use readFloat). */
  readSimple(): i32 {
    const st = this.head();
    if (st < 0) return st;
    if (this.major != MT_SIMPLE || this.ai > 24) return E_MALFORMED;
    this.uvalue = this.arg;
    this.pos += this.headLen;
    return OK;
  }

  /** Read true or false into value (1 or 0). */
  readBool(): i32 {
    const save = this.pos;
    const st = this.readSimple();
    if (st < 0) return st;
    if (this.uvalue != <u64>SIMPLE_FALSE && this.uvalue != <u64>SIMPLE_TRUE) { this.pos = save; return E_MALFORMED; }
    this.value = this.uvalue == <u64>SIMPLE_TRUE ? 1 : 0;
    return OK;
  }

  /** Consume a null if one is next and return true; otherwise consume nothing and return false. */
  readNull(): bool {
    if (this.pos < this.len && load<u8>(this.base + <usize>this.pos) == 0xf6) { this.pos++; return true; }
    return false;
  }

  /** Read a float of any width; uvalue = its value as a binary64 bit pattern, floatWidth = 2, 4 or 8. */
  readFloat(): i32 {
    const st = this.head();
    if (st < 0) return st;
    if (this.major != MT_SIMPLE || this.ai < 25 || this.ai > 27) return E_MALFORMED;
    const a = this.arg;
    this.uvalue = this.ai == 25 ? halfToDouble(<u32>a) : this.ai == 26 ? singleToDouble(<u32>a) : a;
    this.floatWidth = this.headLen - 1;
    this.pos += this.headLen;
    return OK;
  }

  /** Skip one complete data item of any kind, nested ones included (at most CBOR_MAX_DEPTH arrays, maps and
   *  tags open at once, counted from this item). On OK, itemStart/itemLen give the item's encoding. On an
   *  error the position is left where the problem was found. */
  skip(): i32 {
    const start = this.pos;
    let sp = 0;
    for (;;) {
      let st = this.head();
      if (st < 0) return st;
      const major = this.major, ai = this.ai, arg = this.arg;
      if (major == MT_SIMPLE && ai == AI_INDEFINITE) {
        // A break closes the innermost indefinite-length container, if there is one.
        if (sp == 0) return E_MALFORMED;
        const f = load<u8>(skipFlags + <usize>(sp - 1));
        if ((f & FLAG_INDEFINITE) == 0 || (f & FLAG_ODD) != 0) return E_MALFORMED;
        this.pos += 1;
        sp--;
      } else {
        this.pos += this.headLen;
        if (major == MT_BSTR || major == MT_TSTR) {
          if (ai == AI_INDEFINITE) {
            st = this.skipChunks(major);
            if (st < 0) return st;
          } else {
            if (arg > CBOR_LENGTH_MAX) return E_LIMIT;
            if (<u64>(this.len - this.pos) < arg) return E_TRUNCATED;
            this.pos += <i32>arg;
          }
        } else if (major == MT_ARRAY || major == MT_MAP || major == MT_TAG) {
          let items: i64 = 1;
          let flags: u8 = 0;
          if (ai == AI_INDEFINITE) { items = -1; flags = FLAG_INDEFINITE; }
          else if (major != MT_TAG) {
            if (arg > CBOR_LENGTH_MAX) return E_LIMIT;
            items = major == MT_MAP ? <i64>arg * 2 : <i64>arg;
          }
          if (major == MT_MAP) flags |= FLAG_MAP;
          if (items != 0) {
            if (sp == CBOR_MAX_DEPTH) return E_TOO_DEEP;
            store<i64>(skipRemaining + <usize>(sp << 3), items);
            store<u8>(skipFlags + <usize>sp, flags);
            sp++;
            continue; // the container is complete only when its items are
          }
        }
      }
      // One item is complete: count it in the enclosing containers.
      for (;;) {
        if (sp == 0) { this.itemStart = start; this.itemLen = this.pos - start; return OK; }
        const top = skipFlags + <usize>(sp - 1);
        const f = load<u8>(top);
        if ((f & FLAG_INDEFINITE) != 0) { if ((f & FLAG_MAP) != 0) store<u8>(top, f ^ FLAG_ODD); break; }
        const r = skipRemaining + <usize>((sp - 1) << 3);
        const left = load<i64>(r) - 1;
        if (left > 0) { store<i64>(r, left); break; }
        sp--; // that container is complete too
      }
    }
    return E_MALFORMED; // not reached: the loop above only exits by return
  }

  /** After the header of an indefinite-length string: definite chunks of the same major type until a break. */
  private skipChunks(major: i32): i32 {
    for (;;) {
      const st = this.head();
      if (st < 0) return st;
      if (this.major == MT_SIMPLE && this.ai == AI_INDEFINITE) { this.pos += 1; return OK; }
      if (this.major != major || this.ai == AI_INDEFINITE) return E_MALFORMED;
      if (this.arg > CBOR_LENGTH_MAX) return E_LIMIT;
      this.pos += this.headLen;
      if (<u64>(this.len - this.pos) < this.arg) return E_TRUNCATED;
      this.pos += <i32>this.arg;
    }
    return E_MALFORMED; // not reached: the loop above only exits by return
  }
}

/** True when an integer argument v was encoded with the fewest bytes (ai 24-27). */
function argIsShortest(v: u64, ai: i32): bool {
  if (ai == 24) return v >= 24;
  if (ai == 25) return v > 0xff;
  if (ai == 26) return v > 0xffff;
  return v > 0xffffffff;
}

/** True when a float argument (ai 25 half, 26 single, 27 double) is in its shortest exact width. */
function floatIsShortest(v: u64, ai: i32): bool {
  if (ai == 25) return true;
  const d = ai == 26 ? singleToDouble(<u32>v) : v;
  if (doubleToHalf(d) >= 0) return false;
  return ai == 26 || doubleToSingle(d) < 0;
}
