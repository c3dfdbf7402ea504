// C509 certification requests (draft §4): decode and encode, convert a DER PKCS#10 CSR (RFC 2986) <->
// type 3 byte-exactly, build natively signed type 2 requests (ES256, Ed25519, or the DH proof of
// possession of dh-pop.ts), and verify them.
//
//   C509CertificationRequest = [ type, subjectSignatureAlgorithm, subject, subjectPublicKeyAlgorithm,
//                                subjectPublicKey, attributes, subjectSignatureValue ]
//   attributes = [ * (int, Defined) // (~oid, bytes) ]: 0 extensionRequest (an Extensions value),
//                1 challengePassword (text, or tag 121 for a PrintableString), 2 possession statement.
//
// Deliberately not here: the certification request template (§4.4) and the private-key possession
// statement's contents (carried opaque).

import type { KeyObject } from "node:crypto";
import {
  C509Error, Tag, asArray, asBytes, asInt, asPairs, asText, bytesEqual, concat, decodeItem, encodeSequence, isBytes, isTag,
  type CborValue,
} from "./cbor.js";
import { T, bitString, children, derItems, derOne, expect, oidBytes, oidText, seq, set, tlv } from "./der.js";
import { extensionsDer, extensionsFromDer, extensionsFromX509, extensionsToX509, type X509Extension } from "./extensions.js";
import {
  algEntry, algFromDer, algToDer, publicKeyFromSpki, publicKeyObject, publicKeyToSpki, signatureFromDer, signatureToDer,
  verifySignature,
} from "./keys.js";
import { checkName, nameFromDer, nameToDer } from "./name.js";
import { CR_CHALLENGE_PASSWORD, CR_EXTENSION_REQUEST, CR_POSSESSION_STATEMENT } from "./registry.js";
import { signWith } from "./cert.js";
import { DH_POP_ALG, dhPopMac, macEqual } from "./dh-pop.js";

export const CSR_TYPE_NATIVE = 2;
export const CSR_TYPE_REENCODED = 3;
const PRINTABLE_TAG = 121;

export interface C509Csr {
  type: number;
  subjectSignatureAlgorithm: CborValue;
  subject: CborValue;
  subjectPublicKeyAlgorithm: CborValue;
  subjectPublicKey: CborValue;
  /** The CRAttributes array: (type, value) pairs. */
  attributes: CborValue[];
  subjectSignatureValue: CborValue;
}

const fieldsOf = (c: C509Csr): CborValue[] => [
  c.type, c.subjectSignatureAlgorithm, c.subject, c.subjectPublicKeyAlgorithm, c.subjectPublicKey, c.attributes, c.subjectSignatureValue,
];

/** The TBSCertificationRequest CBOR sequence (what a type 2 signature or MAC covers). */
export const tbsCsrCbor = (c: C509Csr) => encodeSequence(fieldsOf(c).slice(0, 6));
/** The C509CertificationRequest array (the CSR as it travels, media type application/cose-c509-pkcs10). */
export const encodeCsr = (c: C509Csr) => concat(Uint8Array.of(0x87), encodeSequence(fieldsOf(c)));

/** Decode a C509CertificationRequest (the 7-item array). Throws C509Error naming the bad field. */
export function decodeCsr(b: Uint8Array): C509Csr {
  const it = asArray(decodeItem(b, "C509CertificationRequest"), "C509CertificationRequest", 7, 7);
  const c: C509Csr = {
    type: asInt(it[0], "c509CertificationRequestType"), subjectSignatureAlgorithm: it[1], subject: it[2],
    subjectPublicKeyAlgorithm: it[3], subjectPublicKey: it[4], attributes: asPairs(it[5], "attributes"), subjectSignatureValue: it[6],
  };
  checkCsr(c);
  return c;
}

export function checkCsr(c: C509Csr): void {
  if (c.type !== CSR_TYPE_NATIVE && c.type !== CSR_TYPE_REENCODED) throw new C509Error(`type ${c.type} (2 and 3 are defined)`, "c509CertificationRequestType");
  algToDer(c.subjectSignatureAlgorithm, "sig", "subjectSignatureAlgorithm");
  checkName(c.subject, "subject");
  publicKeyToSpki(c.subjectPublicKeyAlgorithm, c.subjectPublicKey, "subjectPublicKey");
  attributesToDer(c.attributes, c.type);
  signatureToDer(algEntry(c.subjectSignatureAlgorithm, "sig", "subjectSignatureAlgorithm"), c.subjectSignatureValue, "subjectSignatureValue");
}

// ---- Attributes ----------------------------------------------------------------------------------------------------------
function attributesFromDer(attrs: Uint8Array[], native: boolean): CborValue[] {
  const out: CborValue[] = [];
  for (const a of attrs) {
    const [type, values, ...r] = children(derOne(a, T.SEQUENCE, "Attribute"), T.SEQUENCE, "Attribute");
    if (r.length) throw new C509Error("trailing fields", "Attribute");
    const o = oidText(expect(type, T.OID, "attribute type").value);
    const vals = children(values, T.SET, "attribute values");
    if (vals.length !== 1) throw new C509Error("an attribute with other than one value has no C509 form", "Attribute");
    const v = vals[0];
    if (o === CR_EXTENSION_REQUEST.oid) out.push(CR_EXTENSION_REQUEST.value, extensionsFromX509(extensionsFromDer(v.der, "extensionRequest"), native));
    else if (o === CR_CHALLENGE_PASSWORD.oid && v.tag === T.UTF8) out.push(CR_CHALLENGE_PASSWORD.value, new TextDecoder("utf-8", { fatal: true }).decode(v.value));
    else if (o === CR_CHALLENGE_PASSWORD.oid && v.tag === T.PRINTABLE && !native) out.push(CR_CHALLENGE_PASSWORD.value, new Tag(PRINTABLE_TAG, Buffer.from(v.value).toString("latin1")));
    else out.push(new Uint8Array(type.value), new Uint8Array(v.der));
  }
  return out;
}

/** The DER Attribute TLVs of a C509 attributes array. */
function attributesToDer(a: CborValue[], type: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < a.length; i += 2) {
    const t = a[i], v = a[i + 1], p = `attributes[${i + 1}]`;
    let o: Uint8Array, val: Uint8Array;
    if (isBytes(t)) {
      oidText(t, `attributes[${i}]`);
      o = t; val = asBytes(v, p);
      if (derItems(val, p).length !== 1) throw new C509Error("attribute value must be one DER TLV", p);
    } else {
      const n = asInt(t, `attributes[${i}]`);
      if (n === CR_EXTENSION_REQUEST.value) {
        o = oidBytes(CR_EXTENSION_REQUEST.oid);
        val = extensionsDer(extensionsToX509(v, p));
      } else if (n === CR_CHALLENGE_PASSWORD.value) {
        o = oidBytes(CR_CHALLENGE_PASSWORD.oid);
        if (isTag(v)) {
          if (v.tag !== PRINTABLE_TAG || type === CSR_TYPE_NATIVE) throw new C509Error("challengePassword: only text (type 2) or tag 121 text (type 3)", p);
          val = tlv(T.PRINTABLE, new Uint8Array(Buffer.from(asText(v.contents as CborValue, p), "latin1")));
        } else val = tlv(T.UTF8, new Uint8Array(Buffer.from(asText(v, p), "utf8")));
      } else if (n === CR_POSSESSION_STATEMENT.value) {
        throw new C509Error("the private key possession statement has no DER form here", p);
      } else throw new C509Error(`unknown CR attribute ${n}`, `attributes[${i}]`);
    }
    out.push(seq(tlv(T.OID, o), set(val)));
  }
  return out;
}

/** X.690 §11.6 order of the encodings of a DER SET OF: as octet strings, the shorter padded with zeros. */
function derSetOrder(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0, y = b[i] ?? 0;
    if (x !== y) return x - y;
  }
  return 0;
}

/** The extensions requested (extensionRequest attribute), as X.509 extensions. */
export function requestedExtensions(c: C509Csr): X509Extension[] {
  for (let i = 0; i < c.attributes.length; i += 2) if (c.attributes[i] === CR_EXTENSION_REQUEST.value) return extensionsToX509(c.attributes[i + 1], "extensionRequest");
  return [];
}

// ---- DER <-> type 3 ----------------------------------------------------------------------------------------------------
/** The DER certificationRequestInfo a C509 CSR stands for (what a type 3 signature covers). Its attributes
 *  are a DER SET OF, so they are written in DER order whatever order the C509 array lists them in (a type 3
 *  CSR converted from DER lists them in that order already; BouncyCastle sorts the same way). */
export function tbsCsrDer(c: C509Csr): Uint8Array {
  return seq(tlv(T.INTEGER, Uint8Array.of(0)), nameToDer(c.subject, "subject"),
    publicKeyToSpki(c.subjectPublicKeyAlgorithm, c.subjectPublicKey, "subjectPublicKey"), tlv(0xa0, ...attributesToDer(c.attributes, c.type).sort(derSetOrder)));
}

/** C509 type 3 -> the DER PKCS#10 CSR it re-encodes. */
export function csrToPkcs10(c: C509Csr): Uint8Array {
  if (c.type !== CSR_TYPE_REENCODED) throw new C509Error("only a type 3 CSR has a DER form", "c509CertificationRequestType");
  const alg = algToDer(c.subjectSignatureAlgorithm, "sig", "subjectSignatureAlgorithm");
  return seq(tbsCsrDer(c), alg, bitString(signatureToDer(algEntry(c.subjectSignatureAlgorithm, "sig", "x"), c.subjectSignatureValue)));
}

/** DER PKCS#10 -> C509 type 3; the result converts back to exactly `der`, or this throws. */
export function csrFromPkcs10(der: Uint8Array, o: { compressPoints?: boolean } = {}): C509Csr {
  const [cri, alg, sig, ...rest] = children(derOne(der, T.SEQUENCE, "CertificationRequest"), T.SEQUENCE, "CertificationRequest");
  if (rest.length) throw new C509Error("trailing fields", "CertificationRequest");
  const [ver, subject, spki, attrs, ...r2] = children(cri, T.SEQUENCE, "certificationRequestInfo");
  if (r2.length || !bytesEqual(expect(ver, T.INTEGER, "version").value, Uint8Array.of(0))) throw new C509Error("version 0 expected", "certificationRequestInfo");
  const sigAlg = algFromDer(expect(alg, T.SEQUENCE, "signatureAlgorithm").der, "sig");
  const s = expect(sig, T.BIT_STRING, "signature").value;
  if (s.length < 1 || s[0] !== 0) throw new C509Error("signature BIT STRING with unused bits", "signature");
  const [pkAlg, pk] = publicKeyFromSpki(expect(spki, T.SEQUENCE, "subjectPKInfo").der, { native: false, compress: o.compressPoints ?? true });
  const c: C509Csr = {
    type: CSR_TYPE_REENCODED, subjectSignatureAlgorithm: sigAlg, subject: nameFromDer(expect(subject, T.SEQUENCE, "subject").der, "subject"),
    subjectPublicKeyAlgorithm: pkAlg, subjectPublicKey: pk,
    attributes: attributesFromDer(derItems(expect(attrs, 0xa0, "attributes").value).map((t) => t.der), false),
    subjectSignatureValue: signatureFromDer(algEntry(sigAlg, "sig", "signatureAlgorithm"), s.subarray(1)),
  };
  if (!bytesEqual(csrToPkcs10(c), der)) throw new C509Error("this CSR cannot be re-encoded losslessly (not DER, or outside what C509 carries)", "PKCS#10");
  return c;
}

// ---- Building and verifying -------------------------------------------------------------------------------------------
export interface CsrBuild {
  /** 2 (natively signed) or 3 (signature over the DER certificationRequestInfo). */
  type?: number;
  subject: CborValue;
  spki: Uint8Array;
  extensions?: X509Extension[];
  challengePassword?: string;
  /** Proof of possession: a signing key (P-256 / Ed25519), or the DH PoP inputs. */
  signer?: KeyObject;
  /** DH PoP: ZZ already computed with the enrolled private key, and the recipient key G_Y (32 bytes). */
  dhPop?: { zz: Uint8Array; gY: Uint8Array };
}

/** Build and sign (or MAC) a C509 CSR. */
export function buildCsr(b: CsrBuild): C509Csr {
  const type = b.type ?? CSR_TYPE_NATIVE;
  const native = type === CSR_TYPE_NATIVE;
  const [pkAlg, pk] = publicKeyFromSpki(b.spki, { native, compress: true });
  const attributes: CborValue[] = [];
  if (b.extensions?.length) attributes.push(CR_EXTENSION_REQUEST.value, extensionsFromX509(b.extensions, native));
  if (b.challengePassword !== undefined) attributes.push(CR_CHALLENGE_PASSWORD.value, b.challengePassword);
  // The attributes in the order of their DER encodings (a SET OF), which C509 arrays follow (draft §3).
  const pairs: [CborValue, CborValue][] = [];
  for (let i = 0; i < attributes.length; i += 2) pairs.push([attributes[i], attributes[i + 1]]);
  pairs.sort((x, y) => derSetOrder(attributesToDer([...x], type)[0], attributesToDer([...y], type)[0]));
  attributes.splice(0, attributes.length, ...pairs.flat());
  const alg = b.dhPop ? DH_POP_ALG : b.signer ? signWith(b.signer, new Uint8Array(0))[0] : undefined;
  if (alg === undefined) throw new C509Error("a CSR needs a signer or DH PoP inputs");
  const c: C509Csr = { type, subjectSignatureAlgorithm: alg, subject: b.subject, subjectPublicKeyAlgorithm: pkAlg, subjectPublicKey: pk, attributes, subjectSignatureValue: new Uint8Array(0) };
  const data = native ? tbsCsrCbor(c) : tbsCsrDer(c);
  c.subjectSignatureValue = b.dhPop ? dhPopMac(b.dhPop.zz, b.dhPop.gY, data) : signWith(b.signer!, data)[1];
  checkCsr(c);
  return c;
}

/** The bytes the CSR's signature (or MAC) covers. */
export const csrSignedBytes = (c: C509Csr) => (c.type === CSR_TYPE_NATIVE ? tbsCsrCbor(c) : tbsCsrDer(c));
export const csrPublicKey = (c: C509Csr) => publicKeyObject(c.subjectPublicKeyAlgorithm, c.subjectPublicKey);
export const csrSpki = (c: C509Csr) => publicKeyToSpki(c.subjectPublicKeyAlgorithm, c.subjectPublicKey, "subjectPublicKey");

/** Verify a signature-based proof of possession with the CSR's own key. False for a DH PoP CSR (use
 *  verifyCsrDhPop) or a bad signature. */
export function verifyCsr(c: C509Csr): boolean {
  const alg = algEntry(c.subjectSignatureAlgorithm, "sig", "subjectSignatureAlgorithm");
  if (!alg || alg.value === DH_POP_ALG) return false;
  return verifySignature(alg, csrSignedBytes(c), c.subjectSignatureValue, csrPublicKey(c));
}

/** Verify a DH proof of possession: zz computed by the recipient from its private key and the CSR's key. */
export function verifyCsrDhPop(c: C509Csr, zz: Uint8Array, gY: Uint8Array): boolean {
  const alg = algEntry(c.subjectSignatureAlgorithm, "sig", "subjectSignatureAlgorithm");
  if (alg?.value !== DH_POP_ALG || !isBytes(c.subjectSignatureValue)) return false;
  return macEqual(dhPopMac(zz, gY, csrSignedBytes(c)), c.subjectSignatureValue);
}
