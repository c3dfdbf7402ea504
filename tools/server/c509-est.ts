// The C509 side of the EST resources (EST-oscore draft -11 §5.2.2; draft-ietf-cose-cbor-encoded-cert §3-§4):
//
//   - a C509 CSR (application/cose-c509-pkcs10, types 2 and 3) in the CA's terms (pki.ts Csr), so the identity
//     policy (policy.ts) and the CA treat it as they treat a DER CSR;
//   - its proof of possession: a signature (ES256, Ed25519) checked with tools/c509, or the static-DH MAC
//     (C509 algorithm 14) keyed by the EDHOC run's G_Y as docs/dh-pop.md profiles it, exactly as for DER CSRs;
//   - the answers: COSE_C509 (application/cose-c509-cert), c5t references (COSE_CertHash over
//     ~C509Certificate), c5u URIs, and the multipart-core answer to a C509 CSR without Accept.
//
// Deliberately not here: the CoAP resources and their negotiation (est.ts), content-format numbers
// (formats.ts), issuing (pki.ts), the classic RFC 6955 key derivation (DhSigStatic naming a recipient
// certificate; docs/c509.md: not offered for C509 CSRs), the possession statement attribute.

import { createHash } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { x25519 } from "@noble/curves/ed25519.js";
import {
  C509Error, Tag, algEntry, algToDer, csrSpki, decodeCsr, encodeCertificate, encodeCoseC509, encodeItem, isBytes,
  macEqual, dhPopMac, nameToDer, requestedExtensions, csrToPkcs10, signatureToDer, tbsCsrDer, verifyCsr, verifyCsrDhPop,
  CSR_TYPE_REENCODED, DH_POP_ALG, type C509Certificate, type C509Csr, type CertForm, type CborValue,
} from "../c509/index.js";
import { CR_CHALLENGE_PASSWORD } from "../c509/registry.js";
import { derItems, nameText, oidText, publicKeyOfSpki, type Csr, type CsrPublicKey } from "./pki.js";

/** C509 signature algorithm values the server accepts as a CSR signature, with the key kind each needs. */
const SIG_KEYS: Record<number, CsrPublicKey["kind"]> = { 0: "p256", 12: "ed25519" };
const P256_SPKI_PREFIX = Uint8Array.from(Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex"));

/** A C509 CSR and the same request in the CA's terms. */
export interface C509Request { c509: C509Csr; csr: Csr }

/**
 * Decode a C509CertificationRequest (strict: tools/c509 decodeCsr) and describe it as the CA's Csr: subject as
 * DER, the key as an uncompressed SubjectPublicKeyInfo (P-256, Ed25519, X25519 only), the requested extensions
 * and challengePassword. `der` is the DER PKCS#10 a type 3 request re-encodes (empty for type 2, which has
 * none). Throws C509Error or DerError with the reason.
 */
export function c509Request(bytes: Uint8Array): C509Request {
  const c = decodeCsr(bytes);
  let spki = csrSpki(c);
  // A P-256 key in compressed form (02/03 natively): the CA writes it uncompressed, as the DER path does.
  const bits = derItems(derItems(spki)[0].value)[1].value.subarray(1);
  if (bits.length === 33 && (bits[0] === 2 || bits[0] === 3)) {
    let full: Uint8Array;
    try { full = p256.Point.fromBytes(bits).toBytes(false); } catch { throw new C509Error("P-256 key is not on the curve", "subjectPublicKey"); }
    spki = Uint8Array.from([...P256_SPKI_PREFIX, ...full]);
  }
  const subjectDer = nameToDer(c.subject, "subject");
  const alg = derItems(derItems(algToDer(c.subjectSignatureAlgorithm, "sig", "subjectSignatureAlgorithm"))[0].value)[0];
  let challengePassword: string | undefined;
  for (let i = 0; i < c.attributes.length; i += 2) {
    if (c.attributes[i] !== CR_CHALLENGE_PASSWORD.value) continue;
    const v = c.attributes[i + 1];
    challengePassword = v instanceof Tag ? String(v.contents) : String(v);
  }
  const csr: Csr = {
    der: c.type === CSR_TYPE_REENCODED ? csrToPkcs10(c) : new Uint8Array(0),
    certificationRequestInfo: tbsCsrDer(c),
    subject: { der: subjectDer, text: nameText(subjectDer) },
    publicKey: publicKeyOfSpki(spki),
    signatureAlgorithm: oidText(alg.value),
    signature: signatureToDer(algEntry(c.subjectSignatureAlgorithm, "sig", "subjectSignatureAlgorithm"), c.subjectSignatureValue),
    extensions: requestedExtensions(c).map((e) => ({ oid: e.oid, critical: e.critical, value: e.value })),
    challengePassword,
  };
  return { c509: c, csr };
}

/** What the DH proof of possession needs from the OSCORE context: the EDHOC run's y and G_Y, and its suite. */
export interface DhPopContext { y?: Uint8Array; gY?: Uint8Array; suite: number }

/** ZZ of the static-DH proof of possession: ECDH(y, the CSR's key), on the curve of the EDHOC suite (P-256
 *  x-coordinate for suite 2, X25519 for suite 0). A string says why it cannot be computed. */
export function popZz(k: CsrPublicKey, c: DhPopContext): Uint8Array | string {
  if (!c.y || !c.gY) return "DH proof of possession needs EDHOC: this OSCORE context has no ephemeral key";
  try {
    if (k.kind === "p256" && c.suite === 2) return p256.getSharedSecret(c.y, k.raw).slice(1, 33);
    if (k.kind === "x25519" && c.suite === 0) return x25519.getSharedSecret(c.y, k.raw);
  } catch { return "DH proof of possession: invalid public key"; }
  return "DH proof of possession: the key is not on the curve of the EDHOC suite";
}

/**
 * The proof of possession of a C509 CSR: a signature by the CSR's own key (ES256 with a P-256 key, Ed25519
 * with an Ed25519 key; over the CBOR TBS for type 2, the DER certificationRequestInfo for type 3), or the
 * DH MAC (algorithm 14) with K from ZZ and G_Y (docs/dh-pop.md). true, or the reason it fails.
 */
export function c509Pop(r: C509Request, ctx: DhPopContext): true | string {
  const alg = algEntry(r.c509.subjectSignatureAlgorithm, "sig", "subjectSignatureAlgorithm");
  if (alg?.value === DH_POP_ALG) {
    if (!isBytes(r.c509.subjectSignatureValue)) return "DhSigStatic naming a recipient certificate is not offered for C509 CSRs (the MAC is keyed by G_Y)";
    const zz = popZz(r.csr.publicKey, ctx);
    if (typeof zz === "string") return zz;
    return verifyCsrDhPop(r.c509, zz, ctx.gY!) ? true : "DH proof of possession MAC does not verify";
  }
  if (alg === undefined || SIG_KEYS[alg.value] !== r.csr.publicKey.kind) return `signature algorithm ${alg?.name ?? "(not registered)"} is not accepted for a ${r.csr.publicKey.kind} key`;
  return verifyCsr(r.c509) ? true : "CSR signature does not verify";
}

/** The DH MAC check of a DER CSR (DhSigStatic = SEQUENCE { OCTET STRING mac }), keyed as for C509. */
export function derDhPop(csr: Csr, ctx: DhPopContext): true | string {
  const zz = popZz(csr.publicKey, ctx);
  if (typeof zz === "string") return zz;
  const sig = csr.signature;
  if (sig.length !== 36 || sig[0] !== 0x30 || sig[1] !== 0x22 || sig[2] !== 0x04 || sig[3] !== 0x20) return "malformed DhSigStatic";
  return macEqual(dhPopMac(zz, ctx.gY!, csr.certificationRequestInfo), sig.subarray(4)) ? true : "DH proof of possession MAC does not verify";
}

// ---- Answers ------------------------------------------------------------------------------------------------------

/** COSE_CertHash hash algorithms: -15 SHA-256/64 (the default, as the server's x5t), -16 SHA-256. */
export const HASH_SHA256_64 = -15, HASH_SHA256 = -16;

/** The c5t of a certificate: COSE_CertHash [alg, hash of ~C509Certificate] (draft §3.4), encoded. */
export function c5tHash(c: C509Certificate, alg = HASH_SHA256_64): Uint8Array {
  return encodeItem([alg, c5tValue(encodeCertificate(c, "sequence"), alg)]);
}
/** The hash value of a c5t over the bytes of ~C509Certificate. */
export function c5tValue(seqBytes: Uint8Array, alg: number): Uint8Array {
  const h = new Uint8Array(createHash("sha256").update(seqBytes).digest());
  if (alg === HASH_SHA256_64) return h.subarray(0, 8);
  if (alg === HASH_SHA256) return h;
  throw new C509Error(`COSE_CertHash algorithm ${alg} is not supported (-15, -16)`);
}

/** application/multipart-core (RFC 8710): [ content-format, representation, ... ]. */
export function multipartCore(parts: { cf: number; payload: Uint8Array }[]): Uint8Array {
  return encodeItem(parts.flatMap((p) => [p.cf, p.payload] as CborValue[]));
}

/** A c5u as application/cbor: the URI as a CBOR text string. */
export const c5uPayload = (uri: string) => encodeItem(uri);

/** COSE_C509 of certificates in either wrapping (tools/c509 encodeCoseC509). */
export const coseC509 = (certs: C509Certificate[], form: CertForm) => encodeCoseC509(certs, form);
