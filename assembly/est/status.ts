// `status`: what the device holds — whether it is enrolled and, if so, its certificate's format (DER or C509),
// subject, validity and the certificate itself — as a result record the host renders. The record is read into the arena and
// stays there (the result refers to it) until the next command starts.
//
// Deliberately not here: any text.

import { OK, E_STORE_NOT_FOUND, E_INTERNAL } from "../base/errors";
import { failWith } from "../base/diag";
import { ARENA_RECORD } from "../base/config";
import { arenaTake, ARENA_STATUS } from "../base/arena";
import { M_STATUS_RECORD, M_CERT_PARSE } from "../base/msg";
import { Certificate, x509Parse } from "../pki/x509";
import { Enrollment, enrollmentLoad } from "./record";
import { reportStatus } from "./report";
import { FORMAT_C509, c509Stored } from "./c509";

const e = new Enrollment();
const c = new Certificate();

/** Report the stored enrollment. Returns OK (enrolled or not) or the status of an unreadable record. */
export function statusRun(json: bool): i32 {
  const a = arenaTake(ARENA_STATUS);
  if (a == 0) { reportStatus(E_INTERNAL, false, json, 0, 0, c); return E_INTERNAL; }
  const st = enrollmentLoad(e, a + <usize>ARENA_RECORD);
  if (st == E_STORE_NOT_FOUND) { reportStatus(OK, false, json, 0, 0, c); return OK; }
  if (st != OK) { const r = failWith(st, M_STATUS_RECORD).int(st).ret(); reportStatus(r, false, json, 0, 0, c); return r; }
  const p = e.format == FORMAT_C509 ? c509Stored(e.cert, e.certLen) : x509Parse(c, e.cert, e.certLen);
  if (p != OK) { const r = failWith(p, M_CERT_PARSE).ret(); reportStatus(r, false, json, 0, 0, c); return r; }
  reportStatus(OK, true, json, e.cert, e.certLen, c, e.format);
  return OK;
}
