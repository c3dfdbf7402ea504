// Load figures for the development server (npm run bench:server): many simulated devices (the Node host's
// est-sim, host/node/cli.ts runCli, all in this process) against the server in a child process
// (server-child.ts), which reports its own CPU time, peak RSS and datagram counts.
//
//   tsx tools/bench/server.ts [--devices N (1000)] [--seeds N (20)] [--flood-rate N (300)] [--flood-sources N (300)]
//                             [--flood-warmup S (20)] [--only enroll|loss|flood]
//
// 1. N devices enroll at once (/sen with EDHOC), then all re-enroll at once (/sren): successes, p50/p95 latency,
//    enrollments per second, server CPU ms per enrollment, server peak RSS, datagrams in and out.
// 2. 40% loss both ways, seeds 1..S at once, one fresh device each with the device's defaults (ACK_TIMEOUT 2 s,
//    -B 90 s): how many enroll within that deadline, and why the others did not.
// 3. A flood of message_1 (valid P-256 points) at R per second, from one address (127.0.0.2) and then from
//    --flood-sources addresses (127.0.1.0 on, as forged sources would come); a real device (127.0.0.1) starts
//    enrolling once the flood has run --flood-warmup seconds (past its first burst, the server's tables as full
//    as it makes them): that enrollment's time.
// All three run by default; --only picks one. Figures are printed, never asserted. Everything stays on loopback.
import { fork } from "node:child_process";
import { createECDH, randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../host/node/cli.js";
import { provision } from "../provision.js";
import { encode, OPT } from "../server/coap.js";

const args = process.argv.slice(2);
const opt = (n: string, d: number) => { const i = args.indexOf(n); return i >= 0 ? Number(args[i + 1]) : d; };
const only = (() => { const i = args.indexOf("--only"); return i >= 0 ? args[i + 1] : undefined; })();
const N = opt("--devices", 1000), SEEDS = opt("--seeds", 20), RATE = opt("--flood-rate", 300);
const FLOOD_SOURCES = opt("--flood-sources", 300), WARMUP_S = opt("--flood-warmup", 20);

interface Stats { cpuMs: number; maxRssKiB: number; load: Record<string, number>; endpoint: { datagramsIn: number; datagramsOut: number }; events: number }
async function startServer(dir: string, limits?: object) {
  const child = fork(join(import.meta.dirname, "server-child.ts"), limits ? [dir, JSON.stringify(limits)] : [dir], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((res) => child.once("message", (m: any) => res(m.port)));
  const stats = () => new Promise<Stats>((res) => { child.once("message", (m: any) => res(m)); child.send("stats"); });
  const stop = () => new Promise<void>((res) => { child.once("exit", () => res()); child.send("stop"); });
  return { port, stats, stop };
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN; };
const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "-");

async function enrollAll(stores: string[], url: string, extra: string[] = []) {
  const t0 = performance.now();
  const lat: number[] = [];
  let ok = 0;
  await Promise.all(stores.map(async (s) => {
    const t = performance.now();
    const r = await runCli([...extra, "--store", s, "enroll", "--json", url], { input: "" });
    if (r.code === 0) { ok++; lat.push(performance.now() - t); }
  }));
  return { ok, lat, wallMs: performance.now() - t0 };
}

async function phaseEnroll() {
  const dir = mkdtempSync(join(tmpdir(), "bench-server-"));
  const sdir = join(dir, "server");
  const stores = Array.from({ length: N }, (_, i) => join(dir, `d${i}.ks`));
  const tp = performance.now();
  for (const s of stores) provision({ serverDir: sdir, store: s });
  console.log(`provisioned ${N} devices in ${f((performance.now() - tp) / 1000)} s`);
  // Every simulated device sends from 127.0.0.1, where real ones would each have an address of their own: the
  // per-source message_1 limit is lifted for this phase (the CPU budget stays).
  const srv = await startServer(sdir, { message1PerSource: 1e6, message1Burst: 1e6 });
  const url = `coap://127.0.0.1:${srv.port}`;
  for (const [name, what] of [["enroll (/sen, EDHOC)", "sen"], ["re-enroll (/sren)", "sren"]] as const) {
    const before = await srv.stats();
    const r = await enrollAll(stores, url);
    const after = await srv.stats();
    console.log(`${name}: ${r.ok}/${N} succeeded; latency p50 ${f(pct(r.lat, 50) / 1000, 2)} s, p95 ${f(pct(r.lat, 95) / 1000, 2)} s; ` +
      `${f(r.ok / (r.wallMs / 1000))} enrollments/s; server CPU ${f((after.cpuMs - before.cpuMs) / Math.max(1, r.ok), 2)} ms per enrollment; ` +
      `server peak RSS ${f(after.maxRssKiB / 1024)} MiB; datagrams in/out ${after.endpoint.datagramsIn - before.endpoint.datagramsIn}/${after.endpoint.datagramsOut - before.endpoint.datagramsOut} [${what}]`);
  }
  console.log(`server load counters: ${JSON.stringify((await srv.stats()).load)}`);
  await srv.stop();
}

async function phaseLoss() {
  const dir = mkdtempSync(join(tmpdir(), "bench-loss-"));
  const sdir = join(dir, "server");
  const srv = await startServer(sdir);
  const url = `coap://127.0.0.1:${srv.port}`;
  // The seeds run at once (each device mostly waits for its retransmission timers), each with its own store.
  const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
  const stores = seeds.map((seed) => { const store = join(dir, `loss${seed}.keystore`); provision({ serverDir: sdir, store }); return store; });
  const runs = await Promise.all(seeds.map(async (seed, i) => {
    const t = performance.now();
    const r = await runCli(["--loss", "40", "--impair-seed", String(seed), "--store", stores[i], "enroll", "--json", url], { input: "" });
    return { seed, ok: r.code === 0, ms: performance.now() - t, why: r.code === 0 ? "" : (r.stdout.trim().split("\n").pop() ?? "").match(/"detail":"([^"]*)"/)?.[1] ?? `exit ${r.code}` };
  }));
  const ok = runs.filter((r) => r.ok).length, times = runs.map((r) => r.ms);
  console.log(`40% loss both ways: ${ok}/${SEEDS} seeds enrolled within the deadline (failed: ${runs.filter((r) => !r.ok).map((r) => `${r.seed} (${r.why})`).join(", ") || "none"}); ` +
    `time p50 ${f(pct(times, 50) / 1000, 1)} s, max ${f(Math.max(...times) / 1000, 1)} s`);
  await srv.stop();
}

async function phaseFlood(sources: number) {
  const dir = mkdtempSync(join(tmpdir(), "bench-flood-"));
  const sdir = join(dir, "server");
  const store = join(dir, "device.keystore");
  provision({ serverDir: sdir, store });
  const srv = await startServer(sdir);
  const url = `coap://127.0.0.1:${srv.port}`;
  // The flood's sources: 127.0.0.2, or `sources` addresses from 127.0.1.0 on (as a flood with forged source
  // addresses would come), taking turns.
  const socks = await Promise.all(Array.from({ length: sources }, (_, i) => new Promise<ReturnType<typeof createSocket>>((res) => {
    const s = createSocket("udp4");
    s.on("message", () => { /* answers are not read */ });
    s.bind(0, sources === 1 ? "127.0.0.2" : `127.0.${1 + (i >> 8)}.${i & 255}`, () => res(s));
  })));
  const m1s = Array.from({ length: 256 }, () => { const e = createECDH("prime256v1"); e.generateKeys(); return Uint8Array.from([0xf5, 0x03, 0x02, 0x58, 0x20, ...e.getPublicKey(null, "compressed").subarray(1), 0x37]); });
  let sent = 0, mid = randomBytes(2).readUInt16BE(0);
  const started = performance.now();
  const timer = setInterval(() => {
    // Keep the rate until the device is done: send what is due since the start (timers are coarse on a busy machine).
    const due = Math.floor(((performance.now() - started) / 1000) * RATE) - sent;
    for (let i = 0; i < due; i++, sent++) {
      mid = (mid + 1) & 0xffff;
      socks[sent % sources].send(encode({ type: 0, code: 2, mid, token: Uint8Array.of(sent & 0xff), options: [[OPT.URI_PATH, Buffer.from(".well-known")], [OPT.URI_PATH, Buffer.from("edhoc")]], payload: m1s[sent % m1s.length] }), srv.port, "127.0.0.1");
    }
  }, 10);
  // The device starts once the flood has run WARMUP s: past its first burst, with the server's tables as full as
  // the flood makes them.
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  const before = await srv.stats();
  const t = performance.now();
  const r = await runCli(["--store", store, "enroll", "--json", url], { input: "" });
  const ms = performance.now() - t;
  const after = await srv.stats();
  clearInterval(timer);
  for (const s of socks) s.close();
  const from = sources === 1 ? "one address (127.0.0.2)" : `${sources} addresses`;
  console.log(`flood of ${RATE} message_1/s from ${from}, device started after ${WARMUP_S} s of it: a real device's enrollment ${r.code === 0 ? "succeeded" : `FAILED (exit ${r.code})`} in ${f(ms / 1000, 2)} s; ` +
    `${sent} message_1 sent by then; server: ${JSON.stringify(after.load)}; server CPU during the enrollment ${f(after.cpuMs - before.cpuMs, 0)} ms`);
  await srv.stop();
}

// The machine is shared: what else ran shows in the load average.
const machine = () => `${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}`;
console.log(`bench:server on ${machine()}`);
if (!only || only === "enroll") await phaseEnroll();
if (!only || only === "loss") await phaseLoss();
if (!only || only === "flood") { await phaseFlood(1); await phaseFlood(FLOOD_SOURCES); }
console.log(`done; ${machine()}`);
process.exit(0);
