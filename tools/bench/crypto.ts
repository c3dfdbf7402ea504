// Crypto throughput per operation — SHA-256, HMAC, HKDF, AES-CCM, X25519, Ed25519 and P-256 — in ops/s for
//   - the module under V8 (the Node host in process: `vector` commands through ModuleHost.run),
//   - the module under wasm3 (one `est-sim vectors` process over N lines, minus an empty run's time),
//   - @noble/curves (p256 from nist.js) and node:crypto (OpenSSL), for scale.
// Prints a table with ratios; asserts nothing. Run: npm run bench:crypto  (or npx tsx tools/bench/crypto.ts [s/cell])
// The module figures include the vector runner's per-call overhead (argv copy, JSON and hex); the `empty`
// row measures that overhead alone with an op that is parsed and answered without any curve arithmetic.
import { spawnSync } from "node:child_process";
import {
  createCipheriv, createECDH, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, randomBytes,
  sign as nodeSign, verify as nodeVerify,
} from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { hkdf as nobleHkdf } from "@noble/hashes/hkdf.js";
import { NodeBoard } from "../../host/node/board.js";
import { ModuleHost } from "../../host/node/host.js";
import { FileStore } from "../../host/node/store.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SIM = join(ROOT, "build/est-sim");
const WASM = join(ROOT, "build/client.wasm");
const SECONDS = Number(process.argv[2] ?? "1");
const dir = mkdtempSync(join(tmpdir(), "est-bench-p256-"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const priv = Uint8Array.from(Buffer.from("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721", "hex"));
const peerPriv = Uint8Array.from(Buffer.from("c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53", "hex"));
const pub = p256.getPublicKey(priv, false);
const peerPub = p256.getPublicKey(peerPriv, false);
const msg = new TextEncoder().encode("sample");
const sig = p256.sign(msg, priv, { lowS: false });

const kib = randomBytes(1024), key16 = randomBytes(16), nonce13 = randomBytes(13), key32 = randomBytes(32);
const xPriv = randomBytes(32), xPeer = x25519.getPublicKey(randomBytes(32));
const edSeed = randomBytes(32), edPub = ed25519.getPublicKey(edSeed), edSig = ed25519.sign(msg, edSeed);

const requests: Record<string, object> = {
  "sha256 1 KiB": { op: "sha256", msg: hex(kib) },
  "hmac-sha256 1 KiB": { op: "hmac_sha256", key: hex(key32), msg: hex(kib) },
  "hkdf-sha256 32 B": { op: "hkdf_sha256", salt: hex(key32), ikm: hex(key32), info: "00", len: 32 },
  "aes-ccm seal 1 KiB": { op: "aes_ccm_seal", key: hex(key16), nonce: hex(nonce13), aad: "", pt: hex(kib) },
  "x25519": { op: "x25519", scalar: hex(xPriv), u: hex(xPeer) },
  "ed25519 sign": { op: "ed25519_sign", seed: hex(edSeed), msg: hex(msg) },
  "ed25519 verify": { op: "ed25519_verify", pub: hex(edPub), msg: hex(msg), sig: hex(edSig) },
  "p256 ecdh": { op: "p256_ecdh", priv: hex(priv), pub: hex(peerPub) },
  "p256 pubkey": { op: "p256_pub", priv: hex(priv) },
  "p256 sign": { op: "p256_sign", priv: hex(priv), msg: hex(msg) },
  "p256 verify": { op: "p256_verify", pub: hex(pub), msg: hex(msg), sig: hex(sig) },
  empty: { op: "p256_validate", pub: "00" },
};

/** Calls per second of f, run for about SECONDS after a short warm-up. */
async function rate(f: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await f();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < SECONDS * 1000) { for (let i = 0; i < 5; i++) await f(); n += 5; t = performance.now(); }
  return (n * 1000) / (t - t0);
}

// ---- module under V8 -------------------------------------------------------------------------------------
const board = new NodeBoard({ store: new FileStore(join(dir, "ks")), out: () => {}, err: () => {} });
const host = await ModuleHost.load(readFileSync(WASM), board);
async function v8(op: string): Promise<number> {
  const line = JSON.stringify(requests[op]);
  const st = await host.run(["vector", line]);
  if (st !== 0) throw new Error(`vector ${op} failed: ${host.errorDetail()}`);
  return rate(() => host.run(["vector", line]));
}

// ---- module under wasm3 ----------------------------------------------------------------------------------
function simSeconds(lines: string): number {
  const t0 = performance.now();
  const r = spawnSync(SIM, ["--store", join(dir, "ks3"), "vectors"], { input: lines, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`est-sim failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}
function wasm3(op: string): number {
  const line = JSON.stringify(requests[op]) + "\n";
  // Size N so the run takes about SECONDS: probe with a few lines first.
  const probe = Math.max(simSeconds(line.repeat(20)) - simSeconds(""), 1e-4) / 20;
  const n = Math.max(20, Math.min(20000, Math.round(SECONDS / probe)));
  const base = Math.min(simSeconds(""), simSeconds(""), simSeconds(""));
  const t = simSeconds(line.repeat(n));
  return n / Math.max(t - base, 1e-9);
}

// ---- references ------------------------------------------------------------------------------------------
const nodeEcdh = createECDH("prime256v1");
nodeEcdh.setPrivateKey(Buffer.from(priv));
const jwk = (d?: Uint8Array) => ({
  kty: "EC", crv: "P-256", x: Buffer.from(pub.slice(1, 33)).toString("base64url"),
  y: Buffer.from(pub.slice(33)).toString("base64url"), ...(d ? { d: Buffer.from(d).toString("base64url") } : {}),
});
const nodePriv = createPrivateKey({ key: jwk(priv), format: "jwk" });
const nodePub = createPublicKey({ key: jwk(), format: "jwk" });
const nodeKeygen = createECDH("prime256v1");

const xPrivKey = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), xPriv]), format: "der", type: "pkcs8" });
const xPeerKey = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b656e032100", "hex"), Buffer.from(xPeer)]), format: "der", type: "spki" });
const edPrivKey = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), edSeed]), format: "der", type: "pkcs8" });
const edPubKey = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(edPub)]), format: "der", type: "spki" });
const ccm = () => { const c = createCipheriv("aes-128-ccm", key16, nonce13, { authTagLength: 8 }); c.setAAD(Buffer.alloc(0), { plaintextLength: kib.length }); return [c.update(kib), c.final(), c.getAuthTag()]; };

const reference: Record<string, { noble: () => unknown; node: () => unknown }> = {
  "sha256 1 KiB": { noble: () => nobleSha256(kib), node: () => createHash("sha256").update(kib).digest() },
  "hmac-sha256 1 KiB": { noble: () => nobleHmac(nobleSha256, key32, kib), node: () => createHmac("sha256", key32).update(kib).digest() },
  "hkdf-sha256 32 B": { noble: () => nobleHkdf(nobleSha256, key32, key32, Uint8Array.of(0), 32), node: () => hkdfSync("sha256", key32, key32, Uint8Array.of(0), 32) },
  "aes-ccm seal 1 KiB": { noble: () => undefined, node: ccm },
  "x25519": { noble: () => x25519.getSharedSecret(xPriv, xPeer), node: () => diffieHellman({ privateKey: xPrivKey, publicKey: xPeerKey }) },
  "ed25519 sign": { noble: () => ed25519.sign(msg, edSeed), node: () => nodeSign(null, msg, edPrivKey) },
  "ed25519 verify": { noble: () => ed25519.verify(edSig, msg, edPub), node: () => nodeVerify(null, msg, edPubKey, edSig) },
  "p256 ecdh": { noble: () => p256.getSharedSecret(priv, peerPub), node: () => nodeEcdh.computeSecret(Buffer.from(peerPub)) },
  "p256 pubkey": { noble: () => p256.getPublicKey(priv, false), node: () => { nodeKeygen.setPrivateKey(Buffer.from(priv)); return nodeKeygen.getPublicKey(); } },
  "p256 sign": { noble: () => p256.sign(msg, priv, { lowS: false }), node: () => nodeSign("sha256", msg, { key: nodePriv, dsaEncoding: "ieee-p1363" }) },
  "p256 verify": { noble: () => p256.verify(sig, msg, pub, { lowS: false }), node: () => nodeVerify("sha256", msg, { key: nodePub, dsaEncoding: "ieee-p1363" }, sig) },
};
const NO_NOBLE = new Set(["aes-ccm seal 1 KiB"]); // @noble/ciphers is not a dependency

const only = process.argv[3];
const rows: string[][] = [["operation", "module V8", "module wasm3", "@noble", "node:crypto", "V8/noble", "V8/node", "V8/wasm3"]];
for (const op of Object.keys(requests).filter((o) => !only || o.includes(only) || o === "empty")) {
  const a = await v8(op);
  const b = wasm3(op);
  const c = op === "empty" || NO_NOBLE.has(op) ? NaN : await rate(reference[op].noble);
  const d = op === "empty" ? NaN : await rate(reference[op].node);
  const f = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(x < 100 ? 1 : 0));
  rows.push([op, f(a), f(b), f(c), f(d), Number.isNaN(c) ? "-" : (a / c).toFixed(2), Number.isNaN(d) ? "-" : (a / d).toFixed(2), (a / b).toFixed(1)]);
}
await board.close();
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log(`ops/s (about ${SECONDS} s per cell; 'empty' = the vector runner's overhead per call, included in the module columns)`);
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
