// The device module: what a board flashes and runs. Five commands, nothing else:
//
//   enroll [options] coap://host[:port][/root]    enroll, or re-enroll when enrolled (EST-oscore, est/enroll.ts)
//   reenroll [options] coap://host[:port][/root]  re-enroll with /sren
//   maintain [options] coap://host[:port][/root]  the life cycle (est/life.ts): enroll when not enrolled, enroll
//                                                 from scratch when the certificate expired, renew (/sren) when
//                                                 due, else nothing; what a board runs at boot and on schedule
//   status [--json] [--renew-at PCT] [--now SECONDS]   what is enrolled, notAfter, the renewal time (est/status.ts)
//   request get|post [options] URI               an application request under OSCORE (app/request.ts)
//
// enroll options: --edhoc (run EDHOC even with a stored context), --sequential (no combined request),
//   --max-combined BYTES, --pop sig|dh|dh-cert, --cn NAME, --dns NAME, --password TEXT, --sen|--sren (force the
//   resource), --rekey (a re-enrollment certifies a new key; by default it renews the enrolled key), --crts
//   (fetch the trust anchor even when provisioned), --att (ask /att first), --skg|--skc
//   (server-side key generation: a pre-shared-context device with a weak-RNG policy only), --json (the host
//   renders the report as JSON), -B SECS (one deadline for the whole command), --ack-timeout MS, -b SIZE
//   (block size 16..1024), -v (trace datagrams); the C509 options --format der|c509, --csr-type 2|3,
//   --no-accept, --cf NAME=N (app/c509-args.ts); and, as status takes them, --renew-at PCT (renew at PCT
//   percent of the validity, 1..99; default two thirds) and --now SECONDS (the wall time, est/clock.ts).
//
// Results leave as a result record (base/result.ts), failures as event records (base/diag.ts): the hosts
// render both.
//
// Two builds from this file: compiled as it is, it is the native-crypto build (build/client-native.wasm),
// whose cryptography is all the board's; app/device-portable.ts adds the module's own crypto provider
// (crypto/soft.ts) for build/client.wasm, which runs on any board. The simulator's debugging commands live in
// app/sim.ts (build/sim.wasm).

import { OK, PENDING, E_USAGE, E_UNKNOWN_COMMAND, E_STORE_NOT_FOUND } from "../base/errors";
import { LOG_INFO } from "../base/abi";
import { fail, failWith, logMsg } from "../base/diag";
import {
  M_UNKNOWN_COMMAND, M_ENROLL_MAX_COMBINED, M_ENROLL_POP, M_ENROLL_CN, M_ENROLL_DNS, M_ENROLL_PASSWORD, M_ENROLL_TIMEOUT,
  M_ENROLL_ACK_TIMEOUT, M_ENROLL_BLOCK, M_ENROLL_UNKNOWN, M_ENROLL_USAGE, M_STATUS_USAGE, M_LIFE_RENEW_AT, M_LIFE_NOW,
  M_LIFE_ENROLL, M_LIFE_UNREADABLE, M_LIFE_EXPIRED, M_LIFE_RENEW, M_LIFE_NOTHING, M_LIFE_NO_TIME,
} from "../base/msg";
import { RESULT_FLAG_JSON, RESULT_FLAG_MAINTAIN, RESULT_FLAG_EXPIRED } from "../base/result";
import { arenaRelease, ARENA_STATUS } from "../base/arena";
import { coapUriParse } from "../coap/uri";
import { coapClientSetup } from "../coap/client";
import { DEVICE_IO_CAPACITY, DEVICE_RESPONSE_CAPACITY } from "../base/config";
import { csrSpec } from "../pki/csr";
import { enrollOptions } from "../est/state";
import { enrollStart, enrollDatagram, enrollTimer, enrollDeadline } from "../est/enroll";
import { statusLoad, statusReport, statusCert } from "../est/status";
import { clockSet, clockNow } from "../est/clock";
import { lifeOptions, lifeDecide, renewAt, LIFE_NOTHING, LIFE_ENROLL, LIFE_REENROLL, LIFE_RENEW } from "../est/life";
import { requestCommand } from "./request";
import { c509Arg, c509ArgsReset } from "./c509-args";
import { registerCommands, argc, argIs, argPtr, argLen, argUint, setJob, setDeadline } from "./runtime";

export {
  abi_version, io_buffer, io_capacity, start, on_datagram, on_timer, next_deadline, cancel,
  last_error, error_detail, error_detail_len, result, result_len, heap_top,
} from "./runtime";

function copyArg(i: i32, dst: usize, cap: i32): i32 {
  const n = argLen(i);
  if (n > cap) return -1;
  memory.copy(dst, argPtr(i), <usize>n);
  return n;
}

/** --renew-at PCT and --now SECONDS (enroll, maintain, status): 1 when argument i and its value were one of
 *  them, 0 when not, or a usage status. */
function lifeArg(i: i32): i32 {
  if (i + 1 >= argc()) return 0;
  if (argIs(i, "--renew-at")) {
    const v = argUint(i + 1);
    if (v < 1 || v > 99) return fail(E_USAGE, M_LIFE_RENEW_AT);
    lifeOptions.num = v; lifeOptions.den = 100;
    return 1;
  }
  if (argIs(i, "--now")) {
    const v = argUint(i + 1);
    if (v < 0) return fail(E_USAGE, M_LIFE_NOW);
    clockSet(v);
    return 1;
  }
  return 0;
}

/** `enroll` / `reenroll`: parse the options into est/state.ts, then run est/enroll.ts as the job. */
function enrollCommand(reenroll: bool): i32 {
  const st = enrollArgs(reenroll);
  return st != OK ? st : job(enrollStart());
}

/** The enroll options into enrollOptions and csrSpec, the URI into enrollOptions.ep. Returns OK or a status. */
/**
 * One option of enroll, maintain and reenroll at argument i: the index of the last argument it took, 0 when
 * argument i is no option of theirs, or an error. Written as a flat run of ifs, not an else-if chain: wasm3
 * compiles nested blocks by recursion, and the chain's 25 levels made this the deepest point of the C stack in an
 * enrollment.
 */
function enrollArg(i: i32): i32 {
  const o = enrollOptions, spec = csrSpec;
  const hasValue = i + 1 < argc();
  const l = lifeArg(i);
  if (l < 0) return l;
  if (l > 0) return i + 1;
  const k = c509Arg(i);
  if (k != 0) return k;
  if (argIs(i, "--edhoc")) { o.forceEdhoc = true; return i; }
  if (argIs(i, "--sequential")) { o.combine = false; return i; }
  if (argIs(i, "--sen")) { o.resource = 1; return i; }
  if (argIs(i, "--sren")) { o.resource = 2; return i; }
  if (argIs(i, "--rekey")) { o.rekey = true; return i; }
  if (argIs(i, "--skg")) { o.serverKeygen = 1; return i; }
  if (argIs(i, "--skc")) { o.serverKeygen = 2; return i; }
  if (argIs(i, "--crts")) { o.fetchCrts = true; return i; }
  if (argIs(i, "--att")) { o.askAtt = true; return i; }
  if (argIs(i, "--json")) { o.json = true; return i; }
  if (argIs(i, "-v") || argIs(i, "--verbose")) { o.trace = true; return i; }
  if (!hasValue) return 0;
  const v = i + 1;
  if (argIs(i, "--max-combined")) {
    const n = argUint(v);
    if (n < 64 || n > 1280) return fail(E_USAGE, M_ENROLL_MAX_COMBINED);
    o.maxCombined = <i32>n;
    return v;
  }
  if (argIs(i, "--pop")) {
    if (argIs(v, "sig")) o.pop = 1; else if (argIs(v, "dh")) o.pop = 2; else if (argIs(v, "dh-cert")) o.pop = 3;
    else return fail(E_USAGE, M_ENROLL_POP);
    return v;
  }
  if (argIs(i, "--cn")) return (spec.cnLen = copyArg(v, spec.cn, 64)) < 1 ? fail(E_USAGE, M_ENROLL_CN) : v;
  if (argIs(i, "--dns")) return (spec.dnsLen = copyArg(v, spec.dns, 64)) < 1 ? fail(E_USAGE, M_ENROLL_DNS) : v;
  if (argIs(i, "--password")) return (spec.passwordLen = copyArg(v, spec.password, 64)) < 1 ? fail(E_USAGE, M_ENROLL_PASSWORD) : v;
  if (argIs(i, "-B") || argIs(i, "--timeout")) {
    const n = argUint(v);
    if (n < 1 || n > 3600) return fail(E_USAGE, M_ENROLL_TIMEOUT);
    o.deadlineMs = <i32>n * 1000;
    return v;
  }
  if (argIs(i, "--ack-timeout")) {
    const n = argUint(v);
    if (n < 10 || n > 60000) return fail(E_USAGE, M_ENROLL_ACK_TIMEOUT);
    o.ackTimeoutMs = <i32>n;
    return v;
  }
  if (argIs(i, "-b") || argIs(i, "--block-size")) {
    const n = argUint(v);
    let szx = -1;
    for (let z = 0; z <= 6; z++) if (n == <i64>(1 << (z + 4))) szx = z;
    if (szx < 0) return fail(E_USAGE, M_ENROLL_BLOCK);
    o.szx = szx;
    return v;
  }
  return 0;
}

function enrollArgs(reenroll: bool): i32 {
  const o = enrollOptions, spec = csrSpec;
  o.forceEdhoc = false; o.combine = true; o.maxCombined = 1152; o.resource = reenroll ? 2 : 0; o.serverKeygen = 0; o.rekey = false;
  o.fetchCrts = false; o.askAtt = false; o.pop = 0; o.json = false; o.deadlineMs = 90000; o.ackTimeoutMs = 2000;
  o.szx = 6; o.trace = false; o.flags = 0;
  spec.cnLen = 0; spec.dnsLen = 0; spec.passwordLen = 0;
  c509ArgsReset();
  let uri = -1;
  for (let i = 1; i < argc(); i++) {
    const r = enrollArg(i);
    if (r < 0) return r;
    if (r > 0) { i = r; continue; }
    if (uri < 0 && argLen(i) > 0 && load<u8>(argPtr(i)) != 0x2d) uri = i;
    else return failWith(E_USAGE, M_ENROLL_UNKNOWN).bytes(argPtr(i), argLen(i) < 40 ? argLen(i) : 40).ret();
  }
  if (uri < 0) return fail(E_USAGE, M_ENROLL_USAGE);
  if (spec.cnLen == 0) {
    const name = "est-oscore-device";
    for (let i = 0; i < name.length; i++) store<u8>(spec.cn + <usize>i, <u8>name.charCodeAt(i));
    spec.cnLen = name.length;
  }
  return coapUriParse(o.ep, argPtr(uri), argLen(uri));
}

/** `maintain`: read the stored enrollment, decide (est/life.ts), then enroll, renew or report the status. */
function maintainCommand(): i32 {
  const st = enrollArgs(false);
  if (st != OK) return st;
  const o = enrollOptions, c = statusCert;
  o.flags = RESULT_FLAG_MAINTAIN;
  const ld = statusLoad();
  const action = lifeDecide(ld == OK, c.notBefore, c.notAfter);
  if (action == LIFE_NOTHING) {
    if (clockNow() < 0) logMsg(M_LIFE_NO_TIME).emit(LOG_INFO);
    else logMsg(M_LIFE_NOTHING).int(renewAt(c.notBefore, c.notAfter)).emit(LOG_INFO);
    return statusReport(OK, o.flags | (o.json ? RESULT_FLAG_JSON : 0));
  }
  arenaRelease(ARENA_STATUS);
  if (action == LIFE_RENEW) {
    logMsg(M_LIFE_RENEW).int(renewAt(c.notBefore, c.notAfter)).emit(LOG_INFO);
    o.resource = 2;
  } else {
    // A first enrollment, or one from scratch: /sen, and a new EDHOC unless there was never an enrollment.
    o.resource = 1;
    if (action == LIFE_REENROLL) { o.flags |= RESULT_FLAG_EXPIRED; logMsg(M_LIFE_EXPIRED).int(c.notAfter).emit(LOG_INFO); }
    else logMsg(ld == E_STORE_NOT_FOUND ? M_LIFE_ENROLL : M_LIFE_UNREADABLE).emit(LOG_INFO);
    o.forceEdhoc = ld != E_STORE_NOT_FOUND;
  }
  return job(enrollStart());
}

function job(st: i32): i32 {
  if (st == PENDING) { setJob(onDatagram, onTimer); setDeadline(enrollDeadline()); }
  return st;
}
function onDatagram(a: usize, al: i32, d: usize, dl: i32): i32 { return job(enrollDatagram(a, al, d, dl)); }
function onTimer(): i32 { return job(enrollTimer()); }

function statusCommand(): i32 {
  let flags: u32 = 0;
  for (let i = 1; i < argc(); i++) {
    const l = lifeArg(i);
    if (l < 0) return l;
    if (l > 0) i++;
    else if (argIs(i, "--json")) flags = RESULT_FLAG_JSON;
    else return fail(E_USAGE, M_STATUS_USAGE);
  }
  return statusReport(statusLoad(), flags);
}

function dispatch(): i32 {
  lifeOptions.num = 2; lifeOptions.den = 3; clockSet(-1);
  if (argIs(0, "enroll")) return enrollCommand(false);
  if (argIs(0, "reenroll")) return enrollCommand(true);
  if (argIs(0, "maintain")) return maintainCommand();
  if (argIs(0, "status")) return statusCommand();
  if (argIs(0, "request")) return requestCommand();
  return failWith(E_UNKNOWN_COMMAND, M_UNKNOWN_COMMAND).bytes(argPtr(0), argLen(0) < 64 ? argLen(0) : 64).ret();
}

registerCommands(dispatch, DEVICE_IO_CAPACITY);
coapClientSetup(DEVICE_RESPONSE_CAPACITY);
