// The desktop simulator (build/est-sim) and the Node host as products: CLI, self-test, the key store's
// behaviour across power cuts, and no allocation growth in the module across repeated commands.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NodeBoard } from "../host/node/board.js";
import { ModuleHost } from "../host/node/host.js";
import { FileStore, parseStore, crc32 } from "../host/node/store.js";
import { CLIENT_WASM, SIM_WASM, EST_SIM, HOSTS, ROOT, runCommand, tempDir } from "./helpers/hosts.js";

const PROBE = join(ROOT, "build/abi-probe.wasm");

describe("command line", () => {
  for (const host of HOSTS) {
    it(`${host}: --help documents options, commands and exit codes`, async () => {
      const r = await runCommand(host, ["--help"]);
      expect(r.code).toBe(0);
      for (const word of ["--module", "--store", "--store-capacity", "--verbose", "--stats", "selftest", "vectors", "exit codes"]) {
        expect(r.stdout).toContain(word);
      }
    });

    it(`${host}: an unknown option is a usage error`, async () => {
      const r = await runCommand(host, ["--frobnicate", "selftest"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("unknown option or missing value: --frobnicate");
    });

    it(`${host}: no command prints the usage on stderr with exit code 2`, async () => {
      const r = await runCommand(host, []);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^usage: est-sim/);
    });
  }

  it("prints the same help under both hosts", async () => {
    const [a, b] = await Promise.all(HOSTS.map((h) => runCommand(h, ["--help"])));
    expect(b.stdout).toBe(a.stdout);
  });
});

describe("selftest", () => {
  it("passes under both hosts with the same facts about the module", async () => {
    const results = [];
    for (const host of HOSTS) {
      const dir = tempDir();
      const r = await runCommand(host, ["--store", join(dir, "ks"), "selftest", "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.ok).toBe(true);
      expect(j.abi_version).toBe(2);
      expect(j.memory_pages).toBe(2);
      expect(j.steps.map((s: any) => [s.step, s.ok])).toEqual([["rng", true], ["crypto", true], ["store", true], ["clock", true]]);
      // The scratch record is gone again: the store holds no records.
      expect(parseStore(readFileSync(join(dir, "ks")))).toEqual([]);
      results.push(j.heap_top);
    }
    expect(results[1]).toBe(results[0]);
  });

  it("leaves other records untouched", async () => {
    const dir = tempDir();
    const ks = join(dir, "ks");
    const store = new FileStore(ks);
    expect(store.write(42, Buffer.from("device identity"))).toBe(0);
    const before = readFileSync(ks);
    const r = await runCommand("wasm3", ["--store", ks, "selftest"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("self-test passed");
    expect(readFileSync(ks)).toEqual(before);
  });

  it("fails with a clear message when the store cannot be written", async () => {
    const dir = tempDir();
    // A store path inside a missing directory: reading finds nothing, writing must fail.
    const r = await runCommand("wasm3", ["--store", join(dir, "missing", "ks"), "selftest"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL  store: write of the scratch record failed \(E_STORE_IO\)/);
    expect(r.stderr).toMatch(/key store: cannot write .*: No such file or directory/);
  });
});

describe("key store across power cuts", () => {
  it("is always the old or the new file after SIGKILL at random moments", async () => {
    const dir = tempDir();
    const ks = join(dir, "ks");
    let seen = 0;
    for (let trial = 0; trial < 25; trial++) {
      const child = spawn(EST_SIM, ["--module", PROBE, "--store", ks, "--store-capacity", "65536", "store-fill"], { stdio: "ignore" });
      const closed = new Promise((r) => child.on("close", r));
      await new Promise((r) => setTimeout(r, 1 + Math.floor(Math.random() * 25)));
      child.kill("SIGKILL");
      await closed;
      if (!existsSync(ks)) continue;
      seen++;
      const img = readFileSync(ks);
      const recs = parseStore(img); // throws on a torn file
      for (const rec of recs) {
        const dv = new DataView(rec.raw.buffer, rec.raw.byteOffset);
        expect(crc32(rec.raw.subarray(12), crc32(rec.raw.subarray(0, 8)))).toBe(dv.getUint32(8));
      }
    }
    expect(seen).toBeGreaterThan(0);
    // A leftover temporary file from a cut never confuses the next run.
    writeFileSync(ks + ".tmp", "half-written garbage");
    const r = await runCommand("wasm3", ["--module", PROBE, "--store", ks, "--store-capacity", "65536", "store-write", "1", "00"]);
    expect(r.stdout).toBe("store_write: OK\n");
    expect(new FileStore(ks, 65536).read(1, 16)).toEqual(Uint8Array.from([0]));
  });
});

describe("module memory", () => {
  it("does not grow the heap across repeated commands (V8 host, in process)", async () => {
    const dir = tempDir();
    const board = new NodeBoard({ store: new FileStore(join(dir, "ks")), out: () => {}, err: () => {} });
    const host = await ModuleHost.load(readFileSync(SIM_WASM), board);
    await host.run(["version"]);
    const top = host.heapTop();
    const k = "11".repeat(32);
    for (let i = 0; i < 300; i++) {
      // Every primitive, valid and refused inputs alike, then the error paths.
      await host.run(["vector", `{"op":"sha256","msg":"${"ab".repeat(i)}"}`]);
      await host.run(["vector", `{"op":"aes_ccm_open","key":"${"00".repeat(16)}","nonce":"${"00".repeat(13)}","aad":"","ct":"${"01".repeat(20)}"}`]);
      await host.run(["vector", `{"op":"x25519","scalar":"${k}","u":"${"00".repeat(32)}"}`]);
      if (i % 30 === 0) {
        await host.run(["vector", `{"op":"ed25519_sign","seed":"${k}","msg":"00"}`]);
        await host.run(["vector", `{"op":"p256_sign","priv":"${k}","msg":"00"}`]);
        await host.run(["vector", `{"op":"hmac_drbg","entropy":"${k}","nonce":"${k}","len":64}`]);
      }
      await host.run(["vector", `{"op":"nope","i":${i}}`]);
      await host.run(["vector", "not json"]);
      await host.run(["no-such-command", "x".repeat(i)]);
      await host.run(["version"]);
    }
    await host.run(["selftest"]);
    expect(host.heapTop()).toBe(top);
    expect(host.memoryBytes).toBe(131072);
    await board.close();
  });
});
