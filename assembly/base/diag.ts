// Diagnostics as numbers: the detail of the last failure and every log line leave the module as an event
// record — a message id and its arguments — and the host renders the text from the message table
// (assembly/base/messages.txt, generated into base/msg.ts for the module and into the C and Node hosts by
// tools/gen-messages.ts). The module carries no message text, so its size and its RAM do not grow with the
// words a message needs, and every host prints the same text for the same record.
//
// Event record, little-endian:  u16 message id, then one field per placeholder of the message's text, in
// order: {d} {c} {e} an i64 (8 bytes); {x} {s} a u16 length and that many bytes.
//
// Deliberately not here: formatting (the hosts do it), command output (app/runtime.ts), the status table
// (errors.ts).

import * as board from "./abi";
import { OK } from "./errors";
import { ERROR_DETAIL_CAPACITY, LOG_CAPACITY } from "./config";
import { M_STATUS } from "./msg";

/** Appends an event record to a caller-owned fixed buffer. Fields that do not fit are dropped whole and
 *  `overflow` is set: a record is never cut inside a field. */
export class Event {
  len: i32 = 0;
  overflow: bool = false;
  /** The status a failure record stands for, returned by ret(). */
  code: i32 = OK;
  constructor(public ptr: usize, public cap: i32) {}

  /** Start a record with message `id`. */
  begin(id: u16): Event {
    store<u16>(this.ptr, id);
    this.len = 2;
    this.overflow = false;
    return this;
  }

  /** An integer argument ({d}, {c}, {e}). */
  int(v: i64): Event {
    if (this.len + 8 > this.cap) { this.overflow = true; return this; }
    store<i64>(this.ptr + <usize>this.len, v);
    this.len += 8;
    return this;
  }

  /** A byte-string argument ({x}, {s}), cut to what fits when it is longer. */
  bytes(p: usize, n: i32): Event {
    if (this.len + 2 > this.cap) { this.overflow = true; return this; }
    let k = n < 0 ? 0 : n;
    if (this.len + 2 + k > this.cap) { k = this.cap - this.len - 2; this.overflow = true; }
    store<u16>(this.ptr + <usize>this.len, <u16>k);
    memory.copy(this.ptr + <usize>(this.len + 2), p, <usize>k);
    this.len += 2 + k;
    return this;
  }

  /** A byte-string argument from an ASCII string (for the simulator's commands; device code passes bytes). */
  ascii(s: string): Event {
    const n = s.length;
    if (this.len + 2 + n > this.cap) { this.overflow = true; return this; }
    store<u16>(this.ptr + <usize>this.len, <u16>n);
    for (let i = 0; i < n; i++) store<u8>(this.ptr + <usize>(this.len + 2 + i), <u8>s.charCodeAt(i));
    this.len += 2 + n;
    return this;
  }

  /** The status of the failure this record details, for `return failWith(...).int(n).ret()`. */
  ret(): i32 { return this.code; }

  /** Hand a log record to the board at a level (LOG_*). */
  emit(level: i32): void { board.log(level, this.ptr, this.len); }
}

const detail = new Event(memory.data(ERROR_DETAIL_CAPACITY, 8), ERROR_DETAIL_CAPACITY);
const line = new Event(memory.data(LOG_CAPACITY, 8), LOG_CAPACITY);
let lastError: i32 = OK;

/** Record a failure: its status and the message that details it. Returns the status: `return fail(E_X, M_...)`. */
export function fail(code: i32, id: u16): i32 {
  lastError = code;
  detail.begin(id).code = code;
  return code;
}

/** fail() with arguments to follow: `return failWith(E_X, M_...).int(n).ret()`. */
export function failWith(code: i32, id: u16): Event {
  fail(code, id);
  return detail;
}

/** Start a log line: `logMsg(M_...).int(n).emit(LOG_INFO)`. */
export function logMsg(id: u16): Event { return line.begin(id); }

/** The status of the last failure (OK after a success) and its detail record. */
export function lastStatus(): i32 { return lastError; }
export function detailPtr(): usize { return detail.ptr; }
export function detailLen(): i32 { return detail.len; }

/** Forget the last failure (a command starts, or ended well). */
export function clearFailure(): void { lastError = OK; detail.len = 0; }

/** A status ended a command without a record of its own: detail it by its name (M_STATUS, "{e}"). */
export function failBare(code: i32): void {
  if (lastError == code && detail.len > 0) return;
  lastError = code;
  detail.begin(M_STATUS).int(code).code = code;
}
