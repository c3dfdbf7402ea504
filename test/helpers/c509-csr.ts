// C509 CSRs (and the same content as DER PKCS#10) made with tools/c509 the way the device makes its CSR
// (assembly/pki/c509-csr.ts, est/enroll.ts): subject CN "est-oscore-device" unless told, a critical keyUsage
// (digitalSignature for a signing key, keyAgreement for a static DH key), an optional dNSName, and the proof of
// possession: ES256, Ed25519, or the DH MAC keyed by the EDHOC run's G_Y (docs/dh-pop.md). For the server
// tests, the BouncyCastle checks and the air-bytes benchmark, until the device sends C509 CSRs itself.
//
// Deliberately not here: anything the device does not put in a CSR (challengePassword aside, for tests).

import { createECDH, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import * as c5 from "../../tools/c509/index.js";
import { p256Scalar } from "../../tools/server/responder.js";

export type CsrKind = "es256" | "ed25519" | "p256-dh" | "x25519-dh";

/** A CSR as a device would send it, with its key (for checks) and both encodings of the same content. */
export interface DeviceCsr { kind: CsrKind; c509: c5.C509Csr; bytes: Uint8Array; spki: Uint8Array; der?: Uint8Array; priv: KeyObject }

const P256_SPKI = "3059301306072a8648ce3d020106082a8648ce3d030107034200";

/** A fresh key of the kind (P-256 for es256 and p256-dh, Ed25519, X25519) as node KeyObjects and SPKI. */
export function deviceKey(kind: CsrKind): { priv: KeyObject; spki: Uint8Array; raw32?: Uint8Array } {
  if (kind === "p256-dh") {
    const e = createECDH("prime256v1"); e.generateKeys();
    const raw32 = p256Scalar(e);
    const spki = c5.unhex(P256_SPKI + e.getPublicKey("hex", "uncompressed"));
    const jwkPub = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }).export({ format: "jwk" });
    const priv = createPrivateKey({ key: { ...jwkPub, d: Buffer.from(raw32).toString("base64url") }, format: "jwk" });
    return { priv, spki, raw32 };
  }
  const { privateKey } = kind === "es256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : kind === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("x25519");
  return { priv: privateKey, spki: new Uint8Array(createPublicKey(privateKey).export({ format: "der", type: "spki" })) };
}

/** ZZ of the DH proof of possession with the device's key and G_Y (32 bytes). */
export function deviceZz(kind: CsrKind, key: { priv: KeyObject; raw32?: Uint8Array }, gY: Uint8Array): Uint8Array {
  if (kind === "p256-dh") return c5.p256Zz(key.raw32!, gY);
  const gYKey = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b656e032100", "hex"), gY]), format: "der", type: "spki" });
  return c5.x25519Zz(key.priv, gYKey);
}

/**
 * Build the device's CSR: `type` 2 (natively signed) or 3 (signed over the DER certificationRequestInfo; `der`
 * is then the PKCS#10 it re-encodes). DH kinds need gY. `key` reuses a key (same content in several forms).
 */
export function deviceCsr(o: { kind: CsrKind; type: 2 | 3; gY?: Uint8Array; cn?: string; dns?: string; challengePassword?: string; key?: ReturnType<typeof deviceKey> }): DeviceCsr {
  const key = o.key ?? deviceKey(o.kind);
  const dh = o.kind === "p256-dh" || o.kind === "x25519-dh";
  const extensions: c5.X509Extension[] = [{ oid: "2.5.29.15", critical: true, value: c5.unhex(dh ? "03020308" : "03020780") }];
  if (o.dns) extensions.push({ oid: "2.5.29.17", critical: false, value: Uint8Array.from([0x30, o.dns.length + 2, 0x82, o.dns.length, ...Buffer.from(o.dns, "latin1")]) });
  if (dh && !o.gY) throw new Error("a DH proof of possession needs G_Y");
  const c509 = c5.buildCsr({
    type: o.type, subject: c5.cnName(o.cn ?? "est-oscore-device"), spki: key.spki, extensions, challengePassword: o.challengePassword,
    ...(dh ? { dhPop: { zz: deviceZz(o.kind, key, o.gY!), gY: o.gY! } } : { signer: key.priv }),
  });
  return { kind: o.kind, c509, bytes: c5.encodeCsr(c509), spki: key.spki, der: o.type === 3 ? c5.csrToPkcs10(c509) : undefined, priv: key.priv };
}

/** A DER CSR with the same content (type 3's PKCS#10). */
export const derCsr = (o: Parameters<typeof deviceCsr>[0]) => deviceCsr({ ...o, type: 3 }).der!;

