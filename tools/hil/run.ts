// Hardware-in-the-loop runner: the development EST-oscore server, the SLIP bridge, and a board running the
// firmware, through the scenarios every board must pass.
//
//   npm run hil -- --board qemu                 the emulated Cortex-M4F under QEMU
//   npm run hil -- --board serial /dev/ttyACM0  an nRF52840 DK on its USB serial port (boards/nrf52840)
//   npm run hil -- --board udp 192.168.1.50     a board on its own network (ESP32), enrolling at each boot
// options:
//   --scenarios a,b,c     only these (default: all the board supports; see SCENARIOS)
//   --junit FILE          JUnit XML (default build/hil/junit.xml)
//   --work DIR            server folder, flash images and logs (default build/hil)
//   --seed N              seed of the loss injection (default 1)
//   --reset-cmd "CMD"     serial and udp boards: a shell command that resets the board (e.g. "nrfjprog --reset")
//   --flash-cmd "CMD"     serial and udp boards: a shell command that programs the provisioned key store {hex}
//                         (Intel HEX of the nRF52840 store); udp boards also {csv} (ESP32 NVS CSV, nvs_partition_gen)
//   --console-cmd "CMD"   udp boards: a command that prints the board's console (its JSON report ends a run)
//   --port N              udp boards: the UDP port the board sends to (default 5683); --quiet-ms N: without a
//                         console, a run is over N ms after the server issued and the board fell silent (3500)
//   --elf FILE            QEMU firmware (default build/mps2-an386.elf: npm run build:mps2, the nRF52840's 256 KiB
//                         of RAM; boards/mps2-an386/README.md has the variants)
//   --icount              QEMU: one virtual nanosecond per instruction (-icount shift=0), so the board's busy
//                         time counts instructions (figure `instructions`); slower, for measurements only
//   --app FILE            QEMU: the example application's firmware for the life-cycle scenarios (default
//                         build/mps2-an386-sensor.elf: npm run build:mps2-sensor, examples/mps2-sensor)
//   --method N --suite N  the device's EDHOC method (0..3, default 3) and cipher suite (0 or 2, default 2)
//   --cred STYLE          how the device and the server identify themselves in EDHOC: ccs, kccs (default),
//                         x5t or x5chain (as npm start's --device-cred and --server-cred)
//   -v                    print the device's log, the bridge's datagrams and the server's log
//
// The life-cycle scenarios run only when named (--scenarios boot-maintain,lifecycle,app-power-cut; QEMU):
// the test firmware's boot path with a provisioned server URI, and the example application renewing its
// certificate by itself (valid for 45 s) and surviving power cuts. test/hil-lifecycle.test.ts runs them.
//
// For QEMU the runner starts the board itself: one QEMU process per command (a reset), the key store's flash
// kept in a file across them (boards/mps2-an386/flash.c), killing QEMU for a power cut. The serial and udp
// paths can be tried without a board: tools/hil/qemu-serial-board.sh puts QEMU behind a pty
// (test/hil-serial.test.ts), tools/hil/linux-esp32-board.sh runs boards/esp32's code on Linux (test/hil-udp.test.ts).
import { spawn, execFile, execFileSync, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { lookup } from "node:dns/promises";
import { createServer, type Server, type Socket } from "node:net";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tmpdir } from "node:os";
import { Duplex } from "node:stream";
import { ReadStream, WriteStream } from "node:tty";
import { EstServer, type EstServerOptions, type Event } from "../server/est.js";
import { provision, RECORDS } from "../provision.js";
import type { CredStyle } from "../server/x509cred.js";
import { parseStore } from "../../host/node/store.js";
import { SlipBridge, type BridgeStats } from "./bridge.js";
import { nvsCsv } from "../device-image.js";
import { buildFlashImage, readFlashImage, intelHex } from "./flash-image.js";

const ROOT = resolve(import.meta.dirname, "../..");

interface Args {
  board: "qemu" | "serial" | "udp"; target?: string; scenarios?: string[]; junit: string; work: string; seed: number;
  resetCmd?: string; flashCmd?: string; consoleCmd?: string; verbose: boolean; elf: string; appElf: string; icount: boolean; port: number; quietMs: number;
  method?: number; suite?: number; cred?: CredStyle;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { board: "qemu", junit: "", work: join(ROOT, "build/hil"), seed: 1, verbose: false, elf: join(ROOT, "build/mps2-an386.elf"), appElf: join(ROOT, "build/mps2-an386-sensor.elf"), icount: false, port: 5683, quietMs: 3500 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const need = () => { const v = argv[++i]; if (v === undefined) throw new Error(`${k} needs a value`); return v; };
    if (k === "--board") {
      const b = need();
      if (b !== "qemu" && b !== "serial" && b !== "udp") throw new Error("--board qemu | serial PORT | udp HOST");
      a.board = b;
      if (b !== "qemu") a.target = need();
    } else if (k === "--scenarios") a.scenarios = need().split(",");
    else if (k === "--junit") a.junit = need();
    else if (k === "--work") a.work = resolve(need());
    else if (k === "--seed") a.seed = Number(need());
    else if (k === "--reset-cmd") a.resetCmd = need();
    else if (k === "--flash-cmd") a.flashCmd = need();
    else if (k === "--console-cmd") a.consoleCmd = need();
    else if (k === "--elf") a.elf = resolve(need());
    else if (k === "--app") a.appElf = resolve(need());
    else if (k === "--icount") a.icount = true;
    else if (k === "--method") { a.method = Number(need()); if (![0, 1, 2, 3].includes(a.method)) throw new Error("--method needs 0, 1, 2 or 3"); }
    else if (k === "--suite") { a.suite = Number(need()); if (a.suite !== 0 && a.suite !== 2) throw new Error("--suite needs 0 or 2"); }
    else if (k === "--cred") { const v = need(); if (v !== "ccs" && v !== "kccs" && v !== "x5t" && v !== "x5chain") throw new Error("--cred needs ccs, kccs, x5t or x5chain"); a.cred = v; }
    else if (k === "--port") { a.port = Number(need()); if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) throw new Error("--port needs a UDP port number"); }
    else if (k === "--quiet-ms") { a.quietMs = Number(need()); if (!(a.quietMs >= 100)) throw new Error("--quiet-ms needs a number of milliseconds (100 or more)"); }
    else if (k === "-v" || k === "--verbose") a.verbose = true;
    else if (k === "-h" || k === "--help") { const src = readFileSync(import.meta.filename, "utf8").split("\n"); console.log(src.slice(0, src.findIndex((l) => !l.startsWith("//"))).map((l) => l.slice(3)).join("\n")); process.exit(0); }
    else throw new Error(`unknown option ${k} (see --help)`);
  }
  if (!a.junit) a.junit = join(a.work, "junit.xml");
  return a;
}

/** One command on the board: what it printed, its exit code (undefined when cut), the firmware's stats line. */
interface RunResult { code?: number; out: string; log: string; stats: string; ms: number; cut: boolean }

interface Board {
  readonly name: string;
  readonly canCut: boolean;
  /** Program the key store (a 32 KiB flash image). */
  writeStore(img: Uint8Array): Promise<void>;
  /** Read the key store back (undefined when the board cannot give it). */
  readStore(): Uint8Array | undefined;
  /** Reset the board and run one command; `cutWhen` may cut the power (resolves true) part-way. It gets a
   *  `running()` that turns false when this command has ended, so a cut still pending then never hits a later one.
   *  `elf`: QEMU only, another firmware (the example application) with cmd as its arguments. */
  run(cmd: string[], bridge: SlipBridge, cutWhen?: CutWhen, timeoutMs?: number, elf?: string): Promise<RunResult>;
  close(): void;
}

type CutWhen = (bridge: SlipBridge, running: () => boolean) => Promise<boolean>;
/** A shell command, without blocking the event loop (a serial port keeps being read meanwhile); one that has
 *  not finished after 2 minutes (a hung programmer, a background child holding its output) is killed. */
const sh = (cmd: string) => promisify(execFile)("sh", ["-c", cmd], { timeout: 120_000, killSignal: "SIGKILL", maxBuffer: 16 << 20 });
/** A file path for a {placeholder} of --flash-cmd: substituted as is, so it must be a single shell word. */
function shellPath(p: string): string {
  if (!/^[\w./+-]+$/.test(p)) throw new Error(`${p}: a path given to --flash-cmd must be one shell word (letters, digits, . / _ + -); choose another --work`);
  return p;
}

/** QEMU mps2-an386: one process per command, the UART on a TCP socket to the bridge, the flash in a file. */
class QemuBoard implements Board {
  readonly name = "qemu mps2-an386";
  readonly canCut = true;
  private flash: string;
  constructor(private elf: string, work: string, private verbose: boolean, private icount = false) {
    if (!existsSync(elf)) throw new Error(`${elf} is missing: npm run build:mps2`);
    this.flash = join(work, "mps2-flash.bin");
  }
  async writeStore(img: Uint8Array) { writeFileSync(this.flash, img); }
  readStore() { return existsSync(this.flash) ? new Uint8Array(readFileSync(this.flash)) : undefined; }
  close() {}

  async run(cmd: string[], bridge: SlipBridge, cutWhen?: CutWhen, timeoutMs = 120_000, elf = this.elf): Promise<RunResult> {
    for (const a of [this.flash, ...cmd]) if (/\s/.test(a)) throw new Error(`semihosting arguments cannot hold spaces: ${a}`);
    if (!existsSync(elf)) throw new Error(`${elf} is missing (npm run build:mps2-sensor builds the example application)`);
    const srv: Server = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    const conn = new Promise<Socket>((r) => srv.once("connection", r));
    const args = [...(this.icount ? ["-icount", "shift=0"] : []), "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", `tcp:127.0.0.1:${port}`,
      "-semihosting-config", ["enable=on", "target=native", ...["--flash", this.flash, ...cmd].map((a) => `arg=${a}`)].join(","), "-kernel", elf];
    const t0 = performance.now();
    const q: ChildProcess = spawn("qemu-system-arm", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    q.stdout!.on("data", (d) => { out += d; });
    q.stderr!.on("data", (d) => { err += d; if (this.verbose) process.stderr.write(String(d).replace(/^/gm, "  board: ")); });
    const sock = await Promise.race([conn, new Promise<Socket>((_, rej) => q.once("exit", () => rej(new Error(`qemu exited before connecting: ${err}`))))]);
    sock.setNoDelay(true);
    sock.on("error", () => {}); /* QEMU killed (a power cut): the socket resets */
    bridge.attach(sock);
    const exited = new Promise<number | null>((r) => q.once("exit", (c) => r(c)));
    let cut = false;
    const timer = setTimeout(() => { err += `\nhil: timeout after ${timeoutMs} ms, killed\n`; q.kill("SIGKILL"); }, timeoutMs);
    let running = true;
    if (cutWhen) void cutWhen(bridge, () => running).then((c) => { if (c && running && q.exitCode === null) { cut = true; q.kill("SIGKILL"); } });
    const code = await exited;
    running = false;
    clearTimeout(timer);
    sock.destroy();
    srv.close();
    const stats = /est-board: stats: (.*)/.exec(err)?.[1] ?? "";
    return { code: cut ? undefined : code ?? undefined, out, log: err, stats, ms: performance.now() - t0, cut };
  }
}

/** A board on a serial port speaking the SLIP console (boards/nrf52840): reset, wait for hello, command. */
export class SerialBoard implements Board {
  readonly name: string;
  readonly canCut: boolean;
  private stream?: Duplex;
  private afterExit?: Promise<unknown>;
  private attached = false;
  constructor(private port: string, private resetCmd: string | undefined, private flashCmd: string | undefined, private work: string) {
    this.name = `serial ${port}`;
    this.canCut = !!resetCmd;
    execFileSync("stty", ["-F", port, "115200", "raw", "-echo", "crtscts"]);
  }
  private open(): Duplex {
    if (this.stream) return this.stream;
    // tty streams, not fs streams: libuv polls a tty, whereas an fs read blocks a thread-pool thread until a
    // byte comes, and such a thread keeps the process from ever exiting.
    const fd = openSync(this.port, "r+");
    const r = new ReadStream(fd), w = new WriteStream(fd);
    this.stream = Duplex.from({ readable: r, writable: w });
    this.stream.on("error", () => {}); /* destroy() at the end aborts the pending read: not an error */
    return this.stream;
  }
  async writeStore(img: Uint8Array) {
    if (!this.flashCmd) throw new Error("a serial board needs --flash-cmd to program its key store (e.g. \"nrfjprog --program {hex} --sectorerase --verify\")");
    const hex = join(this.work, "store.hex");
    writeFileSync(hex, intelHex(img));
    // Not execFileSync: the event loop keeps reading the port meanwhile, so nothing the board sent before
    // waits in the pty to be mistaken for an answer to what follows.
    const r = await sh(this.flashCmd.replaceAll("{hex}", shellPath(hex))).catch((e) => e);
    if (r.stdout) process.stdout.write(r.stdout);
    if (r.stderr) process.stderr.write(r.stderr);
    if (r instanceof Error) throw new Error(`--flash-cmd failed: ${r.message}`);
  }
  readStore() { return undefined; }
  close() { this.stream?.destroy(); }
  private async reset() {
    const r = await sh(this.resetCmd!).catch((e) => e);
    if (r instanceof Error) throw new Error(`--reset-cmd failed: ${r.message}`);
  }
  async run(cmd: string[], bridge: SlipBridge, cutWhen?: CutWhen, timeoutMs = 120_000): Promise<RunResult> {
    const s = this.open();
    for (const ev of ["out", "log", "exit"]) bridge.removeAllListeners(ev);
    if (!this.attached) { bridge.attach(s); this.attached = true; }
    const t0 = performance.now();
    let out = "", log = "";
    // A HELLO, or nothing within ms; the listener goes either way, so that no stale one takes a later HELLO.
    const helloWithin = (ms: number) => new Promise<void>((res) => {
      const done = () => { clearTimeout(t); bridge.off("hello", done); res(); };
      const t = setTimeout(done, ms);
      bridge.on("hello", done);
    });
    if (this.resetCmd) {
      // A board that resets itself after a command says HELLO within milliseconds; let that one pass first
      // so that it is not taken for the HELLO after our reset (a board that stops instead says nothing).
      if (this.afterExit) await Promise.race([this.afterExit, new Promise((r) => setTimeout(r, 300))]);
      const hello = helloWithin(5000);
      await this.reset();
      await hello;
    } else if (this.afterExit) {
      await this.afterExit; // the board resets itself after each command: wait for its HELLO
    }
    this.afterExit = undefined;
    // What this command prints, from the command on: a board whose power was cut in the middle of a frame left
    // that frame's start on the line, and the next boot's first frame (its leading END) closes it as a frame
    // of its own, before the HELLO: a piece of the cut run's report, which must not become part of this one's.
    bridge.on("out", (b: Buffer) => { out += b.toString("utf8"); });
    bridge.on("log", (l: string) => { log += l + "\n"; });
    bridge.command(cmd.join(" "));
    let cut = false, running = true;
    const code = await new Promise<number | undefined>((res) => {
      const timer = setTimeout(() => res(undefined), timeoutMs);
      bridge.once("exit", (c: number) => { clearTimeout(timer); this.afterExit = helloWithin(5000); res(c); });
      if (cutWhen) void cutWhen(bridge, () => running).then(async (c) => {
        if (!c || !running || !this.resetCmd) return;
        cut = true; clearTimeout(timer); bridge.removeAllListeners("exit");
        await this.reset().catch((e) => { log += `hil: ${e.message}\n`; });
        this.afterExit = helloWithin(5000); // power is back: the next run lets this boot's HELLO pass first
        res(undefined);
      });
    });
    running = false;
    const stats = /stats: (.*)/.exec(log)?.[1] ?? "";
    return { code, out, log, stats, ms: performance.now() - t0, cut };
  }
}

/**
 * A board with its own network (boards/esp32): it runs `enroll --json` against its configured server at every
 * boot. The bridge relays its datagrams (serveUdp), so loss injection and the datagram counts work as on a
 * serial link. A run ends with the board's own JSON report when --console-cmd gives its console (the report
 * line after the boot's "reset cause" line). Without a console the run is judged from the server: over once a
 * certificate was issued (or the request refused) and the board then sent nothing for --quiet-ms; the report
 * is then made from what the server issued and the bridge counted, and a lost last response that the board
 * is still retransmitting for after the quiet time goes unseen. A power cut is a cut from the moment it is
 * decided: the bridge stops relaying the board's ports at once (the reset command may take a while to stop the
 * board), and the next boot is judged from what the server does from then on, also while the reset runs.
 */
export class UdpBoard implements Board {
  readonly name: string;
  readonly canCut: boolean;
  private console?: ChildProcess;
  private lines: string[] = [];
  /** A boot under way (after a cut): where the cut run's console started, and which boot after it to take. */
  private booted?: { events: number; stats: BridgeStats; line: number; boot: number; t0: number };
  /** The power-cut reset under way: the next run and programming wait for it before they look at `booted`. */
  private resetting?: Promise<void>;
  constructor(private host: string, private resetCmd: string | undefined, private flashCmd: string | undefined, consoleCmd: string | undefined,
    private work: string, private server: EstServer, private quietMs: number, private verbose: boolean) {
    this.name = `udp ${host}`;
    this.canCut = !!resetCmd;
    if (consoleCmd) {
      // Its own process group: `sh -c` may fork the command (say `tail -F`), and the whole group goes at the end.
      const c = spawn("sh", ["-c", consoleCmd], { stdio: ["ignore", "pipe", "inherit"], detached: true });
      this.stopConsole = () => { try { process.kill(-c.pid!, "SIGTERM"); } catch { /* already gone */ } };
      process.once("exit", this.stopConsole); // Ctrl-C and SIGTERM end the process through exit (main)
      let part = "";
      c.stdout!.on("data", (d: Buffer) => {
        const all = (part + d.toString("utf8")).split(/\r?\n/);
        part = all.pop()!;
        for (const l of all) { this.lines.push(l); if (this.verbose) process.stderr.write(`  board: ${l}\n`); }
      });
      c.on("exit", (code) => { if (this.console) console.error(`hil: --console-cmd exited (${code}): the board's reports are no longer seen`); this.console = undefined; });
      this.console = c;
    }
  }
  async writeStore(img: Uint8Array) {
    if (!this.flashCmd) throw new Error("a udp board needs --flash-cmd to program its key store ({csv}: ESP32 NVS CSV, {hex}: Intel HEX)");
    const recs = [...readFlashImage(img).records].map(([id, data]) => ({ id, data }));
    const csv = join(this.work, "store.csv"), hex = join(this.work, "store.hex");
    writeFileSync(csv, nvsCsv(recs));
    writeFileSync(hex, intelHex(img));
    const r = await sh(this.flashCmd.replaceAll("{csv}", shellPath(csv)).replaceAll("{hex}", shellPath(hex))).catch((e) => e);
    if (r instanceof Error) throw new Error(`--flash-cmd failed: ${r.message}`);
    await this.resetting;
    this.booted = undefined; // programming stops the board
  }
  readStore() { return undefined; }
  private stopConsole?: () => void;
  close() {
    this.console = undefined;
    if (this.stopConsole) { process.off("exit", this.stopConsole); this.stopConsole(); this.stopConsole = undefined; }
  }
  async run(cmd: string[], bridge: SlipBridge, cutWhen?: CutWhen, timeoutMs = 120_000): Promise<RunResult> {
    if (cmd[0] !== "enroll") throw new Error(`a udp board runs only its boot-time enroll, not ${cmd[0]}`);
    const mark = () => ({ events: this.server.events.length, stats: { ...bridge.stats }, line: this.lines.length, boot: 1, t0: performance.now() });
    await this.resetting; // a cut's reset still running: its boot is the one to watch, once it is known
    let start = this.booted;
    this.booted = undefined;
    if (!start) {
      start = mark();
      if (this.resetCmd) await this.reset();
      else console.error(`hil: reset ${this.name} now (it enrolls at boot); waiting up to ${Math.round(timeoutMs / 1000)} s`);
    }
    const { events: e0, stats: s0, line: l0, boot: nth, t0 } = start;
    // cutPending: cutWhen has not decided yet; cutting: it cut, the reset runs; cutAt: the reset returned.
    let running = true, cutPending = !!cutWhen, cutting = false, cutAt = 0, resetError = "";
    if (cutWhen) void cutWhen(bridge, () => running).then(async (c) => {
      cutPending = false;
      if (!c || !running) return;
      cutting = true;
      // The power goes now: the bridge stops relaying what the board still sends from its ports (the reset
      // command may take a while to stop it; a board without power sends nothing).
      const cutPorts = bridge.powerCut();
      // The reset that cuts the power also boots the board again, and it enrolls at once: the next run
      // watches that boot instead of resetting once more. Console lines may lag behind the cut, so that boot
      // is counted from where this run's console started: the one after this run's own. The boot is this
      // closure's own object: another path may clear or replace this.booted while the reset is awaited.
      const next = { ...mark(), line: l0, boot: nth + 1 };
      this.booted = next;
      let done!: () => void;
      this.resetting = new Promise<void>((r) => { done = r; });
      try {
        // Judged from the server (no console), the new boot's run counts what the server does from the cut on,
        // once it has handled what the board sent before the cut: the new boot may enroll before the reset
        // command returns (a /sren takes one round trip), and nothing of the old one gets through any more.
        await this.serverCaughtUp(bridge);
        next.events = this.server.events.length;
        next.stats = { ...bridge.stats };
        await this.reset();
        cutAt = performance.now();
      } catch (e) {
        cutting = false;
        if (this.booted === next) this.booted = undefined; // no new boot to watch: the next run resets again
        resetError = `hil: the power cut failed: ${(e as Error).message}\n`;
      } finally { bridge.powerBack(cutPorts); this.resetting = undefined; done(); }
    });
    // The board's own report: the first JSON report after this boot's "reset cause" line (the nth from l0).
    const bootLine = (n: number) => { let seen = 0; return this.lines.findIndex((l, i) => i >= l0 && /reset cause/.test(l) && ++seen === n); };
    const fromConsole = () => {
      const boot = bootLine(nth);
      if (boot < 0) return undefined;
      const next = this.lines.findIndex((l, i) => i > boot && /reset cause/.test(l));
      return this.lines.slice(boot + 1, next < 0 ? undefined : next).find((l) => l.startsWith('{"ok":'));
    };
    let lastUp = -1, quietSince = performance.now();
    let verdict: "issued" | "refused" | undefined, reportLine: string | undefined;
    while (performance.now() - t0 < timeoutMs) {
      await new Promise((r) => setTimeout(r, 20));
      if (this.console) {
        if ((reportLine = fromConsole())) break;
        // After a cut: once the next boot's first line is in, everything this boot printed is too. A report
        // among it means the board had finished before the cut.
        if (cutAt && (bootLine(nth + 1) >= 0 || performance.now() - cutAt > 5000)) { reportLine = fromConsole(); break; }
        continue;
      }
      if (cutAt) break;
      // Without a console the runner cannot tell whether the board finished before its power went: a run that
      // is to be cut is not judged from the server until cutWhen has decided (the server may have issued and
      // the board fallen quiet before a late timer or a slow reset), and a cut under way counts as a cut.
      if (cutPending || cutting) continue;
      const up = bridge.stats.up + bridge.stats.droppedUp;
      if (up !== lastUp) { lastUp = up; quietSince = performance.now(); }
      const evs = this.server.events.slice(e0);
      const v = evs.some((e) => e.kind === "enroll") ? "issued" : evs.some((e) => e.kind === "refused") ? "refused" : undefined;
      if (v && performance.now() - quietSince >= this.quietMs) { verdict = v; break; }
    }
    running = false;
    const cut = cutAt > 0 && !reportLine;
    const evs = this.server.events.slice(e0);
    let log = evs.map((e) => `server: ${e.kind}: ${e.detail}`).join("\n") + "\n" + resetError;
    if (this.console) log += this.lines.slice(l0).join("\n") + "\n";
    if (cut) return { code: undefined, out: "", log, stats: "", ms: performance.now() - t0, cut };
    if (reportLine) {
      let ok = false;
      try { ok = JSON.parse(reportLine).ok === true; } catch { /* report() says it is not JSON */ }
      return { code: ok ? 0 : 1, out: reportLine + "\n", log, stats: "", ms: performance.now() - t0, cut };
    }
    if (!verdict) return { code: undefined, out: "", log: log + `hil: no outcome within ${timeoutMs} ms\n`, stats: "", ms: performance.now() - t0, cut };
    const enr = evs.filter((e) => e.kind === "enroll").pop();
    const rep: Record<string, unknown> = {
      ok: verdict === "issued", source: "server", edhoc: evs.some((e) => e.kind === "edhoc"),
      resource: /^\/(\w+):/.exec(enr?.detail ?? "")?.[1], round_trips: bridge.stats.conUp - s0.conUp,
      bytes_up: bridge.stats.bytesUp - s0.bytesUp, bytes_down: bridge.stats.bytesDown - s0.bytesDown,
    };
    if (enr?.cert) rep.certificate_pem = new X509Certificate(enr.cert).toString();
    return { code: verdict === "issued" ? 0 : 1, out: JSON.stringify(rep) + "\n", log, stats: "", ms: performance.now() - t0, cut };
  }
  /** Until the server has received every datagram the bridge relayed to it (it is fed by the bridge alone, and
   *  handles a datagram in the turn it arrives), at most 2 s. */
  private async serverCaughtUp(bridge: SlipBridge) {
    for (let i = 0; i < 400 && this.server.stats.datagramsIn < bridge.stats.up; i++) await new Promise((r) => setTimeout(r, 5));
  }
  private async reset() {
    const r = await sh(this.resetCmd!).catch((e) => e);
    if (r instanceof Error) throw new Error(`--reset-cmd failed: ${r.message}`);
  }
}

// ---- Scenarios ----------------------------------------------------------------------------------------------
interface Ctx { a: Args; board: Board; server: EstServer; bridge: SlipBridge; uri: string; log: (s: string) => void }
interface Outcome { detail: string; figures?: Record<string, number | string> }
/** optIn: run only when named in --scenarios; needsQemu: the emulated board only (another firmware image). */
type Scenario = { name: string; what: string; needsCut?: boolean; needsSlip?: boolean; optIn?: boolean; needsQemu?: boolean; run: (c: Ctx) => Promise<Outcome> };

class Fail extends Error {}
function check(cond: unknown, msg: string): asserts cond { if (!cond) throw new Fail(msg); }

function report(r: RunResult): any {
  const line = r.out.trim().split("\n").pop() ?? "";
  try { return JSON.parse(line); } catch { throw new Fail(`no JSON report from the board (exit ${r.code}${r.cut ? ", cut" : ""}):\n${r.log.slice(-1500)}`); }
}

function certChecks(c: Ctx, rep: any): string {
  check(rep.ok === true, `enrollment failed: ${JSON.stringify(rep).slice(0, 400)}`);
  const cert = new X509Certificate(rep.certificate_pem);
  const ca = new X509Certificate(readFileSync(join(c.a.work, "server/ca/ca.der")));
  check(cert.verify(ca.publicKey), "the issued certificate does not verify under the server's CA");
  // What the device stored must be what it printed: the enrollment record holds the certificate's DER.
  const img = c.board.readStore();
  if (img) {
    const st = readFlashImage(img);
    check(st.corrupt.length === 0, `corrupt records in flash: ${st.corrupt.map((x) => x.toString(16))}`);
    const rec = st.records.get(RECORDS.ENROLLMENT);
    check(rec, "no enrollment record in the device's flash");
    check(Buffer.from(rec).includes(cert.raw), "the enrollment record does not hold the printed certificate");
  }
  return `serial ${cert.serialNumber}`;
}

let icountOn = false;
const figuresOf = (r: RunResult, rep?: any) => {
  const f: Record<string, number | string> = { wall_ms: Math.round(r.ms) };
  const m = (re: RegExp) => Number(re.exec(r.stats)?.[1] ?? NaN);
  if (r.stats) {
    f.heap_high_water = m(/heap high-water (\d+)/); f.stack_high_water = m(/stack high-water (\d+) bytes, wasm3/);
    f.command_ms = m(/command (\d+) ms/); f.busy_ms = Math.round(m(/busy (\d+) us/) / 1000); f.ram = m(/of (\d+) RAM/);
    f.code_pages = m(/into (\d+) code pages/); f.code_pages_peak = m(/code pages of \d+ bytes, at most (\d+)/);
    f.code_page_bytes = m(/code pages of (\d+) bytes/); f.code_drops = m(/code dropped (\d+) times/);
    f.compiled_functions = m(/compiled (\d+) of/);
    if (icountOn) f.instructions = m(/busy (\d+) us/) * 1000; // -icount shift=0: 1 ns per instruction
  }
  if (rep) { f.round_trips = rep.round_trips; f.bytes_up = rep.bytes_up ?? ""; f.bytes_down = rep.bytes_down ?? ""; f.resource = rep.resource ?? ""; }
  return f;
};

async function freshDevice(c: Ctx, name: string, serverUri?: string) {
  const tmp = join(tmpdir(), `hil-store-${process.pid}-${name}`);
  rmSync(tmp, { force: true });
  const p = provision({ serverDir: join(c.a.work, "server"), store: tmp, name, method: c.a.method, suite: c.a.suite, serverCred: c.a.cred, deviceCred: c.a.cred, serverUri });
  const recs = parseStore(new Uint8Array(readFileSync(tmp))).map((r) => ({ id: r.id, data: r.raw.subarray(12) }));
  rmSync(tmp, { force: true });
  await c.board.writeStore(buildFlashImage(recs));
  return p.kid;
}

const enrollCmd = (c: Ctx) => ["enroll", "--json", c.uri];

const SCENARIOS: Scenario[] = [
  {
    name: "first-enrollment", what: "EDHOC + /sen with a freshly provisioned device",
    async run(c) {
      await freshDevice(c, "hil-device-1");
      const r = await c.board.run(enrollCmd(c), c.bridge);
      const rep = report(r);
      const d = certChecks(c, rep);
      check(rep.resource === "sen" && rep.edhoc === true, `expected /sen after EDHOC, got ${rep.resource}`);
      return { detail: `${d}, ${rep.round_trips} round trips`, figures: figuresOf(r, rep) };
    },
  },
  {
    name: "reenroll-after-reset", what: "a reset (new boot, same flash), then /sren under the stored OSCORE context",
    async run(c) {
      const before = c.board.readStore();
      const seq0 = before ? readFlashImage(before).records.get(RECORDS.OSCORE_SEQ) : undefined;
      const r = await c.board.run(enrollCmd(c), c.bridge);
      const rep = report(r);
      const d = certChecks(c, rep);
      check(rep.resource === "sren" && rep.edhoc === false, `expected /sren without EDHOC (state kept across the reset), got ${rep.resource}, edhoc ${rep.edhoc}`);
      const after = c.board.readStore();
      if (seq0 && after) {
        const seq1 = readFlashImage(after).records.get(RECORDS.OSCORE_SEQ);
        check(seq1 && Buffer.compare(Buffer.from(seq1), Buffer.from(seq0)) !== 0, "the sequence-number record did not move");
      }
      return { detail: `${d}, ${rep.round_trips} round trip(s)`, figures: figuresOf(r, rep) };
    },
  },
  {
    name: "server-delay", what: "a slow server: empty ACK, then the separate response",
    async run(c) {
      c.server.opts.handlerDelayMs = 2500;
      try {
        const r = await c.board.run(enrollCmd(c), c.bridge);
        const rep = report(r);
        return { detail: certChecks(c, rep), figures: figuresOf(r, rep) };
      } finally { c.server.opts.handlerDelayMs = undefined; }
    },
  },
  {
    name: "loss-20", what: "20% of datagrams dropped at the bridge, both ways: a first enrollment, then re-enrollments until at least 4 datagrams were lost",
    async run(c) {
      await freshDevice(c, "hil-device-2");
      c.bridge.setLoss(20, 20);
      const d0 = { up: c.bridge.stats.droppedUp, down: c.bridge.stats.droppedDown };
      const lost = () => c.bridge.stats.droppedUp - d0.up + c.bridge.stats.droppedDown - d0.down;
      const runs: string[] = [];
      let figures: Record<string, number | string> = {};
      try {
        while (runs.length < 8 && (runs.length < 2 || lost() < 4)) {
          const before = lost();
          const r = await c.board.run(enrollCmd(c), c.bridge, undefined, 300_000);
          const rep = report(r);
          certChecks(c, rep);
          runs.push(`${rep.resource} (${lost() - before} lost, ${Math.round(r.ms)} ms)`);
          if (runs.length === 1) figures = figuresOf(r, rep);
        }
        check(lost() >= 4, `only ${lost()} datagrams were dropped in ${runs.length} runs`);
        return { detail: `${runs.length} enrollments, all issued, ${c.bridge.stats.droppedUp - d0.up} datagrams lost up and ${c.bridge.stats.droppedDown - d0.down} down: ${runs.join(", ")}`,
          figures: { ...figures, dropped_up: c.bridge.stats.droppedUp - d0.up, dropped_down: c.bridge.stats.droppedDown - d0.down } };
      } finally { c.bridge.setLoss(0, 0); }
    },
  },
  {
    name: "corrupt-25", what: "25% of the datagrams to the device get one flipped bit: the device drops them by checksum and enrolls",
    needsSlip: true,
    async run(c) {
      c.bridge.setCorruption(25);
      const c0 = c.bridge.stats.corruptedDown;
      const runs: string[] = [];
      let dropped = 0, figures: Record<string, number | string> = {};
      try {
        while (runs.length < 16 && (runs.length < 2 || c.bridge.stats.corruptedDown - c0 < 2)) {
          const r = await c.board.run(enrollCmd(c), c.bridge, undefined, 300_000);
          const rep = report(r);
          certChecks(c, rep);
          dropped += Number(/dropped (\d+) bad/.exec(r.stats)?.[1] ?? 0);
          runs.push(rep.resource);
          if (runs.length === 1) figures = figuresOf(r, rep);
        }
      } finally { c.bridge.setCorruption(0); }
      const corrupted = c.bridge.stats.corruptedDown - c0;
      check(corrupted >= 2, `only ${corrupted} datagrams were corrupted in ${runs.length} runs`);
      // One flipped bit anywhere in the packet breaks the IPv4 header checksum or the UDP checksum (the bit is
      // flipped before SLIP framing, so the frame itself arrives whole): the device must drop every one.
      check(dropped === corrupted, `the device dropped ${dropped} of the ${corrupted} corrupted datagrams`);
      return { detail: `${runs.length} enrollments issued; ${corrupted} datagrams corrupted on the way, ${dropped} dropped by the device's IPv4/UDP checks`, figures: { ...figures, corrupted, dropped_by_device: dropped } };
    },
  },
  {
    name: "power-cut", what: "power cut at points through a first enrollment, then power back: old or new state, and it enrolls",
    needsCut: true,
    async run(c) {
      const outcomes: string[] = [];
      // Cut after the n-th datagram up (device -> server) or down, plus a delay: within EDHOC, around the
      // combined request, and after the enrollment response arrived, while the device checks and stores it.
      const cuts: [dir: "up" | "down", n: number, ms: number][] = [["up", 1, 0], ["up", 2, 0], ["down", 2, 0], ["down", 2, 100], ["down", 2, 200], ["down", 2, 300], ["down", 2, 350], ["down", 2, 400], ["down", 2, 450], ["down", 2, 600]];
      let n = 0;
      for (const [dir, after, delay] of cuts) {
        await freshDevice(c, `hil-device-cut-${++n}`);
        const before = c.board.readStore(); // a serial board cannot give its flash back: no comparison then
        const pristine = before ? readFlashImage(before) : undefined;
        const base = { up: c.bridge.stats.up + c.bridge.stats.droppedUp, down: c.bridge.stats.down };
        const cutWhen = async (b: SlipBridge, running: () => boolean) => {
          const seen = () => (dir === "up" ? b.stats.up + b.stats.droppedUp - base.up : b.stats.down - base.down);
          while (running() && seen() < after) await new Promise((r) => setTimeout(r, 1));
          await new Promise((r) => setTimeout(r, delay));
          return running();
        };
        const r = await c.board.run(enrollCmd(c), c.bridge, cutWhen);
        const img = c.board.readStore();
        let state = "n/a";
        if (img && pristine) {
          const st = readFlashImage(img);
          check(st.corrupt.length === 0, `a record is corrupt after the cut: ${st.corrupt}`);
          const enr = st.records.get(RECORDS.ENROLLMENT);
          for (const id of [RECORDS.EDHOC_KEY, RECORDS.CRED_I, RECORDS.CRED_R]) {
            // A firmware whose crypto provider keeps keys moves the EDHOC key out of its record into the board's
            // key record (0x10000 + id: format, type, 0, 0, key) on first use: the same key, kept elsewhere.
            const now = st.records.get(id), was = pristine.records.get(id);
            if (id === RECORDS.EDHOC_KEY && !now && was) {
              const moved = st.records.get(0x10000 + id);
              check(moved && Buffer.compare(Buffer.from(moved.subarray(4, 36)), Buffer.from(was)) === 0, "the EDHOC key left its record but is not in the board's key storage");
              continue;
            }
            check(Buffer.compare(Buffer.from(now ?? []), Buffer.from(was ?? [])) === 0, `provisioned record 0x${id.toString(16)} changed`);
          }
          state = enr ? "new enrollment stored" : "no enrollment yet";
        }
        // Power back: the device must enroll (a new EDHOC, or /sren if it had finished).
        const r2 = await c.board.run(enrollCmd(c), c.bridge);
        const rep = report(r2);
        certChecks(c, rep);
        outcomes.push(`cut ${delay} ms after datagram ${dir} ${after} (${r.cut ? "cut" : `finished first, exit ${r.code}`}): ${state}; then ${rep.resource}`);
      }
      const stored = outcomes.filter((o) => o.includes("new enrollment stored")).length;
      const cutShort = outcomes.filter((o) => o.includes("(cut)")).length;
      if (!c.board.readStore()) // a serial board: the flash cannot be read back, only the enrollments after power back prove it
        return { detail: `${cuts.length} power cycles (${cutShort} during the command), each enrolled after power back (flash contents not readable on this board)\n${outcomes.join("\n")}` };
      return { detail: `${cuts.length} cuts: ${cuts.length - stored} left the provisioned state, ${stored} the new enrollment, never a mix; each enrolled after power back\n${outcomes.join("\n")}` };
    },
  },
  {
    name: "boot-maintain", what: "the test firmware's boot path with a server URI in the key store: enrolls, then nothing is due",
    optIn: true, needsQemu: true,
    async run(c) {
      await freshDevice(c, "hil-device-boot", c.uri);
      const seen: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await c.board.run(["status", "--json"], c.bridge);
        const boot = /est-board: boot: maintain (.*)/.exec(r.log)?.[1] ?? "";
        const rep = report(r);
        check(rep.enrolled === true && typeof rep.renew_at === "string", `not enrolled after the boot path: ${boot}\n${r.log.slice(-800)}`);
        seen.push(boot);
      }
      check(/^enrolled \(OK\), enrolled, renews at \S+Z$/.test(seen[0]), `first boot: ${seen[0]}`);
      check(/^nothing due \(OK\), enrolled, renews at \S+Z$/.test(seen[1]), `second boot: ${seen[1]}`);
      return { detail: `boot 1: maintain ${seen[0]}; boot 2: maintain ${seen[1]}` };
    },
  },
  {
    name: "lifecycle", what: "the example application (examples/mps2-sensor) with certificates valid for 45 s: enrolls, reports readings under OSCORE, renews by itself at two thirds of the validity",
    optIn: true, needsQemu: true,
    async run(c) {
      const kid = await freshDevice(c, "hil-device-life", c.uri);
      const times = watchServer(c);
      const old = c.server.opts.validityDays;
      c.server.opts.validityDays = 45 / 86400;
      try {
        const r = await c.board.run(["--report-s", "3", "--cycles", "1"], c.bridge, undefined, 120_000, c.a.appElf);
        const ev = appEvents(r);
        check(r.code === 0, `the application did not finish (exit ${r.code}):\n${r.log.slice(-1200)}`);
        const maint = ev.filter((e) => e.event === "maintain");
        check(maint[0]?.action === "enrolled" && maint.some((e) => e.action === "renewed"), `maintain: ${JSON.stringify(maint)}`);
        const renewed = maint.find((e) => e.action === "renewed")!;
        const before = ev.slice(0, ev.indexOf(renewed)).filter((e) => e.event === "reading" && e.status === "OK").length;
        const after = ev.slice(ev.indexOf(renewed)).filter((e) => e.event === "reading" && e.status === "OK").length;
        check(before >= 1 && after >= 1, `readings before/after the renewal: ${before}/${after}`);
        const mine = times.stop().filter((e) => e.kid === kid);
        const enrolls = mine.filter((e) => e.kind === "enroll");
        check(enrolls.map((e) => /^\/(\w+):/.exec(e.detail)?.[1]).join(",") === "sen,sren", `server: ${enrolls.map((e) => e.detail).join("; ")}`);
        // The renewal came when it was due: not before the first certificate's renewal time (the board's wall
        // clock is the host's, through semihosting), and within a few seconds of it.
        const sren = enrolls[1].at / 1000, due = maint[0].renew_at;
        check(sren >= due - 1 && sren <= due + 8, `renewed at ${sren}, due at ${due}`);
        const readings = mine.filter((e) => e.kind === "sensor").length;
        return { detail: `enrolled, ${before} reading(s), renewed ${Math.round(sren - due)} s after the renewal time, then ${after} reading(s); the server stored ${readings}`,
          figures: { wall_ms: Math.round(r.ms), readings, renew_delay_s: Math.round(sren - due) } };
      } finally { c.server.opts.validityDays = old; times.stop(); }
    },
  },
  {
    name: "app-power-cut", what: "the example application cut off at points of its life (EDHOC, storing the certificate, a reading, storing a renewed one): state intact, and it goes on",
    optIn: true, needsQemu: true, needsCut: true,
    async run(c) {
      const kid = await freshDevice(c, "hil-device-appcut", c.uri);
      const old = c.server.opts.validityDays;
      c.server.opts.validityDays = 45 / 86400;
      const ca = new X509Certificate(readFileSync(join(c.a.work, "server/ca/ca.der")));
      const outcomes: string[] = [];
      type Cut = { label: string; when: (b: SlipBridge, running: () => boolean, base: { up: number; down: number; sren: number; sensor: number }) => Promise<boolean> };
      const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
      const until = async (running: () => boolean, cond: () => boolean) => { while (running() && !cond()) await wait(1); return running(); };
      const srens = () => c.server.events.filter((e) => e.kid === kid && e.kind === "enroll" && e.detail.startsWith("/sren")).length;
      const sensors = () => c.server.events.filter((e) => e.kid === kid && e.kind === "sensor").length;
      const afterUp = (n: number, ms: number): Cut => ({ label: `${ms} ms after datagram up ${n}`, when: async (b, run, base) => (await until(run, () => b.stats.up + b.stats.droppedUp - base.up >= n)) && (await wait(ms), run()) });
      const afterDown = (n: number, ms: number): Cut => ({ label: `${ms} ms after datagram down ${n}`, when: async (b, run, base) => (await until(run, () => b.stats.down - base.down >= n)) && (await wait(ms), run()) });
      const afterSren = (ms: number): Cut => ({ label: `${ms} ms after the server renewed`, when: async (_b, run, base) => (await until(run, () => srens() > base.sren)) && (await wait(ms), run()) });
      const afterReading = (ms: number): Cut => ({ label: `${ms} ms after a reading arrived`, when: async (_b, run, base) => (await until(run, () => sensors() > base.sensor)) && (await wait(ms), run()) });
      const cuts: Cut[] = [afterUp(1, 0), afterDown(2, 0), afterDown(2, 250), afterUp(3, 0), afterReading(0), afterSren(0), afterSren(150), afterSren(400), afterSren(900), afterSren(1500)];
      try {
        for (const cut of cuts) {
          const base = { up: c.bridge.stats.up + c.bridge.stats.droppedUp, down: c.bridge.stats.down, sren: srens(), sensor: sensors() };
          const r = await c.board.run(["--report-s", "3"], c.bridge, (b, running) => cut.when(b, running, base), 60_000, c.a.appElf);
          const img = c.board.readStore()!;
          const st = readFlashImage(img);
          check(st.corrupt.length === 0, `corrupt records after the cut ${cut.label}: ${st.corrupt}`);
          const rec = st.records.get(RECORDS.ENROLLMENT);
          let state = "no enrollment";
          if (rec) {
            const cl = (rec[34] << 8) | rec[35];
            const cert = new X509Certificate(Buffer.from(rec.subarray(36, 36 + cl)));
            check(cert.verify(ca.publicKey), `the stored certificate does not verify after the cut ${cut.label}`);
            state = `enrolled (serial ${cert.serialNumber})`;
          }
          outcomes.push(`cut ${cut.label} (${r.cut ? "cut" : `exit ${r.code}`}): ${state}`);
        }
        // Power back for good: it renews by itself and reports again.
        const r = await c.board.run(["--report-s", "3", "--cycles", "1"], c.bridge, undefined, 120_000, c.a.appElf);
        check(r.code === 0, `after the cuts the application did not finish (exit ${r.code}):\n${r.log.slice(-1200)}`);
        const replays = c.server.events.filter((e) => e.kid === kid && /replay/i.test(e.detail));
        check(replays.length === 0, `the server saw replayed OSCORE requests: ${replays.map((e) => e.detail).join("; ")}`);
        const ev = appEvents(r);
        return { detail: `${cuts.length} cuts, the store intact after each; then ${ev.filter((e) => e.event === "maintain").map((e) => e.action).join(", ")} and ${ev.filter((e) => e.event === "reading").length} reading(s) to the end\n${outcomes.join("\n")}` };
      } finally { c.server.opts.validityDays = old; }
    },
  },
];

/** The example application's JSON lines (examples/mps2-sensor). */
function appEvents(r: RunResult): any[] {
  return r.out.split("\n").filter((l) => l.startsWith("{")).map((l) => { try { return JSON.parse(l); } catch { return {}; } });
}

/** The server's events from now on, each with the time it was seen (polled every 50 ms). */
function watchServer(c: Ctx): { stop: () => (Event & { at: number })[] } {
  const seen: (Event & { at: number })[] = [];
  let n = c.server.events.length;
  const t = setInterval(() => { while (n < c.server.events.length) seen.push({ ...c.server.events[n++], at: Date.now() }); }, 50);
  return { stop: () => { clearInterval(t); while (n < c.server.events.length) seen.push({ ...c.server.events[n++], at: Date.now() }); return seen; } };
}

// ---- JUnit and the summary ----------------------------------------------------------------------------------
const xml = (s: string) => s.replace(/[<>&"]/g, (ch) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[ch]!);

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  rmSync(join(a.work, "server"), { recursive: true, force: true });
  mkdirSync(a.work, { recursive: true });
  const log = (s: string) => { if (a.verbose) process.stderr.write(s + "\n"); };
  const server = await EstServer.start({ dir: join(a.work, "server"), host: "127.0.0.1", serverCred: a.cred, log: a.verbose ? (l) => log(`server: ${l}`) : undefined } as EstServerOptions);
  const bridge = new SlipBridge({ seed: a.seed, trace: a.verbose ? log : undefined });
  let board: Board;
  if (a.board === "udp") {
    // The board is told apart by its address: a name (say esp32.local) is looked up once, here.
    const addr = await lookup(a.target!, { family: 4 }).catch((e) => { throw new Error(`--board udp ${a.target}: ${e.message}`); });
    await bridge.serveUdp(a.port, addr.address, server.port);
    board = new UdpBoard(a.target!, a.resetCmd, a.flashCmd, a.consoleCmd, a.work, server, a.quietMs, a.verbose);
  } else {
    board = a.board === "qemu" ? new QemuBoard(a.elf, a.work, a.verbose, a.icount) : new SerialBoard(a.target!, a.resetCmd, a.flashCmd, a.work);
  }
  const uri = `coap://127.0.0.1:${server.port}/.well-known/est`;
  icountOn = a.icount && a.board === "qemu";
  const ctx: Ctx = { a, board, server, bridge, uri, log };
  const chosen = SCENARIOS.filter((s) => (a.scenarios ? a.scenarios.includes(s.name) : !s.optIn));
  for (const n of a.scenarios ?? []) if (!SCENARIOS.some((s) => s.name === n)) throw new Error(`unknown scenario ${n} (${SCENARIOS.map((s) => s.name).join(", ")})`);
  const results: { s: Scenario; ok: boolean; skipped?: string; ms: number; detail: string; figures?: Record<string, number | string> }[] = [];
  console.log(a.board === "udp" ? `HIL on ${board.name}: its server URI must be coap://<this host>:${a.port}/.well-known/est` : `HIL on ${board.name}, server ${uri}`);
  for (const s of chosen) {
    if (s.needsCut && !board.canCut) { results.push({ s, ok: true, skipped: "the board cannot be power-cut (serial and udp boards need --reset-cmd)", ms: 0, detail: "" }); continue; }
    if (s.needsQemu && a.board !== "qemu") { results.push({ s, ok: true, skipped: "it runs another firmware image, which only the emulated board takes from the runner", ms: 0, detail: "" }); continue; }
    if (s.needsSlip && a.board === "udp") { results.push({ s, ok: true, skipped: "it tests the SLIP link's IPv4/UDP checks; this board has its own network stack", ms: 0, detail: "" }); continue; }
    const t0 = performance.now();
    try {
      const o = await s.run(ctx);
      results.push({ s, ok: true, ms: performance.now() - t0, ...o });
    } catch (e) {
      results.push({ s, ok: false, ms: performance.now() - t0, detail: e instanceof Error ? (e instanceof Fail ? e.message : e.stack ?? e.message) : String(e) });
    }
    const r = results[results.length - 1];
    console.log(`${r.ok ? "PASS" : "FAIL"} ${s.name.padEnd(22)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.detail.split("\n")[0].slice(0, 300)}`);
    const more = r.detail.split("\n").slice(1);
    if (more.length) console.log(more.map((l) => "       " + l).join("\n"));
    if (r.figures) console.log(`       ${Object.entries(r.figures).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  }
  board.close();
  bridge.close();
  await server.stop();
  const failed = results.filter((r) => !r.ok).length, skipped = results.filter((r) => r.skipped).length;
  const total = results.reduce((t, r) => t + r.ms, 0) / 1000;
  const cases = results.map((r) => `  <testcase classname="hil.${xml(a.board)}" name="${xml(r.s.name)}" time="${(r.ms / 1000).toFixed(3)}">` +
    (r.skipped ? `<skipped message="${xml(r.skipped)}"/>` : r.ok ? `<system-out>${xml(r.detail + (r.figures ? "\n" + JSON.stringify(r.figures) : ""))}</system-out>` : `<failure message="${xml(r.detail.split("\n")[0])}">${xml(r.detail)}</failure>`) + "</testcase>");
  writeFileSync(a.junit, `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="hil ${xml(board.name)}" tests="${results.length}" failures="${failed}" skipped="${skipped}" time="${total.toFixed(3)}">\n${cases.join("\n")}\n</testsuite>\n`);
  console.log(`${results.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped in ${total.toFixed(1)} s; JUnit: ${a.junit}`);
  return failed ? 1 : 0;
}

// Ctrl-C or a kill: leave through process.exit, so that the "exit" listeners stop what the runner started.
// Only as a program (a test imports UdpBoard).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => { console.error(`hil: ${sig}, stopping`); process.exit(130); });
  main().then((c) => process.exit(c), (e) => { console.error(`hil: ${e instanceof Error ? e.message : e}`); process.exit(2); });
}
