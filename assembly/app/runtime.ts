// Runtime glue shared by every entry module (the device module app/device.ts, the simulator module app/sim.ts,
// the test entries): the io buffer, argv, command and job bookkeeping (sans-I/O), the module ABI's exports,
// command output as text for the simulator's commands. The panic handler is app/panic.ts.
//
// It knows no command: an entry registers one start function and, while a command waits, the job's datagram
// and timer handlers. Failure details and log lines are event records (base/diag.ts); the result of a
// device command is the record of base/result.ts. It allocates nothing after start-up.

import * as board from "../base/abi";
import { ABI_VERSION, ADDR_MAX_LEN, IO_PAYLOAD_OFFSET } from "../base/abi";
import { IO_CAPACITY, MAX_ARGS } from "../base/config";
import { OK, PENDING, E_BUSY, E_NO_COMMAND, E_CANCELLED, E_USAGE, E_INTERNAL } from "../base/errors";
import { fail, failBare, clearFailure, lastStatus, detailPtr, detailLen } from "../base/diag";
import { resultClear, resultPtr, resultLen } from "../base/result";
import { arenaReset } from "../base/arena";
import { cryptoStart, keysCloseAll } from "../crypto/index";
import "../base/panic"; // the abort handler (asconfig "use")
import { M_ARGS_TOO_MANY, M_ARGV_UNTERMINATED, M_ARGV_EMPTY, M_ARGV_RANGE, M_BUSY, M_NO_TABLE, M_NO_TIMER, M_CANCELLED } from "../base/msg";

// ---- Fixed buffers ---------------------------------------------------------------------------------------

/** The io buffer: its size is the entry module's (registerCommands), allocated at start-up. */
let io: usize = 0;
let ioCap: i32 = 0;
const argPtrs = memory.data(MAX_ARGS * 4, 4);
const argLens = memory.data(MAX_ARGS * 4, 4);
let nargs: i32 = 0;


// ---- argv ------------------------------------------------------------------------------------------------
// The arguments live in the io buffer: they are valid only while the command's start function runs. A
// command that waits must copy what it needs later (the first datagram overwrites them).

export function argc(): i32 { return nargs; }
export function argPtr(i: i32): usize { return <usize>load<u32>(argPtrs + <usize>(i << 2)); }
export function argLen(i: i32): i32 { return load<i32>(argLens + <usize>(i << 2)); }

/** True when argument i equals the ASCII string s, byte for byte. */
export function argIs(i: i32, s: string): bool {
  if (i >= nargs) return false;
  const n = argLen(i);
  if (n != s.length) return false;
  const p = argPtr(i);
  for (let k = 0; k < n; k++) if (<i32>load<u8>(p + <usize>k) != <i32>s.charCodeAt(k)) return false;
  return true;
}

/** Argument i as a non-negative decimal integer, or -1 when it is not one (or exceeds 2^53). */
export function argUint(i: i32): i64 {
  if (i >= nargs) return -1;
  const n = argLen(i);
  if (n == 0 || n > 16) return -1;
  const p = argPtr(i);
  let v: i64 = 0;
  for (let k = 0; k < n; k++) {
    const c = <i32>load<u8>(p + <usize>k) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Decode argument i as hex into out (cap bytes). Returns the byte count, or -1 on bad hex or overflow. */
export function argHex(i: i32, out: usize, cap: i32): i32 {
  if (i >= nargs) return -1;
  const n = argLen(i);
  if ((n & 1) != 0 || (n >> 1) > cap) return -1;
  const p = argPtr(i);
  for (let k = 0; k < n; k += 2) {
    const hi = hexValue(<i32>load<u8>(p + <usize>k)), lo = hexValue(<i32>load<u8>(p + <usize>k + 1));
    if (hi < 0 || lo < 0) return -1;
    store<u8>(out + <usize>(k >> 1), <u8>((hi << 4) | lo));
  }
  return n >> 1;
}

export function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function parseArgv(len: i32): i32 {
  nargs = 0;
  let start = 0;
  for (let i = 0; i < len; i++) {
    if (load<u8>(io + <usize>i) == 0) {
      if (nargs == MAX_ARGS) return fail(E_USAGE, M_ARGS_TOO_MANY);
      store<u32>(argPtrs + <usize>(nargs << 2), <u32>(io + <usize>start));
      store<i32>(argLens + <usize>(nargs << 2), i - start);
      nargs++;
      start = i + 1;
    }
  }
  if (start != len) return fail(E_USAGE, M_ARGV_UNTERMINATED);
  if (nargs == 0) return fail(E_USAGE, M_ARGV_EMPTY);
  return OK;
}

// ---- Commands and jobs -----------------------------------------------------------------------------------

/** Starts the command in argv[0]; returns OK, PENDING (then set a job) or an error. */
export type StartFn = () => i32;
/** Handles a datagram while a job runs; returns the job's status. */
export type DatagramFn = (addr: usize, addrLen: i32, data: usize, dataLen: i32) => i32;
/** Handles the expiry of the job's deadline; returns the job's status. */
export type TimerFn = () => i32;

function noDatagram(addr: usize, addrLen: i32, data: usize, dataLen: i32): i32 { return PENDING; }
function noTimer(): i32 { return fail(E_INTERNAL, M_NO_TIMER); }

let startFn: StartFn = (): i32 => fail(E_INTERNAL, M_NO_TABLE);
let jobDatagram: DatagramFn = noDatagram;
let jobTimer: TimerFn = noTimer;
let running = false;
let deadline: i64 = -1;

/** Called once by the entry module at start-up, with the size of the io buffer it needs (its longest command
 *  line, and at least one datagram and its endpoint: IO_PAYLOAD_OFFSET + COAP_MAX_DATAGRAM). */
export function registerCommands(fn: StartFn, ioCapacity: i32 = IO_CAPACITY): void {
  startFn = fn;
  if (io == 0) { ioCap = ioCapacity; io = heap.alloc(<usize>ioCap); }
}

/** Make the running command wait: it will receive datagrams and, if a deadline is set, a timer. */
export function setJob(onDatagram: DatagramFn, onTimer: TimerFn): void { jobDatagram = onDatagram; jobTimer = onTimer; }
/** Arm (absolute clock_ms time) or disarm (-1) the job's timer. */
export function setDeadline(at: i64): void { deadline = at; }

function settle(status: i32): i32 {
  if (status != PENDING) {
    running = false;
    deadline = -1;
    jobDatagram = noDatagram;
    jobTimer = noTimer;
    if (status == OK) clearFailure();
    else failBare(status); // a status without a record of its own is detailed by its name
  }
  return status;
}

// ---- Exports ---------------------------------------------------------------------------------------------

export function abi_version(): u32 { return ABI_VERSION; }
export function io_buffer(): usize { return io; }
export function io_capacity(): i32 { return ioCap; }

export function start(argv_len: i32): i32 {
  if (running) return fail(E_BUSY, M_BUSY);
  if (argv_len < 0 || argv_len > ioCap) return fail(E_USAGE, M_ARGV_RANGE);
  clearFailure();
  resultClear();
  arenaReset();
  keysCloseAll();
  const parsed = parseArgv(argv_len);
  if (parsed != OK) return settle(parsed);
  const cs = cryptoStart();
  if (cs != OK) return settle(cs);
  running = true;
  return settle(startFn());
}

export function on_datagram(addr_len: i32, data_len: i32): i32 {
  if (!running) return E_NO_COMMAND;
  if (addr_len < 0 || data_len < 0 || addr_len > ADDR_MAX_LEN || data_len > ioCap - IO_PAYLOAD_OFFSET) {
    return PENDING; // a host bug must not end the command: drop the datagram
  }
  return settle(jobDatagram(io, addr_len, io + <usize>IO_PAYLOAD_OFFSET, data_len));
}

export function on_timer(): i32 {
  if (!running) return E_NO_COMMAND;
  deadline = -1;
  return settle(jobTimer());
}

export function next_deadline(): i64 { return running ? deadline : -1; }

export function cancel(): i32 {
  if (!running) return E_NO_COMMAND;
  return settle(fail(E_CANCELLED, M_CANCELLED));
}

export function last_error(): i32 { return lastStatus(); }
export function error_detail(): usize { return detailPtr(); }
export function error_detail_len(): i32 { return detailLen(); }
export function result(): usize { return resultPtr(); }
export function result_len(): i32 { return resultLen(); }

export function heap_top(): u32 {
  const p = heap.alloc(16);
  heap.free(p);
  return <u32>p;
}
