// The device's cost on the emulated nRF52840 (QEMU mps2-an386 held to 256 KiB of RAM), per firmware build and
// per identity the HIL runner knows: QEMU instruction counts of a first enrollment and of a /sren (with
// -icount shift=0 one instruction is one virtual nanosecond of busy time), the heap and stack high-water marks
// the firmware reports, the module's size and its linear-memory heap top, and the firmware's flash (text +
// data). Seconds at 64 MHz and 240 MHz assume one instruction per cycle: optimistic for a Cortex-M4 (flash
// wait states, multi-cycle loads), so read them as a lower bound.
//
//   npm run bench:board                     a table
//   npm run bench:board -- --json           one JSON object per build and identity
//   npm run bench:board -- --identities default,x5chain --builds portable
//
// It builds nothing: npm run build and npm run build:mps2 and npm run build:mps2-native first.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { NodeBoard } from "../../host/node/board.js";
import { ModuleHost } from "../../host/node/host.js";
import { FileStore } from "../../host/node/store.js";

const ROOT = resolve(import.meta.dirname, "../..");

/** The identities: HIL runner options for each. */
export const IDENTITIES: Record<string, string[]> = {
  default: [],                                  // method 3, suite 2, CCS by kid
  "m0-s0": ["--method", "0", "--suite", "0"],   // Ed25519 signatures, X25519
  "m0-s2": ["--method", "0", "--suite", "2"],   // ES256 signatures
  "m3-s0": ["--method", "3", "--suite", "0"],   // static X25519 keys
  x5t: ["--cred", "x5t"],
  x5chain: ["--cred", "x5chain"],
};

/** The firmware builds: the ELF and the module it embeds. */
export const BUILDS: Record<string, { elf: string; module: string }> = {
  portable: { elf: "build/mps2-an386.elf", module: "build/client.wasm" },
  "native-crypto": { elf: "build/mps2-an386-native.elf", module: "build/client-native.wasm" },
};

export interface Run { instructions: number; heap_high_water: number; stack_high_water: number; seconds_64mhz: number; seconds_240mhz: number }
export interface Row {
  build: string; identity: string; module_bytes: number; heap_top: number; flash_bytes: number;
  first: Run | null; sren: Run | null; error?: string;
}

async function heapTop(module: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "bench-board-"));
  const board = new NodeBoard({ store: new FileStore(join(dir, "ks")), out: () => {}, err: () => {} });
  try { return (await ModuleHost.load(readFileSync(join(ROOT, module)), board)).heapTop(); } finally { await board.close(); }
}

function flashBytes(elf: string): number {
  const [text, data] = execFileSync("arm-none-eabi-size", [join(ROOT, elf)], { encoding: "utf8" }).split("\n")[1].trim().split(/\s+/).map(Number);
  return text + data;
}

/** One HIL run of the first enrollment and the re-enrollment after a reset, with instruction counts. */
function measure(elf: string, opts: string[]): { first: Run | null; sren: Run | null; error?: string } {
  const work = mkdtempSync(join(tmpdir(), "bench-board-hil-"));
  const r = spawnSync("npx", ["tsx", "tools/hil/run.ts", "--board", "qemu", "--icount", "--elf", elf, "--work", work,
    "--scenarios", "first-enrollment,reenroll-after-reset", ...opts], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
  const out = r.stdout ?? "";
  const run = (name: string): Run | null => {
    const m = new RegExp(`PASS ${name}[^\\n]*\\n\\s+(.*)`).exec(out);
    if (!m) return null;
    const f = Object.fromEntries(m[1].split(" ").map((kv) => kv.split("=")).map(([k, v]) => [k, Number(v)]));
    return {
      instructions: f.instructions, heap_high_water: f.heap_high_water, stack_high_water: f.stack_high_water,
      seconds_64mhz: +(f.instructions / 64e6).toFixed(3), seconds_240mhz: +(f.instructions / 240e6).toFixed(3),
    };
  };
  const first = run("first-enrollment"), sren = run("reenroll-after-reset");
  if (first && sren) return { first, sren };
  const failed = (out + (r.stderr ?? "")).split("\n").filter((l) => /FAIL|Error/.test(l));
  // Suite 0 enrolls an Ed25519 key (and method 0 signs with one): mbedTLS has no Ed25519, so the native-crypto
  // build refuses those identities at start, as designed (README "Cryptography").
  if (failed.some((l) => /E_UNSUPPORTED/.test(l))) return { first, sren, error: "refused: E_UNSUPPORTED, the board's provider has no Ed25519" };
  return { first, sren, error: failed.slice(0, 3).join(" | ") || "no figures" };
}

async function main() {
  const argv = process.argv.slice(2);
  const json = argv.includes("--json");
  const pick = (k: string, all: string[]) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1].split(",") : all; };
  const builds = pick("--builds", Object.keys(BUILDS)).filter((b) => existsSync(join(ROOT, BUILDS[b].elf)) && existsSync(join(ROOT, BUILDS[b].module)));
  const identities = pick("--identities", Object.keys(IDENTITIES));
  const rows: Row[] = [];
  for (const b of builds) {
    const { elf, module } = BUILDS[b];
    const base = { build: b, module_bytes: readFileSync(join(ROOT, module)).length, heap_top: await heapTop(module), flash_bytes: flashBytes(elf) };
    for (const id of identities) {
      const m = measure(elf, IDENTITIES[id]);
      const row: Row = { ...base, identity: id, first: m.first, sren: m.sren, ...(m.error ? { error: m.error } : {}) };
      rows.push(row);
      if (json) console.log(JSON.stringify(row));
    }
  }
  if (json) return;
  const M = (n?: number) => (n === undefined || Number.isNaN(n) ? "-" : (n / 1e6).toFixed(1) + " M");
  console.log("build          identity  module  heap top  flash    | first: instructions  64 MHz  240 MHz  heap HW  stack HW | sren: instructions  64 MHz  heap HW");
  for (const r of rows) {
    console.log(`${r.build.padEnd(14)} ${r.identity.padEnd(9)} ${String(r.module_bytes).padStart(6)}  ${String(r.heap_top).padStart(8)}  ${String(r.flash_bytes).padStart(7)}  | ` +
      `${M(r.first?.instructions).padStart(17)}  ${(r.first?.seconds_64mhz ?? "-").toString().padStart(6)}  ${(r.first?.seconds_240mhz ?? "-").toString().padStart(7)}  ` +
      `${String(r.first?.heap_high_water ?? "-").padStart(7)}  ${String(r.first?.stack_high_water ?? "-").padStart(8)} | ` +
      `${M(r.sren?.instructions).padStart(17)}  ${(r.sren?.seconds_64mhz ?? "-").toString().padStart(6)}  ${String(r.sren?.heap_high_water ?? "-").padStart(7)}` +
      (r.error ? `  (${r.error})` : ""));
  }
  console.log("Seconds assume one instruction per cycle (a lower bound on a Cortex-M4). Heap high-water of 231,384 B available.");
}

await main();
