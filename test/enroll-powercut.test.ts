// Power cuts during enrollment: est-sim (wasm3) is killed with SIGKILL at a random moment of an enrollment,
// 50 times. After each cut the key store must parse, hold either the enrollment it had before or a complete new
// one (certificate, key and CA in one record), and a later run must complete. The server's replay window sees
// every OSCORE request of the device: a reused sequence number would be refused there and counted.
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStore } from "../host/node/store.js";
import { EstServer } from "../tools/server/est.js";
import { provision, RECORDS } from "../tools/provision.js";
import { EST_SIM, runCommand, tempDir } from "./helpers/hosts.js";

function enrollment(store: string): Buffer | undefined {
  const r = parseStore(new Uint8Array(readFileSync(store))).find((x) => x.id === RECORDS.ENROLLMENT);
  return r ? Buffer.from(r.raw.subarray(12)) : undefined;
}

/** The certificate inside an enrollment record (layout in assembly/est/enroll.ts). */
function certOf(rec: Buffer): X509Certificate {
  const n = rec.readUInt16BE(34);
  return new X509Certificate(rec.subarray(36, 36 + n));
}

function killAfter(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const p = spawn(EST_SIM, args, { stdio: "ignore" });
    const t = setTimeout(() => p.kill("SIGKILL"), ms);
    p.on("close", () => { clearTimeout(t); resolve(); });
  });
}

describe("power cuts during enrollment (wasm3)", () => {
  it("50 SIGKILLs at random moments: old or new enrollment, never a mix; later runs complete; no sequence number reused", async () => {
    const dir = tempDir("est-cut-");
    const server = await EstServer.start({ dir: join(dir, "server") });
    const store = join(dir, "device.keystore");
    provision({ serverDir: join(dir, "server"), store });
    const url = `coap://127.0.0.1:${server.port}`;
    let cutsMidway = 0, completedAnyway = 0;
    try {
      const first = await runCommand("wasm3", ["--store", store, "enroll", "--json", url], { timeoutMs: 60_000 });
      expect(first.code).toBe(0);
      for (let i = 0; i < 50; i++) {
        const before = enrollment(store);
        const args = ["--store", store, "enroll", "--json", "--ack-timeout", "200", ...(i % 2 ? ["--edhoc"] : []), url];
        await killAfter(args, Math.floor(Math.random() * 70));
        const after = enrollment(store); // parseStore throws on a corrupt store
        expect(after).toBeDefined();
        if (after!.equals(before!)) cutsMidway++;
        else {
          completedAnyway++;
          const cert = certOf(after!);
          expect(cert.verify(new X509Certificate(server.ca.certPem).publicKey)).toBe(true);
        }
        // The device recovers: the next run completes.
        const again = await runCommand("wasm3", ["--store", store, "enroll", "--json", url], { timeoutMs: 60_000 });
        if (again.code !== 0) throw new Error(`run after cut ${i} failed: ${again.stdout}\n${again.stderr}`);
        expect(certOf(enrollment(store)!).verify(new X509Certificate(server.ca.certPem).publicKey)).toBe(true);
      }
      const replays = server.events.filter((e) => /replayed/.test(e.detail));
      expect(replays).toEqual([]);
      expect(cutsMidway + completedAnyway).toBe(50);
      console.log(`power cuts: ${cutsMidway} left the old enrollment, ${completedAnyway} landed after the new one was stored`);
    } finally { await server.stop(); }
  }, 300_000);
});
