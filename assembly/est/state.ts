// The options and the state of an enrollment (est/enroll.ts runs it, est/report.ts reports it, app/device.ts
// fills the options from the command line).

import { EST_PATH_CAPACITY } from "../base/config";
import { CF_C509_CERT_DEFAULT, CF_C509_PKCS10_DEFAULT, CF_C509_CERT_CHAIN_DEFAULT, CF_CERTHASH_C509_DEFAULT } from "../numbers/coap";
import { CoapEndpoint } from "../coap/uri";
import { ExchangeStats } from "../coap/stats";
import { CborReader } from "../cbor/decode";
import { Certificate } from "../pki/x509";
import { Enrollment } from "./record";

/** What the command asked for (app/device.ts fills it from the command line). */
export class EnrollOptions {
  /** Where the server is, and the EST root path (default /.well-known/est). */
  ep: CoapEndpoint = new CoapEndpoint();
  root: usize = heap.alloc(EST_PATH_CAPACITY);
  rootLen: i32 = 0;
  forceEdhoc: bool = false;
  combine: bool = true;
  maxCombined: i32 = 1152;
  /** 0: /sen or /sren as the device's state says; 1: /sen; 2: /sren. */
  resource: i32 = 0;
  /** 0: the device makes its key; 1: /skg; 2: /skc (the server makes it). */
  serverKeygen: i32 = 0;
  /** A re-enrollment makes a new key (rekey) instead of certifying the enrolled one again (renewal). */
  rekey: bool = false;
  /** Fetch /crts for the trust anchor even when one is provisioned. */
  fetchCrts: bool = false;
  /** Ask /att first and let its attributes shape the CSR. */
  askAtt: bool = false;
  /** 0: default (a signature), 1: signature, 2: DH MAC keyed by G_Y, 3: classic RFC 6955 to the CA's DH cert. */
  pop: i32 = 0;
  json: bool = false;
  /** Certificate format (est/c509.ts FORMAT_*): DER, or C509 (a C509 CSR of csrType 2 or 3, Accept the C509
   *  certificate, or no Accept with noAccept: the multipart-core answer with c5t/c5u); and the C509
   *  Content-Formats (TBD3, TBD4, TBD15, TBD17 of the drafts; numbers/coap.ts has the defaults). */
  format: i32 = 0;
  csrType: i32 = 2;
  noAccept: bool = false;
  cfCert: i32 = CF_C509_CERT_DEFAULT;
  cfPkcs10: i32 = CF_C509_PKCS10_DEFAULT;
  cfChain: i32 = CF_C509_CERT_CHAIN_DEFAULT;
  cfC5t: i32 = CF_CERTHASH_C509_DEFAULT;
  deadlineMs: i32 = 90000;
  ackTimeoutMs: i32 = 2000;
  szx: i32 = 6;
  trace: bool = false;
  /** RESULT_FLAG_* added to the report (maintain: RESULT_FLAG_MAINTAIN, RESULT_FLAG_EXPIRED). */
  flags: u32 = 0;
}
export const enrollOptions = new EnrollOptions();

/** The state of the running enrollment, read by the report. */
export class EnrollState {
  step: i32 = 0;
  /** The step the channel opens for (S_OPEN runs it in a call of its own). */
  next: u8 = 0;
  reenroll: bool = false;
  suite: i32 = 2;
  keyReady: bool = false;
  /** The board key id (0: none) and kind of the key the stored enrollment names, and the id a new key takes:
   *  the other of the two enrollment key ids, so the old key stays until the new record is written. */
  oldKeyId: u32 = 0;
  oldKeyKind: i32 = 0;
  newKeyId: u32 = 0;
  /** Whether the new record was written (else a new persistent key is destroyed at the end). */
  stored: bool = false;
  /** Whether the CSR certifies the enrolled key again (a renewal): then nothing destroys or erases it. */
  keyReused: bool = false;
  csrLen: i32 = 0;
  /** The format the enrollment runs in: the option's, until a server without C509 makes it DER. */
  format: i32 = 0;
  certLen: i32 = 0;
  caLen: i32 = 0;
  /** Counters of the phases (the EDHOC ones are the channel's). */
  att: ExchangeStats = new ExchangeStats();
  crts: ExchangeStats = new ExchangeStats();
  enroll: ExchangeStats = new ExchangeStats();
  /** Whether /crts was asked for the RFC 6955 recipient (before the enrollment) rather than the trust anchor. */
  crtsBefore: bool = false;
  t0: i64 = 0;
}
export const enrollState = new EnrollState();

// ---- Parsed objects the enroll and status commands share ------------------------------------------------------
// Each user fills one and is done with it before another user's phase begins (the phases of one enrollment run
// one after the other, and the status command or maintain's look at the stored enrollment comes before any
// enrollment it starts), so one instance serves them all.

/** A certificate: est/enroll.ts's issued one (from its arrival to the report) and, in its CSR step, the stored
 *  certificate whose key is renewed (parsed and copied out within the step); est/status.ts's stored one
 *  (status, and maintain before it decides). */
export const issuedCert = new Certificate();
/** A certificate: est/enroll.ts's CA (from the trust-anchor step to the store write) and, earlier in the same
 *  enrollment, est/recipient.ts's candidates for the RFC 6955 recipient (parsed and copied out within one
 *  call, before the CSR). */
export const caCert = new Certificate();
/** The stored enrollment's parts: est/status.ts's (statusLoad), est/enroll.ts's when an enrollment starts
 *  (the old key's id and kind, read within one call). */
export const storedRecord = new Enrollment();
/** The CBOR reader of a multipart-core enrollment answer: est/skg.ts's (server-side key generation) and
 *  est/c509.ts's (a C509 enrollment, which never asks for server-side key generation); each parse runs within
 *  one call. */
export const answerReader = new CborReader();
