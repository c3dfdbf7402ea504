// The EDHOC Initiator (assembly/edhoc/initiator.ts) through its test entry (build/edhoc-test.wasm, which can
// inject a trace's ephemeral key) under both hosts: RFC 9529 trace 2 byte for byte, then refusals.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evalVectors, HOSTS, ROOT } from "./helpers/hosts.js";

const EDHOC = join(ROOT, "build/edhoc-test.wasm");
const trace1 = JSON.parse(readFileSync(join(ROOT, "test/vectors/edhoc-rfc9529-trace1.json"), "utf8"));
const trace2 = JSON.parse(readFileSync(join(ROOT, "test/vectors/edhoc-rfc9529-trace2.json"), "utf8"));
const run = (host: (typeof HOSTS)[number], inputs: object[]) => evalVectors(host, inputs.map((i) => ({ op: "edhoc_initiator", ...i })), EDHOC);

for (const host of HOSTS) {
  describe(`${host}: EDHOC Initiator`, () => {
    it("reproduces RFC 9529 trace 2 (method 3, suite 2): message_1, message_3, PRK_out, OSCORE secret and salt", async () => {
      expect(trace2.source).toMatch(/RFC 9529/);
      const [o] = await run(host, [trace2.input]);
      expect(o).toEqual(trace2.expect);
    });

    it("builds the RFC 9668 combined request (message_3 + the first OSCORE request) for trace 2", async () => {
      const cr = trace2.combined_request;
      const [o] = await run(host, [{ ...trace2.input, request: cr.request }]);
      expect(o.combined).toBe(cr.combined);
      // The EDHOC option (21, empty) travels outside, message_3 comes first in the payload.
      const m = Buffer.from(o.combined, "hex");
      const payload = m.subarray(m.indexOf(0xff) + 1);
      expect(payload.subarray(0, 19).toString("hex")).toBe(trace2.expect.message_3);
    });

    it("reproduces RFC 9529 trace 1 (method 0, suite 0, X.509 by x5t, Ed25519 signatures)", async () => {
      expect(trace1.source).toMatch(/RFC 9529/);
      const [o] = await run(host, [trace1.input]);
      expect(o).toEqual(trace1.expect);
    });

    it("refuses a signature that does not verify under the responder's key (trace 1, modified bytes)", async () => {
      const m2 = Buffer.from(trace1.input.message_2, "hex");
      const inputs = [];
      for (let i = 40; i < m2.length; i += 5) { const m = Buffer.from(m2); m[i] ^= 0x01; inputs.push({ ...trace1.input, message_2: m.toString("hex") }); }
      const wrongKey = { ...trace1.input, g_r: "ed06a8ae61a829ba5fa54525c9d07f48dd44a302f43e0f23d8cc20b73085141e" }; // PK_I, not PK_R
      const out = await run(host, [...inputs, wrongKey]);
      out.forEach((o) => {
        expect(o.at).toBe("message_2");
        expect(o.error).toMatch(/^E_(CRYPTO_SIGNATURE|CRYPTO_KEY|MALFORMED|TRUNCATED|NON_CANONICAL|LIMIT)$/);
      });
      expect(out.at(-1)).toEqual({ error: "E_CRYPTO_SIGNATURE", at: "message_2" });
    });

    it("refuses every modified byte of message_2 before deriving keys from it", async () => {
      const m2 = Buffer.from(trace2.input.message_2, "hex");
      const inputs = [];
      for (let i = 2; i < m2.length; i++) { const m = Buffer.from(m2); m[i] ^= 0x04; inputs.push({ ...trace2.input, message_2: m.toString("hex") }); }
      const out = await run(host, inputs);
      out.forEach((o, i) => {
        expect(o.at, `byte ${i + 2}`).toBe("message_2");
        expect(o.error).toMatch(/^E_(CRYPTO_AUTH|CRYPTO_POINT|CRYPTO_KEY|MALFORMED|TRUNCATED|NON_CANONICAL|LIMIT)$/);
      });
    });

    it("refuses a responder that is not the configured one", async () => {
      const other = { ...trace2.input, id_cred_r: "a1044133" }; // expects kid 0x33, message_2 names 0x32
      const wrongKey = { ...trace2.input, g_r: "ac75e9ece3e50bfc8ed60399889522405c47bf16df96660a41298cb4307f7eb6" }; // G_I instead of G_R
      const [a, b] = await run(host, [other, wrongKey]);
      expect(a).toEqual({ error: "E_CRYPTO_KEY", at: "message_2" });
      expect(b).toEqual({ error: "E_CRYPTO_AUTH", at: "message_2" });
    });

    it("refuses the RFC 9529 §4 invalid message_2 (wrong number of CBOR sequence elements)", async () => {
      const bad = "5820419701d7f00a26c2dc587a36dd752549f33763c893422c8ea0f955a13a4ff5d54B9862a11de42a95d785386a".toLowerCase();
      const [o] = await run(host, [{ ...trace2.input, message_2: bad }]);
      expect(o).toEqual({ error: "E_MALFORMED", at: "message_2" });
    });
  });
}
