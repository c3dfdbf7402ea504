// `status`: what the device holds — whether it is enrolled and, if so, its certificate's format (DER or C509),
// subject, validity, renewal time (est/life.ts) and the certificate itself, and the trust anchors (the one record
// pki/trust.ts reads for every use) — as a result record the host renders. The records are read into the arena
// and stay there (the result refers to them) until the next command starts. `maintain` reads the stored
// enrollment the same way (statusLoad) before it decides (a C509 certificate's validity as a DER one's).
//
// Deliberately not here: any text.

import { OK, E_STORE_NOT_FOUND, E_INTERNAL } from "../base/errors";
import { failWith } from "../base/diag";
import { ARENA_RECORD, ARENA_ENROLLMENT_TA } from "../base/config";
import { resultRef, resultU32, RESULT_CA, RESULT_KEY_ID } from "../base/result";
import { arenaTake, ARENA_STATUS } from "../base/arena";
import { M_STATUS_RECORD, M_CERT_PARSE } from "../base/msg";
import { x509Parse } from "../pki/x509";
import { trustAnchorsLoad, trustAnchorSpans } from "../pki/trust";
import { pathSpans, PATH_MAX_CERTS } from "../pki/path";
import { enrollmentLoad } from "./record";
import { issuedCert, storedRecord } from "./state";
import { reportStatus } from "./report";
import { FORMAT_C509, c509Describe } from "./c509";

const e = storedRecord; // shared (est/state.ts)
/** The stored certificate, parsed by statusLoad() (est/state.ts issuedCert: an enrollment that follows reuses it). */
export const statusCert = issuedCert;

/** Read and parse the stored enrollment into the arena: OK (statusCert holds it), E_STORE_NOT_FOUND, or the
 *  status of an unreadable record or certificate (its failure recorded). */
export function statusLoad(): i32 {
  const a = arenaTake(ARENA_STATUS);
  if (a == 0) return E_INTERNAL;
  const st = enrollmentLoad(e, a + <usize>ARENA_RECORD);
  if (st == E_STORE_NOT_FOUND) return st;
  if (st != OK) return failWith(st, M_STATUS_RECORD).int(st).ret();
  const p = e.format == FORMAT_C509 ? c509Describe(e.cert, e.certLen, statusCert, ARENA_STATUS) : x509Parse(statusCert, e.cert, e.certLen);
  if (p != OK) return failWith(p, M_CERT_PARSE).ret();
  return OK;
}

/** Report the enrollment statusLoad() read, given its status (flags: RESULT_FLAG_JSON, RESULT_FLAG_MAINTAIN),
 *  with the trust anchors. Returns OK (enrolled or not) or the status of an unreadable record. */
export function statusReport(loaded: i32, flags: u32): i32 {
  const ok = loaded == OK || loaded == E_STORE_NOT_FOUND ? OK : loaded;
  reportStatus(ok, loaded == OK, flags, e.cert, e.certLen, statusCert, e.format);
  if (loaded == OK && e.keyId != 0) resultU32(RESULT_KEY_ID, e.keyId);
  if (ok == OK) anchors(arenaTake(ARENA_STATUS));
  return ok;
}

/** The trust anchors' certificates, as the result's CA references (none when the record is absent or bad). */
function anchors(a: usize): void {
  if (a == 0) return;
  const n = trustAnchorsLoad(a + <usize>ARENA_ENROLLMENT_TA) > 0 ? trustAnchorSpans(pathSpans, PATH_MAX_CERTS) : 0;
  for (let i = 0; i < n; i++) resultRef(RESULT_CA, <usize>load<u32>(pathSpans + <usize>(i * 8)), load<i32>(pathSpans + <usize>(i * 8 + 4)));
}
