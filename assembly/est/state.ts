// The options and the state of an enrollment (est/enroll.ts runs it, est/report.ts reports it, app/device.ts
// fills the options from the command line).

import { EST_PATH_CAPACITY } from "../base/config";
import { CoapEndpoint } from "../coap/uri";
import { ExchangeStats } from "../coap/stats";

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
  /** Fetch /crts for the trust anchor even when one is provisioned. */
  fetchCrts: bool = false;
  /** Ask /att first and let its attributes shape the CSR. */
  askAtt: bool = false;
  /** 0: default (a signature), 1: signature, 2: DH MAC keyed by G_Y, 3: classic RFC 6955 to the CA's DH cert. */
  pop: i32 = 0;
  json: bool = false;
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
  reenroll: bool = false;
  suite: i32 = 2;
  keyReady: bool = false;
  csrLen: i32 = 0;
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

