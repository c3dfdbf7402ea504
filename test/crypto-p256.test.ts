// P-256 in the module (assembly/crypto/p256*.ts) through the vector runner, under both hosts:
// - known answers: RFC 6979 A.2.5 (key pair, deterministic signatures), RFC 5903 8.1 (ECDH), NIST CAVS ECC CDH;
// - negative cases in the style of Wycheproof: bad encodings, off-curve and invalid-curve (twist) points,
//   coordinates >= p, the identity, r/s out of range, modified signatures and messages;
// - differential: thousands of random and edge inputs against @noble/curves and node:crypto, each family
//   batched into one vector-runner process per host.
import { createECDH, createPublicKey, verify as nodeVerify, createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import { describe, expect, it } from "vitest";
import { NodeBoard } from "../host/node/board.js";
import { ModuleHost } from "../host/node/host.js";
import { FileStore } from "../host/node/store.js";
import { SIM_WASM, evalVectors, HOSTS, ROOT, tempDir } from "./helpers/hosts.js";

const P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const h32 = (x: bigint) => x.toString(16).padStart(64, "0");
const modp = (a: bigint) => ((a % P) + P) % P;
function powp(a: bigint, e: bigint): bigint {
  let r = 1n; a = modp(a);
  for (; e > 0n; e >>= 1n) { if (e & 1n) r = (r * a) % P; a = (a * a) % P; }
  return r;
}
const rhs = (x: bigint) => modp(x * x * x - 3n * x + B);
const isSquare = (v: bigint) => v === 0n || powp(v, (P - 1n) / 2n) === 1n;
const rand32 = () => BigInt("0x" + randomBytes(32).toString("hex"));
const sha256 = (m: Uint8Array) => createHash("sha256").update(m).digest();

function load(name: string) {
  return JSON.parse(readFileSync(join(ROOT, "test/vectors", name), "utf8"));
}
const R6979 = load("p256-rfc6979.json");
const R5903 = load("p256-rfc5903.json");
const CAVS = load("p256-cavs-ecccdh.json");

/** Secret keys that stress the scalar code: small, around n, around powers of two, sparse and dense bits. */
function edgeScalars(): bigint[] {
  const out = [1n, 2n, 3n, 4n, 7n, 8n, 9n, 15n, 16n, 17n, 255n, 256n, 0xffffffffn, 2n ** 32n, 2n ** 64n - 1n, 2n ** 128n,
    N - 1n, N - 2n, N - 3n, N - 8n, N - 16n, (N - 1n) / 2n, (N + 1n) / 2n, 2n ** 255n, 2n ** 255n - 1n, 2n ** 255n + 1n,
    2n ** 256n - 2n ** 224n, 2n ** 224n, 2n ** 192n - 1n, 0x8888888888888888888888888888888888888888888888888888888888888888n,
    0x7777777777777777777777777777777777777777777777777777777777777777n, N - 2n ** 128n, N >> 4n];
  for (let i = 0; i < 64; i++) out.push(1n << BigInt(i * 4 + (i % 4)));
  return out.filter((k) => k > 0n && k < N);
}

/** Field elements near the edges of the limb and reduction arithmetic (p - i, powers of two, sparse words). */
function edgeXs(): bigint[] {
  const xs: bigint[] = [];
  for (let i = 1n; i <= 40n; i++) xs.push(P - i, i - 1n);
  for (const e of [32n, 64n, 96n, 128n, 160n, 192n, 224n, 255n]) xs.push(2n ** e, 2n ** e - 1n, 2n ** e + 1n);
  xs.push(2n ** 256n - 2n ** 224n, 2n ** 256n - 2n ** 224n - 1n, 2n ** 224n - 2n ** 192n, P - 2n ** 96n, P - 2n ** 192n);
  return xs.filter((x) => x >= 0n && x < P);
}

describe.each(HOSTS)("P-256 under %s", (host) => {
  it("edge field values: decompress and ECDH with peer points whose x is near p, 0, or powers of two", async () => {
    const reqs: object[] = [], want: object[] = [];
    let used = 0;
    for (const x of edgeXs()) {
      const ok = isSquare(rhs(x));
      let y = ok ? powp(rhs(x), (P + 1n) / 4n) : 0n;
      if (y & 1n) y = P - y;
      reqs.push({ op: "p256_decompress", pub: h32(x) });
      want.push(ok ? { out: "04" + h32(x) + h32(y) } : { error: "E_CRYPTO_POINT" });
      if (!ok) continue;
      used++;
      const pub = Buffer.from("04" + h32(x) + h32(y), "hex");
      for (const k of [1n, 2n, N - 1n, rand32() % (N - 1n) + 1n]) {
        const e = createECDH("prime256v1");
        e.setPrivateKey(Buffer.from(h32(k), "hex"));
        reqs.push({ op: "p256_ecdh", priv: h32(k), pub: hex(pub) });
        want.push({ out: hex(e.computeSecret(pub)) });
      }
    }
    expect(used).toBeGreaterThan(20);
    expect(await evalVectors(host, reqs)).toEqual(want);
  });

  it("RFC 6979 A.2.5 key pair and RFC 5903 8.1 key pairs and shared secret", async () => {
    const pub6979 = "04" + R6979.pubX + R6979.pubY;
    const gi = "04" + R5903.gix + R5903.giy, gr = "04" + R5903.grx + R5903.gry;
    const ans = await evalVectors(host, [
      { op: "p256_pub", priv: R6979.priv },
      { op: "p256_pub", priv: R5903.i },
      { op: "p256_pub", priv: R5903.r },
      { op: "p256_ecdh", priv: R5903.i, pub: gr },
      { op: "p256_ecdh", priv: R5903.r, pub: gi },
      { op: "p256_ecdh", priv: R5903.i, pub: "03" + R5903.grx },              // compressed (gry is odd)
      { op: "p256_ecdh", priv: R5903.r, pub: R5903.gix },                     // x only (EDHOC)
      { op: "p256_validate", pub: pub6979 },
    ]);
    expect(ans).toEqual([
      { out: pub6979 }, { out: gi }, { out: gr },
      { out: R5903.girx }, { out: R5903.girx }, { out: R5903.girx }, { out: R5903.girx },
      { ok: true },
    ]);
    expect(BigInt("0x" + R5903.gry) & 1n).toBe(1n);
  });

  it("NIST CAVS ECC CDH primitive vectors (P-256, COUNT 0 and 1): public key and shared secret", async () => {
    const reqs: object[] = [], want: object[] = [];
    for (const c of CAVS.cases) {
      reqs.push({ op: "p256_pub", priv: c.dIUT }, { op: "p256_ecdh", priv: c.dIUT, pub: "04" + c.QCAVSx + c.QCAVSy });
      want.push({ out: "04" + c.QIUTx + c.QIUTy }, { out: c.ZIUT });
    }
    expect(await evalVectors(host, reqs)).toEqual(want);
  });

  it("RFC 6979 A.2.5 signatures with SHA-256 (sample, test) sign and verify", async () => {
    const pub = "04" + R6979.pubX + R6979.pubY;
    const reqs: object[] = [];
    for (const s of R6979.signatures) {
      const msg = hex(new TextEncoder().encode(s.message));
      reqs.push({ op: "p256_sign", priv: R6979.priv, msg });
      reqs.push({ op: "p256_verify", pub, msg, sig: s.r + s.s });
      reqs.push({ op: "p256_verify", pub: "03" + R6979.pubX, msg, sig: s.r + s.s }); // pubY is odd
    }
    const ans = await evalVectors(host, reqs);
    expect(ans).toEqual(R6979.signatures.flatMap((s: any) => [{ out: s.r + s.s }, { ok: true }, { ok: true }]));
  });

  it("rejects private keys 0, n, n+1, 2^256-1 (E_CRYPTO_KEY) and accepts 1 and n-1", async () => {
    const bad = [0n, N, N + 1n, 2n ** 256n - 1n];
    const gen = "04" + hex(p256.Point.BASE.toBytes(false)).slice(2);
    const ans = await evalVectors(host, [
      ...bad.map((k) => ({ op: "p256_pub", priv: h32(k) })),
      ...bad.map((k) => ({ op: "p256_ecdh", priv: h32(k), pub: gen })),
      ...bad.map((k) => ({ op: "p256_sign", priv: h32(k), msg: "00" })),
      { op: "p256_pub", priv: h32(1n) },
      { op: "p256_pub", priv: h32(N - 1n) },
    ]);
    expect(ans.slice(0, 12)).toEqual(Array(12).fill({ error: "E_CRYPTO_KEY" }));
    expect(ans[12]).toEqual({ out: gen });
    // (n-1) G = -G: same x, y = p - Gy.
    const gy = BigInt("0x" + gen.slice(66));
    expect(ans[13]).toEqual({ out: gen.slice(0, 66) + h32(P - gy) });
  });

  it("negative public keys: encodings, coordinates >= p, off-curve, twist x, identity (validate, decompress, ECDH, verify)", async () => {
    const g = p256.Point.BASE;
    const gx = g.x, gy = g.y;
    // An x whose right-hand side is not a square: a point on the quadratic twist (invalid-curve attack for x-only
    // and compressed keys).
    let tx = 5n; while (isSquare(rhs(tx))) tx++;
    // x >= p that is congruent to a valid x: x + p < 2^256 needs x < 2^256 - p; search a small valid x.
    let sx = 0n; while (!isSquare(rhs(sx))) sx++;
    const sy = powp(rhs(sx), (P + 1n) / 4n);
    const bad: string[] = [
      "",                                         // empty
      "00",                                       // SEC 1 encoding of the identity
      "04" + h32(0n) + h32(0n),                   // (0, 0): not on the curve; also a common "infinity" encoding
      "04" + h32(gx) + h32(gy + 1n),              // off curve by one
      "04" + h32(gx) + h32(P - gy - 1n),           // off curve, near -G
      "04" + h32(gx + 1n) + h32(gy),
      "04" + h32(sx + P) + h32(sy),               // x >= p (same residue as a valid x)
      ...(sy + P < 2n ** 256n ? ["04" + h32(sx) + h32(sy + P)] : []), // y >= p, same residue (when it fits)
      ...(P - sy + P < 2n ** 256n ? ["04" + h32(sx) + h32(P - sy + P)] : []),
      "04" + h32(gx) + h32(P), "04" + h32(gx) + h32(2n ** 256n - 1n), // y = p, y = 2^256 - 1
      "04" + h32(P) + h32(gy),
      "04" + h32(2n ** 256n - 1n) + h32(gy),
      "05" + h32(gx) + h32(gy),                   // wrong prefixes
      "06" + h32(gx) + h32(gy),
      "07" + h32(gx) + h32(gy),
      "02" + h32(gx) + h32(gy),                   // compressed prefix with 65 bytes
      "04" + h32(gx),                             // uncompressed prefix with 33 bytes
      "01" + h32(gx),
      "00" + h32(gx),
      "02" + h32(tx), "03" + h32(tx), h32(tx),    // twist x
      "02" + h32(P), "03" + h32(P + 1n), h32(P), h32(2n ** 256n - 1n), // x >= p, compressed and x-only
      h32(sx + P),
      "04" + h32(gx) + h32(gy) + "00",            // one byte too long
      ("04" + h32(gx) + h32(gy)).slice(0, 128),   // one byte short
      h32(gx).slice(0, 62),                       // 31 bytes
      "02" + h32(gx) + "00",                      // 34 bytes
    ];
    // Points on other curves y^2 = x^3 - 3x + b' (invalid-curve attack points): random x, y off P-256.
    for (let i = 0; i < 20; i++) {
      const x = rand32() % P, y = rand32() % P;
      if (modp(y * y) !== rhs(x)) bad.push("04" + h32(x) + h32(y));
    }
    const reqs: object[] = [];
    for (const pub of bad) {
      reqs.push({ op: "p256_validate", pub });
      reqs.push({ op: "p256_decompress", pub });
      reqs.push({ op: "p256_ecdh", priv: h32(12345n), pub });
      reqs.push({ op: "p256_verify", pub, msg: "00", sig: h32(1n) + h32(1n) });
    }
    const ans = await evalVectors(host, reqs);
    for (let i = 0; i < bad.length; i++) {
      const [v, d, e, s] = ans.slice(4 * i, 4 * i + 4);
      expect({ pub: bad[i], v, d, e, s }).toEqual({
        pub: bad[i], v: { ok: false }, d: { error: "E_CRYPTO_POINT" }, e: { error: "E_CRYPTO_POINT" }, s: { ok: false },
      });
    }
    // noble agrees that each is invalid.
    for (const pub of bad) expect(() => p256.Point.fromBytes(unhex(pub)).assertValidity(), pub).toThrow();
  });

  it("negative signatures: r or s = 0, n, > n; modified signature or message", async () => {
    const priv = unhex(R6979.priv);
    const pub = hex(p256.getPublicKey(priv, false));
    const msg = unhex("48656c6c6f2c2050323536");
    const sig = p256.sign(msg, priv, { lowS: false });
    const r = hex(sig.slice(0, 32)), s = hex(sig.slice(32));
    const rb = BigInt("0x" + r), sb = BigInt("0x" + s);
    const cases: [string, string, boolean][] = [
      [hex(msg), r + s, true],
      [hex(msg), h32(0n) + s, false], [hex(msg), r + h32(0n), false],
      [hex(msg), h32(N) + s, false], [hex(msg), r + h32(N), false],
      [hex(msg), h32(N + 1n) + s, false], [hex(msg), r + h32(2n ** 256n - 1n), false],
      ...(rb + N < 2n ** 256n ? [[hex(msg), h32(rb + N) + s, false] as [string, string, boolean]] : []), // r + n
      [hex(msg), r + h32(N - sb), true],                                // (r, n - s) is valid too (no low-s rule)
      [hex(msg), r + h32(sb + 1n), false],
      [hex(msg), s + r, false],
      [hex(msg) + "00", r + s, false],
      [hex(msg).slice(2), r + s, false],
      [hex(msg), r + s.slice(0, 62), false],                            // 63-byte signature
      [hex(msg), r + s + "00", false],                                  // 65-byte signature
      [hex(msg), h32(0n) + h32(0n), false],
    ];
    for (let bit = 0; bit < 512; bit += 37) {
      const t = Uint8Array.from(sig); t[bit >> 3] ^= 1 << (bit & 7);
      cases.push([hex(msg), hex(t), false]);
    }
    for (let bit = 0; bit < msg.length * 8; bit += 11) {
      const t = Uint8Array.from(msg); t[bit >> 3] ^= 1 << (bit & 7);
      cases.push([hex(t), r + s, false]);
    }
    const ans = await evalVectors(host, cases.map(([m, sg]) => ({ op: "p256_verify", pub, msg: m, sig: sg })));
    expect(ans).toEqual(cases.map(([, , ok]) => ({ ok })));
  });

  it("key from a 48-byte seed is seed mod (n-1) + 1 (FIPS 186-5 A.2.1), edges included", async () => {
    const seeds: bigint[] = [0n, 1n, N - 2n, N - 1n, N, 2n * (N - 1n), 2n * (N - 1n) - 1n, 2n ** 384n - 1n, 2n ** 383n, (N - 1n) * (2n ** 128n)];
    for (let i = 0; i < 200; i++) seeds.push(BigInt("0x" + randomBytes(48).toString("hex")));
    const ans = await evalVectors(host, seeds.map((s) => ({ op: "p256_keygen", seed: s.toString(16).padStart(96, "0") })));
    expect(ans).toEqual(seeds.map((s) => ({ out: h32((s % (N - 1n)) + 1n) })));
  });

  it("differential: public keys of 1000 random and edge scalars match @noble/curves", async () => {
    const ks = edgeScalars();
    while (ks.length < 1000) ks.push(rand32() % (N - 1n) + 1n);
    const ans = await evalVectors(host, ks.map((k) => ({ op: "p256_pub", priv: h32(k) })));
    expect(ans).toEqual(ks.map((k) => ({ out: hex(p256.getPublicKey(unhex(h32(k)), false)) })));
  });

  it("differential: 600 ECDH agreements match node:crypto and @noble/curves, in all three key forms", async () => {
    const reqs: object[] = [], want: object[] = [];
    const scal = edgeScalars();
    for (let i = 0; i < 200; i++) {
      const a = i < scal.length ? scal[i] : rand32() % (N - 1n) + 1n;
      const bPriv = i % 7 === 0 ? scal[(i * 5) % scal.length] : rand32() % (N - 1n) + 1n;
      const pubB = p256.getPublicKey(unhex(h32(bPriv)), false);
      const e = createECDH("prime256v1");
      e.setPrivateKey(Buffer.from(h32(a), "hex"));
      const z = hex(e.computeSecret(Buffer.from(pubB)));
      expect(hex(p256.getSharedSecret(unhex(h32(a)), pubB).slice(1))).toBe(z);
      const comp = p256.Point.fromBytes(pubB).toBytes(true);
      reqs.push({ op: "p256_ecdh", priv: h32(a), pub: hex(pubB) });
      reqs.push({ op: "p256_ecdh", priv: h32(a), pub: hex(comp) });
      reqs.push({ op: "p256_ecdh", priv: h32(a), pub: hex(comp.slice(1)) });
      want.push({ out: z }, { out: z }, { out: z });
    }
    expect(await evalVectors(host, reqs)).toEqual(want);
  });

  it("differential: validate and decompress 600 random x / points against @noble/curves", async () => {
    const reqs: object[] = [], want: object[] = [];
    for (let i = 0; i < 200; i++) {
      const x = i < 100 ? rand32() % P : BigInt(i);
      const ok = isSquare(rhs(x));
      let y = ok ? powp(rhs(x), (P + 1n) / 4n) : 0n;
      for (const pre of ["02", "03"]) {
        const pub = pre + h32(x);
        let nob: string | null = null;
        try { nob = hex(p256.Point.fromBytes(unhex(pub)).toBytes(false)); } catch { nob = null; }
        expect(nob !== null).toBe(ok);
        reqs.push({ op: "p256_decompress", pub });
        want.push(nob === null ? { error: "E_CRYPTO_POINT" } : { out: nob });
      }
      // x only: the even y.
      if (y & 1n) y = P - y;
      reqs.push({ op: "p256_decompress", pub: h32(x) });
      want.push(ok ? { out: "04" + h32(x) + h32(y) } : { error: "E_CRYPTO_POINT" });
    }
    for (let i = 0; i < 200; i++) {
      const k = rand32() % (N - 1n) + 1n;
      const pt = p256.getPublicKey(unhex(h32(k)), false);
      const bad = Uint8Array.from(pt); bad[1 + (i % 64)] ^= 1 << (i % 8);
      let nobOk = true;
      try { p256.Point.fromBytes(bad).assertValidity(); } catch { nobOk = false; }
      reqs.push({ op: "p256_validate", pub: hex(pt) }, { op: "p256_validate", pub: hex(bad) });
      want.push({ ok: true }, { ok: nobOk });
    }
    expect(await evalVectors(host, reqs)).toEqual(want);
  });

  it("differential: 300 signatures equal @noble/curves' RFC 6979 ones and verify with node:crypto; hedged signing", async () => {
    const reqs: object[] = [], keys: { priv: Uint8Array; msg: Uint8Array; extra?: Uint8Array }[] = [];
    const scal = edgeScalars();
    for (let i = 0; i < 300; i++) {
      const d = i < scal.length ? scal[i] : rand32() % (N - 1n) + 1n;
      const priv = unhex(h32(d));
      const msg = randomBytes(i % 97);
      const extra = i % 3 === 0 ? randomBytes(32) : undefined;
      keys.push({ priv, msg, extra });
      reqs.push(extra ? { op: "p256_sign", priv: hex(priv), msg: hex(msg), extra: hex(extra) } : { op: "p256_sign", priv: hex(priv), msg: hex(msg) });
    }
    const ans = await evalVectors(host, reqs);
    for (let i = 0; i < keys.length; i++) {
      const { priv, msg, extra } = keys[i];
      const want = p256.sign(msg, priv, { lowS: false, extraEntropy: extra ?? false });
      expect(ans[i], `sign #${i}`).toEqual({ out: hex(want) });
      const pub = createPublicKey({ key: { kty: "EC", crv: "P-256", ...jwkXY(p256.getPublicKey(priv, false)) }, format: "jwk" });
      expect(nodeVerify("sha256", msg, { key: pub, dsaEncoding: "ieee-p1363" }, unhex(ans[i].out))).toBe(true);
    }
  });

  it("differential: verify 400 signatures (valid, high/low s, tampered) like @noble/curves and node:crypto", async () => {
    const reqs: object[] = [], want: object[] = [];
    for (let i = 0; i < 100; i++) {
      const priv = unhex(h32(rand32() % (N - 1n) + 1n));
      const pub = p256.getPublicKey(priv, false);
      const msg = randomBytes(1 + (i % 50));
      const sig = p256.sign(msg, priv, { lowS: false });
      const s = BigInt("0x" + hex(sig.slice(32)));
      const flipped = Uint8Array.from(sig); flipped.set(unhex(h32(N - s)), 32);   // (r, n - s) is also valid
      const tampered = Uint8Array.from(sig); tampered[i % 64] ^= 0x80;
      const keyForms = [hex(pub), hex(p256.Point.fromBytes(pub).toBytes(true))];
      for (const [sg, m] of [[sig, msg], [flipped, msg], [tampered, msg], [sig, sha256(msg)]] as [Uint8Array, Uint8Array][]) {
        const nob = p256.verify(sg, m, pub, { lowS: false });
        const nodeKey = createPublicKey({ key: { kty: "EC", crv: "P-256", ...jwkXY(pub) }, format: "jwk" });
        expect(nodeVerify("sha256", m, { key: nodeKey, dsaEncoding: "ieee-p1363" }, sg)).toBe(nob);
        reqs.push({ op: "p256_verify", pub: keyForms[i % 2], msg: hex(m), sig: hex(sg) });
        want.push({ ok: nob });
      }
    }
    expect(await evalVectors(host, reqs)).toEqual(want);
  });
});

describe("P-256 memory", () => {
  it("allocates nothing: heap_top unchanged across P-256 vector commands (V8 host, in process)", async () => {
    const board = new NodeBoard({ store: new FileStore(join(tempDir(), "ks")), out: () => {}, err: () => {} });
    const host = await ModuleHost.load(readFileSync(SIM_WASM), board);
    const pub = "04" + R5903.grx + R5903.gry;
    const lines = [
      { op: "p256_pub", priv: R5903.i }, { op: "p256_ecdh", priv: R5903.i, pub }, { op: "p256_ecdh", priv: R5903.i, pub: "00" },
      { op: "p256_sign", priv: R5903.i, msg: "00", extra: "01" }, { op: "p256_verify", pub, msg: "00", sig: "00".repeat(64) },
      { op: "p256_validate", pub: R5903.grx }, { op: "p256_decompress", pub: "02" + R5903.grx }, { op: "p256_pub", priv: "00" },
    ].map((l) => JSON.stringify(l));
    await host.run(["vector", lines[0]]);
    const top = host.heapTop();
    for (let i = 0; i < 5; i++) for (const l of lines) await host.run(["vector", l]);
    expect(host.heapTop()).toBe(top);
    board.close();
  });
});

function jwkXY(pub: Uint8Array) {
  return { x: Buffer.from(pub.slice(1, 33)).toString("base64url"), y: Buffer.from(pub.slice(33)).toString("base64url") };
}
