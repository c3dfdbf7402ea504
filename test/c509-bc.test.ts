// tools/c509 against BouncyCastle 1.87 (tools/interop/c509-bc, an independent C509 implementation):
// certificates and CSRs our library makes are parsed and verified by BouncyCastle, which re-encodes them to
// the same bytes; certificates and CSRs BouncyCastle makes are parsed and verified by our library; both
// convert DER <-> C509 to the same bytes. Also pins the differences docs/c509.md describes (BouncyCastle
// follows draft -20: +cbor media types, COSE_C509 wrapping the array form). Skipped only outside CI when
// java or the harness build is missing; in CI (.ci/run installs a JDK and Maven) it must run.
import { createPublicKey, createECDH, generateKeyPairSync, X509Certificate, type KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as c5 from "../tools/c509/index.js";
import { Ca, parseCsr, toPem } from "../tools/server/pki.js";
import { bc, bcAvailable, bcBuild } from "./helpers/bc.js";
import { parseEdnSequence } from "./helpers/edn.js";
import { ROOT } from "./helpers/hosts.js";
import { spawnSync } from "node:child_process";
import { p256Scalar } from "../tools/server/responder.js";

const HAVE_TOOLS = spawnSync("mvn", ["-v"]).status === 0 && spawnSync("javac", ["-version"]).status === 0;
const RUN = HAVE_TOOLS || !!process.env.CI;
const V = JSON.parse(readFileSync(join(ROOT, "test/vectors/c509-draft-examples.json"), "utf8"));
const DH = JSON.parse(readFileSync(join(ROOT, "test/vectors/dh-pop-example.json"), "utf8"));
const { hex, unhex } = c5;
const spkiOf = (k: KeyObject) => new Uint8Array(createPublicKey(k).export({ format: "der", type: "spki" }));
const pkcs8 = (k: KeyObject) => Buffer.from(k.export({ format: "der", type: "pkcs8" })).toString("hex");
const arr = (c: c5.C509Certificate) => hex(c5.encodeCertificate(c, "array"));
const dir = mkdtempSync(join(tmpdir(), "c509-bc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(RUN)("C509 against BouncyCastle 1.87", () => {
  beforeAll(() => { bcBuild(); expect(bcAvailable()).toBe(true); }, 600_000);

  const keys = {
    p256: () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey,
    ed25519: () => generateKeyPairSync("ed25519").privateKey,
  };
  const KU_SIG = { oid: "2.5.29.15", critical: true, value: unhex("03020780") };
  const SAN = { oid: "2.5.29.17", critical: false, value: unhex("3010820e6465766963652e6578616d706c65") };

  it("certificates we issue (type 2 natively, type 3 from our CA's DER) parse, re-encode identically and verify in BouncyCastle", () => {
    const reqs: string[][] = [], want: { enc: string; type: number }[] = [];
    for (const caKind of ["p256", "ed25519"] as const) {
      const caKey = keys[caKind]();
      const ca = c5.issueNative({ serial: unhex("01"), issuer: null, notBefore: 1767225600, notAfter: null, subject: [4, "SE", 8, "EST-oscore", 1, "C509 CA"], spki: spkiOf(caKey),
        extensions: [{ oid: "2.5.29.19", critical: true, value: unhex("30030101ff") }, { oid: "2.5.29.15", critical: true, value: unhex("03020106") }], signer: caKey });
      const devCert = c5.issueNative({ serial: unhex("7e11"), issuer: ca.subject, notBefore: 1767225600, notAfter: 1798761600, subject: c5.cnName("est-oscore-device"),
        spki: spkiOf(keys.p256()), extensions: [KU_SIG, SAN], signer: caKey });
      for (const c of [ca, devCert]) { reqs.push(["cert-parse", arr(c)], ["cert-verify", arr(c), hex(spkiOf(caKey))]); want.push({ enc: arr(c), type: 2 }); }
      const dca = Ca.openSync(join(dir, `ca-${caKind}`), { keyType: caKind });
      const csr = c5.buildCsr({ type: 3, subject: c5.cnName("device-7"), spki: spkiOf(keys.p256()), signer: keys.p256(), extensions: [KU_SIG] });
      const der = dca.issue(parseCsr(c5.csrToPkcs10({ ...csr })), { validityDays: 30 });
      const t3 = c5.c509FromX509(der);
      reqs.push(["cert-parse", arr(t3)], ["cert-verify", arr(t3), hex(new Uint8Array(new X509Certificate(Buffer.from(dca.certDer)).publicKey.export({ format: "der", type: "spki" })))]);
      want.push({ enc: arr(t3), type: 3 });
    }
    const ans = bc(reqs);
    want.forEach((w, i) => {
      const [parsed, verified] = [ans[2 * i], ans[2 * i + 1]];
      expect(parsed.error).toBeUndefined();
      expect(parsed.encoded).toBe(w.enc);
      expect(Number(parsed.type)).toBe(w.type);
      expect(verified.valid).toBe("true");
      const ours = c5.decodeCertificate(unhex(w.enc));
      expect(parsed.signed).toBe(hex(c5.signedBytes(ours)));
    });
  });

  it("a tampered certificate does not verify in BouncyCastle either", () => {
    const caKey = keys.p256();
    const c = c5.issueNative({ serial: unhex("02"), issuer: null, notBefore: 1767225600, notAfter: 1798761600, subject: c5.cnName("x"), spki: spkiOf(caKey), extensions: [KU_SIG], signer: caKey });
    const t = c5.encodeCertificate(c, "array"); t[t.length - 1] ^= 1;
    const [a] = bc([["cert-verify", hex(t), hex(spkiOf(caKey))]]);
    expect(a.valid).toBe("false");
  });

  it("CSRs we build (types 2 and 3; ES256, Ed25519) verify in BouncyCastle; DH PoP ones verify with BouncyCastle's ECDH/X25519, HKDF and HMAC", () => {
    const reqs: string[][] = [], encs: string[] = [];
    for (const type of [2, 3]) for (const k of [keys.p256(), keys.ed25519()]) {
      const c = c5.buildCsr({ type, subject: c5.cnName("est-oscore-device"), spki: spkiOf(k), signer: k, extensions: [KU_SIG, SAN], challengePassword: "1234" });
      encs.push(hex(c5.encodeCsr(c)));
      reqs.push(["csr-parse", encs.at(-1)!], ["csr-verify", encs.at(-1)!]);
    }
    // DH PoP: P-256 (type 2 and the docs/dh-pop.md example as type 3) and X25519 (type 2).
    const y = createECDH("prime256v1"); y.generateKeys();
    const gY = new Uint8Array(y.getPublicKey().subarray(1, 33));
    const d = createECDH("prime256v1"); d.generateKeys();
    const dhCsr = c5.buildCsr({ subject: c5.cnName("dh"), spki: c5.publicKeyToSpki(1, new Uint8Array(d.getPublicKey()), "k"), dhPop: { zz: c5.p256Zz(p256Scalar(d), gY), gY } });
    const example = c5.csrFromPkcs10(unhex(DH.expect.csr));
    const yx = generateKeyPairSync("x25519"), dx = generateKeyPairSync("x25519");
    const gYx = new Uint8Array(yx.publicKey.export({ format: "der", type: "spki" }).subarray(12));
    const xCsr = c5.buildCsr({ subject: c5.cnName("x"), spki: spkiOf(dx.privateKey), dhPop: { zz: c5.x25519Zz(dx.privateKey, yx.publicKey), gY: gYx } });
    const yRaw = (k: KeyObject) => hex(new Uint8Array(k.export({ format: "der", type: "pkcs8" }).subarray(16)));
    // The example's recipient is RFC 9529 trace 2's responder; its y is not in the vector, so BouncyCastle checks
    // the example from the device side of ECDH is not possible: it checks the two fresh CSRs, and parses the example.
    reqs.push(["csr-dhpop", hex(c5.encodeCsr(dhCsr)), hex(p256Scalar(y)), hex(gY)]);
    reqs.push(["csr-dhpop", hex(c5.encodeCsr(xCsr)), yRaw(yx.privateKey), hex(gYx)]);
    reqs.push(["csr-dhpop", hex(c5.encodeCsr(dhCsr)), hex(p256Scalar(y)), hex(new Uint8Array(32).fill(1))]);
    reqs.push(["csr-parse", hex(c5.encodeCsr(example))]);
    const ans = bc(reqs);
    for (let i = 0; i < encs.length; i++) {
      expect(ans[2 * i].error).toBeUndefined();
      expect(ans[2 * i].encoded).toBe(encs[i]);
      expect(ans[2 * i].signed).toBe(hex(c5.csrSignedBytes(c5.decodeCsr(unhex(encs[i])))));
      expect(ans[2 * i + 1].valid).toBe("true");
    }
    const [p256Dh, x25519Dh, wrongGy, ex] = ans.slice(2 * encs.length);
    expect(p256Dh.valid).toBe("true");
    expect(x25519Dh.valid).toBe("true");
    expect(wrongGy.valid).toBe("false");
    expect(ex.sigalg).toBe("14");
    // BouncyCastle maps the C509 MessageDigest to the DER DhSigStatic the PKCS#10 carried, as we do.
    expect(ex.signature).toBe(hex(c5.signatureToDer({ value: 14, name: "", der: new Uint8Array(0) }, unhex(DH.expect.mac))));
    expect(ex.signature).toBe("30220420" + DH.expect.mac);
  });

  it("certificates and CSRs BouncyCastle makes decode, re-encode identically and verify with our library", () => {
    const caKey = keys.p256(), devKey = keys.p256(), edKey = keys.ed25519();
    const [ca2] = bc([["ca2", pkcs8(caKey), "BC_CA"]]);
    expect(ca2.error).toBeUndefined();
    const ca = c5.decodeCertificate(unhex(ca2.encoded as string));
    expect(c5.verifyCertificate(ca, createPublicKey(caKey))).toBe(true);
    const caDer = x509CaFor(caKey);
    const [csrP, csrE] = bc([["csr-build", pkcs8(devKey), "bc-device", "device.example"], ["csr-build", pkcs8(edKey), "bc-ed", "-"]]);
    const reqs: string[][] = [];
    for (const r of [csrP, csrE]) {
      const csr = c5.decodeCsr(unhex(r.encoded as string));
      expect(c5.verifyCsr(csr)).toBe(true);
      expect(hex(c5.encodeCsr(csr))).toBe(r.encoded);
      reqs.push(["issue2", r.encoded as string, pkcs8(caKey), arr(ca), "0102030405", "1767225600", "1798761600"]);
      reqs.push(["issue3", r.encoded as string, pkcs8(caKey), hex(caDer), "0a0b0c", "1767225600", "1798761600"]);
    }
    const ans = bc(reqs);
    for (const a of ans) {
      expect(a.error).toBeUndefined();
      const c = c5.decodeCertificate(unhex(a.encoded as string));
      expect(hex(c5.encodeCertificate(c, "array"))).toBe(a.encoded);
      expect(c5.verifyCertificate(c, createPublicKey(caKey))).toBe(true);
      if (a.der) {
        expect(c.type).toBe(3);
        expect(hex(c5.c509ToX509(c))).toBe(a.der);
        expect(hex(c5.encodeCertificate(c5.c509FromX509(unhex(a.der as string)), "array"))).toBe(a.encoded);
        expect(new X509Certificate(Buffer.from(unhex(a.der as string))).verify(createPublicKey(caKey))).toBe(true);
      } else expect(c.type).toBe(2);
    }
  });

  it("DER <-> C509 conversions give the same bytes in both implementations (the draft's examples, our CA's certificates and CSRs, PEM)", () => {
    const reqs: string[][] = [], want: string[] = [];
    for (const e of V.examples.filter((x: { der?: string }) => x.der)) {
      reqs.push(["x509-to-c509", e.der]);
      want.push(arr(c5.c509FromX509(unhex(e.der)))); // points compressed, as BouncyCastle does by default
      const draft = c5.decodeCertificate(unhex(e.c509 ?? hex(c5.encodeSequence(parseEdnSequence(e.c509_diag)))));
      reqs.push(["c509-to-x509", arr(draft)]);
      want.push(e.der);
    }
    const ca = Ca.openSync(join(dir, "ca-conv"), { keyType: "p256" });
    const pem = join(dir, "ca.pem");
    writeFileSync(pem, toPem("CERTIFICATE", ca.certDer));
    reqs.push(["pem-to-c509", pem]); want.push(arr(c5.c509FromX509(ca.certDer)));
    reqs.push(["csr-to-c509", DH.expect.csr]); want.push(hex(c5.encodeCsr(c5.csrFromPkcs10(unhex(DH.expect.csr)))));
    const k = keys.p256();
    const t3 = c5.buildCsr({ type: 3, subject: [4, "SE", -8, "Example", 1, "device"], spki: spkiOf(k), signer: k, extensions: [KU_SIG, SAN] });
    reqs.push(["c509-to-csr", hex(c5.encodeCsr(t3))]); want.push(hex(c5.csrToPkcs10(t3)));
    reqs.push(["csr-to-c509", hex(c5.csrToPkcs10(t3))]); want.push(hex(c5.encodeCsr(t3)));
    const out = join(dir, "back.pem");
    reqs.push(["c509-to-pem", arr(c5.c509FromX509(ca.certDer)), out]); want.push(out);
    const ans = bc(reqs);
    ans.forEach((a, i) => {
      expect(a.error).toBeUndefined();
      expect(a.encoded ?? a.der ?? a.written).toBe(want[i]);
    });
    expect(new X509Certificate(readFileSync(out)).raw.toString("hex")).toBe(hex(ca.certDer));
  });

  it("the differences docs/c509.md records: +cbor media types, COSE_C509 wrapping the 11-item array", () => {
    const e = V.examples.find((x: { name: string }) => x.name === "rfc7925-native");
    const [m, cose] = bc([["media-types"], ["cose-c509", e.c509_array]]);
    expect(m.certificate).toBe("application/cose-c509-cert+cbor");
    expect(m.pkcs10).toBe("application/cose-c509-pkcs10+cbor");
    expect(m["cose-c509"]).toBe("application/cose-c509+cbor");
    const c = c5.decodeCertificate(unhex(e.c509));
    expect(cose.encoded).toBe(hex(c5.encodeCoseC509([c], "array")));
    expect(cose.encoded).not.toBe(e.c509_certdata); // the draft text here wraps the unwrapped sequence
    expect(c5.decodeCoseC509(unhex(cose.encoded as string)).map(arr)).toEqual([arr(c)]);
  });

  it("BouncyCastle refuses what our library refuses (malformed and non-deterministic input)", () => {
    const good = unhex(V.examples.find((x: { name: string }) => x.name === "rfc7925-native").c509_array);
    const bad = [good.subarray(0, 50), c5.concat(good, Uint8Array.of(0)), c5.concat(Uint8Array.of(0x8b, 0x18, 0x02), good.subarray(2))];
    const ans = bc(bad.map((b) => ["cert-parse", hex(b)]));
    for (const [i, b] of bad.entries()) {
      expect(ans[i].ok).toBe(false);
      expect(() => c5.decodeCertificate(b)).toThrow(c5.C509Error);
    }
  });
});

/** A self-signed X.509 CA certificate (DER) for a key, made with the library: a type 3 C509 certificate whose
 *  signature is over its DER tbsCertificate, converted to DER. */
function x509CaFor(key: KeyObject): Uint8Array {
  const native = c5.issueNative({ serial: unhex("05"), issuer: null, notBefore: 1767225600, notAfter: 1893456000, subject: c5.cnName("BC_CA"), spki: spkiOf(key),
    extensions: [{ oid: "2.5.29.19", critical: true, value: unhex("30030101ff") }], signer: key });
  const t3: c5.C509Certificate = { ...native, type: 3, subjectPublicKey: c5.publicKeyFromSpki(spkiOf(key), { native: false, compress: true })[1] };
  t3.signatureValue = c5.signWith(key, c5.tbsDer(t3))[1];
  return c5.c509ToX509(t3);
}
