// The device's EDHOC identity and the one Responder it trusts, from the key store (provisioning writes the
// records: base/store-ids.ts), and the resolution of the ID_CRED_R a message_2 names to a credential:
//   - a provisioned CRED_R identified by kid (compact or map) or by another ID_CRED map (x5t), compared
//     byte for byte with the provisioned ID_CRED_R;
//   - x5chain (RFC 9360): ID_CRED_R = {33: certificate} or {33: [certificate, intermediate CA certificates...]};
//     the certificate's path must lead to the trust-anchor record (pki/path.ts: dates, extensions, CA rules),
//     it must name the provisioned subject, and its key must suit the suite and method. Then it is CRED_R.
//   - c5c (the C509 draft's COSE header parameter 25): ID_CRED_R = {25: COSE_C509} with one C509 certificate,
//     checked the same way against the trust-anchor record (pki/c509-path.ts: its issuer Name rebuilt as DER is
//     the anchor's subject), its subject Name's CBOR equal to the provisioned one; CRED_R is the
//     C509Certificate array (RFC 9528 §3.5.2), built from ~C509Certificate when the c5c carried that. A c5t
//     (parameter 22) is a provisioned credential and compares byte for byte like x5t.
//
// The records are read into a region the caller lends (a part of the arena, for the handshake's span), each
// taking the room its real length needs, so X.509 credentials both ways fit where fixed caps would not.
//
// Deliberately not here: the handshake's cryptography (initiator.ts), the transport (channel.ts).

import * as board from "../base/abi";
import {
  OK, E_STORE_NOT_FOUND, E_STORE_CORRUPT, E_IDENTITY, E_CRYPTO_KEY, E_MALFORMED, E_LIMIT, E_BUFFER_TOO_SMALL, E_UNSUPPORTED,
  E_EDHOC_CREDENTIAL,
} from "../base/errors";
import { fail, failWith } from "../base/diag";
import { TRUST_ANCHORS_CAPACITY } from "../base/config";
import {
  STORE_ID_EDHOC_SETUP, STORE_ID_EDHOC_KEY, STORE_ID_CRED_I, STORE_ID_ID_CRED_I, STORE_ID_CRED_R, STORE_ID_ID_CRED_R,
  STORE_ID_PEER_KEY, STORE_ID_PEER_SUBJECT,
} from "../base/store-ids";
import {
  M_STORE_MISSING, M_STORE_UNREADABLE, M_STORE_LENGTH, M_SETUP_LENGTH, M_NO_OTHER_SUITE, M_SETUP_UNSUPPORTED,
  M_IDENTITY_TOO_BIG, M_KEY_MIGRATED, M_KEY_MIGRATE_FAILED, M_KEY_MISSING, M_KEY_UNSUPPORTED, M_CRYPTO_NO_ALG,
  M_X5CHAIN_MALFORMED, M_X5CHAIN_NO_TA, M_X5CHAIN_SUBJECT, M_X5CHAIN_KEY, M_C5C_MALFORMED, M_C5C_NO_TA,
} from "../base/msg";
import { cborInt, cborBstr } from "../cbor/encode";
import { CborReader, MT_ARRAY } from "../cbor/decode";
import { ctEqual, wipe, keyImport, keyOpen, keyOnBoard, keyClose, cryptoCan, CAP_ED25519 } from "../crypto/index";
import { KEY_TYPE_P256_ECDSA, KEY_TYPE_ED25519, KEY_TYPE_P256_DH, KEY_TYPE_X25519_DH } from "../crypto/provider";
import { logMsg } from "../base/diag";
import { LOG_INFO, LOG_WARN } from "../base/abi";
import { Certificate, x509Parse } from "../pki/x509";
import { C509Cert, c509Parse, PK_P256, PK_X25519, PK_ED25519 } from "../pki/c509";
import { c509PathToAnchor, c509PathAccept, C509_PATH_SCRATCH } from "../pki/c509-path";
import { KEY_P256_ECDSA, KEY_ED25519, KEY_X25519_DH } from "../pki/keys";
import { trustAnchorsLoad, trustAnchorSpans } from "../pki/trust";
import { pathValidate, pathAccept, pathSpans, PATH_MAX_CERTS } from "../pki/path";
import { timeNow, timeIsReal } from "../pki/time";
import { InitiatorConfig, ProcessingM2, kidOf, SUITE_P256_ES256 } from "./initiator";

// The region the records go into (identityRegion), and how much of it is taken.
let region: usize = 0;
let regionCap = 0;
let used = 0;
/** Where the trust anchors go for an x5chain check (TRUST_ANCHORS_CAPACITY bytes; 0: none lent). */
let taBuf: usize = 0;
// The provisioned Responder: CRED_R, ID_CRED_R, its authentication key; or (x5chain) only its subject name.
// Views into the region. (The device's own key is the config's iKey.)
let credR: usize = 0;
let credRLen = 0;
let idCredR: usize = 0;
let idCredRLen = 0;
let gR: usize = 0;
let gRLen = 0;
let peerSubject: usize = 0;
let peerSubjectLen = 0;

/** Lend the buffers identityLoad() reads into: the region for the records (cap bytes) and room for the trust
 *  anchors (TRUST_ANCHORS_CAPACITY bytes) that an x5chain credential is checked against. */
export function identityRegion(p: usize, cap: i32, trustAnchors: usize): void {
  region = p; regionCap = cap; used = 0; taBuf = trustAnchors;
}

/** Room for n more bytes in the region (its address), or 0 when it is full. */
function take(n: i32): usize {
  if (n < 0 || used + n > regionCap) return 0;
  const p = region + <usize>used;
  used += (n + 7) & ~7;
  if (used > regionCap) used = regionCap;
  return p;
}
/** The setup record: method, then the suites in the device's order of preference. */
const setup = memory.data(4, 4);
let suiteCount = 0;

/** The credential resolve() found: CRED_R, ID_CRED_R as a map (context_2), and G_R. */
export class PeerCredential {
  cred: usize = 0;
  credLen: i32 = 0;
  idMap: usize = 0;
  idMapLen: i32 = 0;
  key: usize = 0;
  keyLen: i32 = 0;
}
export const peer = new PeerCredential();

/** Read record id into the region's free space; on success the record's address is `lastRecord`. */
let lastRecord: usize = 0;
function readRecord(id: u32, exact: i32 = -1): i32 {
  const p = region + <usize>used;
  const n = board.store_read(id, p, regionCap - used);
  if (n == E_STORE_NOT_FOUND) return failWith(E_IDENTITY, M_STORE_MISSING).int(id).int(id).ret();
  if (n == E_BUFFER_TOO_SMALL) return failWith(E_LIMIT, M_IDENTITY_TOO_BIG).int(id).int(regionCap).ret();
  if (n < 0) return failWith(n, M_STORE_UNREADABLE).int(id).int(n).ret();
  if (exact >= 0 && n != exact) return failWith(E_STORE_CORRUPT, M_STORE_LENGTH).int(id).ret();
  lastRecord = take(n);
  return n;
}

/** How many suites the device has identities for (after identityLoad), and the index-th one. */
export function identitySuiteCount(): i32 { return suiteCount; }
export function identitySuite(index: i32): i32 { return <i32>load<u8>(setup + 1 + <usize>index); }

/**
 * Load the device's identity for its `index`-th suite (0: the preferred one; 1: the alternative, whose records
 * sit 8 ids above: STORE_ID_EDHOC_KEY + 8 ...) and the Responder it trusts into c. SUITES_I is the selected
 * suite alone, or [the more preferred ones..., selected] (RFC 9528 §5.2.2).
 */
export function identityLoad(c: InitiatorConfig, index: i32): i32 {
  used = 0;
  let n = board.store_read(STORE_ID_EDHOC_SETUP, setup, 4);
  if (n == E_STORE_NOT_FOUND) return failWith(E_IDENTITY, M_STORE_MISSING).int(STORE_ID_EDHOC_SETUP).int(STORE_ID_EDHOC_SETUP).ret();
  if (n < 0) return failWith(n, M_STORE_UNREADABLE).int(STORE_ID_EDHOC_SETUP).int(n).ret();
  if (n < 2 || n > 3) return fail(E_STORE_CORRUPT, M_SETUP_LENGTH);
  suiteCount = n - 1;
  if (index >= suiteCount) return fail(E_IDENTITY, M_NO_OTHER_SUITE);
  c.method = <i32>load<u8>(setup);
  c.suite = identitySuite(index);
  if (c.method > 3 || (c.suite != 0 && c.suite != 2)) return fail(E_IDENTITY, M_SETUP_UNSUPPORTED);
  if (index == 0) c.suitesILen = cborInt(c.suitesI, 16, 0, c.suite);
  else {
    store<u8>(c.suitesI, <u8>(0x80 + index + 1));
    let o = 1;
    for (let i = 0; i <= index; i++) o = cborInt(c.suitesI, 16, o, identitySuite(i));
    c.suitesILen = o;
  }
  // Suite 0 with a signature on either side (methods 0-2) needs Ed25519, which not every board's provider has.
  if (c.suite == 0 && c.method != 3 && !cryptoCan(CAP_ED25519)) {
    return failWith(E_UNSUPPORTED, M_CRYPTO_NO_ALG).ascii("Ed25519 (EDHOC suite 0 with signatures)").ret();
  }
  const d = <u32>(index * 8);
  if ((n = openKey(c, STORE_ID_EDHOC_KEY + d)) != OK) return n;
  if ((n = readRecord(STORE_ID_CRED_I + d)) < 0) return n;
  c.credI = lastRecord; c.credILen = n;
  if ((n = readRecord(STORE_ID_ID_CRED_I + d)) < 0) return n;
  c.idCredI = lastRecord; c.idCredILen = n;
  // The server: a provisioned credential (CCS or certificate, identified by kid or x5t), or with x5chain only
  // its subject name, its certificate being checked against the trust anchor when it arrives.
  const one = memory.data(4, 4);
  const subj = board.store_read(STORE_ID_PEER_SUBJECT + d, region + <usize>used, regionCap - used);
  if (subj > 0 && board.store_read(STORE_ID_ID_CRED_R + d, one, 1) == E_STORE_NOT_FOUND) {
    peerSubject = take(subj); peerSubjectLen = subj;
    idCredRLen = 0; credRLen = 0; gRLen = 0;
    return OK;
  }
  peerSubjectLen = 0;
  if ((n = readRecord(STORE_ID_CRED_R + d)) < 0) return n;
  credR = lastRecord; credRLen = n;
  if ((n = readRecord(STORE_ID_ID_CRED_R + d)) < 0) return n;
  idCredR = lastRecord; idCredRLen = n;
  if ((n = readRecord(STORE_ID_PEER_KEY + d)) < 0) return n;
  if (n != 32 && n != 33 && n != 65) return failWith(E_STORE_CORRUPT, M_STORE_LENGTH).int(STORE_ID_PEER_KEY + d).ret();
  gR = lastRecord; gRLen = n;
  return OK;
}

/** Set the trusted Responder directly (tests: an RFC 9529 trace's credential); the buffers stay the caller's. */
export function identitySetPeer(cred: usize, credLen: i32, id: usize, idLen: i32, key: usize, keyLen: i32): i32 {
  if (keyLen > 65) return E_LIMIT;
  credR = cred; credRLen = credLen;
  idCredR = id; idCredRLen = idLen;
  gR = key; gRLen = keyLen;
  peerSubjectLen = 0;
  return OK;
}

/**
 * The credential that message_2's ID_CRED_R names, into `peer`. E_CRYPTO_KEY when it is not the trusted
 * Responder's (another kid or map), E_EDHOC_CREDENTIAL with the reason recorded when an x5chain certificate is
 * refused (its path, subject or key), E_MALFORMED when a certificate does not parse.
 */
export function identityResolve(m2: ProcessingM2): i32 {
  if (peerSubjectLen > 0) return x5chainPeer(m2); // OK (c5c), VALIDATE_NEXT (x5chain) or a refusal
  if (m2.idCredRIsKid) {
    // A compact kid stands for {4: kid}: the provisioned ID_CRED_R must be that map.
    if (!kidOf(idCredR, idCredRLen)) return E_CRYPTO_KEY;
    if (!kidMatches(m2.kid, m2.kidLen)) return E_CRYPTO_KEY;
  } else if (m2.idCredRLen != idCredRLen || !ctEqual(m2.idCredR, idCredR, idCredRLen)) return E_CRYPTO_KEY;
  peer.cred = credR; peer.credLen = credRLen;
  peer.idMap = idCredR; peer.idMapLen = idCredRLen;
  peer.key = gR; peer.keyLen = gRLen;
  return OK;
}

const kidReader = new CborReader();
function kidMatches(k: usize, n: i32): bool {
  kidReader.reset(idCredR, idCredRLen, true);
  if (kidReader.enterMap() != OK || kidReader.readInt() != OK || kidReader.readBstr() != OK) return false;
  return kidReader.size == n && ctEqual(kidReader.ptr, k, n);
}

const peerCert = new Certificate();
const x5Reader = new CborReader();

/** identityResolve's answer for an x5chain credential: the certificate is parsed, its path is validated by
 *  identityValidate in the next call (so that the code of the two is not compiled at once). */
export const VALIDATE_NEXT: i32 = 3;
// An x5chain credential between the two: the end entity's certificate (parsed in peerCert), the trusted set and
// intermediates in pathSpans (the anchors up to x5Anchors, the intermediates up to x5End), and the room taken
// for CRED_R and the key.
let x5Cert: usize = 0;
let x5CertLen = 0;
let x5Anchors = 0;
let x5End = 0;
let x5Cred: usize = 0;
let x5Key: usize = 0;

/** ID_CRED_R = {33: x5chain} (RFC 9360 §2: one certificate as a bstr, or an array of two or more, the end
 *  entity first). A refusal of the certificate itself is E_EDHOC_CREDENTIAL with its reason recorded. */
function x5chainPeer(m2: ProcessingM2): i32 {
  const r = x5Reader;
  r.reset(m2.idCredR, m2.idCredRLen, true);
  if (m2.idCredRIsKid || r.enterMap() != OK || r.count != 1 || r.readInt() != OK) return E_CRYPTO_KEY;
  if (r.value == 25) return c5cPeer(m2);
  if (r.value != 33) return E_CRYPTO_KEY;
  // The trusted set first (the trust-anchor record), then the chain's intermediates.
  if (taBuf == 0) return E_LIMIT;
  const t = trustAnchorsLoad(taBuf);
  if (t <= 0) return failWith(E_EDHOC_CREDENTIAL, M_X5CHAIN_NO_TA).int(t).ret();
  const nt = trustAnchorSpans(pathSpans, PATH_MAX_CERTS);
  let n = 1;
  if (r.peekType() == MT_ARRAY) { if (r.enterArray() != OK || r.count < 2) return fail(E_EDHOC_CREDENTIAL, M_X5CHAIN_MALFORMED); n = r.count; }
  if (nt < 0 || nt + n - 1 > PATH_MAX_CERTS || r.readBstr() != OK) return fail(E_EDHOC_CREDENTIAL, M_X5CHAIN_MALFORMED);
  const cert = r.ptr, certLen = r.size;
  for (let i = nt; i < nt + n - 1; i++) {
    if (r.readBstr() != OK) return fail(E_EDHOC_CREDENTIAL, M_X5CHAIN_MALFORMED);
    store<u32>(pathSpans + <usize>(i * 8), <u32>r.ptr);
    store<i32>(pathSpans + <usize>(i * 8 + 4), r.size);
  }
  if (r.finish() != OK) return fail(E_EDHOC_CREDENTIAL, M_X5CHAIN_MALFORMED);
  // CRED_R is the end entity's certificate in a CBOR byte string; the key follows it.
  x5Cred = take(certLen + 3); x5Key = take(65);
  if (x5Cred == 0 || x5Key == 0) return E_LIMIT;
  if (x509Parse(peerCert, cert, certLen) != OK) return E_MALFORMED;
  x5Cert = cert; x5CertLen = certLen; x5Anchors = nt; x5End = nt + n - 1;
  return VALIDATE_NEXT;
}

/** After identityResolve answered VALIDATE_NEXT: the x5chain certificate's path, subject and key; then it is
 *  CRED_R. A refusal of the certificate itself is E_EDHOC_CREDENTIAL with its reason recorded. */
export function identityValidate(m2: ProcessingM2): i32 {
  const cert = x5Cert, certLen = x5CertLen;
  if (cert == 0) return E_IDENTITY;
  x5Cert = 0;
  const st = pathValidate(peerCert, pathSpans, x5Anchors, x5End, timeNow(), timeIsReal(), E_EDHOC_CREDENTIAL);
  if (st != OK) return st;
  if (peerCert.subjectLen != peerSubjectLen || !ctEqual(peerCert.subject, peerSubject, peerSubjectLen)) return fail(E_EDHOC_CREDENTIAL, M_X5CHAIN_SUBJECT);
  const rDh = m2.method == 1 || m2.method == 3;
  let keyLen = 32;
  if (m2.suite == SUITE_P256_ES256) {
    if (peerCert.keyKind != KEY_P256_ECDSA) return fail(E_EDHOC_CREDENTIAL, M_X5CHAIN_KEY);
    if (rDh) memory.copy(x5Key, peerCert.key + 1, 32); else { memory.copy(x5Key, peerCert.key, 65); keyLen = 65; }
  } else {
    if (peerCert.keyKind != (rDh ? KEY_X25519_DH : KEY_ED25519)) return fail(E_EDHOC_CREDENTIAL, M_X5CHAIN_KEY);
    memory.copy(x5Key, peerCert.key, 32);
  }
  const o = cborBstr(x5Cred, certLen + 3, 0, cert, certLen);
  if (o < 0) return E_LIMIT;
  pathAccept();
  peer.cred = x5Cred; peer.credLen = o;
  peer.idMap = m2.idCredR; peer.idMapLen = m2.idCredRLen;
  peer.key = x5Key; peer.keyLen = keyLen;
  return OK;
}

const peerC5 = new C509Cert();

/** ID_CRED_R = {25: COSE_C509} (c5c) with one certificate, the reader x5Reader at its value. A refusal of the
 *  certificate itself is E_EDHOC_CREDENTIAL with its reason recorded, as for x5chain. */
function c5cPeer(m2: ProcessingM2): i32 {
  const r = x5Reader;
  if (r.readBstr() != OK || r.finish() != OK) return fail(E_EDHOC_CREDENTIAL, M_C5C_MALFORMED);
  const cert = r.ptr, certLen = r.size;
  const wrap = certLen > 0 && load<u8>(cert) == 0x8b ? 0 : 1; // CRED_R is the array: 8b before the sequence
  const c5Cred = take(certLen + wrap), c5Key = take(65), scratch = take(C509_PATH_SCRATCH);
  if (c5Cred == 0 || c5Key == 0 || scratch == 0 || taBuf == 0) return E_LIMIT;
  if (c509Parse(peerC5, cert, certLen) != OK) return fail(E_EDHOC_CREDENTIAL, M_C5C_MALFORMED);
  const t = trustAnchorsLoad(taBuf);
  if (t <= 0) return failWith(E_EDHOC_CREDENTIAL, M_C5C_NO_TA).int(t).ret();
  const nt = trustAnchorSpans(pathSpans, PATH_MAX_CERTS);
  const st = c509PathToAnchor(peerC5, pathSpans, nt, peerCert, timeNow(), timeIsReal(), E_EDHOC_CREDENTIAL, scratch, C509_PATH_SCRATCH);
  if (st != OK) return st;
  if (peerC5.subjectLen != peerSubjectLen || !ctEqual(peerC5.subject, peerSubject, peerSubjectLen)) return fail(E_EDHOC_CREDENTIAL, M_X5CHAIN_SUBJECT);
  // The key as the handshake takes it: the x-coordinate for static DH; for ES256 the point as carried (02/03
  // or 04; a type 3 certificate's fe/fd marks the same compressed point).
  const rDh = m2.method == 1 || m2.method == 3;
  let keyLen = 32;
  const key = peerC5.key;
  if (m2.suite == SUITE_P256_ES256) {
    if (peerC5.pkAlg != PK_P256) return fail(E_EDHOC_CREDENTIAL, M_X5CHAIN_KEY);
    if (rDh) memory.copy(c5Key, key + 1, 32);
    else {
      keyLen = peerC5.keyLen;
      memory.copy(c5Key, key, <usize>keyLen);
      if (keyLen == 33) store<u8>(c5Key, load<u8>(key) & 3 | 2); // 02/03 stay, fe -> 02, fd -> 03
    }
  } else {
    if (peerC5.pkAlg != (rDh ? PK_X25519 : PK_ED25519)) return fail(E_EDHOC_CREDENTIAL, M_X5CHAIN_KEY);
    memory.copy(c5Key, key, 32);
  }
  store<u8>(c5Cred, 0x8b);
  memory.copy(c5Cred + <usize>wrap, cert, <usize>certLen);
  c509PathAccept();
  peer.cred = c5Cred; peer.credLen = certLen + wrap;
  peer.idMap = m2.idCredR; peer.idMapLen = m2.idCredRLen;
  peer.key = c5Key; peer.keyLen = keyLen;
  return OK;
}

/** Forget the device's key (close its handle, or wipe its bytes); the region itself is wiped when the arena is
 *  released. */
export function identityWipe(c: InitiatorConfig): void { keyClose(c.iKey); x5Cert = 0; }

/**
 * The device's EDHOC key into c.iKey. Provisioning writes it as a record of 32 bytes (STORE_ID_EDHOC_KEY + d).
 * A board that keeps keys takes it over on first use: the key is imported under the same number as its board
 * key id, then the record is erased, so its bytes leave the key store's module-readable records for good (a
 * power cut in between leaves both, and the next start imports again, replacing the board's copy). On such a
 * board a missing record means the board's key; elsewhere the record is the key, read for this handshake only.
 */
function openKey(c: InitiatorConfig, id: u32): i32 {
  const rDh = c.method == 2 || c.method == 3;
  const type = c.suite == SUITE_P256_ES256 ? (rDh ? KEY_TYPE_P256_DH : KEY_TYPE_P256_ECDSA)
                                           : (rDh ? KEY_TYPE_X25519_DH : KEY_TYPE_ED25519);
  const buf = memory.data(32, 8);
  const n = board.store_read(id, buf, 32);
  if (n == E_STORE_NOT_FOUND) {
    const st = keyOpen(c.iKey, type, id);
    if (st == E_STORE_NOT_FOUND) return failWith(E_IDENTITY, M_KEY_MISSING).int(id).int(id).ret();
    if (st == E_UNSUPPORTED) return failWith(st, M_KEY_UNSUPPORTED).int(type).int(st).ret();
    if (st != OK) return failWith(st, M_STORE_UNREADABLE).int(id).int(st).ret();
    return OK;
  }
  if (n < 0) return failWith(n, M_STORE_UNREADABLE).int(id).int(n).ret();
  if (n != 32) { wipe(buf, 32); return failWith(E_STORE_CORRUPT, M_STORE_LENGTH).int(id).ret(); }
  const st = keyImport(c.iKey, type, buf, 32, id);
  wipe(buf, 32);
  if (st == E_UNSUPPORTED) return failWith(st, M_KEY_UNSUPPORTED).int(type).int(st).ret();
  if (st != OK) return failWith(st, M_KEY_MIGRATE_FAILED).int(id).int(st).ret();
  if (keyOnBoard(c.iKey) && c.iKey.id == id) {
    const e = board.store_erase(id);
    if (e == OK) logMsg(M_KEY_MIGRATED).int(id).int(id).emit(LOG_INFO);
    else logMsg(M_KEY_MIGRATE_FAILED).int(id).int(e).emit(LOG_WARN);
  }
  return OK;
}
