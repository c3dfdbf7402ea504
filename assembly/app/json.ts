// A reader for one flat JSON object, as the vector runner receives it: {"key": value, ...} where a value is a
// string without escapes, a non-negative integer, true or false. Nested values, escapes and duplicate keys
// are rejected with E_MALFORMED; the reader never reads outside the given bytes and allocates nothing.
//
// Strings are left in place; jsonHex() decodes a hex string into the same bytes (each output byte is
// written at or before the hex digits it came from), so operands need no extra buffer.

import { OK, E_MALFORMED, E_LIMIT } from "../base/errors";
import { fail, failWith } from "../base/diag";
import { hexValue } from "./runtime";
import { M_JSON_OBJECT, M_JSON_TRAILING, M_JSON_FIELDS, M_JSON_KEY, M_JSON_DUPLICATE, M_JSON_COLON, M_JSON_NO_VALUE, M_JSON_STRING, M_JSON_VALUE, M_JSON_COMMA, M_JSON_NO_HEX, M_JSON_ODD_HEX, M_JSON_LONG, M_JSON_BAD_HEX } from "../base/msg";

const MAX_FIELDS = 16;
const keyPtr = memory.data(MAX_FIELDS * 4, 4);
const keyLen = memory.data(MAX_FIELDS * 4, 4);
const valPtr = memory.data(MAX_FIELDS * 4, 4);
const valLen = memory.data(MAX_FIELDS * 4, 4);
const valKind = memory.data(MAX_FIELDS, 1);
let nfields = 0;

export const KIND_STRING: u8 = 1;
export const KIND_NUMBER: u8 = 2;
export const KIND_TRUE: u8 = 3;
export const KIND_FALSE: u8 = 4;

@inline function at(p: usize, i: i32): i32 { return <i32>load<u8>(p + <usize>i); }
@inline function isSpace(c: i32): bool { return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d; }

function skip(p: usize, n: i32, i: i32): i32 { while (i < n && isSpace(at(p, i))) i++; return i; }

/** Read a string starting at the opening quote p[i]; stores its inside in (sp, sl). Returns the index after
 *  the closing quote, or -1. */
let sp: usize = 0;
let sl: i32 = 0;
function readString(p: usize, n: i32, i: i32): i32 {
  if (i >= n || at(p, i) != 0x22) return -1;
  const start = i + 1;
  for (let k = start; k < n; k++) {
    const c = at(p, k);
    if (c == 0x22) { sp = p + <usize>start; sl = k - start; return k + 1; }
    if (c == 0x5c || c < 0x20) return -1;
  }
  return -1;
}

function matchLit(p: usize, n: i32, i: i32, lit: string): bool {
  if (n - i < lit.length) return false;
  for (let k = 0; k < lit.length; k++) if (at(p, i + k) != <i32>lit.charCodeAt(k)) return false;
  return true;
}

/** Parse the object in p[0..n). Returns OK or E_MALFORMED / E_LIMIT (with a detail). */
export function jsonParse(p: usize, n: i32): i32 {
  nfields = 0;
  let i = skip(p, n, 0);
  if (i >= n || at(p, i) != 0x7b) return fail(E_MALFORMED, M_JSON_OBJECT);
  i = skip(p, n, i + 1);
  if (i < n && at(p, i) == 0x7d) return skip(p, n, i + 1) == n ? OK : fail(E_MALFORMED, M_JSON_TRAILING);
  for (;;) {
    if (nfields == MAX_FIELDS) return fail(E_LIMIT, M_JSON_FIELDS);
    i = readString(p, n, i);
    if (i < 0) return fail(E_MALFORMED, M_JSON_KEY);
    const kp = sp, kl = sl;
    for (let f = 0; f < nfields; f++) if (sameBytes(kp, kl, <usize>load<u32>(keyPtr + <usize>(f << 2)), load<i32>(keyLen + <usize>(f << 2)))) {
      return fail(E_MALFORMED, M_JSON_DUPLICATE);
    }
    i = skip(p, n, i);
    if (i >= n || at(p, i) != 0x3a) return fail(E_MALFORMED, M_JSON_COLON);
    i = skip(p, n, i + 1);
    if (i >= n) return fail(E_MALFORMED, M_JSON_NO_VALUE);
    let kind: u8 = 0;
    let vp: usize = p + <usize>i, vl = 0;
    const c = at(p, i);
    if (c == 0x22) {
      i = readString(p, n, i);
      if (i < 0) return fail(E_MALFORMED, M_JSON_STRING);
      vp = sp; vl = sl; kind = KIND_STRING;
    } else if (c >= 0x30 && c <= 0x39) {
      while (i < n && at(p, i) >= 0x30 && at(p, i) <= 0x39) { i++; vl++; }
      kind = KIND_NUMBER;
    } else if (matchLit(p, n, i, "true")) { i += 4; kind = KIND_TRUE; }
    else if (matchLit(p, n, i, "false")) { i += 5; kind = KIND_FALSE; }
    else return fail(E_MALFORMED, M_JSON_VALUE);
    const o = <usize>(nfields << 2);
    store<u32>(keyPtr + o, <u32>kp); store<i32>(keyLen + o, kl);
    store<u32>(valPtr + o, <u32>vp); store<i32>(valLen + o, vl);
    store<u8>(valKind + <usize>nfields, kind);
    nfields++;
    i = skip(p, n, i);
    if (i < n && at(p, i) == 0x2c) { i = skip(p, n, i + 1); continue; }
    if (i < n && at(p, i) == 0x7d) return skip(p, n, i + 1) == n ? OK : fail(E_MALFORMED, M_JSON_TRAILING);
    return fail(E_MALFORMED, M_JSON_COMMA);
  }
}

function sameBytes(a: usize, al: i32, b: usize, bl: i32): bool {
  if (al != bl) return false;
  for (let k = 0; k < al; k++) if (load<u8>(a + <usize>k) != load<u8>(b + <usize>k)) return false;
  return true;
}

function find(key: string): i32 {
  for (let f = 0; f < nfields; f++) {
    const o = <usize>(f << 2);
    const kl = load<i32>(keyLen + o);
    if (kl != key.length) continue;
    const kp = <usize>load<u32>(keyPtr + o);
    let same = true;
    for (let k = 0; k < kl; k++) if (at(kp, k) != <i32>key.charCodeAt(k)) { same = false; break; }
    if (same) return f;
  }
  return -1;
}

/** True when the field exists and is the string `value`. */
export function jsonIs(key: string, value: string): bool {
  const f = find(key);
  if (f < 0 || load<u8>(valKind + <usize>f) != KIND_STRING) return false;
  const o = <usize>(f << 2);
  const vl = load<i32>(valLen + o);
  if (vl != value.length) return false;
  const vp = <usize>load<u32>(valPtr + o);
  for (let k = 0; k < vl; k++) if (at(vp, k) != <i32>value.charCodeAt(k)) return false;
  return true;
}

/** Pointer to the raw value of a field (after jsonHex: the decoded bytes). 0 when absent. */
export function jsonPtr(key: string): usize {
  const f = find(key);
  return f < 0 ? 0 : <usize>load<u32>(valPtr + <usize>(f << 2));
}

/** Decode the hex string field `key` in place. Returns the byte count; on a missing field, bad hex, or more
 *  than `max` bytes records E_MALFORMED/E_LIMIT (naming the key) and returns that negative status. The
 *  bytes are at jsonPtr(key) afterwards. Decoding the same field twice is an error (the text is gone). */
export function jsonHex(key: string, max: i32): i32 {
  const f = find(key);
  if (f < 0 || load<u8>(valKind + <usize>f) != KIND_STRING) return failKey(E_MALFORMED, M_JSON_NO_HEX, key);
  const o = <usize>(f << 2);
  const p = <usize>load<u32>(valPtr + o);
  const n = load<i32>(valLen + o);
  if ((n & 1) != 0) return failKey(E_MALFORMED, M_JSON_ODD_HEX, key);
  if ((n >> 1) > max) return failKey(E_LIMIT, M_JSON_LONG, key);
  for (let k = 0; k < n; k += 2) {
    const hi = hexValue(at(p, k)), lo = hexValue(at(p, k + 1));
    if (hi < 0 || lo < 0) return failKey(E_MALFORMED, M_JSON_BAD_HEX, key);
    store<u8>(p + <usize>(k >> 1), <u8>((hi << 4) | lo));
  }
  store<u8>(valKind + <usize>f, 0); // decoded: no longer a string
  return n >> 1;
}

function failKey(code: i32, what: u16, key: string): i32 {
  return failWith(code, what).ascii(key).ret();
}

/** Integer field, or -1 when absent or not a number (at most 9 digits). */
export function jsonInt(key: string): i32 {
  const f = find(key);
  if (f < 0 || load<u8>(valKind + <usize>f) != KIND_NUMBER) return -1;
  const o = <usize>(f << 2);
  const p = <usize>load<u32>(valPtr + o);
  const n = load<i32>(valLen + o);
  if (n > 9) return -1;
  let v = 0;
  for (let k = 0; k < n; k++) v = v * 10 + at(p, k) - 0x30;
  return v;
}
