// The result record of a device command (base/result.ts): what the enrollment did, in numbers and references
// the hosts render as text or JSON; and the `status` command's view of the stored enrollment.
//
// Deliberately not here: any text (host/est_result.c, host/node/result.ts render it).

import { OK } from "../base/errors";
import {
  resultU8, resultU32, resultI64, resultRef, resultU16x3, resultPhase, RESULT_COMMAND, RESULT_STATUS, RESULT_FLAGS,
  RESULT_RESOURCE, RESULT_EDHOC_SIZES, RESULT_CSR_BYTES, RESULT_PHASE_EDHOC, RESULT_PHASE_ATT, RESULT_PHASE_CRTS,
  RESULT_PHASE_SEN, RESULT_PHASE_SREN, RESULT_PHASE_SKG, RESULT_PHASE_SKC, RESULT_CERT, RESULT_CA, RESULT_NOT_AFTER,
  RESULT_NOT_BEFORE, RESULT_SUBJECT, RESULT_CERT_FORMAT, RESULT_CMD_ENROLL, RESULT_CMD_STATUS, RESULT_FLAG_JSON,
  RESULT_FLAG_EDHOC, RESULT_FLAG_COMBINED, RESULT_FLAG_ENROLLED, RESULT_RES_SEN, RESULT_RES_SREN, RESULT_RES_SKG,
  RESULT_RES_SKC, RESULT_RENEW_AT, RESULT_FLAG_EXPIRED, RESULT_FLAG_DUE,
} from "../base/result";
import { ExchangeStats } from "../coap/stats";
import { Certificate } from "../pki/x509";
import { channel } from "../edhoc/channel";
import { enrollOptions, enrollState } from "./state";
import { renewAt, lifeExpired, lifeDue } from "./life";
import { FORMAT_C509, c509Describe } from "./c509";
import { ARENA_ENROLLMENT } from "../base/arena";

function phase(kind: u8, s: ExchangeStats): void {
  resultPhase(kind, s.roundTrips, s.datagramsUp, s.datagramsDown, s.bytesUp, s.bytesDown, s.ms);
}

/** The enrollment's result: status, what ran, the phases' counters, and on success the certificate (parsed in
 *  c from cert) and the CA certificate. */
export function reportEnroll(st: i32, cert: usize, ca: usize, c: Certificate): void {
  const o = enrollOptions, e = enrollState, ch = channel;
  resultU8(RESULT_COMMAND, RESULT_CMD_ENROLL);
  resultU32(RESULT_STATUS, <u32>st);
  let flags: u32 = 0;
  if (o.json) flags |= RESULT_FLAG_JSON;
  flags |= o.flags;
  if (ch.ranEdhoc) flags |= RESULT_FLAG_EDHOC;
  if (ch.ranEdhoc && ch.combined) flags |= RESULT_FLAG_COMBINED;
  resultU32(RESULT_FLAGS, flags);
  const res = o.serverKeygen == 1 ? RESULT_RES_SKG : o.serverKeygen == 2 ? RESULT_RES_SKC : e.reenroll ? RESULT_RES_SREN : RESULT_RES_SEN;
  resultU8(RESULT_RESOURCE, res);
  if (ch.ranEdhoc) resultU16x3(RESULT_EDHOC_SIZES, ch.m1Len, ch.m2Len, ch.m3Len);
  resultU32(RESULT_CSR_BYTES, <u32>e.csrLen);
  if (ch.ranEdhoc) phase(RESULT_PHASE_EDHOC, ch.hs);
  if (e.att.roundTrips > 0) phase(RESULT_PHASE_ATT, e.att);
  if (e.crtsBefore) phase(RESULT_PHASE_CRTS, e.crts);
  phase(res == RESULT_RES_SKG ? RESULT_PHASE_SKG : res == RESULT_RES_SKC ? RESULT_PHASE_SKC : res == RESULT_RES_SREN ? RESULT_PHASE_SREN : RESULT_PHASE_SEN, e.enroll);
  if (!e.crtsBefore && e.crts.roundTrips > 0) phase(RESULT_PHASE_CRTS, e.crts);
  if (st != OK) return;
  resultU8(RESULT_CERT_FORMAT, e.format);
  resultRef(RESULT_CERT, cert, e.certLen);
  resultRef(RESULT_CA, ca, e.caLen);
  if (e.format == FORMAT_C509) c509Describe(cert, e.certLen, c, ARENA_ENROLLMENT); // c: facts as a DER one's
  certificateFacts(c);
}

/** notBefore, notAfter, the renewal time and the subject of a parsed certificate. */
export function certificateFacts(c: Certificate): void {
  resultI64(RESULT_NOT_BEFORE, c.notBefore);
  resultI64(RESULT_NOT_AFTER, c.notAfter);
  resultI64(RESULT_RENEW_AT, renewAt(c.notBefore, c.notAfter));
  resultRef(RESULT_SUBJECT, c.subject, c.subjectLen);
}

/** The status command's record: whether an enrollment is stored and, if so, its certificate's format and facts
 *  (c: parsed from it, or described so for C509, format 1) and, when the device knows the time, whether it has
 *  expired or is due for renewal. flags: RESULT_FLAG_JSON, RESULT_FLAG_MAINTAIN. */
export function reportStatus(st: i32, enrolled: bool, flags: u32, cert: usize, certLen: i32, c: Certificate, format: i32 = 0): void {
  resultU8(RESULT_COMMAND, RESULT_CMD_STATUS);
  resultU32(RESULT_STATUS, <u32>st);
  if (enrolled) {
    flags |= RESULT_FLAG_ENROLLED;
    if (lifeExpired(c.notAfter)) flags |= RESULT_FLAG_EXPIRED;
    if (lifeDue(c.notBefore, c.notAfter)) flags |= RESULT_FLAG_DUE;
  }
  resultU32(RESULT_FLAGS, flags);
  if (!enrolled) return;
  resultU8(RESULT_CERT_FORMAT, format);
  resultRef(RESULT_CERT, cert, certLen);
  certificateFacts(c);
}
