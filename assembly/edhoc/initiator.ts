// EDHOC Initiator key schedule and messages (RFC 9528 §5), cipher suites 0 (X25519, EdDSA) and 2 (P-256,
// ES256), both AES-CCM-16-64-128 / SHA-256 / MAC length 8, methods 0-3.
//
// Pure steps over module-owned state: edhocStart() builds message_1, edhocMessage2() decrypts and verifies
// message_2, edhocMessage3() builds message_3 and derives PRK_out, edhocOscore() exports the OSCORE master
// secret and salt (RFC 9528 Appendix A.1). Transport, retries, error messages on the wire, EAD and
// credential lookup belong to the layers around it; here the peer's credential is given, identified by the
// kid of its ID_CRED (the compact form of RFC 9528 §3.5.3.2 is decoded and compared).
//
// Status: the first slice of issue 5. Verified against RFC 9529 trace 1 (method 0, suite 0, X.509 by x5t)
// and trace 2 (method 3, suite 2, CCS by kid) through the test entry test/edhoc/entry.ts. Not yet: EAD,
// certificate-chain validation (the responder's key is configured, not taken from its certificate). EAD_2:
// non-critical items are passed over, critical ones refused (E_UNSUPPORTED).

import { OK, E_MALFORMED, E_USAGE, E_CRYPTO_AUTH, E_CRYPTO_SIGNATURE, E_CRYPTO_KEY, E_LIMIT, E_UNSUPPORTED } from "../errors";
import { cborBstr, cborInt, cborUint, cborRaw } from "../cbor/encode";
import { CborReader, MT_UINT, MT_NINT, MT_BSTR, MT_MAP } from "../cbor/decode";
import { Certificate, x509Parse, x509VerifyIssued } from "../est/x509";
import { KEY_P256_ECDSA, KEY_ED25519, KEY_X25519_DH } from "../est/csr";
import {
  Sha256, sha256, hkdfExtract, hkdfExpand, aesCcmSeal, x25519, x25519Base, p256PublicKey, p256Ecdh,
  ed25519Sign, ed25519Verify, p256SignDigest, p256VerifyDigest, ctEqual, wipe,
} from "../crypto/index";

export const SUITE_X25519_EDDSA: i32 = 0; // RFC 9528 §10.2: AES-CCM-16-64-128, SHA-256, 8, X25519, EdDSA
export const SUITE_P256_ES256: i32 = 2;   // AES-CCM-16-64-128, SHA-256, 8, P-256, ES256
const MAC_LEN = 8;     // EDHOC MAC length of suites 0 and 2
/** Room for CRED_R / ID_CRED_R: a CCS, or an X.509 certificate wrapped in a CBOR byte string. */
const CRED_CAP = 1100;
const PT3_CAP = 1200;
/** KDF info and the buffer for contexts and Sig_structure: both credentials (certificates with x5chain) fit. */
const KDF_INFO_CAP = 2400;
const BUF_CAP = 2400;
const HASH_LEN = 32;

/** Configuration of one handshake, filled by the caller before edhocStart(). Buffers are copied in; each
 *  instance allocates its own once, at start-up. */
export class EdhocConfig {
  method: i32 = 3;
  /** SUITES_I as CBOR (an int, or an array with the selected suite last) and the selected suite. */
  suitesI: usize = heap.alloc(16);
  suitesILen: i32 = 0;
  suite: i32 = SUITE_P256_ES256;
  /** Ephemeral private key X (32 bytes, from the DRBG; tests inject a trace's X). */
  x: usize = heap.alloc(32);
  /** C_I as a byte string (1..8 bytes). */
  cI: usize = heap.alloc(8);
  cILen: i32 = 0;
  /** Initiator: static DH private key I (methods 2, 3) or signature key (seed for Ed25519, scalar for ES256). */
  iKey: usize = heap.alloc(32);
  credI: usize = heap.alloc(CRED_CAP);
  credILen: i32 = 0;
  /** ID_CRED_I as a CBOR map, e.g. {4: kid} = a1 04 41 2b. */
  idCredI: usize = heap.alloc(CRED_CAP);
  idCredILen: i32 = 0;
  /** Responder: CRED_R, its ID_CRED_R map, and its public key (x-coordinate for DH; for signatures the
   *  32-byte Ed25519 key or the 65-byte uncompressed P-256 point). */
  credR: usize = heap.alloc(CRED_CAP);
  credRLen: i32 = 0;
  idCredR: usize = heap.alloc(CRED_CAP);
  idCredRLen: i32 = 0;
  /** x5chain mode (idCredRLen == 0): the Responder's certificate arrives in ID_CRED_R = {33: cert}; it must
   *  be issued by this trust anchor (DER) to this subject (DER Name), and CRED_R, its key and ID_CRED_R are
   *  taken from it. */
  trustAnchor: usize = 0;
  trustAnchorLen: i32 = 0;
  peerSubject: usize = heap.alloc(128);
  peerSubjectLen: i32 = 0;
  gR: usize = heap.alloc(65);
  gRLen: i32 = 0;
}

export const config = new EdhocConfig();

// ---- Handshake state ---------------------------------------------------------------------------------------
const gX = memory.data(32, 8);
const gY = memory.data(32, 8);
const hMsg1 = memory.data(32, 8);
const th2 = memory.data(32, 8), th3 = memory.data(32, 8), th4 = memory.data(32, 8);
const prk2e = memory.data(32, 8), prk3e2m = memory.data(32, 8), prk4e3m = memory.data(32, 8);
const prkOut = memory.data(32, 8), prkExporter = memory.data(32, 8);
const shared = memory.data(32, 8);
const salt = memory.data(32, 8);
const mac = memory.data(32, 8);
const plaintext2 = memory.data(1200, 8); // an x5chain ID_CRED_R carries a whole certificate
let plaintext2Len = 0;
/** C_R as received (its wire encoding, for context_2) and as a byte string (the OSCORE Sender ID). */
const cRWire = memory.data(16, 4);
let cRWireLen = 0;
export const cR = memory.data(8, 4);
export let cRLen = 0;
const buf = memory.data(BUF_CAP, 8);     // KDF info, contexts, Sig_structure, PLAINTEXT_3
const sig = memory.data(64, 8);
const pt3 = memory.data(PT3_CAP, 8); // ID_CRED_I may be an x5chain with a whole certificate
const reader = new CborReader();
const eadReader = new CborReader();
const hash = new Sha256();

const STATE_START = memory.data(1);

// ---- Helpers -----------------------------------------------------------------------------------------------

/** EDHOC_KDF(PRK, label, context, L) = HKDF-Expand(PRK, info = (label, bstr context, L), L) (§4.1.2). */
function kdf(prk: usize, label: i32, ctx: usize, ctxLen: i32, out: usize, len: i32): i32 {
  const info = memory.data(KDF_INFO_CAP, 8);
  let o = cborInt(info, KDF_INFO_CAP, 0, label);
  o = cborBstr(info, KDF_INFO_CAP, o, ctx, ctxLen);
  o = cborUint(info, KDF_INFO_CAP, o, <u64>len);
  if (o < 0) return E_LIMIT;
  return hkdfExpand(prk, 32, info, o, out, len);
}

function ecdh(priv: usize, pub: usize, out: usize): i32 {
  if (config.suite == SUITE_X25519_EDDSA) return x25519(priv, pub, out);
  return p256Ecdh(priv, pub, 32, out);
}

/** A connection identifier or compact kid in its wire form (RFC 9528 §3.3.2): one byte that is a one-byte
 *  CBOR integer (0x00-0x17, 0x20-0x37) stands for itself, anything else is a bstr. */
function idWire(out: usize, cap: i32, off: i32, p: usize, n: i32): i32 {
  if (isIntByte(p, n)) { if (off < 0 || off >= cap) return E_LIMIT; store<u8>(out + <usize>off, load<u8>(p)); return off + 1; }
  return cborBstr(out, cap, off, p, n);
}

/** Whether the identifier (p, n) is one byte that is a one-byte CBOR integer, so that its only valid wire form
 *  is that integer: received as a bstr, it is a second encoding and refused (RFC 9529 §4 "surplus bstr"). */
function isIntByte(p: usize, n: i32): bool {
  if (n != 1) return false;
  const b = <i32>load<u8>(p);
  return b <= 0x17 || (b >= 0x20 && b <= 0x37);
}

/** The kid of an ID_CRED map {4: kid}, or -1. Sets kidPtr/kidLen. */
let kidPtr: usize = 0;
let kidLen = 0;
const idReader = new CborReader();
function kidOf(map: usize, n: i32): i32 {
  const r = idReader;
  r.reset(map, n, true);
  if (r.enterMap() != OK || r.count != 1) return -1;
  if (r.readInt() != OK || r.value != 4) return -1;
  if (r.readBstr() != OK || r.finish() != OK) return -1;
  kidPtr = r.ptr; kidLen = r.size;
  return OK;
}

// ---- x5chain ----------------------------------------------------------------------------------------------

const peerCert = new Certificate();
const taCert = new Certificate();
const x5Reader = new CborReader();

/**
 * ID_CRED_R = {33: certificate} (x5chain with one certificate, RFC 9360): the certificate must be issued by
 * the trust anchor to the provisioned subject and carry a key of the right kind for the suite and method.
 * Then it becomes CRED_R (a CBOR bstr of the DER), its key G_R, and the map ID_CRED_R. E_CRYPTO_KEY when it
 * is not the server's, E_MALFORMED when it does not parse.
 */
function x5chainPeer(map: usize, n: i32): i32 {
  const c = config;
  if (n > CRED_CAP || c.trustAnchorLen <= 0) return E_CRYPTO_KEY;
  const r = x5Reader;
  r.reset(map, n, true);
  if (r.enterMap() != OK || r.count != 1 || r.readInt() != OK || r.value != 33) return E_CRYPTO_KEY; // another kind of ID_CRED_R
  if (r.readBstr() != OK || r.finish() != OK) return E_MALFORMED; // (a chain as an array is not supported)
  const cert = r.ptr, certLen = r.size;
  if (x509Parse(taCert, c.trustAnchor, c.trustAnchorLen) != OK) return E_CRYPTO_KEY;
  if (x509Parse(peerCert, cert, certLen) != OK) return E_MALFORMED;
  if (x509VerifyIssued(peerCert, taCert) != OK) return E_CRYPTO_KEY;
  if (peerCert.subjectLen != c.peerSubjectLen || !ctEqual(peerCert.subject, c.peerSubject, c.peerSubjectLen)) return E_CRYPTO_KEY;
  const rDh = c.method == 1 || c.method == 3;
  if (c.suite == SUITE_P256_ES256) {
    if (peerCert.keyKind != KEY_P256_ECDSA) return E_CRYPTO_KEY;
    if (rDh) { memory.copy(c.gR, peerCert.key + 1, 32); c.gRLen = 32; } else { memory.copy(c.gR, peerCert.key, 65); c.gRLen = 65; }
  } else {
    if (peerCert.keyKind != (rDh ? KEY_X25519_DH : KEY_ED25519)) return E_CRYPTO_KEY;
    memory.copy(c.gR, peerCert.key, 32); c.gRLen = 32;
  }
  const o = cborBstr(c.credR, CRED_CAP, 0, cert, certLen);
  if (o < 0) return E_LIMIT;
  c.credRLen = o;
  memory.copy(c.idCredR, map, <usize>n);
  c.idCredRLen = n;
  return OK;
}

// ---- message_1 ---------------------------------------------------------------------------------------------

/** Build message_1 (METHOD, SUITES_I, G_X, C_I) into out. Returns its length or a status. */
export function edhocStart(out: usize, cap: i32): i32 {
  const c = config;
  if (c.method < 0 || c.method > 3 || (c.suite != SUITE_X25519_EDDSA && c.suite != SUITE_P256_ES256)) return E_USAGE;
  if (c.suite == SUITE_X25519_EDDSA) x25519Base(c.x, gX);
  else {
    const pt = memory.data(65, 4);
    const st = p256PublicKey(c.x, pt);
    if (st != OK) return st;
    memory.copy(gX, pt + 1, 32); // G_X is the x-coordinate (RFC 9528 §3.7)
  }
  let o = cborInt(out, cap, 0, c.method);
  o = cborRaw(out, cap, o, c.suitesI, c.suitesILen);
  o = cborBstr(out, cap, o, gX, 32);
  o = idWire(out, cap, o, c.cI, c.cILen);
  if (o < 0) return E_LIMIT;
  sha256(out, o, hMsg1);
  cRLen = 0; // known again once PLAINTEXT_2 names it
  store<u8>(STATE_START, 1);
  return o;
}

// ---- message_2 ---------------------------------------------------------------------------------------------

/** Process message_2 (RFC 9528 §5.3.3): decrypt PLAINTEXT_2, check ID_CRED_R against the configured
 *  responder credential, verify MAC_2 or the signature, and compute TH_3. Returns OK or a status; on any
 *  failure nothing of the handshake may be used. */
export function edhocMessage2(msg: usize, len: i32): i32 {
  const c = config;
  if (load<u8>(STATE_START) != 1) return E_USAGE;
  reader.reset(msg, len, true);
  if (reader.readBstr() != OK || reader.finish() != OK) return E_MALFORMED;
  const body = reader.ptr, bodyLen = reader.size;
  const ctLen = bodyLen - 32;
  if (ctLen < 3 || ctLen > 1200) return E_MALFORMED;
  memory.copy(gY, body, 32);
  // TH_2 = H(bstr G_Y, bstr H(message_1))
  hash.reset();
  let o = cborBstr(buf, BUF_CAP, 0, gY, 32);
  o = cborBstr(buf, BUF_CAP, o, hMsg1, 32);
  hash.update(buf, o); hash.finish(th2);
  let st = ecdh(c.x, gY, shared);
  if (st != OK) return st;
  hkdfExtract(th2, 32, shared, 32, prk2e);
  // PLAINTEXT_2 = CIPHERTEXT_2 xor KEYSTREAM_2
  st = kdf(prk2e, 0, th2, 32, plaintext2, ctLen);
  if (st != OK) return st;
  for (let i = 0; i < ctLen; i++) store<u8>(plaintext2 + <usize>i, load<u8>(plaintext2 + <usize>i) ^ load<u8>(body + <usize>(32 + i)));
  plaintext2Len = ctLen;
  // ( C_R, ID_CRED_R, Signature_or_MAC_2, ? EAD_2 )
  reader.reset(plaintext2, ctLen, true);
  const crStart = reader.pos;
  if (reader.head() != OK) return E_MALFORMED;
  if (reader.major == MT_BSTR) { if (reader.readBstr() != OK || reader.size > 8 || isIntByte(reader.ptr, reader.size)) return E_MALFORMED; memory.copy(cR, reader.ptr, <usize>reader.size); cRLen = reader.size; }
  else if (reader.major == MT_UINT || reader.major == MT_NINT) {
    if (reader.readInt(-24, 23) != OK) return E_MALFORMED;
    store<u8>(cR, load<u8>(plaintext2 + <usize>crStart)); cRLen = 1;
  } else return E_MALFORMED;
  cRWireLen = reader.pos - crStart;
  memory.copy(cRWire, plaintext2 + <usize>crStart, <usize>cRWireLen);
  // ID_CRED_R: the compact kid (int or bstr) or a map; it must name the configured credential.
  if (reader.head() != OK) return E_MALFORMED;
  if (reader.major == MT_MAP) {
    if (reader.skip() != OK) return E_MALFORMED;
    // {4: kid} alone must travel in its compact form (§3.5.3.2); the map form is a second encoding of the
    // same ID_CRED_R, refused like any other non-deterministic CBOR (RFC 9529 §4 "surplus map encoding").
    if (kidOf(plaintext2 + <usize>reader.itemStart, reader.itemLen) == OK) return E_MALFORMED;
    if (c.idCredRLen == 0) {
      const x = x5chainPeer(plaintext2 + <usize>reader.itemStart, reader.itemLen);
      if (x != OK) return x;
    } else if (reader.itemLen != c.idCredRLen || !ctEqual(plaintext2 + <usize>reader.itemStart, c.idCredR, c.idCredRLen)) return E_CRYPTO_KEY;
  } else {
    if (kidOf(c.idCredR, c.idCredRLen) != OK) return E_CRYPTO_KEY; // a compact kid, but R's credential has none
    const start = reader.pos;
    if (reader.major == MT_BSTR) {
      if (reader.readBstr() != OK || isIntByte(reader.ptr, reader.size)) return E_MALFORMED;
      if (reader.size != kidLen || !ctEqual(reader.ptr, kidPtr, kidLen)) return E_CRYPTO_KEY;
    } else {
      if (reader.readInt(-24, 23) != OK) return E_MALFORMED;
      if (kidLen != 1 || load<u8>(plaintext2 + <usize>start) != load<u8>(kidPtr)) return E_CRYPTO_KEY;
    }
  }
  if (reader.readBstr() != OK) return E_MALFORMED;
  const sm = reader.ptr, smLen = reader.size;
  const eadPtr = plaintext2 + <usize>reader.pos, eadLen = ctLen - reader.pos;
  // EAD_2 = 1* (ead_label, ? ead_value bstr) (§3.8): padding (label 0) and other non-critical items are passed
  // over; an item with a negative label is critical, and since no EAD is understood here, the handshake
  // fails on it — after MAC_2 / the signature verified, so only the authenticated Responder can cause that.
  let critical = false;
  eadReader.reset(eadPtr, eadLen, true);
  while (!eadReader.atEnd()) {
    if (eadReader.readInt(-65536, 65535) != OK) return E_MALFORMED;
    if (eadReader.value < 0) critical = true;
    if (!eadReader.atEnd() && eadReader.peekType() == MT_BSTR && eadReader.readBstr() != OK) return E_MALFORMED;
  }
  // PRK_3e2m
  st = kdf(prk2e, 1, th2, 32, salt, HASH_LEN);
  if (st != OK) return st;
  const rStaticDh = c.method == 1 || c.method == 3;
  if (rStaticDh) {
    st = ecdh(c.x, c.gR, shared);
    if (st != OK) return st;
    hkdfExtract(salt, 32, shared, 32, prk3e2m);
  } else memory.copy(prk3e2m, prk2e, 32);
  // context_2 = << C_R, ID_CRED_R, TH_2, CRED_R, ? EAD_2 >>
  o = cborRaw(buf, BUF_CAP, 0, cRWire, cRWireLen);
  o = cborRaw(buf, BUF_CAP, o, c.idCredR, c.idCredRLen);
  o = cborBstr(buf, BUF_CAP, o, th2, 32);
  o = cborRaw(buf, BUF_CAP, o, c.credR, c.credRLen);
  o = cborRaw(buf, BUF_CAP, o, eadPtr, eadLen);
  if (o < 0) return E_LIMIT;
  const macLen = rStaticDh ? MAC_LEN : HASH_LEN;
  st = kdf(prk3e2m, 2, buf, o, mac, macLen);
  if (st != OK) return st;
  if (rStaticDh) {
    if (smLen != macLen || !ctEqual(sm, mac, macLen)) return E_CRYPTO_AUTH;
  } else {
    const n = sigStructure(c.idCredR, c.idCredRLen, th2, c.credR, c.credRLen, eadPtr, eadLen, macLen);
    if (n < 0) return n;
    st = verifySig(buf, n, sm, smLen);
    if (st != OK) return st;
  }
  if (critical) return E_UNSUPPORTED;
  // TH_3 = H(bstr TH_2, PLAINTEXT_2, CRED_R)
  hash.reset();
  o = cborBstr(buf, BUF_CAP, 0, th2, 32);
  hash.update(buf, o); hash.update(plaintext2, ctLen); hash.update(c.credR, c.credRLen); hash.finish(th3);
  store<u8>(STATE_START, 2);
  return OK;
}

/** Sig_structure = ["Signature1", << ID_CRED >>, << TH, CRED, ? EAD >>, MAC] into buf (§5.3.2). */
function sigStructure(idCred: usize, idCredLen: i32, th: usize, cred: usize, credLen: i32, ead: usize, eadLen: i32, macLen: i32): i32 {
  const inner = memory.data(1400, 8);
  let i = cborBstr(inner, 1400, 0, th, 32);
  i = cborRaw(inner, 1400, i, cred, credLen);
  i = cborRaw(inner, 1400, i, ead, eadLen);
  if (i < 0) return E_LIMIT;
  let o = cborRaw(buf, BUF_CAP, 0, memory.data<u8>([0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31]), 12);
  o = cborBstr(buf, BUF_CAP, o, idCred, idCredLen);
  o = cborBstr(buf, BUF_CAP, o, inner, i);
  o = cborBstr(buf, BUF_CAP, o, mac, macLen);
  return o < 0 ? E_LIMIT : o;
}

function verifySig(msg: usize, n: i32, s: usize, sLen: i32): i32 {
  if (sLen != 64) return E_CRYPTO_SIGNATURE;
  if (config.suite == SUITE_X25519_EDDSA) return ed25519Verify(config.gR, msg, n, s) == OK ? OK : E_CRYPTO_SIGNATURE;
  const digest = memory.data(32, 8);
  sha256(msg, n, digest);
  return p256VerifyDigest(config.gR, config.gRLen, digest, s) == OK ? OK : E_CRYPTO_SIGNATURE;
}

// ---- message_3 ---------------------------------------------------------------------------------------------

/** Build message_3 (§5.4.2) into out and derive PRK_out. Returns its length or a status. */
export function edhocMessage3(out: usize, cap: i32): i32 {
  const c = config;
  if (load<u8>(STATE_START) != 2) return E_USAGE;
  let st = kdf(prk3e2m, 5, th3, 32, salt, HASH_LEN);
  if (st != OK) return st;
  const iStaticDh = c.method == 2 || c.method == 3;
  if (iStaticDh) {
    st = ecdh(c.iKey, gY, shared);
    if (st != OK) return st;
    hkdfExtract(salt, 32, shared, 32, prk4e3m);
  } else memory.copy(prk4e3m, prk3e2m, 32);
  // context_3 = << ID_CRED_I, TH_3, CRED_I, ? EAD_3 >>
  let o = cborRaw(buf, BUF_CAP, 0, c.idCredI, c.idCredILen);
  o = cborBstr(buf, BUF_CAP, o, th3, 32);
  o = cborRaw(buf, BUF_CAP, o, c.credI, c.credILen);
  if (o < 0) return E_LIMIT;
  const macLen = iStaticDh ? MAC_LEN : HASH_LEN;
  st = kdf(prk4e3m, 6, buf, o, mac, macLen);
  if (st != OK) return st;
  let smPtr = mac, smLen = macLen;
  if (!iStaticDh) {
    const n = sigStructure(c.idCredI, c.idCredILen, th3, c.credI, c.credILen, 0, 0, macLen);
    if (n < 0) return n;
    if (c.suite == SUITE_X25519_EDDSA) ed25519Sign(c.iKey, buf, n, sig);
    else {
      const digest = memory.data(32, 8);
      sha256(buf, n, digest);
      st = p256SignDigest(c.iKey, digest, sig);
      if (st != OK) return st;
    }
    smPtr = sig; smLen = 64;
  }
  // PLAINTEXT_3 = ( ID_CRED_I, Signature_or_MAC_3 ): {4: kid} in its compact form (§3.5.3.2), any other
  // ID_CRED_I (x5t, x5chain, ...) as the map itself.
  let p = kidOf(c.idCredI, c.idCredILen) == OK ? idWire(pt3, PT3_CAP, 0, kidPtr, kidLen) : cborRaw(pt3, PT3_CAP, 0, c.idCredI, c.idCredILen);
  p = cborBstr(pt3, PT3_CAP, p, smPtr, smLen);
  if (p < 0) return E_LIMIT;
  // K_3, IV_3, A_3 = ["Encrypt0", h'', TH_3]
  const k3 = memory.data(16, 8), iv3 = memory.data(13, 4), a3 = memory.data(48, 4);
  st = kdf(prk3e2m, 3, th3, 32, k3, 16); if (st != OK) return st;
  st = kdf(prk3e2m, 4, th3, 32, iv3, 13); if (st != OK) return st;
  let a = cborRaw(a3, 48, 0, memory.data<u8>([0x83, 0x68, 0x45, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x30, 0x40]), 11);
  a = cborBstr(a3, 48, a, th3, 32);
  const ct = memory.data(PT3_CAP + 8, 8);
  st = aesCcmSeal(k3, iv3, 13, a3, a, pt3, p, 8, ct);
  wipe(k3, 16); wipe(iv3, 13);
  if (st != OK) return st;
  const m = cborBstr(out, cap, 0, ct, p + 8);
  if (m < 0) return E_LIMIT;
  // TH_4 = H(bstr TH_3, PLAINTEXT_3, CRED_I); PRK_out; PRK_exporter
  hash.reset();
  o = cborBstr(buf, BUF_CAP, 0, th3, 32);
  hash.update(buf, o); hash.update(pt3, p); hash.update(c.credI, c.credILen); hash.finish(th4);
  st = kdf(prk4e3m, 7, th4, 32, prkOut, HASH_LEN); if (st != OK) return st;
  st = kdf(prkOut, 10, 0, 0, prkExporter, HASH_LEN); if (st != OK) return st;
  store<u8>(STATE_START, 3);
  return m;
}

/** OSCORE Master Secret (16 bytes) and Master Salt (8 bytes) from PRK_exporter (RFC 9528 Appendix A.1). */
export function edhocOscore(secret: usize, saltOut: usize): i32 {
  if (load<u8>(STATE_START) != 3) return E_USAGE;
  let st = kdf(prkExporter, 0, 0, 0, secret, 16);
  if (st == OK) st = kdf(prkExporter, 1, 0, 0, saltOut, 8);
  return st;
}

/** C_R in its wire form (a one-byte CBOR int when it allows, else a bstr), as message_2 carried it: the prefix of
 *  message_3 and of error messages sent over CoAP (RFC 9528 Appendix A.2). Copies it to out; returns its length. */
export function edhocCRWire(out: usize): i32 { memory.copy(out, cRWire, <usize>cRWireLen); return cRWireLen; }

/** G_Y of the handshake (the Responder's ephemeral key, 32-byte x-coordinate), valid after message_2. */
export function edhocGY(): usize { return gY; }

/** PRK_out of the finished handshake (32 bytes), for tests and the key-update exporter. */
export function edhocPrkOut(): usize { return prkOut; }

/** Forget every secret of the handshake. */
export function edhocWipe(): void {
  wipe(config.x, 32); wipe(config.iKey, 32);
  wipe(prk2e, 32); wipe(prk3e2m, 32); wipe(prk4e3m, 32); wipe(prkOut, 32); wipe(prkExporter, 32);
  wipe(shared, 32); wipe(salt, 32); wipe(mac, 32); wipe(plaintext2, 256); wipe(buf, BUF_CAP); wipe(pt3, PT3_CAP);
  store<u8>(STATE_START, 0);
}
