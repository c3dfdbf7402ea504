// `coap get|post|put|delete [options] URI`: a CoAP client command in the manner of libcoap's coap-client.
//
//   -e TEXT    payload text             -f FILE   payload from the command's input file (host-provided, any
//                                                 size: pulled from the host one block at a time)
//   -t CF      Content-Format           -A CF     Accept (number, or text, link, octet, json, cbor, ...)
//   -b SIZE    block size 16..1024      -B SECS   give up after SECS seconds (default 90)
//   -N         non-confirmable          -v        trace every datagram on stderr
//   -o FILE    (host) write the response payload to FILE
//   --ack-timeout MS, --max-retransmit N   transmission parameters (RFC 7252 §4.8; default 2000 ms, 4)
//   --no-retry  give up after MAX_RETRANSMIT instead of sending the request again until the -B deadline
//
// `oscore get|post|put|delete [options] URI [--edhoc [--combined]]`: the same request protected with OSCORE,
// the context taken from the key store or established by EDHOC first (edhoc/channel.ts).
//
// The response payload goes to the command output unchanged; a 4.xx/5.xx answer makes the command fail with
// E_COAP_RESPONSE after printing the payload (the server's diagnostic). Simulator module only.

import * as board from "../base/abi";
import { LOG_ALWAYS, LOG_INFO } from "../base/abi";
import { OK, PENDING, E_USAGE, E_COAP_RESPONSE, E_LIMIT, E_TRUNCATED, E_UNSUPPORTED } from "../base/errors";
import { fail, failWith, logMsg, Event } from "../base/diag";
import { COAP_REQUEST_CAPACITY, COAP_DEFAULT_DEADLINE_MS, COAP_ACK_TIMEOUT_MS, COAP_MAX_RETRANSMIT } from "../base/config";
import {
  M_COAPCMD_USAGE, M_OSCORECMD_USAGE, M_COAPCMD_METHOD, M_COAPCMD_PAYLOAD_SIZE, M_COAPCMD_FORMAT, M_COAPCMD_ACCEPT,
  M_COAPCMD_BLOCK, M_COAPCMD_TIMEOUT, M_COAPCMD_ACK_TIMEOUT, M_COAPCMD_MAX_RETRANSMIT, M_COAPCMD_UNKNOWN, M_COAPCMD_NO_URI,
  M_COAPCMD_READ, M_COAPCMD_SEEK, M_COAPCMD_FILE_CHANGED, M_COAPCMD_PIPE_SIZE, M_OSCORECMD_COMBINED, M_COAPCMD_DONE, M_COAPCMD_DONE_PROTECTED, M_COAPCMD_CODE,
  M_OSCORECMD_HANDSHAKE, M_OSCORECMD_HANDSHAKE_COMBINED,
  M_OSCORECMD_REQUEST,
} from "../base/msg";
import {
  COAP_GET, COAP_POST, COAP_PUT, COAP_DELETE, CF_TEXT_PLAIN, CF_LINK_FORMAT, CF_OCTET_STREAM, CF_JSON,
  CF_CBOR, CF_MULTIPART_CORE,
} from "../numbers/coap";
import { CoapRequest, PayloadSource, coapClient } from "../coap/client";
import { CoapEndpoint, coapUriParse } from "../coap/uri";
import { ExchangeStats } from "../coap/stats";
import { channel, CHANNEL_READY } from "../edhoc/channel";
import { argc, argIs, argPtr, argLen, argUint, setJob, setDeadline } from "./runtime";
import { output, flushOut } from "./output";

const reqBuf = memory.data(COAP_REQUEST_CAPACITY, 16);
const ep = new CoapEndpoint();
const req = new CoapRequest();

/** The -f payload, pulled from the host's input stream one block at a time (board.in_seek, board.in_read) into
 *  the request buffer, which holds one block (at most 1024 bytes), never the whole file. A block is read again
 *  only when the client asks for another one than the one held (an exchange started over). */
class InputSource extends PayloadSource {
  size: i32 = 0;
  private pos: i32 = 0; // the stream's read position
  private at: i32 = -1; // where the bytes held in reqBuf start (-1: none)
  private held: i32 = 0;

  /** Open the stream: its size from the host, the read position at its start. OK, or the host's status
   *  (E_UNSUPPORTED: a stream that cannot seek). */
  open(): i32 {
    this.at = -1; this.held = 0; this.status = OK;
    const n = board.in_seek(0, board.IN_SEEK_END);
    if (n < 0) return n;
    this.size = n;
    const p = board.in_seek(0, board.IN_SEEK_SET);
    if (p < 0) return p;
    this.pos = 0;
    return OK;
  }

  piece(offset: i32, len: i32): usize {
    if (offset == this.at && len <= this.held) return reqBuf;
    if (len > COAP_REQUEST_CAPACITY) { this.status = failWith(E_LIMIT, M_COAPCMD_PAYLOAD_SIZE).int(COAP_REQUEST_CAPACITY).ret(); return 0; }
    if (offset != this.pos) {
      const p = board.in_seek(offset, board.IN_SEEK_SET);
      if (p < 0) { this.status = failWith(p, M_COAPCMD_SEEK).int(p).ret(); return 0; }
      this.pos = offset;
    }
    this.at = -1;
    let n = 0;
    while (n < len) {
      const got = board.in_read(reqBuf + <usize>n, len - n);
      if (got < 0) { this.status = fail(got, M_COAPCMD_READ); return 0; }
      if (got == 0) { this.status = failWith(E_TRUNCATED, M_COAPCMD_FILE_CHANGED).int(offset + n).int(this.size).ret(); return 0; }
      n += got;
      this.pos += got;
    }
    this.at = offset; this.held = len;
    return reqBuf;
  }
}
const input = new InputSource();

@inline function at(p: usize, i: i32): i32 { return <i32>load<u8>(p + <usize>i); }

/** Content-Format by number or short name; -1 when unknown. */
function contentFormat(i: i32): i32 {
  const v = argUint(i);
  if (v >= 0 && v <= 65535) return <i32>v;
  if (argIs(i, "text")) return CF_TEXT_PLAIN;
  if (argIs(i, "link")) return CF_LINK_FORMAT;
  if (argIs(i, "octet")) return CF_OCTET_STREAM;
  if (argIs(i, "json")) return CF_JSON;
  if (argIs(i, "cbor")) return CF_CBOR;
  if (argIs(i, "multipart-core")) return CF_MULTIPART_CORE;
  return -1;
}

/** Parse URI argument i into an endpoint (argv does not outlive start: the endpoint keeps a copy). */
export function takeUri(i: i32, into: CoapEndpoint): i32 { return coapUriParse(into, argPtr(i), argLen(i)); }

/** `oscore get|post|put|delete [options] URI [--edhoc] [--combined]`: the same request protected with OSCORE,
 *  the context taken from the key store or established by EDHOC first (edhoc/channel.ts). */
let protect = false;

export function oscoreCommand(): i32 {
  protect = true;
  channel.forceEdhoc = false;
  channel.combine = false;
  return requestCommand();
}

export function coapCommand(): i32 {
  protect = false;
  return requestCommand();
}

function requestCommand(): i32 {
  const s = req;
  if (argc() < 3) return fail(E_USAGE, protect ? M_OSCORECMD_USAGE : M_COAPCMD_USAGE);
  if (argIs(1, "get")) s.method = COAP_GET;
  else if (argIs(1, "post")) s.method = COAP_POST;
  else if (argIs(1, "put")) s.method = COAP_PUT;
  else if (argIs(1, "delete")) s.method = COAP_DELETE;
  else return fail(E_USAGE, M_COAPCMD_METHOD);
  s.confirmable = true;
  s.contentFormat = -1;
  s.accept = -1;
  s.payload = reqBuf;
  s.payloadLen = 0;
  s.source = null;
  s.szx = 6;
  s.trace = false;
  s.deadlineMs = COAP_DEFAULT_DEADLINE_MS;
  s.ackTimeoutMs = COAP_ACK_TIMEOUT_MS;
  s.maxRetransmit = COAP_MAX_RETRANSMIT;
  s.retry = true;
  let uri = -1;
  let fromFile = false;
  for (let i = 2; i < argc(); i++) {
    const hasValue = i + 1 < argc();
    if (argIs(i, "-e") && hasValue) {
      const n = argLen(i + 1);
      if (n > COAP_REQUEST_CAPACITY) return failWith(E_LIMIT, M_COAPCMD_PAYLOAD_SIZE).int(COAP_REQUEST_CAPACITY).ret();
      memory.copy(reqBuf, argPtr(i + 1), <usize>n);
      s.payloadLen = n;
      i++;
    } else if ((argIs(i, "-f") || argIs(i, "--payload-file")) && hasValue) { fromFile = true; i++; }
    else if ((argIs(i, "-o") || argIs(i, "--out")) && hasValue) { i++; } // handled by the host
    else if ((argIs(i, "-t") || argIs(i, "--content-format")) && hasValue) {
      s.contentFormat = contentFormat(i + 1);
      if (s.contentFormat < 0) return fail(E_USAGE, M_COAPCMD_FORMAT);
      i++;
    } else if ((argIs(i, "-A") || argIs(i, "--accept")) && hasValue) {
      s.accept = contentFormat(i + 1);
      if (s.accept < 0) return fail(E_USAGE, M_COAPCMD_ACCEPT);
      i++;
    } else if ((argIs(i, "-b") || argIs(i, "--block-size")) && hasValue) {
      const v = argUint(i + 1);
      let szx = -1;
      for (let k = 0; k <= 6; k++) if (v == <i64>(1 << (k + 4))) szx = k;
      if (szx < 0) return fail(E_USAGE, M_COAPCMD_BLOCK);
      s.szx = szx;
      i++;
    } else if ((argIs(i, "-B") || argIs(i, "--timeout")) && hasValue) {
      const v = argUint(i + 1);
      if (v < 1 || v > 3600) return fail(E_USAGE, M_COAPCMD_TIMEOUT);
      s.deadlineMs = <i32>v * 1000;
      i++;
    } else if (argIs(i, "--ack-timeout") && hasValue) {
      const v = argUint(i + 1);
      if (v < 10 || v > 60000) return fail(E_USAGE, M_COAPCMD_ACK_TIMEOUT);
      s.ackTimeoutMs = <i32>v;
      i++;
    } else if (argIs(i, "--max-retransmit") && hasValue) {
      const v = argUint(i + 1);
      if (v < 0 || v > 20) return fail(E_USAGE, M_COAPCMD_MAX_RETRANSMIT);
      s.maxRetransmit = <i32>v;
      i++;
    } else if (argIs(i, "--no-retry")) s.retry = false;
    else if (argIs(i, "-N") || argIs(i, "--non")) s.confirmable = false;
    else if (protect && argIs(i, "--edhoc")) channel.forceEdhoc = true;
    else if (protect && argIs(i, "--combined")) channel.combine = true;
    else if (argIs(i, "-v") || argIs(i, "--verbose")) s.trace = true;
    else if (uri < 0 && argLen(i) > 0 && at(argPtr(i), 0) != 0x2d) uri = i;
    else return failWith(E_USAGE, M_COAPCMD_UNKNOWN).bytes(argPtr(i), argLen(i) < 40 ? argLen(i) : 40).ret();
  }
  if (uri < 0) return fail(E_USAGE, M_COAPCMD_NO_URI);
  if (fromFile) {
    const st = input.open();
    if (st == OK) {
      s.source = input;
      s.payloadLen = input.size;
    } else if (st == E_UNSUPPORTED) {
      // A stream that cannot seek (a pipe): what fits the request buffer, read in order.
      let n = 0;
      for (;;) {
        const got = board.in_read(reqBuf + <usize>n, COAP_REQUEST_CAPACITY - n);
        if (got < 0) return fail(got, M_COAPCMD_READ);
        if (got == 0) break;
        n += got;
        if (n == COAP_REQUEST_CAPACITY) {
          const probe = memory.data(1);
          if (board.in_read(probe, 1) > 0) return failWith(E_LIMIT, M_COAPCMD_PIPE_SIZE).int(COAP_REQUEST_CAPACITY).ret();
          break;
        }
      }
      s.payloadLen = n;
    } else return failWith(st, M_COAPCMD_SEEK).int(st).ret();
  }
  const st = takeUri(uri, ep);
  if (st != OK) return st;
  s.ep = ep;
  s.path = ep.path; s.pathLen = ep.pathLen;
  s.deadlineAt = 0;
  if (protect) {
    if (channel.combine && !channel.forceEdhoc) return fail(E_USAGE, M_OSCORECMD_COMBINED);
    channel.transport.transportFrom(s);
    channel.transport.deadlineAt = board.clock_ms() + <i64>s.deadlineMs;
    setJob(secureDatagram, secureTimer);
    return settleSecure(channel.open());
  }
  const b = coapClient.begin(s, null);
  if (b != PENDING) return b;
  setJob(onDatagram, onTimer);
  setDeadline(coapClient.nextDeadline());
  return PENDING;
}

function onDatagram(addr: usize, addrLen: i32, data: usize, len: i32): i32 {
  return settle(coapClient.onDatagram(addr, addrLen, data, len));
}

function onTimer(): i32 {
  return settle(coapClient.onTimer());
}

function secureDatagram(addr: usize, addrLen: i32, data: usize, len: i32): i32 {
  return settleSecure(channel.onDatagram(addr, addrLen, data, len));
}

function secureTimer(): i32 {
  return settleSecure(channel.onTimer());
}

function settleSecure(st: i32): i32 {
  if (st == CHANNEL_READY) st = channel.request(req);
  if (st == PENDING) { setDeadline(channel.nextDeadline()); return PENDING; }
  if (channel.ranEdhoc) {
    const h = channel.hs;
    stats(logMsg(channel.combined && st == OK ? M_OSCORECMD_HANDSHAKE_COMBINED : M_OSCORECMD_HANDSHAKE).int(channel.m1Len)
      .int(channel.m2Len).int(channel.m3Len), h).emit(LOG_ALWAYS);
  }
  stats(logMsg(M_OSCORECMD_REQUEST), channel.req).emit(LOG_ALWAYS);
  channel.close();
  return settle(st, false);
}

function stats(e: Event, p: ExchangeStats): Event {
  return e.int(p.roundTrips).int(p.datagramsUp).int(p.bytesUp).int(p.datagramsDown).int(p.bytesDown).int(p.ms);
}

function settle(st: i32, plain: bool = true): i32 {
  if (st == PENDING) { setDeadline(coapClient.nextDeadline()); return PENDING; }
  if (st != OK) return st;
  const r = coapClient.response();
  output.bytes(r.payload, r.payloadLen);
  flushOut();
  logMsg(plain ? M_COAPCMD_DONE : M_COAPCMD_DONE_PROTECTED).int(r.code).int(r.payloadLen).int(r.datagramsUp).int(r.bytesUp)
    .int(r.datagramsDown).int(r.bytesDown).int(r.roundTrips).emit(LOG_INFO);
  if (r.code >= 0x80) return failWith(E_COAP_RESPONSE, M_COAPCMD_CODE).int(r.code).ret();
  return OK;
}
