// Interop: the module's EDHOC Initiator and OSCORE client (under wasm3, build/est-sim) against aiocoap as
// EDHOC Responder and OSCORE server (tools/interop/aiocoap_server.py; aiocoap runs EDHOC through lakers).
// Method 3, cipher suite 2, CCS credentials by kid. Needs build/venv (tools/setup-python.sh).
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildStore } from "../host/node/store.js";
import { RECORDS } from "../tools/provision.js";
import { ccs, hex, idCredKid, newKeyPair } from "../tools/server/identity.js";
import { CRYPTO_MODES, EST_SIM, ROOT, freePort, runCommand, tempDir } from "./helpers/hosts.js";

const PYTHON = join(ROOT, "build/venv/bin/python");
const SERVER = join(ROOT, "tools/interop/aiocoap_server.py");
const HELLO = "hello from aiocoap";
const BIG_SIZE = 3000;
const TIMEOUT = 60_000;

/** The same text as big_text() of the server. */
function bigText(): string {
  let s = "";
  for (let i = 0; s.length < BIG_SIZE; i++) s += `line ${String(i).padStart(4, "0")} of the big resource\n`;
  return s.slice(0, BIG_SIZE);
}

const ready = existsSync(PYTHON) && existsSync(EST_SIM);

// Every test runs for both crypto paths (CRYPTO_MODES in test/helpers/hosts.ts: the module's own crypto, or the board's).
for (const B of CRYPTO_MODES) describe(`${B.name}`, () => {

  describe.skipIf(!ready)("interop: EDHOC + OSCORE against aiocoap", () => {
    const dir = tempDir("est-aiocoap-");
    const store = join(dir, "ks");
    let server: ChildProcess | undefined;
    let serverLog = "";
    let base = "";

    beforeAll(async () => {
      // Identities: the device (kid 0x05) and the server (kid 0x0b), both P-256 static DH keys (method 3).
      const devKid = Uint8Array.of(0x05), srvKid = Uint8Array.of(0x0b);
      const dev = newKeyPair(2, "dh"), srv = newKeyPair(2, "dh");
      const credI = ccs("interop-device", dev, devKid), credR = ccs("aiocoap-server", srv, srvKid);
      writeFileSync(store, buildStore([
        { id: RECORDS.EDHOC_SETUP, data: Uint8Array.of(3, 2) },
        { id: RECORDS.EDHOC_KEY, data: dev.priv },
        { id: RECORDS.CRED_I, data: credI },
        { id: RECORDS.ID_CRED_I, data: idCredKid(devKid) },
        { id: RECORDS.CRED_R, data: credR },
        { id: RECORDS.ID_CRED_R, data: idCredKid(srvKid) },
        { id: RECORDS.PEER_KEY, data: srv.pub },
      ]), { mode: 0o600 });
      const config = join(dir, "server.json");
      writeFileSync(config, JSON.stringify({ own_cred: hex(credR), own_key: hex(srv.priv), peer_cred: hex(credI) }), { mode: 0o600 });

      const port = await freePort();
      const child = spawn(PYTHON, [SERVER, "--config", config, "--port", String(port), "-v"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      server = child;
      child.stderr!.setEncoding("utf8").on("data", (d) => (serverLog += d));
      await new Promise<void>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`aiocoap server did not start:\n${serverLog}`)), 30_000);
        child.stdout!.setEncoding("utf8").on("data", (d) => {
          out += d;
          const m = /listening (\d+)/.exec(out);
          if (m) { clearTimeout(timer); base = `coap://127.0.0.1:${m[1]}`; resolve(); }
        });
        child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`aiocoap server exited ${code}:\n${serverLog}`)); });
      });
    }, TIMEOUT);

    afterAll(() => { server?.kill("SIGTERM"); });

    /** Run est-sim; on failure show both sides' traces. */
    async function sim(args: string[]) {
      const r = await runCommand("wasm3", [...B.hostArgs, "--store", store, ...args], { timeoutMs: TIMEOUT - 5000 });
      if (r.code !== 0) console.error(`est-sim ${args.join(" ")} -> ${r.code}\n--- est-sim stderr\n${r.stderr}\n--- aiocoap log (tail)\n${serverLog.slice(-6000)}`);
      return r;
    }

    it("(a) EDHOC with message_3 on its own, then OSCORE GET /hello", async () => {
      const r = await sim(["oscore", "get", "--edhoc", `${base}/hello`]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(HELLO);
    }, TIMEOUT);

    it("(b) EDHOC + OSCORE combined request (RFC 9668), GET /hello", async () => {
      const r = await sim(["oscore", "get", "--edhoc", "--combined", `${base}/hello`]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(HELLO);
    }, TIMEOUT);

    it("(c) the stored OSCORE context, GET /big (OSCORE inner Block2)", async () => {
      const r = await sim(["oscore", "get", `${base}/big`]);
      expect(r.code).toBe(0);
      const body = r.stdout.endsWith("\n") && r.stdout.length === BIG_SIZE + 1 ? r.stdout.slice(0, -1) : r.stdout;
      expect(body.length).toBe(BIG_SIZE);
      expect(body).toBe(bigText());
    }, TIMEOUT);

    it("(d) the stored OSCORE context, POST /echo", async () => {
      const r = await sim(["oscore", "post", "-e", "hi", `${base}/echo`]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe("hi");
    }, TIMEOUT);

    it("(f) the stored OSCORE context, POST /upload of 10 KiB streamed in 64-byte inner Block1 blocks; the final block's Block2 preference caps the response blocks", async () => {
      const body = randomBytes(10 * 1024);
      const file = join(dir, "upload.bin");
      writeFileSync(file, body);
      const r = await sim(["oscore", "post", "-b", "64", "-f", file, `${base}/upload`]);
      expect(r.code).toBe(0);
      const reply = `received ${body.length} bytes, sha256 ${createHash("sha256").update(body).digest("hex")}\n`;
      expect(r.stdout).toBe(reply);
      // 160 request blocks of 64 bytes (aiocoap answers 2.31 to each but the last), then the reply in Block2
      // blocks of 64 bytes as the last request asked: one more request per further block.
      const blocks2 = Math.ceil(reply.length / 64);
      expect(blocks2).toBeGreaterThan(1);
      const m = /oscore: request (\d+) round trips, (\d+) datagrams up/.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(Number(m![1])).toBe(160 + blocks2 - 1);
    }, TIMEOUT);

    it("(e) the server refuses the same resource without OSCORE (4.01), so the passes above went through OSCORE", async () => {
      const r = await runCommand("wasm3", [...B.hostArgs, "--store", store, "coap", "get", `${base}/hello`], { timeoutMs: TIMEOUT - 5000 });
      expect(r.code).toBe(1);
      expect(r.stdout).not.toContain(HELLO);
      expect(r.stderr).toMatch(/4\.01/);
    }, TIMEOUT);
  });
});
