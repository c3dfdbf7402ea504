// Entry of the simulator module (build/sim.wasm): the desktop simulator's debugging commands, built from the
// same sources as the device module (app/device.ts) but never flashed to a board. est-sim runs `enroll` and
// `status` with the device module, so the simulator enrolls exactly as a board does; these commands help to
// look at a server and at the module's parts:
//
//   coap METHOD [options] URI     a CoAP request (app/coapcmd.ts)
//   oscore METHOD [options] URI   the same under OSCORE, after EDHOC if asked (app/coapcmd.ts)
//   discover [--json] URI         the server's EST resources (app/discover.ts)
//   vector JSON                   one known-answer or differential test of a primitive (app/vectors.ts)
//   selftest [--json]             the board's RNG, clock, timers and key store through the ABI (app/selftest.ts)
//   version                       the module's version

import "../crypto/soft"; // the module's own crypto provider, for what the board lacks (crypto/index.ts)
import { OK, E_UNKNOWN_COMMAND } from "../base/errors";
import { failWith } from "../base/diag";
import { M_UNKNOWN_COMMAND } from "../base/msg";
import { IO_CAPACITY, COAP_RESPONSE_CAPACITY } from "../base/config";
import { coapClientSetup } from "../coap/client";
import { registerCommands, argIs, argPtr, argLen } from "./runtime";
import { output, flushOut } from "./output";
import { selftestStart } from "./selftest";
import { vectorCommand } from "./vectors";
import { coapCommand, oscoreCommand } from "./coapcmd";
import { discoverCommand } from "./discover";

export {
  abi_version, io_buffer, io_capacity, start, on_datagram, on_timer, next_deadline, cancel,
  last_error, error_detail, error_detail_len, result, result_len, heap_top,
} from "./runtime";

/** Module version, printed by `version`. */
const VERSION = "0.2.0";

function dispatch(): i32 {
  if (argIs(0, "selftest")) return selftestStart();
  if (argIs(0, "vector")) return vectorCommand();
  if (argIs(0, "coap")) return coapCommand();
  if (argIs(0, "oscore")) return oscoreCommand();
  if (argIs(0, "discover")) return discoverCommand();
  if (argIs(0, "version")) {
    output.str("est-oscore simulator module ").str(VERSION).byte(0x0a);
    flushOut();
    return OK;
  }
  return failWith(E_UNKNOWN_COMMAND, M_UNKNOWN_COMMAND).bytes(argPtr(0), argLen(0) < 64 ? argLen(0) : 64).ret();
}

registerCommands(dispatch, IO_CAPACITY);
coapClientSetup(COAP_RESPONSE_CAPACITY);
