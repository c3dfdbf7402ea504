// ABI probe: a test module (build/abi-probe.wasm) that exercises every import and export of the ABI in
// ways the real client must never need (bad pointers, panics, traps, a full store), so the conformance suite
// (test/abi-conformance.test.ts) can run the same command lines under both hosts and compare the results.
// Not part of the product.

import * as board from "../../assembly/base/abi";
import { OK, PENDING, E_USAGE, E_TIMEOUT, E_UNKNOWN_COMMAND, E_STORE_FULL, statusName } from "../../assembly/base/errors";
import { registerCommands, argc, argIs, argPtr, argLen, argUint, argHex, setJob, setDeadline, heap_top } from "../../assembly/app/runtime";
import { output, flushOut } from "../../assembly/app/output";
import { fail, logText } from "../common/text";

export {
  abi_version, io_buffer, io_capacity, start, on_datagram, on_timer, next_deadline, cancel,
  last_error, error_detail, error_detail_len, result, result_len, heap_top,
} from "../../assembly/app/runtime";

const buf = memory.data(4096, 16);
const addr = memory.data(32, 8);
let addrLen = 0;
let armedAt: i64 = 0;
let waitMs: i64 = 0;

function line(s: string): void { output.str(s).byte(0x0a); flushOut(); }
function status(name: string, st: i32): void { output.str(name).str(": ").str(statusName(st)).byte(0x0a); flushOut(); }

function cmdEcho(): i32 {
  for (let i = 1; i < argc(); i++) output.byte(0x5b).bytes(argPtr(i), argLen(i)).byte(0x5d).byte(0x0a);
  flushOut();
  return OK;
}

function cmdStoreWrite(): i32 {
  const id = argUint(1);
  const n = argHex(2, buf, 4096);
  if (id < 0 || n < 0) return fail(E_USAGE, "usage: store-write ID HEX");
  status("store_write", board.store_write(<u32>id, buf, n));
  return OK;
}

function cmdStoreRead(): i32 {
  const id = argUint(1);
  const cap = argc() > 2 ? argUint(2) : 4096;
  if (id < 0 || cap < 0 || cap > 4096) return fail(E_USAGE, "usage: store-read ID [CAP]");
  const n = board.store_read(<u32>id, buf, <i32>cap);
  if (n < 0) status("store_read", n);
  else { output.str("store_read: ").dec(n).str(" bytes ").hex(buf, n).byte(0x0a); flushOut(); }
  return OK;
}

function cmdStoreErase(): i32 {
  const id = argUint(1);
  if (id < 0) return fail(E_USAGE, "usage: store-erase ID");
  status("store_erase", board.store_erase(<u32>id));
  return OK;
}

/** Fill the store with 4 KiB records (ids 1000...) until it refuses; then report and erase them again. */
function cmdStoreFill(): i32 {
  for (let i = 0; i < 4096; i++) store<u8>(buf + <usize>i, <u8>i);
  let k: u32 = 0;
  let st = OK;
  while (k < 64) {
    st = board.store_write(1000 + k, buf, 4096);
    if (st != OK) break;
    k++;
  }
  output.str("wrote ").dec(k).str(" records of 4096 bytes, then ").str(statusName(st)).byte(0x0a);
  // A refused write must not have disturbed what was stored: read every record back.
  let intact: u32 = 0;
  for (let i: u32 = 0; i < k; i++) if (board.store_read(1000 + i, buf, 4096) == 4096) intact++;
  output.str("intact after refusal: ").dec(intact).byte(0x0a);
  for (let i: u32 = 0; i < k; i++) board.store_erase(1000 + i);
  flushOut();
  return st == E_STORE_FULL ? OK : fail(st, "store did not report E_STORE_FULL");
}

/** Every pointer-taking import with ranges outside linear memory: each must answer E_BAD_POINTER. */
function cmdBadPointers(): i32 {
  const end = <usize>(memory.size() << 16);
  const far: usize = 0xfffffff0;
  status("udp_send far addr", board.udp_send(far, 7, buf, 4));
  status("udp_send data past end", board.udp_send(addr, 7, end - 4, 8));
  status("udp_send negative len", board.udp_send(addr, 7, buf, -1));
  status("udp_resolve far name", board.udp_resolve(far, 9, 5683, addr, 32));
  status("udp_resolve out past end", board.udp_resolve(buf, 9, 5683, end - 2, 32));
  status("rng_fill far", board.rng_fill(far, 16));
  status("rng_fill past end", board.rng_fill(end - 8, 16));
  status("store_read out past end", board.store_read(1, end - 8, 64));
  status("store_write far", board.store_write(1, far, 16));
  status("store_write negative len", board.store_write(1, buf, -5));
  status("out far", board.out(far, 4));
  board.log(board.LOG_ERROR, far, 10); // void: must be ignored without a trap
  board.log(board.LOG_ERROR, end - 2, 10);
  status("store_read id out of range", board.store_read(0x10000, buf, 16));
  status("store_write too large", board.store_write(2, buf, 4097));
  line("still alive");
  return OK;
}

function cmdTimer(): i32 {
  const ms = argUint(1);
  if (ms < 0) return fail(E_USAGE, "usage: timer MS");
  waitMs = ms;
  armedAt = board.clock_ms();
  setJob(ignore, timerDone);
  setDeadline(armedAt + ms);
  return PENDING;
}
function ignore(a: usize, al: i32, d: usize, dl: i32): i32 { return PENDING; }
function timerDone(): i32 {
  const waited = board.clock_ms() - armedAt;
  line(waited >= waitMs ? "timer fired, not early" : "timer fired EARLY");
  return OK;
}

/** udp-echo HOST PORT TEXT: send TEXT, print the first answer (or fail with E_TIMEOUT after 2 s). */
function cmdUdpEcho(): i32 {
  const port = argUint(2);
  if (argc() != 4 || port < 0 || port > 65535) return fail(E_USAGE, "usage: udp-echo HOST PORT TEXT");
  addrLen = board.udp_resolve(argPtr(1), argLen(1), <i32>port, addr, 32);
  if (addrLen < 0) return fail(addrLen, "cannot resolve the peer");
  const st = board.udp_send(addr, addrLen, argPtr(3), argLen(3));
  if (st != OK) return fail(st, "udp_send failed");
  setJob(echoReply, echoTimeout);
  setDeadline(board.clock_ms() + 2000);
  return PENDING;
}
function echoReply(a: usize, al: i32, d: usize, dl: i32): i32 {
  output.str("reply from IPv").dec(load<u8>(a)).str(": ").bytes(d, dl).byte(0x0a);
  flushOut();
  return OK;
}
function echoTimeout(): i32 { return fail(E_TIMEOUT, "no answer from the peer within 2000 ms"); }

/** udp-burst HOST PORT N WAIT_MS: send "p0".."p{N-1}" at once, then print every answer that arrives within
 *  WAIT_MS, in arrival order, and the round-trip time of the first one. */
let burstStart: i64 = 0;
let burstReplies = 0;
function cmdUdpBurst(): i32 {
  const port = argUint(2), n = argUint(3), wait = argUint(4);
  if (argc() != 5 || port < 0 || port > 65535 || n < 1 || n > 200 || wait < 0) return fail(E_USAGE, "usage: udp-burst HOST PORT N WAIT_MS");
  addrLen = board.udp_resolve(argPtr(1), argLen(1), <i32>port, addr, 32);
  if (addrLen < 0) return fail(addrLen, "cannot resolve the peer");
  burstStart = board.clock_ms();
  burstReplies = 0;
  for (let i: i64 = 0; i < n; i++) {
    const w = output.reset().byte(0x70).dec(i);
    const st = board.udp_send(addr, addrLen, w.ptr, w.len);
    if (st != OK) { output.reset(); return fail(st, "udp_send failed"); }
  }
  output.reset();
  setJob(burstReply, burstDone);
  setDeadline(burstStart + wait);
  return PENDING;
}
function burstReply(a: usize, al: i32, d: usize, dl: i32): i32 {
  if (burstReplies == 0) { output.str("first reply after ").str(board.clock_ms() - burstStart >= 200 ? ">=200" : "<200").str(" ms\n"); }
  burstReplies++;
  output.bytes(d, dl).byte(0x20);
  return PENDING;
}
function burstDone(): i32 {
  output.str("\nreplies: ").dec(burstReplies).byte(0x0a);
  flushOut();
  return OK;
}

function cmdStall(): i32 {
  setJob(ignore, timerDone);
  setDeadline(-1);
  return PENDING;
}

/** The input stream through in_seek and in_read: its size, reads at positions from the start and the end, and
 *  the refusals (a position before the start, an unknown whence). */
function cmdInput(): i32 {
  const size = board.in_seek(0, board.IN_SEEK_END);
  if (size < 0) { status("in_seek end", size); return OK; }
  output.str("size ").dec(size).byte(0x0a);
  const at = (off: i32, whence: i32, n: i32): void => {
    const p = board.in_seek(off, whence);
    if (p < 0) { output.str("seek ").dec(off).str("/").dec(whence).str(": ").str(statusName(p)).byte(0x0a); return; }
    const got = board.in_read(buf, n);
    output.str("seek ").dec(off).str("/").dec(whence).str(" -> ").dec(p).str(", read ").dec(got).str(" ").hex(buf, got < 0 ? 0 : got).byte(0x0a);
  };
  at(0, board.IN_SEEK_SET, 4);
  at(2, board.IN_SEEK_SET, 3);
  at(-3, board.IN_SEEK_END, 8);
  at(size + 10, board.IN_SEEK_SET, 4);
  at(-1, board.IN_SEEK_SET, 1);
  at(-(size + 1), board.IN_SEEK_END, 1);
  at(0, 1, 1);
  at(1, board.IN_SEEK_SET, 2);
  flushOut();
  return OK;
}

function cmdLog(): i32 {
  const level = argUint(1);
  if (argc() != 3 || level < 0) return fail(E_USAGE, "usage: log LEVEL TEXT");
  logText(<i32>level, argPtr(2), argLen(2));
  return OK;
}

function dispatch(): i32 {
  if (argIs(0, "echo")) return cmdEcho();
  if (argIs(0, "store-write")) return cmdStoreWrite();
  if (argIs(0, "store-read")) return cmdStoreRead();
  if (argIs(0, "store-erase")) return cmdStoreErase();
  if (argIs(0, "store-fill")) return cmdStoreFill();
  if (argIs(0, "bad-pointers")) return cmdBadPointers();
  if (argIs(0, "timer")) return cmdTimer();
  if (argIs(0, "udp-echo")) return cmdUdpEcho();
  if (argIs(0, "stall")) return cmdStall();
  if (argIs(0, "udp-burst")) return cmdUdpBurst();
  if (argIs(0, "log")) return cmdLog();
  if (argIs(0, "input")) return cmdInput();
  if (argIs(0, "heap")) { output.str("heap_top ").dec(heap_top()).byte(0x0a); flushOut(); return OK; }
  if (argIs(0, "panic")) { assert(argc() == 0, "probe panic"); return OK; }
  if (argIs(0, "trap")) { return <i32>load<u8>(<usize>0xfffffff0); }
  if (argIs(0, "unreachable")) { unreachable(); return OK; }
  return fail(E_UNKNOWN_COMMAND, "unknown probe command");
}

registerCommands(dispatch);
