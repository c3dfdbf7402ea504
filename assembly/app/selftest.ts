// `selftest [--json]`: checks the board the module runs on, through the ABI only.
//
// Steps: ABI and memory facts; two RNG draws (non-constant, different); the clock and the event loop (a
// timer of SELFTEST_TIMER_MS must not fire early); a key-store round trip on the reserved scratch record
// (write, read back, compare, erase, confirm gone). Records other than the scratch id are never touched.
// Output: one line per step, or one JSON object with --json. Status OK only when every step passed.

import * as board from "../base/abi";
import { OK, PENDING, E_USAGE, E_STORE_NOT_FOUND, E_INTERNAL, statusName } from "../base/errors";
import { fail, failWith } from "../base/diag";
import { M_SELFTEST_USAGE, M_SELFTEST_FAILED } from "../base/msg";
import { argc, argIs, setJob, setDeadline, heap_top } from "./runtime";
import { output, flushOut } from "./output";
import { STORE_ID_SELFTEST } from "../base/store-ids";
import { sha256, aesCcmSeal, ctEqual } from "../crypto/index";
import { drbgInstantiate, drbgGenerate, drbgWipe } from "../crypto/drbg"; // known-answer test needs the raw DRBG

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
    else return fail(E_USAGE, M_SELFTEST_USAGE);
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

  // Known answers of the cryptographic primitives (power-on self-test).
  cryptoStep();

  // Key store round trip on the scratch record.
  storeStep();

  // Clock and event loop: arm a timer and wait for it.
  timerArmedAt = board.clock_ms();
  setJob(ignoreDatagram, timerFired);
  setDeadline(timerArmedAt + SELFTEST_TIMER_MS);
  return PENDING;
}

// FIPS 180-4 "abc"; RFC 3610 packet vector #1; NIST CAVP HMAC_DRBG SHA-256 count 0 (first 32 bytes).
const ABC_DIGEST = memory.data<u8>([0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
  0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad]);
const CCM_KEY = memory.data<u8>([0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf]);
const CCM_NONCE = memory.data<u8>([0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5]);
const CCM_OUT = memory.data<u8>([0x58, 0x8c, 0x97, 0x9a, 0x61, 0xc6, 0x63, 0xd2, 0xf0, 0x66, 0xd0, 0xc2, 0xc0, 0xf9, 0x89, 0x80,
  0x6d, 0x5f, 0x6b, 0x61, 0xda, 0xc3, 0x84, 0x17, 0xe8, 0xd1, 0x2c, 0xfd, 0xf9, 0x26, 0xe0]);
const DRBG_ENTROPY = memory.data<u8>([0xca, 0x85, 0x19, 0x11, 0x34, 0x93, 0x84, 0xbf, 0xfe, 0x89, 0xde, 0x1c, 0xbd, 0xc4, 0x6e, 0x68,
  0x31, 0xe4, 0x4d, 0x34, 0xa4, 0xfb, 0x93, 0x5e, 0xe2, 0x85, 0xdd, 0x14, 0xb7, 0x1a, 0x74, 0x88]);
const DRBG_NONCE = memory.data<u8>([0x65, 0x9b, 0xa9, 0x6c, 0x60, 0x1d, 0xc6, 0x9f, 0xc9, 0x02, 0x94, 0x08, 0x05, 0xec, 0x0c, 0xa8]);
const DRBG_OUT = memory.data<u8>([0xe5, 0x28, 0xe9, 0xab, 0xf2, 0xde, 0xce, 0x54, 0xd4, 0x7c, 0x7e, 0x75, 0xe5, 0xfe, 0x30, 0x21,
  0x49, 0xf8, 0x17, 0xea, 0x9f, 0xb4, 0xbe, 0xe6, 0xf4, 0x19, 0x96, 0x97, 0xd0, 0x4d, 0x5b, 0x89]);

function cryptoStep(): void {
  const work = memory.data(128, 8);
  for (let i = 0; i < 31; i++) store<u8>(work + 64 + <usize>i, <u8>i); // RFC 3610 #1 packet: header 0..7, payload 8..30
  sha256(memory.data<u8>([0x61, 0x62, 0x63]), 3, work);
  let ok = ctEqual(work, ABC_DIGEST, 32);
  ok = ok && aesCcmSeal(CCM_KEY, CCM_NONCE, 13, work + 64, 8, work + 72, 23, 8, work) == OK && ctEqual(work, CCM_OUT, 31);
  drbgInstantiate(DRBG_ENTROPY, 32, DRBG_NONCE, 16, 0, 0);
  ok = ok && drbgGenerate(work, 128, 0, 0) == OK && drbgGenerate(work, 128, 0, 0) == OK && ctEqual(work, DRBG_OUT, 32);
  drbgWipe();
  step("crypto", ok, "known answers: SHA-256, AES-CCM (RFC 3610 #1), HMAC-DRBG (CAVP)");
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
  if (failures != 0) return failWith(E_INTERNAL, M_SELFTEST_FAILED).int(failures).ret();
  return OK;
}
