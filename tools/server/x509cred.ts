// X.509 certificates as EDHOC credentials (RFC 9528 §3.5.2, RFC 9360): the development CA certifies the server's
// EDHOC keys (and a device's, when it is provisioned with an X.509 credential). CRED_x is then the DER
// certificate as a CBOR byte string; ID_CRED_x is {34: [-15, SHA-256/64 hash]} (x5t: the peer has the
// certificate already) or {33: certificate} (x5chain: the certificate travels, and the peer checks it against
// its trust anchor); issued through intermediate CAs, {33: [certificate, intermediates...]} (RFC 9360 §2).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ca, derItems, type Csr } from "./pki.js";
import { p256 } from "@noble/curves/nist.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { type AuthKind, type Credential, unhex } from "./identity.js";

/** ccs: a CCS identified by kid; kccs: a CCS sent by value ({14: CCS}); x5t / x5chain: an X.509 certificate;
 *  c5t / c5c: a C509 certificate (c509cred.ts). */
export type CredStyle = "ccs" | "kccs" | "x5t" | "x5chain" | "c5t" | "c5c";
/** Every CredStyle, for command lines. */
export const CRED_STYLES: readonly CredStyle[] = ["ccs", "kccs", "x5t", "x5chain", "c5t", "c5c"];

const SPKI_PREFIX = {
  p256: "3059301306072a8648ce3d020106082a8648ce3d030107034200",
  x25519: "302a300506032b656e032100",
  ed25519: "302a300506032b6570032100",
};

/** The SubjectPublicKeyInfo of an EDHOC authentication key (full P-256 point, or a 32-byte key). */
export function spkiOf(suite: number, kind: AuthKind, point: Uint8Array): { kind: "p256" | "x25519" | "ed25519"; raw: Uint8Array; spkiDer: Uint8Array } {
  const k = suite === 2 ? "p256" : kind === "dh" ? "x25519" : "ed25519";
  return { kind: k, raw: point, spkiDer: Uint8Array.from([...unhex(SPKI_PREFIX[k]), ...point]) };
}

/** The request the CA issues an EDHOC key's certificate from (its proof of possession is the provisioning
 *  itself): the key, and a DH marker for static DH keys (keyUsage keyAgreement). */
export function credentialCsr(cn: string, suite: number, kind: AuthKind, point: Uint8Array): Csr {
  return { der: new Uint8Array(0), certificationRequestInfo: new Uint8Array(0), subject: { der: new Uint8Array(0), text: cn }, publicKey: spkiOf(suite, kind, point),
    signatureAlgorithm: kind === "dh" ? "1.3.6.1.5.5.7.6.26" : "", signature: new Uint8Array(0), extensions: [] };
}

/** Issue (once; then read back) a certificate for an EDHOC key, kept in `file`: by the CA in caDir, or by `ca`. */
export function edhocCertificate(caDir: string | Ca, file: string, cn: string, suite: number, kind: AuthKind, point: Uint8Array): Uint8Array {
  if (existsSync(file)) return new Uint8Array(readFileSync(file));
  const ca = typeof caDir === "string" ? Ca.openSync(caDir, { keyType: "p256", subject: "EST-oscore development CA" }) : caDir;
  const der = ca.issue(credentialCsr(cn, suite, kind, point), { validityDays: 3650, subjectCn: cn });
  writeFileSync(file, der);
  return der;
}

/** The DER inside a CRED_x that is a certificate (a CBOR bstr), or the input when it is not one. */
export function certOfCred(c: Uint8Array): Uint8Array {
  if (c[0] === 0x59 && c.length === 3 + ((c[1] << 8) | c[2])) return c.subarray(3);
  if (c[0] === 0x58 && c.length === 2 + c[1]) return c.subarray(2);
  return c;
}
export const credOfCert = (der: Uint8Array) => Uint8Array.from([0x59, der.length >> 8, der.length & 0xff, ...der]); // bstr, 256..65535 bytes
export const x5tOf = (der: Uint8Array) => Uint8Array.from([0xa1, 0x18, 0x22, 0x82, 0x2e, 0x48, ...createHash("sha256").update(der).digest().subarray(0, 8)]);
/** ID_CRED_x = {33: x5chain}: the certificate, or with intermediates [certificate, intermediates...]. */
export const x5chainOf = (der: Uint8Array, intermediates: Uint8Array[] = []) => intermediates.length === 0
  ? Uint8Array.from([0xa1, 0x18, 0x21, ...credOfCert(der)])
  : Uint8Array.from([0xa1, 0x18, 0x21, 0x81 + intermediates.length, ...[der, ...intermediates].flatMap((c) => [...credOfCert(c)])]);

/** The subject Name (DER) of a certificate: tbsCertificate's sixth field ([0] version, serial, signature,
 *  issuer, validity, subject). */
export function subjectOf(der: Uint8Array): Uint8Array {
  const tbs = derItems(derItems(der)[0].value)[0];
  return derItems(tbs.value)[5].der;
}

/** The public key (full P-256 point or 32 bytes) of an EDHOC private key. */
export function pointOf(suite: number, kind: AuthKind, priv: Uint8Array): Uint8Array {
  return suite === 2 ? p256.getPublicKey(priv, false) : kind === "dh" ? x25519.getPublicKey(priv) : ed25519.getPublicKey(priv);
}

/** The server's certificate for one of its EDHOC credentials, issued on first use into the server folder: by
 *  the root CA, or by `issuing` (an intermediate CA; then x5chain carries its chain up to the root). */
export function serverCertificate(serverDir: string, c: Credential, issuing?: Ca): Uint8Array {
  const file = join(serverDir, `edhoc-s${c.suite}-${c.kind}${issuing ? `-via-${issuing.id.slice(0, 8)}` : ""}.der`);
  return edhocCertificate(issuing ?? join(serverDir, "ca"), file, "est-oscore-server", c.suite, c.kind, pointOf(c.suite, c.kind, unhex(c.priv)));
}
