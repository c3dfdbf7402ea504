// The "crypto" import module (host/include/est_crypto.h) end to end below the protocol code: one script
// language (test/crypto/provider_test.c says it) runs through
//   "c":    the mbedTLS provider called directly (build/crypto-provider-test, no wasm),
//   "cb":   the same with the provider compiled as against another mbedTLS (no EST_P256_SQRT: P-256 points
//           decompressed with mbedTLS's bignum instead of host/crypto/p256_sqrt.h), for the P-256 tests,
//   "sim":  build/crypto-test.wasm under est-sim (wasm3 and host/est_crypto_imports.c),
//   "node": the same module under the Node host (host/node/crypto-provider.ts, node:crypto),
// and the answers are held to the RFC vectors of test/vectors/, to node:crypto and @noble on random inputs,
// and to each other line by line. Ed25519 exists only in the Node provider (the C one says so in caps()).
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, createCipheriv, createHmac, hkdfSync, randomBytes, verify as nodeVerify, createPublicKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../host/node/cli.js";
import { buildStore, parseStore } from "../host/node/store.js";
import { EST_SIM, ROOT, tempDir } from "./helpers/hosts.js";

const HARNESS = join(ROOT, "build/crypto-provider-test");
const HARNESS_BIGNUM = join(ROOT, "build/crypto-provider-test-bignum");
const MODULE = join(ROOT, "build/crypto-test.wasm");
const PROBE = join(ROOT, "build/abi-probe.wasm");
const vec = (f: string) => JSON.parse(readFileSync(join(ROOT, "test/vectors", f), "utf8"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const h = (s: string) => (s === "" ? "-" : s);
type Path = "c" | "cb" | "sim" | "node";
const PATHS: Path[] = ["c", "sim", "node"];
const P256_PATHS: Path[] = [...PATHS, "cb"];

beforeAll(() => {
  // The C harness: the provider library of the build (tools/build-mbedtls.sh host) and the posix key store.
  execFileSync("bash", ["tools/build-mbedtls.sh", "host"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  execFileSync("gcc", ["-O1", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-Ihost/include", "-Iboards", "-Iboards/posix",
    "test/crypto/provider_test.c", "boards/posix/store_file.c", "build/crypto-host/libestcrypto.a", "-o", HARNESS], { cwd: ROOT });
  // The provider as it compiles against an mbedTLS without our copy of p256-m (ESP-IDF's, nRF Connect SDK's):
  // its own psa_provider.o comes first, so the library's is not linked.
  const MB = "build/third_party/mbedtls";
  execFileSync("gcc", ["-O1", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-Ihost/include", "-Iboards", "-Iboards/posix", "-Ihost/crypto",
    `-DMBEDTLS_CONFIG_FILE="est_mbedtls_config.h"`, `-I${MB}/include`, `-I${MB}/library`, `-I${MB}/3rdparty/p256-m`, `-I${MB}/3rdparty/p256-m/p256-m`,
    "test/crypto/provider_test.c", "host/crypto/psa_provider.c", "boards/posix/store_file.c", "build/crypto-host/libestcrypto.a", "-o", HARNESS_BIGNUM], { cwd: ROOT });
});

/** Run script lines through one path with the key store `store`; one answer per line. */
async function run(path: Path, lines: string[], store = join(tempDir(), "ks")): Promise<string[]> {
  const input = lines.join("\n") + "\n";
  let text: string;
  if (path === "c" || path === "cb") {
    const r = spawnSync(path === "c" ? HARNESS : HARNESS_BIGNUM, [store], { input, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`provider_test exited ${r.status}: ${r.stderr}`);
    text = r.stdout;
  } else if (path === "sim") {
    const r = spawnSync(EST_SIM, ["--module", MODULE, "--store", store, "vectors"], { input, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`est-sim exited ${r.status}: ${r.stderr}`);
    text = r.stdout;
  } else {
    const r = await runCli(["--module", MODULE, "--store", store, "vectors"], { input, cwd: ROOT });
    if (r.code !== 0) throw new Error(`node host exited ${r.code}: ${r.stderr}`);
    text = r.stdout;
  }
  const out = text.split("\n").filter((l) => l.length);
  expect(out.length, `${path}: one answer per line`).toBe(lines.length);
  return out;
}

/** Run through all three paths; every line must answer `expected` (a string, or a test of the answer). */
async function expectAll(lines: [string, string | ((a: string, p: Path) => void)][], paths = PATHS) {
  for (const p of paths) {
    const got = await run(p, lines.map(([l]) => l));
    lines.forEach(([l, want], i) => {
      if (typeof want === "string") expect(got[i], `${p}: ${l.slice(0, 60)}`).toBe(want);
      else want(got[i], p);
    });
  }
}

describe("RFC vectors through the provider, est-sim and the Node host", () => {
  it("SHA-256 (FIPS 180-4), one call and incremental", async () => {
    const lines: [string, string][] = [];
    let gen = 0; // each operation takes slot 0 again, with the next generation: handle 16 * gen + 1
    for (const c of vec("sha256.json").cases) {
      lines.push([`sha256 ${h(c.msg)}`, `0 ${c.out}`]);
      const n = lines.length, cut = Math.floor(c.msg.length / 4) * 2;
      lines.push(["sha256_begin", String(16 * ++gen + 1)]);
      lines.push([`sha256_update @${n} ${h(c.msg.slice(0, cut))}`, "0"]);
      lines.push([`sha256_update @${n} ${h(c.msg.slice(cut))}`, "0"]);
      lines.push([`sha256_finish @${n}`, `0 ${c.out}`]);
      lines.push([`sha256_finish @${n}`, "-54"]);
    }
    await expectAll(lines);
  });

  it("HMAC-SHA-256 (RFC 4231) and HKDF-SHA-256 (RFC 5869)", async () => {
    const lines: [string, string | ((a: string) => void)][] = [];
    for (const c of vec("hmac-sha256.json").cases) {
      if (c.out) lines.push([`hmac ${h(c.key)} ${h(c.msg)}`, `0 ${c.out}`]);
      else lines.push([`hmac ${h(c.key)} ${h(c.msg)}`, (a: string) => expect(a.startsWith(`0 ${c.out_prefix}`)).toBe(true)]);
    }
    for (const c of vec("hkdf-sha256.json").cases) {
      lines.push([`hkdf ${h(c.salt)} ${h(c.ikm)} ${h(c.info)} ${c.len}`, `0 ${c.okm}`]);
      lines.push([`hkdf_expand ${c.prk} ${h(c.info)} ${c.len}`, `0 ${c.okm}`]);
    }
    await expectAll(lines);
  });

  it("AES-128-CCM (RFC 3610 packet vectors): seal and open, in place too, and a forged tag", async () => {
    const lines: [string, string][] = [];
    for (const c of vec("aes-ccm-rfc3610.json").cases) {
      const n = c.ct.length / 2;
      lines.push([`ccm_seal ${c.key} ${c.nonce} ${h(c.aad)} ${h(c.pt)} ${c.tag_len}`, `${n} ${c.ct}`]);
      lines.push([`ccm_seal ${c.key} ${c.nonce} ${h(c.aad)} ${h(c.pt)} ${c.tag_len} inplace`, `${n} ${c.ct}`]);
      lines.push([`ccm_open ${c.key} ${c.nonce} ${h(c.aad)} ${c.ct} ${c.tag_len}`, `${c.pt.length / 2} ${c.pt}`]);
      lines.push([`ccm_open ${c.key} ${c.nonce} ${h(c.aad)} ${c.ct} ${c.tag_len} inplace`, `${c.pt.length / 2} ${c.pt}`]);
      const forged = c.ct.slice(0, -2) + ((parseInt(c.ct.slice(-2), 16) ^ 1).toString(16).padStart(2, "0"));
      lines.push([`ccm_open ${c.key} ${c.nonce} ${h(c.aad)} ${forged} ${c.tag_len} inplace`, `-50 ${"00".repeat(c.pt.length / 2)}`]);
    }
    await expectAll(lines, P256_PATHS);
  });

  it("P-256 ECDH (RFC 5903 8.1, NIST CAVS ECC CDH) with uncompressed, compressed and x-only peers", async () => {
    const r = vec("p256-rfc5903.json");
    const odd = (y: string) => (parseInt(y.slice(-1), 16) & 1 ? "03" : "02");
    const lines: [string, string][] = [
      [`key_import 3 ${r.i} 0`, "17"],
      ["key_public @0 65", `65 04${r.gix}${r.giy}`],
      [`ecdh @0 04${r.grx}${r.gry}`, `32 ${r.girx}`],
      [`ecdh @0 ${odd(r.gry)}${r.grx}`, `32 ${r.girx}`],
      [`ecdh @0 ${r.grx}`, `32 ${r.girx}`],
      [`key_import 3 ${r.r} 0`, "18"],
      [`ecdh @5 ${odd(r.giy)}${r.gix}`, `32 ${r.girx}`],
    ];
    vec("p256-cavs-ecccdh.json").cases.forEach((c: any, i: number) => {
      const n = lines.length;
      lines.push([`key_import 3 ${c.dIUT} 0`, String(19 + i)]); // slots 2, 3, ... (generation 1)
      lines.push([`key_public @${n} 65`, `65 04${c.QIUTx}${c.QIUTy}`]);
      lines.push([`ecdh @${n} 04${c.QCAVSx}${c.QCAVSy}`, `32 ${c.ZIUT}`]);
      lines.push([`ecdh @${n} ${c.QCAVSx}`, `32 ${c.ZIUT}`]);
    });
    await expectAll(lines, P256_PATHS);
  });

  it("ES256 (RFC 6979 A.2.5 key): the provider's signatures verify under node:crypto, the RFC's under the provider", async () => {
    const v = vec("p256-rfc6979.json");
    const pub = `04${v.pubX}${v.pubY}`;
    const cpub = (parseInt(v.pubY.slice(-1), 16) & 1 ? "03" : "02") + v.pubX;
    const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: Buffer.from(v.pubX, "hex").toString("base64url"), y: Buffer.from(v.pubY, "hex").toString("base64url") }, format: "jwk" });
    const lines: [string, string | ((a: string) => void)][] = [[`key_import 1 ${v.priv} 0`, "17"], ["key_public @0 65", `65 ${pub}`]];
    for (const s of v.signatures) {
      const digest = createHash("sha256").update(s.message).digest("hex");
      lines.push([`sign @0 ${digest}`, (a: string) => {
        const [n, sig] = a.split(" ");
        expect(n).toBe("64");
        expect(nodeVerify("sha256", Buffer.from(s.message), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(sig, "hex"))).toBe(true);
      }]);
      lines.push([`verify 1 ${pub} ${digest} ${s.r}${s.s}`, "0"]);
      lines.push([`verify 1 ${cpub} ${digest} ${s.r}${s.s}`, "0"]);
      // the other root of the same x: a valid point, but not the signer's key
      lines.push([`verify 1 ${cpub[1] === "2" ? "03" : "02"}${v.pubX} ${digest} ${s.r}${s.s}`, "-53"]);
      lines.push([`verify 1 ${pub} ${digest} ${s.r}${s.s.slice(0, -1)}${s.s.endsWith("0") ? "1" : "0"}`, "-53"]);
    }
    await expectAll(lines);
  });

  it("X25519 (RFC 7748 5.2 and 6.1), including a peer u with the top bit set", async () => {
    const v = vec("x25519-rfc7748.json");
    const lines: [string, string][] = [];
    v.scalar_mult.forEach((c: any, i: number) => {
      lines.push([`key_import 4 ${c.scalar} 0`, String(17 + i)]);
      lines.push([`ecdh @${lines.length - 1} ${c.u}`, `32 ${c.out}`]);
    });
    const n = lines.length;
    lines.push([`key_import 4 ${v.dh.alice_priv} 0`, "19"], [`key_public @${n} 32`, `32 ${v.dh.alice_pub}`], [`ecdh @${n} ${v.dh.bob_pub}`, `32 ${v.dh.shared}`]);
    await expectAll(lines);
  });

  it("Ed25519 (RFC 8032 7.1) where the provider has it (Node), E_UNSUPPORTED where not (mbedTLS)", async () => {
    const c = vec("ed25519-rfc8032.json").cases[2];
    const lines = [`key_import 2 ${c.seed} 0`, "key_public @0 32", `sign @0 ${h(c.msg)}`, `verify 2 ${c.pub} ${h(c.msg)} ${c.sig}`, "caps"];
    expect(await run("node", lines)).toEqual(["17", `32 ${c.pub}`, `64 ${c.sig}`, "0", "255"]);
    for (const p of ["c", "sim"] as const) expect(await run(p, lines)).toEqual(["-8", "-51", "-51", "-8", "191"]);
  });
});

describe("misuse: bad handles, bad points, short buffers, limits", () => {
  // A P-256 x-coordinate below p with no point on the curve (x^3 - 3x + b is no square mod p), and p itself.
  const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
  const noPoint = (() => {
    for (let x = 1n; ; x++) {
      try { p256.Point.fromHex("02" + x.toString(16).padStart(64, "0")); } catch { return x.toString(16).padStart(64, "0"); }
    }
  })();
  const r = vec("p256-rfc5903.json");
  const pt = `04${r.grx}${r.gry}`;
  const offCurve = `04${r.grx}${r.gry.slice(0, -2)}${(parseInt(r.gry.slice(-2), 16) ^ 1).toString(16).padStart(2, "0")}`;
  const x25519Key = vec("x25519-rfc7748.json").dh.alice_priv;
  const N = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
  const digest = "00".repeat(32);
  const lines: [string, string][] = [];
  const L = (line: string, want: string) => lines.push([line, want]) - 1;
  const dh = L(`key_import 3 ${r.i} 0`, "17"), es = L(`key_import 1 ${r.r} 0`, "18"), xk = L(`key_import 4 ${x25519Key} 0`, "19");
  // points: off the curve, no point for this x, x = p, a bad prefix, wrong lengths; X25519 low-order results
  L(`ecdh @${dh} ${offCurve}`, "-52"); L(`ecdh @${dh} ${noPoint}`, "-52"); L(`ecdh @${dh} ${P.toString(16)}`, "-52");
  L(`ecdh @${dh} 02${noPoint}`, "-52"); L(`ecdh @${dh} 03${P.toString(16)}`, "-52"); L(`ecdh @${dh} 05${r.grx}`, "-52"); L(`ecdh @${dh} ${r.grx.slice(2)}`, "-52"); L(`ecdh @${dh} ${pt}00`, "-52");
  L(`ecdh @${xk} ${"00".repeat(32)}`, "-52"); L(`ecdh @${xk} 01${"00".repeat(31)}`, "-52"); L(`ecdh @${xk} ${"00".repeat(31)}`, "-52");
  // handles of the wrong kind, never opened, negative
  L(`ecdh @${es} ${pt}`, "-51"); L(`sign @${dh} ${digest}`, "-51"); L(`sign @${xk} ${digest}`, "-51");
  L(`sign @${es} ${digest.slice(2)}`, "-54");
  L(`ecdh 0 ${pt}`, "-51"); L(`ecdh 999 ${pt}`, "-51"); L(`ecdh -17 ${pt}`, "-51"); L("key_close 1", "-51");
  // short buffers, bad keys and types, ids out of range, absent keys
  L(`key_public @${dh} 64`, "-4"); L(`key_public @${xk} 31`, "-4");
  L(`key_import 3 ${r.i.slice(2)} 0`, "-54"); L(`key_import 3 ${"00".repeat(32)} 0`, "-51"); L(`key_import 1 ${N} 0`, "-51");
  L(`key_import 9 ${r.i} 0`, "-54"); L("key_generate 0 0", "-54"); L("key_generate 3 65536", "-24");
  L("key_open 0", "-24"); L("key_open 65536", "-24"); L("key_open 5", "-20");
  // a closed handle, and the same slot reused (generation 2): the stale handle stays invalid
  L(`key_close @${dh}`, "0"); L(`key_close @${dh}`, "-51"); L(`key_public @${dh} 65`, "-51");
  L("key_generate 3 0", "33"); L(`ecdh @${dh} ${pt}`, "-51");
  // verify: wrong signatures, lengths, points, types
  L(`verify 1 ${pt} ${digest} ${"11".repeat(64)}`, "-53"); L(`verify 1 ${pt} ${digest} ${"11".repeat(63)}`, "-53");
  L(`verify 1 ${r.grx} ${digest} ${"11".repeat(64)}`, "-52"); L(`verify 1 ${offCurve} ${digest} ${"11".repeat(64)}`, "-52");
  L(`verify 1 ${pt} ${digest.slice(2)} ${"11".repeat(64)}`, "-54"); L(`verify 3 ${pt} ${digest} ${"11".repeat(64)}`, "-54");
  // HKDF, CCM parameters
  L(`hkdf_expand ${"00".repeat(31)} - 32`, "-54");
  L(`ccm_seal ${"00".repeat(16)} ${"00".repeat(6)} - 00 8`, "-54"); L(`ccm_seal ${"00".repeat(16)} ${"00".repeat(13)} - 00 5`, "-54");
  L(`ccm_open ${"00".repeat(16)} ${"00".repeat(13)} - ${"00".repeat(7)} 8`, "-50");
  // four hash operations at most; a finished or aborted one is gone
  const op = L("sha256_begin", "17"); L("sha256_begin", "18"); L("sha256_begin", "19"); L("sha256_begin", "20");
  L("sha256_begin", "-45"); L(`sha256_abort @${op}`, "0"); L(`sha256_update @${op} 00`, "-54"); L(`sha256_abort @${op}`, "-54");
  L("sha256_abort 0", "-54"); L("sha256_begin", "33");
  // eight key handles at most: three are open (slots 0, 1, 2); five more fit, the sixth does not
  for (let i = 0; i < 5; i++) L("key_generate 4 0", String(20 + i));
  L("key_generate 4 0", "-45");

  it("answers the same status on every path, and nothing crashes", async () => {
    await expectAll(lines, P256_PATHS);
  });

  it("refuses every range outside linear memory with E_BAD_POINTER under both hosts", async () => {
    const outs: string[] = [];
    for (const host of ["sim", "node"] as const) {
      const args = ["--module", MODULE, "--store", join(tempDir(), "ks"), "badptr"];
      const r = host === "sim" ? spawnSync(EST_SIM, args, { encoding: "utf8" }) : await runCli(args, { cwd: ROOT });
      expect((r as any).status ?? (r as any).code).toBe(0);
      outs.push(r.stdout);
    }
    expect(outs[1]).toBe(outs[0]);
    const got = outs[0].trim().split("\n");
    expect(got.at(-1)).toBe("still alive");
    expect(got.length).toBe(23);
    for (const l of got.slice(0, -1)) expect(l, l).toMatch(l.startsWith("ccm_seal_tag_len") ? / -54$/ : / -5$/);
  });
});

describe("persistent keys: the board's key store, one file for both hosts", () => {
  it("keeps a key across processes and hosts, replaces it atomically, destroys it, and the module cannot read it", async () => {
    const store = join(tempDir(), "ks");
    const [gen, pub1] = await run("sim", ["key_generate 3 7", "key_public @0 65"], store);
    expect(gen).toBe("17");
    expect(pub1).toMatch(/^65 04[0-9a-f]{128}$/);
    // The record: id 0x10007, format 1, type 3, 32 bytes of key, nothing else in the store.
    const recs = parseStore(readFileSync(store));
    expect(recs.map((x) => x.id)).toEqual([0x10007]);
    expect(hex(recs[0].raw.subarray(12, 16))).toBe("01030000");
    expect(recs[0].raw.length).toBe(12 + 36);
    // Another process, another host, the C provider: the same public key.
    for (const p of PATHS) expect(await run(p, ["key_open 7", "key_public @0 65"], store)).toEqual(["17", pub1]);
    // The module's own store imports refuse the record's id.
    const probe = spawnSync(EST_SIM, ["--module", PROBE, "--store", store, "store-read", String(0x10007)], { encoding: "utf8" });
    expect(probe.stdout).toBe("store_read: E_STORE_ID\n");
    // Generating under the same id replaces the key; a handle on the old one keeps working meanwhile.
    const peer = hex(p256.getPublicKey(p256.utils.randomSecretKey(), false));
    const [, , , pub2, z1, z2] = await run("node", ["key_open 7", "key_generate 3 7", "key_open 7", "key_public @2 65", `ecdh @0 ${peer}`, `ecdh @2 ${peer}`], store);
    expect(pub2).not.toBe(pub1);
    expect(z1).not.toBe(z2);
    expect(await run("c", ["key_open 7", "key_public @0 65"], store)).toEqual(["17", pub2]);
    // key_close keeps it, key_destroy erases it (and a second process sees that).
    expect(await run("sim", ["key_open 7", "key_close @0", "key_open 7", "key_destroy @2", "key_open 7"], store)).toEqual(["17", "0", "33", "0", "-20"]); // slot 0 again, next generation
    expect(await run("node", ["key_open 7"], store)).toEqual(["-20"]);
    expect(parseStore(readFileSync(store))).toEqual([]);
    // The C harness re-reading the file (as a new process would) after it destroyed a key itself.
    expect(await run("c", ["key_import 4 " + "11".repeat(32) + " 9", "key_destroy @0", "reopen", "key_open 9"], store)).toEqual(["17", "0", "0", "-20"]);
  });

  it("refuses a damaged key record with E_STORE_CORRUPT on every path", async () => {
    for (const rec of ["0103000011", "02030000" + "11".repeat(32), "01090000" + "11".repeat(32), "01010100" + "11".repeat(32), "01010000" + "00".repeat(32)]) {
      const store = join(tempDir(), "ks");
      writeFileSync(store, buildStore([{ id: 0x10005, data: Buffer.from(rec, "hex") }]));
      for (const p of PATHS) expect(await run(p, ["key_open 5"], store), `${p} ${rec.slice(0, 8)}`).toEqual(["-21"]);
    }
  });
});

describe("differential: random inputs against node:crypto and @noble, the three paths equal", () => {
  // Copied: node:crypto's AES-CCM (Node 20, OpenSSL 3) fails to seal an empty plaintext given as randomBytes(0)
  // itself ("tag not set"), which made this test fail in about one run of 30.
  const rnd = (max: number) => Buffer.from(randomBytes(Math.floor(Math.random() * (max + 1))));
  it("hashes, MACs, HKDF, AES-CCM, P-256 and X25519 ECDH, ES256", async () => {
    const lines: string[] = [];
    const want: (string | null)[] = []; // null: checked below (randomized signatures)
    const sigChecks: { line: number; msg: Buffer; pub: Buffer }[] = [];
    for (let i = 0; i < 12; i++) {
      // the first round with empty inputs everywhere
      const m = i ? rnd(300) : Buffer.alloc(0), k = i ? rnd(100) : Buffer.alloc(0), salt = i ? rnd(40) : Buffer.alloc(0);
      const info = i ? rnd(40) : Buffer.alloc(0), len = 1 + Math.floor(Math.random() * 100);
      lines.push(`sha256 ${h(hex(m))}`); want.push(`0 ${createHash("sha256").update(m).digest("hex")}`);
      lines.push(`hmac ${h(hex(k))} ${h(hex(m))}`); want.push(`0 ${createHmac("sha256", k).update(m).digest("hex")}`);
      lines.push(`hkdf ${h(hex(salt))} ${h(hex(k))} ${h(hex(info))} ${len}`);
      want.push(`0 ${hex(new Uint8Array(hkdfSync("sha256", k, salt, info, len)))}`);
      const key = randomBytes(16), nonce = randomBytes(13), aad = i ? rnd(50) : Buffer.alloc(0), tag = [4, 8, 16][i % 3];
      const c = createCipheriv("aes-128-ccm", key, nonce, { authTagLength: tag });
      c.setAAD(aad, { plaintextLength: m.length });
      const ct = Buffer.concat([c.update(m), c.final(), c.getAuthTag()]);
      lines.push(`ccm_seal ${hex(key)} ${hex(nonce)} ${h(hex(aad))} ${h(hex(m))} ${tag}`); want.push(`${ct.length} ${hex(ct)}`);
      lines.push(`ccm_open ${hex(key)} ${hex(nonce)} ${h(hex(aad))} ${hex(ct)} ${tag}`); want.push(m.length ? `${m.length} ${hex(m)}` : "0");
      // P-256 ECDH in all three peer forms; the shared secret from @noble.
      const a = p256.utils.randomSecretKey(), b = p256.utils.randomSecretKey();
      const B = p256.getPublicKey(b, false), z = hex(p256.getSharedSecret(a, B).subarray(1));
      const ha = lines.length;
      lines.push(`key_import 3 ${hex(a)} 0`); want.push(null);
      lines.push(`ecdh @${ha} ${hex(B)}`); want.push(`32 ${z}`);
      lines.push(`ecdh @${ha} ${hex(p256.getPublicKey(b, true))}`); want.push(`32 ${z}`);
      lines.push(`ecdh @${ha} ${hex(B.subarray(1, 33))}`); want.push(`32 ${z}`);
      lines.push(`key_public @${ha} 65`); want.push(`65 ${hex(p256.getPublicKey(a, false))}`);
      lines.push(`key_close @${ha}`); want.push("0");
      // X25519
      const xa = x25519.utils.randomSecretKey(), xB = x25519.getPublicKey(x25519.utils.randomSecretKey());
      const hx = lines.length;
      lines.push(`key_import 4 ${hex(xa)} 0`); want.push(null);
      lines.push(`ecdh @${hx} ${hex(xB)}`); want.push(`32 ${hex(x25519.getSharedSecret(xa, xB))}`);
      lines.push(`key_close @${hx}`); want.push("0");
      // ES256: a key the provider generates signs; node:crypto verifies. @noble signs; the provider verifies.
      const hs = lines.length;
      lines.push("key_generate 1 0"); want.push(null);
      lines.push(`key_public @${hs} 65`); want.push(null);
      const d = createHash("sha256").update(m).digest();
      sigChecks.push({ line: lines.length, msg: m, pub: Buffer.alloc(0) });
      lines.push(`sign @${hs} ${hex(d)}`); want.push(null);
      lines.push(`key_close @${hs}`); want.push("0");
      const sig = p256.sign(d, a, { prehash: false });
      lines.push(`verify 1 ${hex(p256.getPublicKey(a, false))} ${hex(d)} ${hex(sig)}`); want.push("0");
      lines.push(`verify 1 ${hex(p256.getPublicKey(a, true))} ${hex(d)} ${hex(sig)}`); want.push("0");
      d[0] ^= 1;
      lines.push(`verify 1 ${hex(p256.getPublicKey(a, false))} ${hex(d)} ${hex(sig)}`); want.push("-53");
    }
    const answers: Record<Path, string[]> = { c: [], sim: [], node: [] };
    for (const p of PATHS) {
      answers[p] = await run(p, lines);
      want.forEach((w, i) => { if (w !== null) expect(answers[p][i], `${p}: ${lines[i].slice(0, 50)}`).toBe(w); });
      for (const s of sigChecks) {
        const [n, sig] = answers[p][s.line].split(" ");
        expect(n).toBe("64");
        const pub = Buffer.from(answers[p][s.line - 1].split(" ")[1], "hex");
        const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: pub.subarray(1, 33).toString("base64url"), y: pub.subarray(33).toString("base64url") }, format: "jwk" });
        expect(nodeVerify("sha256", s.msg, { key, dsaEncoding: "ieee-p1363" }, Buffer.from(sig, "hex")), `${p} ES256`).toBe(true);
      }
    }
    // Handles, statuses and every deterministic answer are the same on the three paths.
    const fixed = (p: Path) => answers[p].map((a, i) => (want[i] === null && !lines[i].startsWith("key_import") ? "*" : a));
    expect(fixed("sim")).toEqual(fixed("c"));
    expect(fixed("node")).toEqual(fixed("c"));
  });
});

// The provider multiplies the base point G with a fixed-base comb of its own (host/crypto/p256_comb.h on
// p256-m's field arithmetic: key generation, public keys, signing, u1*G in verification), the other points
// with p256-m's ladder. The comb reads the scalar as four 64-bit rows, one 4-bit column per step: the scalars
// here give it zero columns, full columns, single bits at each row's edges, and the ends of [1, n-1].
describe("P-256 base-point multiplication (the comb) against @noble", () => {
  const N = p256.Point.Fn.ORDER;
  const be = (x: bigint) => x.toString(16).padStart(64, "0");
  it("its table is the one tools/gen-p256-comb.ts computes with @noble/curves", () => {
    const r = spawnSync("npx", ["tsx", "tools/gen-p256-comb.ts", "--check"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("public keys of edge and random scalars, signatures of generated keys verified by node:crypto", async () => {
    const edge: bigint[] = [1n, 2n, 3n, 15n, 16n, N - 1n, N - 2n, N - 3n, N >> 1n, (N >> 1n) + 1n];
    for (const k of [0, 1, 31, 32, 63, 64, 65, 127, 128, 191, 192, 193, 254, 255]) if ((1n << BigInt(k)) < N) edge.push(1n << BigInt(k));
    for (const k of [64, 128, 192]) { edge.push((1n << BigInt(k)) - 1n); edge.push((1n << BigInt(k)) + 1n); }
    // every column the same value d (bit i of each row set when bit t of d is)
    for (let d = 1; d < 16; d++) {
      let x = 0n;
      for (let t = 0; t < 4; t++) if ((d >> t) & 1) x |= ((1n << 64n) - 1n) << BigInt(64 * t);
      if (x < N) edge.push(x);
    }
    const random = Array.from({ length: 60 }, () => BigInt(`0x${hex(p256.utils.randomSecretKey())}`));
    const scalars = [...edge, ...random];
    const lines: [string, string | ((a: string, p: Path) => void)][] = [];
    scalars.forEach((x, i) => {
      lines.push([`key_import 3 ${be(x)} 0`, (a) => expect(Number(a.split(" ")[0]), `import ${be(x)}`).toBeGreaterThan(0)]);
      lines.push([`key_public @${3 * i} 65`, `65 ${hex(p256.getPublicKey(Buffer.from(be(x), "hex"), false))}`]);
      lines.push([`key_close @${3 * i}`, "0"]);
    });
    // Generated keys sign; node:crypto checks each signature under the key's public part (k*G for r, d*G for Q).
    const base = lines.length, msgs: Buffer[] = [];
    for (let i = 0; i < 10; i++) {
      const m = randomBytes(40); msgs.push(m);
      lines.push(["key_generate 1 0", (a) => expect(Number(a.split(" ")[0])).toBeGreaterThan(0)]);
      lines.push([`key_public @${base + 4 * i} 65`, (a) => expect(a.split(" ")[0]).toBe("65")]);
      lines.push([`sign @${base + 4 * i} ${createHash("sha256").update(m).digest("hex")}`, (a) => expect(a.split(" ")[0]).toBe("64")]);
      lines.push([`key_close @${base + 4 * i}`, "0"]);
    }
    for (const p of PATHS) {
      const got = await run(p, lines.map(([l]) => l));
      lines.forEach(([l, want], i) => {
        if (typeof want === "string") expect(got[i], `${p}: ${l.slice(0, 80)}`).toBe(want);
        else want(got[i], p);
      });
      for (let i = 0; i < 10; i++) {
        const pub = Buffer.from(got[base + 4 * i + 1].split(" ")[1], "hex");
        const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: pub.subarray(1, 33).toString("base64url"), y: pub.subarray(33).toString("base64url") }, format: "jwk" });
        const sig = Buffer.from(got[base + 4 * i + 2].split(" ")[1], "hex");
        expect(nodeVerify("sha256", msgs[i], { key, dsaEncoding: "ieee-p1363" }, sig), `${p}: signature ${i}`).toBe(true);
      }
    }
  });
});

// The same module on the emulated Cortex-M4 (QEMU mps2-an386) with the provider built for it (CRYPTO=native):
// wasm3 and the glue on the M4, mbedTLS and p256-m compiled for Thumb-2, persistent keys in the flash store.
// Skipped, with the reason, without QEMU or the ARM toolchain.
const has = (cmd: string) => spawnSync(cmd, ["--version"]).status === 0;
const noBoard = !has("qemu-system-arm") ? "qemu-system-arm is not installed" : !has("arm-none-eabi-gcc") ? "arm-none-eabi-gcc is not installed" : "";
describe.skipIf(noBoard !== "")(`on the emulated Cortex-M4 with the native provider${noBoard ? ` — skipped: ${noBoard}` : ""}`, () => {
  const ELF = join(ROOT, "build/mps2-an386-native-cryptotest.elf");
  beforeAll(() => {
    execFileSync("bash", ["tools/build-mps2.sh"], { cwd: ROOT, stdio: "ignore", timeout: 300_000,
      // The test module's data is larger than the 36 KiB the native-crypto firmware gives the device module.
      env: { ...process.env, CRYPTO: "native", VARIANT: "cryptotest", MODULE_WASM: "build/crypto-test.wasm", EXTRA_CFLAGS: "-DBOARD_WASM_MEMORY_BYTES=65536u" } });
  }, 320_000);
  const board = (command: string) => {
    const r = spawnSync("qemu-system-arm", ["-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
      "-semihosting-config", `enable=on,target=native,arg=${command}`, "-kernel", ELF], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };

  it("passes the round trip of every key kind, and answers vectors as the desktop does", () => {
    const lines = board("roundtrip").trim().split("\n");
    expect(lines).toEqual(["p256_ecdh", "p256_ecdh_x_only", "p256_ecdh_compressed", "x25519_ecdh", "es256",
      "es256_changed_digest", "persistent", "persistent_destroyed"].map((n) => `${n} ok`));
    expect(board("vector caps")).toBe("191\n");
    const c = vec("aes-ccm-rfc3610.json").cases[0];
    expect(board(`vector ccm_seal ${c.key} ${c.nonce} ${c.aad} ${c.pt} ${c.tag_len}`)).toBe(`${c.ct.length / 2} ${c.ct}\n`);
    const r = vec("p256-rfc5903.json");
    expect(board(`vector key_import 3 ${r.i} 0`)).toBe("17\n");
  }, 240_000);

  it("refuses every range outside linear memory there too, with the same answers as est-sim", () => {
    const sim = spawnSync(EST_SIM, ["--module", MODULE, "--store", join(tempDir(), "ks"), "badptr"], { encoding: "utf8" });
    expect(board("badptr")).toBe(sim.stdout);
  }, 120_000);
});
