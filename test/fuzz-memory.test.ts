// No decoder may allocate per call. The module runs with AssemblyScript's stub runtime, which never frees: an
// allocation on every message would, message after message, exhaust the linear memory and trap. Each fuzz
// target of test/fuzz/entry.ts runs its seed inputs (tools/fuzz/seeds.ts) three times over in one instance under
// V8; the heap may grow during the first round only (lazily created singletons), never after.
// This found that EDHOC error messages allocated a CBOR reader per message (assembly/secure.ts).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { seeds } from "../tools/fuzz/seeds.js";
import { ROOT, tempDir } from "./helpers/hosts.js";

const targets = spawnSync("bash", [join(ROOT, "tools/fuzz/targets.sh")], { encoding: "utf8" }).stdout.trim().split(/\s+/);

async function instance(wasm: Uint8Array) {
  let mem: WebAssembly.Memory;
  const board: Record<string, (...a: any[]) => unknown> = {
    udp_send: (_a: number, _al: number, _d: number, dl: number) => dl, udp_resolve: () => -30,
    rng_fill: (p: number, n: number) => { new Uint8Array(mem.buffer, p, n).fill(0x5a); return 0; },
    store_read: () => -20, store_write: () => 0, store_erase: () => 0, clock_ms: () => 1000n, real_time_s: () => -8n,
    log: () => undefined, in_read: () => 0, out: (_p: number, n: number) => n,
    panic: (m: number, ml: number, f: number, fl: number, line: number) => {
      const txt = (p: number, n: number) => Buffer.from(new Uint8Array(mem.buffer, p, n)).toString("utf8");
      throw new Error(`module panic: ${txt(m, ml)} at ${txt(f, fl)}:${line}`);
    },
  };
  // A board without native crypto: the entry's own provider does every operation (caps() = 0).
  const crypto: Record<string, () => number> = {};
  for (const i of WebAssembly.Module.imports(new WebAssembly.Module(wasm))) if (i.module === "crypto") crypto[i.name] = () => (i.name === "caps" ? 0 : -1);
  const { instance } = await WebAssembly.instantiate(wasm, { board, crypto, env: { abort: () => { throw new Error("abort"); } } });
  const e = instance.exports as any;
  mem = e.memory;
  e._start(); // the module's start function (static initialisers), as tools/fuzz/harness.c runs it
  return e;
}

describe("fuzz targets: no allocation per call", () => {
  it("every target's seeds, three rounds: the heap grows in the first round at most", async () => {
    const out = join(tempDir("fuzz-mem-"), "fuzz.wasm");
    execFileSync("npx", ["asc", "test/fuzz/entry.ts", "--target", "fuzz", "--outFile", out, "--textFile", "/dev/null"], { cwd: ROOT, stdio: "ignore" });
    const wasm = readFileSync(out);
    const all = seeds(targets);
    const grew: string[] = [];
    for (const t of targets) {
      expect(all[t].length, `seeds of ${t}`).toBeGreaterThan(0);
      const e = await instance(wasm);
      let afterFirst = 0;
      for (let round = 0; round < 3; round++) {
        for (const input of all[t]) {
          new Uint8Array(e.memory.buffer, e.fuzz_input(), input.length).set(input);
          try { e[`fuzz_${t}`](input.length); } catch (x) { throw new Error(`${t}, seed ${input.toString("hex").slice(0, 80)}: ${x}`); }
        }
        if (round === 0) afterFirst = e.heap_top();
      }
      if (e.heap_top() !== afterFirst) grew.push(`${t}: ${afterFirst} -> ${e.heap_top()}`);
    }
    expect(grew).toEqual([]);
  }, 120_000);
});
