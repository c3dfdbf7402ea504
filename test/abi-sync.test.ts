// Keeps the three descriptions of the ABI in step — assembly/abi.ts + assembly/errors.ts (module side),
// host/include/est_abi.h (C hosts) and host/node/abi.ts (Node host) — and checks them against what the built
// modules really import and export, and against the opcodes wasm3 v0.5.0 can run.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as nodeAbi from "../host/node/abi.js";
import { checkModule } from "../host/node/wasm-check.js";
import { ROOT } from "./helpers/hosts.js";

const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
const errorsTs = read("assembly/errors.ts");
const abiTs = read("assembly/abi.ts");
const header = read("host/include/est_abi.h");
const hostC = read("host/est_host.c");

function tsStatuses(): Map<string, number> {
  const m = new Map<string, number>();
  for (const [, name, v] of errorsTs.matchAll(/^export const (\w+): i32 = (-?\d+);/gm)) m.set(name, Number(v));
  return m;
}

function headerStatuses(): Map<string, number> {
  const m = new Map<string, number>();
  for (const [, name, v] of header.matchAll(/^#define EST_((?:E_\w+)|OK|PENDING) \(?(-?\d+)\)?/gm)) m.set(name, Number(v));
  return m;
}

describe("status codes", () => {
  it("are the same table in AssemblyScript, C and the Node host", () => {
    const ts = tsStatuses();
    expect(ts.size).toBeGreaterThan(30);
    expect([...headerStatuses()].sort()).toEqual([...ts].sort());
    const node = new Map(Object.entries(nodeAbi.E).map(([k, v]) => [k === "OK" || k === "PENDING" ? k : "E_" + k, v]));
    expect([...node].sort()).toEqual([...ts].sort());
  });

  it("have unique numbers", () => {
    const values = [...tsStatuses().values()];
    expect(new Set(values).size).toBe(values.length);
  });

  it("are all named by statusName, est_status_name and the Node host", () => {
    for (const [name, v] of tsStatuses()) {
      expect(errorsTs).toContain(`case ${name}: return "${name}";`);
      expect(hostC).toContain(`S(${name})`);
      expect(nodeAbi.statusName(v)).toBe(name);
    }
  });
});

/** Imports declared in assembly/abi.ts, with their signature in wasm3 notation. */
function tsImports(): Map<string, string> {
  const m = new Map<string, string>();
  const re = /@external\("board", "(\w+)"\)\s*export declare function \w+\(([^)]*)\): (\w+);/g;
  const letter = (t: string) => (t === "i64" ? "I" : t === "void" ? "v" : "i");
  for (const [, name, params, ret] of abiTs.matchAll(re)) {
    const p = params.trim() ? params.split(",").map((x) => letter(x.split(":")[1].trim())).join("") : "";
    m.set(name, `${letter(ret)}(${p})`);
  }
  return m;
}

function headerList(macro: string): Map<string, string> {
  const body = header.slice(header.indexOf(`#define ${macro}(X)`));
  const block = body.slice(0, body.indexOf("\n\n"));
  return new Map([...block.matchAll(/X\((\w+), "([^"]+)"\)/g)].map(([, n, s]) => [n, s]));
}

describe("imports and exports", () => {
  it("declare the same imports with the same signatures everywhere", () => {
    const ts = tsImports();
    expect(ts.size).toBe(11);
    expect([...headerList("EST_ABI_IMPORTS")].sort()).toEqual([...ts].sort());
    expect(Object.entries(nodeAbi.IMPORTS).sort()).toEqual([...ts].sort());
  });

  it("declare the same exports in C and in the Node host, all documented in abi.ts", () => {
    const c = headerList("EST_ABI_EXPORTS");
    expect(c.size).toBe(13);
    expect(Object.entries(nodeAbi.EXPORTS).sort()).toEqual([...c].sort());
    for (const name of c.keys()) if (name !== "_start") expect(abiTs).toContain(`// ${name}(`);
  });

  it("agree on the ABI constants", () => {
    const num = (src: string, re: RegExp) => Number(src.match(re)![1]);
    expect(num(abiTs, /ABI_VERSION: u32 = (\d+)/)).toBe(nodeAbi.ABI_VERSION);
    expect(num(header, /EST_ABI_VERSION (\d+)u/)).toBe(nodeAbi.ABI_VERSION);
    for (const [ts, c, v] of [
      ["ADDR_V4_LEN", "EST_ADDR_V4_LEN", nodeAbi.ADDR_V4_LEN],
      ["ADDR_V6_LEN", "EST_ADDR_V6_LEN", nodeAbi.ADDR_V6_LEN],
      ["ADDR_V6_SCOPED_LEN", "EST_ADDR_V6_SCOPED_LEN", nodeAbi.ADDR_V6_SCOPED_LEN],
      ["ADDR_MAX_LEN", "EST_ADDR_MAX_LEN", nodeAbi.ADDR_MAX_LEN],
      ["IO_PAYLOAD_OFFSET", "EST_IO_PAYLOAD_OFFSET", nodeAbi.IO_PAYLOAD_OFFSET],
      ["STORE_MAX_RECORD", "EST_STORE_MAX_RECORD", nodeAbi.STORE_MAX_RECORD],
      ["LOG_ALWAYS", "EST_LOG_ALWAYS", nodeAbi.LOG_ALWAYS],
      ["LOG_ERROR", "EST_LOG_ERROR", nodeAbi.LOG_ERROR],
      ["LOG_TRACE", "EST_LOG_TRACE", nodeAbi.LOG_TRACE],
    ] as const) {
      expect(num(abiTs, new RegExp(`export const ${ts}: \\w+ = (\\d+)`)), ts).toBe(v);
      expect(num(header, new RegExp(`#define ${c} (\\d+)`)), c).toBe(v);
    }
    expect(Number(abiTs.match(/STORE_MAX_ID: u32 = (0x[0-9a-f]+)/)![1])).toBe(nodeAbi.STORE_MAX_ID);
    expect(Number(header.match(/EST_STORE_MAX_ID (0x[0-9a-f]+)u/)![1])).toBe(nodeAbi.STORE_MAX_ID);
  });
});

describe("built modules", () => {
  for (const file of ["build/client.wasm", "build/client.debug.wasm", "build/abi-probe.wasm", "build/codec-test.wasm", "build/edhoc-test.wasm", "build/c509-test.wasm"]) {
    const wasm = readFileSync(join(ROOT, file));

    it(`${file} passes the host's ABI check and imports only declared functions`, () => {
      expect(() => checkModule(wasm, 2)).not.toThrow();
      const mod = new WebAssembly.Module(wasm);
      for (const imp of WebAssembly.Module.imports(mod)) {
        expect(imp.module).toBe("board");
        expect(Object.keys(nodeAbi.IMPORTS)).toContain(imp.name);
      }
      const names = WebAssembly.Module.exports(mod).map((e) => e.name);
      for (const e of Object.keys(nodeAbi.EXPORTS)) expect(names).toContain(e);
    });

    it(`${file} declares two 64 KiB pages, initial and maximum`, () => {
      const x = execFileSync("wasm-objdump", ["-x", join(ROOT, file)], { encoding: "utf8" });
      expect(x).toMatch(/memory\[0\] pages: initial=2 max=2/);
    });

    it(`${file} uses no opcode wasm3 v0.5.0 lacks`, () => {
      const d = execFileSync("wasm-objdump", ["-d", join(ROOT, file)], { encoding: "utf8", maxBuffer: 64 << 20 });
      expect(d.length).toBeGreaterThan(1000);
      const bad = d.match(/\b(memory\.init|data\.drop|table\.(init|copy|grow|size|fill|get|set)|ref\.(null|func|is_null)|v128\.\w+|[if](8x16|16x8|32x4|64x2)\.\w+|return_call\w*|try|catch|throw|rethrow|atomic\.\w+)\b/g);
      expect(bad ?? []).toEqual([]);
    });
  }
});
