// The enrollment record (STORE_ID_ENROLLMENT): the enrolled key, its certificate and the CA certificate it
// chains to, in one record, so that a power cut leaves the old or the new enrollment, never a mix.
//
// Layout: version (1) | key kind (1) | key (32) | u16 big-endian length | certificate | u16 length | CA certificate
//   version 1: the key field is the private key itself (a board that does not keep keys: the portable path);
//   version 2: the key field names the board's persistent key: its id as u32 big-endian, then 28 zero bytes
//              (crypto/key.ts; the key's bytes never enter the record or linear memory);
//   versions 3 and 4: as 1 and 2, the certificate in C509 (as the server sent it: ~C509Certificate or the
//              C509Certificate array), the CA certificate C509 (from /crts) or DER (a provisioned anchor;
//              its first byte 0x30 tells). Versions 1 and 2 are DER certificates, as before.
//
// A record is assembled where it will be written: the caller lends a buffer of ENROLLMENT_RECORD_CAPACITY
// bytes (a part of the arena), the issued certificate is copied to its slot when it arrives, the CA's after
// it, and the key goes in only to be written and wiped.
//
// Deliberately not here: checking what goes in (est/enroll.ts), parsing certificates (pki/).

import * as board from "../base/abi";
import { OK, E_STORE_CORRUPT, E_LIMIT, E_STORE_NOT_FOUND } from "../base/errors";
import { ENROLLMENT_RECORD_CAPACITY, EST_CERT_CAPACITY } from "../base/config";
import { STORE_ID_ENROLLMENT } from "../base/store-ids";
import { wipe, keyOnBoard, keyPrivate, keyOpen, keyImport } from "../crypto/index";
import { KeyPair } from "../pki/keys";

const REC_INLINE_KEY: u8 = 1;
const REC_BOARD_KEY: u8 = 2;
const REC_C509: u8 = 2; // added to the version for a C509 certificate (3, 4)
const HEAD = 36; // version, kind, key, the certificate's length

/** The loaded record's parts: views into the buffer it was read into. */
export class Enrollment {
  kind: i32 = 0;
  /** The certificate's format: 0 DER (versions 1, 2), 1 C509 (versions 3, 4): est/c509.ts FORMAT_*. */
  format: i32 = 0;
  /** The board's persistent key id of the enrolled key (version 2), 0 when the record held the key itself. */
  keyId: u32 = 0;
  cert: usize = 0;
  certLen: i32 = 0;
  ca: usize = 0;
  caLen: i32 = 0;
}

/** Whether a record exists (a first enrollment or a re-enrollment). */
export function enrollmentExists(): bool {
  const one = memory.data(4, 4);
  return board.store_read(STORE_ID_ENROLLMENT, one, 1) != E_STORE_NOT_FOUND;
}

/** Load the record into buf (ENROLLMENT_RECORD_CAPACITY bytes); its private key is wiped from buf at once. */
export function enrollmentLoad(e: Enrollment, buf: usize): i32 {
  const n = board.store_read(STORE_ID_ENROLLMENT, buf, ENROLLMENT_RECORD_CAPACITY);
  if (n < 0) return n;
  let v = n > 0 ? load<u8>(buf) : 0;
  e.format = v > REC_BOARD_KEY ? 1 : 0;
  if (v > REC_BOARD_KEY) v -= REC_C509;
  e.keyId = v == REC_BOARD_KEY && n >= 6 ? bswap<u32>(load<u32>(buf + 2)) : 0;
  wipe(buf + 2, 32 < n - 2 ? 32 : (n > 2 ? n - 2 : 0));
  if (n < HEAD + 2 || (v != REC_INLINE_KEY && v != REC_BOARD_KEY) || (v == REC_BOARD_KEY && e.keyId == 0)) return E_STORE_CORRUPT;
  e.kind = <i32>load<u8>(buf + 1);
  const cl = (<i32>load<u8>(buf + 34) << 8) | <i32>load<u8>(buf + 35);
  if (HEAD + cl + 2 > n) return E_STORE_CORRUPT;
  e.cert = buf + HEAD; e.certLen = cl;
  const o = HEAD + cl;
  const al = (<i32>load<u8>(buf + <usize>o) << 8) | <i32>load<u8>(buf + <usize>(o + 1));
  if (o + 2 + al != n) return E_STORE_CORRUPT;
  e.ca = buf + <usize>(o + 2); e.caLen = al;
  return OK;
}

/** Whether a record read into buf holds a C509 certificate (versions 3 and 4). */
export function recordIsC509(buf: usize): bool { return load<u8>(buf) > REC_BOARD_KEY; }
/** The length of the certificate in a record read into buf (its bytes at recordCertSlot(buf)). */
export function recordCertLen(buf: usize): i32 { return (<i32>load<u8>(buf + 34) << 8) | <i32>load<u8>(buf + 35); }
/** Where the issued certificate goes in a record assembled in buf (EST_CERT_CAPACITY bytes of room). */
export function recordCertSlot(buf: usize): usize { return buf + HEAD; }
/** Where the CA certificate goes, after a certificate of certLen bytes (EST_CERT_CAPACITY bytes of room). */
export function recordCaSlot(buf: usize, certLen: i32): usize { return buf + <usize>(HEAD + certLen + 2); }

/** Write the record assembled in buf (the certificate and the CA certificate in their slots) with key k, as one
 *  record: naming the board's persistent key (version 2), or holding the key's bytes (version 1), which are
 *  wiped from buf after the write; versions 3 and 4 for a C509 certificate (format 1). */
export function enrollmentStore(buf: usize, k: KeyPair, certLen: i32, caLen: i32, format: i32 = 0): i32 {
  if (certLen > EST_CERT_CAPACITY || caLen > EST_CERT_CAPACITY) return E_LIMIT;
  const n = HEAD + certLen + 2 + caLen;
  store<u8>(buf + 1, <u8>k.kind);
  if (keyOnBoard(k.key) && k.key.id != 0) {
    store<u8>(buf, REC_BOARD_KEY);
    memory.fill(buf + 2, 0, 32);
    store<u32>(buf + 2, bswap<u32>(k.key.id));
  } else {
    const priv = keyPrivate(k.key);
    if (priv == 0) return E_LIMIT; // a volatile board key cannot be stored
    store<u8>(buf, REC_INLINE_KEY);
    memory.copy(buf + 2, priv, 32);
  }
  store<u8>(buf + 34, <u8>(certLen >> 8)); store<u8>(buf + 35, <u8>certLen);
  const o = HEAD + certLen;
  store<u8>(buf + <usize>o, <u8>(caLen >> 8)); store<u8>(buf + <usize>(o + 1), <u8>caLen);
  if (format != 0) store<u8>(buf, load<u8>(buf) + REC_C509);
  const st = board.store_write(STORE_ID_ENROLLMENT, buf, n);
  wipe(buf + 2, 32);
  return st;
}

/** Open the key the stored enrollment names into k (and its kind): the board's persistent key (version 2), or
 *  the record's own bytes (version 1: imported under importId, so a board that keeps keys takes it over and the
 *  next record names it; the bytes are wiped from buf). buf is scratch of ENROLLMENT_RECORD_CAPACITY bytes; the
 *  record stays in it, its certificate at recordCertSlot(buf). Returns OK or a status. */
export function enrollmentKeyOpen(k: KeyPair, buf: usize, importId: u32): i32 {
  const n = board.store_read(STORE_ID_ENROLLMENT, buf, ENROLLMENT_RECORD_CAPACITY);
  if (n < 0) return n;
  let st = E_STORE_CORRUPT;
  if (n >= HEAD + 2) {
    const v = recordIsC509(buf) ? load<u8>(buf) - REC_C509 : load<u8>(buf), kind = <i32>load<u8>(buf + 1);
    if (v == REC_BOARD_KEY) st = keyOpen(k.key, kind, bswap<u32>(load<u32>(buf + 2)));
    else if (v == REC_INLINE_KEY) st = keyImport(k.key, kind, buf + 2, 32, importId);
    if (st == OK) k.kind = kind;
  }
  wipe(buf + 2, n < 34 ? (n > 2 ? n - 2 : 0) : 32); // the certificate stays in buf for the caller
  if (st == OK && HEAD + recordCertLen(buf) > n) st = E_STORE_CORRUPT;
  return st;
}
