// C509 certificates on the device (draft-ietf-cose-cbor-encoded-cert §3): a strict parser of untrusted input
// and a verifier of "issuer issued this certificate", for both types:
//   type 2 (natively signed): the signature covers the CBOR TBSCertificate bytes as received;
//   type 3 (re-encoded X.509): the signature covers the DER tbsCertificate, rebuilt into a caller-given
//   buffer (c509-der.ts) and then hashed or verified.
// Accepted encodings: the C509Certificate array (11 items, first byte 0x8b: draft -20, BouncyCastle) or the
// unwrapped sequence ~C509Certificate (the draft text in shared/specs; what its C509CertData wraps).
// Algorithms: issuerSignatureAlgorithm 0 (ES256) and 12 (Ed25519); subject keys P-256 (1), X25519 (8) and
// Ed25519 (12). Other registered values parse (E_UNSUPPORTED only when verifying or rebuilding DER);
// algorithms and names in the ~oid form are E_UNSUPPORTED.
//
// Statuses (assembly/base/errors.ts): OK; E_MALFORMED / E_TRUNCATED / E_NON_CANONICAL / E_TRAILING / E_LIMIT for
// input that breaks the encoding rules (decoding is deterministic CBOR only); E_UNSUPPORTED; E_CRYPTO_SIGNATURE
// when names do not chain, the issuer is no CA, or the signature does not verify; E_BUFFER_TOO_SMALL when the
// rebuilt DER does not fit. Nothing traps on any input and nothing is allocated: C509Cert fields point into
// the caller's input, which must stay unchanged while they are used.
//
// Deliberately not here: validity dates (the device may have no clock before it enrolls, as with X.509), name
// constraints, policies, revocation; and an X.509 <-> C509 converter (tools/c509 has one).

import {
  OK, E_MALFORMED, E_UNSUPPORTED, E_CRYPTO_SIGNATURE, E_LIMIT, E_TRAILING, E_BUFFER_TOO_SMALL,
} from "../base/errors";
import { MT_UINT, MT_NINT, MT_BSTR, MT_TSTR, MT_ARRAY, MT_TAG } from "../cbor/decode";
import { sha256, p256VerifyDigest, ed25519Verify } from "../crypto/index";
import { Certificate, spanEquals } from "./x509";
import { KEY_P256_ECDSA, KEY_ED25519 } from "./keys";
import { c509Der, c509Cbor, nameDer, timeDer, spkiDer, extensionsDer, rdnKnown, PK_P256, PK_X25519, PK_ED25519 } from "./c509-der";

export { PK_P256, PK_X25519, PK_ED25519 };
export const C509_TYPE_NATIVE: i32 = 2;
export const C509_TYPE_REENCODED: i32 = 3;
/** Signature algorithm values (C509 Signature Algorithms registry). */
export const C509_SIG_ES256: i32 = 0;
export const C509_SIG_ED25519: i32 = 12;
export const C509_SIG_DH_POP_SHA256: i32 = 14;
/** validityNotAfter null: 99991231235959Z, "no well-defined expiration date". */
export const C509_NO_EXPIRY: u64 = 253402300799;
/** Room a caller-given buffer needs for the DER tbsCertificate of a type 3 certificate of this profile (the
 *  development CA's are about 330 bytes; names and extensions add to it). */
export const C509_TBS_DER_MAX: i32 = 1024;
/** Longest serial number (RFC 5280 §4.1.2.2). */
export const C509_SERIAL_MAX: i32 = 20;

/** One parsed certificate; pointers into the input. */
export class C509Cert {
  type: i32 = 0;
  serial: usize = 0;
  serialLen: i32 = 0;
  sigAlg: i32 = 0;
  /** The issuer Name item's CBOR bytes; issuerLen 0 when the issuer is null (the same as the subject). */
  issuer: usize = 0;
  issuerLen: i32 = 0;
  notBefore: u64 = 0;
  notAfter: u64 = 0;
  subject: usize = 0;
  subjectLen: i32 = 0;
  pkAlg: i32 = 0;
  /** The subjectPublicKey bytes as carried: P-256 33 (02/03 or fe/fd) or 65 (04) bytes; 32 for X25519, Ed25519. */
  key: usize = 0;
  keyLen: i32 = 0;
  /** The extensions field's CBOR bytes. */
  exts: usize = 0;
  extsLen: i32 = 0;
  /** The TBSCertificate CBOR sequence (what a type 2 signature covers). */
  tbs: usize = 0;
  tbsLen: i32 = 0;
  sig: usize = 0;
  sigLen: i32 = 0;
  /** From the extensions: basicConstraints cA, pathLenConstraint (-1 none), keyUsage bits (-1 absent), and
   *  whether a critical extension this device does not interpret is present. */
  isCa: bool = false;
  pathLen: i32 = -1;
  keyUsage: i64 = -1;
  unknownCritical: bool = false;
}

const r = c509Cbor;
const w = c509Der;

/** Parse a certificate (either encoding, see the file comment) of n bytes at p into c. */
export function c509Parse(c: C509Cert, p: usize, n: i32): i32 {
  c.isCa = false; c.pathLen = -1; c.keyUsage = -1; c.unknownCritical = false; c.issuerLen = 0;
  r.reset(p, n, true);
  let st: i32;
  if (n > 0 && load<u8>(p) == 0x8b) { st = r.enterArray(); if (st < 0) return st; } // an array of exactly 11
  c.tbs = p + <usize>r.pos;
  // c509CertificateType
  st = r.readInt(0, 0xff);
  if (st < 0) return st;
  c.type = <i32>r.value;
  if (c.type != C509_TYPE_NATIVE && c.type != C509_TYPE_REENCODED) return E_UNSUPPORTED;
  // certificateSerialNumber: unsigned magnitude, no leading zero
  st = r.readBstr();
  if (st < 0) return st;
  if (r.size > C509_SERIAL_MAX) return E_LIMIT;
  if (r.size > 0 && load<u8>(r.ptr) == 0) return E_MALFORMED;
  c.serial = r.ptr; c.serialLen = r.size;
  // issuerSignatureAlgorithm: a registered int
  st = algInt(); if (st < 0) return st;
  c.sigAlg = st;
  // issuer: null or a Name
  if (!r.readNull()) {
    const at = r.pos;
    st = nameCheck(c.type); if (st < 0) return st;
    c.issuer = p + <usize>at; c.issuerLen = r.pos - at;
  }
  // validity
  st = r.readUint(); if (st < 0) return st;
  c.notBefore = r.uvalue;
  if (r.readNull()) c.notAfter = C509_NO_EXPIRY;
  else {
    st = r.readUint(); if (st < 0) return st;
    c.notAfter = r.uvalue;
    if (c.notAfter >= C509_NO_EXPIRY) return E_MALFORMED; // 99991231235959Z must be null
  }
  if (c.notBefore > C509_NO_EXPIRY) return E_MALFORMED;
  // subject
  let at = r.pos;
  st = nameCheck(c.type); if (st < 0) return st;
  c.subject = p + <usize>at; c.subjectLen = r.pos - at;
  // subjectPublicKeyAlgorithm, subjectPublicKey
  st = algInt(); if (st < 0) return st;
  c.pkAlg = st;
  st = r.readBstr(); if (st < 0) return st;
  c.key = r.ptr; c.keyLen = r.size;
  st = keyCheck(c.type, c.pkAlg, c.key, c.keyLen); if (st < 0) return st;
  // extensions
  at = r.pos;
  st = extsCheck(c); if (st < 0) return st;
  c.exts = p + <usize>at; c.extsLen = r.pos - at;
  c.tbsLen = r.pos - <i32>(c.tbs - p);
  // issuerSignatureValue
  st = r.readBstr(); if (st < 0) return st;
  c.sig = r.ptr; c.sigLen = r.size;
  if ((c.sigAlg == C509_SIG_ES256 || c.sigAlg == C509_SIG_ED25519) && c.sigLen != 64) return E_MALFORMED;
  return r.pos == n ? OK : E_TRAILING;
}

/** A registered algorithm int (the ~oid forms are E_UNSUPPORTED). Returns the value or a status. */
function algInt(): i32 {
  const t = r.peekType();
  if (t < 0) return t;
  if (t != MT_UINT && t != MT_NINT) return t == MT_BSTR || t == MT_ARRAY ? E_UNSUPPORTED : E_MALFORMED;
  const st = r.readInt(-0x10000, 0x10000);
  if (st < 0) return st;
  return <i32>r.value >= 0 ? <i32>r.value : E_UNSUPPORTED;
}

/** The key bytes fit the algorithm: P-256 02/03 (+fe/fd in type 3) 33 bytes or 04 65 bytes; 32 bytes for the
 *  25519 keys. Other algorithms are not checked here. */
function keyCheck(type: i32, alg: i32, key: usize, n: i32): i32 {
  if (alg == PK_P256) {
    const pre = n > 0 ? <i32>load<u8>(key) : -1;
    if (n == 65 && pre == 4) return OK;
    if (n == 33 && (pre == 2 || pre == 3)) return OK;
    if (n == 33 && (pre == 0xfe || pre == 0xfd) && type == C509_TYPE_REENCODED) return OK;
    return E_MALFORMED;
  }
  if (alg == PK_X25519 || alg == PK_ED25519) return n == 32 ? OK : E_MALFORMED;
  return OK;
}

/** SpecialText: text, a non-empty byte string, or tag 48 holding 6 or 8 bytes. */
function specialTextCheck(): i32 {
  const t = r.peekType();
  if (t < 0) return t;
  let st: i32;
  if (t == MT_TSTR) { st = r.readTstr(); if (st < 0) return st; return utf8Valid(r.ptr, r.size) ? OK : E_MALFORMED; }
  if (t == MT_BSTR) { st = r.readBstr(); if (st < 0) return st; return r.size > 0 ? OK : E_MALFORMED; }
  if (t == MT_TAG) {
    st = r.readTag(); if (st < 0) return st;
    if (r.uvalue != 48) return E_MALFORMED;
    st = r.readBstr(); if (st < 0) return st;
    return r.size == 6 || r.size == 8 ? OK : E_MALFORMED;
  }
  return E_MALFORMED;
}

/** Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
function utf8Valid(p: usize, n: i32): bool {
  let i = 0;
  while (i < n) {
    const c = <i32>load<u8>(p + <usize>i);
    if (c < 0x80) { i++; continue; }
    let k = 0, min = 0, v = 0;
    if ((c & 0xe0) == 0xc0) { k = 1; min = 0x80; v = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { k = 2; min = 0x800; v = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { k = 3; min = 0x10000; v = c & 0x07; }
    else return false;
    if (i + k >= n) return false; // the sequence runs past the end
    for (let j = 1; j <= k; j++) {
      const d = <i32>load<u8>(p + <usize>(i + j));
      if ((d & 0xc0) != 0x80) return false;
      v = (v << 6) | (d & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return false;
    i += k + 1;
  }
  return true;
}

/** Name = [ * (int, SpecialText) // (~oid, bytes) ] / SpecialText. Natively signed: no negative ints. */
function nameCheck(type: i32): i32 {
  const t = r.peekType();
  if (t < 0) return t;
  if (t != MT_ARRAY) return specialTextCheck();
  let st = r.enterArray();
  if (st < 0) return st;
  const n = r.count;
  if (n < 0 || (n & 1) != 0) return E_MALFORMED;
  for (let i = 0; i < n; i += 2) {
    const at = r.peekType();
    if (at == MT_UINT || at == MT_NINT) {
      st = r.readInt(-0xffff, 0xffff); if (st < 0) return st;
      const v = r.value;
      if (v < 0 && type == C509_TYPE_NATIVE) return E_MALFORMED;
      if (!rdnKnown(v < 0 ? -v : v)) return E_UNSUPPORTED;
      st = specialTextCheck(); if (st < 0) return st;
    } else if (at == MT_BSTR) {
      st = r.readBstr(); if (st < 0) return st;
      if (r.size == 0) return E_MALFORMED;
      st = r.readBstr(); if (st < 0) return st;
      if (r.size < 2) return E_MALFORMED;
    } else return at < 0 ? at : E_MALFORMED;
  }
  return OK;
}

/** Extensions = [ * (int, Defined) // (~oid, bytes / [bytes]) ] / int. Records basicConstraints, keyUsage
 *  and unknown critical extensions; every value is checked to be well-formed CBOR. */
function extsCheck(c: C509Cert): i32 {
  const t = r.peekType();
  if (t < 0) return t;
  let st: i32;
  if (t == MT_UINT || t == MT_NINT) {
    st = r.readInt(-0xffffffff, 0xffffffff); if (st < 0) return st;
    c.keyUsage = r.value < 0 ? -r.value : r.value;
    return OK;
  }
  st = r.enterArray(); if (st < 0) return st;
  const n = r.count;
  if (n < 0 || (n & 1) != 0) return E_MALFORMED;
  for (let i = 0; i < n; i += 2) {
    const it = r.peekType();
    if (it == MT_BSTR) {
      st = r.readBstr(); if (st < 0) return st;
      if (r.size == 0) return E_MALFORMED;
      if (r.peekType() == MT_ARRAY) {
        st = r.enterArray(); if (st < 0) return st;
        if (r.count != 1) return E_MALFORMED;
        c.unknownCritical = true;
      }
      st = r.readBstr(); if (st < 0) return st;
      continue;
    }
    st = r.readInt(-0xffff, 0xffff); if (st < 0) return st;
    const id = r.value;
    const code = <i32>(id < 0 ? -id : id);
    if (code == 0) return E_MALFORMED;
    if (code == 4) {
      st = r.readInt(-2, 0x7fffffff); if (st < 0) return st;
      c.isCa = r.value != -2;
      c.pathLen = r.value >= 0 ? <i32>r.value : -1;
    } else if (code == 2) {
      st = r.readInt(0, 0xffffffff); if (st < 0) return st;
      c.keyUsage = r.value;
    } else {
      st = r.skip(); if (st < 0) return st;
      if (id < 0 && !(code == 1 || code == 3 || code == 7 || code == 8)) c.unknownCritical = true;
    }
  }
  return OK;
}

// ---- DER tbsCertificate of a type 3 certificate --------------------------------------------------------------------------

const SIG_ES256_DER: StaticArray<u8> = [0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const SIG_ED25519_DER: StaticArray<u8> = [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];

/** Rebuild the DER tbsCertificate of a parsed type 3 certificate into (out, cap). Returns its length or a
 *  status (E_BUFFER_TOO_SMALL when cap is too small; E_UNSUPPORTED for a construct this build cannot rebuild). */
export function c509TbsDer(c: C509Cert, out: usize, cap: i32): i32 {
  if (c.type != C509_TYPE_REENCODED) return E_UNSUPPORTED;
  w.reset(out, cap);
  w.open(0x30);
  w.byte(0xa0).byte(0x03).byte(0x02).byte(0x01).byte(0x02); // [0] version v3
  if (c.serialLen == 0) w.smallInt(0); else w.unsignedInt(c.serial, c.serialLen);
  if (c.sigAlg == C509_SIG_ES256) w.rawBytes(SIG_ES256_DER);
  else if (c.sigAlg == C509_SIG_ED25519) w.rawBytes(SIG_ED25519_DER);
  else return E_UNSUPPORTED;
  let st: i32;
  if (c.issuerLen > 0) st = nameDer(w, r.reset(c.issuer, c.issuerLen, true));
  else st = nameDer(w, r.reset(c.subject, c.subjectLen, true));
  if (st < 0) return st;
  w.open(0x30);
  st = timeDer(w, c.notBefore); if (st < 0) return st;
  st = timeDer(w, c.notAfter); if (st < 0) return st;
  w.close();
  st = nameDer(w, r.reset(c.subject, c.subjectLen, true)); if (st < 0) return st;
  st = spkiDer(w, c.pkAlg, c.key, c.keyLen); if (st < 0) return st;
  // extensions [3], absent for an empty array
  if (!(c.extsLen == 1 && load<u8>(c.exts) == 0x80)) {
    w.open(0xa3);
    st = extensionsDer(w, r.reset(c.exts, c.extsLen, true)); if (st < 0) return st;
    w.close();
  }
  w.close();
  st = w.finish();
  return st == E_LIMIT ? E_BUFFER_TOO_SMALL : st;
}

// ---- Verification ----------------------------------------------------------------------------------------------------

const digest = memory.data(32, 8);
const issuerKey = memory.data(33, 8);

/** Verify that `issuer` issued `c`: c's issuer Name (its subject when null) equals the issuer's subject Name,
 *  the issuer is a CA (basicConstraints cA), its key fits the signature algorithm, and the signature verifies
 *  over the CBOR TBS (type 2) or over the DER tbsCertificate rebuilt in (scratch, cap) (type 3). A
 *  self-signed trust anchor is checked with c509VerifyIssued(ca, ca, ...). */
export function c509VerifyIssued(c: C509Cert, issuer: C509Cert, scratch: usize, cap: i32): i32 {
  const ip = c.issuerLen > 0 ? c.issuer : c.subject, il = c.issuerLen > 0 ? c.issuerLen : c.subjectLen;
  if (!spanEquals(ip, il, issuer.subject, issuer.subjectLen)) return E_CRYPTO_SIGNATURE;
  if (!issuer.isCa) return E_CRYPTO_SIGNATURE;
  return verifyWith(c, issuer.pkAlg, issuer.key, issuer.keyLen, scratch, cap);
}

/** A C509 Name's CBOR (p, n) as the DER Name it stands for, into (out, cap): its length or a status. */
export function c509NameDer(p: usize, n: i32, out: usize, cap: i32): i32 {
  const st = nameDer(w.reset(out, cap), r.reset(p, n, true));
  if (st < 0) return st;
  const l = w.finish();
  return l == E_LIMIT ? E_BUFFER_TOO_SMALL : l;
}

/** The signature of c under the key of the X.509 certificate `ca` (a DER trust anchor, pki/x509.ts), as in
 *  c509VerifyIssued; whether ca may issue c (its subject against c's issuer Name rebuilt as DER, its CA rules)
 *  is the caller's check (pki/c509-path.ts). (scratch, cap): C509_TBS_DER_MAX is enough. */
export function c509VerifySignedByX509(c: C509Cert, ca: Certificate, scratch: usize, cap: i32): i32 {
  return verifyWith(c, ca.keyKind == KEY_ED25519 ? PK_ED25519 : ca.keyKind == KEY_P256_ECDSA ? PK_P256 : -1, ca.key, ca.keyLen, scratch, cap);
}

/** The signature of c under an issuer key (C509 algorithm, bytes), over the TBS as its type says. */
function verifyWith(c: C509Cert, pkAlg: i32, key: usize, keyLen: i32, scratch: usize, cap: i32): i32 {
  let data = c.tbs, dataLen = c.tbsLen;
  if (c.type == C509_TYPE_REENCODED) {
    const n = c509TbsDer(c, scratch, cap);
    if (n < 0) return n;
    data = scratch; dataLen = n;
  }
  return c509VerifySignature(c.sigAlg, data, dataLen, c.sig, c.sigLen, pkAlg, key, keyLen);
}

/** Verify an ES256 (r || s) or Ed25519 signature over (data, dataLen) with a C509 public key (pkAlg, key as
 *  carried, fe/fd markers allowed). OK, E_CRYPTO_SIGNATURE or E_UNSUPPORTED. */
export function c509VerifySignature(sigAlg: i32, data: usize, dataLen: i32, sig: usize, sigLen: i32, pkAlg: i32, key: usize, keyLen: i32): i32 {
  if (sigLen != 64) return E_CRYPTO_SIGNATURE;
  if (sigAlg == C509_SIG_ES256) {
    if (pkAlg != PK_P256) return E_CRYPTO_SIGNATURE;
    let k = key;
    if (keyLen == 33 && load<u8>(key) >= 0xfd) {
      store<u8>(issuerKey, load<u8>(key) == 0xfe ? 2 : 3);
      memory.copy(issuerKey + 1, key + 1, 32);
      k = issuerKey;
    }
    sha256(data, dataLen, digest);
    return p256VerifyDigest(k, keyLen, digest, sig) == OK ? OK : E_CRYPTO_SIGNATURE;
  }
  if (sigAlg == C509_SIG_ED25519) {
    if (pkAlg != PK_ED25519 || keyLen != 32) return E_CRYPTO_SIGNATURE;
    return ed25519Verify(key, data, dataLen, sig) == OK ? OK : E_CRYPTO_SIGNATURE;
  }
  return E_UNSUPPORTED;
}

/** Whether the certificate carries the given public key: the P-256 point as 65 bytes uncompressed (any C509
 *  form of the same point matches: 04, 02/03 or fe/fd), or 32 bytes for X25519 / Ed25519. */
export function c509HasKey(c: C509Cert, pub: usize, pubLen: i32): bool {
  if (c.pkAlg == PK_P256) {
    if (pubLen != 65 || load<u8>(pub) != 4) return false;
    if (c.keyLen == 65) return spanEquals(c.key, 65, pub, 65);
    if (c.keyLen != 33) return false;
    const odd = <i32>(load<u8>(pub + 64) & 1);
    const pre = <i32>load<u8>(c.key);
    const wantOdd = pre == 3 || pre == 0xfd ? 1 : 0;
    return odd == wantOdd && spanEquals(c.key + 1, 32, pub + 1, 32);
  }
  return (c.pkAlg == PK_X25519 || c.pkAlg == PK_ED25519) && spanEquals(c.key, c.keyLen, pub, pubLen);
}
