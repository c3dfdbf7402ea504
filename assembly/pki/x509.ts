// X.509 certificates (RFC 5280) and PKCS#7 / CMS certs-only bundles (RFC 5652 §5, as EST returns them): the
// fields enrollment checks, parsed strictly from untrusted DER, and signature verification with ES256 and
// Ed25519 issuer keys.
//
// What is checked here: the structure, the issuer/subject chaining by DER-equal names, the signature, the
// issuer's basicConstraints cA and keyUsage keyCertSign. Parsed for the path check (pki/path.ts): the validity
// dates, pathLenConstraint, and whether a critical extension is one the device does not process (anything but
// basicConstraints, keyUsage and subjectAltName). What is not: name constraints, policies, revocation.

import { OK, E_MALFORMED, E_UNSUPPORTED, E_CRYPTO_SIGNATURE, E_LIMIT } from "../base/errors";
import {
  DerReader, DER_SEQUENCE, DER_SET, DER_INTEGER, DER_BIT_STRING, DER_OID, DER_OCTET_STRING, DER_BOOLEAN, derCtx,
  derEquals, DER_UTC_TIME, DER_GENERALIZED_TIME, OID_EC_PUBLIC_KEY, OID_PRIME256V1, OID_ECDSA_SHA256, OID_ED25519, OID_X25519, OID_BASIC_CONSTRAINTS,
  OID_SIGNED_DATA, OID_KEY_USAGE, OID_SUBJECT_ALT_NAME,
} from "../der/der";
import { sha256, p256VerifyDigest, ed25519Verify } from "../crypto/index";
import { KEY_P256_ECDSA, KEY_ED25519, KEY_X25519_DH } from "./keys";

export class Certificate {
  der: usize = 0;
  derLen: i32 = 0;
  tbs: usize = 0;
  tbsLen: i32 = 0;
  issuer: usize = 0;
  issuerLen: i32 = 0;
  subject: usize = 0;
  subjectLen: i32 = 0;
  serial: usize = 0;
  serialLen: i32 = 0;
  /** KEY_P256_ECDSA (any P-256 key), KEY_ED25519 or KEY_X25519_DH; the key bytes (65 or 32). */
  keyKind: i32 = 0;
  key: usize = 0;
  keyLen: i32 = 0;
  /** Signature algorithm: KEY_P256_ECDSA (ecdsa-with-SHA256) or KEY_ED25519; the signature value. */
  sigKind: i32 = 0;
  sig: usize = 0;
  sigLen: i32 = 0;
  isCa: bool = false;
  /** basicConstraints pathLenConstraint, -1 when absent. */
  pathLen: i32 = -1;
  /** keyUsage bits (KU_*: the BIT STRING's first two bytes, big-endian), -1 when the extension is absent. */
  keyUsage: i32 = -1;
  /** A critical extension this parser does not process (RFC 5280 §4.2: such a certificate must be refused). */
  unknownCritical: bool = false;
  /** Validity, in seconds since 1970-01-01T00:00:00Z. */
  notBefore: i64 = 0;
  notAfter: i64 = 0;
}

/** keyUsage keyCertSign (bit 5 of the BIT STRING, RFC 5280 §4.2.1.3) in Certificate.keyUsage. */
export const KU_KEY_CERT_SIGN: i32 = 0x0400;

const r0 = new DerReader(), r1 = new DerReader(), r2 = new DerReader(), r3 = new DerReader(), r4 = new DerReader();
const r5 = new DerReader(), r6 = new DerReader();

function algKind(r: DerReader): i32 {
  // AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }
  const a = r.into(r5);
  if (a.expect(DER_OID) != OK) return E_MALFORMED;
  if (derEquals(a.value, a.len, OID_ECDSA_SHA256)) return a.finish() == OK ? KEY_P256_ECDSA : E_MALFORMED;
  if (derEquals(a.value, a.len, OID_ED25519)) return a.finish() == OK ? KEY_ED25519 : E_MALFORMED;
  return E_UNSUPPORTED;
}

/** Parse one DER certificate (p, n). Returns OK or a status; c points into the input. */
export function x509Parse(c: Certificate, p: usize, n: i32): i32 {
  c.der = p; c.derLen = n; c.isCa = false; c.pathLen = -1; c.keyUsage = -1; c.unknownCritical = false;
  const top = r0.reset(p, n);
  if (top.expect(DER_SEQUENCE) != OK || top.finish() != OK) return E_MALFORMED;
  const cert = top.into(r1);
  if (cert.expect(DER_SEQUENCE) != OK) return E_MALFORMED;
  c.tbs = cert.tlv; c.tbsLen = cert.tlvLen;
  const tbs = cert.into(r2);
  if (cert.expect(DER_SEQUENCE) != OK) return E_MALFORMED;
  const sk = algKind(cert);
  if (sk < 0) return sk;
  c.sigKind = sk;
  if (cert.expect(DER_BIT_STRING) != OK || cert.len < 2 || load<u8>(cert.value) != 0 || cert.finish() != OK) return E_MALFORMED;
  c.sig = cert.value + 1; c.sigLen = cert.len - 1;
  // tbsCertificate
  if (tbs.peek(derCtx(0))) { if (tbs.read() != OK) return E_MALFORMED; }
  if (tbs.expect(DER_INTEGER) != OK || tbs.len < 1 || tbs.len > 21) return E_MALFORMED;
  c.serial = tbs.value; c.serialLen = tbs.len;
  if (tbs.expect(DER_SEQUENCE) != OK) return E_MALFORMED;
  if (algKind(tbs) != sk) return E_MALFORMED; // RFC 5280 §4.1.1.2: must equal signatureAlgorithm
  if (tbs.expect(DER_SEQUENCE) != OK) return E_MALFORMED;
  c.issuer = tbs.tlv; c.issuerLen = tbs.tlvLen;
  if (tbs.expect(DER_SEQUENCE) != OK) return E_MALFORMED; // validity
  const v = tbs.into(r3);
  if (derTime(v) != OK) return E_MALFORMED;
  c.notBefore = timeValue;
  if (derTime(v) != OK || v.finish() != OK) return E_MALFORMED;
  c.notAfter = timeValue;
  if (tbs.expect(DER_SEQUENCE) != OK) return E_MALFORMED;
  c.subject = tbs.tlv; c.subjectLen = tbs.tlvLen;
  if (tbs.expect(DER_SEQUENCE) != OK) return E_MALFORMED;
  const st = spkiParse(c, tbs);
  if (st != OK) return st;
  // Optional issuerUniqueID [1], subjectUniqueID [2], extensions [3]
  while (!tbs.atEnd()) {
    if (tbs.read() != OK) return E_MALFORMED;
    if (tbs.tag == derCtx(3)) {
      const ex = tbs.into(r3);
      if (ex.expect(DER_SEQUENCE) != OK || ex.finish() != OK) return E_MALFORMED;
      const list = ex.into(r4);
      while (!list.atEnd()) {
        if (list.expect(DER_SEQUENCE) != OK) return E_MALFORMED;
        const e = list.into(r5);
        if (e.expect(DER_OID) != OK) return E_MALFORMED;
        const id = e.value, idLen = e.len;
        let critical = false;
        if (e.peek(DER_BOOLEAN)) { if (e.read() != OK || e.len != 1) return E_MALFORMED; critical = load<u8>(e.value) != 0; }
        if (e.expect(DER_OCTET_STRING) != OK || e.finish() != OK) return E_MALFORMED;
        const x = e.into(r6);
        if (derEquals(id, idLen, OID_BASIC_CONSTRAINTS)) {
          // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }
          if (x.expect(DER_SEQUENCE) != OK || x.finish() != OK) return E_MALFORMED;
          const bc = x.into(r6);
          if (bc.peek(DER_BOOLEAN)) {
            if (bc.read() != OK || bc.len != 1) return E_MALFORMED;
            c.isCa = load<u8>(bc.value) == 0xff;
          }
          if (bc.peek(DER_INTEGER)) {
            if (bc.read() != OK || bc.len < 1 || bc.len > 2 || load<u8>(bc.value) >= 0x80) return E_MALFORMED;
            c.pathLen = bc.len == 1 ? <i32>load<u8>(bc.value) : (<i32>load<u8>(bc.value) << 8) | <i32>load<u8>(bc.value + 1);
          }
          if (bc.finish() != OK) return E_MALFORMED;
        } else if (derEquals(id, idLen, OID_KEY_USAGE)) {
          // KeyUsage ::= BIT STRING: an unused-bits byte, then at most two bytes of bits
          if (x.expect(DER_BIT_STRING) != OK || x.finish() != OK || x.len < 2 || x.len > 3) return E_MALFORMED;
          c.keyUsage = (<i32>load<u8>(x.value + 1) << 8) | (x.len == 3 ? <i32>load<u8>(x.value + 2) : 0);
        } else if (critical && !derEquals(id, idLen, OID_SUBJECT_ALT_NAME)) c.unknownCritical = true;
      }
    }
  }
  return OK;
}

/** Time ::= UTCTime (YYMMDDHHMMSSZ, RFC 5280 §4.1.2.5.1: years 50-99 are 19xx) | GeneralizedTime
 *  (YYYYMMDDHHMMSSZ, §4.1.2.5.2), read from r into timeValue (seconds since 1970). Only the DER forms. */
let timeValue: i64 = 0;
function derTime(r: DerReader): i32 {
  if (r.read() != OK) return E_MALFORMED;
  const p = r.value, n = r.len;
  let o = 0, year = 0;
  if (r.tag == DER_UTC_TIME && n == 13) { year = digits(p, 2); if (year < 0) return E_MALFORMED; year += year < 50 ? 2000 : 1900; o = 2; }
  else if (r.tag == DER_GENERALIZED_TIME && n == 15) { year = digits(p, 4); if (year < 0) return E_MALFORMED; o = 4; }
  else return E_MALFORMED;
  const mon = digits(p + <usize>o, 2), day = digits(p + <usize>(o + 2), 2), h = digits(p + <usize>(o + 4), 2);
  const mi = digits(p + <usize>(o + 6), 2), sec = digits(p + <usize>(o + 8), 2);
  if (load<u8>(p + <usize>(o + 10)) != 0x5a) return E_MALFORMED; // 'Z'
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return E_MALFORMED;
  timeValue = daysFromCivil(year, mon, day) * 86400 + <i64>(h * 3600 + mi * 60 + sec);
  return OK;
}

function digits(p: usize, n: i32): i32 {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse). */
export function daysFromCivil(y: i32, m: i32, d: i32): i64 {
  const yy = m <= 2 ? y - 1 : y;
  const era = (yy >= 0 ? yy : yy - 399) / 400;
  const yoe = yy - era * 400;
  const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return <i64>era * 146097 + <i64>doe - 719468;
}

/** SubjectPublicKeyInfo: P-256 (uncompressed point), Ed25519 or X25519. r holds the SPKI TLV just read. */
function spkiParse(c: Certificate, r: DerReader): i32 {
  const s = r.into(r3);
  if (s.expect(DER_SEQUENCE) != OK) return E_MALFORMED;
  const a = s.into(r4);
  if (a.expect(DER_OID) != OK) return E_MALFORMED;
  if (derEquals(a.value, a.len, OID_EC_PUBLIC_KEY)) {
    if (a.expect(DER_OID) != OK || !derEquals(a.value, a.len, OID_PRIME256V1)) return E_UNSUPPORTED;
    c.keyKind = KEY_P256_ECDSA;
  } else if (derEquals(a.value, a.len, OID_ED25519)) c.keyKind = KEY_ED25519;
  else if (derEquals(a.value, a.len, OID_X25519)) c.keyKind = KEY_X25519_DH;
  else return E_UNSUPPORTED;
  if (a.finish() != OK) return E_MALFORMED;
  if (s.expect(DER_BIT_STRING) != OK || s.finish() != OK || s.len < 2 || load<u8>(s.value) != 0) return E_MALFORMED;
  c.key = s.value + 1; c.keyLen = s.len - 1;
  if (c.keyLen != (c.keyKind == KEY_P256_ECDSA ? 65 : 32)) return E_MALFORMED;
  return OK;
}

/** Whether the certificate's subject public key is the given one. */
export function x509HasKey(c: Certificate, pub: usize, pubLen: i32): bool {
  if (c.keyLen != pubLen) return false;
  for (let i = 0; i < pubLen; i++) if (load<u8>(c.key + <usize>i) != load<u8>(pub + <usize>i)) return false;
  return true;
}

/** Whether two DER spans are equal. */
export function spanEquals(a: usize, al: i32, b: usize, bl: i32): bool {
  if (al != bl) return false;
  for (let i = 0; i < al; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}

/** Verify that `issuer` issued `c`: names chain, the issuer is a CA that may sign certificates (keyUsage), and
 *  the signature verifies. Path rules (dates, pathLenConstraint, critical extensions) are pki/path.ts's. */
export function x509VerifyIssued(c: Certificate, issuer: Certificate): i32 {
  if (!spanEquals(c.issuer, c.issuerLen, issuer.subject, issuer.subjectLen)) return E_CRYPTO_SIGNATURE;
  if (!issuer.isCa || (issuer.keyUsage >= 0 && (issuer.keyUsage & KU_KEY_CERT_SIGN) == 0)) return E_CRYPTO_SIGNATURE;
  if (c.sigKind == KEY_P256_ECDSA) {
    if (issuer.keyKind != KEY_P256_ECDSA) return E_CRYPTO_SIGNATURE;
    const rs = memory.data(64, 8);
    const st = ecdsaSigValue(c.sig, c.sigLen, rs);
    if (st != OK) return st;
    const digest = memory.data(32, 8);
    sha256(c.tbs, c.tbsLen, digest);
    return p256VerifyDigest(issuer.key, 65, digest, rs) == OK ? OK : E_CRYPTO_SIGNATURE;
  }
  if (c.sigKind == KEY_ED25519) {
    if (issuer.keyKind != KEY_ED25519 || c.sigLen != 64) return E_CRYPTO_SIGNATURE;
    const v = ed25519Verify(issuer.key, c.tbs, c.tbsLen, c.sig);
    return v == OK || v == E_UNSUPPORTED ? v : E_CRYPTO_SIGNATURE;
  }
  return E_UNSUPPORTED;
}

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } into 64 bytes r || s. */
function ecdsaSigValue(p: usize, n: i32, out: usize): i32 {
  const r = r5.reset(p, n);
  if (r.expect(DER_SEQUENCE) != OK || r.finish() != OK) return E_MALFORMED;
  const s = r.into(r6);
  for (let k = 0; k < 2; k++) {
    if (s.expect(DER_INTEGER) != OK || s.len < 1 || s.len > 33) return E_MALFORMED;
    let v = s.value, l = s.len;
    if (l == 33) { if (load<u8>(v) != 0) return E_MALFORMED; v++; l--; }
    const dst = out + <usize>(k * 32);
    memory.fill(dst, 0, 32);
    memory.copy(dst + <usize>(32 - l), v, <usize>l);
  }
  return s.finish() == OK ? OK : E_MALFORMED;
}

/**
 * The certificates of a PKCS#7 / CMS certs-only SignedData (ContentInfo with content type signedData, no
 * signers). Calls back for each certificate's DER span in order; at most `max`. Returns the count or a status.
 */
export function pkcs7Certificates(p: usize, n: i32, spans: usize, max: i32): i32 {
  const top = r0.reset(p, n);
  if (top.expect(DER_SEQUENCE) != OK || top.finish() != OK) return E_MALFORMED;
  const ci = top.into(r1);
  if (ci.expect(DER_OID) != OK || !derEquals(ci.value, ci.len, OID_SIGNED_DATA)) return E_MALFORMED;
  if (ci.expect(derCtx(0)) != OK || ci.finish() != OK) return E_MALFORMED;
  const ex = ci.into(r2);
  if (ex.expect(DER_SEQUENCE) != OK || ex.finish() != OK) return E_MALFORMED;
  const sd = ex.into(r3);
  if (sd.expect(DER_INTEGER) != OK) return E_MALFORMED; // version
  if (sd.expect(DER_SET) != OK) return E_MALFORMED; // digestAlgorithms
  if (sd.expect(DER_SEQUENCE) != OK) return E_MALFORMED; // encapContentInfo
  if (sd.expect(derCtx(0)) != OK) return E_MALFORMED; // certificates [0] IMPLICIT SET OF
  const list = sd.into(r4);
  let k = 0;
  while (!list.atEnd()) {
    if (list.expect(DER_SEQUENCE) != OK) return E_MALFORMED;
    if (k >= max) return E_LIMIT;
    store<u32>(spans + <usize>(k * 8), <u32>list.tlv);
    store<i32>(spans + <usize>(k * 8 + 4), list.tlvLen);
    k++;
  }
  // crls [1] optional, then signerInfos SET (empty for certs-only)
  if (sd.peek(0xa1) && sd.read() != OK) return E_MALFORMED;
  if (sd.expect(DER_SET) != OK || sd.finish() != OK) return E_MALFORMED;
  return k;
}

/**
 * The private key of a PKCS#8 PrivateKeyInfo (RFC 5958): P-256 (ECPrivateKey, RFC 5915) or Ed25519
 * (CurvePrivateKey, RFC 8410). Copies the 32-byte key to out; returns KEY_P256_ECDSA, KEY_ED25519 or a status.
 */
export function pkcs8Parse(p: usize, n: i32, out: usize): i32 {
  const top = r0.reset(p, n);
  if (top.expect(DER_SEQUENCE) != OK || top.finish() != OK) return E_MALFORMED;
  const pki = top.into(r1);
  if (pki.expect(DER_INTEGER) != OK || pki.len != 1 || load<u8>(pki.value) > 1) return E_MALFORMED;
  if (pki.expect(DER_SEQUENCE) != OK) return E_MALFORMED;
  const alg = pki.into(r2);
  if (alg.expect(DER_OID) != OK) return E_MALFORMED;
  let kind = 0;
  if (derEquals(alg.value, alg.len, OID_EC_PUBLIC_KEY)) {
    if (alg.expect(DER_OID) != OK || !derEquals(alg.value, alg.len, OID_PRIME256V1)) return E_UNSUPPORTED;
    kind = KEY_P256_ECDSA;
  } else if (derEquals(alg.value, alg.len, OID_ED25519)) kind = KEY_ED25519;
  else return E_UNSUPPORTED;
  if (alg.finish() != OK) return E_MALFORMED;
  if (pki.expect(DER_OCTET_STRING) != OK) return E_MALFORMED;
  const inner = pki.into(r3);
  if (kind == KEY_ED25519) {
    if (inner.expect(DER_OCTET_STRING) != OK || inner.len != 32 || inner.finish() != OK) return E_MALFORMED;
  } else {
    if (inner.expect(DER_SEQUENCE) != OK || inner.finish() != OK) return E_MALFORMED;
    const ec = inner.into(r4);
    if (ec.expect(DER_INTEGER) != OK || ec.len != 1 || load<u8>(ec.value) != 1) return E_MALFORMED;
    if (ec.expect(DER_OCTET_STRING) != OK || ec.len != 32) return E_MALFORMED;
    memory.copy(out, ec.value, 32);
    return kind;
  }
  memory.copy(out, inner.value, 32);
  return kind;
}
