// X.509 certificates (RFC 5280) and PKCS#7 / CMS certs-only bundles (RFC 5652 §5, as EST returns them): the
// fields enrollment checks, parsed strictly from untrusted DER, and signature verification with ES256 and
// Ed25519 issuer keys.
//
// What is checked: the structure, the issuer/subject chaining by DER-equal names, the signature, the
// issuer's basicConstraints cA. What is not: validity dates (a device may have no trustworthy clock before
// it is enrolled; the server's policy sets them), name constraints, policies, revocation.

import { OK, E_MALFORMED, E_UNSUPPORTED, E_CRYPTO_SIGNATURE, E_LIMIT } from "../errors";
import {
  DerReader, DER_SEQUENCE, DER_SET, DER_INTEGER, DER_BIT_STRING, DER_OID, DER_OCTET_STRING, DER_BOOLEAN, derCtx,
  derEquals, OID_EC_PUBLIC_KEY, OID_PRIME256V1, OID_ECDSA_SHA256, OID_ED25519, OID_X25519, OID_BASIC_CONSTRAINTS,
  OID_SIGNED_DATA,
} from "./der";
import { sha256, p256VerifyDigest, ed25519Verify } from "../crypto/index";
import { KEY_P256_ECDSA, KEY_ED25519, KEY_X25519_DH } from "./csr";

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
}

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
  c.der = p; c.derLen = n; c.isCa = false;
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
        const isBc = derEquals(e.value, e.len, OID_BASIC_CONSTRAINTS);
        if (e.peek(DER_BOOLEAN) && e.read() != OK) return E_MALFORMED;
        if (e.expect(DER_OCTET_STRING) != OK || e.finish() != OK) return E_MALFORMED;
        if (isBc) {
          // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLen INTEGER OPTIONAL }
          const b = e.into(r6);
          if (b.expect(DER_SEQUENCE) != OK) return E_MALFORMED;
          const bc = b.into(r6);
          if (bc.peek(DER_BOOLEAN)) {
            if (bc.read() != OK || bc.len != 1) return E_MALFORMED;
            c.isCa = load<u8>(bc.value) == 0xff;
          }
        }
      }
    }
  }
  return OK;
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

/** Verify that `issuer` issued `c`: names chain, the issuer is a CA, and the signature verifies. */
export function x509VerifyIssued(c: Certificate, issuer: Certificate): i32 {
  if (!spanEquals(c.issuer, c.issuerLen, issuer.subject, issuer.subjectLen)) return E_CRYPTO_SIGNATURE;
  if (!issuer.isCa) return E_CRYPTO_SIGNATURE;
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
    return ed25519Verify(issuer.key, c.tbs, c.tbsLen, c.sig) == OK ? OK : E_CRYPTO_SIGNATURE;
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
