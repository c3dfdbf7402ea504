// The TypeScript C509 library (tools/c509) on its own: the C509 draft's Appendix A examples byte for byte,
// DER <-> C509 type 3 round trips of certificates our development CA issues and of OpenSSL's, checked
// against node:crypto's X.509 parser, natively signed certificates and CSRs of every key kind, the DH proof
// of possession against docs/dh-pop.md's worked example, and malformed input (errors, never crashes).
import { createPublicKey, generateKeyPairSync, X509Certificate, createECDH, ECDH, type KeyObject } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as c5 from "../tools/c509/index.js";
import { Ca, parseCsr, verifyCsrSignature } from "../tools/server/pki.js";
import { parseEdnSequence } from "./helpers/edn.js";
import { ROOT } from "./helpers/hosts.js";
import { p256Scalar } from "../tools/server/responder.js";

const V = JSON.parse(readFileSync(join(ROOT, "test/vectors/c509-draft-examples.json"), "utf8"));
const DH = JSON.parse(readFileSync(join(ROOT, "test/vectors/dh-pop-example.json"), "utf8"));
const ex = (name: string) => V.examples.find((e: { name: string }) => e.name === name);
const { hex, unhex } = c5;
const expected = (e: { c509?: string; c509_diag?: string }) => e.c509 ?? hex(c5.encodeSequence(parseEdnSequence(e.c509_diag!)));
const spkiOf = (k: KeyObject) => new Uint8Array(createPublicKey(k).export({ format: "der", type: "spki" }));
const dir = mkdtempSync(join(tmpdir(), "c509-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("C509 draft Appendix A examples", () => {
  for (const e of V.examples.filter((x: { der?: string }) => x.der)) {
    it(`${e.name}: DER -> C509 gives the draft's bytes, and back`, () => {
      const want = expected(e);
      if (e.c509_size) expect(want.length / 2).toBe(e.c509_size);
      expect(e.der.length / 2).toBe(e.der_size);
      // The brainpool example keeps its point uncompressed (the draft allows either form).
      const c = c5.c509FromX509(unhex(e.der), { compressPoints: e.name !== "ipaddrblocks" });
      expect(hex(c5.encodeCertificate(c))).toBe(want);
      const d = c5.decodeCertificate(unhex(want));
      expect(hex(c5.c509ToX509(d))).toBe(e.der);
      expect(hex(c5.encodeCertificate(d))).toBe(want);
      // The rebuilt DER is what OpenSSL (node:crypto) parses too.
      const x = new X509Certificate(Buffer.from(c5.c509ToX509(d)));
      expect(x.serialNumber.toLowerCase().replace(/^0+/, "")).toBe(hex(d.serial).replace(/^0+/, ""));
    });
  }

  it("the natively signed example verifies with the draft's issuer key, over the CBOR TBS", () => {
    const e = ex("rfc7925-native");
    const c = c5.decodeCertificate(unhex(e.c509));
    expect(c.type).toBe(2);
    const issuer = c5.publicKeyObject(1, unhex(e.issuer_public_key));
    expect(c5.verifyCertificate(c, issuer)).toBe(true);
    // The type 3 sibling verifies over its rebuilt DER TBS with the same key.
    expect(c5.verifyCertificate(c5.decodeCertificate(unhex(ex("rfc7925").c509)), issuer)).toBe(true);
    const bad = unhex(e.c509);
    bad[10] ^= 1;
    expect(c5.verifyCertificate(c5.decodeCertificate(bad), issuer)).toBe(false);
  });

  it("C509Certificate (array) and C509CertData (byte string) forms as the draft shows them", () => {
    const e = ex("rfc7925-native");
    const c = c5.decodeCertificate(unhex(e.c509_array));
    expect(hex(c5.encodeCertificate(c, "array"))).toBe(e.c509_array);
    expect(hex(c5.encodeCoseC509([c], "sequence"))).toBe(e.c509_certdata);
    expect(c5.decodeCoseC509(unhex(e.c509_certdata)).map((x) => hex(c5.encodeCertificate(x)))).toEqual([e.c509]);
  });

  it("the example subject key matches the certificate's key", () => {
    const e = ex("rfc7925-native");
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(Buffer.from(e.subject_private_key, "hex"));
    const c = c5.decodeCertificate(unhex(e.c509));
    expect(hex(c.subjectPublicKey as Uint8Array)).toBe(hex(ecdh.getPublicKey(null, "compressed")));
  });
});

describe("certificates our development CA issues", () => {
  for (const keyType of ["p256", "ed25519"] as const) {
    it(`${keyType} CA: DER -> C509 type 3 -> DER byte for byte, same fields as node:crypto reads, signatures verify`, () => {
      const ca = Ca.openSync(join(dir, `ca-${keyType}`), { keyType });
      const caKey = new X509Certificate(Buffer.from(ca.certDer)).publicKey;
      const caC = c5.c509FromX509(ca.certDer);
      expect(c5.verifyCertificate(caC, caKey)).toBe(true);
      expect(c5.isCa(caC)).toBe(true);
      expect(caC.issuer).toBe(null);
      for (const device of ["p256", "ed25519"] as const) {
        const { privateKey } = device === "p256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
        const csr = c5.buildCsr({
          type: 3, subject: c5.cnName("device-0042"), spki: spkiOf(privateKey), signer: privateKey,
          extensions: [{ oid: "2.5.29.15", critical: true, value: unhex("03020780") }, { oid: "2.5.29.17", critical: false, value: unhex("300e820c6465766963652e6c6f63616c") }],
        });
        const csrDer = c5.csrToPkcs10(csr);
        expect(verifyCsrSignature(parseCsr(csrDer))).toBe(true); // the CA's own DER parser accepts our rebuilt DER
        const der = ca.issue(parseCsr(csrDer), { validityDays: 365 });
        const c = c5.c509FromX509(der);
        expect(hex(c5.c509ToX509(c5.decodeCertificate(c5.encodeCertificate(c))))).toBe(hex(der));
        const x = new X509Certificate(Buffer.from(der));
        expect(c5.nameToString(c.subject)).toBe(x.subject.replace(/\n/g, ", "));
        expect(c.notBefore * 1000).toBe(Date.parse(x.validFrom));
        expect(c.notAfter! * 1000).toBe(Date.parse(x.validTo));
        expect(c5.dnsNamesOf(c5.certExtensions(c))).toEqual(["device.local"]);
        expect(c5.verifyCertificate(c, caKey)).toBe(true);
        expect(x.verify(caKey)).toBe(true);
        expect(createPublicKey({ key: Buffer.from(c5.publicKeyToSpki(c.subjectPublicKeyAlgorithm, c.subjectPublicKey, "k")), format: "der", type: "spki" }).export({ format: "der", type: "spki" }))
          .toEqual(createPublicKey(privateKey).export({ format: "der", type: "spki" }));
        expect(c5.encodeCertificate(c).length).toBeLessThan(der.length);
      }
    });
  }

  it("an OpenSSL-made certificate round-trips, and one C509 cannot carry is refused with a reason", () => {
    const key = join(dir, "o.key"), crt = join(dir, "o.crt");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", crt, "-outform", "DER",
      "-subj", "/C=SE/O=Example AB/CN=openssl test", "-days", "30", "-addext", "subjectAltName=DNS:a.example,DNS:b.example,IP:192.0.2.1",
      "-addext", "extendedKeyUsage=clientAuth,serverAuth"], { stdio: "pipe" });
    const der = new Uint8Array(readFileSync(crt));
    const c = c5.c509FromX509(der);
    expect(hex(c5.c509ToX509(c))).toBe(hex(der));
    expect(c5.verifyCertificate(c, new X509Certificate(Buffer.from(der)).publicKey)).toBe(true);
    expect(c5.nameToString(c.subject)).toBe("C=SE, O=Example AB, CN=openssl test");
    // A multi-valued RDN has no C509 form.
    execFileSync("openssl", ["req", "-x509", "-key", key, "-out", crt, "-outform", "DER", "-subj", "/CN=a+O=b", "-days", "1", "-multivalue-rdn"], { stdio: "pipe" });
    expect(() => c5.c509FromX509(new Uint8Array(readFileSync(crt)))).toThrow(/more than one attribute/);
  });
});

describe("natively signed certificates and CSRs", () => {
  const keyKinds = { p256: () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, ed25519: () => generateKeyPairSync("ed25519").privateKey };
  for (const [caKind, caGen] of Object.entries(keyKinds)) {
    it(`a ${caKind} CA issues type 2 certificates that verify over their CBOR; tampering is caught`, () => {
      const caKey = caGen();
      const now = 1767225600;
      const caCert = c5.issueNative({
        serial: unhex("01"), issuer: null, notBefore: now, notAfter: null, subject: c5.cnName("C509 test CA"), spki: spkiOf(caKey),
        extensions: [{ oid: "2.5.29.19", critical: true, value: unhex("30030101ff") }, { oid: "2.5.29.15", critical: true, value: unhex("03020106") }], signer: caKey,
      });
      expect(c5.verifyCertificate(caCert, createPublicKey(caKey))).toBe(true);
      expect(c5.isCa(caCert)).toBe(true);
      for (const dev of Object.values(keyKinds)) {
        const devKey = dev();
        const c = c5.issueNative({
          serial: unhex("00ab12"), issuer: caCert.subject, notBefore: now, notAfter: now + 86400, subject: c5.cnName("0123abcd"),
          spki: spkiOf(devKey), extensions: [{ oid: "2.5.29.15", critical: true, value: unhex("03020780") }], signer: caKey,
        });
        expect(hex(c.serial)).toBe("ab12");
        expect(c.subject).toEqual(unhex("0123abcd")); // lowercase hex text travels as bytes
        expect(c.extensions).toBe(-1); // lone critical keyUsage digitalSignature
        const b = c5.encodeCertificate(c);
        const d = c5.decodeCertificate(b);
        expect(c5.verifyCertificate(d, c5.subjectKey(caCert))).toBe(true);
        for (const i of [1, 5, b.length - 3]) {
          const t = b.slice(); t[i] ^= 0x01;
          let ok = false;
          try { ok = c5.verifyCertificate(c5.decodeCertificate(t), c5.subjectKey(caCert)); } catch (e) { expect(e).toBeInstanceOf(c5.C509Error); }
          expect(ok).toBe(false);
        }
        expect(() => c5.c509ToX509(d)).toThrow(/only a type 3/);
      }
    });
  }

  for (const type of [2, 3]) {
    for (const kind of ["p256", "ed25519"] as const) {
      it(`type ${type} CSR signed with ${kind} verifies; its DER form (type 3) is a valid PKCS#10`, () => {
        const k = keyKinds[kind]();
        const c = c5.buildCsr({ type, subject: c5.cnName("dev"), spki: spkiOf(k), signer: k, challengePassword: "pw",
          extensions: [{ oid: "2.5.29.15", critical: true, value: unhex("03020780") }] });
        const d = c5.decodeCsr(c5.encodeCsr(c));
        expect(c5.verifyCsr(d)).toBe(true);
        if (type === 3) {
          const der = c5.csrToPkcs10(d);
          expect(verifyCsrSignature(parseCsr(der))).toBe(true);
          expect(hex(c5.encodeCsr(c5.csrFromPkcs10(der)))).toBe(hex(c5.encodeCsr(d)));
          expect(execFileSync("openssl", ["req", "-inform", "DER", "-verify", "-noout"], { input: Buffer.from(der), stdio: "pipe" }).toString() + "ok").toMatch(/ok/);
        }
        const t = c5.encodeCsr(c); t[t.length - 2] ^= 4;
        expect(c5.verifyCsr(c5.decodeCsr(t))).toBe(false);
      });
    }
  }

  it("DH proof of possession: the worked example of docs/dh-pop.md as a type 3 C509 CSR, and type 2 CSRs for P-256 and X25519", () => {
    const der = unhex(DH.expect.csr);
    const c = c5.csrFromPkcs10(der);
    expect(c.subjectSignatureAlgorithm).toBe(14);
    expect(hex(c.subjectSignatureValue as Uint8Array)).toBe(DH.expect.mac);
    expect(hex(c5.tbsCsrDer(c))).toBe(DH.expect.cri);
    expect(c5.verifyCsrDhPop(c, unhex(DH.expect.zz), unhex(DH.input.g_y))).toBe(true);
    expect(hex(c5.csrToPkcs10(c))).toBe(DH.expect.csr);
    // Type 2, P-256: the device computes ZZ with its key and G_Y, the server with y and the CSR's key.
    const y = createECDH("prime256v1"); y.generateKeys();
    const gY = new Uint8Array(y.getPublicKey().subarray(1, 33));
    const d = createECDH("prime256v1"); d.generateKeys();
    const spki = c5.publicKeyToSpki(1, new Uint8Array(d.getPublicKey()), "k");
    const csr = c5.buildCsr({ subject: c5.cnName("dh-device"), spki, dhPop: { zz: c5.p256Zz(p256Scalar(d), gY), gY },
      extensions: [{ oid: "2.5.29.15", critical: true, value: unhex("03020308") }] });
    const got = c5.decodeCsr(c5.encodeCsr(csr));
    const serverZz = c5.p256Zz(p256Scalar(y), new Uint8Array(ECDH.convertKey(Buffer.from(got.subjectPublicKey as Uint8Array), "prime256v1", undefined, undefined, "uncompressed") as Buffer));
    expect(c5.verifyCsrDhPop(got, serverZz, gY)).toBe(true);
    expect(c5.verifyCsrDhPop(got, serverZz, new Uint8Array(32).fill(7))).toBe(false);
    expect(c5.verifyCsr(got)).toBe(false);
    expect(got.attributes).toEqual([0, -16]);
    // Type 2, X25519.
    const yk = generateKeyPairSync("x25519"), dk = generateKeyPairSync("x25519");
    const gY2 = new Uint8Array(yk.publicKey.export({ format: "der", type: "spki" }).subarray(12));
    const csr2 = c5.buildCsr({ subject: c5.cnName("x-device"), spki: spkiOf(dk.privateKey), dhPop: { zz: c5.x25519Zz(dk.privateKey, yk.publicKey), gY: gY2 } });
    const got2 = c5.decodeCsr(c5.encodeCsr(csr2));
    expect(c5.verifyCsrDhPop(got2, c5.x25519Zz(yk.privateKey, c5.csrPublicKey(got2)), gY2)).toBe(true);
  });
});

describe("malformed input gives a C509Error, never a crash", () => {
  const good = unhex(ex("ieee8021ar").c509);
  const csr = c5.encodeCsr(c5.csrFromPkcs10(unhex(DH.expect.csr)));
  const attempt = (f: () => unknown) => { try { f(); return "ok"; } catch (e) { if (!(e instanceof c5.C509Error)) throw e; return e.message; } };

  it("every truncation of a certificate and of a CSR is refused", () => {
    for (let n = 0; n < good.length; n++) expect(attempt(() => c5.decodeCertificate(good.subarray(0, n)))).not.toBe("ok");
    for (let n = 0; n < csr.length; n++) expect(attempt(() => c5.decodeCsr(csr.subarray(0, n)))).not.toBe("ok");
  });

  it("every single-byte change either is refused or decodes into a different, re-encodable certificate", () => {
    for (let i = 0; i < good.length; i++) {
      for (const x of [0x01, 0x80, 0xff]) {
        const t = good.slice(); t[i] ^= x;
        const r = attempt(() => hex(c5.encodeCertificate(c5.decodeCertificate(t))) === hex(t) ? "ok" : "changed");
        expect(r).not.toBe("changed");
      }
    }
  });

  it("named errors", () => {
    const seqItems = c5.decodeSequence(good);
    const enc = (f: (a: c5.CborValue[]) => void) => { const a = [...seqItems]; f(a); return c5.encodeSequence(a); };
    expect(attempt(() => c5.decodeCertificate(enc((a) => { a[0] = 1; })))).toMatch(/c509CertificateType: type 1/);
    expect(attempt(() => c5.decodeCertificate(enc((a) => { a[1] = unhex("007e"); })))).toMatch(/leading zero/);
    expect(attempt(() => c5.decodeCertificate(enc((a) => { a[2] = 999; })))).toMatch(/unknown signature algorithm 999/);
    expect(attempt(() => c5.decodeCertificate(enc((a) => { a[6] = [1]; })))).toMatch(/subject: Name array must hold/);
    expect(attempt(() => c5.decodeCertificate(enc((a) => { a[6] = [99, "x"]; })))).toMatch(/unknown RDN attribute 99/);
    expect(attempt(() => c5.decodeCertificate(enc((a) => { a[8] = unhex("fe01"); })))).toMatch(/not a EC P-256 point|not on the curve/);
    expect(attempt(() => c5.decodeCertificate(enc((a) => { a[9] = [4, -2, 4, -2]; })))).toMatch(/appears twice/);
    expect(attempt(() => c5.decodeCertificate(enc((a) => { a[9] = [2, 1]; })))).toMatch(/single-int form/);
    expect(attempt(() => c5.decodeCertificate(enc((a) => { a[9] = [26, 0]; })))).toMatch(/not supported here/);
    expect(attempt(() => c5.decodeCertificate(enc((a) => { a[10] = unhex("00"); })))).toMatch(/r \|\| s/);
    expect(attempt(() => c5.decodeCertificate(c5.concat(good, Uint8Array.of(0))))).toMatch(/12 items, expected 11/);
    expect(attempt(() => c5.decodeCertificate(unhex("1803")))).toMatch(/shortest form/);
    expect(attempt(() => c5.decodeCertificate(unhex("9f")))).toMatch(/indefinite/);
    expect(attempt(() => c5.decodeCertificate(new Uint8Array(0)))).not.toBe("ok");
    expect(attempt(() => c5.decodeCertificate(c5.concat(Uint8Array.of(0x8b), new Uint8Array(40).fill(0x81))))).toMatch(/nested too deeply/);
    expect(attempt(() => c5.c509FromX509(unhex("3003020101")))).not.toBe("ok");
    expect(attempt(() => c5.decodeCsr(unhex("8702")))).not.toBe("ok");
  });
});

describe("input in a Node Buffer", () => {
  it("decodes to plain byte strings: a certificate and a CSR read from a Buffer re-encode to the same bytes", () => {
    // Before: byte strings came out as Buffers, which the encoder wrote as {type: "Buffer", data: [...]} maps.
    const cert = unhex(ex("ieee8021ar").c509), csr = c5.encodeCsr(c5.csrFromPkcs10(unhex(DH.expect.csr)));
    expect(hex(c5.encodeCertificate(c5.decodeCertificate(Buffer.from(cert))))).toBe(hex(cert));
    expect(hex(c5.encodeCsr(c5.decodeCsr(Buffer.from(csr))))).toBe(hex(csr));
    expect(hex(c5.encodeItem(c5.decodeItem(Buffer.from("43010203", "hex"))))).toBe("43010203");
  });
});

describe("readable output", () => {
  it("describes a certificate", () => {
    const t = c5.describeCertificate(c5.decodeCertificate(unhex(ex("ieee8021ar").c509)));
    expect(t).toContain("type 3 (re-encoded X.509), 275 bytes");
    expect(t).toContain("subject:    C=US, ST=CA, L=LA, O=example Inc, OU=IoT, serialNumber=Wt1234");
    expect(t).toContain("2.5.29.15 (critical): digitalSignature, keyEncipherment");
    expect(t).toContain("no expiration");
  });
});

