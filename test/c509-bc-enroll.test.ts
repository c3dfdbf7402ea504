// BouncyCastle 1.87 (tools/interop/c509-bc, an independent C509 implementation) and the real device module
// (`enroll --format c509`, both builds, under wasm3) against each other, through the protocol path:
//   - BouncyCastle checks the C509 CSRs the device sends: signatures of types 2 and 3 (C509CertificationRequest
//     and its content-verifier providers), and the DH MAC (algorithm 14) with BouncyCastle's ECDH, HKDF and HMAC
//     keyed by the server's EDHOC ephemeral key of that run;
//   - the device verifies certificates BouncyCastle issued for its CSRs with the development CA's key: natively
//     signed ones (C509CertificateBuilder, for a type 2 CSR) and X.509 ones converted to type 3 (for a type 3
//     CSR), sent by the server in place of its own (EstServerOptions.c509Reissue); and refuses one that
//     BouncyCastle signed with another key under the same CA name.
// Skipped only outside CI when java or Maven is missing.
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as c5 from "../tools/c509/index.js";
import { EstServer, type EstServerOptions } from "../tools/server/est.js";
import type { DhPopContext } from "../tools/server/c509-est.js";
import { provision, RECORDS } from "../tools/provision.js";
import { parseStore } from "../host/node/store.js";
import { bc, bcAvailable, bcBuild } from "./helpers/bc.js";
import { BUILDS, runCommand, tempDir } from "./helpers/hosts.js";

const HAVE_TOOLS = spawnSync("mvn", ["-v"]).status === 0 && spawnSync("javac", ["-version"]).status === 0;
const RUN = HAVE_TOOLS || !!process.env.CI;
const T = 180_000;
const { hex, unhex } = c5;

/** The server's CA key as PKCS#8 DER hex (what the harness signs with). */
const caPkcs8 = (serverDir: string) => hex(new Uint8Array(createPrivateKey(readFileSync(join(serverDir, "ca", "ca.key"))).export({ format: "der", type: "pkcs8" })));

describe.runIf(RUN)("the device's C509 against BouncyCastle 1.87", () => {
  beforeAll(() => { bcBuild(); expect(bcAvailable()).toBe(true); }, 600_000);

  for (const B of BUILDS) describe(`${B.name} build`, () => {
    async function rig(opts: Partial<EstServerOptions>) {
      const dir = tempDir("est-c509bc-");
      const server = await EstServer.start({ dir: join(dir, "server"), ...opts });
      const store = join(dir, "device.keystore");
      provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn });
      return { server, dir, store };
    }
    const enroll = async (port: number, store: string, extra: string[]) => {
      const r = await runCommand("wasm3", [...B.hostArgs, "--store", store, "enroll", "--json", "--ack-timeout", "3000", "--format", "c509", ...extra, `coap://127.0.0.1:${port}`], { timeoutMs: T });
      return { ...r, rep: JSON.parse(r.stdout.trim().split("\n").pop() || "{}") };
    };

    it("BouncyCastle verifies the device's C509 CSRs: ES256 and the G_Y-keyed DH MAC, types 2 and 3; a MAC checked with another run's key fails", async () => {
      const seen: { csr: Uint8Array; pop: DhPopContext }[] = [];
      const r = await rig({ onCsr: (csr, pop) => seen.push({ csr: Uint8Array.from(csr), pop }) });
      try {
        const runs = [["--csr-type", "2"], ["--csr-type", "3"], ["--csr-type", "2", "--pop", "dh"], ["--csr-type", "3", "--pop", "dh"]];
        for (const extra of runs) {
          const { rep, stderr } = await enroll(r.server.port, r.store, extra);
          expect(rep.ok, stderr).toBe(true);
        }
        expect(seen).toHaveLength(4);
        const reqs: string[][] = [];
        for (const [i, s] of seen.entries()) {
          reqs.push(["csr-parse", hex(s.csr)]);
          if (i < 2) reqs.push(["csr-verify", hex(s.csr)]);
          else reqs.push(["csr-dhpop", hex(s.csr), hex(s.pop.y!), hex(s.pop.gY!)]);
        }
        // The second DH CSR checked with the first run's ephemeral key: BouncyCastle's MAC differs.
        reqs.push(["csr-dhpop", hex(seen[3].csr), hex(seen[2].pop.y!), hex(seen[2].pop.gY!)]);
        const ans = bc(reqs);
        for (let i = 0; i < 4; i++) {
          expect(ans[2 * i].error, `CSR ${i}`).toBeUndefined();
          expect(ans[2 * i].encoded).toBe(hex(seen[i].csr)); // BouncyCastle re-encodes the device's CSR byte for byte
          expect(ans[2 * i + 1].valid, `CSR ${i}`).toBe("true");
        }
        expect(ans[8].valid).toBe("false");
      } finally { await r.server.stop(); }
    }, T);

    it("the device verifies and stores certificates BouncyCastle issued for its CSRs (natively signed for type 2, X.509 converted for type 3), and refuses one signed by another key", async () => {
      let pk8 = "", caDer = "", caC509 = "", wrongKey = "";
      const now = Math.floor(Date.now() / 1000);
      const issued: string[] = [];
      let useWrong = false;
      const r = await rig({
        c509Reissue: (csr) => {
          const key = useWrong ? wrongKey : pk8;
          const [a] = c5.decodeCsr(csr).type === 2
            ? bc([["issue2", hex(csr), key, caC509, "0a0b0c", String(now - 60), String(now + 86400)]])
            : bc([["issue3", hex(csr), key, caDer, "0a0b0d", String(now - 60), String(now + 86400)]]);
          if (a.error) throw new Error(a.error);
          issued.push(a.encoded as string);
          return c5.decodeCertificate(unhex(a.encoded as string));
        },
      });
      pk8 = caPkcs8(join(r.dir, "server"));
      caDer = hex(r.server.ca.certDer);
      caC509 = hex(c5.encodeCertificate(c5.c509FromX509(r.server.ca.certDer), "array"));
      wrongKey = hex(new Uint8Array(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "der", type: "pkcs8" })));
      try {
        for (const type of ["2", "3"]) {
          const { rep, stderr } = await enroll(r.server.port, r.store, ["--csr-type", type]);
          expect(rep.ok, stderr).toBe(true);
          expect(rep.certificate_format).toBe("c509");
          // What the device stored is BouncyCastle's certificate (the server sends it as ~C509Certificate).
          const got = c5.decodeCertificate(unhex(rep.certificate_hex));
          expect(hex(c5.encodeCertificate(got, "array"))).toBe(issued[issued.length - 1]);
          expect(got.type).toBe(Number(type));
          expect(c5.nameToString(got.subject)).toBe("CN=est-oscore-device"); // BouncyCastle copies the CSR's subject
        }
        useWrong = true;
        const rec = parseStore(new Uint8Array(readFileSync(r.store))).find((x) => x.id === RECORDS.ENROLLMENT)!.raw;
        for (const type of ["2", "3"]) {
          const { rep } = await enroll(r.server.port, r.store, ["--csr-type", type]);
          expect(rep.error).toBe("E_EST_CHAIN");
        }
        expect(hex(parseStore(new Uint8Array(readFileSync(r.store))).find((x) => x.id === RECORDS.ENROLLMENT)!.raw)).toBe(hex(rec));
      } finally { await r.server.stop(); }
    }, T);
  });
});
