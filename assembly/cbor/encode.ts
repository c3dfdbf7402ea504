// CBOR encoder (RFC 8949) writing into a caller-owned buffer. Every function takes (buf, cap, off): the buffer,
// its capacity in bytes and the offset to write at, and returns the offset after what it wrote, or a negative
// status. A negative `off` is passed through unchanged, so a run of calls can be chained and checked once:
//
//   let o = cborArray(buf, cap, 0, 2);
//   o = cborUint(buf, cap, o, 7);
//   o = cborBstr(buf, cap, o, p, n);
//   if (o < 0) return o;
//
// Output is always in deterministic form (RFC 8949 §4.2.1): shortest integer/length/float encodings and
// definite lengths only. A CBOR sequence (RFC 8742) is just items written one after another.
// Statuses: E_BUFFER_TOO_SMALL when the item does not fit (nothing is written past cap, and nothing at all of
// that item), E_USAGE for an invalid argument (negative length, a simple value 24-31, non-ASCII in cborText).
//
// Deliberately not here: indefinite lengths, map key sorting (callers emit keys in the required order),
// bignums.

import { E_BUFFER_TOO_SMALL, E_USAGE } from "../base/errors";
import { MT_UINT, MT_NINT, MT_BSTR, MT_TSTR, MT_ARRAY, MT_MAP, MT_TAG, MT_SIMPLE } from "./decode";
import { doubleToHalf, doubleToSingle } from "./float";

/** Bytes the header of an item with argument v takes (1, 2, 3, 5 or 9). */
export function cborHeadSize(v: u64): i32 {
  return v < 24 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffff ? 5 : 9;
}

@inline function room(cap: i32, off: i32, n: i64): bool { return off <= cap && <i64>(cap - off) >= n; }

function putBE(p: usize, v: u64, n: i32): void {
  for (let i = n - 1; i >= 0; i--) { store<u8>(p + <usize>i, <u8>v); v >>= 8; }
}

/** Write a header: major type (0-7) and argument v in its shortest form. */
export function cborHead(buf: usize, cap: i32, off: i32, major: i32, v: u64): i32 {
  if (off < 0) return off;
  const n = cborHeadSize(v);
  if (!room(cap, off, n)) return E_BUFFER_TOO_SMALL;
  const p = buf + <usize>off;
  const mt = (major & 7) << 5;
  if (n == 1) store<u8>(p, <u8>(mt | <i32>v));
  else {
    store<u8>(p, <u8>(mt | (n == 2 ? 24 : n == 3 ? 25 : n == 5 ? 26 : 27)));
    putBE(p + 1, v, n - 1);
  }
  return off + n;
}

/** Unsigned integer 0 .. 2^64-1. */
export function cborUint(buf: usize, cap: i32, off: i32, v: u64): i32 { return cborHead(buf, cap, off, MT_UINT, v); }

/** Negative integer -1-n for n in 0 .. 2^64-1 (the full major type 1 range). */
export function cborNint(buf: usize, cap: i32, off: i32, n: u64): i32 { return cborHead(buf, cap, off, MT_NINT, n); }

/** Signed integer (major type 0 or 1 as its sign requires). */
export function cborInt(buf: usize, cap: i32, off: i32, v: i64): i32 {
  return v >= 0 ? cborHead(buf, cap, off, MT_UINT, <u64>v) : cborHead(buf, cap, off, MT_NINT, <u64>(-1 - v));
}

function cborString(buf: usize, cap: i32, off: i32, major: i32, p: usize, n: i32): i32 {
  if (off < 0) return off;
  if (n < 0) return E_USAGE;
  if (!room(cap, off, <i64>cborHeadSize(<u64>n) + <i64>n)) return E_BUFFER_TOO_SMALL;
  const o = cborHead(buf, cap, off, major, <u64>n);
  memory.copy(buf + <usize>o, p, <usize>n);
  return o + n;
}

/** Byte string with the n bytes at p (p may lie inside buf; overlapping moves are handled). */
export function cborBstr(buf: usize, cap: i32, off: i32, p: usize, n: i32): i32 { return cborString(buf, cap, off, MT_BSTR, p, n); }
/** Text string with the n UTF-8 bytes at p (not validated). */
export function cborTstr(buf: usize, cap: i32, off: i32, p: usize, n: i32): i32 { return cborString(buf, cap, off, MT_TSTR, p, n); }

/** Header of a byte string of n bytes, for content the caller writes right after it (e.g. a wrapped item). */
export function cborBstrHead(buf: usize, cap: i32, off: i32, n: i32): i32 {
  if (n < 0) return off < 0 ? off : E_USAGE;
  return cborHead(buf, cap, off, MT_BSTR, <u64>n);
}

/** Text string from an AssemblyScript string of ASCII characters (labels such as "Signature1"). */
export function cborText(buf: usize, cap: i32, off: i32, s: string): i32 {
  if (off < 0) return off;
  const n = s.length;
  if (!room(cap, off, <i64>cborHeadSize(<u64>n) + <i64>n)) return E_BUFFER_TOO_SMALL;
  for (let i = 0; i < n; i++) if (<u32>s.charCodeAt(i) >= 0x80) return E_USAGE;
  const o = cborHead(buf, cap, off, MT_TSTR, <u64>n);
  for (let i = 0; i < n; i++) store<u8>(buf + <usize>(o + i), <u8>s.charCodeAt(i));
  return o + n;
}

/** Array header for n items (the items follow). */
export function cborArray(buf: usize, cap: i32, off: i32, n: u64): i32 { return cborHead(buf, cap, off, MT_ARRAY, n); }
/** Map header for n key/value pairs (2n items follow). */
export function cborMap(buf: usize, cap: i32, off: i32, n: u64): i32 { return cborHead(buf, cap, off, MT_MAP, n); }
/** Tag number t (the tagged item follows). */
export function cborTag(buf: usize, cap: i32, off: i32, t: u64): i32 { return cborHead(buf, cap, off, MT_TAG, t); }

/** Simple value 0-23 or 32-255 (RFC 8949 §3.3); 24-31 are E_USAGE. */
export function cborSimple(buf: usize, cap: i32, off: i32, v: i32): i32 {
  if (off < 0) return off;
  if (v < 0 || v > 255 || (v >= 24 && v < 32)) return E_USAGE;
  return cborHead(buf, cap, off, MT_SIMPLE, <u64>v);
}
export function cborBool(buf: usize, cap: i32, off: i32, b: bool): i32 { return cborSimple(buf, cap, off, b ? 21 : 20); }
export function cborNull(buf: usize, cap: i32, off: i32): i32 { return cborSimple(buf, cap, off, 22); }
export function cborUndefined(buf: usize, cap: i32, off: i32): i32 { return cborSimple(buf, cap, off, 23); }

/** Float given as a binary64 bit pattern, written in the shortest of half/single/double that keeps the
 *  value exactly (NaN payloads included; RFC 8949 §4.2.1 preferred serialization). */
export function cborFloat(buf: usize, cap: i32, off: i32, bits: u64): i32 {
  if (off < 0) return off;
  let ai = 27, n = 8;
  let v = bits;
  const h = doubleToHalf(bits);
  if (h >= 0) { ai = 25; n = 2; v = <u64>h; }
  else {
    const s = doubleToSingle(bits);
    if (s >= 0) { ai = 26; n = 4; v = <u64>s; }
  }
  if (!room(cap, off, 1 + n)) return E_BUFFER_TOO_SMALL;
  const p = buf + <usize>off;
  store<u8>(p, <u8>((MT_SIMPLE << 5) | ai));
  putBE(p + 1, v, n);
  return off + 1 + n;
}

/** Copy n bytes that are already CBOR (an encoded item or sequence) to buf at off. */
export function cborRaw(buf: usize, cap: i32, off: i32, p: usize, n: i32): i32 {
  if (off < 0) return off;
  if (n < 0) return E_USAGE;
  if (!room(cap, off, n)) return E_BUFFER_TOO_SMALL;
  memory.copy(buf + <usize>off, p, <usize>n);
  return off + n;
}

/** Make the bytes buf[start, end) that are already written one byte string item, in place: they move right by
 *  the header size and the header goes at start (for `<< ... >>` structures such as EDHOC's context_2 or a
 *  COSE external_aad). Returns the new end, a negative `end` unchanged, E_USAGE for a bad range, or
 *  E_BUFFER_TOO_SMALL when the header does not fit before cap (nothing is moved then). */
export function cborWrapBstr(buf: usize, cap: i32, start: i32, end: i32): i32 {
  if (end < 0) return end;
  if (start < 0 || end < start || end > cap) return E_USAGE;
  const n = end - start;
  const h = cborHeadSize(<u64>n);
  if (cap - end < h) return E_BUFFER_TOO_SMALL;
  memory.copy(buf + <usize>(start + h), buf + <usize>start, <usize>n);
  cborHead(buf, cap, start, MT_BSTR, <u64>n);
  return end + h;
}
