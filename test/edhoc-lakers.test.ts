// EDHOC interop with an independent implementation: the module's Initiator (under wasm3 and under V8) runs
// live handshakes against lakers (lakers-python 0.6.2, PyPI) as Responder — method 3, cipher suite 2, CCS
// credentials by kid — with fresh ephemeral keys on both sides. Both ends must derive the same PRK_out and
// OSCORE master secret and salt, and lakers must accept message_3.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { NodeBoard } from "../host/node/board.js";
import { ModuleHost } from "../host/node/host.js";
import { FileStore } from "../host/node/store.js";
import { CRYPTO_MODES, EST_SIM, HOSTS, ROOT, tempDir, type HostName } from "./helpers/hosts.js";

const ENTRY = join(ROOT, "build/edhoc-test.wasm");
const PYTHON = join(ROOT, "build/venv/bin/python");
const trace2 = JSON.parse(readFileSync(join(ROOT, "test/vectors/edhoc-rfc9529-trace2.json"), "utf8"));
const R_PRIV = "72cc4761dbd4c78f758931aa589d348d1ef874a7e303ede2f140dcf3e6aa4aac"; // RFC 9529 trace 2 SK_R

/** A line-oriented JSON peer process: send an object, await the next line. */
function linePeer(proc: ChildProcessWithoutNullStreams) {
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  return {
    async ask(obj: object): Promise<any> {
      proc.stdin.write(JSON.stringify(obj) + "\n");
      const { value, done } = await lines.next();
      if (done) throw new Error("peer closed");
      return JSON.parse(value);
    },
    close() { proc.stdin.end(); proc.kill(); },
  };
}

/** The module's test entry as a session that keeps state between requests, under either host. */
async function moduleSession(host: HostName, mode: (typeof CRYPTO_MODES)[number]) {
  if (host === "wasm3") {
    const proc = spawn(EST_SIM, [...mode.hostArgs, "--module", ENTRY, "--store", join(tempDir(), "ks"), "vectors"]);
    return linePeer(proc);
  }
  let out = "";
  const board = new NodeBoard({ store: new FileStore(join(tempDir(), "ks")), out: (d) => { out += Buffer.from(d).toString(); }, err: () => {} });
  const mod = await ModuleHost.load(readFileSync(ENTRY), board, { maxPages: 2, cryptoMask: mode.hostArgs.length ? 0 : 0xffffffff });
  return {
    async ask(obj: object) { out = ""; await mod.run(["vector", JSON.stringify(obj)]); return JSON.parse(out); },
    close() { void board.close(); },
  };
}

const open: { close(): void }[] = [];
afterEach(() => { while (open.length) open.pop()!.close(); });

// Both hosts, and both crypto paths: the module's own (--crypto none) and the board's provider.
for (const mode of CRYPTO_MODES) for (const host of HOSTS) {
  describe(`${host}, ${mode.name}: EDHOC against lakers`, () => {
    it("completes 5 handshakes (method 3, suite 2) with matching PRK_out and OSCORE keys", async () => {
      expect(existsSync(PYTHON), "build/venv missing: run bash tools/setup-python.sh (npm test does)").toBe(true);
      for (let round = 0; round < 5; round++) {
        const lakers = linePeer(spawn(PYTHON, [join(ROOT, "tools/interop/lakers_responder.py")]));
        const dev = await moduleSession(host, mode);
        open.push(lakers, dev);
        expect(await lakers.ask({ r: R_PRIV, cred_r: trace2.input.cred_r, cred_i: trace2.input.cred_i })).toEqual({ ok: true });
        const cI = randomBytes(1)[0] & 0x17; // a one-byte C_I sent as a CBOR int
        const start = await dev.ask({ op: "edhoc_i_start", ...trace2.input, x: randomBytes(32).toString("hex"), c_i: cI.toString(16).padStart(2, "0"), message_2: undefined });
        expect(start.message_1, JSON.stringify(start)).toMatch(/^038206025820[0-9a-f]{64}[0-9a-f]{2}$/);
        const m2 = await lakers.ask({ message_1: start.message_1 });
        expect(m2.error, m2.error).toBeUndefined();
        expect(m2.c_i).toBe(cI.toString(16).padStart(2, "0"));
        const fin = await dev.ask({ op: "edhoc_i_finish", message_2: m2.message_2 });
        expect(fin.error, JSON.stringify(fin)).toBeUndefined();
        const done = await lakers.ask({ message_3: fin.message_3 });
        expect(done.error, done.error).toBeUndefined();
        expect(fin.prk_out).toBe(done.prk_out);
        expect(fin.oscore_secret).toBe(done.oscore_secret);
        expect(fin.oscore_salt).toBe(done.oscore_salt);
        lakers.close(); dev.close(); open.length = 0;
      }
    });

    it("rejects a message_2 from lakers when the module expects another responder key", async () => {
      const lakers = linePeer(spawn(PYTHON, [join(ROOT, "tools/interop/lakers_responder.py")]));
      const dev = await moduleSession(host, mode);
      open.push(lakers, dev);
      await lakers.ask({ r: R_PRIV, cred_r: trace2.input.cred_r, cred_i: trace2.input.cred_i });
      // The module believes R's static key is G_I: MAC_2 cannot verify.
      const start = await dev.ask({ op: "edhoc_i_start", ...trace2.input, x: randomBytes(32).toString("hex"),
        g_r: "ac75e9ece3e50bfc8ed60399889522405c47bf16df96660a41298cb4307f7eb6", message_2: undefined });
      const m2 = await lakers.ask({ message_1: start.message_1 });
      const fin = await dev.ask({ op: "edhoc_i_finish", message_2: m2.message_2 });
      expect(fin).toEqual({ error: "E_CRYPTO_AUTH", at: "message_2" });
    });
  });
}
