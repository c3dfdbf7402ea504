// Prints the sizes of a typical device certificate and CSR in DER and in C509 (types 2 and 3): the CSR the
// module builds for an enrollment (CN est-oscore-device, keyUsage; ES256, Ed25519, and DH PoP), and the
// certificate the development CA (tools/server/pki.ts) issues for it. Type 3 is the byte-exact re-encoding
// of the DER; type 2 carries the same content natively signed (the CSR by the device key, the certificate
// by the CA key). Figures only; nothing is asserted. Run after `npm run build`: npx tsx tools/bench/c509-sizes.ts
import { createPrivateKey, generateKeyPairSync, createECDH } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as c5 from "../c509/index.js";
import { Ca, parseCsr } from "../server/pki.js";
import { evalVectors, ROOT } from "../../test/helpers/hosts.js";
import { p256Scalar } from "../server/responder.js";

const ascii = (s: string) => Buffer.from(s, "ascii").toString("hex");
const dir = mkdtempSync(join(tmpdir(), "c509-sizes-"));
try {
  const ca = Ca.openSync(join(dir, "ca"), { keyType: "p256" });
  const caKey = createPrivateKey(readFileSync(join(dir, "ca", "ca.key"), "utf8"));
  const caC509 = c5.c509FromX509(ca.certDer);
  const gy = createECDH("prime256v1"); gy.generateKeys();
  const rows: string[][] = [["", "DER", "C509 type 3", "C509 type 2"]];
  const kinds: [number, string][] = [[1, "ES256"], [2, "Ed25519"], [3, "P-256 DH PoP"]];
  for (const [kind, label] of kinds) {
    const priv = kind === 2
      ? Buffer.from(generateKeyPairSync("ed25519").privateKey.export({ format: "der", type: "pkcs8" }).subarray(16))
      : (() => { const e = createECDH("prime256v1"); e.generateKeys(); return Buffer.from(p256Scalar(e)); })();
    const req: Record<string, unknown> = { op: "csr", kind, key: priv.toString("hex"), cn: ascii("est-oscore-device") };
    if (kind === 3) req.recipient = gy.getPublicKey().subarray(1, 33).toString("hex");
    const [o] = await evalVectors("v8", [req], join(ROOT, "build/edhoc-test.wasm"));
    const der = c5.unhex(o.csr);
    const t3 = c5.csrFromPkcs10(der);
    const native = { ...t3, type: 2 };
    // Type 2 carries the same fields (a native key starts 02/03 instead of fe/fd); its proof of possession is
    // as long as type 3's, so the size is that of the re-encoding with the native key form.
    if (c5.isBytes(native.subjectPublicKey) && (native.subjectPublicKey[0] === 0xfe || native.subjectPublicKey[0] === 0xfd)) {
      native.subjectPublicKey = Uint8Array.of(native.subjectPublicKey[0] === 0xfe ? 2 : 3, ...native.subjectPublicKey.subarray(1));
    }
    rows.push([`CSR, ${label}`, String(der.length), String(c5.encodeCsr(t3).length), String(c5.encodeCsr(native).length)]);
    const certDer = ca.issue(parseCsr(der), { validityDays: 365 });
    const t3c = c5.c509FromX509(certDer);
    const p = c5.parseX509(certDer);
    const n2 = c5.issueNative({ serial: p.serial, issuer: caC509.subject, notBefore: p.notBefore, notAfter: p.notAfter, subject: t3c.subject, spki: p.spki, extensions: p.extensions, signer: caKey });
    rows.push([`certificate, ${label} key, P-256 CA`, String(certDer.length), String(c5.encodeCertificate(t3c).length), String(c5.encodeCertificate(n2).length)]);
  }
  rows.push(["CA certificate (self-signed, P-256)", String(ca.certDer.length), String(c5.encodeCertificate(caC509).length), "-"]);
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  "));
  console.log("(C509 sizes are of the unwrapped sequence ~C509Certificate; the array form and the COSE_C509 byte string add 1-2 bytes each)");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
