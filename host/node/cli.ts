// est-sim's command line, on the Node host: the same options, commands and exit codes as
// boards/posix/main.c, so the conformance suite can run one command line under both hosts and compare.
//
//   npx tsx host/node/cli.ts [--module PATH] [--store PATH] <command> [args...]
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { E, LOG_ERROR, LOG_TRACE, LOG_WARN, statusName } from "./abi.js";
import { NodeBoard } from "./board.js";
import { HostError } from "./host.js";
import { EstClient } from "./client.js";
import { defaultImpair, parseImpairOption } from "./impair.js";
import { FileStore, StoreError, STORE_DEFAULT_CAPACITY } from "./store.js";

/** Commands of the device module (build/client.wasm); the rest run in the simulator module (build/sim.wasm). */
export const DEVICE_COMMANDS = new Set(["enroll", "reenroll", "status", "maintain", "request"]);

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, MODULE: 3, TRAP: 4, STORE: 5, INTERRUPTED: 130 } as const;

export const USAGE = `usage: est-sim [options] <command> [arguments...]

Runs the EST-oscore client module under the wasm3 interpreter, as a device would.

options:
  -m, --module PATH        WebAssembly module to run (default: build/client.wasm, the device module, for
                           enroll, reenroll and status; build/sim.wasm, the simulator module, for the rest;
                           build/client-native.wasm is the device module that leaves all crypto to the board)
      --crypto board|none  the board's native crypto provider, which keeps keys in the key store (default), or
                           none: the module sees a board without it and does all its cryptography itself
  -s, --store PATH         key-store file (default: est-sim.keystore); created on first write
      --store-capacity N   key-store size limit in bytes (default: 32768)
  -v, --verbose            more log output on stderr (repeat: -vv debug, -vvv trace)
  -q, --quiet              errors only on stderr
      --stats              print load/run times, memory and peak RSS on stderr at exit
      --code-cache N       drop wasm3's compiled code between module calls once it holds more than N
                           bytes (as a 256 KiB board does; default 0: keep it all)
      --memory-limit N     allocate only N bytes of the module's linear memory (default: all of it)
      --real-time T        the board's real-time clock: none (a board without one), or T seconds since
                           1970 at start, running on (default: the system clock)
  -h, --help               this text

network impairment (both directions unless --impair-dir says otherwise):
      --loss PCT           drop this percentage of datagrams
      --dup PCT            deliver this percentage twice
      --reorder PCT        hold this percentage back 50 ms so later datagrams overtake them
      --delay MS           add a fixed one-way delay
      --jitter MS          add a random delay of 0..MS
      --impair-seed N      seed of the impairment decisions (default 1): same seed, same decisions
      --impair-dir DIR     up (device to network), down, or both

command files (after the command name, for any command):
  -f, --payload-file FILE  the command's input stream (e.g. the payload of coap post)
  -o, --out FILE           write the command's output to FILE instead of stdout

commands of the device module (what a board runs):
  enroll [--edhoc] [--sequential] [--pop sig|dh|dh-cert] [--cn NAME] [--dns NAME] [--crts] [--att] [-b SIZE]
         [-B SECS] [--json] [-v] URI
                           EST-oscore enrollment (/sen; /sren once enrolled) at coap://host[:port][/root]
  reenroll [enroll options] URI    re-enroll with /sren
  maintain [enroll options] [--renew-at PCT] URI
                           the life cycle: enroll when not enrolled, from scratch when the certificate
                           expired, renew with /sren once PCT% of its validity passed (default two
                           thirds), else nothing
  status [--json] [--renew-at PCT]   what the device holds: subject, validity, renewal time, certificate
                           (maintain and status judge time by the system clock unless --now SECONDS)
  request get|post [-e TEXT] [-t CF] [-B SECS] URI   an application request under OSCORE

commands of the simulator module:
  selftest [--json]        check RNG, clock, timers and the key store through the module ABI
  coap get|post|put|delete [-e TEXT] [-t CF] [-A CF] [-b SIZE] [-B SECS] [-N] [-v] URI
                           a CoAP request in the manner of libcoap's coap-client
  discover [--json] [--rt PREFIX] URI   find a server's EST resources (rt=ace.est*)
  oscore get|post|put|delete [coap options] [--edhoc [--combined]] URI
                           the same request under OSCORE: the stored context, or a new one from EDHOC
  version                  print the module's version
  vectors                  read JSON lines on stdin, evaluate each in the module, one JSON line out
                           (e.g. {"op":"sha256","msg":"616263"}); see docs/vectors.md

exit codes: 0 ok, 1 command failed, 2 usage error, 3 module missing or invalid,
            4 module trapped, 5 key store unusable, 130 interrupted
`;

export interface CliIo {
  input?: string;
  cwd?: string;
  /** Stream output as it comes (default when run as a program); otherwise it is collected. */
  stdout?: (s: Uint8Array | string) => void;
  stderr?: (s: string) => void;
  /** Called with the board once it exists, e.g. to wire SIGINT to board.cancel(). */
  onBoard?: (b: NodeBoard) => void;
}

export interface CliResult { code: number; stdout: string; stderr: string }

function jsonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => c); // same escaping as est-sim for ASCII text
}

/** Run one est-sim command line on the Node host. */
export async function runCli(args: string[], io: CliIo = {}): Promise<CliResult> {
  const outChunks: Buffer[] = [];
  let errText = "";
  const out = io.stdout ?? ((s: Uint8Array | string) => { outChunks.push(Buffer.from(s as any)); });
  const err = io.stderr ?? ((s: string) => { errText += s; });
  const inputFds: number[] = []; // the -f file, closed when the command ends
  const done = (code: number): CliResult => {
    for (const f of inputFds.splice(0)) closeSync(f);
    return { code, stdout: Buffer.concat(outChunks).toString("utf8"), stderr: errText };
  };
  const cwd = io.cwd ?? process.cwd();

  let modulePath = "", storePath = "est-sim.keystore", storeCap = STORE_DEFAULT_CAPACITY;
  let level = LOG_WARN;
  let stats = false;
  let memoryLimit = 0;
  let cryptoMask = 0xffffffff;
  let realTime: number | "none" | undefined;
  const impair = defaultImpair();
  let i = 0;
  for (; i < args.length && args[i].startsWith("-"); i++) {
    const a = args[i];
    let used = 0;
    try { used = i + 1 < args.length ? parseImpairOption(impair, a, args[i + 1]) : 0; } catch (e: any) { err(`est-sim: ${e.message}\n`); return done(EXIT.USAGE); }
    if (used === 2) { i++; continue; }
    if (a === "-h" || a === "--help") { out(USAGE); return done(EXIT.OK); }
    else if ((a === "-m" || a === "--module") && i + 1 < args.length) modulePath = args[++i];
    else if ((a === "-s" || a === "--store") && i + 1 < args.length) storePath = args[++i];
    else if (a === "--store-capacity" && i + 1 < args.length) {
      const v = args[++i];
      if (!/^\d+$/.test(v) || Number(v) === 0 || Number(v) > 2 ** 30) { err("est-sim: --store-capacity needs a size in bytes\n"); return done(EXIT.USAGE); }
      storeCap = Number(v);
    }
    // wasm3's RAM settings (host/include/est_host.h). Under V8 there is no interpreter code to drop, so
    // --code-cache only has its value checked; --memory-limit is held against the module's heap top at load,
    // as the wasm3 host does after it (V8 allocates whole pages).
    else if ((a === "--code-cache" || a === "--memory-limit") && i + 1 < args.length) {
      const v = args[++i];
      if (!/^\d+$/.test(v) || Number(v) === 0 || Number(v) > 2 ** 30) { err(`est-sim: ${a} needs a size in bytes\n`); return done(EXIT.USAGE); }
      if (a === "--memory-limit") memoryLimit = Number(v);
    }
    else if (a === "--real-time" && i + 1 < args.length) {
      const v = args[++i];
      if (v !== "none" && !/^\d+$/.test(v)) { err("est-sim: --real-time needs none or seconds since 1970\n"); return done(EXIT.USAGE); }
      realTime = v === "none" ? "none" : Number(v);
    }
    else if (a === "-v" || a === "--verbose") level++;
    else if (a === "-vv") level += 2;
    else if (a === "-vvv") level += 3;
    else if (a === "-q" || a === "--quiet") level = LOG_ERROR;
    else if (a === "--stats") stats = true;
    else if (a === "--crypto" && i + 1 < args.length) {
      const v = args[++i];
      if (v !== "board" && v !== "none") { err("est-sim: --crypto takes board or none\n"); return done(EXIT.USAGE); }
      cryptoMask = v === "none" ? 0 : 0xffffffff;
    }
    else if (a === "--") { i++; break; }
    else { err(`est-sim: unknown option or missing value: ${a}\n(try est-sim --help)\n`); return done(EXIT.USAGE); }
  }
  level = Math.min(level, LOG_TRACE);
  if (i >= args.length) { err(USAGE); return done(EXIT.USAGE); }
  if (args[i] === "help") { out(USAGE); return done(EXIT.OK); }
  if (!modulePath) modulePath = DEVICE_COMMANDS.has(args[i]) ? "build/client.wasm" : "build/sim.wasm";

  // Command files: the module reads -f through board.in_read and writes through board.out.
  let input: { fd: number } | undefined;
  let outFd: number | undefined;
  for (let k = i + 1; k + 1 < args.length; k++) {
    if (args[k] === "-f" || args[k] === "--payload-file") {
      try { input = { fd: openSync(resolve(cwd, args[k + 1]), "r") }; inputFds.push(input.fd); } catch (e: any) {
        err(`est-sim: cannot read payload file ${args[k + 1]}: ${e.code === "ENOENT" ? "No such file or directory" : e.message}\n`);
        return done(EXIT.USAGE);
      }
      k++;
    } else if (args[k] === "-o" || args[k] === "--out") {
      try { if (outFd !== undefined) closeSync(outFd); outFd = openSync(resolve(cwd, args[k + 1]), "w"); } catch (e: any) {
        err(`est-sim: cannot write output file ${args[k + 1]}: ${e.code === "ENOENT" ? "No such file or directory" : e.message}\n`);
        return done(EXIT.USAGE);
      }
      k++;
    }
  }
  const fd = outFd;
  const moduleOut = fd === undefined ? (d: Uint8Array) => out(d) : (d: Uint8Array) => { writeSync(fd, d); };

  let wasm: Uint8Array;
  try {
    wasm = readFileSync(resolve(cwd, modulePath));
  } catch (e: any) {
    err(`est-sim: cannot read module ${modulePath}: ${e.code === "ENOENT" ? "No such file or directory (build it with: npm run build)" : e.code === "EISDIR" ? "Is a directory" : e.message}\n`);
    return done(EXIT.MODULE);
  }

  let store: FileStore;
  try {
    store = new FileStore(resolve(cwd, storePath), storeCap);
  } catch (e: any) {
    const msg = e instanceof StoreError ? e.message : String(e);
    err(`est-sim: key store ${storePath} is unusable: ${msg}; it was not modified (move it aside or use --store)\n`);
    return done(EXIT.STORE);
  }

  const board = new NodeBoard({ store, logLevel: level, out: moduleOut, err, impair, input, realTime });
  io.onBoard?.(board);
  let client: EstClient | undefined;
  const t0 = performance.now();
  let t1 = t0;
  try {
    try {
      // est-sim's path through the firmware C API (host/est_client.c); the life cycle's wall time is the board's
      // real-time clock (none with --real-time none).
      client = await EstClient.init(wasm, board, { limits: { maxPages: 2, cryptoMask }, timeNow: () => { const t = Number(board.realTimeS()); return t < 0 ? -1 : t; } });
      const host = client.host;
      t1 = performance.now();
      if (memoryLimit && host.heapTop() > memoryLimit) {
        err(`est-sim: cannot run module ${modulePath}: module needs ${host.heapTop()} bytes of linear memory; this board gives it ${memoryLimit}\n`);
        return done(EXIT.MODULE);
      }
    } catch (e: any) {
      err(`est-sim: cannot run module ${modulePath}: ${e.message}\n`);
      return done(e instanceof HostError && e.kind === "trap" ? EXIT.TRAP : EXIT.MODULE);
    }

    if (args[i] === "vectors") return done(await vectorsLoop(client, io.input ?? "", out, err));

    let status: number;
    try {
      status = await client.command(args.slice(i));
    } catch (e: any) {
      err(`est-sim: ${e.message}\n`);
      return done(e instanceof HostError && e.kind === "args" ? EXIT.USAGE : EXIT.TRAP);
    }
    if (status === E.OK) return done(EXIT.OK);
    err(`est-sim: ${args[i]}: ${statusName(status)} (${client.host.errorDetail()})\n`);
    if (status === E.CANCELLED) return done(EXIT.INTERRUPTED);
    return done(status === E.USAGE || status === E.UNKNOWN_COMMAND ? EXIT.USAGE : EXIT.FAILED);
  } finally {
    await board.close();
    if (fd !== undefined) closeSync(fd);
    if (stats) {
      err(`est-sim: stats: module ${wasm.length} bytes, load+start ${(t1 - t0).toFixed(3)} ms, command ${(performance.now() - t1).toFixed(3)} ms, ` +
        `linear memory ${client?.host.memoryBytes ?? 0} bytes, peak RSS ${process.resourceUsage().maxRSS} KiB, ` +
        `cpu ${((process.cpuUsage().user + process.cpuUsage().system) / 1000).toFixed(1)} ms\n`);
    }
  }
}

/** `vectors`: one ["vector", LINE] command per input line, exactly as est-sim does it. */
async function vectorsLoop(client: EstClient, input: string, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const host = client.host;
  const max = host.ioCapacity - 8;
  for (const raw of input.split("\n")) {
    const line = raw.replace(/\r+$/, "");
    if (line.length === 0) continue;
    if (Buffer.byteLength(line) > max) { out(`{"error":"E_LIMIT","detail":"line longer than ${max} bytes"}\n`); continue; }
    let status: number;
    try {
      status = await client.command(["vector", line]);
    } catch (e: any) {
      out(`{"error":"E_TRAP","detail":${jsonString(e.message)}}\n`);
      err(`est-sim: ${e.message}\n`);
      return EXIT.TRAP;
    }
    if (status !== E.OK) out(`{"error":"${statusName(status)}","detail":${jsonString(host.errorDetail())}}\n`);
  }
  return EXIT.OK;
}

// As a program: stream to the process, read stdin for `vectors`, Ctrl-C cancels the running command.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const input = args.includes("vectors") ? readFileSync(0, "utf8") : "";
  const r = await runCli(args, {
    input,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    onBoard: (b) => { process.on("SIGINT", () => b.cancel()); process.on("SIGTERM", () => b.cancel()); },
  });
  process.exitCode = r.code;
}
