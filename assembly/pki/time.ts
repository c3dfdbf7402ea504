// The time certificates are judged by (RFC 5280 §6.1.3 (a)(2)): the board's real-time clock where it has one
// (board.real_time_s) — or, before it, the wall time the host gave with the command (`--now SECONDS`: the C
// API's time source, est/clock.ts) moved on by the board's monotonic clock — else the last-known-good time kept in the key store (STORE_ID_TIME_LKG), a lower bound of
// the real time: the latest notBefore of any certificate whose path verified (pki/path.ts moves it forward).
// With the lower bound only, an expired certificate is still recognised (notAfter before it), a not-yet-valid
// one is not (its notBefore may lie after the bound and still before the real time). docs/certificate-paths.md
// says why and what it costs.
//
// Deliberately not here: getting time from the network (a board's job, behind real_time_s), the dates' checks
// (pki/path.ts).

import * as board from "../base/abi";
import { LOG_DEBUG, LOG_WARN } from "../base/abi";
import { OK } from "../base/errors";
import { logMsg } from "../base/diag";
import { M_TIME_ADVANCED, M_TIME_STORE } from "../base/msg";
import { STORE_ID_TIME_LKG } from "../base/store-ids";

const rec = memory.data(8, 8);
let isReal = false;
let given: i64 = -1;
let givenAt: i64 = 0;

/** The wall time the host gave with this command (seconds since 1970; -1: none). */
export function timeGiven(seconds: i64): void { given = seconds; givenAt = board.clock_ms(); }

/** The last-known-good time, seconds since 1970; 0 when there is none (or its record is unreadable). */
export function timeLastKnownGood(): i64 {
  return board.store_read(STORE_ID_TIME_LKG, rec, 8) == 8 ? bswap<i64>(load<i64>(rec)) : 0;
}

/** The time to judge certificate dates by, seconds since 1970, or -1 when the device knows none. The board's
 *  clock wins unless it is behind the last-known-good time (then it is wrong, and the bound is used). Whether
 *  it was real time: timeIsReal(). */
export function timeNow(): i64 {
  // The host's word for this command wins (it is the application's time source), else the board's clock.
  const t = given >= 0 ? given + (board.clock_ms() - givenAt) / 1000 : board.real_time_s();
  const lkg = timeLastKnownGood();
  isReal = t >= 0 && t >= lkg;
  if (isReal) return t;
  return lkg > 0 ? lkg : -1;
}

/** Whether the last timeNow() was the board's real time (else a lower bound: notBefore cannot be judged). */
export function timeIsReal(): bool { return isReal; }

/** Move the last-known-good time forward to t (seconds since 1970); never back. Returns OK or the store's
 *  status (logged: a device that cannot keep the bound still works, with older knowledge of the time). */
export function timeAdvance(t: i64): i32 {
  const lkg = timeLastKnownGood();
  if (t <= lkg) return OK;
  store<i64>(rec, bswap<i64>(t));
  const st = board.store_write(STORE_ID_TIME_LKG, rec, 8);
  if (st != OK) { logMsg(M_TIME_STORE).int(st).emit(LOG_WARN); return st; }
  logMsg(M_TIME_ADVANCED).int(t).emit(LOG_DEBUG);
  return OK;
}
