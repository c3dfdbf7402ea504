// `selftest [--json]`: checks the board the module runs on, through the ABI only.
//
// Steps: ABI and memory facts; two RNG draws (non-constant, different); the clock and the event loop (a
// timer of SELFTEST_TIMER_MS must not fire early); a key-store round trip on the reserved scratch record
// (write, read back, compare, erase, confirm gone). Records other than the scratch id are never touched.
// Output: one line per step, or one JSON object with --json. Status OK only when every step passed.

import * as board from "./abi";
import { OK, PENDING, E_USAGE, E_STORE_NOT_FOUND, E_INTERNAL, statusName } from "./errors";
import { output, flushOut, argc, argIs, fail, failDetail, setJob, setDeadline, heap_top } from "./runtime";
import { STORE_ID_SELFTEST } from "./store-ids";

const SELFTEST_TIMER_MS: i64 = 20;
const scratch = memory.data(64, 8);
const readBack = memory.data(64, 8);

let json = false;
let failures = 0;
let steps = 0;
let timerArmedAt: i64 = 0;

function step(name: string, ok: bool, note: string, status: i32 = 0): void {
  if (!ok) failures++;
  if (json) {
    if (steps > 0) output.byte(0x2c);
    output.str("{\"step\":\"").str(name).str("\",\"ok\":").str(ok ? "true" : "false");
    output.str(",\"note\":\"").str(note);
    if (status != 0) output.str(" (").str(statusName(status)).str(")");
    output.str("\"}");
  } else {
    output.str(ok ? "ok    " : "FAIL  ").str(name).str(": ").str(note);
    if (status != 0) output.str(" (").str(statusName(status)).str(")");
    output.byte(0x0a);
    flushOut();
  }
  steps++;
}

function allSame(p: usize, n: i32): bool {
  for (let i = 1; i < n; i++) if (load<u8>(p + <usize>i) != load<u8>(p)) return false;
  return true;
}

function differs(a: usize, b: usize, n: i32): bool {
  let d: i32 = 0;
  for (let i = 0; i < n; i++) d |= <i32>(load<u8>(a + <usize>i) ^ load<u8>(b + <usize>i));
  return d != 0;
}

export function selftestStart(): i32 {
  json = false;
  for (let i = 1; i < argc(); i++) {
    if (argIs(i, "--json")) json = true;
    else return fail(E_USAGE, "selftest: unknown option (usage: selftest [--json])");
  }
  failures = 0;
  steps = 0;
  if (json) output.str("{\"command\":\"selftest\",\"abi_version\":").dec(board.ABI_VERSION)
    .str(",\"memory_pages\":").dec(memory.size()).str(",\"heap_top\":").dec(heap_top()).str(",\"steps\":[");
  else {
    output.str("est-oscore module self-test (ABI ").dec(board.ABI_VERSION).str(", ").dec(memory.size())
      .str(" page(s) of linear memory, heap top ").dec(heap_top()).str(")\n");
    flushOut();
  }

  // RNG: two draws, neither constant, not equal.
  const r1 = board.rng_fill(scratch, 32);
  const r2 = board.rng_fill(scratch + 32, 32);
  if (r1 != OK || r2 != OK) step("rng", false, "rng_fill failed", r1 != OK ? r1 : r2);
  else step("rng", !allSame(scratch, 32) && !allSame(scratch + 32, 32) && differs(scratch, scratch + 32, 32),
    "two 32-byte draws, non-constant and different");

  // Key store round trip on the scratch record.
  storeStep();

  // Clock and event loop: arm a timer and wait for it.
  timerArmedAt = board.clock_ms();
  setJob(ignoreDatagram, timerFired);
  setDeadline(timerArmedAt + SELFTEST_TIMER_MS);
  return PENDING;
}

function storeStep(): void {
  for (let i = 0; i < 48; i++) store<u8>(scratch + <usize>i, <u8>(i * 7 + 3));
  let st = board.store_write(STORE_ID_SELFTEST, scratch, 48);
  if (st != OK) { step("store", false, "write of the scratch record failed", st); return; }
  const n = board.store_read(STORE_ID_SELFTEST, readBack, 64);
  if (n != 48 || differs(scratch, readBack, 48)) {
    board.store_erase(STORE_ID_SELFTEST);
    step("store", false, "scratch record read back wrong", n < 0 ? n : 0);
    return;
  }
  st = board.store_erase(STORE_ID_SELFTEST);
  if (st != OK) { step("store", false, "erase of the scratch record failed", st); return; }
  const gone = board.store_read(STORE_ID_SELFTEST, readBack, 64);
  step("store", gone == E_STORE_NOT_FOUND, "write, read back, erase of the scratch record", gone == E_STORE_NOT_FOUND ? 0 : gone);
}

function ignoreDatagram(addr: usize, addrLen: i32, data: usize, dataLen: i32): i32 { return PENDING; }

function timerFired(): i32 {
  const now = board.clock_ms();
  const waited = now - timerArmedAt;
  step("clock", waited >= SELFTEST_TIMER_MS && now >= timerArmedAt, "timer of 20 ms, monotonic clock");
  if (json) {
    output.str("],\"ok\":").str(failures == 0 ? "true" : "false").str("}\n");
  } else {
    output.str(failures == 0 ? "self-test passed\n" : "self-test FAILED\n");
  }
  flushOut();
  if (failures != 0) {
    fail(E_INTERNAL, "self-test failed: ");
    failDetail().dec(failures).str(" step(s)");
    return E_INTERNAL;
  }
  return OK;
}
