// The module's PKCS#10 CSRs, X.509 parsing/chain checks and PKCS#7 certs-only parsing (assembly/est/), through
// the test entry (build/edhoc-test.wasm, which takes injected keys), checked against independent parsers:
// openssl (req -verify, x509, crl2pkcs7), node:crypto and @noble/* recomputing the DH proofs of possession
// from the profile in docs/dh-pop.md, and the path checks of pki/path.ts on certificates openssl made.
import { createECDH, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, randomBytes, X509Certificate } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { p256 } from "@noble/curves/nist.js";
import { hkdf as nobleHkdf } from "@noble/hashes/hkdf.js";
import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { evalVectors, HOSTS, ROOT, tempDir } from "./helpers/hosts.js";
import { MESSAGES } from "../host/node/messages.js";

const EDHOC = join(ROOT, "build/edhoc-test.wasm");
const hex = (b: Uint8Array | Buffer) => Buffer.from(b).toString("hex");
const ascii = (s: string) => Buffer.from(s, "ascii").toString("hex");
const example = JSON.parse(readFileSync(join(ROOT, "test/vectors/dh-pop-example.json"), "utf8"));
const exampleCert = JSON.parse(readFileSync(join(ROOT, "test/vectors/dh-pop-cert-example.json"), "utf8"));

/** The TLVs directly inside a DER SEQUENCE (a reader written here, independent of the module's). */
function derChildren(b: Buffer): Buffer[] {
  const tl = (p: number): [number, number] => {
    let l = b[p + 1], h = 2;
    if (l & 0x80) { const k = l & 0x7f; l = 0; for (let i = 0; i < k; i++) l = l * 256 + b[p + 2 + i]; h = 2 + k; }
    return [h, l];
  };
  const [h0, l0] = tl(0);
  const out: Buffer[] = [];
  for (let p = h0; p < h0 + l0;) { const [h, l] = tl(p); out.push(b.subarray(p, p + h + l)); p += h + l; }
  return out;
}

function openssl(args: string[], input?: Buffer): string {
  return execFileSync("openssl", args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n?$/, "\n")}-----END ${label}-----\n`;

/** The DH-PoP MAC of docs/dh-pop.md, computed with node:crypto. */
function dhPopMac(zz: Buffer, recipient: Buffer, cri: Buffer): Buffer {
  const k = Buffer.from(hkdfSync("sha256", zz, Buffer.alloc(0), Buffer.concat([Buffer.from("EST-oscore DH-PoP v1"), recipient]), 32));
  return createHmac("sha256", k).update(cri).digest();
}

const P256_KEY = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"; // RFC 6979 A.2.5 private key
const ED_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"; // RFC 8032 test 1 secret key

for (const host of HOSTS) {
  describe(`${host}: CSRs built by the module`, () => {
    it("ES256: openssl verifies the signature and reads CN, keyUsage and subjectAltName", async () => {
      const [o] = await evalVectors(host, [{ op: "csr", kind: 1, key: P256_KEY, cn: ascii("device-1"), dns: ascii("dev1.example") }], EDHOC);
      const ecdh = createECDH("prime256v1"); ecdh.setPrivateKey(Buffer.from(P256_KEY, "hex"));
      expect(o.pub).toBe(hex(ecdh.getPublicKey()));
      const text = openssl(["req", "-inform", "DER", "-verify", "-noout", "-text"], Buffer.from(o.csr, "hex"));
      expect(text).toMatch(/Subject: CN\s?=\s?device-1/);
      expect(text).toMatch(/Digital Signature/);
      expect(text).toMatch(/DNS:dev1\.example/);
      expect(text).toMatch(/ecdsa-with-SHA256/);
      // A flipped bit in the signed part: openssl refuses it.
      const bad = Buffer.from(o.csr, "hex"); bad[40] ^= 1;
      expect(() => openssl(["req", "-inform", "DER", "-verify", "-noout"], bad)).toThrow();
    });

    it("Ed25519: openssl verifies the signature; the key is RFC 8032's", async () => {
      const [o] = await evalVectors(host, [{ op: "csr", kind: 2, key: ED_SEED, cn: ascii("device-2"), password: ascii("s3cret") }], EDHOC);
      expect(o.pub).toBe("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
      const text = openssl(["req", "-inform", "DER", "-verify", "-noout", "-text"], Buffer.from(o.csr, "hex"));
      expect(text).toMatch(/ED25519/);
      expect(text).toMatch(/challengePassword\s*:\s*s3cret/);
    });

    it("P-256 DH proof of possession: the worked example of docs/dh-pop.md, recomputed with node:crypto", async () => {
      const e = example.input;
      const [o] = await evalVectors(host, [{ op: "csr", kind: 3, key: e.key, recipient: e.g_y, cn: e.cn }], EDHOC);
      expect(o.csr).toBe(example.expect.csr);
      const [cri, alg, sig] = derChildren(Buffer.from(o.csr, "hex"));
      expect(hex(cri)).toBe(example.expect.cri);
      expect(hex(alg)).toBe("300a06082b060105050706" + "1a");
      // ZZ with node: G_Y is an x-coordinate; either y gives the same x of the product.
      const ecdh = createECDH("prime256v1"); ecdh.setPrivateKey(Buffer.from(e.key, "hex"));
      const zz = ecdh.computeSecret(Buffer.concat([Buffer.from([2]), Buffer.from(e.g_y, "hex")]));
      expect(hex(zz)).toBe(example.expect.zz);
      const mac = dhPopMac(zz, Buffer.from(e.g_y, "hex"), cri);
      expect(hex(mac)).toBe(example.expect.mac);
      expect(hex(sig)).toBe("0325003022" + "0420" + hex(mac));
      // The structure parses with openssl; a DH CSR has no signature openssl could check.
      expect(openssl(["asn1parse", "-inform", "DER"], Buffer.from(o.csr, "hex"))).toMatch(/id-ecPublicKey/);
    });

    it("classic RFC 6955 (recipient key from a certificate): K from OSCORE's HKDF over ZZ with subject and issuer (@noble/hashes), issuerAndSerial", async () => {
      const recipient = createECDH("prime256v1"); recipient.generateKeys();
      const subject = Buffer.concat([Buffer.from("300f310d300b06035504030c04", "hex"), Buffer.from("dh-r")]); // CN=dh-r
      const issuer = Buffer.from("3019311730150603550403", "hex");
      const issuerName = Buffer.concat([issuer, Buffer.from([0x0c, 0x0e]), Buffer.from("EST-oscore CA!")]);
      const serial = Buffer.from("01020304", "hex");
      const key = randomBytes(32);
      const [o] = await evalVectors(host, [{ op: "csr", kind: 3, key: hex(key), recipient: hex(recipient.getPublicKey().subarray(1, 33)), cn: ascii("c"),
        r_subject: hex(subject), r_issuer: hex(issuerName), r_serial: hex(serial) }], EDHOC);
      // ZZ with @noble/curves, K and the MAC with @noble/hashes: EST-oscore -11 §4.8 (the KDF and MAC are OSCORE's
      // HKDF and HMAC), RFC 6955 §6's LeadingInfo (subject) and TrailingInfo (issuer) in the info.
      const zz = p256.getSharedSecret(recipient.getPrivateKey(), Buffer.from(o.pub, "hex")).subarray(1, 33);
      const k = nobleHkdf(nobleSha256, zz, new Uint8Array(0), Buffer.concat([Buffer.from("EST-oscore DH-PoP cert v1"), subject, issuerName]), 32);
      const [cri, alg, sig] = derChildren(Buffer.from(o.csr, "hex"));
      expect(hex(alg)).toBe("300a06082b0601050507061a");
      const mac = Buffer.from(nobleHmac(nobleSha256, k, cri));
      // Not the bare SHA-256 key of RFC 6955 as written (K = SHA-256(subject || ZZ || issuer)).
      const bare = createHmac("sha256", createHash("sha256").update(subject).update(zz).update(issuerName).digest()).update(cri).digest();
      expect(hex(mac)).not.toBe(hex(bare));
      // DhSigStatic = SEQUENCE { SEQUENCE { issuer, INTEGER serial }, OCTET STRING mac }
      const ias = Buffer.concat([Buffer.from([0x30, issuerName.length + 2 + serial.length]), issuerName, Buffer.from([0x02, serial.length]), serial]);
      const body = Buffer.concat([ias, Buffer.from([0x04, 0x20]), mac]);
      expect(hex(sig)).toBe(hex(Buffer.concat([Buffer.from([0x03, body.length + 3, 0x00, 0x30, body.length]), body])));
    });

    it("classic RFC 6955: the worked example of docs/dh-pop.md (test/vectors/dh-pop-cert-example.json)", async () => {
      const v = exampleCert.input, x = exampleCert.expect;
      const [o] = await evalVectors(host, [{ op: "csr", kind: 3, key: v.key, recipient: v.recipient_pub.slice(2, 66), cn: v.cn,
        r_subject: v.r_subject, r_issuer: v.r_issuer, r_serial: v.r_serial }], EDHOC);
      expect(o.csr).toBe(x.csr);
      const [cri, , sig] = derChildren(Buffer.from(o.csr, "hex"));
      expect(hex(cri)).toBe(x.cri);
      // The vector's MAC was computed with @noble/*, apart from the module: the CSR carries that MAC.
      expect(hex(sig).endsWith("0420" + x.mac)).toBe(true);
      expect(hex(nobleHmac(nobleSha256, Buffer.from(x.k, "hex"), cri))).toBe(x.mac);
    });

    it("X25519 DH proof of possession matches node:crypto's X25519", async () => {
      const recipient = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), randomBytes(32)]), format: "der", type: "pkcs8" });
      const rpub = createPublicKey(recipient).export({ format: "der", type: "spki" }).subarray(-32);
      const key = randomBytes(32);
      const [o] = await evalVectors(host, [{ op: "csr", kind: 4, key: hex(key), recipient: hex(rpub), cn: ascii("x") }], EDHOC);
      const mine = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), key]), format: "der", type: "pkcs8" });
      expect(o.pub).toBe(hex(createPublicKey(mine).export({ format: "der", type: "spki" }).subarray(-32)));
      const zz = diffieHellman({ privateKey: recipient, publicKey: createPublicKey(mine) });
      const [cri, , sig] = derChildren(Buffer.from(o.csr, "hex"));
      expect(hex(sig)).toBe("03250030220420" + hex(dhPopMac(zz, rpub, cri)));
      expect(openssl(["asn1parse", "-inform", "DER"], Buffer.from(o.csr, "hex"))).toMatch(/X25519/);
    });
  });

  describe(`${host}: certificates and PKCS#7 from openssl`, () => {
    const dir = tempDir("est-x509-");
    const mk = (name: string, alg: string[]) => {
      openssl(["req", "-x509", "-newkey", ...alg, "-nodes", "-keyout", join(dir, `${name}-ca.key`), "-out", join(dir, `${name}-ca.pem`),
        "-subj", `/CN=${name} CA`, "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"]);
      openssl(["req", "-newkey", ...alg, "-nodes", "-keyout", join(dir, `${name}-leaf.key`), "-out", join(dir, `${name}-leaf.csr`), "-subj", `/CN=${name} leaf`]);
      openssl(["x509", "-req", "-in", join(dir, `${name}-leaf.csr`), "-CA", join(dir, `${name}-ca.pem`), "-CAkey", join(dir, `${name}-ca.key`),
        "-CAcreateserial", "-days", "10", "-out", join(dir, `${name}-leaf.pem`)]);
      const der = (f: string) => Buffer.from(openssl(["x509", "-in", join(dir, f), "-outform", "DER"], undefined), "latin1");
      return { ca: execFileSync("openssl", ["x509", "-in", join(dir, `${name}-ca.pem`), "-outform", "DER"]), leaf: execFileSync("openssl", ["x509", "-in", join(dir, `${name}-leaf.pem`), "-outform", "DER"]), der };
    };
    const p256 = mk("p256", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    const ed = mk("ed", ["ed25519"]);

    it("verifies a leaf under its CA (ES256 and Ed25519), and refuses a tampered one or the wrong issuer", async () => {
      const renamed = Buffer.from(p256.leaf); renamed[renamed.indexOf(Buffer.from("p256 leaf"))] ^= 1;
      const tampered = Buffer.from(p256.leaf); tampered[tampered.length - 1] ^= 1; // the last byte of s: the DER stays valid
      const r = await evalVectors(host, [
        { op: "x509", cert: hex(p256.leaf), issuer: hex(p256.ca) },
        { op: "x509", cert: hex(ed.leaf), issuer: hex(ed.ca) },
        { op: "x509", cert: hex(p256.ca) },
        { op: "x509", cert: hex(tampered), issuer: hex(p256.ca) },
        { op: "x509", cert: hex(p256.leaf), issuer: hex(ed.ca) },
        { op: "x509", cert: hex(ed.leaf), issuer: hex(ed.leaf) },
        { op: "x509", cert: hex(p256.leaf.subarray(0, 100)) },
        { op: "x509", cert: "3080" },
        { op: "x509", cert: hex(renamed), issuer: hex(p256.ca) },
      ], EDHOC);
      expect(r[8].verified).toBe(false); // a changed subject: the signature over the TBS no longer holds
      expect(r[0]).toMatchObject({ verified: true, is_ca: false });
      expect(r[1]).toMatchObject({ verified: true, is_ca: false });
      expect(r[2]).toMatchObject({ is_ca: true, verified: null });
      // The key the module found is the leaf's, as openssl prints it (uncompressed point).
      const pubText = openssl(["x509", "-in", join(dir, "p256-leaf.pem"), "-noout", "-pubkey"]);
      const spki = createPublicKey(pubText).export({ format: "der", type: "spki" });
      expect(r[0].key).toBe(hex(spki.subarray(-65)));
      expect(r[3].verified).toBe(false);
      expect(r[4].verified).toBe(false);
      expect(r[5].verified).toBe(false); // a leaf is not a CA
      expect(r[6].error).toMatch(/E_TRUNCATED|E_MALFORMED/);
      expect(r[7].error).toMatch(/E_MALFORMED|E_TRUNCATED/);
    });

    it("reads every certificate of an openssl crl2pkcs7 certs-only bundle, and refuses garbled ones", async () => {
      const p7 = execFileSync("openssl", ["crl2pkcs7", "-nocrl", "-certfile", join(dir, "p256-ca.pem"), "-certfile", join(dir, "ed-leaf.pem"), "-outform", "DER"]);
      const garbled = Buffer.from(p7); garbled[3] ^= 0x40;
      const r = await evalVectors(host, [{ op: "pkcs7", p7: hex(p7) }, { op: "pkcs7", p7: hex(garbled) }, { op: "pkcs7", p7: hex(p7.subarray(0, p7.length - 3)) }], EDHOC);
      expect(r[0].certs).toEqual([hex(p256.ca), hex(ed.leaf)]);
      expect(r[1].error).toBeDefined();
      expect(r[2].error).toBeDefined();
    });
  });
}


// Certification paths (pki/path.ts) on certificates openssl made: a root, intermediates with and without the
// CA rules, end entities with and without an unknown critical extension. openssl verify judges each case too,
// and the module must agree with it.
describe("certificate paths (pki/path.ts) against openssl verify", () => {
  const dir = tempDir("est-path-");
  const f = (n: string) => join(dir, n);
  writeFileSync(f("ext.cnf"), [
    "[ca0]", "basicConstraints=critical,CA:TRUE,pathlen:0", "keyUsage=critical,keyCertSign",
    "[ca1]", "basicConstraints=critical,CA:TRUE,pathlen:1", "keyUsage=critical,keyCertSign",
    "[notca]", "basicConstraints=critical,CA:FALSE", "keyUsage=critical,keyCertSign",
    "[nosign]", "basicConstraints=critical,CA:TRUE", "keyUsage=critical,digitalSignature,cRLSign",
    "[leaf]", "basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature",
    "[crit]", "basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "1.3.6.1.4.1.32473.1=critical,ASN1:NULL",
    "[noncrit]", "basicConstraints=critical,CA:FALSE", "1.3.6.1.4.1.32473.1=ASN1:NULL", "",
  ].join("\n"));
  const EC = ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
  openssl(["req", "-x509", "-newkey", ...EC, "-nodes", "-keyout", f("root.key"), "-out", f("root.pem"), "-subj", "/CN=Path Root", "-days", "30",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  /** A certificate for a new key, issued by `ca` with the extensions of section `ext`. */
  const issue = (name: string, ca: string, ext: string, days = 10) => {
    openssl(["req", "-newkey", ...EC, "-nodes", "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`), "-subj", `/CN=Path ${name}`]);
    openssl(["x509", "-req", "-in", f(`${name}.csr`), "-CA", f(`${ca}.pem`), "-CAkey", f(`${ca}.key`), "-set_serial", String(1000 + name.length),
      "-days", String(days), "-extfile", f("ext.cnf"), "-extensions", ext, "-out", f(`${name}.pem`)]);
  };
  issue("i1", "root", "ca1"); issue("i2", "i1", "ca0"); issue("leaf2", "i2", "leaf");  // root <- i1 <- i2 <- leaf2
  issue("j1", "root", "ca0", 5); issue("leaf1", "j1", "leaf");                         // root <- j1 <- leaf1 (outlives j1)
  issue("k1", "root", "ca0"); issue("k2", "k1", "ca0"); issue("leafk", "k2", "leaf");  // k1's pathlen 0 is too short
  issue("notca", "root", "notca"); issue("leafn", "notca", "leaf");
  issue("nosign", "root", "nosign"); issue("leafs", "nosign", "leaf");
  issue("crit", "root", "crit"); issue("noncrit", "root", "noncrit");
  const der = (n: string) => hex(execFileSync("openssl", ["x509", "-in", f(`${n}.pem`), "-outform", "DER"]));
  const sslOk = (leaf: string, chain: string[]) => {
    writeFileSync(f("untrusted.pem"), chain.map((c) => readFileSync(f(`${c}.pem`), "utf8")).join(""));
    try { openssl(["verify", "-CAfile", f("root.pem"), ...(chain.length ? ["-untrusted", f("untrusted.pem")] : []), f(`${leaf}.pem`)]); return true; } catch { return false; }
  };
  const at = (s: number) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(Math.floor(s))); return b.toString("hex"); };
  const now = Date.now() / 1000 + 60;
  const name = (id: number) => MESSAGES.get(id)?.name;
  const path = (leaf: string, chain: string[], extra: object = {}) => ({ op: "path", cert: der(leaf), t0: der("root"), ...Object.fromEntries(chain.map((c, i) => [`c${i}`, der(c)])), now: at(now), real: 1, ...extra });

  for (const host of HOSTS) {
    it(`${host}: one and two intermediates lead to the root; the trusted set may hold them too (an installed /crts answer)`, async () => {
      const r = await evalVectors(host, [
        path("leaf1", ["j1"]), path("leaf2", ["i2", "i1"]), path("leaf2", ["i1", "i2"]),
        { op: "path", cert: der("leaf2"), t0: der("i1"), t1: der("root"), t2: der("i2"), now: at(now), real: 1 },
        path("leaf2", ["i2"]), path("leaf1", []),
      ], EDHOC);
      expect(r[0]).toEqual({ ok: true, issuer: der("j1") });
      expect(r[1]).toEqual({ ok: true, issuer: der("i2") });
      expect(r[2]).toEqual({ ok: true, issuer: der("i2") }); // any order
      expect(r[3]).toEqual({ ok: true, issuer: der("i2") });
      expect([name(r[4].msg), r[4].depth]).toEqual(["PATH_NO_ISSUER", 1]); // i1 missing: i2 has no issuer
      expect([name(r[5].msg), r[5].depth]).toEqual(["PATH_NO_ISSUER", 0]);
      expect([sslOk("leaf1", ["j1"]), sslOk("leaf2", ["i2", "i1"]), sslOk("leaf2", ["i2"]), sslOk("leaf1", [])]).toEqual([true, true, false, false]);
    });

    it(`${host}: refuses an issuer without cA, without keyCertSign, or whose pathLenConstraint is too short, as openssl does`, async () => {
      const r = await evalVectors(host, [path("leafn", ["notca"]), path("leafs", ["nosign"]), path("leafk", ["k2", "k1"])], EDHOC);
      expect(r.map((x) => [x.error, name(x.msg), x.depth])).toEqual([
        ["E_EST_CHAIN", "PATH_NOT_CA", 0], ["E_EST_CHAIN", "PATH_KEY_USAGE", 0], ["E_EST_CHAIN", "PATH_LENGTH", 1]]);
      expect([sslOk("leafn", ["notca"]), sslOk("leafs", ["nosign"]), sslOk("leafk", ["k2", "k1"])]).toEqual([false, false, false]);
    });

    it(`${host}: refuses an unknown critical extension, not an unknown non-critical one, as openssl does`, async () => {
      const r = await evalVectors(host, [path("crit", []), path("noncrit", [])], EDHOC);
      expect([r[0].error, name(r[0].msg), r[0].depth]).toEqual(["E_EST_CHAIN", "PATH_CRITICAL", 0]);
      expect(r[1]).toEqual({ ok: true, issuer: der("root") });
      expect([sslOk("crit", []), sslOk("noncrit", [])]).toEqual([false, true]);
    });

    it(`${host}: dates: expired refused; not yet valid refused with real time, not judged with a last-known-good time`, async () => {
      const x = new X509Certificate(readFileSync(f("leaf1.pem")));
      const nb = Date.parse(x.validFrom) / 1000, na = Date.parse(x.validTo) / 1000;
      const j1 = new X509Certificate(readFileSync(f("j1.pem")));
      const r = await evalVectors(host, [
        path("leaf1", ["j1"], { now: at(na + 1) }), path("leaf1", ["j1"], { now: at(na + 1), real: 0 }),
        path("leaf1", ["j1"], { now: at(nb - 86400) }), path("leaf1", ["j1"], { now: at(nb - 86400), real: 0 }),
        path("leaf1", ["j1"], { now: at(Date.parse(j1.validTo) / 1000 + 1) }),
        { op: "path", cert: der("leaf1"), t0: der("root"), c0: der("j1") }, // no time known: dates not judged
      ], EDHOC);
      expect([r[0].error, name(r[0].msg), r[0].depth]).toEqual(["E_EST_CHAIN", "PATH_EXPIRED", 0]);
      expect(name(r[1].msg)).toBe("PATH_EXPIRED");
      expect([name(r[2].msg), r[2].depth]).toEqual(["PATH_NOT_YET_VALID", 0]);
      expect(r[3].ok).toBe(true);
      expect([name(r[4].msg), r[4].depth]).toEqual(["PATH_EXPIRED", 1]); // the intermediate's dates count
      expect(r[5].ok).toBe(true);
      // openssl agrees at those times (-attime: seconds since 1970).
      const sslAt = (t: number) => { try { openssl(["verify", "-attime", String(Math.floor(t)), "-CAfile", f("root.pem"), "-untrusted", f("j1.pem"), f("leaf1.pem")]); return true; } catch { return false; } };
      expect([sslAt(na + 1), sslAt(nb - 86400), sslAt(nb + 60)]).toEqual([false, false, true]);
    });

    it(`${host}: a verified path moves the last-known-good time to its latest notBefore, never back; it persists in the key store`, async () => {
      const nb = (n: string) => Date.parse(new X509Certificate(readFileSync(f(`${n}.pem`))).validFrom) / 1000;
      const r = await evalVectors(host, [
        { op: "lkg" }, path("leaf1", ["j1"]), { op: "lkg" },
        path("leafn", ["notca"]), { op: "lkg" }, // refused: no move
        { op: "path", cert: der("j1"), t0: der("root"), now: at(now), real: 1 }, { op: "lkg" }, // an older notBefore: no move back
      ], EDHOC);
      expect(r[0].lkg).toBe("");
      expect(r[1].ok).toBe(true);
      const latest = Math.max(nb("leaf1"), nb("j1"));
      expect(r[2].lkg).toBe(at(latest));
      expect(r[4].lkg).toBe(at(latest));
      expect(r[5].ok).toBe(true);
      expect(r[6].lkg).toBe(at(latest));
    });
  }
});
