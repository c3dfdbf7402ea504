// Test-only CBOR tools on top of assembly/cbor: a diagnostic-notation printer and a deterministic re-encoder.
// Used by the codec test entry (entry.ts); not part of the product module.
//
// Diagnostic notation (RFC 8949 §8) as printed here: integers in decimal, h'..' byte strings, "..." text
// strings (quote, backslash and control characters escaped as \" \\ \u00XX, other bytes raw), [a, b],
// {k: v}, indefinite forms [_ ...], {_ ...}, (_ chunk, ...), tags N(item), false/true/null/undefined,
// simple(N), and floats as float(HHHHHHHHHHHHHHHH): the binary64 bit pattern of the value, because the
// module has no float formatting. Items of a sequence are separated by ", ".

import { OK, E_MALFORMED, E_TOO_DEEP, E_LIMIT } from "../../assembly/base/errors";
import { CBOR_MAX_DEPTH } from "../../assembly/base/config";
import { Writer } from "../../assembly/app/output";
import {
  CborReader, MT_UINT, MT_NINT, MT_BSTR, MT_TSTR, MT_ARRAY, MT_MAP, MT_TAG, AI_INDEFINITE, CBOR_LENGTH_MAX,
} from "../../assembly/cbor/decode";
import {
  cborHead, cborUint, cborNint, cborBstr, cborTstr, cborArray, cborMap, cborTag, cborSimple, cborFloat, cborRaw,
} from "../../assembly/cbor/encode";

function udec(w: Writer, v: u64): void {
  let div: u64 = 1;
  while (v / div >= 10) div *= 10;
  while (div > 0) { w.byte(<i32>(0x30 + (v / div) % 10)); div /= 10; }
}

function diagString(r: CborReader, w: Writer, major: i32): void {
  if (major == MT_BSTR) { w.str("h'").hex(r.ptr, r.size).byte(0x27); return; }
  w.byte(0x22);
  for (let i = 0; i < r.size; i++) {
    const c = <i32>load<u8>(r.ptr + <usize>i);
    if (c == 0x22 || c == 0x5c) { w.byte(0x5c); w.byte(c); }
    else if (c < 0x20) { w.str("\\u00"); w.byte(hexd(c >> 4)); w.byte(hexd(c & 15)); }
    else w.byte(c);
  }
  w.byte(0x22);
}

@inline function hexd(v: i32): i32 { return v < 10 ? 0x30 + v : 0x57 + v; }

/** Print one item (depth = containers already open around it). Returns OK or the decoder's status. */
export function diagItem(r: CborReader, w: Writer, depth: i32): i32 {
  let st = r.head();
  if (st < 0) return st;
  const major = r.major, ai = r.ai, arg = r.arg;
  if (major == MT_UINT) { r.pos += r.headLen; udec(w, arg); return OK; }
  if (major == MT_NINT) {
    r.pos += r.headLen;
    w.byte(0x2d);
    if (arg == u64.MAX_VALUE) w.str("18446744073709551616"); else udec(w, arg + 1);
    return OK;
  }
  if (major == MT_BSTR || major == MT_TSTR) {
    if (ai != AI_INDEFINITE) {
      st = major == MT_BSTR ? r.readBstr() : r.readTstr();
      if (st < 0) return st;
      diagString(r, w, major);
      return OK;
    }
    r.pos += r.headLen;
    w.str("(_ ");
    let first = true;
    for (;;) {
      st = r.head();
      if (st < 0) return st;
      if (r.major == 7 && r.ai == AI_INDEFINITE) { r.pos += 1; break; }
      if (r.major != major || r.ai == AI_INDEFINITE) return E_MALFORMED;
      st = major == MT_BSTR ? r.readBstr() : r.readTstr();
      if (st < 0) return st;
      if (!first) w.str(", ");
      first = false;
      diagString(r, w, major);
    }
    w.byte(0x29);
    return OK;
  }
  if (major == MT_ARRAY || major == MT_MAP) {
    st = major == MT_ARRAY ? r.enterArray() : r.enterMap();
    if (st < 0) return st;
    const n = r.count;
    if (n != 0 && depth == CBOR_MAX_DEPTH) return E_TOO_DEEP;
    w.byte(major == MT_ARRAY ? 0x5b : 0x7b);
    if (n < 0) w.str("_ ");
    for (let i = 0; n < 0 || i < n; i++) {
      if (n < 0 && r.isBreak()) { r.pos++; break; }
      if (i > 0) w.str(", ");
      st = diagItem(r, w, depth + 1);
      if (st < 0) return st;
      if (major == MT_MAP) {
        w.str(": ");
        st = diagItem(r, w, depth + 1);
        if (st < 0) return st;
      }
    }
    w.byte(major == MT_ARRAY ? 0x5d : 0x7d);
    return OK;
  }
  if (major == MT_TAG) {
    r.pos += r.headLen;
    if (depth == CBOR_MAX_DEPTH) return E_TOO_DEEP;
    udec(w, arg);
    w.byte(0x28);
    st = diagItem(r, w, depth + 1);
    if (st < 0) return st;
    w.byte(0x29);
    return OK;
  }
  // major 7
  if (ai == AI_INDEFINITE) return E_MALFORMED; // a break where an item is expected
  if (ai >= 25) {
    st = r.readFloat();
    if (st < 0) return st;
    w.str("float(");
    for (let s = 60; s >= 0; s -= 4) w.byte(hexd(<i32>((r.uvalue >> <u64>s) & 15)));
    w.byte(0x29);
    return OK;
  }
  r.pos += r.headLen;
  if (arg == 20) w.str("false");
  else if (arg == 21) w.str("true");
  else if (arg == 22) w.str("null");
  else if (arg == 23) w.str("undefined");
  else { w.str("simple("); udec(w, arg); w.byte(0x29); }
  return OK;
}

/** Print a whole CBOR sequence (zero or more items). */
export function diagSequence(r: CborReader, w: Writer): i32 {
  let first = true;
  while (!r.atEnd()) {
    if (!first) w.str(", ");
    first = false;
    const st = diagItem(r, w, 0);
    if (st < 0) return st;
  }
  return OK;
}

/** Count items until the break of an indefinite container (the break is not consumed). */
function countUntilBreak(r: CborReader): i32 {
  const save = r.pos;
  let n = 0;
  while (!r.isBreak()) {
    const st = r.skip();
    if (st < 0) return st;
    n++;
  }
  r.pos = save;
  return n;
}

/** Re-encode one item deterministically (definite lengths, shortest forms) into buf at off. Returns the new
 *  offset or a negative status. Map keys keep their order. */
export function reencodeItem(r: CborReader, buf: usize, cap: i32, off: i32, depth: i32): i32 {
  let st = r.head();
  if (st < 0) return st;
  const major = r.major, ai = r.ai, arg = r.arg;
  if (major == MT_UINT) { r.pos += r.headLen; return cborUint(buf, cap, off, arg); }
  if (major == MT_NINT) { r.pos += r.headLen; return cborNint(buf, cap, off, arg); }
  if (major == MT_BSTR || major == MT_TSTR) {
    if (ai != AI_INDEFINITE) {
      st = major == MT_BSTR ? r.readBstr() : r.readTstr();
      if (st < 0) return st;
      return major == MT_BSTR ? cborBstr(buf, cap, off, r.ptr, r.size) : cborTstr(buf, cap, off, r.ptr, r.size);
    }
    r.pos += r.headLen;
    const first = r.pos;
    let total: i64 = 0;
    for (;;) { // pass 1: validate chunks and add up their lengths
      st = r.head();
      if (st < 0) return st;
      if (r.major == 7 && r.ai == AI_INDEFINITE) break;
      if (r.major != major || r.ai == AI_INDEFINITE) return E_MALFORMED;
      st = major == MT_BSTR ? r.readBstr() : r.readTstr();
      if (st < 0) return st;
      total += r.size;
      if (total > <i64>CBOR_LENGTH_MAX) return E_LIMIT;
    }
    off = cborHead(buf, cap, off, major, <u64>total);
    r.pos = first;
    while (!r.isBreak()) { // pass 2: copy
      st = major == MT_BSTR ? r.readBstr() : r.readTstr();
      if (st < 0) return st;
      off = cborRaw(buf, cap, off, r.ptr, r.size);
    }
    r.pos++;
    return off;
  }
  if (major == MT_ARRAY || major == MT_MAP) {
    st = major == MT_ARRAY ? r.enterArray() : r.enterMap();
    if (st < 0) return st;
    let n = r.count;
    const indefinite = n < 0;
    if (n != 0 && depth == CBOR_MAX_DEPTH) return E_TOO_DEEP;
    if (indefinite) {
      n = countUntilBreak(r);
      if (n < 0) return n;
      if (major == MT_MAP) { if ((n & 1) != 0) return E_MALFORMED; n >>= 1; }
    }
    off = major == MT_ARRAY ? cborArray(buf, cap, off, <u64>n) : cborMap(buf, cap, off, <u64>n);
    const items = major == MT_MAP ? n * 2 : n;
    for (let i = 0; i < items; i++) {
      off = reencodeItem(r, buf, cap, off, depth + 1);
      if (off < 0) return off;
    }
    if (indefinite) r.pos++;
    return off;
  }
  if (major == MT_TAG) {
    r.pos += r.headLen;
    if (depth == CBOR_MAX_DEPTH) return E_TOO_DEEP;
    off = cborTag(buf, cap, off, arg);
    return reencodeItem(r, buf, cap, off, depth + 1);
  }
  if (ai == AI_INDEFINITE) return E_MALFORMED;
  if (ai >= 25) {
    st = r.readFloat();
    if (st < 0) return st;
    return cborFloat(buf, cap, off, r.uvalue);
  }
  r.pos += r.headLen;
  return cborSimple(buf, cap, off, <i32>arg);
}
