// The enrollment record (STORE_ID_ENROLLMENT): the enrolled key, its certificate and the CA certificate it
// chains to, in one record, so that a power cut leaves the old or the new enrollment, never a mix.
//
// Layout v1: version (1) | key kind (1) | private key (32) | u16 big-endian length | certificate |
//            u16 length | CA certificate
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
import { wipe } from "../crypto/index";
import { KeyPair } from "../pki/keys";

const REC_VERSION: u8 = 1;
const HEAD = 36; // version, kind, key, the certificate's length

/** The loaded record's parts: views into the buffer it was read into. */
export class Enrollment {
  kind: i32 = 0;
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
  wipe(buf + 2, 32 < n - 2 ? 32 : (n > 2 ? n - 2 : 0));
  if (n < HEAD + 2 || load<u8>(buf) != REC_VERSION) return E_STORE_CORRUPT;
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

/** Where the issued certificate goes in a record assembled in buf (EST_CERT_CAPACITY bytes of room). */
export function recordCertSlot(buf: usize): usize { return buf + HEAD; }
/** Where the CA certificate goes, after a certificate of certLen bytes (EST_CERT_CAPACITY bytes of room). */
export function recordCaSlot(buf: usize, certLen: i32): usize { return buf + <usize>(HEAD + certLen + 2); }

/** Write the record assembled in buf (the certificate and the CA certificate in their slots) with key k, as one
 *  record; the key is wiped from buf after the write. */
export function enrollmentStore(buf: usize, k: KeyPair, certLen: i32, caLen: i32): i32 {
  if (certLen > EST_CERT_CAPACITY || caLen > EST_CERT_CAPACITY) return E_LIMIT;
  const n = HEAD + certLen + 2 + caLen;
  store<u8>(buf, REC_VERSION); store<u8>(buf + 1, <u8>k.kind); memory.copy(buf + 2, k.priv, 32);
  store<u8>(buf + 34, <u8>(certLen >> 8)); store<u8>(buf + 35, <u8>certLen);
  const o = HEAD + certLen;
  store<u8>(buf + <usize>o, <u8>(caLen >> 8)); store<u8>(buf + <usize>(o + 1), <u8>caLen);
  const st = board.store_write(STORE_ID_ENROLLMENT, buf, n);
  wipe(buf + 2, 32);
  return st;
}
