// The static-DH proof of possession of a C509 CSR (C509 signature algorithm 14, "PoP with SHA-256 and
// HMAC-SHA256", OID 1.3.6.1.5.5.7.6.26), keyed as docs/dh-pop.md profiles it for EST-oscore:
//
//   ZZ  = ECDH(enrolled key, recipient key G_Y)          (P-256 x-coordinate, or X25519 output)
//   K   = HKDF-SHA-256(salt = empty, IKM = ZZ, info = "EST-oscore DH-PoP v1" || G_Y, L = 32)
//   MAC = HMAC-SHA-256(K, to-be-signed bytes)
//
// The to-be-signed bytes are the CBOR TBSCertificationRequest for a natively signed (type 2) C509 CSR and
// the DER certificationRequestInfo for a re-encoded (type 3) one; the C509 signature value is the MAC as a
// byte string (DhSigStatic's MessageDigest form). Either side can compute it: the device with its private
// key and G_Y, the server with its ephemeral private key y and the CSR's public key (ECDH is symmetric).
//
// Deliberately not here: the classic RFC 6955 §6 key (recipient certificate, SHA-256 of the names), and the
// SHA-384 / SHA-512 variants 15 and 16.

import { createECDH, createHmac, diffieHellman, hkdfSync, timingSafeEqual, type KeyObject, ECDH } from "node:crypto";
import { C509Error } from "./cbor.js";

export const DH_POP_ALG = 14;
export const DH_POP_LABEL = "EST-oscore DH-PoP v1";

/** ZZ for P-256: x-coordinate of priv * pub; pub may be 32 bytes x-only (EDHOC's G_Y; the even y is taken,
 *  the sign does not change x), 33 compressed or 65 uncompressed bytes. */
export function p256Zz(priv32: Uint8Array, pub: Uint8Array): Uint8Array {
  const full = pub.length === 32 ? Buffer.concat([Buffer.of(2), pub]) : Buffer.from(pub);
  const e = createECDH("prime256v1");
  e.setPrivateKey(Buffer.from(priv32));
  try {
    return new Uint8Array(e.computeSecret(ECDH.convertKey(full, "prime256v1", undefined, undefined, "uncompressed") as Buffer));
  } catch { throw new C509Error("recipient or subject key is not a P-256 point"); }
}

/** ZZ for X25519 with node KeyObjects (the private key of one side, the public key of the other). */
export function x25519Zz(priv: KeyObject, pub: KeyObject): Uint8Array {
  const zz = new Uint8Array(diffieHellman({ privateKey: priv, publicKey: pub }));
  if (zz.every((b) => b === 0)) throw new C509Error("X25519 output is all zero");
  return zz;
}

/** K and the MAC over `data` from ZZ and the recipient key G_Y (32 bytes). */
export function dhPopMac(zz: Uint8Array, gY: Uint8Array, data: Uint8Array): Uint8Array {
  if (gY.length !== 32) throw new C509Error("G_Y must be 32 bytes");
  const info = Buffer.concat([Buffer.from(DH_POP_LABEL, "ascii"), gY]);
  const k = Buffer.from(hkdfSync("sha256", zz, Buffer.alloc(0), info, 32));
  const mac = new Uint8Array(createHmac("sha256", k).update(data).digest());
  k.fill(0);
  return mac;
}

/** Constant-time comparison of a received MAC with the expected one. */
export function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
