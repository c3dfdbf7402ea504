// The enrollment record (STORE_ID_ENROLLMENT): the enrolled key, its certificate and the CA certificate it
// chains to, in one record, so that a power cut leaves the old or the new enrollment, never a mix.
//
// Layout v1: version (1) | key kind (1) | private key (32) | u16 big-endian length | certificate |
//            u16 length | CA certificate
//
// Deliberately not here: checking what goes in (est/enroll.ts), parsing certificates (pki/).

import * as board from "../base/abi";
import { OK, E_STORE_CORRUPT, E_LIMIT, E_STORE_NOT_FOUND } from "../base/errors";
import { ENROLLMENT_RECORD_CAPACITY } from "../base/config";
import { STORE_ID_ENROLLMENT } from "../base/store-ids";
import { wipe } from "../crypto/index";
import { KeyPair } from "../pki/keys";

const REC_VERSION: u8 = 1;
const rec = memory.data(ENROLLMENT_RECORD_CAPACITY, 8);

/** The loaded record's parts: views into its buffer, valid until the next enrollmentLoad/Store. */
export class Enrollment {
  kind: i32 = 0;
  cert: usize = 0;
  certLen: i32 = 0;
  ca: usize = 0;
  caLen: i32 = 0;
}

/** Whether a record exists (a first enrollment or a re-enrollment). */
export function enrollmentExists(): bool { return board.store_read(STORE_ID_ENROLLMENT, rec, 1) != E_STORE_NOT_FOUND; }

/** Load the record (its private key stays in the record buffer: wipe with enrollmentForget()). */
export function enrollmentLoad(e: Enrollment): i32 {
  const n = board.store_read(STORE_ID_ENROLLMENT, rec, ENROLLMENT_RECORD_CAPACITY);
  if (n < 0) return n;
  if (n < 38 || load<u8>(rec) != REC_VERSION) return E_STORE_CORRUPT;
  e.kind = <i32>load<u8>(rec + 1);
  const cl = (<i32>load<u8>(rec + 34) << 8) | <i32>load<u8>(rec + 35);
  if (36 + cl + 2 > n) return E_STORE_CORRUPT;
  e.cert = rec + 36; e.certLen = cl;
  const o = 36 + cl;
  const al = (<i32>load<u8>(rec + <usize>o) << 8) | <i32>load<u8>(rec + <usize>(o + 1));
  if (o + 2 + al != n) return E_STORE_CORRUPT;
  e.ca = rec + <usize>(o + 2); e.caLen = al;
  wipe(rec + 2, 32);
  return OK;
}

/** Write key, certificate and CA certificate as the one record. */
export function enrollmentStore(k: KeyPair, cert: usize, certLen: i32, ca: usize, caLen: i32): i32 {
  const n = 38 + certLen + caLen;
  if (n > ENROLLMENT_RECORD_CAPACITY) return E_LIMIT;
  store<u8>(rec, REC_VERSION); store<u8>(rec + 1, <u8>k.kind); memory.copy(rec + 2, k.priv, 32);
  store<u8>(rec + 34, <u8>(certLen >> 8)); store<u8>(rec + 35, <u8>certLen);
  memory.copy(rec + 36, cert, <usize>certLen);
  let o = 36 + certLen;
  store<u8>(rec + <usize>o, <u8>(caLen >> 8)); store<u8>(rec + <usize>(o + 1), <u8>caLen);
  memory.copy(rec + <usize>(o + 2), ca, <usize>caLen);
  const st = board.store_write(STORE_ID_ENROLLMENT, rec, n);
  wipe(rec, n);
  return st;
}
