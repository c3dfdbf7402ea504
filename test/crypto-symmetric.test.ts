// SHA-256, HMAC-SHA-256, HKDF-SHA-256 and AES-CCM of the module, under both hosts: the RFC/NIST vectors in
// test/vectors/, then differential runs against node:crypto on random inputs around block boundaries.
import { createCipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt } from "node:crypto";

/** HMAC_DRBG (SHA-256) written straight from NIST SP 800-90A §10.1.2, on node:crypto's HMAC. */
function refDrbg(entropy: Buffer, nonce: Buffer, pers: Buffer) {
  let K = Buffer.alloc(32, 0), V = Buffer.alloc(32, 1);
  const h = (k: Buffer, ...d: Buffer[]) => createHmac("sha256", k).update(Buffer.concat(d)).digest();
  const update = (data: Buffer) => {
    K = h(K, V, Buffer.from([0]), data); V = h(K, V);
    if (data.length) { K = h(K, V, Buffer.from([1]), data); V = h(K, V); }
  };
  update(Buffer.concat([entropy, nonce, pers]));
  return {
    reseed(e: Buffer, add: Buffer) { update(Buffer.concat([e, add])); },
    generate(n: number, add: Buffer) {
      if (add.length) update(add);
      const out: Buffer[] = [];
      let got = 0;
      while (got < n) { V = h(K, V); out.push(V); got += 32; }
      update(add);
      return Buffer.concat(out).subarray(0, n);
    },
  };
}
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
      const msgs = [...LENGTHS, ...Array.from({ length: 1000 }, () => randomInt(0, 2000))].map((n) => randomBytes(n));
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
      const cases = Array.from({ length: 1000 }, (_, i) => ({
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

  describe(`${host}: AES-128 and AES-CCM`, () => {
    it("matches the FIPS 197 AES-128 examples", async () => {
      const v = vectors("aes128-fips197.json");
      const out = await evalVectors(host, v.cases.map((c: any) => ({ op: "aes128_encrypt", key: c.key, block: c.block })));
      out.forEach((o, i) => expect(o.out, v.cases[i].name).toBe(v.cases[i].out));
    });

    it("seals and opens RFC 3610 packet vectors 1-24 (M = 8 and 10, with associated data)", async () => {
      const v = vectors("aes-ccm-rfc3610.json");
      expect(v.cases.length).toBe(24);
      const seal = await evalVectors(host, v.cases.map((c: any) => ({ op: "aes_ccm_seal", key: c.key, nonce: c.nonce, aad: c.aad, pt: c.pt, tag_len: c.tag_len })));
      seal.forEach((o, i) => expect(o.out, v.cases[i].name).toBe(v.cases[i].ct));
      const open = await evalVectors(host, v.cases.map((c: any) => ({ op: "aes_ccm_open", key: c.key, nonce: c.nonce, aad: c.aad, ct: c.ct, tag_len: c.tag_len })));
      open.forEach((o, i) => expect(o.out, v.cases[i].name).toBe(v.cases[i].pt));
    });

    it("refuses every single-bit change of ciphertext, tag, nonce or associated data, and returns no plaintext", async () => {
      const key = randomBytes(16), nonce = randomBytes(13), aad = randomBytes(20), pt = randomBytes(40);
      const c = createCipheriv("aes-128-ccm", key, nonce, { authTagLength: 8 });
      c.setAAD(aad, { plaintextLength: pt.length });
      const ct = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
      const reqs: object[] = [];
      for (let bit = 0; bit < ct.length * 8; bit += 3) {
        const bad = Buffer.from(ct); bad[bit >> 3] ^= 1 << (bit & 7);
        reqs.push({ op: "aes_ccm_open", key: hex(key), nonce: hex(nonce), aad: hex(aad), ct: hex(bad) });
      }
      for (let bit = 0; bit < aad.length * 8; bit += 7) {
        const bad = Buffer.from(aad); bad[bit >> 3] ^= 1 << (bit & 7);
        reqs.push({ op: "aes_ccm_open", key: hex(key), nonce: hex(nonce), aad: hex(bad), ct: hex(ct) });
      }
      for (let bit = 0; bit < 104; bit += 5) {
        const bad = Buffer.from(nonce); bad[bit >> 3] ^= 1 << (bit & 7);
        reqs.push({ op: "aes_ccm_open", key: hex(key), nonce: hex(bad), aad: hex(aad), ct: hex(ct) });
      }
      reqs.push({ op: "aes_ccm_open", key: hex(key), nonce: hex(nonce), aad: hex(aad), ct: hex(ct.subarray(0, ct.length - 1)) });
      const out = await evalVectors(host, reqs);
      expect(out.length).toBeGreaterThan(100);
      for (const o of out) expect(o).toEqual({ error: "E_CRYPTO_AUTH" });
      const [good] = await evalVectors(host, [{ op: "aes_ccm_open", key: hex(key), nonce: hex(nonce), aad: hex(aad), ct: hex(ct) }]);
      expect(good.out).toBe(hex(pt));
    });

    it("agrees with node:crypto AES-128-CCM (tag 8, nonce 13 = COSE alg 10) on random inputs", async () => {
      const cases = Array.from({ length: 1000 }, (_, i) => ({
        key: randomBytes(16), nonce: randomBytes(13), aad: randomBytes([0, 1, 15, 16, 17, 100][i % 6]),
        pt: randomBytes([0, 1, 15, 16, 17, 31, 32, 33, 255, 1024][i % 10]),
      }));
      const out = await evalVectors(host, cases.map((c) => ({ op: "aes_ccm_seal", key: hex(c.key), nonce: hex(c.nonce), aad: hex(c.aad), pt: hex(c.pt) })));
      out.forEach((o, i) => {
        const c = cases[i];
        if (c.aad.length === 0 && c.pt.length === 0) {
          // OpenSSL refuses CCM with nothing to authenticate; RFC 3610 §2: T = E(K, B0) xor E(K, A0), 8 bytes.
          const ecb = (b: Buffer) => { const e = createCipheriv("aes-128-ecb", c.key, null); e.setAutoPadding(false); return e.update(b); };
          const b0 = Buffer.concat([Buffer.from([0x19]), c.nonce, Buffer.alloc(2)]);
          const a0 = Buffer.concat([Buffer.from([0x01]), c.nonce, Buffer.alloc(2)]);
          const t = ecb(b0), s0 = ecb(a0);
          expect(o.out).toBe(hex(Buffer.from(t.subarray(0, 8).map((x, k) => x ^ s0[k]))));
          return;
        }
        const e = createCipheriv("aes-128-ccm", c.key, c.nonce, { authTagLength: 8 });
        e.setAAD(c.aad, { plaintextLength: c.pt.length });
        expect(o.out).toBe(hex(Buffer.concat([e.update(Buffer.from(c.pt)), e.final(), e.getAuthTag()])));
      });
    });

    it("refuses tag and nonce lengths outside RFC 3610", async () => {
      const base = { op: "aes_ccm_seal", key: "00".repeat(16), aad: "", pt: "00" };
      const out = await evalVectors(host, [
        { ...base, nonce: "00".repeat(6) }, { ...base, nonce: "00".repeat(14) },
        { ...base, nonce: "00".repeat(13), tag_len: 3 }, { ...base, nonce: "00".repeat(13), tag_len: 9 },
        { ...base, nonce: "00".repeat(13), tag_len: 18 }, { ...base, key: "00".repeat(15), nonce: "00".repeat(13) },
      ]);
      for (const o of out) expect(o.error).toMatch(/^E_(CRYPTO_PARAM|USAGE)$/);
    });
  });

  describe(`${host}: HMAC-DRBG`, () => {
    it("reproduces NIST CAVP HMAC_DRBG SHA-256 (no PR, no reseed) count 0", async () => {
      const [o] = await evalVectors(host, [{
        op: "hmac_drbg", len: 128,
        entropy: "ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488", nonce: "659ba96c601dc69fc902940805ec0ca8",
      }]);
      expect(o.out).toBe("e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89d54fbb978a15b5c443c9ec21036d2460" +
        "b6f73ebad0dc2aba6e624abf07745bc107694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8");
    });

    it("agrees with an SP 800-90A reference on personalization, reseed and additional input", async () => {
      const cases = Array.from({ length: 60 }, (_, i) => ({
        entropy: randomBytes(32), nonce: randomBytes(16), pers: randomBytes(i % 3 ? 32 : 0),
        reseed: i % 2 ? randomBytes(32) : Buffer.alloc(0), reseedAdd: i % 4 === 1 ? randomBytes(32) : Buffer.alloc(0),
        add1: i % 5 ? randomBytes(32) : Buffer.alloc(0), add2: i % 7 ? randomBytes(32) : Buffer.alloc(0),
        len: [1, 31, 32, 33, 64, 128][i % 6],
      }));
      const out = await evalVectors(host, cases.map((c) => ({
        op: "hmac_drbg", entropy: hex(c.entropy), nonce: hex(c.nonce), pers: hex(c.pers), reseed_entropy: hex(c.reseed),
        reseed_add: hex(c.reseedAdd), add1: hex(c.add1), add2: hex(c.add2), len: c.len,
      })));
      out.forEach((o, i) => {
        const c = cases[i];
        const d = refDrbg(c.entropy, c.nonce, c.pers);
        if (c.reseed.length) d.reseed(c.reseed, c.reseedAdd);
        d.generate(c.len, c.add1);
        expect(o.out).toBe(hex(d.generate(c.len, c.add2)));
      });
    });
  });
}
