// The device's wall-clock time for the certificate's life cycle (est/life.ts): seconds since 1970, or -1 when
// the device does not know it. Everything in the life cycle asks clockNow(), so another time source (a board
// real-time clock, a last-known-good time kept in the key store) replaces this file's body and nothing else.
//
// Today's source: the time the host gave with the command (`--now SECONDS`: the C API's time callback,
// est-sim's system clock), moved on by the board's monotonic clock (base/abi.ts clock_ms) while the command
// runs. A command without --now runs without wall time: nothing is judged due or expired.
//
// Deliberately not here: validity checks of certificates in a chain (pki/), keeping time across resets.

import * as board from "../base/abi";

let given: i64 = -1;
let givenAt: i64 = 0;

/** The wall time now (seconds since 1970) as the host gave it; -1 forgets it. Called once per command. */
export function clockSet(seconds: i64): void { given = seconds; givenAt = board.clock_ms(); }

/** Seconds since 1970, or -1 when the device does not know the time. */
export function clockNow(): i64 { return given < 0 ? -1 : given + (board.clock_ms() - givenAt) / 1000; }
