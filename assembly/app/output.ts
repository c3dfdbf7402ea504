// Command output as text, for the simulator's commands and the test entries (build/sim.wasm and the test
// modules): a writer over a fixed buffer that hands full pieces to board.out. Apart from app/runtime.ts so that
// the device module, whose results leave as result records (base/result.ts), carries neither it nor its buffer.
//
// Deliberately not here: what a command prints (its own file).

import * as board from "../base/abi";
import { OUT_CAPACITY } from "../base/config";

// ---- Text writer over a fixed buffer (the simulator's command output) -------------------------------------

/** Appends text and numbers to a caller-owned fixed buffer. Overflow sets `overflow` and drops the rest,
 *  so a too-long text is cut, never written past the end; a streaming writer hands a full buffer to
 *  board.out instead. */
export class Writer {
  len: i32 = 0;
  overflow: bool = false;
  constructor(public ptr: usize, public cap: i32, public streaming: bool = false) {}

  reset(): Writer { this.len = 0; this.overflow = false; return this; }

  byte(b: i32): Writer {
    if (this.len == this.cap && this.streaming) { board.out(this.ptr, this.len); this.len = 0; }
    if (this.len < this.cap) { store<u8>(this.ptr + <usize>this.len, <u8>b); this.len++; }
    else this.overflow = true;
    return this;
  }

  /** Append an AssemblyScript string as UTF-8 (BMP characters; surrogates become '?'). */
  str(s: string): Writer {
    for (let i = 0, n = s.length; i < n; i++) {
      const c = <i32>s.charCodeAt(i);
      if (c < 0x80) this.byte(c);
      else if (c < 0x800) { this.byte(0xc0 | (c >> 6)); this.byte(0x80 | (c & 0x3f)); }
      else if (c >= 0xd800 && c < 0xe000) this.byte(0x3f);
      else { this.byte(0xe0 | (c >> 12)); this.byte(0x80 | ((c >> 6) & 0x3f)); this.byte(0x80 | (c & 0x3f)); }
    }
    return this;
  }

  bytes(p: usize, n: i32): Writer {
    for (let i = 0; i < n; i++) this.byte(<i32>load<u8>(p + <usize>i));
    return this;
  }

  dec(v: i64): Writer {
    if (v < 0) { this.byte(0x2d); if (v == i64.MIN_VALUE) return this.str("9223372036854775808"); v = -v; }
    let div: i64 = 1;
    while (v / div >= 10) div *= 10;
    while (div > 0) { this.byte(<i32>(0x30 + (v / div) % 10)); div /= 10; }
    return this;
  }

  hex(p: usize, n: i32): Writer {
    for (let i = 0; i < n; i++) {
      const b = <i32>load<u8>(p + <usize>i);
      this.byte(hexDigit(b >> 4)); this.byte(hexDigit(b & 15));
    }
    return this;
  }

  /** Append bytes as the inside of a JSON string: quote, backslash and control characters escaped. */
  json(p: usize, n: i32): Writer {
    for (let i = 0; i < n; i++) {
      const c = <i32>load<u8>(p + <usize>i);
      if (c == 0x22 || c == 0x5c) { this.byte(0x5c); this.byte(c); }
      else if (c < 0x20) { this.str("\\u00"); this.byte(hexDigit(c >> 4)); this.byte(hexDigit(c & 15)); }
      else this.byte(c);
    }
    return this;
  }
}

@inline function hexDigit(v: i32): i32 { return v < 10 ? 0x30 + v : 0x57 + v; }

/** Command output: format into `output`, then `flushOut()` hands the rest to board.out. Long output is
 *  handed over in OUT_CAPACITY pieces as it is written. */
export const output = new Writer(memory.data(OUT_CAPACITY, 8), OUT_CAPACITY, true);

export function flushOut(): void {
  if (output.len > 0) board.out(output.ptr, output.len);
  output.reset();
}
