// C509 certification requests built on the device (draft-ietf-cose-cbor-encoded-cert §4):
//
//   [ type, subjectSignatureAlgorithm, subject, subjectPublicKeyAlgorithm, subjectPublicKey,
//     attributes = [ 0 (extensionRequest), Extensions ], subjectSignatureValue ]
//
// type 2 (natively signed) signs or MACs the CBOR TBSCertificationRequest; type 3 signs or MACs the DER
// certificationRequestInfo it stands for, rebuilt in a caller-given scratch buffer (c509-der.ts), so a CA
// can turn it back into the PKCS#10 CSR. The subject is one common name (as SpecialText: lowercase hex
// travels as bytes, an EUI-64 as tag 48); the extensionRequest asks for keyUsage (critical; digitalSignature
// for a signature key, keyAgreement for a DH key) and, when given, a subjectAltName dNSName.
// Proof of possession: ES256 (algorithm 0, r || s), Ed25519 (12), or for a static DH key (P-256 or X25519)
// the MAC of algorithm 14 keyed as docs/dh-pop.md profiles it: ZZ = ECDH(key, G_Y), K = HKDF-SHA-256(salt
// empty, IKM ZZ, info "EST-oscore DH-PoP v1" || G_Y, 32), MAC = HMAC-SHA-256(K, to-be-signed bytes).
//
// Statuses: the CSR's length, or E_BUFFER_TOO_SMALL, E_USAGE (bad spec), E_CRYPTO_KEY / E_CRYPTO_POINT
// (bad key or recipient key). The request is described by the module's one CSR spec (pki/csr.ts CsrSpec: the
// key pair, the names, the DH recipient), as for a DER CSR; buffers are static or the caller's, and every
// intermediate secret is wiped after use (the key itself is the caller's).
// Deliberately not here: challengePassword (E_USAGE), other attributes, the certification request template,
// the classic RFC 6955 key derivation (E_USAGE: DhSigStatic naming a recipient certificate is not offered).

import { OK, E_USAGE, E_BUFFER_TOO_SMALL, E_MALFORMED, E_LIMIT } from "../base/errors";
import { cborArray, cborBstr, cborInt, cborTag, cborTstr } from "../cbor/encode";
import { sha256, wipe, keySign } from "../crypto/index";
import { DER_SEQUENCE, DER_SET, DER_UTF8, OID_CN, OID_EXTENSION_REQUEST } from "../der/der";
import { spkiDer, extensionsDer, c509Der, c509Cbor, PK_P256, PK_X25519, PK_ED25519 } from "./c509-der";
import { C509_SIG_ES256, C509_SIG_ED25519, C509_SIG_DH_POP_SHA256 } from "./c509";
import { CsrSpec, dhPopMac } from "./csr";
import { KEY_P256_ECDSA, KEY_ED25519, KEY_P256_DH, KEY_X25519_DH, keyIsDh } from "./keys";

/** Longest subject common name and dNSName, in bytes (CsrSpec's buffers). */
export const C509_CSR_NAME_MAX: i32 = 64;
/** Room for a built CSR: with the longest names about 310 bytes. */
export const C509_CSR_MAX: i32 = 400;
/** Room the scratch buffer needs: a type 3 CSR's DER certificationRequestInfo (512 bytes), then the build's
 *  own pieces (the extensions, the key as carried, the signature, a digest, a SpecialText's bytes). */
export const C509_CSR_SCRATCH_MAX: i32 = 768;
const CRI_MAX: i32 = 512;

const w = c509Der;
const er = c509Cbor;
// The pieces in the scratch buffer's tail (offsets from it).
let exts: usize = 0, keyBuf: usize = 0, sigBuf: usize = 0, digestBuf: usize = 0, textBuf: usize = 0;

/** A subject attribute value as SpecialText (draft §3.1.4): lowercase hex of even length as the bytes it spells;
 *  an EUI-64 "HH-HH-HH-HH-HH-HH-HH-HH" (uppercase) as tag 48 with its 8 bytes, or 6 for an EUI-48 written as
 *  EUI-64 (FF-FE in the middle); anything else as text. */
function specialText(buf: usize, cap: i32, off: i32, p: usize, n: i32): i32 {
  const b = textBuf;
  const eui = n == 23;
  let ok = eui || (n >= 2 && (n & 1) == 0), k = 0;
  for (let i = 0; ok && i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    if (eui && i % 3 == 2) { ok = c == 0x2d; continue; }
    const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : eui ? (c >= 0x41 && c <= 0x46 ? c - 0x37 : -1) : (c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);
    ok = v >= 0;
    const at = b + <usize>(k >> 1);
    store<u8>(at, <u8>((k & 1) == 0 ? v << 4 : <i32>load<u8>(at) | v));
    k++;
  }
  if (!ok) return cborTstr(buf, cap, off, p, n);
  if (!eui) return cborBstr(buf, cap, off, b, k >> 1);
  off = cborTag(buf, cap, off, 48);
  if (load<u8>(b + 3) == 0xff && load<u8>(b + 4) == 0xfe) {
    memory.copy(b + 3, b + 5, 3);
    return cborBstr(buf, cap, off, b, 6);
  }
  return cborBstr(buf, cap, off, b, 8);
}

/** Build the C509 CSR (type 2 or 3) of spec into (out, cap); a type 3 CSR needs (scratch, scratchCap) for its
 *  DER. Returns the CSR's length or a status. For a DH key, spec.recipient holds G_Y. */
export function c509CsrBuild(s: CsrSpec, type: i32, out: usize, cap: i32, scratch: usize, scratchCap: i32): i32 {
  const k = s.key, kind = k.kind;
  if (type != 2 && type != 3 || scratchCap < C509_CSR_SCRATCH_MAX) return E_USAGE;
  exts = scratch + <usize>CRI_MAX; keyBuf = exts + <usize>(C509_CSR_NAME_MAX + 16); sigBuf = keyBuf + 40;
  digestBuf = sigBuf + 64; textBuf = digestBuf + 32; // 80 + 40 + 64 + 32 + 32 = 248 bytes
  if (s.cnLen < 1 || s.cnLen > C509_CSR_NAME_MAX || s.dnsLen < 0 || s.dnsLen > C509_CSR_NAME_MAX || s.passwordLen != 0 || s.classic) return E_USAGE;
  const dh = keyIsDh(kind);
  const p256 = kind == KEY_P256_ECDSA || kind == KEY_P256_DH;
  if (kind < KEY_P256_ECDSA || kind > KEY_X25519_DH || k.pubLen != (p256 ? 65 : 32)) return E_USAGE;
  const sigAlg = dh ? C509_SIG_DH_POP_SHA256 : kind == KEY_ED25519 ? C509_SIG_ED25519 : C509_SIG_ES256;
  const pkAlg = p256 ? PK_P256 : kind == KEY_ED25519 ? PK_ED25519 : PK_X25519;
  // The subject public key as carried: P-256 compressed, 02/03 natively, fe/fd standing for the DER's 04 point.
  let keyLen = 32;
  if (p256) {
    const odd = <i32>(load<u8>(k.pub + 64) & 1);
    store<u8>(keyBuf, <u8>(type == 2 ? 2 + odd : odd != 0 ? 0xfd : 0xfe));
    memory.copy(keyBuf + 1, k.pub + 1, 32);
    keyLen = 33;
  } else memory.copy(keyBuf, k.pub, 32);
  // Extensions: critical keyUsage (digitalSignature 1 / keyAgreement 16) alone as one int, or with the SAN.
  const ku = dh ? 16 : 1;
  let en = 0;
  if (s.dnsLen == 0) en = cborInt(exts, C509_CSR_NAME_MAX + 16, 0, -ku);
  else {
    en = cborArray(exts, C509_CSR_NAME_MAX + 16, 0, 4);
    en = cborInt(exts, C509_CSR_NAME_MAX + 16, en, -2);
    en = cborInt(exts, C509_CSR_NAME_MAX + 16, en, ku);
    en = cborInt(exts, C509_CSR_NAME_MAX + 16, en, 3);
    en = cborTstr(exts, C509_CSR_NAME_MAX + 16, en, s.dns, s.dnsLen);
  }
  if (en < 0) return en;
  // The array and its TBS items.
  let o = cborArray(out, cap, 0, 7);
  const tbs = o;
  o = cborInt(out, cap, o, type);
  o = cborInt(out, cap, o, sigAlg);
  o = specialText(out, cap, o, s.cn, s.cnLen);
  o = cborInt(out, cap, o, pkAlg);
  o = cborBstr(out, cap, o, keyBuf, keyLen);
  o = cborArray(out, cap, o, 2);
  o = cborInt(out, cap, o, 0);
  if (o >= 0) { if (cap - o < en) return E_BUFFER_TOO_SMALL; memory.copy(out + <usize>o, exts, <usize>en); o += en; }
  if (o < 0) return o;
  let data = out + <usize>tbs, dataLen = o - tbs;
  if (type == 3) {
    const n = criDer(s, p256 ? k.pub : keyBuf, p256 ? 65 : 32, en, scratch, CRI_MAX, pkAlg); // the point as the DER has it: no decompression
    if (n < 0) return n;
    data = scratch; dataLen = n;
  }
  // Proof of possession.
  let sigLen = 64, st = OK;
  // (the MAC's info is built just after the data: the rest of the CRI's room, or of out before the signature)
  if (dh) { st = dhPopMac(s, data, dataLen, type == 3 ? CRI_MAX - dataLen : cap - o, sigBuf); sigLen = 32; }
  else if (kind == KEY_P256_ECDSA) { sha256(data, dataLen, digestBuf); st = keySign(k.key, digestBuf, 32, sigBuf); }
  else st = keySign(k.key, data, dataLen, sigBuf);
  if (st != OK) { wipe(sigBuf, 64); return st; }
  o = cborBstr(out, cap, o, sigBuf, sigLen);
  wipe(sigBuf, 64);
  return o;
}

/** The DER certificationRequestInfo of a type 3 CSR: version 0, the CN as UTF8String, the SPKI (a P-256 point
 *  uncompressed), attributes [0] { extensionRequest }. */
function criDer(s: CsrSpec, key: usize, keyLen: i32, extsLen: i32, out: usize, cap: i32, pkAlg: i32): i32 {
  w.reset(out, cap);
  w.open(DER_SEQUENCE).smallInt(0);
  w.open(DER_SEQUENCE).open(DER_SET).open(DER_SEQUENCE).oid(OID_CN).prim(DER_UTF8, s.cn, s.cnLen).close().close().close();
  let st = spkiDer(w, pkAlg, key, keyLen);
  if (st < 0) return st;
  w.open(0xa0).open(DER_SEQUENCE).oid(OID_EXTENSION_REQUEST).open(DER_SET);
  st = extensionsDer(w, er.reset(exts, extsLen, true));
  if (st < 0) return st;
  w.close().close().close().close();
  st = w.finish();
  if (st < 0) return st == E_LIMIT ? E_BUFFER_TOO_SMALL : st;
  return er.finish() == OK ? st : E_MALFORMED;
}
