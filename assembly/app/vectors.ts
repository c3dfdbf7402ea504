// `vector <json>`: the module side of the vector runner (`est-sim vectors`, the Node host's runVectors).
//
// One JSON object in, one JSON line out through board.out: {"out":HEX}, {"ok":BOOL} or, when the primitive
// itself refuses the input (bad tag, invalid point, ...), {"error":"E_NAME"}. A line that is not a valid
// request (bad JSON, unknown op, missing or bad field) makes the command fail with a status; the host then
// prints {"error":NAME,"detail":TEXT}. Operands are decoded in place inside the io buffer.
//
// Each family of primitives handles its own ops in its own file and returns NOT_HANDLED for the others.

import { OK, E_USAGE, E_UNKNOWN_COMMAND, E_INTERNAL, statusName } from "../base/errors";
import { fail } from "../base/diag";
import { M_VEC_USAGE, M_VEC_NO_OP, M_VEC_UNKNOWN_OP } from "../base/msg";
import { argc, argPtr, argLen } from "./runtime";
import { output, flushOut } from "./output";
import { jsonParse, jsonPtr } from "./json";
import { arenaTake, ARENA_VECTORS } from "../base/arena";
import { symmetricOp } from "./vectors-symmetric";
import { curve25519Op } from "./vectors-25519";
import { p256Op } from "./vectors-p256";

/** Returned by a family's op function for an op it does not know. */
export const NOT_HANDLED: i32 = 2;

/** Result scratch for vector ops (the largest output: AES-CCM of a 2 KiB message plus its tag); the arena, taken
 *  for the command (no exchange runs during a vector command). */
export const VECTOR_SCRATCH_CAPACITY: i32 = 2112;
export let vectorScratch: usize = 0;

/** Write {"out":HEX}. Returns OK. */
export function vecOut(p: usize, n: i32): i32 {
  output.str("{\"out\":\"").hex(p, n).str("\"}\n");
  flushOut();
  return OK;
}

/** Write {"ok":true|false}. Returns OK. */
export function vecBool(ok: bool): i32 {
  output.str(ok ? "{\"ok\":true}\n" : "{\"ok\":false}\n");
  flushOut();
  return OK;
}

/** Write {"error":"E_NAME"} for a primitive that refused its input. Returns OK (the line was answered). */
export function vecRefused(status: i32): i32 {
  output.str("{\"error\":\"").str(statusName(status)).str("\"}\n");
  flushOut();
  return OK;
}

export function vectorCommand(): i32 {
  if (argc() != 2) return fail(E_USAGE, M_VEC_USAGE);
  const st = jsonParse(argPtr(1), argLen(1));
  if (st != OK) return st;
  if (jsonPtr("op") == 0) return fail(E_USAGE, M_VEC_NO_OP);
  vectorScratch = arenaTake(ARENA_VECTORS);
  if (vectorScratch == 0) return E_INTERNAL;
  let r = symmetricOp();
  if (r == NOT_HANDLED) r = curve25519Op();
  if (r == NOT_HANDLED) r = p256Op();
  if (r == NOT_HANDLED) {
    fail(E_UNKNOWN_COMMAND, M_VEC_UNKNOWN_OP);
    return E_UNKNOWN_COMMAND;
  }
  return r;
}

