// Entry of the EST-oscore client module (build/client.wasm).
//
// Exports the module ABI (see abi.ts) and maps command names to their implementations. Each command is a
// small state machine: it returns PENDING and registers datagram/timer handlers while it waits.

import { OK, E_UNKNOWN_COMMAND } from "./errors";
import { registerCommands, argIs, fail, failDetail, argPtr, argLen, output, flushOut } from "./runtime";
import { selftestStart } from "./selftest";
import { vectorCommand } from "./vectors";
import { coapCommand, oscoreCommand } from "./coapcmd";
import { discoverCommand } from "./discover";
import { enrollCommand } from "./est/enroll";

export {
  abi_version, io_buffer, io_capacity, start, on_datagram, on_timer, next_deadline, cancel,
  last_error, error_detail, error_detail_len, heap_top,
} from "./runtime";

/** Module version, printed by `version`. */
const VERSION = "0.1.0";

function dispatch(): i32 {
  if (argIs(0, "selftest")) return selftestStart();
  if (argIs(0, "vector")) return vectorCommand();
  if (argIs(0, "coap")) return coapCommand();
  if (argIs(0, "oscore")) return oscoreCommand();
  if (argIs(0, "enroll")) return enrollCommand();
  if (argIs(0, "discover")) return discoverCommand();
  if (argIs(0, "version")) {
    output.str("est-oscore client module ").str(VERSION).byte(0x0a);
    flushOut();
    return OK;
  }
  fail(E_UNKNOWN_COMMAND, "unknown command: ");
  failDetail().bytes(argPtr(0), argLen(0) < 64 ? argLen(0) : 64);
  return E_UNKNOWN_COMMAND;
}

registerCommands(dispatch);
