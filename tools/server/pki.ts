// The development CA: strict DER decoding of PKCS#10 CSRs (RFC 2986) and their signatures, X.509 v3
// certificates (RFC 5280) issued with a P-256 (ES256) or Ed25519 CA key, the same contents as C509
// certificates of type 3 (the DER re-encoded) or type 2 (natively signed; through tools/c509), PKCS#7
// certs-only bundles (RFC 5652), and the CA's persistent state in a folder:
//
//   ca.key (PKCS#8 PEM, mode 0600), ca.pem / ca.der (self-signed, or certified by a root CA when this one is
//   an intermediate); serials and the issued certificates live in the server's database (db.ts)
//
// Signing and signature checks use node:crypto (OpenSSL underneath); the DER here is written by hand, small on
// purpose: it covers what EST enrollment needs and refuses anything else with a DerError.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ServerDb } from "./db.js";
import { c509FromX509, encodeCertificate, issueNative, nameFromDer, type C509Certificate, type X509Extension } from "../c509/index.js";

export class DerError extends Error {}

// ---- DER ----------------------------------------------------------------------------------------------------------
export interface Tlv { tag: number; value: Uint8Array; der: Uint8Array }

function lenBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const b: number[] = [];
  while (n > 0) { b.unshift(n & 0xff); n = Math.floor(n / 256); }
  return [0x80 | b.length, ...b];
}
export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const v = Buffer.concat(content);
  return Uint8Array.from([tag, ...lenBytes(v.length), ...v]);
}
export const seq = (...c: Uint8Array[]) => tlv(0x30, ...c);
export const set = (...c: Uint8Array[]) => tlv(0x31, ...c);
export const ctx = (n: number, ...c: Uint8Array[]) => tlv(0xa0 | n, ...c);
export function oid(dotted: string): Uint8Array {
  const p = dotted.split(".").map(Number);
  const out = [40 * p[0] + p[1]];
  for (const v of p.slice(2)) {
    const b = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) b.unshift(0x80 | (x & 0x7f));
    out.push(...b);
  }
  return tlv(0x06, Uint8Array.from(out));
}
export function oidText(v: Uint8Array): string {
  if (v.length === 0) throw new DerError("empty OID");
  const out = [Math.min(2, Math.floor(v[0] / 40)), v[0] - 40 * Math.min(2, Math.floor(v[0] / 40))];
  let x = 0;
  for (let i = 1; i < v.length; i++) { x = x * 128 + (v[i] & 0x7f); if (!(v[i] & 0x80)) { out.push(x); x = 0; } else if (i === v.length - 1) throw new DerError("truncated OID"); }
  return out.join(".");
}
export function uint(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0] & 0x80 ? Uint8Array.from([0, ...v]) : v);
}
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
const bits = (b: Uint8Array) => tlv(0x03, Uint8Array.of(0), b);
function time(d: Date): Uint8Array {
  const s = d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z"; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(s.slice(2))) : tlv(0x18, Buffer.from(s));
}

/** Read the TLVs of b (a whole sequence of them). */
export function derItems(b: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let p = 0;
  while (p < b.length) {
    if (p + 2 > b.length) throw new DerError("truncated TLV");
    const tag = b[p];
    if ((tag & 0x1f) === 0x1f) throw new DerError("high tag numbers are not used here");
    let len = b[p + 1], h = 2;
    if (len & 0x80) {
      const k = len & 0x7f;
      if (k === 0) throw new DerError("indefinite length (BER, not DER)");
      if (k > 3 || p + 2 + k > b.length) throw new DerError("bad length");
      len = 0;
      for (let i = 0; i < k; i++) len = len * 256 + b[p + 2 + i];
      if (b[p + 2] === 0 || len < 0x80) throw new DerError("non-minimal length");
      h = 2 + k;
    }
    if (p + h + len > b.length) throw new DerError("length runs past the end");
    out.push({ tag, value: b.subarray(p + h, p + h + len), der: b.subarray(p, p + h + len) });
    p += h + len;
  }
  return out;
}
function one(b: Uint8Array, tag: number, what: string): Tlv {
  const it = derItems(b);
  if (it.length !== 1 || it[0].tag !== tag) throw new DerError(`${what}: expected one item with tag 0x${tag.toString(16)}`);
  return it[0];
}
function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}`);
  return t;
}

// ---- Names and keys -------------------------------------------------------------------------------------------------
const OID = {
  CN: "2.5.4.3", EC: "1.2.840.10045.2.1", P256: "1.2.840.10045.3.1.7", ECDSA_SHA256: "1.2.840.10045.4.3.2",
  ED25519: "1.3.101.112", X25519: "1.3.101.110", EXT_REQ: "1.2.840.113549.1.9.14", CHALLENGE: "1.2.840.113549.1.9.7",
  SAN: "2.5.29.17", KEY_USAGE: "2.5.29.15", BASIC: "2.5.29.19", SKI: "2.5.29.14", AKI: "2.5.29.35",
  SIGNED_DATA: "1.2.840.113549.1.7.2", DATA: "1.2.840.113549.1.7.1",
};
export const nameCn = (cn: string) => seq(set(seq(oid(OID.CN), utf8(cn))));
export { OID as OIDS };
/** A Name as text: "CN=x" for each attribute that is a CN, other attributes by OID. */
export function nameText(name: Uint8Array): string {
  return derItems(one(name, 0x30, "Name").value).map((rdn) => derItems(rdn.value).map((atv) => {
    const [o, v] = derItems(atv.value);
    const k = oidText(o.value);
    return `${k === OID.CN ? "CN" : k}=${Buffer.from(v.value).toString("utf8")}`;
  }).join("+")).join(", ");
}

export interface CsrPublicKey { kind: "p256" | "ed25519" | "x25519"; raw: Uint8Array; spkiDer: Uint8Array }
export interface Csr {
  der: Uint8Array;
  certificationRequestInfo: Uint8Array;
  subject: { der: Uint8Array; text: string };
  publicKey: CsrPublicKey;
  signatureAlgorithm: string;
  /** The signature value (BIT STRING content without the unused-bits byte). */
  signature: Uint8Array;
  /** Requested extensions: [oid, critical, value (the OCTET STRING content)]. */
  extensions: { oid: string; critical: boolean; value: Uint8Array }[];
  challengePassword?: string;
}

function spki(t: Tlv): CsrPublicKey {
  const [alg, key] = derItems(t.value);
  const a = derItems(expectTag(alg, 0x30, "AlgorithmIdentifier").value);
  const kind = oidText(expectTag(a[0], 0x06, "algorithm").value);
  const k = expectTag(key, 0x03, "subjectPublicKey");
  if (k.value[0] !== 0) throw new DerError("public key BIT STRING with unused bits");
  const raw = k.value.subarray(1);
  if (kind === OID.EC) {
    if (!a[1] || oidText(expectTag(a[1], 0x06, "curve").value) !== OID.P256) throw new DerError("EC key not on P-256");
    if (raw.length !== 65 || raw[0] !== 4) throw new DerError("P-256 key is not an uncompressed point");
    return { kind: "p256", raw, spkiDer: t.der };
  }
  if (a.length !== 1) throw new DerError("unexpected algorithm parameters");
  if (kind === OID.ED25519 && raw.length === 32) return { kind: "ed25519", raw, spkiDer: t.der };
  if (kind === OID.X25519 && raw.length === 32) return { kind: "x25519", raw, spkiDer: t.der };
  throw new DerError(`unsupported public key algorithm ${kind}`);
}

/** The key of a DER SubjectPublicKeyInfo as the CA takes it (P-256 uncompressed, Ed25519, X25519). Throws
 *  DerError for anything else. */
export function publicKeyOfSpki(spkiDer: Uint8Array): CsrPublicKey { return spki(one(spkiDer, 0x30, "SubjectPublicKeyInfo")); }

/** Parse a DER PKCS#10 CSR (structure only; verifyCsrSignature checks a signature). Throws DerError. */
export function parseCsr(der: Uint8Array): Csr {
  const top = one(der, 0x30, "CertificationRequest");
  const [cri, alg, sig, ...rest] = derItems(top.value);
  if (rest.length) throw new DerError("trailing items in the CSR");
  const f = derItems(expectTag(cri, 0x30, "certificationRequestInfo").value);
  if (f.length !== 4) throw new DerError("certificationRequestInfo must have 4 fields");
  if (expectTag(f[0], 0x02, "version").value.length !== 1 || f[0].value[0] !== 0) throw new DerError("CSR version is not 0");
  const subject = expectTag(f[1], 0x30, "subject");
  const publicKey = spki(expectTag(f[2], 0x30, "subjectPKInfo"));
  const extensions: Csr["extensions"] = [];
  let challengePassword: string | undefined;
  for (const attr of derItems(expectTag(f[3], 0xa0, "attributes").value)) {
    const [o, values] = derItems(expectTag(attr, 0x30, "Attribute").value);
    const type = oidText(expectTag(o, 0x06, "attribute type").value);
    const vals = derItems(expectTag(values, 0x31, "attribute values").value);
    if (type === OID.EXT_REQ) {
      for (const e of derItems(expectTag(vals[0], 0x30, "Extensions").value)) {
        const parts = derItems(expectTag(e, 0x30, "Extension").value);
        const critical = parts.length === 3 && parts[1].tag === 0x01 && parts[1].value[0] === 0xff;
        extensions.push({ oid: oidText(expectTag(parts[0], 0x06, "extnID").value), critical, value: expectTag(parts[parts.length - 1], 0x04, "extnValue").value });
      }
    } else if (type === OID.CHALLENGE) challengePassword = Buffer.from(vals[0].value).toString("utf8");
  }
  const a = derItems(expectTag(alg, 0x30, "signatureAlgorithm").value);
  const s = expectTag(sig, 0x03, "signature");
  if (s.value[0] !== 0) throw new DerError("signature BIT STRING with unused bits");
  return {
    der, certificationRequestInfo: cri.der, subject: { der: subject.der, text: nameText(subject.der) }, publicKey,
    signatureAlgorithm: oidText(expectTag(a[0], 0x06, "signature algorithm").value), signature: s.value.subarray(1), extensions, challengePassword,
  };
}

/** Verify a CSR's signature (ES256 or Ed25519). false, never a throw, for a bad or unsupported one. */
export function verifyCsrSignature(c: Csr): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(c.publicKey.spkiDer), format: "der", type: "spki" });
    if (c.signatureAlgorithm === OID.ECDSA_SHA256 && c.publicKey.kind === "p256") return verify("sha256", c.certificationRequestInfo, key, c.signature);
    if (c.signatureAlgorithm === OID.ED25519 && c.publicKey.kind === "ed25519") return verify(null, c.certificationRequestInfo, key, c.signature);
  } catch { /* malformed key or signature */ }
  return false;
}

export function toPem(label: string, der: Uint8Array): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END ${label}-----\n`;
}

/** CMS SignedData with certificates only (RFC 5652 §5, RFC 8951 §3.2.3): version 1, no digest algorithms,
 *  id-data content absent, the certificates, no signers. */
export function pkcs7CertsOnly(certs: Uint8Array[]): Uint8Array {
  const sd = seq(uint(Uint8Array.of(1)), set(), seq(oid(OID.DATA)), ctx(0, ...certs), set());
  return seq(oid(OID.SIGNED_DATA), ctx(0, sd));
}

// ---- The CA -----------------------------------------------------------------------------------------------------------
export interface IssueOptions {
  validityDays: number;
  /** Subject CN to put instead of the CSR's subject. */
  subjectCn?: string;
  /** SubjectAltName extension value (DER GeneralNames) instead of the CSR's; null: none. */
  san?: Uint8Array | null;
  /** The registered device the certificate is for (kept with it in the database). */
  deviceKid?: string;
  /** Validity other than [now - 60 s, now + validityDays] (tests of the device's date checks). */
  notBefore?: Date;
  notAfter?: Date;
  /** Extensions added after the usual ones (tests: an unknown critical extension). */
  extraExtensions?: X509Extension[];
}

export interface CaOptions {
  keyType: "p256" | "ed25519";
  subject?: string;
  /** Certify the new CA with this one (an intermediate CA) instead of self-signing it. */
  issuer?: Ca;
  /** An intermediate's pathLenConstraint: how many intermediate CAs may follow it (default 0). */
  pathLen?: number;
  /** A flawed CA certificate, for the device's negative tests: basicConstraints without cA, or keyUsage
   *  without keyCertSign. */
  flaw?: "not-ca" | "no-keycertsign";
  /** Where serials and issued certificates are kept; default the database of the folder above dir. */
  db?: ServerDb;
}

export class Ca {
  private constructor(readonly dir: string, private key: KeyObject, readonly keyType: "p256" | "ed25519", readonly certDer: Uint8Array,
    readonly db: ServerDb, readonly issuer?: Ca) {}

  get certPem(): string { return toPem("CERTIFICATE", this.certDer); }
  /** This CA's certificate and those above it, up to the root (DER). */
  get chain(): Uint8Array[] { return [this.certDer, ...(this.issuer?.chain ?? [])]; }
  /** Hex key identifier of the CA (SHA-1 of its public key bits): its row in the serials table. */
  get id(): string { return Buffer.from(keyId(derItems(derItems(one(this.certDer, 0x30, "CA certificate").value)[0].value)[6].der)).toString("hex"); }

  /** Open the CA folder, creating key and self-signed certificate on first use. */
  static async open(dir: string, opts: CaOptions): Promise<Ca> { return Ca.openSync(dir, opts); }

  static openSync(dir: string, opts: CaOptions): Ca {
    mkdirSync(dir, { recursive: true });
    const db = opts.db ?? ServerDb.open(dirname(dir));
    const keyFile = join(dir, "ca.key");
    if (existsSync(keyFile)) {
      const key = createPrivateKey(readFileSync(keyFile, "utf8"));
      const type = key.asymmetricKeyType === "ed25519" ? "ed25519" : "p256";
      return new Ca(dir, key, type, new Uint8Array(readFileSync(join(dir, "ca.der"))), db, opts.issuer);
    }
    const { privateKey } = opts.keyType === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
    const spkiDer = new Uint8Array(createPublicKey(privateKey).export({ format: "der", type: "spki" }));
    const name = nameCn(opts.subject ?? "EST-oscore development CA");
    const self = new Ca(dir, privateKey, opts.keyType, new Uint8Array(0), db);
    const signer = opts.issuer ?? self;
    const ext = [
      // An intermediate may have pathLen more intermediates below it (default 0: end entities only).
      extension(OID.BASIC, true, opts.flaw === "not-ca" ? seq() : opts.issuer ? seq(tlv(0x01, Uint8Array.of(0xff)), uint(Uint8Array.of(opts.pathLen ?? 0))) : seq(tlv(0x01, Uint8Array.of(0xff)))),
      extension(OID.KEY_USAGE, true, opts.flaw === "no-keycertsign" ? tlv(0x03, Uint8Array.of(1, 0x02)) : tlv(0x03, Uint8Array.of(1, 0x06))), // keyCertSign, cRLSign (flawed: cRLSign only)
      extension(OID.SKI, false, tlv(0x04, keyId(spkiDer))),
      ...(opts.issuer ? [signer.akiExtension()] : []),
    ];
    const now = new Date();
    const issuerName = opts.issuer ? opts.issuer.subjectName() : name;
    const der = signer.sign(serialBytes(opts.issuer ? opts.issuer.db.nextSerial(opts.issuer.id, 2) : 1), issuerName, name, spkiDer, new Date(now.getTime() - 60_000), new Date(now.getTime() + 3650 * 86400_000), ext);
    writeFileSync(keyFile + ".tmp", privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
    writeFileSync(join(dir, "ca.der"), der);
    writeFileSync(join(dir, "ca.pem"), toPem("CERTIFICATE", der));
    renameSync(keyFile + ".tmp", keyFile); // the key file last: its presence means the CA is complete
    return new Ca(dir, privateKey, opts.keyType, der, db, opts.issuer);
  }

  private algId(): Uint8Array { return this.keyType === "ed25519" ? seq(oid(OID.ED25519)) : seq(oid(OID.ECDSA_SHA256)); }

  private sign(serial: Uint8Array, issuer: Uint8Array, subject: Uint8Array, spkiDer: Uint8Array, from: Date, to: Date, ext: Uint8Array[]): Uint8Array {
    const tbs = seq(ctx(0, uint(Uint8Array.of(2))), uint(serial), this.algId(), issuer, seq(time(from), time(to)), subject, spkiDer, ctx(3, seq(...ext)));
    const sig = sign(this.keyType === "ed25519" ? null : "sha256", tbs, this.key);
    return seq(tbs, this.algId(), bits(sig));
  }

  private tbs(): Tlv[] { return derItems(derItems(one(this.certDer, 0x30, "CA certificate").value)[0].value); }
  private subjectName(): Uint8Array { return this.tbs()[5].der; }
  private akiValue(): Uint8Array {
    const caSpki = derItems(this.tbs()[6].value)[1].value.subarray(1);
    return seq(tlv(0x80, createHash("sha1").update(caSpki).digest().subarray(0, 20)));
  }
  private akiExtension(): Uint8Array { return extension(OID.AKI, false, this.akiValue()); }

  /** Issue a certificate for a CSR whose proof of possession was checked. Returns its DER. The serial is taken
   *  from the database in a transaction of its own before the certificate exists: never reused, even across
   *  processes; the certificate is recorded with the device it is for. */
  issue(csr: Csr, o: IssueOptions): Uint8Array {
    const p = this.plan(csr, o);
    const der = this.sign(p.serial, this.subjectName(), p.subject, csr.publicKey.spkiDer, p.notBefore, p.notAfter, p.extensions.map((e) => extension(e.oid, e.critical, e.value)));
    this.db.recordIssued({ ca: this.id, serial: p.n, device_kid: o.deviceKid ?? null, subject: nameText(p.subject), sha256: createHash("sha256").update(der).digest("hex"), der, not_after: p.notAfter.getTime(), issued_at: p.issuedAt });
    return der;
  }

  /**
   * Issue a C509 certificate (draft-ietf-cose-cbor-encoded-cert §3) with the same contents issue() gives:
   * type 3 is the DER certificate issue() makes, re-encoded (`der` is returned with it); type 2 is signed
   * natively over the CBOR TBSCertificate (no DER exists). Either is recorded in the database; the row's
   * certificate bytes are the DER (type 3) or the C509Certificate array (type 2, first byte 0x8b).
   */
  issueC509(csr: Csr, o: IssueOptions, type: 2 | 3): { c509: C509Certificate; der?: Uint8Array } {
    if (type === 3) { const der = this.issue(csr, o); return { c509: c509FromX509(der), der }; }
    const p = this.plan(csr, o);
    const issuerDer = this.subjectName();
    const c509 = issueNative({
      serial: p.serial, issuer: Buffer.from(issuerDer).equals(Buffer.from(p.subject)) ? null : nameFromDer(issuerDer, "issuer"),
      notBefore: Math.floor(p.notBefore.getTime() / 1000), notAfter: Math.floor(p.notAfter.getTime() / 1000),
      subject: nameFromDer(p.subject, "subject"), spki: csr.publicKey.spkiDer, extensions: p.extensions, signer: this.key,
    });
    const bytes = encodeCertificate(c509, "array");
    this.db.recordIssued({ ca: this.id, serial: p.n, device_kid: o.deviceKid ?? null, subject: nameText(p.subject), sha256: createHash("sha256").update(bytes).digest("hex"), der: bytes, not_after: p.notAfter.getTime(), issued_at: p.issuedAt });
    return { c509 };
  }

  /** This CA's certificate and those above it as C509 type 3 (the DER ones re-encoded), issuing CA first. */
  get chainC509(): C509Certificate[] { return this.chain.map((d) => c509FromX509(d)); }

  /** What a certificate for `csr` says: serial (from the database), subject, validity and extensions. */
  private plan(csr: Csr, o: IssueOptions): { n: number; serial: Uint8Array; subject: Uint8Array; notBefore: Date; notAfter: Date; issuedAt: number; extensions: X509Extension[] } {
    const n = this.db.nextSerial(this.id, 2);
    const dh = csr.publicKey.kind === "x25519" || csr.signatureAlgorithm === "1.3.6.1.5.5.7.6.26";
    const extensions: X509Extension[] = [
      { oid: OID.BASIC, critical: true, value: seq() },
      { oid: OID.KEY_USAGE, critical: true, value: dh ? tlv(0x03, Uint8Array.of(3, 0x08)) : tlv(0x03, Uint8Array.of(7, 0x80)) },
      { oid: OID.SKI, critical: false, value: tlv(0x04, keyId(csr.publicKey.spkiDer)) },
      { oid: OID.AKI, critical: false, value: this.akiValue() },
      ...(o.extraExtensions ?? []),
    ];
    if (o.san !== undefined) { if (o.san) extensions.push({ oid: OID.SAN, critical: false, value: o.san }); }
    else {
      const san = csr.extensions.find((e) => e.oid === OID.SAN);
      if (san) extensions.push({ oid: OID.SAN, critical: san.critical, value: san.value });
    }
    const now = new Date();
    const secs = Math.floor(now.getTime() / 1000) * 1000;
    return {
      n, serial: serialBytes(n), subject: o.subjectCn ? nameCn(o.subjectCn) : csr.subject.der, extensions, issuedAt: now.getTime(),
      notBefore: o.notBefore ?? new Date(secs - 60_000), notAfter: o.notAfter ?? new Date(secs + o.validityDays * 86400_000),
    };
  }
}

export function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(oid(id), tlv(0x01, Uint8Array.of(0xff)), tlv(0x04, value)) : seq(oid(id), tlv(0x04, value));
}
/** Key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1). */
function keyId(spkiDer: Uint8Array): Uint8Array {
  const key = derItems(one(spkiDer, 0x30, "SPKI").value)[1].value.subarray(1);
  return new Uint8Array(createHash("sha1").update(key).digest());
}
/** A positive serial: the counter in the high bytes after 8 random bytes (unique and unpredictable). */
function serialBytes(n: number): Uint8Array {
  const b = Buffer.alloc(12);
  randomBytes(8).copy(b, 0);
  b[0] &= 0x7f; b[0] |= 0x01; // positive, no leading zero
  b.writeUInt32BE(n, 8);
  return b;
}
