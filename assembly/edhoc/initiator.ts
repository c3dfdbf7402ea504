// The EDHOC Initiator (RFC 9528 §5): cipher suites 0 (X25519, EdDSA) and 2 (P-256, ES256), both
// AES-CCM-16-64-128 / SHA-256 / MAC length 8, methods 0-3.
//
// A chain of states, each step consuming the one before (lakers' shape): prepareMessage1() fills WaitM2;
// parseMessage2() decrypts PLAINTEXT_2 and names C_R, ID_CRED_R and EAD_2 (ProcessingM2) without trusting
// any of it; the caller resolves ID_CRED_R to a credential (edhoc/credentials.ts) and verifyMessage2() checks
// MAC_2 or the signature against it (ProcessedM2); prepareMessage3() builds message_3 and derives PRK_out
// (Completed); exportOscore() gives the OSCORE master secret and salt (Appendix A.1). A step refuses a state
// that is not its input (E_USAGE), and wipes the secrets of the state it consumed.
//
// Pure: no I/O, no key store, no credential lookup. Verified against RFC 9529 traces 1 (method 0, suite 0,
// x5t) and 2 (method 3, suite 2, kid) through test/edhoc/entry.ts. EAD_2: non-critical items are passed over,
// a critical one fails the handshake (E_UNSUPPORTED) once the Responder is authenticated.

import { OK, E_MALFORMED, E_USAGE, E_CRYPTO_AUTH, E_CRYPTO_SIGNATURE, E_LIMIT, E_UNSUPPORTED } from "../base/errors";
import { EDHOC_PT2_CAPACITY, EDHOC_WORK_CAPACITY, EDHOC_PT3_CAPACITY } from "../base/config";
import { cborBstr, cborInt, cborUint, cborRaw } from "../cbor/encode";
import { CborReader, MT_UINT, MT_NINT, MT_BSTR, MT_MAP } from "../cbor/decode";
import {
  Sha256, HmacSha256, sha256, hkdfExtract, hkdfExpand, aesCcmSeal, x25519, x25519Base, p256PublicKey, p256Ecdh,
  ed25519Sign, ed25519Verify, p256SignDigest, p256VerifyDigest, ctEqual, wipe,
} from "../crypto/index";

export const SUITE_X25519_EDDSA: i32 = 0; // RFC 9528 §10.2: AES-CCM-16-64-128, SHA-256, 8, X25519, EdDSA
export const SUITE_P256_ES256: i32 = 2;   // AES-CCM-16-64-128, SHA-256, 8, P-256, ES256
const MAC_LEN = 8;     // EDHOC MAC length of suites 0 and 2
const HASH_LEN = 32;

/** What the Initiator authenticates with and offers. The caller owns every buffer it points to. */
export class InitiatorConfig {
  method: i32 = 3;
  /** SUITES_I as CBOR (an int, or an array with the selected suite last) and the selected suite. */
  suitesI: usize = heap.alloc(16);
  suitesILen: i32 = 0;
  suite: i32 = SUITE_P256_ES256;
  /** Ephemeral private key X (32 bytes, from the DRBG; tests inject a trace's X). Wiped by the steps. */
  x: usize = heap.alloc(32);
  /** C_I as a byte string (1..8 bytes). */
  cI: usize = heap.alloc(8);
  cILen: i32 = 0;
  /** Static DH private key I (methods 2, 3) or signature key (Ed25519 seed, ES256 scalar), 32 bytes. */
  iKey: usize = 0;
  /** CRED_I and ID_CRED_I (a CBOR map, e.g. {4: kid} = a1 04 41 2b). */
  credI: usize = 0;
  credILen: i32 = 0;
  idCredI: usize = 0;
  idCredILen: i32 = 0;
}

/** After message_1: waiting for message_2. */
export class WaitM2 {
  live: bool = false;
  method: i32 = 0;
  suite: i32 = 0;
  x: usize = heap.alloc(32);
  hMsg1: usize = heap.alloc(32);
}

/** message_2 decrypted and parsed, nothing in it trusted yet. */
export class ProcessingM2 {
  live: bool = false;
  method: i32 = 0;
  suite: i32 = 0;
  x: usize = heap.alloc(32);
  gY: usize = heap.alloc(32);
  th2: usize = heap.alloc(32);
  prk2e: usize = heap.alloc(32);
  /** PLAINTEXT_2 (in the buffer lent to parseMessage2) and views into it. */
  pt2: usize = 0;
  pt2Len: i32 = 0;
  /** C_R as a byte string (the OSCORE Sender ID) and in its wire form (for context_2, message_3's prefix). */
  cR: usize = heap.alloc(8);
  cRLen: i32 = 0;
  cRWire: usize = heap.alloc(16);
  cRWireLen: i32 = 0;
  /** ID_CRED_R as it travelled: a map, or a compact kid (an int or a bstr, the kid's bytes in kid/kidLen). */
  idCredR: usize = 0;
  idCredRLen: i32 = 0;
  idCredRIsKid: bool = false;
  kid: usize = heap.alloc(16);
  kidLen: i32 = 0;
  sigOrMac: usize = 0;
  sigOrMacLen: i32 = 0;
  ead: usize = 0;
  eadLen: i32 = 0;
  eadCritical: bool = false;
}

/** message_2 verified: the Responder is authenticated. */
export class ProcessedM2 {
  live: bool = false;
  method: i32 = 0;
  suite: i32 = 0;
  gY: usize = heap.alloc(32);
  th3: usize = heap.alloc(32);
  prk3e2m: usize = heap.alloc(32);
  cR: usize = heap.alloc(8);
  cRLen: i32 = 0;
  cRWire: usize = heap.alloc(16);
  cRWireLen: i32 = 0;
}

/** message_3 built: the handshake's keys. */
export class Completed {
  live: bool = false;
  prkOut: usize = heap.alloc(32);
  prkExporter: usize = heap.alloc(32);
  cR: usize = heap.alloc(8);
  cRLen: i32 = 0;
}

// ---- Scratch -------------------------------------------------------------------------------------------------
const shared = memory.data(32, 8);
const salt = memory.data(32, 8);
const mac = memory.data(32, 8);
const prk4e3m = memory.data(32, 8);
const th4 = memory.data(32, 8);
/** Contexts, Sig_structure and PLAINTEXT_3 take turns in one work buffer, lent by the caller for the handshake
 *  (initiatorWorkspace): EDHOC_WORK_CAPACITY bytes, PLAINTEXT_3 in its last EDHOC_PT3_CAPACITY. */
let work: usize = 0;
const INFO_CAP = 320;
const info = memory.data(INFO_CAP, 8);
const sig = memory.data(64, 8);
const digest = memory.data(32, 8);
const reader = new CborReader();
const eadReader = new CborReader();
const hash = new Sha256();

/** Lend the Initiator its work buffer (EDHOC_WORK_CAPACITY bytes) until the handshake ends. */
export function initiatorWorkspace(p: usize): void { work = p; }

// ---- Helpers -----------------------------------------------------------------------------------------------

/** EDHOC_KDF(PRK, label, context, L) = HKDF-Expand(PRK, info = (label, bstr context, L), L) (§4.1.2). A long
 *  context (context_2, context_3 with a credential) is not copied into the info: HKDF-Expand of at most one
 *  hash output is HMAC(PRK, info || 0x01), so the info is hashed in pieces. */
function kdf(prk: usize, label: i32, ctx: usize, ctxLen: i32, out: usize, len: i32): i32 {
  let o = cborInt(info, INFO_CAP, 0, label);
  o = cborBstr(info, INFO_CAP, o, ctx, ctxLen);
  o = cborUint(info, INFO_CAP, o, <u64>len);
  if (o < 0) return E_LIMIT;
  return hkdfExpand(prk, 32, info, o, out, len);
}

function ecdh(suite: i32, priv: usize, pub: usize, out: usize): i32 {
  if (suite == SUITE_X25519_EDDSA) return x25519(priv, pub, out);
  return p256Ecdh(priv, pub, 32, out);
}

/** A connection identifier or compact kid in its wire form (RFC 9528 §3.3.2): one byte that is a one-byte
 *  CBOR integer (0x00-0x17, 0x20-0x37) stands for itself, anything else is a bstr. */
export function idWire(out: usize, cap: i32, off: i32, p: usize, n: i32): i32 {
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

const idReader = new CborReader();
/** The kid of an ID_CRED map {4: kid} into (kidPtr, kidLen); false when the map is anything else. */
let kidPtr: usize = 0;
let kidLen = 0;
export function kidOf(map: usize, n: i32): bool {
  const r = idReader;
  r.reset(map, n, true);
  if (r.enterMap() != OK || r.count != 1) return false;
  if (r.readInt() != OK || r.value != 4) return false;
  if (r.readBstr() != OK || r.finish() != OK) return false;
  kidPtr = r.ptr; kidLen = r.size;
  return true;
}

// ---- message_1 ---------------------------------------------------------------------------------------------

/** Build message_1 (METHOD, SUITES_I, G_X, C_I) into out; fills `next` (the config's X moves there and is
 *  wiped from the config). Returns its length or a status. */
export function prepareMessage1(c: InitiatorConfig, out: usize, cap: i32, next: WaitM2): i32 {
  if (c.method < 0 || c.method > 3 || (c.suite != SUITE_X25519_EDDSA && c.suite != SUITE_P256_ES256)) return E_USAGE;
  const gX = shared;
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
  sha256(out, o, next.hMsg1);
  memory.copy(next.x, c.x, 32);
  wipe(c.x, 32);
  next.method = c.method; next.suite = c.suite;
  next.live = true;
  return o;
}

// ---- message_2 ---------------------------------------------------------------------------------------------

/** Decrypt and parse message_2 (§5.3.3 steps up to the credential): TH_2, PRK_2e, PLAINTEXT_2 (into pt2,
 *  EDHOC_PT2_CAPACITY bytes lent until message_2 is verified), and C_R, ID_CRED_R, Signature_or_MAC_2 and
 *  EAD_2 as views into `next`. Consumes s. Returns OK or a status; on a failure nothing of the handshake may
 *  be used. */
export function parseMessage2(s: WaitM2, msg: usize, len: i32, next: ProcessingM2, pt2: usize): i32 {
  if (!s.live) return E_USAGE;
  if (work == 0) return E_USAGE;
  next.pt2 = pt2;
  s.live = false;
  const st = parse2(s, msg, len, next);
  wipe(s.x, 32);
  if (st != OK) wipeProcessing(next);
  return st;
}

function parse2(s: WaitM2, msg: usize, len: i32, n: ProcessingM2): i32 {
  reader.reset(msg, len, true);
  if (reader.readBstr() != OK || reader.finish() != OK) return E_MALFORMED;
  const body = reader.ptr, bodyLen = reader.size;
  const ctLen = bodyLen - 32;
  if (ctLen < 3 || ctLen > EDHOC_PT2_CAPACITY) return E_MALFORMED;
  n.method = s.method; n.suite = s.suite;
  n.cRLen = 0; n.cRWireLen = 0;
  memory.copy(n.x, s.x, 32);
  memory.copy(n.gY, body, 32);
  // TH_2 = H(bstr G_Y, bstr H(message_1))
  hash.reset();
  let o = cborBstr(work, EDHOC_WORK_CAPACITY, 0, n.gY, 32);
  o = cborBstr(work, EDHOC_WORK_CAPACITY, o, s.hMsg1, 32);
  hash.update(work, o); hash.finish(n.th2);
  let st = ecdh(n.suite, n.x, n.gY, shared);
  if (st != OK) return st;
  hkdfExtract(n.th2, 32, shared, 32, n.prk2e);
  wipe(shared, 32);
  // PLAINTEXT_2 = CIPHERTEXT_2 xor KEYSTREAM_2
  const pt = n.pt2;
  st = kdf(n.prk2e, 0, n.th2, 32, pt, ctLen);
  if (st != OK) return st;
  for (let i = 0; i < ctLen; i++) store<u8>(pt + <usize>i, load<u8>(pt + <usize>i) ^ load<u8>(body + <usize>(32 + i)));
  n.pt2Len = ctLen;
  n.live = true;
  // ( C_R, ID_CRED_R, Signature_or_MAC_2, ? EAD_2 )
  reader.reset(pt, ctLen, true);
  const crStart = reader.pos;
  if (reader.head() != OK) return E_MALFORMED;
  if (reader.major == MT_BSTR) {
    if (reader.readBstr() != OK || reader.size > 8 || isIntByte(reader.ptr, reader.size)) return E_MALFORMED;
    memory.copy(n.cR, reader.ptr, <usize>reader.size); n.cRLen = reader.size;
  } else if (reader.major == MT_UINT || reader.major == MT_NINT) {
    if (reader.readInt(-24, 23) != OK) return E_MALFORMED;
    store<u8>(n.cR, load<u8>(pt + <usize>crStart)); n.cRLen = 1;
  } else return E_MALFORMED;
  n.cRWireLen = reader.pos - crStart;
  memory.copy(n.cRWire, pt + <usize>crStart, <usize>n.cRWireLen);
  // ID_CRED_R: a compact kid (int or bstr) or a map.
  if (reader.head() != OK) return E_MALFORMED;
  const idStart = reader.pos;
  if (reader.major == MT_MAP) {
    if (reader.skip() != OK) return E_MALFORMED;
    n.idCredR = pt + <usize>reader.itemStart; n.idCredRLen = reader.itemLen; n.idCredRIsKid = false;
    // {4: kid} alone must travel in its compact form (§3.5.3.2); the map form is a second encoding of the
    // same ID_CRED_R, refused like any other non-deterministic CBOR (RFC 9529 §4 "surplus map encoding").
    if (kidOf(n.idCredR, n.idCredRLen)) return E_MALFORMED;
  } else if (reader.major == MT_BSTR) {
    if (reader.readBstr() != OK || isIntByte(reader.ptr, reader.size) || reader.size > 16) return E_MALFORMED;
    memory.copy(n.kid, reader.ptr, <usize>reader.size); n.kidLen = reader.size; n.idCredRIsKid = true;
    n.idCredR = pt + <usize>idStart; n.idCredRLen = reader.pos - idStart;
  } else {
    if (reader.readInt(-24, 23) != OK) return E_MALFORMED;
    store<u8>(n.kid, load<u8>(pt + <usize>idStart)); n.kidLen = 1; n.idCredRIsKid = true;
    n.idCredR = pt + <usize>idStart; n.idCredRLen = 1;
  }
  if (reader.readBstr() != OK) return E_MALFORMED;
  n.sigOrMac = reader.ptr; n.sigOrMacLen = reader.size;
  n.ead = pt + <usize>reader.pos; n.eadLen = ctLen - reader.pos;
  // EAD_2 = 1* (ead_label, ? ead_value bstr) (§3.8): padding (label 0) and other non-critical items are passed
  // over; an item with a negative label is critical, and since no EAD is understood here, the handshake
  // fails on it — after MAC_2 / the signature verified, so only the authenticated Responder can cause that.
  n.eadCritical = false;
  eadReader.reset(n.ead, n.eadLen, true);
  while (!eadReader.atEnd()) {
    if (eadReader.readInt(-65536, 65535) != OK) return E_MALFORMED;
    if (eadReader.value < 0) n.eadCritical = true;
    if (!eadReader.atEnd() && eadReader.peekType() == MT_BSTR && eadReader.readBstr() != OK) return E_MALFORMED;
  }
  return OK;
}

function wipeProcessing(n: ProcessingM2): void {
  n.live = false;
  wipe(n.x, 32); wipe(n.prk2e, 32);
  if (n.pt2 != 0) wipe(n.pt2, EDHOC_PT2_CAPACITY);
}

/**
 * Verify message_2 (§5.3.3) against the Responder's credential the caller resolved from ID_CRED_R: CRED_R,
 * ID_CRED_R as a map (for context_2; the compact kid stands for {4: kid}) and the authentication key G_R (the
 * x-coordinate or X25519 key for a static DH key; the Ed25519 key or the 65-byte P-256 point for a signature).
 * Consumes s into `next`. Returns OK, E_CRYPTO_AUTH / E_CRYPTO_SIGNATURE, E_UNSUPPORTED (a critical EAD_2
 * item from the now authenticated Responder) or another status.
 */
export function verifyMessage2(s: ProcessingM2, credR: usize, credRLen: i32, idCredRMap: usize, idCredRMapLen: i32,
                               gR: usize, gRLen: i32, next: ProcessedM2): i32 {
  if (!s.live) return E_USAGE;
  const st = verify2(s, credR, credRLen, idCredRMap, idCredRMapLen, gR, gRLen, next);
  wipeProcessing(s);
  if (st != OK) { next.live = false; wipe(next.prk3e2m, 32); }
  return st;
}

function verify2(s: ProcessingM2, credR: usize, credRLen: i32, idMap: usize, idMapLen: i32, gR: usize, gRLen: i32,
                 n: ProcessedM2): i32 {
  // PRK_3e2m
  let st = kdf(s.prk2e, 1, s.th2, 32, salt, HASH_LEN);
  if (st != OK) return st;
  const rStaticDh = s.method == 1 || s.method == 3;
  if (rStaticDh) {
    st = ecdh(s.suite, s.x, gR, shared);
    if (st != OK) return st;
    hkdfExtract(salt, 32, shared, 32, n.prk3e2m);
    wipe(shared, 32);
  } else memory.copy(n.prk3e2m, s.prk2e, 32);
  // context_2 = << C_R, ID_CRED_R, TH_2, CRED_R, ? EAD_2 >>
  let o = cborRaw(work, EDHOC_WORK_CAPACITY, 0, s.cRWire, s.cRWireLen);
  o = cborRaw(work, EDHOC_WORK_CAPACITY, o, idMap, idMapLen);
  o = cborBstr(work, EDHOC_WORK_CAPACITY, o, s.th2, 32);
  o = cborRaw(work, EDHOC_WORK_CAPACITY, o, credR, credRLen);
  o = cborRaw(work, EDHOC_WORK_CAPACITY, o, s.ead, s.eadLen);
  if (o < 0) return E_LIMIT;
  const macLen = rStaticDh ? MAC_LEN : HASH_LEN;
  st = kdfLong(n.prk3e2m, 2, work, o, mac, macLen);
  if (st != OK) return st;
  if (rStaticDh) {
    if (s.sigOrMacLen != macLen || !ctEqual(s.sigOrMac, mac, macLen)) return E_CRYPTO_AUTH;
  } else {
    if (s.sigOrMacLen != 64) return E_CRYPTO_SIGNATURE;
    const k = sigStructure(idMap, idMapLen, s.th2, credR, credRLen, s.ead, s.eadLen, macLen);
    if (k < 0) return k;
    if (s.suite == SUITE_X25519_EDDSA) { if (ed25519Verify(gR, work, k, s.sigOrMac) != OK) return E_CRYPTO_SIGNATURE; }
    else {
      sha256(work, k, digest);
      if (p256VerifyDigest(gR, gRLen, digest, s.sigOrMac) != OK) return E_CRYPTO_SIGNATURE;
    }
  }
  if (s.eadCritical) return E_UNSUPPORTED;
  // TH_3 = H(bstr TH_2, PLAINTEXT_2, CRED_R)
  hash.reset();
  o = cborBstr(work, EDHOC_WORK_CAPACITY, 0, s.th2, 32);
  hash.update(work, o); hash.update(s.pt2, s.pt2Len); hash.update(credR, credRLen); hash.finish(n.th3);
  n.method = s.method; n.suite = s.suite;
  memory.copy(n.gY, s.gY, 32);
  memory.copy(n.cR, s.cR, <usize>s.cRLen); n.cRLen = s.cRLen;
  memory.copy(n.cRWire, s.cRWire, <usize>s.cRWireLen); n.cRWireLen = s.cRWireLen;
  n.live = true;
  return OK;
}

/** EDHOC_KDF with a context of any length for an output of at most one hash: HMAC(PRK, info || 0x01) over the
 *  info's pieces (the label, the context's bstr head, the context, L), so the context is never copied. */
function kdfLong(prk: usize, label: i32, ctx: usize, ctxLen: i32, out: usize, len: i32): i32 {
  if (len > HASH_LEN) return E_LIMIT;
  let o = cborInt(info, INFO_CAP, 0, label);
  if (o < 0) return E_LIMIT;
  o = bstrHead(info, o, ctxLen);
  const l = cborUint(info, INFO_CAP, o, <u64>len);
  if (l < 0) return E_LIMIT;
  return hkdfExpand3(prk, info, o, ctx, ctxLen, info + <usize>o, l - o, out, len);
}

/** Write the head of a bstr of n bytes (n < 65536) at p[off]; returns the offset after it. */
function bstrHead(p: usize, off: i32, n: i32): i32 {
  if (n < 24) { store<u8>(p + <usize>off, <u8>(0x40 + n)); return off + 1; }
  if (n < 256) { store<u8>(p + <usize>off, 0x58); store<u8>(p + <usize>(off + 1), <u8>n); return off + 2; }
  store<u8>(p + <usize>off, 0x59); store<u8>(p + <usize>(off + 1), <u8>(n >> 8)); store<u8>(p + <usize>(off + 2), <u8>n);
  return off + 3;
}

const hmac = new HmacSha256();
const one = memory.data<u8>([1]);
const block = memory.data(32, 8);
/** HKDF-Expand(prk, a || b || c, L <= 32) = first L bytes of HMAC(prk, a || b || c || 0x01). */
function hkdfExpand3(prk: usize, a: usize, al: i32, b: usize, bl: i32, c: usize, cl: i32, out: usize, len: i32): i32 {
  hmac.init(prk, 32);
  hmac.update(a, al); hmac.update(b, bl); hmac.update(c, cl); hmac.update(one, 1);
  hmac.finish(block);
  memory.copy(out, block, <usize>len);
  wipe(block, 32);
  return OK;
}

/** Sig_structure = ["Signature1", << ID_CRED >>, << TH, CRED, ? EAD >>, MAC] into work (§5.3.2). The inner
 *  bstr is written in place after its head, so no second buffer is needed. */
function sigStructure(idCred: usize, idCredLen: i32, th: usize, cred: usize, credLen: i32, ead: usize, eadLen: i32, macLen: i32): i32 {
  let o = cborRaw(work, EDHOC_WORK_CAPACITY, 0, memory.data<u8>([0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31]), 12);
  o = cborBstr(work, EDHOC_WORK_CAPACITY, o, idCred, idCredLen);
  if (o < 0) return E_LIMIT;
  const innerLen = 34 + credLen + eadLen; // bstr TH (2 + 32), CRED, EAD
  if (o + 3 + innerLen + 2 + macLen > EDHOC_WORK_CAPACITY) return E_LIMIT;
  o = bstrHead(work, o, innerLen);
  o = cborBstr(work, EDHOC_WORK_CAPACITY, o, th, 32);
  o = cborRaw(work, EDHOC_WORK_CAPACITY, o, cred, credLen);
  o = cborRaw(work, EDHOC_WORK_CAPACITY, o, ead, eadLen);
  o = cborBstr(work, EDHOC_WORK_CAPACITY, o, mac, macLen);
  return o < 0 ? E_LIMIT : o;
}

// ---- message_3 ---------------------------------------------------------------------------------------------

/** Build message_3 (§5.4.2) into out and derive PRK_out. Consumes s into `next`. Returns its length or a status. */
export function prepareMessage3(s: ProcessedM2, c: InitiatorConfig, out: usize, cap: i32, next: Completed): i32 {
  if (!s.live || work == 0) return E_USAGE;
  s.live = false;
  const n = message3(s, c, out, cap, next);
  wipe(s.prk3e2m, 32); wipe(prk4e3m, 32); wipe(salt, 32); wipe(mac, 32); wipe(work, EDHOC_WORK_CAPACITY);
  if (n < 0) { next.live = false; wipe(next.prkOut, 32); wipe(next.prkExporter, 32); }
  return n;
}

function message3(s: ProcessedM2, c: InitiatorConfig, out: usize, cap: i32, next: Completed): i32 {
  let st = kdf(s.prk3e2m, 5, s.th3, 32, salt, HASH_LEN);
  if (st != OK) return st;
  const iStaticDh = s.method == 2 || s.method == 3;
  if (iStaticDh) {
    st = ecdh(s.suite, c.iKey, s.gY, shared);
    if (st != OK) return st;
    hkdfExtract(salt, 32, shared, 32, prk4e3m);
    wipe(shared, 32);
  } else memory.copy(prk4e3m, s.prk3e2m, 32);
  // context_3 = << ID_CRED_I, TH_3, CRED_I, ? EAD_3 >>
  let o = cborRaw(work, EDHOC_WORK_CAPACITY, 0, c.idCredI, c.idCredILen);
  o = cborBstr(work, EDHOC_WORK_CAPACITY, o, s.th3, 32);
  o = cborRaw(work, EDHOC_WORK_CAPACITY, o, c.credI, c.credILen);
  if (o < 0) return E_LIMIT;
  const macLen = iStaticDh ? MAC_LEN : HASH_LEN;
  st = kdfLong(prk4e3m, 6, work, o, mac, macLen);
  if (st != OK) return st;
  let smPtr = mac, smLen = macLen;
  if (!iStaticDh) {
    const k = sigStructure(c.idCredI, c.idCredILen, s.th3, c.credI, c.credILen, 0, 0, macLen);
    if (k < 0) return k;
    if (s.suite == SUITE_X25519_EDDSA) ed25519Sign(c.iKey, work, k, sig);
    else {
      sha256(work, k, digest);
      st = p256SignDigest(c.iKey, digest, sig);
      if (st != OK) return st;
    }
    smPtr = sig; smLen = 64;
  }
  // PLAINTEXT_3 = ( ID_CRED_I, Signature_or_MAC_3 ): {4: kid} in its compact form (§3.5.3.2), any other
  // ID_CRED_I (x5t, x5chain, ...) as the map itself. It is built at the end of the work buffer and encrypted
  // in front of it.
  const pt3 = work + <usize>(EDHOC_WORK_CAPACITY - EDHOC_PT3_CAPACITY);
  let p = kidOf(c.idCredI, c.idCredILen) ? idWire(pt3, EDHOC_PT3_CAPACITY, 0, kidPtr, kidLen)
    : cborRaw(pt3, EDHOC_PT3_CAPACITY, 0, c.idCredI, c.idCredILen);
  p = cborBstr(pt3, EDHOC_PT3_CAPACITY, p, smPtr, smLen);
  if (p < 0) return E_LIMIT;
  // K_3, IV_3, A_3 = ["Encrypt0", h'', TH_3]
  const k3 = memory.data(16, 8), iv3 = memory.data(13, 4), a3 = memory.data(48, 4);
  st = kdf(s.prk3e2m, 3, s.th3, 32, k3, 16); if (st != OK) return st;
  st = kdf(s.prk3e2m, 4, s.th3, 32, iv3, 13); if (st != OK) return st;
  let a = cborRaw(a3, 48, 0, memory.data<u8>([0x83, 0x68, 0x45, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x30, 0x40]), 11);
  a = cborBstr(a3, 48, a, s.th3, 32);
  if (p + 8 + 3 > cap) return E_LIMIT;
  // message_3 = bstr CIPHERTEXT_3, sealed straight into out after its head
  const head = bstrHead(out, 0, p + 8);
  st = aesCcmSeal(k3, iv3, 13, a3, a, pt3, p, 8, out + <usize>head);
  wipe(k3, 16); wipe(iv3, 13);
  if (st != OK) return st;
  // TH_4 = H(bstr TH_3, PLAINTEXT_3, CRED_I); PRK_out; PRK_exporter
  hash.reset();
  o = cborBstr(work, 40, 0, s.th3, 32);
  hash.update(work, o); hash.update(pt3, p); hash.update(c.credI, c.credILen); hash.finish(th4);
  st = kdf(prk4e3m, 7, th4, 32, next.prkOut, HASH_LEN); if (st != OK) return st;
  st = kdf(next.prkOut, 10, 0, 0, next.prkExporter, HASH_LEN); if (st != OK) return st;
  memory.copy(next.cR, s.cR, <usize>s.cRLen); next.cRLen = s.cRLen;
  next.live = true;
  return head + p + 8;
}

/** OSCORE Master Secret (16 bytes) and Master Salt (8 bytes) from PRK_exporter (RFC 9528 Appendix A.1). */
export function exportOscore(s: Completed, secret: usize, saltOut: usize): i32 {
  if (!s.live) return E_USAGE;
  let st = kdf(s.prkExporter, 0, 0, 0, secret, 16);
  if (st == OK) st = kdf(s.prkExporter, 1, 0, 0, saltOut, 8);
  return st;
}

/** Forget every secret of a finished or abandoned handshake. */
export function wipeCompleted(s: Completed): void { s.live = false; wipe(s.prkOut, 32); wipe(s.prkExporter, 32); }
