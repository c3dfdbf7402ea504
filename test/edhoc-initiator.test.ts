// The EDHOC Initiator (assembly/edhoc/initiator.ts) through its test entry (build/edhoc-test.wasm, which can
// inject a trace's ephemeral key) under both hosts: RFC 9529 trace 2 byte for byte, then refusals.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CRYPTO_MODES, evalVectors, HOSTS, ROOT } from "./helpers/hosts.js";

const EDHOC = join(ROOT, "build/edhoc-test.wasm");
const trace1 = JSON.parse(readFileSync(join(ROOT, "test/vectors/edhoc-rfc9529-trace1.json"), "utf8"));
const trace2 = JSON.parse(readFileSync(join(ROOT, "test/vectors/edhoc-rfc9529-trace2.json"), "utf8"));
// Trace 2's TH_2 and PRK_2e (RFC 9529 §3): message_2 with another PLAINTEXT_2, encrypted as the Responder
// would (KEYSTREAM_2 = HKDF-Expand(PRK_2e, (0, TH_2, length)), RFC 9528 §5.3.2), computed here with node:crypto.
const TH_2 = Buffer.from("356efd53771425e008f3fe3a86c83ff4c6b16e57028ff39d5236c182b202084b", "hex");
const PRK_2E = Buffer.from("5aa0d69f3e3d1e0c479f0b8a486690c9802630c3466b1dc92371c982563170b5", "hex");
function message2With(plaintext2: string): string {
  const pt = Buffer.from(plaintext2, "hex");
  const info = Buffer.concat([Buffer.from([0x00, 0x58, 0x20]), TH_2, Buffer.from([pt.length])]);
  const keystream = createHmac("sha256", PRK_2E).update(Buffer.concat([info, Buffer.from([1])])).digest(); // T(1)
  const body = Buffer.concat([Buffer.from(trace2.input.message_2, "hex").subarray(2, 34), pt.map((b, i) => b ^ keystream[i])]);
  return Buffer.concat([Buffer.from([0x58, body.length]), body]).toString("hex");
}
// Both hosts, and both crypto paths (the module's own, --crypto none, and the board's provider): each must
// reproduce the RFC 9529 traces byte for byte.
for (const mode of CRYPTO_MODES) for (const host of HOSTS) {
  const run = (h: (typeof HOSTS)[number], inputs: object[]) => evalVectors(h, inputs.map((i) => ({ op: "edhoc_initiator", ...i })), EDHOC, mode.hostArgs);
  describe(`${host}, ${mode.name}: EDHOC Initiator`, () => {
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

    it("refuses the RFC 9529 §4 invalid PLAINTEXT_2s, re-encrypted under trace 2's keys", async () => {
      const mac2 = "0943305c899f5c54"; // trace 2's MAC_2: only the encoding around it is wrong
      const valid = { ...trace2.input, message_2: message2With(`2732` + `48${mac2}`) };
      const inputs = [
        `27a10441 32 48${mac2}`, // surplus map encoding of ID_CRED_R ({4: h'32'} instead of the compact 0x32)
        `27 4132 48${mac2}`, // surplus bstr encoding of the kid (h'32' instead of 0x32)
        `4127 32 48${mac2}`, // the same for C_R (h'27' instead of -8)
        `2732 44${mac2.slice(0, 8)}`, // MAC_2 of 4 bytes instead of 8
        "27a10442321048fa5efa2ebf920bf3", "27413248fa5efa2ebf920bf3", "273244fa5efa2e", // the RFC's bytes as printed
      ].map((p) => ({ ...trace2.input, message_2: message2With(p.replace(/ /g, "")) }));
      const [ok, ...bad] = await run(host, [valid, ...inputs]);
      expect(ok).toEqual(trace2.expect); // the construction itself is right: trace 2's PLAINTEXT_2 gives trace 2
      expect(bad).toEqual([
        { error: "E_MALFORMED", at: "message_2" },
        { error: "E_MALFORMED", at: "message_2" },
        { error: "E_MALFORMED", at: "message_2" },
        { error: "E_CRYPTO_AUTH", at: "message_2" },
        { error: "E_MALFORMED", at: "message_2" },
        { error: "E_MALFORMED", at: "message_2" },
        { error: "E_CRYPTO_AUTH", at: "message_2" },
      ]);
    });

    it("refuses the RFC 9529 §4 bad ephemeral keys as G_Y: x >= p, x not on P-256, X25519 points of low order", async () => {
      const withGY = (t: any, gy: string) => ({ ...t.input, message_2: t.input.message_2.slice(0, 4) + gy + t.input.message_2.slice(68) });
      const got = await run(host, [
        withGY(trace2, "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"), // x = p (RFC 9529 §4)
        withGY(trace2, "a04e73601df544a70ba7ea1e57030f7d4b4eb7f673924e58d54ca77a5e7d4d4a"), // no y (RFC 9529 §4)
        withGY(trace1, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // u = p, low order (RFC 9529 §4)
        withGY(trace1, "0000000000000000000000000000000000000000000000000000000000000000"), // u = 0
      ]);
      expect(got).toEqual(Array(4).fill({ error: "E_CRYPTO_POINT", at: "message_2" }));
    });

    it("refuses the RFC 9529 §4 invalid message_2 (wrong number of CBOR sequence elements)", async () => {
      const bad = "5820419701d7f00a26c2dc587a36dd752549f33763c893422c8ea0f955a13a4ff5d54B9862a11de42a95d785386a".toLowerCase();
      const [o] = await run(host, [{ ...trace2.input, message_2: bad }]);
      expect(o).toEqual({ error: "E_MALFORMED", at: "message_2" });
    });
  });
}
