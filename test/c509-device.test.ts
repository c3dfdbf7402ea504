// The device's C509 code (assembly/pki/c509*.ts, through build/c509-test.wasm under both hosts) against the
// TypeScript library (tools/c509) and BouncyCastle 1.87: parsing the draft's examples and certificates both
// issued, rebuilding the DER TBS of type 3 certificates byte for byte, verifying type 2 and type 3 signatures
// (and refusing tampered ones), and CSRs of every kind that the library and BouncyCastle verify. Malformed
// input gives a status, never a trap.
import { createECDH, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as c5 from "../tools/c509/index.js";
import { Ca, parseCsr, verifyCsrSignature } from "../tools/server/pki.js";
import { bc, bcBuild } from "./helpers/bc.js";
import { evalVectors, HOSTS, ROOT } from "./helpers/hosts.js";
import { p256Scalar } from "../tools/server/responder.js";

const M = join(ROOT, "build/c509-test.wasm");
const V = JSON.parse(readFileSync(join(ROOT, "test/vectors/c509-draft-examples.json"), "utf8"));
const ex = (name: string) => V.examples.find((e: { name: string }) => e.name === name);
const { hex, unhex } = c5;
const spkiOf = (k: KeyObject) => new Uint8Array(createPublicKey(k).export({ format: "der", type: "spki" }));
const raw32 = (k: KeyObject) => hex(new Uint8Array(k.export({ format: "der", type: "pkcs8" }).subarray(16)));
const ascii = (s: string) => Buffer.from(s, "ascii").toString("hex");
const RUN_BC = (spawnSync("mvn", ["-v"]).status === 0 && spawnSync("javac", ["-version"]).status === 0) || !!process.env.CI;
const dir = mkdtempSync(join(tmpdir(), "c509-dev-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A C509 CA certificate for the draft's example issuer key ("RFC test CA"): only its subject and key matter
 *  to the device's check of the example certificates (its own signature is never checked here). */
function draftIssuer(): string {
  const e = ex("rfc7925-native");
  const c: c5.C509Certificate = {
    type: 2, serial: unhex("01"), issuerSignatureAlgorithm: 0, issuer: null, notBefore: 1672531200, notAfter: null, subject: "RFC test CA",
    subjectPublicKeyAlgorithm: 1, subjectPublicKey: unhex(e.issuer_public_key), extensions: [-4, -1], signatureValue: new Uint8Array(64).fill(1),
  };
  return hex(c5.encodeCertificate(c));
}

describe.each(HOSTS)("device C509 under %s", (host) => {
  const run = (reqs: object[]) => evalVectors(host, reqs, M);

  it("parses the draft's examples like the library, both encodings", async () => {
    const certs = [ex("rfc7925").c509, ex("rfc7925-native").c509, ex("rfc7925-native").c509_array, ex("ieee8021ar").c509, ex("cab-ecdsa").c509 ?? ""]
      .filter((h) => h);
    const ans = await run(certs.map((h) => ({ op: "c509_parse", hex: h })));
    ans.forEach((a, i) => {
      const c = c5.decodeCertificate(unhex(certs[i]));
      expect(a.error).toBeUndefined();
      expect(a.type).toBe(c.type);
      expect(a.serial).toBe(hex(c.serial));
      expect(a.not_before).toBe(c.notBefore);
      expect(a.not_after).toBe(c.notAfter ?? 253402300799);
      expect(a.subject).toBe(hex(c5.encodeItem(c.subject)));
      expect(a.issuer).toBe(c.issuer === null ? "" : hex(c5.encodeItem(c.issuer)));
      expect(a.key).toBe(hex(c.subjectPublicKey as Uint8Array));
      expect(a.tbs).toBe(hex(c5.tbsCbor(c)));
      expect(a.sig).toBe(hex(c.signatureValue as Uint8Array));
    });
    expect(ans[3].is_ca).toBe(false);
    expect(ans[3].key_usage).toBe(5); // digitalSignature + keyEncipherment
  });

  it("verifies the draft's type 2 and type 3 examples against their issuer key; a changed byte fails", async () => {
    const issuer = draftIssuer();
    const bad = unhex(ex("rfc7925").c509); bad[20] ^= 1;
    const ans = await run([
      { op: "c509_verify", cert: ex("rfc7925-native").c509, issuer },
      { op: "c509_verify", cert: ex("rfc7925").c509, issuer },
      { op: "c509_verify", cert: ex("rfc7925-native").c509_array, issuer },
      { op: "c509_verify", cert: hex(bad), issuer },
      { op: "c509_verify", cert: ex("rfc7925").c509, issuer: ex("rfc7925").c509 }, // not a CA
    ]);
    expect(ans.map((a) => a.status ?? a.error)).toEqual(["OK", "OK", "OK", "E_CRYPTO_SIGNATURE", "E_CRYPTO_SIGNATURE"]);
  });

  it("rebuilds the DER tbsCertificate of type 3 certificates byte for byte (our CA's, the draft's)", async () => {
    const certs: { c509: string; tbs: string }[] = [];
    for (const keyType of ["p256", "ed25519"] as const) {
      const ca = Ca.openSync(join(dir, `${host}-ca-${keyType}`), { keyType });
      certs.push({ c509: hex(c5.encodeCertificate(c5.c509FromX509(ca.certDer))), tbs: hex(c5.parseX509(ca.certDer).tbs) });
      for (const dev of [generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, generateKeyPairSync("ed25519").privateKey]) {
        const csr = c5.buildCsr({ type: 3, subject: c5.cnName("est-oscore-device"), spki: spkiOf(dev), signer: dev,
          extensions: [{ oid: "2.5.29.15", critical: true, value: unhex("03020780") }, { oid: "2.5.29.17", critical: false, value: unhex("300b8209612e6578616d706c65") }] });
        const der = ca.issue(parseCsr(c5.csrToPkcs10(csr)), { validityDays: 40000 }); // past 2049: GeneralizedTime
        certs.push({ c509: hex(c5.encodeCertificate(c5.c509FromX509(der))), tbs: hex(c5.parseX509(der).tbs) });
      }
    }
    certs.push({ c509: ex("rfc7925").c509, tbs: hex(c5.parseX509(unhex(ex("rfc7925").der)).tbs) });
    const ans = await run(certs.map((c) => ({ op: "c509_tbs_der", hex: c.c509 })));
    ans.forEach((a, i) => expect(a.der).toBe(certs[i].tbs));
    // Too small a buffer is a status, not a trap.
    const [small] = await run([{ op: "c509_tbs_der", hex: certs[1].c509, cap: 100 }]);
    expect(small.error).toBe("E_BUFFER_TOO_SMALL");
    // Constructs this build does not rebuild: hardwareModuleName (802.1AR example), CRL distribution points.
    const [hw] = await run([{ op: "c509_tbs_der", hex: ex("ieee8021ar").c509 }]);
    expect(hw.error).toBe("E_UNSUPPORTED");
  });

  it("verifies certificates the library issues (type 2 natively, type 3 from our CA) and refuses tampered ones", async () => {
    const reqs: object[] = [], want: string[] = [];
    for (const caKind of ["p256", "ed25519"] as const) {
      const caKey = caKind === "p256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey : generateKeyPairSync("ed25519").privateKey;
      const ca = c5.issueNative({ serial: unhex("01"), issuer: null, notBefore: 1767225600, notAfter: null, subject: [4, "SE", 1, "C509 CA"], spki: spkiOf(caKey),
        extensions: [{ oid: "2.5.29.19", critical: true, value: unhex("30030101ff") }, { oid: "2.5.29.15", critical: true, value: unhex("03020106") }], signer: caKey });
      const caHex = hex(c5.encodeCertificate(ca));
      const leaf = c5.issueNative({ serial: unhex("8000000000000001"), issuer: ca.subject, notBefore: 1767225600, notAfter: 1798761600, subject: c5.cnName("01-23-45-FF-FE-67-89-AB"),
        spki: spkiOf(generateKeyPairSync("ed25519").privateKey), extensions: [{ oid: "2.5.29.15", critical: true, value: unhex("03020780") }], signer: caKey });
      const leafHex = hex(c5.encodeCertificate(leaf, "array"));
      const tampered = unhex(leafHex); tampered[tampered.length - 70] ^= 0x40;
      reqs.push({ op: "c509_verify", cert: caHex, issuer: caHex }, { op: "c509_verify", cert: leafHex, issuer: caHex }, { op: "c509_verify", cert: hex(tampered), issuer: caHex },
        { op: "c509_verify", cert: leafHex, issuer: leafHex });
      want.push("OK", "OK", "E_CRYPTO_SIGNATURE", "E_CRYPTO_SIGNATURE");
      const dca = Ca.openSync(join(dir, `${host}-dca-${caKind}`), { keyType: caKind });
      const k = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
      const der = dca.issue(parseCsr(c5.csrToPkcs10(c5.buildCsr({ type: 3, subject: c5.cnName("d"), spki: spkiOf(k), signer: k }))), { validityDays: 10 });
      const dcaHex = hex(c5.encodeCertificate(c5.c509FromX509(dca.certDer)));
      reqs.push({ op: "c509_verify", cert: hex(c5.encodeCertificate(c5.c509FromX509(der))), issuer: dcaHex }, { op: "c509_verify", cert: dcaHex, issuer: dcaHex });
      want.push("OK", "OK");
    }
    const ans = await run(reqs);
    expect(ans.map((a) => a.status ?? a.error)).toEqual(want);
  });

  it("builds CSRs of every kind and type that the library verifies, the same TBS the library builds", async () => {
    const reqs: object[] = [], meta: { type: number; kind: number; y?: KeyObject | Buffer; gY?: string; key: string }[] = [];
    for (const type of [2, 3]) {
      for (const kind of [1, 2, 3, 4]) {
        let key: string, recipient: string | undefined, y: KeyObject | Buffer | undefined;
        if (kind === 1 || kind === 3) { const e = createECDH("prime256v1"); e.generateKeys(); key = hex(p256Scalar(e)); }
        else if (kind === 2) key = raw32(generateKeyPairSync("ed25519").privateKey);
        else key = raw32(generateKeyPairSync("x25519").privateKey);
        if (kind === 3) { const r = createECDH("prime256v1"); r.generateKeys(); y = Buffer.from(p256Scalar(r)); recipient = hex(new Uint8Array(r.getPublicKey().subarray(1, 33))); }
        if (kind === 4) { const r = generateKeyPairSync("x25519"); y = r.privateKey; recipient = hex(new Uint8Array(r.publicKey.export({ format: "der", type: "spki" }).subarray(12))); }
        reqs.push({ op: "c509_csr", type, kind, key, cn: ascii(kind === 2 ? "0123456789abcdef" : "est-oscore-device"), ...(kind !== 1 ? { dns: ascii("device.example") } : {}), ...(recipient ? { recipient } : {}) });
        meta.push({ type, kind, y, gY: recipient, key });
      }
    }
    const ans = await run(reqs);
    ans.forEach((a, i) => {
      const m = meta[i];
      expect(a.error).toBeUndefined();
      const csr = c5.decodeCsr(unhex(a.csr));
      expect(csr.type).toBe(m.type);
      expect(csr.subjectSignatureAlgorithm).toBe({ 1: 0, 2: 12, 3: 14, 4: 14 }[m.kind]);
      if (m.kind <= 2) {
        expect(c5.verifyCsr(csr)).toBe(true);
        if (m.type === 3) expect(verifyCsrSignature(parseCsr(c5.csrToPkcs10(csr)))).toBe(true);
      } else {
        const zz = m.kind === 3
          ? c5.p256Zz(new Uint8Array(m.y as Buffer), unhex(a.pub))
          : c5.x25519Zz(m.y as KeyObject, c5.csrPublicKey(csr));
        expect(c5.verifyCsrDhPop(csr, zz, unhex(m.gY!))).toBe(true);
        expect(c5.verifyCsrDhPop(csr, zz, new Uint8Array(32))).toBe(false);
      }
      // The library builds the same to-be-signed bytes from the same fields (Ed25519: the same CSR, deterministic).
      const spki = c5.publicKeyToSpki(csr.subjectPublicKeyAlgorithm, csr.subjectPublicKey, "k");
      const exts = c5.requestedExtensions(csr);
      if (m.kind === 2) {
        const k = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(m.key, "hex")]), format: "der", type: "pkcs8" });
        expect(hex(c5.encodeCsr(c5.buildCsr({ type: m.type, subject: csr.subject, spki, extensions: exts, signer: k })))).toBe(a.csr);
      } else if (m.kind === 1) {
        const k = createPrivateKey({ key: Buffer.concat([Buffer.from("3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420", "hex"), Buffer.from(m.key, "hex")]), format: "der", type: "pkcs8" });
        expect(hex(c5.csrSignedBytes(c5.buildCsr({ type: m.type, subject: csr.subject, spki, extensions: exts, signer: k })))).toBe(hex(c5.csrSignedBytes(csr)));
      }
    });
    // Too small an output buffer is a status.
    const [small] = await run([{ ...reqs[0], cap: 60 }]);
    expect(small.error).toBe("E_BUFFER_TOO_SMALL");
  });

  it("encodes the subject CN as SpecialText as the library does: lowercase hex as bytes, EUI-64 (and EUI-48 in it) as tag 48, near misses as text", async () => {
    const names = ["0123456789abcdef", "ab", "a", "0123456789abcdeF", "abc", "01-23-45-FF-FE-67-89-AB", "01-23-45-67-89-AB-CD-EF", "01-23-45-67-89-ab-cd-ef",
      "01-23-45-67-89-AB-CD-E", "01:23:45:67:89:AB:CD:EF", "est-oscore-device", "00".repeat(32)];
    const e = createECDH("prime256v1"); e.generateKeys();
    const ans = await run(names.map((n) => ({ op: "c509_csr", type: 2, kind: 1, key: hex(p256Scalar(e)), cn: ascii(n) })));
    ans.forEach((a, i) => {
      expect(a.error, names[i]).toBeUndefined();
      expect(hex(c5.encodeItem(c5.decodeCsr(unhex(a.csr)).subject)), names[i]).toBe(hex(c5.encodeItem(c5.specialText(names[i]))));
    });
  });

  it("has_key matches a certificate's key in any of its C509 forms", async () => {
    const e = createECDH("prime256v1"); e.generateKeys();
    const caKey = generateKeyPairSync("ed25519").privateKey;
    const spki = c5.publicKeyToSpki(1, new Uint8Array(e.getPublicKey()), "k");
    const native = c5.issueNative({ serial: unhex("09"), issuer: null, notBefore: 0, notAfter: null, subject: "x", spki, extensions: [], signer: caKey });
    const t3 = { ...native, type: 3, subjectPublicKey: c5.publicKeyFromSpki(spki, { native: false, compress: true })[1] };
    const other = createECDH("prime256v1"); other.generateKeys();
    const ans = await run([
      { op: "c509_has_key", cert: hex(c5.encodeCertificate(native)), pub: e.getPublicKey("hex") },
      { op: "c509_has_key", cert: hex(c5.encodeCertificate(t3)), pub: e.getPublicKey("hex") },
      { op: "c509_has_key", cert: hex(c5.encodeCertificate(native)), pub: other.getPublicKey("hex") },
    ]);
    expect(ans.map((a) => a.match)).toEqual([true, true, false]);
  });

  it("malformed certificates give a status, never a trap: every truncation and single-byte change", async () => {
    const good = unhex(ex("rfc7925").c509);
    const reqs: object[] = [];
    for (let n = 0; n < good.length; n++) reqs.push({ op: "c509_parse", hex: hex(good.subarray(0, n)) });
    const flips: Uint8Array[] = [];
    for (let i = 0; i < good.length; i++) for (const x of [0x01, 0x20, 0x80]) { const t = good.slice(); t[i] ^= x; flips.push(t); reqs.push({ op: "c509_tbs_der", hex: hex(t) }); }
    const ans = await run(reqs);
    for (let n = 0; n < good.length; n++) expect(ans[n].error, `prefix ${n}`).toMatch(/^E_/);
    // A change the device accepts must still be a well-formed certificate for the library (device is not laxer
    // about structure) or one whose difference the library also accepts.
    ans.slice(good.length).forEach((a, i) => {
      if (a.error) return;
      let ok = true;
      try { c5.decodeCertificate(flips[i]); } catch { ok = false; }
      expect(ok, `flip ${i} accepted by the device, refused by the library`).toBe(true);
    });
  });
});

describe.runIf(RUN_BC)("device C509 against BouncyCastle 1.87", () => {
  beforeAll(() => bcBuild(), 600_000);
  it("verifies certificates BouncyCastle issues (type 2 and 3) and BouncyCastle verifies the device's CSRs", async () => {
    const caKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const pk8 = Buffer.from(caKey.export({ format: "der", type: "pkcs8" })).toString("hex");
    const [ca2] = bc([["ca2", pk8, "BC_CA"]]);
    // Device CSRs (ES256, Ed25519 natively signed; ES256 type 3; P-256 DH) for BouncyCastle to check and to issue from.
    const e = createECDH("prime256v1"); e.generateKeys();
    const y = createECDH("prime256v1"); y.generateKeys();
    const gY = hex(new Uint8Array(y.getPublicKey().subarray(1, 33)));
    const dev = await evalVectors("v8", [
      { op: "c509_csr", type: 2, kind: 1, key: hex(p256Scalar(e)), cn: ascii("est-oscore-device"), dns: ascii("device.example") },
      { op: "c509_csr", type: 2, kind: 2, key: raw32(generateKeyPairSync("ed25519").privateKey), cn: ascii("ed-device") },
      { op: "c509_csr", type: 3, kind: 1, key: hex(p256Scalar(e)), cn: ascii("est-oscore-device") },
      { op: "c509_csr", type: 2, kind: 3, key: hex(p256Scalar(e)), cn: ascii("dh-device"), recipient: gY },
    ], M);
    const checks = bc([
      ["csr-verify", dev[0].csr], ["csr-verify", dev[1].csr], ["csr-verify", dev[2].csr],
      ["csr-dhpop", dev[3].csr, hex(p256Scalar(y)), gY],
      ["issue2", dev[0].csr, pk8, ca2.encoded as string, "1234", "1767225600", "1798761600"],
      ["issue2", dev[1].csr, pk8, ca2.encoded as string, "1235", "1767225600", "1798761600"],
    ]);
    expect(checks.slice(0, 4).map((a) => a.valid ?? a.error)).toEqual(["true", "true", "true", "true"]);
    const ans = await evalVectors("v8", [
      { op: "c509_verify", cert: checks[4].encoded, issuer: ca2.encoded },
      { op: "c509_verify", cert: checks[5].encoded, issuer: ca2.encoded },
      { op: "c509_verify", cert: ca2.encoded, issuer: ca2.encoded },
    ], M);
    expect(ans.map((a) => a.status ?? a.error)).toEqual(["OK", "OK", "OK"]);
    // Type 3: an X.509 CA for the same key, BouncyCastle issues and converts; the device rebuilds the DER TBS.
    const caC = c5.issueNative({ serial: unhex("05"), issuer: null, notBefore: 1767225600, notAfter: 1893456000, subject: c5.cnName("BC_CA3"), spki: spkiOf(caKey),
      extensions: [{ oid: "2.5.29.19", critical: true, value: unhex("30030101ff") }], signer: caKey });
    const t3: c5.C509Certificate = { ...caC, type: 3, subjectPublicKey: c5.publicKeyFromSpki(spkiOf(caKey), { native: false, compress: true })[1] };
    t3.signatureValue = c5.signWith(caKey, c5.tbsDer(t3))[1];
    const caT3Der = hex(c5.c509ToX509(t3));
    const [i3] = bc([["issue3", dev[0].csr, pk8, caT3Der, "0a0b", "1767225600", "1798761600"]]);
    expect(i3.error).toBeUndefined();
    const [v3] = await evalVectors("v8", [{ op: "c509_verify", cert: i3.encoded, issuer: hex(c5.encodeCertificate(t3)) }], M);
    expect(v3.status).toBe("OK");
  });
});
