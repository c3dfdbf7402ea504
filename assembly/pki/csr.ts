// PKCS#10 certification requests (RFC 2986) built in DER by the module, with proof of possession by
// signature (ES256 or Ed25519) or, for a static Diffie-Hellman key, by the MAC of RFC 6955 as profiled for
// EST-oscore in docs/dh-pop.md (the draft leaves the KDF inputs open; that file fixes them byte by byte).
//
//   CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
//   certificationRequestInfo ::= SEQUENCE { version 0, subject Name, subjectPKInfo, attributes [0] }
//
// The subject is one CN; the attributes carry an extensionRequest with keyUsage (digitalSignature for a
// signature key, keyAgreement for a DH key) and, when given, a subjectAltName dNSName, and optionally a
// challengePassword.

import { OK, E_LIMIT, E_USAGE, E_CRYPTO_KEY } from "../base/errors";
import {
  DerWriter, DER_SEQUENCE, DER_SET, DER_INTEGER, DER_OCTET_STRING, DER_BOOLEAN, DER_BIT_STRING, DER_UTF8,
  derCtx, derCtxPrim, OID_EC_PUBLIC_KEY, OID_PRIME256V1, OID_ECDSA_SHA256, OID_ED25519, OID_X25519, OID_CN,
  OID_EXTENSION_REQUEST, OID_KEY_USAGE, OID_SUBJECT_ALT_NAME, OID_DH_POP_SHA256,
} from "../der/der";
import { sha256, hmacSha256, hkdfExtract, hkdfExpand, keyEcdh, keySign, wipe } from "../crypto/index";
import { KeyPair, KEY_P256_ECDSA, KEY_ED25519, KEY_P256_DH, KEY_X25519_DH, keyIsDh } from "./keys";
import { CSR_INFO_CAPACITY } from "../base/config";

const OID_CHALLENGE_PASSWORD: StaticArray<u8> = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x07]; // 1.2.840.113549.1.9.7
/** The info labels of the DH-PoP key derivation (docs/dh-pop.md): keyed by G_Y, and classic RFC 6955. */
export const DH_POP_LABEL = "EST-oscore DH-PoP v1";
export const DH_POP_CERT_LABEL = "EST-oscore DH-PoP cert v1";

export class CsrSpec {
  /** The key to certify (its private part proves possession). */
  key: KeyPair = new KeyPair();
  /** Subject CN and optional subjectAltName dNSName / challengePassword (ASCII). */
  cn: usize = heap.alloc(64);
  cnLen: i32 = 0;
  dns: usize = heap.alloc(64);
  dnsLen: i32 = 0;
  password: usize = heap.alloc(64);
  passwordLen: i32 = 0;
  /** DH PoP: the recipient's public key (32 bytes: the x-coordinate of a P-256 point, or an X25519 key). */
  recipient: usize = heap.alloc(32);
  /** Classic RFC 6955 §6 instead (the recipient key from a certificate): that certificate's subject, issuer
   *  (DER Names) and serial (INTEGER content); K from OSCORE's HKDF with the names in its info (dhPopMac), and
   *  DhSigStatic names the certificate by issuerAndSerial. */
  classic: bool = false;
  rSubject: usize = heap.alloc(256);
  rSubjectLen: i32 = 0;
  rIssuer: usize = heap.alloc(256);
  rIssuerLen: i32 = 0;
  rSerial: usize = heap.alloc(24);
  rSerialLen: i32 = 0;
}

export const csrSpec = new CsrSpec();

/** Write the SubjectPublicKeyInfo of a key. */
export function writeSpki(w: DerWriter, kind: i32, pub: usize, pubLen: i32): void {
  w.open(DER_SEQUENCE).open(DER_SEQUENCE);
  if (kind == KEY_P256_ECDSA || kind == KEY_P256_DH) w.oid(OID_EC_PUBLIC_KEY).oid(OID_PRIME256V1);
  else w.oid(kind == KEY_ED25519 ? OID_ED25519 : OID_X25519);
  w.close().bits(pub, pubLen).close();
}

// One writer for both parts: the certificationRequestInfo is finished before the outer SEQUENCE starts.
const infoW = new DerWriter();
const outW = infoW;
const mac = memory.data(32, 8);
const sig = memory.data(72, 8);

/**
 * Build the CSR of spec into out. Returns its length or a status. For a DH key, spec.recipient must hold
 * the recipient public key. info is scratch for the to-be-signed part (CSR_INFO_CAPACITY bytes), wiped after.
 */
export function csrBuild(spec: CsrSpec, out: usize, cap: i32, info: usize): i32 {
  const k = spec.key;
  if (k.pubLen == 0) return E_CRYPTO_KEY;
  const dh = keyIsDh(k.kind);
  // certificationRequestInfo
  const w = infoW.reset(info, CSR_INFO_CAPACITY);
  w.open(DER_SEQUENCE).smallInt(0);
  w.open(DER_SEQUENCE).open(DER_SET).open(DER_SEQUENCE).oid(OID_CN).open(DER_UTF8).raw(spec.cn, spec.cnLen).close()
    .close().close().close();
  writeSpki(w, k.kind, k.pub, k.pubLen);
  w.open(derCtx(0));
  if (spec.passwordLen > 0) {
    w.open(DER_SEQUENCE).oid(OID_CHALLENGE_PASSWORD).open(DER_SET).open(DER_UTF8).raw(spec.password, spec.passwordLen)
      .close().close().close();
  }
  w.open(DER_SEQUENCE).oid(OID_EXTENSION_REQUEST).open(DER_SET).open(DER_SEQUENCE);
  // keyUsage, critical: digitalSignature (bit 0) = 03 02 07 80, keyAgreement (bit 4) = 03 02 03 08
  w.open(DER_SEQUENCE).oid(OID_KEY_USAGE).open(DER_BOOLEAN).byte(0xff).close().open(DER_OCTET_STRING)
    .open(DER_BIT_STRING).byte(dh ? 3 : 7).byte(dh ? 0x08 : 0x80).close().close().close();
  if (spec.dnsLen > 0) {
    w.open(DER_SEQUENCE).oid(OID_SUBJECT_ALT_NAME).open(DER_OCTET_STRING).open(DER_SEQUENCE)
      .open(derCtxPrim(2)).raw(spec.dns, spec.dnsLen).close().close().close().close();
  }
  w.close().close().close(); // extensions, SET, Attribute
  w.close(); // [0]
  w.close(); // certificationRequestInfo
  const n = w.finish();
  if (n < 0) return n;
  // Proof of possession over the DER of certificationRequestInfo.
  const o = outW.reset(out, cap);
  o.open(DER_SEQUENCE).raw(info, n);
  if (dh) {
    const st = dhPopMac(spec, info, n, CSR_INFO_CAPACITY - n, mac);
    if (st != OK) return st;
    o.open(DER_SEQUENCE).oid(OID_DH_POP_SHA256).close();
    // DhSigStatic ::= SEQUENCE { issuerAndSerial IssuerAndSerialNumber OPTIONAL, hashValue MessageDigest }:
    // issuerAndSerial names the recipient's certificate (classic), absent when the key is G_Y.
    o.open(DER_BIT_STRING).byte(0).open(DER_SEQUENCE);
    if (spec.classic) o.open(DER_SEQUENCE).raw(spec.rIssuer, spec.rIssuerLen).prim(DER_INTEGER, spec.rSerial, spec.rSerialLen).close();
    o.prim(DER_OCTET_STRING, mac, 32).close().close();
    wipe(mac, 32);
  } else if (k.kind == KEY_P256_ECDSA) {
    const digest = memory.data(32, 8);
    sha256(info, n, digest);
    const st = keySign(k.key, digest, 32, sig);
    if (st != OK) return st;
    o.open(DER_SEQUENCE).oid(OID_ECDSA_SHA256).close();
    // ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }
    o.open(DER_BIT_STRING).byte(0).open(DER_SEQUENCE).unsignedInt(sig, 32).unsignedInt(sig + 32, 32).close().close();
  } else {
    const st = keySign(k.key, info, n, sig);
    if (st != OK) return st;
    o.open(DER_SEQUENCE).oid(OID_ED25519).close();
    o.bits(sig, 64);
  }
  o.close();
  return o.finish();
}

/**
 * The DH proof-of-possession MAC (docs/dh-pop.md): ZZ = ECDH(enrolled key, recipient key);
 * K = HKDF-SHA-256(salt = empty, IKM = ZZ, info, L = 32), the HKDF of OSCORE (EST-oscore draft -11 §4.8), with
 * info = DH_POP_LABEL || recipient (keyed by G_Y) or DH_POP_CERT_LABEL || subject || issuer of the recipient's
 * certificate (classic RFC 6955 §6: its LeadingInfo and TrailingInfo); MAC = HMAC-SHA-256(K, CRI). The info is
 * built in the `room` bytes after the CRI (the caller's scratch). Returns OK, E_LIMIT or the ECDH's status.
 */
export function dhPopMac(spec: CsrSpec, cri: usize, criLen: i32, room: i32, out: usize): i32 {
  const zz = memory.data(32, 8), prk = memory.data(32, 8), k = memory.data(32, 8), inf = cri + <usize>criLen;
  const label = spec.classic ? DH_POP_CERT_LABEL : DH_POP_LABEL;
  const infLen = label.length + (spec.classic ? spec.rSubjectLen + spec.rIssuerLen : 32);
  if (infLen > room) return E_LIMIT;
  let st = keyEcdh(spec.key.key, spec.recipient, 32, zz);
  if (st != OK) return st;
  for (let i = 0; i < label.length; i++) store<u8>(inf + <usize>i, <u8>label.charCodeAt(i));
  const o = inf + <usize>label.length;
  if (spec.classic) {
    memory.copy(o, spec.rSubject, <usize>spec.rSubjectLen);
    memory.copy(o + <usize>spec.rSubjectLen, spec.rIssuer, <usize>spec.rIssuerLen);
  } else memory.copy(o, spec.recipient, 32);
  hkdfExtract(0, 0, zz, 32, prk);
  st = hkdfExpand(prk, 32, inf, infLen, k, 32);
  if (st == OK) hmacSha256(k, 32, cri, criLen, out);
  wipe(zz, 32); wipe(prk, 32); wipe(k, 32);
  return st;
}
