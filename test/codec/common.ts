// Shared output helpers of the codec test module (test/codec/entry.ts). Not part of the product.

import { OK, E_BUFFER_TOO_SMALL, statusName } from "../../assembly/base/errors";
import { output, flushOut, Writer } from "../../assembly/app/output";
import { fail } from "../common/text";

/** Scratch text (diagnostic notation, JSON) built before it is printed, hex-encoded in `vector` answers. */
export const TEXT_CAP: i32 = 8192;
export const text = new Writer(memory.data(TEXT_CAP, 16), TEXT_CAP);
/** Output buffer of encoders, with one canary byte after OUT_CAP. */
export const OUT_CAP: i32 = 4096;
export const outBuf = memory.data(OUT_CAP + 1, 16);

/** Report a codec status: on a command line it fails the command; in `vector` it answers {"error":NAME}. */
export function refused(vector: bool, st: i32): i32 {
  if (!vector) return fail(st, statusName(st));
  output.str("{\"error\":\"").str(statusName(st)).str("\"}\n");
  flushOut();
  return OK;
}

/** Print `text`: raw plus a newline on a command line, {"KEY":"HEX"} in `vector`. */
export function textOut(vector: bool, key: string): i32 {
  if (text.overflow) return refused(vector, E_BUFFER_TOO_SMALL);
  if (vector) output.str("{\"").str(key).str("\":\"").hex(text.ptr, text.len).str("\"}\n");
  else output.bytes(text.ptr, text.len).byte(0x0a);
  flushOut();
  return OK;
}
