// Foundation figures: module and simulator sizes, est-sim memory, and the time to load and start the module
// under wasm3 (est-sim, C) and under V8 (the Node host, in process). Prints a table; asserts nothing.
//   npm run bench            (builds first)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { NodeBoard } from "../../host/node/board.js";
import { ModuleHost } from "../../host/node/host.js";
import { FileStore } from "../../host/node/store.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SIM = join(ROOT, "build/est-sim");
const WASM = join(ROOT, "build/client.wasm");
const RUNS = 30;
const dir = mkdtempSync(join(tmpdir(), "est-bench-"));

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

function simStats(args: string[]) {
  const r = spawnSync(SIM, ["--stats", "--store", join(dir, "ks"), ...args], { encoding: "utf8" });
  const m = r.stderr.match(/load\+start ([\d.]+) ms, command ([\d.]+) ms, linear memory (\d+) bytes, peak RSS (\d+) KiB/);
  if (!m) throw new Error(`no stats from est-sim: ${r.stderr}`);
  return { load: Number(m[1]), command: Number(m[2]), memory: Number(m[3]), rss: Number(m[4]) };
}

const wasm = readFileSync(WASM);
const sizeText = execFileSync("size", [SIM], { encoding: "utf8" }).trim().split("\n")[1].trim().split(/\s+/);

const wasm3Load: number[] = [], wasm3Rss: number[] = [], wasm3Version: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const s = simStats(["version"]);
  wasm3Load.push(s.load); wasm3Rss.push(s.rss); wasm3Version.push(s.command);
}
const v8Load: number[] = [], v8Version: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const board = new NodeBoard({ store: new FileStore(join(dir, "ks")), out: () => {}, err: () => {} });
  const t0 = performance.now();
  const h = await ModuleHost.load(wasm, board);
  const t1 = performance.now();
  await h.run(["version"]);
  v8Load.push(t1 - t0); v8Version.push(performance.now() - t1);
  await board.close();
}

const rows: [string, string][] = [
  ["build/client.wasm", `${wasm.length} bytes`],
  ["build/est-sim (file)", `${statSync(SIM).size} bytes`],
  ["build/est-sim text / data / bss", `${sizeText[0]} / ${sizeText[1]} / ${sizeText[2]} bytes`],
  ["module linear memory", (() => { const m = simStats(["version"]).memory; return `${m} bytes (${m / 65536} page${m === 65536 ? "" : "s"})`; })()],
  ["est-sim peak RSS running `version` (median)", `${median(wasm3Rss)} KiB`],
  ["load+start under wasm3, median of " + RUNS, `${median(wasm3Load).toFixed(3)} ms`],
  ["load+start under V8 (Node host), median of " + RUNS, `${median(v8Load).toFixed(3)} ms`],
  ["ratio wasm3 / V8 (load+start)", (median(wasm3Load) / median(v8Load)).toFixed(2)],
  ["`version` command under wasm3 / V8", `${median(wasm3Version).toFixed(3)} / ${median(v8Version).toFixed(3)} ms`],
];
const w = Math.max(...rows.map((r) => r[0].length));
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
