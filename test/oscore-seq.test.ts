// OSCORE Sender Sequence Numbers across reboots and power cuts (RFC 8613 Appendix B.1.1), through the protocol
// test entry under est-sim: every process is a boot, SIGKILL is a power cut. No number may ever be used twice.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { EST_SIM, ROOT, runCommand, tempDir } from "./helpers/hosts.js";

const ENTRY = join(ROOT, "build/edhoc-test.wasm");

describe("OSCORE sequence numbers", () => {
  it("continue after a reboot from the stored limit, writing once per 32 numbers", async () => {
    const ks = join(tempDir(), "ks");
    const run = async () => JSON.parse((await runCommand("wasm3", ["--module", ENTRY, "--store", ks, "vectors"], { input: '{"op":"oscore_seq","count":100}\n' })).stdout);
    const a = await run(), b = await run();
    expect(a).toEqual({ first: 0, last: 99, writes: 4 });
    expect(b.first).toBe(128); // the limit stored before number 96 was used
    expect(b.writes).toBe(4);
  });

  it("never reuse a number after SIGKILL at random moments (30 power cuts)", async () => {
    const ks = join(tempDir(), "ks");
    const used = new Set<number>();
    let reused = 0;
    for (let trial = 0; trial < 30; trial++) {
      const child = spawn(EST_SIM, ["--module", ENTRY, "--store", ks, "vectors"], { stdio: ["pipe", "pipe", "ignore"] });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
      const closed = new Promise((r) => child.on("close", r));
      child.stdin.end('{"op":"oscore_seq","count":1000000,"stream":1}\n');
      await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 40)));
      child.kill("SIGKILL");
      await closed;
      for (const m of out.matchAll(/^used (\d+)$/gm)) {
        const n = Number(m[1]);
        if (used.has(n)) reused++;
        used.add(n);
      }
    }
    expect(used.size).toBeGreaterThan(100);
    expect(reused).toBe(0);
  });

  it("refuses a context whose stored limit is corrupt", async () => {
    const dir = tempDir();
    const ks = join(dir, "ks");
    await runCommand("wasm3", ["--module", ENTRY, "--store", ks, "vectors"], { input: '{"op":"oscore_seq","count":1}\n' });
    const img = readFileSync(ks);
    img[img.length - 1] ^= 0xff; // the last byte of the seq record's data
    writeFileSync(ks, img);
    const r = await runCommand("wasm3", ["--module", ENTRY, "--store", ks, "vectors"], { input: '{"op":"oscore_seq","count":1}\n' });
    expect(JSON.parse(r.stdout)).toEqual({ error: "E_STORE_CORRUPT", at: "load" });
  });
});
