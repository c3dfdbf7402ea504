// The device's trust-anchor database (RFC 7030 §3.6.1; EST-oscore draft -11 §3.2, §4.2.1 /crts): record
// STORE_ID_TRUST_ANCHORS holds one or more CA certificates, each a u16 big-endian length and the DER. Provisioning
// writes it (the Implicit TA the device trusts before enrolling); an enrollment that fetched /crts from the
// authenticated server replaces it with the CA certificates of that answer (the Explicit TAs: roots and the
// intermediates under them, est/enroll.ts). Every reader (the enrollment's path check, the RFC 6955 recipient,
// EDHOC's x5chain, `status`) goes through this file, with one cap, so the record is parsed the same way
// wherever it is used; the caller lends the buffer (a part of the arena).
//
// Which certificate of the record is an anchor and which an intermediate is decided by pki/path.ts: a path
// ends at a certificate of the record that no other certificate of it issued.
//
// Deliberately not here: path validation (path.ts), fetching /crts (est/).

import * as board from "../base/abi";
import { E_STORE_CORRUPT, E_LIMIT } from "../base/errors";
import { TRUST_ANCHORS_CAPACITY } from "../base/config";
import { STORE_ID_TRUST_ANCHORS } from "../base/store-ids";

let rec: usize = 0;
let recLen = -1;

/** Read the record into buf (TRUST_ANCHORS_CAPACITY bytes, the caller's until it is done with the anchors).
 *  Returns the number of certificates (>= 1), E_STORE_NOT_FOUND, E_STORE_CORRUPT (a length runs past the
 *  record, or an empty record) or the store's status. */
export function trustAnchorsLoad(buf: usize): i32 {
  const n = board.store_read(STORE_ID_TRUST_ANCHORS, buf, TRUST_ANCHORS_CAPACITY);
  recLen = -1;
  if (n < 0) return n;
  return trustAnchorsUse(buf, n);
}

/** Use n bytes at buf, in the record's format, as the loaded database (a record about to be installed).
 *  Returns the number of certificates (>= 1) or E_STORE_CORRUPT. */
export function trustAnchorsUse(buf: usize, n: i32): i32 {
  rec = buf; recLen = -1;
  let o = 0, k = 0;
  while (o < n) {
    if (o + 2 > n) return E_STORE_CORRUPT;
    const l = (<i32>load<u8>(rec + <usize>o) << 8) | <i32>load<u8>(rec + <usize>(o + 1));
    if (l == 0 || o + 2 + l > n) return E_STORE_CORRUPT;
    o += 2 + l; k++;
  }
  if (k == 0) return E_STORE_CORRUPT;
  recLen = n;
  return k;
}

/** The loaded database's certificates as spans (u32 pointer, i32 length each) at spans, at most max of them.
 *  Returns their number, 0 when nothing is loaded, or E_LIMIT. */
export function trustAnchorSpans(spans: usize, max: i32): i32 {
  let o = 0, k = 0;
  while (o < recLen) {
    if (k >= max) return E_LIMIT;
    const l = (<i32>load<u8>(rec + <usize>o) << 8) | <i32>load<u8>(rec + <usize>(o + 1));
    store<u32>(spans + <usize>(k * 8), <u32>(rec + <usize>(o + 2)));
    store<i32>(spans + <usize>(k * 8 + 4), l);
    o += 2 + l; k++;
  }
  return k;
}

/** Append certificate (p, l) to a record being built at buf, which holds o bytes. Returns the new length, or
 *  E_LIMIT when it would pass TRUST_ANCHORS_CAPACITY. */
export function trustAnchorsAppend(buf: usize, o: i32, p: usize, l: i32): i32 {
  if (l <= 0 || o + 2 + l > TRUST_ANCHORS_CAPACITY) return E_LIMIT;
  store<u8>(buf + <usize>o, <u8>(l >> 8)); store<u8>(buf + <usize>(o + 1), <u8>l);
  memory.copy(buf + <usize>(o + 2), p, <usize>l);
  return o + 2 + l;
}

/** Replace the database with the n bytes at buf (the record's format, built with trustAnchorsAppend). One
 *  record write: a power cut leaves the old or the new database. Returns OK or the store's status. */
export function trustAnchorsSave(buf: usize, n: i32): i32 {
  return board.store_write(STORE_ID_TRUST_ANCHORS, buf, n);
}
