// X25519, Ed25519 and SHA-512 of the module, under both hosts: RFC 7748 / RFC 8032 / FIPS 180-4 vectors,
// Wycheproof-style refusals (low-order points, S >= L, non-canonical encodings), and differential runs
// against @noble/curves and node:crypto on random inputs.
import { createHash, createPrivateKey, createPublicKey, diffieHellman, randomBytes, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { evalVectors, HOSTS, ROOT } from "./helpers/hosts.js";

const vectors = (name: string) => JSON.parse(readFileSync(join(ROOT, "test/vectors", name), "utf8"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const x25519Priv = (k: Buffer) => createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), k]), format: "der", type: "pkcs8" });
const x25519Pub = (u: Buffer) => createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b656e032100", "hex"), u]), format: "der", type: "spki" });
const edPriv = (seed: Buffer) => createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]), format: "der", type: "pkcs8" });
const edPub = (pub: Buffer) => createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), pub]), format: "der", type: "spki" });

// Encodings of points of small order on Curve25519 (0, 1, the two points of order 8, p - 1, and the
// non-canonical p and p + 1), plus the same with the ignored top bit set.
const LOW_ORDER = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
];

for (const host of HOSTS) {
  describe(`${host}: X25519`, () => {
    it("matches RFC 7748 §5.2 and the §6.1 Diffie-Hellman example", async () => {
      const v = vectors("x25519-rfc7748.json");
      const dh = v.dh;
      const out = await evalVectors(host, [
        ...v.scalar_mult.map((c: any) => ({ op: "x25519", scalar: c.scalar, u: c.u })),
        { op: "x25519_base", scalar: dh.alice_priv }, { op: "x25519_base", scalar: dh.bob_priv },
        { op: "x25519", scalar: dh.alice_priv, u: dh.bob_pub }, { op: "x25519", scalar: dh.bob_priv, u: dh.alice_pub },
      ]);
      expect(out.map((o) => o.out)).toEqual([...v.scalar_mult.map((c: any) => c.out), dh.alice_pub, dh.bob_pub, dh.shared, dh.shared]);
    });

    it("matches the RFC 7748 iterated test after 1 and 1,000 iterations", async () => {
      const it = vectors("x25519-rfc7748.json").iterated;
      const out = await evalVectors(host, [1, 1000].map((n) => ({ op: "x25519_iterate", scalar: it.start, u: it.start, n })));
      expect(out.map((o) => o.out)).toEqual([it.after_1, it.after_1000]);
    });

    it("refuses every small-order point with E_CRYPTO_POINT", async () => {
      const k = hex(randomBytes(32));
      const out = await evalVectors(host, LOW_ORDER.map((u) => ({ op: "x25519", scalar: k, u })));
      for (const o of out) expect(o).toEqual({ error: "E_CRYPTO_POINT" });
    });

    it("agrees with node:crypto and @noble/curves on random keys", async () => {
      const cases = Array.from({ length: 1000 }, () => ({ a: randomBytes(32), b: randomBytes(32) }));
      const pubs = cases.map((c) => Buffer.from(x25519.getPublicKey(c.b)));
      const out = await evalVectors(host, [
        ...cases.map((c) => ({ op: "x25519_base", scalar: hex(c.a) })),
        ...cases.map((c, i) => ({ op: "x25519", scalar: hex(c.a), u: hex(pubs[i]) })),
      ]);
      cases.forEach((c, i) => {
        expect(out[i].out).toBe(hex(x25519.getPublicKey(c.a)));
        expect(out[cases.length + i].out).toBe(hex(diffieHellman({ privateKey: x25519Priv(c.a), publicKey: x25519Pub(pubs[i]) })));
      });
      // u with the top bit set is masked (RFC 7748 §5): the same as without it.
      const u = Buffer.from(pubs[0]); u[31] |= 0x80;
      const [masked] = await evalVectors(host, [{ op: "x25519", scalar: hex(cases[0].a), u: hex(u) }]);
      expect(masked.out).toBe(out[cases.length].out);
    });
  });

  describe(`${host}: Ed25519`, () => {
    it("matches RFC 8032 §7.1 TEST 1, 2, 3, 1024 and SHA(abc)", async () => {
      const v = vectors("ed25519-rfc8032.json");
      const out = await evalVectors(host, v.cases.flatMap((c: any) => [
        { op: "ed25519_pub", seed: c.seed }, { op: "ed25519_sign", seed: c.seed, msg: c.msg },
        { op: "ed25519_verify", pub: c.pub, msg: c.msg, sig: c.sig },
      ]));
      v.cases.forEach((c: any, i: number) => {
        expect(out[3 * i].out, c.name).toBe(c.pub);
        expect(out[3 * i + 1].out, c.name).toBe(c.sig);
        expect(out[3 * i + 2], c.name).toEqual({ ok: true });
      });
    });

    it("refuses modified signatures and messages, S >= L, non-canonical R and A", async () => {
      const c = vectors("ed25519-rfc8032.json").cases[2]; // TEST 3
      const sig = Buffer.from(c.sig, "hex"), pub = Buffer.from(c.pub, "hex");
      const L = (1n << 252n) + 27742317777372353535851937790883648493n;
      const le = (n: bigint) => Buffer.from(n.toString(16).padStart(64, "0"), "hex").reverse();
      const S = BigInt("0x" + Buffer.from(sig.subarray(32)).reverse().toString("hex"));
      const reqs: any[] = [];
      for (let bit = 0; bit < 512; bit += 9) { const s = Buffer.from(sig); s[bit >> 3] ^= 1 << (bit & 7); reqs.push({ pub: c.pub, msg: c.msg, sig: hex(s) }); }
      reqs.push({ pub: c.pub, msg: "af83", sig: c.sig });
      reqs.push({ pub: c.pub, msg: c.msg, sig: hex(Buffer.concat([sig.subarray(0, 32), le(S + L)])) }); // S + L: same value mod L
      reqs.push({ pub: c.pub, msg: c.msg, sig: hex(Buffer.concat([sig.subarray(0, 32), le(L)])) });
      // A and R with y >= p (y = p + 1, a non-canonical encoding of y = 1).
      reqs.push({ pub: "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", msg: c.msg, sig: c.sig });
      reqs.push({ pub: c.pub, msg: c.msg, sig: "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" + c.sig.slice(64) });
      // Another key's signature.
      reqs.push({ pub: vectors("ed25519-rfc8032.json").cases[0].pub, msg: c.msg, sig: c.sig });
      const out = await evalVectors(host, reqs.map((r) => ({ op: "ed25519_verify", ...r })));
      out.forEach((o, i) => expect(o, JSON.stringify(reqs[i]).slice(0, 80)).toEqual({ ok: false }));
      expect(pub.length).toBe(32);
    });

    it("agrees with node:crypto and @noble/curves on random keys and messages", async () => {
      const cases = Array.from({ length: 400 }, (_, i) => ({ seed: randomBytes(32), msg: randomBytes([0, 1, 63, 64, 65, 127, 128, 500][i % 8]) }));
      const out = await evalVectors(host, cases.flatMap((c) => [
        { op: "ed25519_pub", seed: hex(c.seed) }, { op: "ed25519_sign", seed: hex(c.seed), msg: hex(c.msg) },
      ]));
      const verifyReqs: object[] = [];
      cases.forEach((c, i) => {
        const pub = Buffer.from(ed25519.getPublicKey(c.seed));
        expect(out[2 * i].out).toBe(hex(pub));
        expect(out[2 * i + 1].out).toBe(hex(nodeSign(null, c.msg, edPriv(c.seed))));
        expect(nodeVerify(null, c.msg, edPub(pub), Buffer.from(out[2 * i + 1].out, "hex"))).toBe(true);
        verifyReqs.push({ op: "ed25519_verify", pub: hex(pub), msg: hex(c.msg), sig: hex(ed25519.sign(c.msg, c.seed)) });
      });
      const ver = await evalVectors(host, verifyReqs);
      for (const o of ver) expect(o).toEqual({ ok: true });
    });
  });

  describe(`${host}: SHA-512`, () => {
    it("matches the FIPS 180-4 examples and node:crypto on block-boundary lengths", async () => {
      const v = vectors("sha512.json");
      const msgs = [0, 1, 111, 112, 113, 127, 128, 129, 239, 240, 255, 256, 1000].map((n) => randomBytes(n));
      const out = await evalVectors(host, [...v.cases.map((c: any) => ({ op: "sha512", msg: c.msg })), ...msgs.map((m) => ({ op: "sha512", msg: hex(m) }))]);
      v.cases.forEach((c: any, i: number) => expect(out[i].out, c.name).toBe(c.out));
      msgs.forEach((m, i) => expect(out[v.cases.length + i].out).toBe(createHash("sha512").update(m).digest("hex")));
    });
  });
}
