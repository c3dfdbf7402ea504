// Keeps the three descriptions of the ABI in step — assembly/base/abi.ts + assembly/base/errors.ts +
// assembly/crypto/provider.ts (module side), host/include/est_abi.h + est_crypto.h (C hosts) and
// host/node/abi.ts (Node host) — and checks them against what the built modules really import and export,
// and against the opcodes wasm3 v0.5.0 can run.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as nodeAbi from "../host/node/abi.js";
import { checkModule } from "../host/node/wasm-check.js";
import { ROOT } from "./helpers/hosts.js";
import { generated, parseMessages } from "../tools/gen-messages.js";
import { MESSAGES } from "../host/node/messages.js";

const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
const errorsTs = read("assembly/base/errors.ts");
const abiTs = read("assembly/base/abi.ts");
const header = read("host/include/est_abi.h");
const providerTs = read("assembly/crypto/provider.ts");
const cryptoHeader = read("host/include/est_crypto.h");
const cryptoGlue = read("host/est_crypto_imports.c");
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

/** Imports of one module declared in an AssemblyScript file, with their signature in wasm3 notation. */
function tsImports(src = abiTs, module = "board"): Map<string, string> {
  const m = new Map<string, string>();
  const re = new RegExp(`@external\\("${module}", "(\\w+)"\\)\\s*export declare function \\w+\\(([^)]*)\\): (\\w+);`, "g");
  const letter = (t: string) => (t === "i64" ? "I" : t === "void" ? "v" : "i");
  for (const [, name, params, ret] of src.matchAll(re)) {
    const p = params.trim() ? params.split(",").map((x) => letter(x.split(":")[1].trim())).join("") : "";
    m.set(name, `${letter(ret)}(${p})`);
  }
  return m;
}

function headerList(macro: string, src = header): Map<string, string> {
  const body = src.slice(src.indexOf(`#define ${macro}(X)`));
  const block = body.slice(0, body.indexOf("\n\n"));
  return new Map([...block.matchAll(/X\((\w+), "([^"]+)"\)/g)].map(([, n, s]) => [n, s]));
}

describe("imports and exports", () => {
  it("declare the same imports with the same signatures everywhere", () => {
    const ts = tsImports();
    expect(ts.size).toBe(13); // udp_send, udp_resolve, rng_fill, store_read/write/erase, clock_ms, real_time_s, log, in_read, in_seek, out, panic
    expect([...headerList("EST_ABI_IMPORTS")].sort()).toEqual([...ts].sort());
    expect(Object.entries(nodeAbi.IMPORTS).sort()).toEqual([...ts].sort());
  });

  it("declare the same exports in C and in the Node host, all documented in abi.ts", () => {
    const c = headerList("EST_ABI_EXPORTS");
    expect(c.size).toBe(15);
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
      ["IN_SEEK_SET", "EST_IN_SEEK_SET", nodeAbi.IN_SEEK_SET],
      ["IN_SEEK_END", "EST_IN_SEEK_END", nodeAbi.IN_SEEK_END],
    ] as const) {
      expect(num(abiTs, new RegExp(`export const ${ts}: \\w+ = (\\d+)`)), ts).toBe(v);
      expect(num(header, new RegExp(`#define ${c} (\\d+)`)), c).toBe(v);
    }
    expect(Number(abiTs.match(/STORE_MAX_ID: u32 = (0x[0-9a-f]+)/)![1])).toBe(nodeAbi.STORE_MAX_ID);
    expect(Number(header.match(/EST_STORE_MAX_ID (0x[0-9a-f]+)u/)![1])).toBe(nodeAbi.STORE_MAX_ID);
  });
});

describe("the crypto import module", () => {
  it("declares the same imports with the same signatures everywhere, each linked by the wasm3 glue", () => {
    const ts = tsImports(providerTs, "crypto");
    expect(ts.size).toBe(21);
    expect([...headerList("EST_CRYPTO_IMPORTS", cryptoHeader)].sort()).toEqual([...ts].sort());
    expect(Object.entries(nodeAbi.CRYPTO_IMPORTS).sort()).toEqual([...ts].sort());
    for (const name of ts.keys()) expect(cryptoGlue).toContain(`m3ApiRawFunction(imp_${name})`);
    expect(providerTs).not.toMatch(/@external\("board"/);
  });

  it("agrees on the capability bits, key types, limits and key records", () => {
    const ts = (name: string) => Number(providerTs.match(new RegExp(`export const ${name}: \\w+ = (0x[0-9a-f]+|\\d+);`))![1]);
    const c = (name: string) => Number(cryptoHeader.match(new RegExp(`#define EST_CRYPTO_${name} \\(?(0x[0-9a-f]+|\\d+)u?`))![1]);
    for (const [bit, v] of Object.entries(nodeAbi.CRYPTO_CAP)) {
      expect(ts(`CAP_${bit}`), bit).toBe(v);
      expect(c(`CAP_${bit}`), bit).toBe(v);
    }
    expect(Object.keys(nodeAbi.CRYPTO_CAP).length).toBe(8);
    const csr = read("assembly/pki/keys.ts");
    for (const [type, v] of Object.entries(nodeAbi.CRYPTO_KEY)) {
      expect(ts(`KEY_TYPE_${type}`), type).toBe(v);
      expect(c(`KEY_${type}`), type).toBe(v);
      expect(Number(csr.match(new RegExp(`export const KEY_${type}: i32 = (\\d+);`))![1]), type).toBe(v);
    }
    expect([ts("CRYPTO_MAX_KEYS"), c("MAX_KEYS")]).toEqual([nodeAbi.CRYPTO_MAX_KEYS, nodeAbi.CRYPTO_MAX_KEYS]);
    expect([ts("CRYPTO_MAX_HASH_OPS"), c("MAX_HASH_OPS")]).toEqual([nodeAbi.CRYPTO_MAX_HASH_OPS, nodeAbi.CRYPTO_MAX_HASH_OPS]);
    expect([ts("CRYPTO_KEY_MAX_ID"), c("KEY_MAX_ID")]).toEqual([nodeAbi.CRYPTO_KEY_MAX_ID, nodeAbi.CRYPTO_KEY_MAX_ID]);
    expect([ts("KEY_RECORD_BASE"), c("KEY_RECORD_BASE")]).toEqual([nodeAbi.CRYPTO_KEY_RECORD_BASE, nodeAbi.CRYPTO_KEY_RECORD_BASE]);
    expect([c("KEY_RECORD_FORMAT"), c("KEY_RECORD_LEN")]).toEqual([nodeAbi.CRYPTO_KEY_RECORD_FORMAT, nodeAbi.CRYPTO_KEY_RECORD_LEN]);
    // The key records lie above every id the module's store imports accept.
    expect(nodeAbi.CRYPTO_KEY_RECORD_BASE).toBeGreaterThan(nodeAbi.STORE_MAX_ID);
    expect(cryptoHeader).toMatch(/#define EST_CRYPTO_IMPORT_MODULE "crypto"/);
    expect(nodeAbi.CRYPTO_IMPORT_MODULE).toBe("crypto");
  });
});

describe("built modules", () => {
  for (const file of ["build/client.wasm", "build/client-native.wasm", "build/client.debug.wasm", "build/sim.wasm", "build/abi-probe.wasm", "build/codec-test.wasm", "build/edhoc-test.wasm", "build/crypto-test.wasm", "build/c509-test.wasm"]) {
    const wasm = readFileSync(join(ROOT, file));

    it(`${file} passes the host's ABI check and imports only declared functions`, () => {
      expect(() => checkModule(wasm, 2)).not.toThrow();
      const mod = new WebAssembly.Module(wasm);
      for (const imp of WebAssembly.Module.imports(mod)) {
        expect(["board", "crypto"]).toContain(imp.module);
        expect(Object.keys(imp.module === "board" ? nodeAbi.IMPORTS : nodeAbi.CRYPTO_IMPORTS)).toContain(imp.name);
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

    // The device modules' start function runs at build time (tools/preinit-module.ts): its objects are data and
    // the globals only it wrote are constants, which is what keeps wasm3's records of them out of a board's heap.
    if (/^build\/client(-native)?\.wasm$/.test(file)) it(`${file} has its start function evaluated at build time`, () => {
      const d = execFileSync("wasm-objdump", ["-d", join(ROOT, file)], { encoding: "utf8", maxBuffer: 64 << 20 });
      const body = /<_start>:\n((?: [0-9a-f]+:.*\n)*)/.exec(d);
      expect(body).not.toBeNull();
      expect(body![1].split("\n").filter(Boolean).map((l) => l.split("| ")[1].trim())).toEqual(["nop", "end"]);
    });

    // The microcontroller firmware builds wasm3 without floating point (d_m3HasFloat=0, tools/build-mps2.sh):
    // 25 KB less flash, and a module with a float opcode would not compile there.
    if (/client|sim\.wasm/.test(file)) it(`${file} uses no floating-point opcode (the boards' wasm3 has none)`, () => {
      const d = execFileSync("wasm-objdump", ["-d", join(ROOT, file)], { encoding: "utf8", maxBuffer: 64 << 20 });
      expect(d.length).toBeGreaterThan(1000);
      expect(d.match(/\b(f32|f64)\.\w+/g) ?? []).toEqual([]);
    });
  }
});

describe("messages and results", () => {
  it("the generated message tables are current (tools/gen-messages.ts from assembly/base/messages.txt)", () => {
    for (const [file, text] of Object.entries(generated())) expect(read(file), file).toBe(text);
  });

  it("every message id the module code names is in the table, and the table has no unused message", () => {
    const used = new Set<string>();
    const walk = (dir: string): string[] => execFileSync("find", [join(ROOT, dir), "-name", "*.ts"], { encoding: "utf8" }).trim().split("\n");
    for (const f of [...walk("assembly"), ...walk("test/common"), ...walk("test/abi")]) {
      if (f.endsWith("base/msg.ts")) continue;
      for (const [, n] of readFileSync(f, "utf8").matchAll(/\bM_([A-Z0-9_]+)\b/g)) used.add(n);
    }
    const table = parseMessages(read("assembly/base/messages.txt"));
    const names = new Set(table.map((m) => m.name));
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
    expect(table.map((m) => m.name).filter((n) => !used.has(n))).toEqual([]);
    expect(MESSAGES.size).toBe(table.length);
  });

  for (const mod of ["build/client.wasm", "build/client-native.wasm"]) it(`${mod} carries none of the message texts (they live in the hosts)`, () => {
    const wasm = readFileSync(join(ROOT, mod));
    const found = parseMessages(read("assembly/base/messages.txt"))
      .map((m) => m.text.split("{")[0].trim()).filter((t) => t.length >= 12)
      .filter((t) => wasm.includes(Buffer.from(t, "utf16le")) || wasm.includes(Buffer.from(t, "latin1")));
    expect(found).toEqual([]);
  });

  it("the result record's tags are the same in the module, in C and in the Node host", () => {
    const ts = read("assembly/base/result.ts");
    const tags = [...ts.matchAll(/^export const RESULT_(\w+): u(?:8|32) = (\d+);/gm)].map(([, n, v]) => [n, Number(v)] as const);
    expect(tags.length).toBeGreaterThan(20);
    for (const [n, v] of tags) {
      expect(Number(header.match(new RegExp(`#define EST_RESULT_${n} (\\d+)u?`))?.[1]), n).toBe(v);
      expect((nodeAbi.RESULT as Record<string, number>)[n], n).toBe(v);
    }
  });
});
