// Failures with a text of their own, for the test modules (test/abi, test/codec, test/edhoc, test/fuzz): the
// product's modules detail failures by message id (assembly/base/messages.txt); a test module may carry its
// words itself, as the argument of message TEXT.

import { failWith, logMsg, Event } from "../../assembly/base/diag";
import { M_TEXT } from "../../assembly/base/msg";

/** Record a failure with a text detail; returns the status. */
export function fail(code: i32, text: string): i32 { return failWith(code, M_TEXT).ascii(text).ret(); }

/** A failure whose text is given as bytes (appended to `prefix`). */
export function failBytes(code: i32, prefix: string, p: usize, n: i32): i32 {
  const e = failWith(code, M_TEXT);
  // One {s} argument: the prefix and the bytes together.
  const buf = memory.data(160, 8);
  let k = 0;
  for (let i = 0; i < prefix.length && k < 160; i++) store<u8>(buf + <usize>(k++), <u8>prefix.charCodeAt(i));
  for (let i = 0; i < n && k < 160; i++) store<u8>(buf + <usize>(k++), load<u8>(p + <usize>i));
  return e.bytes(buf, k).ret();
}

/** A log line with a text of its own. */
export function logText(level: i32, p: usize, n: i32): void { logMsg(M_TEXT).bytes(p, n).emit(level); }
