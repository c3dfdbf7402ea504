// `request get|post [-e TEXT] [-t CF] [-B SECS] [--ack-timeout MS] [-v] coap://host[:port]/path`:
// one application request under OSCORE with the context the device shares with its EST server (the stored
// one; EDHOC first when there is none, the request then combined with message_3). What an enrolled device
// does with its credentials besides enrolling: report a sensor reading, fetch its configuration.
//
// The response payload goes to the command output unchanged; a 4.xx/5.xx answer fails with E_COAP_RESPONSE
// (the server's diagnostic in the detail). The payload is at most REQUEST_PAYLOAD_CAPACITY bytes: this is
// the device module's small request, the simulator's `oscore` command (app/coapcmd.ts) does the rest.
//
// Deliberately not here: PUT and DELETE, Accept, block-wise uploads from a file, non-confirmable requests,
// plain CoAP (each costs the device module bytes it does not have).

import * as board from "../base/abi";
import { OK, PENDING, E_USAGE, E_LIMIT, E_COAP_RESPONSE } from "../base/errors";
import { fail, failWith } from "../base/diag";
import { COAP_ACK_TIMEOUT_MS, COAP_DEFAULT_DEADLINE_MS, COAP_MAX_RETRANSMIT, EST_PATH_CAPACITY } from "../base/config";
import { M_REQUEST_USAGE, M_REQUEST_PAYLOAD, M_REQUEST_ANSWER, M_REQUEST_UNKNOWN, M_REQUEST_OPTION } from "../base/msg";
import { COAP_GET, COAP_POST } from "../numbers/coap";
import { coapUriParse } from "../coap/uri";
import { channel, CHANNEL_READY } from "../edhoc/channel";
import { enrollOptions } from "../est/state";
import { enrollRequest } from "../est/enroll";
import { argc, argIs, argPtr, argLen, argUint, setJob, setDeadline } from "./runtime";

/** Largest -e payload (a sensor reading, a short status). It is kept in the enrollment options' root buffer
 *  and the request in the enrollment's request object: the two commands never run at once, and the device
 *  module's heap is held to 48 KiB. */
export const REQUEST_PAYLOAD_CAPACITY: i32 = EST_PATH_CAPACITY;

/** Argument i as a number in lo..hi, or -1. */
function argIn(i: i32, lo: i64, hi: i64): i32 { const v = argUint(i); return v >= lo && v <= hi ? <i32>v : -1; }

export function requestCommand(): i32 {
  const r = enrollRequest, payload = enrollOptions.root;
  if (argc() < 3) return fail(E_USAGE, M_REQUEST_USAGE);
  if (argIs(1, "get")) r.method = COAP_GET;
  else if (argIs(1, "post")) r.method = COAP_POST;
  else return fail(E_USAGE, M_REQUEST_USAGE);
  r.contentFormat = -1; r.accept = -1; r.payload = payload; r.payloadLen = 0; r.trace = false;
  r.confirmable = true; r.retry = true; r.szx = 6; r.maxRetransmit = COAP_MAX_RETRANSMIT;
  r.ackTimeoutMs = COAP_ACK_TIMEOUT_MS; r.deadlineMs = COAP_DEFAULT_DEADLINE_MS;
  let uri = -1;
  for (let i = 2; i < argc(); i++) {
    const v = i + 1 < argc();
    if (argIs(i, "-e") && v) {
      const n = argLen(++i);
      if (n > REQUEST_PAYLOAD_CAPACITY) return failWith(E_LIMIT, M_REQUEST_PAYLOAD).int(REQUEST_PAYLOAD_CAPACITY).ret();
      memory.copy(payload, argPtr(i), <usize>n);
      r.payloadLen = n;
    } else if (argIs(i, "-t") && v) { if ((r.contentFormat = argIn(++i, 0, 65535)) < 0) return fail(E_USAGE, M_REQUEST_OPTION); }
    else if (argIs(i, "-B") && v) { const s = argIn(++i, 1, 3600); if (s < 0) return fail(E_USAGE, M_REQUEST_OPTION); r.deadlineMs = s * 1000; }
    else if (argIs(i, "--ack-timeout") && v) { if ((r.ackTimeoutMs = argIn(++i, 10, 60000)) < 0) return fail(E_USAGE, M_REQUEST_OPTION); }
    else if (argIs(i, "-v")) r.trace = true;
    else if (uri < 0 && argLen(i) > 0 && load<u8>(argPtr(i)) != 0x2d) uri = i;
    else return failWith(E_USAGE, M_REQUEST_UNKNOWN).bytes(argPtr(i), argLen(i) < 40 ? argLen(i) : 40).ret();
  }
  if (uri < 0) return fail(E_USAGE, M_REQUEST_USAGE);
  // The endpoint of the enrollment options: the two commands never run at once.
  const ep = enrollOptions.ep;
  const st = coapUriParse(ep, argPtr(uri), argLen(uri));
  if (st != OK) return st;
  r.ep = ep; r.path = ep.path; r.pathLen = ep.pathLen;
  r.deadlineAt = board.clock_ms() + <i64>r.deadlineMs;
  const ch = channel;
  ch.transport.transportFrom(r);
  ch.forceEdhoc = false; ch.combine = true; ch.maxCombined = 1152;
  return settle(ch.open());
}

function onDatagram(addr: usize, addrLen: i32, data: usize, len: i32): i32 { return settle(channel.onDatagram(addr, addrLen, data, len)); }
function onTimer(): i32 { return settle(channel.onTimer()); }

function settle(st: i32): i32 {
  if (st == CHANNEL_READY) st = channel.request(enrollRequest);
  if (st == PENDING) { setJob(onDatagram, onTimer); setDeadline(channel.nextDeadline()); return PENDING; }
  channel.close();
  if (st != OK) return st;
  const r = channel.response();
  board.out(r.payload, r.payloadLen);
  if (r.code >= 0x80) return failWith(E_COAP_RESPONSE, M_REQUEST_ANSWER).int(r.code).bytes(r.payload, r.payloadLen < 100 ? r.payloadLen : 100).ret();
  return OK;
}
