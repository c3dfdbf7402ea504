// The device's trust-anchor database (RFC 7030 §3.6.1 Explicit TAs; EST-oscore draft §5.2.1): record
// STORE_ID_TRUST_ANCHORS holds one or more certificates, each a u16 big-endian length and the DER. Provisioning
// writes it (the implicit anchor the device trusts before enrolling); /crts adds the CA certificates the
// authenticated server names (trustAnchorsStore). Every reader goes through this file, with one cap, so a
// record is parsed the same way wherever it is used; the caller lends the buffer (a part of the arena).
//
// Deliberately not here: path validation (x509.ts), fetching /crts (est/).

import * as board from "../base/abi";
import { OK, E_STORE_CORRUPT, E_LIMIT, E_STORE_NOT_FOUND } from "../base/errors";
import { TRUST_ANCHORS_CAPACITY } from "../base/config";
import { STORE_ID_TRUST_ANCHORS } from "../base/store-ids";

let rec: usize = 0;
let recLen = -1;
let count = 0;
let anchorPtr: usize = 0;

/** Read the record into buf (TRUST_ANCHORS_CAPACITY bytes, the caller's until it is done with the anchors).
 *  Returns the number of anchors (>= 1), E_STORE_NOT_FOUND, E_STORE_CORRUPT (a length runs past the record,
 *  or an empty record) or the store's status. */
export function trustAnchorsLoad(buf: usize): i32 {
  rec = buf;
  const n = board.store_read(STORE_ID_TRUST_ANCHORS, rec, TRUST_ANCHORS_CAPACITY);
  recLen = -1; count = 0;
  if (n < 0) return n;
  let o = 0, k = 0;
  while (o < n) {
    if (o + 2 > n) return E_STORE_CORRUPT;
    const l = (<i32>load<u8>(rec + <usize>o) << 8) | <i32>load<u8>(rec + <usize>(o + 1));
    if (l == 0 || o + 2 + l > n) return E_STORE_CORRUPT;
    o += 2 + l; k++;
  }
  if (k == 0) return E_STORE_CORRUPT;
  recLen = n; count = k;
  return k;
}

/** The index-th anchor of the loaded record: its DER in (trustAnchorPtr, the returned length), or
 *  E_STORE_NOT_FOUND past the last. */
export function trustAnchor(index: i32): i32 {
  if (recLen < 0 || index >= count) return E_STORE_NOT_FOUND;
  let o = 0;
  for (let i = 0; i < index; i++) o += 2 + ((<i32>load<u8>(rec + <usize>o) << 8) | <i32>load<u8>(rec + <usize>(o + 1)));
  anchorPtr = rec + <usize>(o + 2);
  return (<i32>load<u8>(rec + <usize>o) << 8) | <i32>load<u8>(rec + <usize>(o + 1));
}
export function trustAnchorPtr(): usize { return anchorPtr; }

/** Replace the database with the given certificates (spans: count pairs of u32 pointer, i32 length), built in
 *  buf (TRUST_ANCHORS_CAPACITY bytes; the spans must not point into it). The write is one record, so a power
 *  cut leaves the old or the new database. */
export function trustAnchorsStore(buf: usize, spans: usize, n: i32): i32 {
  let o = 0;
  rec = buf;
  const tmp = rec;
  for (let i = 0; i < n; i++) {
    const p = <usize>load<u32>(spans + <usize>(i * 8)), l = load<i32>(spans + <usize>(i * 8 + 4));
    if (o + 2 + l > TRUST_ANCHORS_CAPACITY || l <= 0 || l > 0xffff) return E_LIMIT;
    store<u8>(tmp + <usize>o, <u8>(l >> 8)); store<u8>(tmp + <usize>(o + 1), <u8>l);
    memory.copy(tmp + <usize>(o + 2), p, <usize>l);
    o += 2 + l;
  }
  recLen = -1;
  const st = board.store_write(STORE_ID_TRUST_ANCHORS, tmp, o);
  if (st != OK) return st;
  recLen = o; count = n;
  return OK;
}
