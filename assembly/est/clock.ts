// The device's wall-clock time for the certificate's life cycle (est/life.ts): seconds since 1970, or -1 when
// the device does not know it. The source is pki/time.ts, the one the certificate checks use: the board's
// real-time clock, or the time the host gave with the command (`--now SECONDS`: the C API's time callback,
// est-sim's system clock) moved on by the board's monotonic clock. The last-known-good time (a lower bound)
// does not count here: judged by it, nothing would ever fall due.
//
// Deliberately not here: validity checks of certificates in a chain (pki/path.ts), keeping time across resets.

import { timeGiven, timeNow, timeIsReal } from "../pki/time";

/** The wall time now (seconds since 1970) as the host gave it; -1 forgets it. Called once per command. */
export function clockSet(seconds: i64): void { timeGiven(seconds); }

/** Seconds since 1970, or -1 when the device does not know the time. */
export function clockNow(): i64 {
  const t = timeNow();
  return timeIsReal() ? t : -1;
}
