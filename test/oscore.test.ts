// OSCORE (assembly/oscore/oscore.ts) through the protocol test entry, under both hosts: RFC 8613 Appendix C
// contexts, requests and responses byte for byte, round trips, and refusals of tampered or misaddressed
// messages.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evalVectors, HOSTS, ROOT } from "./helpers/hosts.js";

const ENTRY = join(ROOT, "build/edhoc-test.wasm");
const C = JSON.parse(readFileSync(join(ROOT, "test/vectors/oscore-rfc8613-appendix-c.json"), "utf8"));

for (const host of HOSTS) {
  describe(`${host}: OSCORE`, () => {
    it("reproduces RFC 8613 Appendix C.1-C.8 and restores the original messages", async () => {
      expect(C.source).toMatch(/RFC 8613/);
      const out = await evalVectors(host, C.cases.map(({ name, expect: _e, ...c }: any) => ({ op: "oscore_exchange", ...c })), ENTRY);
      C.cases.forEach((c: any, i: number) => {
        for (const [k, v] of Object.entries(c.expect)) expect(out[i][k], `${c.name} ${k}`).toBe(v);
        expect(out[i].request, c.name).toBe(c.request);   // the server got the original request back
        expect(out[i].response, c.name).toBe(c.response); // the client got the original response back
      });
    });

    it("refuses every modified byte of a protected request, and a request for another recipient", async () => {
      const c = C.cases[0];
      const prot = Buffer.from(c.expect.protected_request, "hex");
      const server = { ms: c.ms, salt: c.salt, sid: "01", rid: "" }; // the server's view of context C.1
      const reqs: object[] = [{ op: "oscore_unprotect", ...server, message: prot.toString("hex") }];
      for (let i = 22; i < prot.length; i++) { // the OSCORE option value and the ciphertext
        const m = Buffer.from(prot); m[i] ^= 0x20;
        reqs.push({ op: "oscore_unprotect", ...server, message: m.toString("hex") });
      }
      reqs.push({ op: "oscore_unprotect", ...server, rid: "05", message: prot.toString("hex") }); // kid h'' is not 05
      const out = await evalVectors(host, reqs, ENTRY);
      expect(out[0]).toEqual({ out: c.request });
      for (const o of out.slice(1)) {
        expect(o.at).toBe("unprotect");
        expect(o.error).toMatch(/^E_(CRYPTO_AUTH|MALFORMED|TRUNCATED)$/);
      }
    });
  });
}
