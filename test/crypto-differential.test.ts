// The two crypto paths side by side: the module's own AssemblyScript provider (--crypto none, crypto/soft.ts)
// and the board's native provider (mbedTLS 3.5.1 + p256-m under est-sim, node:crypto under the Node host),
// behind the same module code (crypto/index.ts chooses per operation). Each is held to the RFC vectors elsewhere
// (test/edhoc-initiator.test.ts, test/oscore.test.ts run for both paths); here random inputs go through both
// and the answers must agree byte for byte wherever the operation is deterministic (OSCORE: HKDF, AES-CCM;
// EDHOC with an injected X: ECDH, HKDF, AES-CCM, SHA-256; CSRs whose proof is an Ed25519 signature or a DH
// MAC), and be accepted by openssl where it is not (ES256: p256-m signs with a random nonce, the module with
// RFC 6979's). Certificates issued here are verified by both paths, and a tampered one refused by both.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Ca } from "../tools/server/pki.js";
import { newKeyPair } from "../tools/server/identity.js";
import { CRYPTO_MODES, evalVectors, HOSTS, ROOT, tempDir } from "./helpers/hosts.js";

const ENTRY = join(ROOT, "build/edhoc-test.wasm");
const trace2 = JSON.parse(readFileSync(join(ROOT, "test/vectors/edhoc-rfc9529-trace2.json"), "utf8"));
const hex = (b: Uint8Array | Buffer) => Buffer.from(b).toString("hex");

/** The same requests through both paths: [portable answers, native answers]. */
async function both(host: (typeof HOSTS)[number], reqs: object[]) {
  const [a, b] = await Promise.all(CRYPTO_MODES.map((m) => evalVectors(host, reqs, ENTRY, m.hostArgs)));
  return [a, b];
}

/** A random OSCORE exchange (RFC 8613): random master secret, salt, ids, sequence numbers and payloads. */
function randomExchange(i: number) {
  const sid = randomBytes(i % 3), rid = randomBytes(1 + (i % 4));
  const payload = randomBytes(1 + ((i * 37) % 300));
  // A CoAP GET to /x with the payload (CON, MID i, token 1 byte) and its 2.05 answer.
  const req = Buffer.concat([Buffer.from([0x41, 0x01, (i >> 8) & 0xff, i & 0xff, 0x5a, 0xb1, 0x78, 0xff]), payload]);
  const resp = Buffer.concat([Buffer.from([0x61, 0x45, (i >> 8) & 0xff, i & 0xff, 0x5a, 0xff]), randomBytes(1 + (i % 50))]);
  return {
    op: "oscore_exchange", ms: hex(randomBytes(16)), salt: hex(randomBytes(8)), sid: hex(sid), rid: hex(rid),
    request: hex(req), seq: (i * 7919) % 100000, response: hex(resp), resp_seq: i, resp_piv: i % 2,
  };
}

for (const host of HOSTS) describe(`${host}: the module's own crypto and the board's agree`, () => {
  it("40 random OSCORE exchanges: identical keys, IVs, protected messages, and the originals restored", async () => {
    const reqs = Array.from({ length: 40 }, (_, i) => randomExchange(i));
    const [soft, board] = await both(host, reqs);
    reqs.forEach((r, i) => {
      expect(soft[i].error, JSON.stringify(soft[i])).toBeUndefined();
      expect(board[i]).toEqual(soft[i]);
      expect(soft[i].request).toBe(r.request);
      expect(soft[i].response).toBe(r.response);
    });
  });

  it("20 EDHOC runs (trace 2's identities, random X and C_I): identical message_1, same refusal of a foreign message_2", async () => {
    const reqs = Array.from({ length: 20 }, () => ({ op: "edhoc_initiator", ...trace2.input, x: hex(newKeyPair(2, "dh").priv), c_i: "0" + (randomBytes(1)[0] % 8) }));
    const [soft, board] = await both(host, reqs);
    reqs.forEach((_, i) => {
      // message_1 carries G_X = X·G: the same point from either path. message_2 is the trace's, made for
      // another X, so both refuse it at the same step with the same status.
      expect(board[i]).toEqual(soft[i]);
      expect(soft[i].at).toBe("message_2");
    });
  });

  it("CSRs: Ed25519 and DH proofs identical; ES256 signatures differ (random vs RFC 6979 nonces) and both verify", async () => {
    const reqs: any[] = [];
    for (let i = 0; i < 4; i++) {
      reqs.push({ op: "csr", kind: 2, key: hex(randomBytes(32)), cn: hex(Buffer.from(`dev-${i}`)) });
      reqs.push({ op: "csr", kind: 3, key: hex(newKeyPair(2, "dh").priv), recipient: hex(newKeyPair(2, "dh").pub), cn: hex(Buffer.from(`dh-${i}`)) });
      reqs.push({ op: "csr", kind: 4, key: hex(randomBytes(32)), recipient: hex(newKeyPair(0, "dh").pub), cn: hex(Buffer.from(`x-${i}`)) });
      reqs.push({ op: "csr", kind: 1, key: hex(newKeyPair(2, "sig").priv), cn: hex(Buffer.from(`es-${i}`)) });
    }
    const [soft, board] = await both(host, reqs);
    reqs.forEach((r, i) => {
      expect(soft[i].error, JSON.stringify(soft[i])).toBeUndefined();
      expect(board[i].pub).toBe(soft[i].pub);
      if (r.kind !== 1) { expect(board[i].csr).toBe(soft[i].csr); return; }
      for (const csr of [soft[i].csr, board[i].csr]) expect(csrVerifies(Buffer.from(csr, "hex")), csr).toBe(true);
    });
  });

  it("certificates from a P-256 CA: both paths accept the genuine ones and refuse each tampered signature", async () => {
    const ca = await Ca.open(join(tempDir("diff-ca-"), "ca"), { keyType: "p256", subject: "differential CA" });
    const reqs: any[] = [];
    for (let i = 0; i < 6; i++) {
      const { publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      const spkiDer = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
      const der = ca.issue({ der: new Uint8Array(0), certificationRequestInfo: new Uint8Array(0), subject: { der: new Uint8Array(0), text: `c${i}` },
        publicKey: { kind: "p256", raw: spkiDer.subarray(26), spkiDer }, signatureAlgorithm: "", signature: new Uint8Array(0), extensions: [] } as any,
      { validityDays: 30, subjectCn: `c${i}` });
      const bad = Buffer.from(der); bad[bad.length - 5] ^= 0x01;
      reqs.push({ op: "x509", cert: hex(der), issuer: hex(ca.certDer) }, { op: "x509", cert: hex(bad), issuer: hex(ca.certDer) });
    }
    const [soft, board] = await both(host, reqs);
    reqs.forEach((_, i) => {
      expect(board[i]).toEqual(soft[i]);
      expect(soft[i].verified, JSON.stringify(soft[i])).toBe(i % 2 === 0);
    });
  });
});

/** A PKCS#10 CSR's signature checked by openssl (an independent implementation). */
function csrVerifies(der: Buffer): boolean {
  try {
    return execFileSync("openssl", ["req", "-inform", "DER", "-verify", "-noout"], { input: der, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }) === "";
  } catch { return false; }
}
