// The result of a device command (enroll, status) as numbers and references, for the host to render: the
// module writes no report text, the hosts (host/est_result.c, host/node/result.ts) print the same text or
// JSON from this record. The exports result() and result_len() hand it over once the command has ended.
//
// Record: items, each u8 tag | u16 length (little-endian) | value (little-endian numbers). A reference item
// (certificates, names) is u32 offset | u32 length into linear memory; it stays valid until the next command
// starts. Tags are the RESULT_* constants below, mirrored in host/include/est_abi.h (EST_RESULT_*) and
// host/node/abi.ts; test/abi-sync.test.ts keeps them equal. A host skips an item whose tag it does not know.

import { RESULT_CAPACITY } from "./config";

export const RESULT_COMMAND: u8 = 1;     // u8: RESULT_CMD_*
export const RESULT_STATUS: u8 = 2;      // i32: the command's final status
export const RESULT_FLAGS: u8 = 3;       // u32: RESULT_FLAG_*
export const RESULT_RESOURCE: u8 = 4;    // u8: RESULT_RES_* (the EST request that enrolled)
export const RESULT_EDHOC_SIZES: u8 = 5; // 3 x u16: message_1, message_2, message_3 in bytes
export const RESULT_CSR_BYTES: u8 = 6;   // u32
export const RESULT_PHASE: u8 = 7;       // u8 RESULT_PHASE_* | 6 x u32: round trips, datagrams up, down, bytes up, down, ms
export const RESULT_CERT: u8 = 8;        // reference: the enrolled certificate
export const RESULT_CA: u8 = 9;          // reference: a CA certificate it chains to (repeatable, issuer first)
export const RESULT_NOT_AFTER: u8 = 10;  // i64: the certificate's notAfter, seconds since 1970
export const RESULT_SUBJECT: u8 = 11;    // reference: the certificate's subject Name (DER)
export const RESULT_CERT_FORMAT: u8 = 12; // u8: 0 X.509 DER, 1 C509
export const RESULT_RENEW_AT: u8 = 13;   // i64: when the device renews, seconds since 1970
export const RESULT_NOT_BEFORE: u8 = 14; // i64: the certificate's notBefore, seconds since 1970
export const RESULT_KEY_ID: u8 = 15;     // u32: the board's key id of the enrolled key (absent: the record holds it)

export const RESULT_CMD_ENROLL: u8 = 1;
export const RESULT_CMD_STATUS: u8 = 2;

export const RESULT_FLAG_JSON: u32 = 1;      // the command asked for a JSON report
export const RESULT_FLAG_EDHOC: u32 = 2;     // EDHOC ran
export const RESULT_FLAG_COMBINED: u32 = 4;  // message_3 travelled in the combined request (RFC 9668)
export const RESULT_FLAG_ENROLLED: u32 = 8;  // the device holds an enrollment (status)
export const RESULT_FLAG_MAINTAIN: u32 = 16; // the record of `maintain` (est/life.ts): an enrollment it ran, or a status
export const RESULT_FLAG_EXPIRED: u32 = 32;  // the stored certificate had expired (maintain enrolled anew) or has (status)
export const RESULT_FLAG_DUE: u32 = 64;      // the renewal time has passed (status, when the device knows the time)

export const RESULT_RES_SEN: u8 = 1;
export const RESULT_RES_SREN: u8 = 2;
export const RESULT_RES_SKG: u8 = 3;
export const RESULT_RES_SKC: u8 = 4;

export const RESULT_PHASE_EDHOC: u8 = 1;
export const RESULT_PHASE_ATT: u8 = 2;
export const RESULT_PHASE_CRTS: u8 = 3;
export const RESULT_PHASE_SEN: u8 = 4;
export const RESULT_PHASE_SREN: u8 = 5;
export const RESULT_PHASE_SKG: u8 = 6;
export const RESULT_PHASE_SKC: u8 = 7;

const buf = memory.data(RESULT_CAPACITY, 8);
let len = 0;

export function resultClear(): void { len = 0; }
export function resultPtr(): usize { return buf; }
export function resultLen(): i32 { return len; }

/** Start an item of `n` value bytes; returns where the value goes, or 0 when it does not fit (dropped). */
function item(tag: u8, n: i32): usize {
  if (len + 3 + n > RESULT_CAPACITY) return 0;
  store<u8>(buf + <usize>len, tag);
  store<u16>(buf + <usize>(len + 1), <u16>n);
  const v = buf + <usize>(len + 3);
  len += 3 + n;
  return v;
}

export function resultU8(tag: u8, v: i32): void { const p = item(tag, 1); if (p != 0) store<u8>(p, <u8>v); }
export function resultU32(tag: u8, v: u32): void { const p = item(tag, 4); if (p != 0) store<u32>(p, v); }
export function resultI64(tag: u8, v: i64): void { const p = item(tag, 8); if (p != 0) store<i64>(p, v); }
export function resultRef(tag: u8, ptr: usize, n: i32): void {
  const p = item(tag, 8);
  if (p != 0) { store<u32>(p, <u32>ptr); store<u32>(p + 4, <u32>n); }
}
export function resultU16x3(tag: u8, a: i32, b: i32, c: i32): void {
  const p = item(tag, 6);
  if (p != 0) { store<u16>(p, <u16>a); store<u16>(p + 2, <u16>b); store<u16>(p + 4, <u16>c); }
}
/** A phase's counters (RESULT_PHASE). */
export function resultPhase(kind: u8, roundTrips: i32, dgUp: i32, dgDown: i32, bytesUp: i32, bytesDown: i32, ms: i64): void {
  const p = item(RESULT_PHASE, 25);
  if (p == 0) return;
  store<u8>(p, kind);
  store<u32>(p + 1, <u32>roundTrips); store<u32>(p + 5, <u32>dgUp); store<u32>(p + 9, <u32>dgDown);
  store<u32>(p + 13, <u32>bytesUp); store<u32>(p + 17, <u32>bytesDown); store<u32>(p + 21, <u32>ms);
}
