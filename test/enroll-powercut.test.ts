// Power cuts during enrollment: est-sim (wasm3) is killed with SIGKILL at one of 50 moments of an enrollment
// (0-69 ms after the start, from a seeded generator: the same moments on every run). After each cut the key store
// must parse and hold either exactly the enrollment it had before, or a complete new one: a certificate this
// server issued, that verifies under the CA, whose public key is the private key stored beside it (a mix of the
// old key and the new certificate fails here). A later run must complete. The server's replay window sees every
// OSCORE request of the device: a reused sequence number would be refused there and counted.
import { spawn } from "node:child_process";
import { createECDH, createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStore } from "../host/node/store.js";
import { EstServer } from "../tools/server/est.js";
import { provision, RECORDS } from "../tools/provision.js";
import { BUILDS, EST_SIM, runCommand, tempDir } from "./helpers/hosts.js";

// Every test runs for both builds of the device module (BUILDS in test/helpers/hosts.ts).
for (const B of BUILDS) describe(`${B.name}`, () => {

  function enrollment(store: string): Buffer | undefined {
    const r = parseStore(new Uint8Array(readFileSync(store))).find((x) => x.id === RECORDS.ENROLLMENT);
    return r ? Buffer.from(r.raw.subarray(12)) : undefined;
  }

  /** The certificate inside an enrollment record (layout in assembly/est/enroll.ts). */
  function certOf(rec: Buffer): X509Certificate {
    const n = rec.readUInt16BE(34);
    return new X509Certificate(rec.subarray(36, 36 + n));
  }

  /** The private key's public point (P-256, the default enrollment's key) against the certificate's. The key is
   *  in the record (version 1) or, named by its id (version 2), in the board's key record 0x10000 + id. */
  function keyMatches(rec: Buffer, store: string): boolean {
    let d = rec.subarray(2, 34);
    if (rec[0] === 2) {
      const kr = parseStore(new Uint8Array(readFileSync(store))).find((x) => x.id === 0x10000 + rec.readUInt32BE(2));
      if (!kr) return false;
      d = Buffer.from(kr.raw.subarray(12 + 4, 12 + 36));
    }
    const e = createECDH("prime256v1");
    e.setPrivateKey(d);
    const jwk = certOf(rec).publicKey.export({ format: "jwk" }) as { x: string; y: string };
    return e.getPublicKey().equals(Buffer.concat([Buffer.of(4), Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url")]));
  }

  /** mulberry32: a small seeded generator, so the cut moments are the same on every run. */
  function seeded(seed: number): () => number {
    return () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  }

  function killAfter(args: string[], ms: number): Promise<void> {
    return new Promise((resolve) => {
      const p = spawn(EST_SIM, [...B.hostArgs, ...args], { stdio: "ignore" });
      const t = setTimeout(() => p.kill("SIGKILL"), ms);
      p.on("close", () => { clearTimeout(t); resolve(); });
    });
  }

  describe("power cuts during enrollment (wasm3)", () => {
    it("50 SIGKILLs at seeded moments: old or new enrollment, never a mix; later runs complete; no sequence number reused", async () => {
      const dir = tempDir("est-cut-");
      const server = await EstServer.start({ dir: join(dir, "server") });
      const store = join(dir, "device.keystore");
      provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn });
      const url = `coap://127.0.0.1:${server.port}`;
      let cutsMidway = 0, completedAnyway = 0;
      const random = seeded(20);
      const issued = () => new Set(server.events.filter((e) => e.kind === "enroll" && e.cert).map((e) => createHash("sha256").update(e.cert!).digest("hex")));
      try {
        const first = await runCommand("wasm3", [...B.hostArgs, "--store", store, "enroll", "--json", url], { timeoutMs: 60_000 });
        expect(first.code).toBe(0);
        for (let i = 0; i < 50; i++) {
          const before = enrollment(store);
          // Every other run does EDHOC again; every third makes a new key (--rekey: on a board that keeps keys, under
          // the key id the record does not name, the old one erased only after the new record is written).
          const args = ["--store", store, "enroll", "--json", "--ack-timeout", "200", ...(i % 2 ? ["--edhoc"] : []), ...(i % 3 == 0 ? ["--rekey"] : []), url];
          await killAfter(args, Math.floor(random() * 70));
          const after = enrollment(store); // parseStore throws on a corrupt store
          expect(after).toBeDefined();
          expect(keyMatches(after!, store)).toBe(true);
          if (after!.equals(before!)) cutsMidway++;
          else {
            completedAnyway++;
            const cert = certOf(after!);
            expect(cert.verify(new X509Certificate(server.ca.certPem).publicKey)).toBe(true);
            expect(issued().has(createHash("sha256").update(cert.raw).digest("hex"))).toBe(true);
            expect(cert.serialNumber).not.toBe(certOf(before!).serialNumber);
          }
          // The device recovers: the next run completes.
          const again = await runCommand("wasm3", [...B.hostArgs, "--store", store, "enroll", "--json", url], { timeoutMs: 60_000 });
          if (again.code !== 0) throw new Error(`run after cut ${i} failed: ${again.stdout}\n${again.stderr}`);
          const now = enrollment(store)!;
          expect(now.equals(after!)).toBe(false); // the run after the cut enrolled again
          expect(keyMatches(now, store)).toBe(true);
          expect(certOf(now).verify(new X509Certificate(server.ca.certPem).publicKey)).toBe(true);
        }
        const replays = server.events.filter((e) => /replayed/.test(e.detail));
        expect(replays).toEqual([]);
        console.log(`power cuts: ${cutsMidway} left the old enrollment, ${completedAnyway} landed after the new one was stored`);
      } finally { await server.stop(); }
    }, 300_000);
  });
});
