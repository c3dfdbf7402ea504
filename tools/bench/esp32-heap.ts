// The heap an enrollment takes on the ESP32 board code, measured on its Linux stand-in build
// (tools/build-esp32-linux.sh: board_esp32.c, module_source.c, the NVS key store, wasm3 and the host, against
// the ESP-IDF stand-ins; heap_count.c counts every allocation of that code by the bytes asked for).
//
//   npm run bench:esp32-heap            a table
//   npm run bench:esp32-heap -- --json  one JSON object per build and setting
//
// For each build (portable: build/client.wasm on the board without a crypto provider, as the ESP-IDF component
// builds it; native-crypto: build/client-native.wasm on the board with the mbedTLS provider) and each setting
// of the component's Memory menu (components/est_client/Kconfig), a first enrollment (EDHOC + /sen) and, in a
// new process as after a reset, a renewal (/sren), against the development server on loopback. Figures: the
// heap high-water of the process's own code. The build is 32-bit x86 (BITS=32: gcc -m32, Debian's
// gcc-multilib), wasm3 configured as for the ESP32, so pointers, wasm3's structures and its compiled code take
// what they take on the chip; Xtensa's code for the C parts differs, the heap does not. Not counted: the task's
// stack (CONFIG_EST_TASK_STACK, 24 KiB, which ESP-IDF takes from the heap too) and ESP-IDF's per-block overhead.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EstServer } from "../server/est.js";
import { provision } from "../provision.js";
import { writeFakeNvs } from "../device-image.js";

const ROOT = join(import.meta.dirname, "../..");
const json = process.argv.includes("--json");

const BUILDS = [
  { build: "portable", bin: "build/esp32-linux32/esp32-linux", module: "build/client.wasm", env: { BITS: "32" } },
  { build: "native-crypto", bin: "build/esp32-linux32/esp32-linux-native", module: "build/client-native.wasm", env: { BITS: "32", CRYPTO: "native" } },
];
// The component's Memory settings (components/est_client/Kconfig): the defaults before this benchmark (16 KiB
// value stack, all of the module's memory, all compiled code kept), 48 KiB of memory with the code kept, today's
// defaults (compiled code dropped between the module's steps, as the 256 KiB boards do), and the native-crypto
// firmware's settings of the 256 KiB boards (the portable module does not fit 36 KiB of memory).
const SETTINGS = [
  { setting: "stack 16384, memory 0, code kept (before)", stack: "16384", mem: "0", cache: "0" },
  { setting: "stack 8192, memory 49152, code kept", stack: "8192", mem: "49152", cache: "0" },
  { setting: "stack 8192, memory 49152, cache 2048 (default)", stack: "8192", mem: "49152", cache: "2048" },
  { setting: "stack 4096, memory 36864, cache 2048", stack: "4096", mem: "36864", cache: "2048" },
];

function run(bin: string, module: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(join(ROOT, bin), [join(ROOT, module), ...args], { env: { ...process.env, ...env, EST_HEAP_REPORT: "1" } });
    let out = "", err = "";
    c.stdout.on("data", (d) => (out += d));
    c.stderr.on("data", (d) => (err += d));
    const t = setTimeout(() => c.kill("SIGKILL"), 120_000);
    c.on("close", (code) => { clearTimeout(t); resolve({ code, out, err }); });
  });
}

function heapOf(r: { code: number | null; out: string; err: string }, what: string): number {
  const rep = JSON.parse(r.out.trim().split("\n").pop() || "{}");
  if (r.code !== 0 || !rep.ok) throw new Error(`${what} failed (exit ${r.code}): ${r.err.trim().split("\n").slice(-3).join(" | ")}`);
  const m = /heap high-water (\d+) bytes/.exec(r.err);
  if (!m) throw new Error(`${what}: no heap report (is the binary built with heap_count.c?)`);
  return Number(m[1]);
}

async function main() {
  for (const b of BUILDS) execFileSync("bash", [join(ROOT, "tools/build-esp32-linux.sh")], { cwd: ROOT, env: { ...process.env, ...b.env }, stdio: "ignore" });
  const rows: Record<string, unknown>[] = [];
  for (const b of BUILDS) {
    for (const s of SETTINGS) {
      if (b.build === "portable" && s.mem === "36864") continue; // its heap top (about 48 KiB) is above 36 KiB
      const dir = mkdtempSync(join(tmpdir(), "esp32-heap-"));
      const server = await EstServer.start({ dir: join(dir, "server") });
      try {
        const sim = join(dir, "sim.keystore");
        provision({ serverDir: join(dir, "server"), store: sim });
        const nvs = join(dir, "nvs.bin");
        writeFakeNvs(sim, nvs);
        const env = { EST_FAKE_NVS: nvs, EST_WASM_STACK: s.stack, EST_MEMORY_BYTES: s.mem, EST_CODE_CACHE_BYTES: s.cache };
        const args = ["enroll", "--json", `coap://127.0.0.1:${server.port}`];
        const first = heapOf(await run(b.bin, b.module, args, env), `${b.build} first enrollment`);
        const sren = heapOf(await run(b.bin, b.module, args, env), `${b.build} /sren`);
        rows.push({ build: b.build, setting: s.setting, wasm_stack_bytes: Number(s.stack), memory_bytes: Number(s.mem), code_cache_bytes: Number(s.cache), first_heap_high_water: first, sren_heap_high_water: sren });
      } finally { await server.stop(); }
    }
  }
  if (json) { for (const r of rows) console.log(JSON.stringify(r)); return; }
  console.log("build          setting                                         first: heap HW   /sren: heap HW");
  for (const r of rows) console.log(`${String(r.build).padEnd(14)} ${String(r.setting).padEnd(47)} ${String(r.first_heap_high_water).padStart(14)} ${String(r.sren_heap_high_water).padStart(16)}`);
  console.log("Bytes asked of malloc by the board code, wasm3, the host and (native-crypto) mbedTLS; 32-bit build; the task stack not included.");
}

main().catch((e) => { console.error(`bench:esp32-heap: ${(e as Error).message}`); process.exit(1); });
