// `status`: what the device holds — whether it is enrolled and, if so, its certificate's subject, validity
// and the certificate itself, and the trust anchors (the one record pki/trust.ts reads for every use) — as a
// result record the host renders. The records are read into the arena and stay there (the result refers to
// them) until the next command starts.
//
// Deliberately not here: any text.

import { OK, E_STORE_NOT_FOUND, E_INTERNAL } from "../base/errors";
import { failWith } from "../base/diag";
import { ARENA_RECORD, ARENA_ENROLLMENT_TA } from "../base/config";
import { resultRef, RESULT_CA } from "../base/result";
import { arenaTake, ARENA_STATUS } from "../base/arena";
import { M_STATUS_RECORD, M_CERT_PARSE } from "../base/msg";
import { Certificate, x509Parse } from "../pki/x509";
import { trustAnchorsLoad, trustAnchorSpans } from "../pki/trust";
import { pathSpans, PATH_MAX_CERTS } from "../pki/path";
import { Enrollment, enrollmentLoad } from "./record";
import { reportStatus } from "./report";

const e = new Enrollment();
const c = new Certificate();

/** Report the stored enrollment. Returns OK (enrolled or not) or the status of an unreadable record. */
export function statusRun(json: bool): i32 {
  const a = arenaTake(ARENA_STATUS);
  if (a == 0) { reportStatus(E_INTERNAL, false, json, 0, 0, c); return E_INTERNAL; }
  const st = enrollmentLoad(e, a + <usize>ARENA_RECORD);
  if (st == E_STORE_NOT_FOUND) { reportStatus(OK, false, json, 0, 0, c); anchors(a); return OK; }
  if (st != OK) { const r = failWith(st, M_STATUS_RECORD).int(st).ret(); reportStatus(r, false, json, 0, 0, c); return r; }
  const p = x509Parse(c, e.cert, e.certLen);
  if (p != OK) { const r = failWith(p, M_CERT_PARSE).ret(); reportStatus(r, false, json, 0, 0, c); return r; }
  reportStatus(OK, true, json, e.cert, e.certLen, c);
  anchors(a);
  return OK;
}

/** The trust anchors' certificates, as the result's CA references (none when the record is absent or bad). */
function anchors(a: usize): void {
  const n = trustAnchorsLoad(a + <usize>ARENA_ENROLLMENT_TA) > 0 ? trustAnchorSpans(pathSpans, PATH_MAX_CERTS) : 0;
  for (let i = 0; i < n; i++) resultRef(RESULT_CA, <usize>load<u32>(pathSpans + <usize>(i * 8)), load<i32>(pathSpans + <usize>(i * 8 + 4)));
}
