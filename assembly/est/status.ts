// `status`: what the device holds — whether it is enrolled and, if so, its certificate's subject, validity,
// renewal time (est/life.ts) and the certificate itself — as a result record the host renders. The record is
// read into the arena and stays there (the result refers to it) until the next command starts. `maintain`
// reads the stored enrollment the same way (statusLoad) before it decides.
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

const e = new Enrollment();
/** The stored certificate, parsed by statusLoad(). */
export const statusCert = new Certificate();

/** Read and parse the stored enrollment into the arena: OK (statusCert holds it), E_STORE_NOT_FOUND, or the
 *  status of an unreadable record or certificate (its failure recorded). */
export function statusLoad(): i32 {
  const a = arenaTake(ARENA_STATUS);
  if (a == 0) return E_INTERNAL;
  const st = enrollmentLoad(e, a + <usize>ARENA_RECORD);
  if (st == E_STORE_NOT_FOUND) return st;
  if (st != OK) return failWith(st, M_STATUS_RECORD).int(st).ret();
  const p = x509Parse(statusCert, e.cert, e.certLen);
  if (p != OK) return failWith(p, M_CERT_PARSE).ret();
  return OK;
}

/** Report the enrollment statusLoad() read, given its status (flags: RESULT_FLAG_JSON, RESULT_FLAG_MAINTAIN).
 *  Returns OK (enrolled or not) or the status of an unreadable record. */
export function statusReport(loaded: i32, flags: u32): i32 {
  const ok = loaded == OK || loaded == E_STORE_NOT_FOUND ? OK : loaded;
  reportStatus(ok, loaded == OK, flags, e.cert, e.certLen, statusCert);
  return ok;
}
