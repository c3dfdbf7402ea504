// C509 certificates (draft §3): decode and encode both forms (the CBOR array C509Certificate, 11 items,
// and the unwrapped CBOR sequence ~C509Certificate), convert DER X.509 <-> type 3 byte-exactly, issue
// natively signed type 2 certificates, verify either type, and print them readably.
//
//   C509Certificate = [ type, serial, issuerSignatureAlgorithm, issuer / null, notBefore, notAfter / null,
//                       subject, subjectPublicKeyAlgorithm, subjectPublicKey, extensions, signatureValue ]
//
// Decoding is strict: deterministic CBOR only, every field checked for type and registry value, the
// extensions and names converted once to prove they are well formed. Type 3 conversion from DER is gated
// on exact invertibility (converting back must reproduce the input bytes), as BouncyCastle does too.
//
// Deliberately not here: path validation (validity dates, name constraints, revocation) and certificate
// policies; the caller decides what a verified signature means.

import { sign as nodeSign, type KeyObject } from "node:crypto";
import {
  C509Error, asArray, asBytes, asInt, asUint, bytesEqual, concat, decodeItem, decodeSequence, encodeItem, encodeSequence,
  hex, type CborValue,
} from "./cbor.js";
import { NO_EXPIRY, T, bitString, children, derOne, derUint, expect, intMagnitude, seq, timeFromDer, timeToDer, tlv } from "./der.js";
import {
  basicConstraintsOf, dnsNamesOf, extensionsDer, extensionsFromDer, extensionsFromX509, extensionsToX509, keyUsageOf,
  type X509Extension,
} from "./extensions.js";
import {
  algEntry, algFromDer, algToDer, publicKeyFromSpki, publicKeyObject, publicKeyToSpki, signatureFromDer, signatureToDer,
  verifySignature,
} from "./keys.js";
import { checkName, nameFromDer, nameToDer, nameToString } from "./name.js";

export const TYPE_NATIVE = 2;
export const TYPE_REENCODED = 3;

/** A C509 certificate, field by field as encoded (CBOR values), so encoding it gives back its bytes. */
export interface C509Certificate {
  type: number;
  /** Unsigned magnitude, no leading zero byte. */
  serial: Uint8Array;
  issuerSignatureAlgorithm: CborValue;
  /** null: same as the subject. */
  issuer: CborValue;
  notBefore: number;
  /** null: no expiration date (99991231235959Z). */
  notAfter: number | null;
  subject: CborValue;
  subjectPublicKeyAlgorithm: CborValue;
  subjectPublicKey: CborValue;
  extensions: CborValue;
  signatureValue: CborValue;
}

/** Which CBOR form: "array" (C509Certificate, the form of draft -20 and BouncyCastle's getEncoded) or
 *  "sequence" (~C509Certificate, what C509CertData wraps in the draft text in shared/specs). */
export type CertForm = "array" | "sequence";

const fieldsOf = (c: C509Certificate): CborValue[] => [
  c.type, c.serial, c.issuerSignatureAlgorithm, c.issuer, c.notBefore, c.notAfter, c.subject,
  c.subjectPublicKeyAlgorithm, c.subjectPublicKey, c.extensions, c.signatureValue,
];

/** The TBSCertificate CBOR sequence (what a type 2 signature covers). */
export function tbsCbor(c: C509Certificate): Uint8Array { return encodeSequence(fieldsOf(c).slice(0, 10)); }

/** Encode in either form. */
export function encodeCertificate(c: C509Certificate, form: CertForm = "sequence"): Uint8Array {
  const seqBytes = encodeSequence(fieldsOf(c));
  return form === "array" ? concat(Uint8Array.of(0x8b), seqBytes) : seqBytes;
}

/** Decode either form (told apart by the first byte: 0x8b is the 11-item array, a sequence starts with the
 *  type int). Throws C509Error with the field's name on anything malformed. */
export function decodeCertificate(b: Uint8Array): C509Certificate {
  let items: CborValue[];
  if (b[0] === 0x8b) items = asArray(decodeItem(b, "C509Certificate"), "C509Certificate", 11, 11);
  else {
    items = decodeSequence(b, "~C509Certificate");
    if (items.length !== 11) throw new C509Error(`${items.length} items, expected 11`, "~C509Certificate");
  }
  const c: C509Certificate = {
    type: asInt(items[0], "c509CertificateType"),
    serial: asBytes(items[1], "certificateSerialNumber"),
    issuerSignatureAlgorithm: items[2], issuer: items[3],
    notBefore: asUint(items[4], "validityNotBefore"),
    notAfter: items[5] === null ? null : asUint(items[5], "validityNotAfter"),
    subject: items[6], subjectPublicKeyAlgorithm: items[7], subjectPublicKey: items[8], extensions: items[9],
    signatureValue: items[10],
  };
  checkCertificate(c);
  return c;
}

/** Every check decodeCertificate makes on the fields (also for certificates built in memory). */
export function checkCertificate(c: C509Certificate): void {
  if (c.type !== TYPE_NATIVE && c.type !== TYPE_REENCODED) throw new C509Error(`type ${c.type} (2 and 3 are defined)`, "c509CertificateType");
  if (c.serial.length > 0 && c.serial[0] === 0) throw new C509Error("leading zero byte", "certificateSerialNumber");
  if (c.serial.length > 20) throw new C509Error("more than 20 bytes (RFC 5280 §4.1.2.2)", "certificateSerialNumber");
  algToDer(c.issuerSignatureAlgorithm, "sig", "issuerSignatureAlgorithm");
  if (c.issuer !== null) checkName(c.issuer, "issuer");
  checkName(c.subject, "subject");
  if (c.notAfter === NO_EXPIRY) throw new C509Error("99991231235959Z must be null", "validityNotAfter");
  if (c.notBefore > NO_EXPIRY || (c.notAfter !== null && c.notAfter > NO_EXPIRY)) throw new C509Error("after year 9999", "validity");
  publicKeyToSpki(c.subjectPublicKeyAlgorithm, c.subjectPublicKey, "subjectPublicKey");
  extensionsToX509(c.extensions, "extensions");
  signatureToDer(algEntry(c.issuerSignatureAlgorithm, "sig", "issuerSignatureAlgorithm"), c.signatureValue, "issuerSignatureValue");
  if (c.type === TYPE_NATIVE) {
    for (const v of [c.issuer, c.subject]) if (Array.isArray(v)) for (const x of v) if (typeof x === "number" && x < 0) {
      throw new C509Error("negative attribute type in a natively signed certificate", "name");
    }
  }
}

// ---- DER <-> C509 type 3 --------------------------------------------------------------------------------------------

export interface ConversionOptions {
  /** Compress EC points (fe/fd markers); default true, as in the draft's P-256 examples. */
  compressPoints?: boolean;
  /** ECDSA component width in bytes; default: rounded up from the components (32, 48, 64, 66). */
  ecdsaWidth?: number;
}

/** The parts of a DER certificate the conversions use. */
export interface X509Parts {
  tbs: Uint8Array; serial: Uint8Array; sigAlg: Uint8Array; issuer: Uint8Array; notBefore: number; notAfter: number;
  subject: Uint8Array; spki: Uint8Array; extensions: X509Extension[]; signature: Uint8Array;
}

/** Parse a DER X.509 v3 certificate into the parts C509 carries. Throws C509Error for shapes C509 lacks. */
export function parseX509(der: Uint8Array): X509Parts {
  const [tbs, alg, sig, ...rest] = children(derOne(der, T.SEQUENCE, "Certificate"), T.SEQUENCE, "Certificate");
  if (rest.length) throw new C509Error("trailing fields", "Certificate");
  const f = children(tbs, T.SEQUENCE, "tbsCertificate");
  const ver = f.shift();
  if (!ver || ver.tag !== 0xa0 || !bytesEqual(ver.value, Uint8Array.of(2, 1, 2))) throw new C509Error("only X.509 v3 (explicit version 2) has a C509 form", "version");
  const [serial, sigAlg, issuer, validity, subject, spki, ...opt] = f;
  const [nb, na, ...vr] = children(validity, T.SEQUENCE, "validity");
  if (vr.length) throw new C509Error("trailing fields", "validity");
  if (opt.some((t) => t.tag === 0x81 || t.tag === 0x82)) throw new C509Error("issuerUniqueID / subjectUniqueID have no C509 form", "tbsCertificate");
  if (opt.length > 1 || (opt.length === 1 && opt[0].tag !== 0xa3)) throw new C509Error("unexpected fields after subjectPublicKeyInfo", "tbsCertificate");
  const extensions = opt.length ? extensionsFromDer(derOne(opt[0].value, T.SEQUENCE, "extensions").der) : [];
  if (opt.length && extensions.length === 0) throw new C509Error("empty extensions field has no C509 form", "extensions");
  expect(sigAlg, T.SEQUENCE, "signature");
  if (!bytesEqual(sigAlg.der, expect(alg, T.SEQUENCE, "signatureAlgorithm").der)) throw new C509Error("signatureAlgorithm differs from tbsCertificate.signature");
  const s = expect(sig, T.BIT_STRING, "signatureValue").value;
  if (s.length < 1 || s[0] !== 0) throw new C509Error("signature BIT STRING with unused bits", "signatureValue");
  return {
    tbs: tbs.der, serial: intMagnitude(expect(serial, T.INTEGER, "serialNumber").value, "serialNumber"), sigAlg: sigAlg.der,
    issuer: expect(issuer, T.SEQUENCE, "issuer").der, notBefore: timeFromDer(nb, "notBefore"), notAfter: timeFromDer(na, "notAfter"),
    subject: expect(subject, T.SEQUENCE, "subject").der, spki: expect(spki, T.SEQUENCE, "subjectPublicKeyInfo").der,
    extensions, signature: s.subarray(1),
  };
}

/** DER X.509 -> C509 type 3. The result converts back to exactly `der`, or this throws. */
export function c509FromX509(der: Uint8Array, o: ConversionOptions = {}): C509Certificate {
  const p = parseX509(der);
  if (p.notBefore < 0 || p.notAfter < 0) throw new C509Error("time before 1970 has no C509 form", "validity");
  const sigAlg = algFromDer(p.sigAlg, "sig");
  const subject = nameFromDer(p.subject, "subject");
  const [pkAlg, pk] = publicKeyFromSpki(p.spki, { native: false, compress: o.compressPoints ?? true });
  const c: C509Certificate = {
    type: TYPE_REENCODED, serial: p.serial, issuerSignatureAlgorithm: sigAlg,
    issuer: bytesEqual(p.issuer, p.subject) ? null : nameFromDer(p.issuer, "issuer"),
    notBefore: p.notBefore, notAfter: p.notAfter === NO_EXPIRY ? null : p.notAfter, subject,
    subjectPublicKeyAlgorithm: pkAlg, subjectPublicKey: pk, extensions: extensionsFromX509(p.extensions),
    signatureValue: signatureFromDer(algEntry(sigAlg, "sig", "signature"), p.signature, o.ecdsaWidth),
  };
  const back = c509ToX509(c);
  if (!bytesEqual(back, der)) throw new C509Error("this certificate cannot be re-encoded losslessly (not DER, or outside what C509 carries)", "X.509");
  return c;
}

/** The DER tbsCertificate a type 3 certificate stands for (what its signature covers). */
export function tbsDer(c: C509Certificate): Uint8Array {
  const sigAlg = algToDer(c.issuerSignatureAlgorithm, "sig", "issuerSignatureAlgorithm");
  const subject = nameToDer(c.subject, "subject");
  const exts = extensionsToX509(c.extensions);
  return seq(
    tlv(0xa0, derUint(Uint8Array.of(2))), derUint(c.serial), sigAlg,
    c.issuer === null ? subject : nameToDer(c.issuer, "issuer"),
    seq(timeToDer(c.notBefore), timeToDer(c.notAfter ?? NO_EXPIRY)), subject,
    publicKeyToSpki(c.subjectPublicKeyAlgorithm, c.subjectPublicKey, "subjectPublicKey"),
    ...(exts.length ? [tlv(0xa3, extensionsDer(exts))] : []),
  );
}

/** C509 type 3 -> the DER X.509 certificate it re-encodes. */
export function c509ToX509(c: C509Certificate): Uint8Array {
  if (c.type !== TYPE_REENCODED) throw new C509Error("only a type 3 certificate has a DER form (type 2 signs the CBOR)", "c509CertificateType");
  const sigAlg = algToDer(c.issuerSignatureAlgorithm, "sig", "issuerSignatureAlgorithm");
  const sig = signatureToDer(algEntry(c.issuerSignatureAlgorithm, "sig", "issuerSignatureAlgorithm"), c.signatureValue, "issuerSignatureValue");
  return seq(tbsDer(c), sigAlg, bitString(sig));
}

// ---- Signing and verification -----------------------------------------------------------------------------------------

/** The bytes a certificate's signature covers: the CBOR TBS (type 2) or the rebuilt DER TBS (type 3). */
export function signedBytes(c: C509Certificate): Uint8Array {
  return c.type === TYPE_NATIVE ? tbsCbor(c) : tbsDer(c);
}

/** Verify the certificate's signature with the issuer's public key (node KeyObject). False, never a
 *  throw, for a signature that does not verify; a C509Error for a certificate that cannot be processed. */
export function verifyCertificate(c: C509Certificate, issuerKey: KeyObject): boolean {
  return verifySignature(algEntry(c.issuerSignatureAlgorithm, "sig", "issuerSignatureAlgorithm"), signedBytes(c), c.signatureValue, issuerKey);
}

/** The subject's public key as a node KeyObject. */
export const subjectKey = (c: C509Certificate) => publicKeyObject(c.subjectPublicKeyAlgorithm, c.subjectPublicKey);

/** Sign `data` with a P-256 (ES256 -> r || s) or Ed25519 key; returns [C509 algorithm value, signature]. */
export function signWith(key: KeyObject, data: Uint8Array): [number, Uint8Array] {
  if (key.asymmetricKeyType === "ed25519") return [12, new Uint8Array(nodeSign(null, data, key))];
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") {
    return [0, new Uint8Array(nodeSign("sha256", data, { key, dsaEncoding: "ieee-p1363" }))];
  }
  throw new C509Error(`signing key ${key.asymmetricKeyType} not supported (P-256 or Ed25519)`);
}

export interface NativeIssue {
  serial: Uint8Array;
  /** C509 Name of the issuer; null for a self-signed certificate. */
  issuer: CborValue | null;
  notBefore: number;
  notAfter: number | null;
  subject: CborValue;
  /** The subject key as DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** X.509 extensions (converted to their specific C509 encodings; a generic one is refused). */
  extensions: X509Extension[];
  /** The issuer's signing key (P-256 or Ed25519). */
  signer: KeyObject;
}

/** Issue a natively signed (type 2) certificate: the signature covers the CBOR TBSCertificate. */
export function issueNative(o: NativeIssue): C509Certificate {
  const [pkAlg, pk] = publicKeyFromSpki(o.spki, { native: true, compress: true });
  const [sigAlg] = signWith(o.signer, new Uint8Array(0));
  let serial = o.serial;
  while (serial.length > 0 && serial[0] === 0) serial = serial.subarray(1);
  const c: C509Certificate = {
    type: TYPE_NATIVE, serial: new Uint8Array(serial), issuerSignatureAlgorithm: sigAlg, issuer: o.issuer, notBefore: o.notBefore,
    notAfter: o.notAfter === NO_EXPIRY ? null : o.notAfter, subject: o.subject, subjectPublicKeyAlgorithm: pkAlg,
    subjectPublicKey: pk, extensions: extensionsFromX509(o.extensions, true), signatureValue: new Uint8Array(0),
  };
  c.signatureValue = signWith(o.signer, tbsCbor(c))[1];
  checkCertificate(c);
  return c;
}

// ---- Reading -----------------------------------------------------------------------------------------------------------

/** The extensions as X.509 extensions. */
export const certExtensions = (c: C509Certificate) => extensionsToX509(c.extensions);
export const isCa = (c: C509Certificate) => basicConstraintsOf(certExtensions(c))?.ca ?? false;

/** A readable multi-line description (for logs and the client's human output). */
export function describeCertificate(c: C509Certificate): string {
  const exts = certExtensions(c);
  const iso = (s: number | null) => (s === null ? "no expiration (99991231235959Z)" : new Date(s * 1000).toISOString().replace(".000", ""));
  const alg = (v: CborValue, r: "sig" | "pk") => algEntry(v, r, "algorithm")?.name ?? `OID ${hex(encodeItem(v))}`;
  const ku = keyUsageOf(exts);
  const kuNames = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"];
  const lines = [
    `C509 certificate, type ${c.type} (${c.type === TYPE_NATIVE ? "natively signed" : "re-encoded X.509"}), ${encodeCertificate(c).length} bytes`,
    `  serial:     ${hex(c.serial)}`,
    `  issuer:     ${c.issuer === null ? "(same as subject)" : nameToString(c.issuer)}`,
    `  validity:   ${iso(c.notBefore)} .. ${iso(c.notAfter)}`,
    `  subject:    ${nameToString(c.subject)}`,
    `  public key: ${alg(c.subjectPublicKeyAlgorithm, "pk")}, ${hex(encodeItem(c.subjectPublicKey))}`,
    `  signature:  ${alg(c.issuerSignatureAlgorithm, "sig")}`,
  ];
  for (const e of exts) {
    let v = hex(e.value);
    if (e.oid === "2.5.29.15" && ku !== undefined) v = kuNames.filter((_, i) => ku & (1 << i)).join(", ");
    if (e.oid === "2.5.29.19") { const b = basicConstraintsOf(exts)!; v = b.ca ? `CA${b.pathLen !== undefined ? `, pathLen ${b.pathLen}` : ""}` : "not a CA"; }
    if (e.oid === "2.5.29.17") v = dnsNamesOf(exts).map((d) => `DNS:${d}`).join(", ") || v;
    lines.push(`  extension ${e.oid}${e.critical ? " (critical)" : ""}: ${v}`);
  }
  return lines.join("\n");
}

/** A type 3 certificate as a DER version if it has one (for tools that want PEM). */
export const x509Of = (c: C509Certificate): Uint8Array | undefined => (c.type === TYPE_REENCODED ? c509ToX509(c) : undefined);

// ---- COSE_C509 (draft §3.4: c5b, c5c, c5u and the application/cose-c509-cert media type) ------------------------------

/** COSE_C509 = C509CertData / [ 2* C509CertData ]: one byte string per certificate, holding the certificate
 *  in `form` ("sequence" as the draft text in shared/specs has it; "array" as draft -20 and BouncyCastle). */
export function encodeCoseC509(certs: C509Certificate[], form: CertForm = "sequence"): Uint8Array {
  if (certs.length === 0) throw new C509Error("COSE_C509 needs at least one certificate");
  const items = certs.map((c) => encodeCertificate(c, form));
  return certs.length === 1 ? encodeItem(items[0]) : encodeItem(items);
}

/** Decode a COSE_C509 of either wrapping (each byte string's first byte tells the form). */
export function decodeCoseC509(b: Uint8Array): C509Certificate[] {
  const v = decodeItem(b, "COSE_C509");
  if (Array.isArray(v)) {
    if (v.length < 2) throw new C509Error("an array must hold two or more certificates", "COSE_C509");
    return v.map((x, i) => decodeCertificate(asBytes(x, `COSE_C509[${i}]`)));
  }
  return [decodeCertificate(asBytes(v, "COSE_C509"))];
}
