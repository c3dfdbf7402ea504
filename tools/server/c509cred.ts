// C509 certificates as EDHOC credentials (RFC 9528 §3.5.2; draft-ietf-cose-cbor-encoded-cert §3.4): the
// development CA certifies the server's EDHOC keys (and a device's, when it is provisioned with a C509
// credential) with natively signed (type 2) C509 certificates, kept next to the X.509 ones (x509cred.ts).
//
//   CRED_x  = C509Certificate, the 11-item array (RFC 9528 §3.5.2: "CRED_x SHALL be the C509Certificate")
//   c5t     = {22: COSE_CertHash}: [-15, SHA-256/64 of ~C509Certificate] (the peer has the certificate)
//   c5c     = {25: COSE_C509}: the certificate travels as C509CertData, a byte string holding
//             ~C509Certificate (the draft text in shared/specs) or the array (draft -20, BouncyCastle)
//
// COSE header parameter labels 22 (c5t) and 25 (c5c) are the C509 draft's ("C509 COSE Header Parameters").
// Deliberately not here: c5b (bags) and c5u (by URI) as ID_CRED_x, chains longer than one certificate.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  C509Error, asArray, asBytes, asInt, decodeCertificate, decodeCoseC509, decodeItem, encodeCertificate, encodeCoseC509, encodeItem,
  type C509Certificate, type CertForm,
} from "../c509/index.js";
import { Ca } from "./pki.js";
import { type AuthKind, type Credential, unhex } from "./identity.js";
import { credentialCsr, pointOf } from "./x509cred.js";
import { c5tValue, HASH_SHA256_64 } from "./c509-est.js";

export const LABEL_C5T = 22, LABEL_C5C = 25;

/** Issue (once; then read back) a natively signed C509 certificate for an EDHOC key, kept in `file` (the
 *  C509Certificate array). */
export function edhocC509Certificate(caDir: string, file: string, cn: string, suite: number, kind: AuthKind, point: Uint8Array): C509Certificate {
  if (existsSync(file)) return decodeCertificate(new Uint8Array(readFileSync(file)));
  const ca = Ca.openSync(caDir, { keyType: "p256", subject: "EST-oscore development CA" });
  const { c509 } = ca.issueC509(credentialCsr(cn, suite, kind, point), { validityDays: 3650, subjectCn: cn }, 2);
  writeFileSync(file, encodeCertificate(c509, "array"));
  return c509;
}

/** The server's C509 certificate for one of its EDHOC credentials, issued on first use into the server folder. */
export function serverC509Certificate(serverDir: string, c: Credential): C509Certificate {
  return edhocC509Certificate(join(serverDir, "ca"), join(serverDir, `edhoc-s${c.suite}-${c.kind}.c509`), "est-oscore-server", c.suite, c.kind, pointOf(c.suite, c.kind, unhex(c.priv)));
}

/** CRED_x of a C509 certificate: the C509Certificate array. */
export const credOfC509 = (c: C509Certificate) => encodeCertificate(c, "array");
/** ID_CRED_x = {22: [-15, SHA-256/64 of ~C509Certificate]} (c5t). */
export const c5tOf = (c: C509Certificate) => Uint8Array.from([0xa1, LABEL_C5T, ...encodeItem([HASH_SHA256_64, c5tValue(encodeCertificate(c, "sequence"), HASH_SHA256_64)])]);
/** ID_CRED_x = {25: COSE_C509} with the one certificate (c5c). */
export const c5cOf = (c: C509Certificate, form: CertForm = "sequence") => Uint8Array.from([0xa1, 0x18, LABEL_C5C, ...encodeCoseC509([c], form)]);

/** An ID_CRED_x that is a c5t or a c5c, read: the hash (algorithm and value) or the certificates. undefined for
 *  any other map; a C509Error for a c5t / c5c that is malformed. */
export function c509IdCred(m: Uint8Array): { c5t: { alg: number; hash: Uint8Array } } | { c5c: C509Certificate[] } | undefined {
  if (m.length > 2 && m[0] === 0xa1 && m[1] === LABEL_C5T) {
    const [alg, hash] = asArray(decodeItem(m.subarray(2), "c5t"), "c5t", 2, 2);
    return { c5t: { alg: asInt(alg, "c5t[0]"), hash: asBytes(hash, "c5t[1]") } };
  }
  if (m.length > 3 && m[0] === 0xa1 && m[1] === 0x18 && m[2] === LABEL_C5C) return { c5c: decodeCoseC509(m.subarray(3)) };
  return undefined;
}

/** Whether a C509 CRED_x (the array) has this c5t hash. */
export function matchesC5t(credArray: Uint8Array, t: { alg: number; hash: Uint8Array }): boolean {
  try {
    const v = c5tValue(encodeCertificate(decodeCertificate(credArray), "sequence"), t.alg);
    return v.length === t.hash.length && Buffer.from(v).equals(Buffer.from(t.hash));
  } catch (e) { if (e instanceof C509Error) return false; throw e; }
}
