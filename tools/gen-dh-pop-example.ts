// Writes test/vectors/dh-pop-example.json and dh-pop-cert-example.json: the worked examples of docs/dh-pop.md
// (keyed by G_Y, and classic RFC 6955). The CSRs are the module's (test entry, injected key); ZZ, PRK, K and the
// MAC are computed here with node:crypto (G_Y) and @noble/curves + @noble/hashes (classic), independently of
// the module.
// Run after `npm run build`: npx tsx tools/gen-dh-pop-example.ts
import { createECDH, createHmac, hkdfSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import { hkdf as nobleHkdf } from "@noble/hashes/hkdf.js";
import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { evalVectors, ROOT } from "../test/helpers/hosts.js";
import { nameCn } from "./server/pki.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const ascii = (s: string) => Buffer.from(s, "ascii").toString("hex");
function derFirstChild(b: Buffer): Buffer {
  const tl = (p: number): [number, number] => {
    let l = b[p + 1], h = 2;
    if (l & 0x80) { const k = l & 0x7f; l = 0; for (let i = 0; i < k; i++) l = l * 256 + b[p + 2 + i]; h = 2 + k; }
    return [h, l];
  };
  const [h0] = tl(0);
  const [h, l] = tl(h0);
  return b.subarray(h0, h0 + h + l);
}
const key = "7d3ff4f1e4bd4e5a9c4e0b3b5f4cf54fb7e0b5c2a6b1d2e3f405162738495a6b";
const gy = "419701d7f00a26c2dc587a36dd752549f33763c893422c8ea0f955a13a4ff5d5"; // RFC 9529 trace 2 G_Y
const [o] = await evalVectors("v8", [{ op: "csr", kind: 3, key, recipient: gy, cn: ascii("est-oscore-device") }], join(ROOT, "build/edhoc-test.wasm"));
const cri = derFirstChild(Buffer.from(o.csr, "hex"));
const ecdh = createECDH("prime256v1"); ecdh.setPrivateKey(Buffer.from(key, "hex"));
const zz = ecdh.computeSecret(Buffer.concat([Buffer.from([2]), Buffer.from(gy, "hex")]));
const prk = createHmac("sha256", Buffer.alloc(32)).update(zz).digest();
const k = Buffer.from(hkdfSync("sha256", zz, Buffer.alloc(0), Buffer.concat([Buffer.from("EST-oscore DH-PoP v1"), Buffer.from(gy, "hex")]), 32));
writeFileSync(join(ROOT, "test/vectors/dh-pop-example.json"), JSON.stringify({
  source: "Worked example of the DH proof-of-possession profile in docs/dh-pop.md (this project's choice; not from a standard). G_Y is RFC 9529 trace 2's; the enrolled key is arbitrary. ZZ, PRK, K and MAC computed with node:crypto; csr is the module's output.",
  input: { key, g_y: gy, cn: ascii("est-oscore-device") },
  expect: { zz: hex(zz), prk: hex(prk), k: hex(k), mac: hex(createHmac("sha256", k).update(cri).digest()), cri: hex(cri), csr: o.csr, pub: o.pub },
}, null, 1) + "\n");

// The classic RFC 6955 example (docs/dh-pop.md, "Classic RFC 6955"): the recipient key from a certificate, K from
// OSCORE's HKDF with the certificate's subject and issuer in the info. Computed with @noble/curves and
// @noble/hashes, independently of node:crypto (which the development server uses) and of the module.
const rKey = "0d4a05b07352a5436e180356da0ae6efa0345ff7fb1572575772e8005ed978e9"; // the recipient's (arbitrary) P-256 key
const rSubject = Buffer.from(nameCn("EST-oscore CA DH recipient (suite 2)")), rIssuer = Buffer.from(nameCn("EST-oscore development CA"));
const rSerial = "0123456789abcdef00000003";
const rPub = p256.getPublicKey(Buffer.from(rKey, "hex"), false);
const [c] = await evalVectors("v8", [{ op: "csr", kind: 3, key, recipient: hex(rPub.subarray(1, 33)), cn: ascii("est-oscore-device"),
  r_subject: hex(rSubject), r_issuer: hex(rIssuer), r_serial: rSerial }], join(ROOT, "build/edhoc-test.wasm"));
const cCri = derFirstChild(Buffer.from(c.csr, "hex"));
const cZz = p256.getSharedSecret(Buffer.from(rKey, "hex"), Buffer.from(c.pub, "hex")).subarray(1, 33);
const cInfo = Buffer.concat([Buffer.from("EST-oscore DH-PoP cert v1", "ascii"), rSubject, rIssuer]);
const cPrk = nobleHmac(nobleSha256, new Uint8Array(32), cZz);
const cK = nobleHkdf(nobleSha256, cZz, new Uint8Array(0), cInfo, 32);
writeFileSync(join(ROOT, "test/vectors/dh-pop-cert-example.json"), JSON.stringify({
  source: "Worked example of the classic RFC 6955 DH proof of possession with OSCORE's HKDF as docs/dh-pop.md profiles it (this project's choice; not from a standard). Keys, names and serial are arbitrary; ZZ, PRK, info, K and MAC computed with @noble/curves and @noble/hashes; csr is the module's output.",
  input: { key, recipient_key: rKey, recipient_pub: hex(rPub), r_subject: hex(rSubject), r_issuer: hex(rIssuer), r_serial: rSerial, cn: ascii("est-oscore-device") },
  expect: { zz: hex(cZz), prk: hex(cPrk), info: hex(cInfo), k: hex(cK), mac: hex(nobleHmac(nobleSha256, cK, cCri)), cri: hex(cCri), csr: c.csr, pub: c.pub },
}, null, 1) + "\n");
