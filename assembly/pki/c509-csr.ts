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
// (bad key or recipient key). Buffers are static (memory.data); the private key and every intermediate
// secret are wiped after use, except spec.key, which the caller owns and wipes.
// Deliberately not here: challengePassword, other attributes, the certification request template.

import { OK, E_USAGE, E_BUFFER_TOO_SMALL, E_MALFORMED } from "../base/errors";
import { cborArray, cborBstr, cborInt, cborTag, cborTstr, cborBstrHead } from "../cbor/encode";
import { CborReader } from "../cbor/decode";
import {
  sha256, hmacSha256, hkdfExtract, hkdfExpand, wipe, Key, keyPublic, keyEcdh, keySign,
} from "../crypto/index";
import { DerOut, spkiDer, extensionsDer, OID_EXTENSION_REQUEST, PK_P256, PK_X25519, PK_ED25519 } from "./c509-der";
import { C509_SIG_ES256, C509_SIG_ED25519, C509_SIG_DH_POP_SHA256 } from "./c509";

/** Key kinds (the same numbers the EST code uses). */
export const C509_KEY_P256_ECDSA: i32 = 1;
export const C509_KEY_ED25519: i32 = 2;
export const C509_KEY_P256_DH: i32 = 3;
export const C509_KEY_X25519_DH: i32 = 4;
/** Longest subject common name and dNSName, in bytes. */
export const C509_CSR_NAME_MAX: i32 = 64;
/** Room for a built CSR: with the longest names about 310 bytes. */
export const C509_CSR_MAX: i32 = 400;
/** Room the scratch buffer of a type 3 CSR needs (its DER certificationRequestInfo). */
export const C509_CSR_SCRATCH_MAX: i32 = 512;
/** The info label of the DH proof of possession (docs/dh-pop.md). */
const DH_POP_LABEL: StaticArray<u8> = [0x45, 0x53, 0x54, 0x2d, 0x6f, 0x73, 0x63, 0x6f, 0x72, 0x65, 0x20, 0x44, 0x48, 0x2d, 0x50, 0x6f, 0x50, 0x20, 0x76, 0x31];

export class C509CsrSpec {
  /** 2 (natively signed) or 3 (over the DER certificationRequestInfo). */
  type: i32 = 2;
  kind: i32 = C509_KEY_P256_ECDSA;
  /** The private key (crypto/key.ts: a board handle where the board does the curve; the caller closes it). */
  key: Key = new Key();
  /** Public key: 65-byte uncompressed point (P-256) or 32 bytes; set by c509CsrPublicKey. */
  pub: usize = memory.data(65, 8);
  pubLen: i32 = 0;
  cn: usize = memory.data(C509_CSR_NAME_MAX, 8);
  cnLen: i32 = 0;
  /** Optional subjectAltName dNSName (0 length: none). */
  dns: usize = memory.data(C509_CSR_NAME_MAX, 8);
  dnsLen: i32 = 0;
  /** DH PoP: the recipient's public key G_Y (32 bytes: P-256 x-coordinate or X25519). */
  recipient: usize = memory.data(32, 8);
}

/** The module's one CSR spec. */
export const c509CsrSpec = new C509CsrSpec();

/** Compute spec.pub from spec.key. */
export function c509CsrPublicKey(s: C509CsrSpec): i32 {
  if (s.kind < C509_KEY_P256_ECDSA || s.kind > C509_KEY_X25519_DH || s.key.type != s.kind) return E_USAGE;
  const n = keyPublic(s.key, s.pub, 65);
  if (n < 0) return n;
  s.pubLen = n;
  return OK;
}

const exts = memory.data(C509_CSR_NAME_MAX + 16, 8);
const keyBuf = memory.data(33, 8);
const sigBuf = memory.data(64, 8);
const digestBuf = memory.data(32, 8);
const w = new DerOut();
const er = new CborReader();

/** Lowercase hex of even length >= 2 (-> bytes) / EUI-64 "HH-..-HH" uppercase (-> tag 48) / else text. */
function specialText(buf: usize, cap: i32, off: i32, p: usize, n: i32): i32 {
  let hexOk = n >= 2 && (n & 1) == 0;
  for (let i = 0; hexOk && i < n; i++) { const c = <i32>load<u8>(p + <usize>i); hexOk = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66); }
  if (hexOk) {
    off = cborBstrHead(buf, cap, off, n >> 1);
    if (off < 0) return off;
    if (cap - off < (n >> 1)) return E_BUFFER_TOO_SMALL;
    for (let i = 0; i < n; i += 2) store<u8>(buf + <usize>(off + (i >> 1)), <u8>((nib(load<u8>(p + <usize>i)) << 4) | nib(load<u8>(p + <usize>(i + 1)))));
    return off + (n >> 1);
  }
  let eui = n == 23;
  for (let i = 0; eui && i < 23; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    eui = i % 3 == 2 ? c == 0x2d : (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46);
  }
  if (eui) {
    const b = memory.data(8, 8);
    for (let i = 0; i < 8; i++) store<u8>(b + <usize>i, <u8>((nib(load<u8>(p + <usize>(i * 3))) << 4) | nib(load<u8>(p + <usize>(i * 3 + 1)))));
    off = cborTag(buf, cap, off, 48);
    if (load<u8>(b + 3) == 0xff && load<u8>(b + 4) == 0xfe) {
      memory.copy(b + 3, b + 5, 3);
      return cborBstr(buf, cap, off, b, 6);
    }
    return cborBstr(buf, cap, off, b, 8);
  }
  return cborTstr(buf, cap, off, p, n);
}
@inline function nib(c: u8): i32 { return c <= 0x39 ? <i32>c - 0x30 : c <= 0x46 ? <i32>c - 0x37 : <i32>c - 0x57; }

/** Build the C509 CSR of spec into (out, cap); a type 3 CSR needs (scratch, scratchCap) for its DER. Returns
 *  the CSR's length or a status. */
export function c509CsrBuild(s: C509CsrSpec, out: usize, cap: i32, scratch: usize, scratchCap: i32): i32 {
  if (s.type != 2 && s.type != 3) return E_USAGE;
  if (s.cnLen < 1 || s.cnLen > C509_CSR_NAME_MAX || s.dnsLen < 0 || s.dnsLen > C509_CSR_NAME_MAX) return E_USAGE;
  const dh = s.kind == C509_KEY_P256_DH || s.kind == C509_KEY_X25519_DH;
  const p256 = s.kind == C509_KEY_P256_ECDSA || s.kind == C509_KEY_P256_DH;
  if (s.pubLen != (p256 ? 65 : 32)) return E_USAGE;
  const sigAlg = dh ? C509_SIG_DH_POP_SHA256 : s.kind == C509_KEY_ED25519 ? C509_SIG_ED25519 : C509_SIG_ES256;
  const pkAlg = p256 ? PK_P256 : s.kind == C509_KEY_ED25519 ? PK_ED25519 : PK_X25519;
  // The subject public key as carried: P-256 compressed, 02/03 natively, fe/fd standing for the DER's 04 point.
  let keyLen = 32;
  if (p256) {
    const odd = <i32>(load<u8>(s.pub + 64) & 1);
    store<u8>(keyBuf, <u8>(s.type == 2 ? 2 + odd : odd != 0 ? 0xfd : 0xfe));
    memory.copy(keyBuf + 1, s.pub + 1, 32);
    keyLen = 33;
  } else memory.copy(keyBuf, s.pub, 32);
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
  o = cborInt(out, cap, o, s.type);
  o = cborInt(out, cap, o, sigAlg);
  o = specialText(out, cap, o, s.cn, s.cnLen);
  o = cborInt(out, cap, o, pkAlg);
  o = cborBstr(out, cap, o, keyBuf, keyLen);
  o = cborArray(out, cap, o, 2);
  o = cborInt(out, cap, o, 0);
  if (o >= 0) { if (cap - o < en) return E_BUFFER_TOO_SMALL; memory.copy(out + <usize>o, exts, <usize>en); o += en; }
  if (o < 0) return o;
  let data = out + <usize>tbs, dataLen = o - tbs;
  if (s.type == 3) {
    const n = criDer(s, keyLen, en, scratch, scratchCap, pkAlg);
    if (n < 0) return n;
    data = scratch; dataLen = n;
  }
  // Proof of possession.
  let sigLen = 64, st = OK;
  if (dh) { st = dhPopMac(s, data, dataLen, sigBuf); sigLen = 32; }
  else if (s.kind == C509_KEY_P256_ECDSA) { sha256(data, dataLen, digestBuf); st = keySign(s.key, digestBuf, 32, sigBuf); }
  else st = keySign(s.key, data, dataLen, sigBuf);
  if (st != OK) { wipe(sigBuf, 64); return st; }
  o = cborBstr(out, cap, o, sigBuf, sigLen);
  wipe(sigBuf, 64);
  return o;
}

/** The DER certificationRequestInfo of a type 3 CSR: version 0, the CN as UTF8String, the SPKI (a P-256 point
 *  uncompressed), attributes [0] { extensionRequest }. */
function criDer(s: C509CsrSpec, keyLen: i32, extsLen: i32, out: usize, cap: i32, pkAlg: i32): i32 {
  w.reset(out, cap);
  w.open(0x30).byte(0x02).byte(0x01).byte(0x00);
  w.open(0x30).open(0x31).open(0x30).byte(0x06).byte(0x03).byte(0x55).byte(0x04).byte(0x03).prim(0x0c, s.cn, s.cnLen).close().close().close();
  let st = spkiDer(w, pkAlg, keyBuf, keyLen);
  if (st < 0) return st;
  w.open(0xa0).open(0x30).prim(0x06, changetype<usize>(OID_EXTENSION_REQUEST), OID_EXTENSION_REQUEST.length).open(0x31);
  st = extensionsDer(w, er.reset(exts, extsLen, true));
  if (st < 0) return st;
  w.close().close().close().close();
  st = w.finish();
  if (st < 0) return st;
  return er.finish() == OK ? w.pos : E_MALFORMED;
}

/** The DH proof-of-possession MAC (see the file comment) over (data, n) into out (32 bytes). */
function dhPopMac(s: C509CsrSpec, data: usize, n: i32, out: usize): i32 {
  const zz = memory.data(32, 8), prk = memory.data(32, 8), k = memory.data(32, 8), info = memory.data(52, 8);
  let st = keyEcdh(s.key, s.recipient, 32, zz);
  if (st != OK) { wipe(zz, 32); return st; }
  hkdfExtract(0, 0, zz, 32, prk);
  memory.copy(info, changetype<usize>(DH_POP_LABEL), DH_POP_LABEL.length);
  memory.copy(info + <usize>DH_POP_LABEL.length, s.recipient, 32);
  st = hkdfExpand(prk, 32, info, DH_POP_LABEL.length + 32, k, 32);
  if (st == OK) hmacSha256(k, 32, data, n, out);
  wipe(zz, 32); wipe(prk, 32); wipe(k, 32);
  return st;
}
