// `coap get|post|put|delete [options] URI`: a CoAP client command in the manner of libcoap's coap-client.
//
//   -e TEXT    payload text             -f FILE   payload from the command's input file (host-provided)
//   -t CF      Content-Format           -A CF     Accept (number, or text, link, octet, json, cbor, ...)
//   -b SIZE    block size 16..1024      -B SECS   give up after SECS seconds (default 90)
//   -N         non-confirmable          -v        trace every datagram on stderr
//   -o FILE    (host) write the response payload to FILE
//   --ack-timeout MS, --max-retransmit N   transmission parameters (RFC 7252 §4.8; default 2000 ms, 4)
//   --no-retry  give up after MAX_RETRANSMIT instead of sending the request again until the -B deadline
//
// The response payload goes to the command output unchanged; a 4.xx/5.xx answer makes the command fail with
// E_COAP_RESPONSE after printing the payload (the server's diagnostic). URIs: coap://host[:port]/path?query
// with host a name, an IPv4 literal or a bracketed IPv6 literal; no percent-decoding.

import * as board from "./abi";
import { LOG_INFO } from "./abi";
import { OK, PENDING, E_USAGE, E_COAP_URI, E_COAP_RESPONSE, E_LIMIT } from "./errors";
import { COAP_REQUEST_CAPACITY, COAP_DEFAULT_DEADLINE_MS, COAP_ACK_TIMEOUT_MS, COAP_MAX_RETRANSMIT } from "./config";
import {
  COAP_GET, COAP_POST, COAP_PUT, COAP_DELETE, COAP_PORT, CF_TEXT_PLAIN, CF_LINK_FORMAT, CF_OCTET_STREAM, CF_JSON,
  CF_CBOR, CF_MULTIPART_CORE,
} from "./numbers/coap";
import { coapClient } from "./coap/client";
import { secure, PhaseStats } from "./secure";
import { LOG_ALWAYS } from "./abi";
import {
  argc, argIs, argPtr, argLen, argUint, fail, failDetail, output, flushOut, setJob, setDeadline, logBegin, logEnd,
  Writer,
} from "./runtime";

const reqBuf = memory.data(COAP_REQUEST_CAPACITY, 16);
/** The URI is copied here: argv lives in the io buffer, which the first datagram overwrites. */
const URI_CAPACITY = 512;
const uriBuf = memory.data(URI_CAPACITY, 8);
const addrBuf = memory.data(32, 8);

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

/** Copy a URI argument into module memory (argv does not outlive start) and parse it into the request spec:
 *  coap://host[:port]/path?query, host resolved. */
export function takeUri(arg: i32): i32 {
  if (argLen(arg) > URI_CAPACITY) return fail(E_LIMIT, "URI longer than 512 bytes");
  memory.copy(uriBuf, argPtr(arg), <usize>argLen(arg));
  return parseUri(uriBuf, argLen(arg));
}

/** Parse coap://host[:port]/path?query into the request spec and resolve the host. */
function parseUri(p: usize, n: i32): i32 {
  const s = coapClient.spec;
  const scheme = "coap://";
  if (n < scheme.length) return fail(E_COAP_URI, "URI must start with coap://");
  for (let i = 0; i < scheme.length; i++) {
    let c = at(p, i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c != <i32>scheme.charCodeAt(i)) {
      return fail(E_COAP_URI, at(p, 4) == 0x73 ? "coaps:// is not supported: EST-oscore uses coap:// with OSCORE" : "URI must start with coap://");
    }
  }
  let i = scheme.length;
  let hs = i, he = i, literal = false;
  if (i < n && at(p, i) == 0x5b) { // [IPv6]
    hs = i + 1;
    while (i < n && at(p, i) != 0x5d) i++;
    if (i >= n) return fail(E_COAP_URI, "unterminated [ in the URI host");
    he = i;
    i++;
    literal = true;
  } else {
    while (i < n && at(p, i) != 0x3a && at(p, i) != 0x2f && at(p, i) != 0x3f) i++;
    he = i;
    literal = true;
    for (let k = hs; k < he; k++) { const c = at(p, k); if (!(c == 0x2e || (c >= 0x30 && c <= 0x39))) literal = false; }
  }
  if (he == hs) return fail(E_COAP_URI, "URI has no host");
  let port = COAP_PORT;
  if (i < n && at(p, i) == 0x3a) {
    i++;
    let v = 0, digits = 0;
    while (i < n && at(p, i) >= 0x30 && at(p, i) <= 0x39 && digits < 6) { v = v * 10 + at(p, i) - 0x30; i++; digits++; }
    if (digits == 0 || v == 0 || v > 65535) return fail(E_COAP_URI, "URI port must be 1..65535");
    port = v;
  }
  if (i < n && at(p, i) != 0x2f && at(p, i) != 0x3f) return fail(E_COAP_URI, "unexpected character after the URI host");
  const al = board.udp_resolve(p + <usize>hs, he - hs, port, addrBuf, 32);
  if (al < 0) {
    fail(al, "cannot resolve ");
    failDetail().bytes(p + <usize>hs, he - hs);
    return al;
  }
  s.addr = addrBuf;
  s.addrLen = al;
  s.host = p + <usize>hs;
  s.hostLen = literal ? 0 : he - hs;
  // The URI's port is the destination UDP port, so no Uri-Port (RFC 7252 §6.4 step 7); a redundant one is a
  // critical option that servers may refuse (aiocoap answers EDHOC requests carrying it with 4.02).
  s.port = -1;
  s.path = p + <usize>i;
  s.pathLen = n - i;
  return OK;
}

/** `oscore get|post|put|delete [options] URI [--edhoc] [--combined]`: the same request protected with OSCORE,
 *  the context taken from the key store or established by EDHOC first (secure.ts). */
let protect = false;

export function oscoreCommand(): i32 {
  protect = true;
  secure.edhoc = false;
  secure.combined = false;
  return requestCommand();
}

export function coapCommand(): i32 {
  protect = false;
  return requestCommand();
}

function requestCommand(): i32 {
  const s = coapClient.spec;
  s.oscore = null; s.seq = null; s.edhocM3 = 0; s.edhocM3Len = 0;
  if (argc() < 3) {
    return fail(E_USAGE, protect ? "usage: oscore get|post|put|delete [options] [--edhoc [--combined]] coap://host[:port]/path"
                                 : "usage: coap get|post|put|delete [options] coap://host[:port]/path");
  }
  if (argIs(1, "get")) s.method = COAP_GET;
  else if (argIs(1, "post")) s.method = COAP_POST;
  else if (argIs(1, "put")) s.method = COAP_PUT;
  else if (argIs(1, "delete")) s.method = COAP_DELETE;
  else return fail(E_USAGE, "coap: method must be get, post, put or delete");
  s.confirmable = true;
  s.contentFormat = -1;
  s.accept = -1;
  s.payload = reqBuf;
  s.payloadLen = 0;
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
      if (n > COAP_REQUEST_CAPACITY) return fail(E_LIMIT, "payload larger than the request buffer");
      memory.copy(reqBuf, argPtr(i + 1), <usize>n);
      s.payloadLen = n;
      i++;
    } else if ((argIs(i, "-f") || argIs(i, "--payload-file")) && hasValue) { fromFile = true; i++; }
    else if ((argIs(i, "-o") || argIs(i, "--out")) && hasValue) { i++; } // handled by the host
    else if ((argIs(i, "-t") || argIs(i, "--content-format")) && hasValue) {
      s.contentFormat = contentFormat(i + 1);
      if (s.contentFormat < 0) return fail(E_USAGE, "coap: unknown content format (a number, or text, link, octet, json, cbor)");
      i++;
    } else if ((argIs(i, "-A") || argIs(i, "--accept")) && hasValue) {
      s.accept = contentFormat(i + 1);
      if (s.accept < 0) return fail(E_USAGE, "coap: unknown accept format (a number, or text, link, octet, json, cbor)");
      i++;
    } else if ((argIs(i, "-b") || argIs(i, "--block-size")) && hasValue) {
      const v = argUint(i + 1);
      let szx = -1;
      for (let k = 0; k <= 6; k++) if (v == <i64>(1 << (k + 4))) szx = k;
      if (szx < 0) return fail(E_USAGE, "coap: block size must be 16, 32, 64, 128, 256, 512 or 1024");
      s.szx = szx;
      i++;
    } else if ((argIs(i, "-B") || argIs(i, "--timeout")) && hasValue) {
      const v = argUint(i + 1);
      if (v < 1 || v > 3600) return fail(E_USAGE, "coap: timeout must be 1..3600 seconds");
      s.deadlineMs = <i32>v * 1000;
      i++;
    } else if (argIs(i, "--ack-timeout") && hasValue) {
      const v = argUint(i + 1);
      if (v < 10 || v > 60000) return fail(E_USAGE, "coap: --ack-timeout must be 10..60000 ms");
      s.ackTimeoutMs = <i32>v;
      i++;
    } else if (argIs(i, "--max-retransmit") && hasValue) {
      const v = argUint(i + 1);
      if (v < 0 || v > 20) return fail(E_USAGE, "coap: --max-retransmit must be 0..20");
      s.maxRetransmit = <i32>v;
      i++;
    } else if (argIs(i, "--no-retry")) s.retry = false;
    else if (argIs(i, "-N") || argIs(i, "--non")) s.confirmable = false;
    else if (protect && argIs(i, "--edhoc")) secure.edhoc = true;
    else if (protect && argIs(i, "--combined")) secure.combined = true;
    else if (argIs(i, "-v") || argIs(i, "--verbose")) s.trace = true;
    else if (uri < 0 && argLen(i) > 0 && at(argPtr(i), 0) != 0x2d) uri = i;
    else {
      fail(E_USAGE, "coap: unknown option or missing value: ");
      failDetail().bytes(argPtr(i), argLen(i) < 40 ? argLen(i) : 40);
      return E_USAGE;
    }
  }
  if (uri < 0) return fail(E_USAGE, "coap: no URI given");
  if (fromFile) {
    let n = 0;
    for (;;) {
      const got = board.in_read(reqBuf + <usize>n, COAP_REQUEST_CAPACITY - n);
      if (got < 0) return fail(got, "cannot read the payload file");
      if (got == 0) break;
      n += got;
      if (n == COAP_REQUEST_CAPACITY) {
        const probe = memory.data(1);
        if (board.in_read(probe, 1) > 0) {
          fail(E_LIMIT, "payload file larger than ");
          failDetail().dec(COAP_REQUEST_CAPACITY).str(" bytes");
          return E_LIMIT;
        }
        break;
      }
    }
    s.payloadLen = n;
  }
  const st = takeUri(uri);
  if (st != OK) return st;
  if (protect) {
    if (secure.combined && !secure.edhoc) return fail(E_USAGE, "oscore: --combined needs --edhoc");
    const b = secure.begin();
    if (b != PENDING) return b;
    setJob(secureDatagram, secureTimer);
    setDeadline(secure.nextDeadline());
    return PENDING;
  }
  const b = coapClient.begin();
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
  return settleSecure(secure.onDatagram(addr, addrLen, data, len));
}

function secureTimer(): i32 {
  return settleSecure(secure.onTimer());
}

function settleSecure(st: i32): i32 {
  if (st == PENDING) { setDeadline(secure.nextDeadline()); return PENDING; }
  if (secure.ranEdhoc) {
    const h = secure.hs;
    const w = logBegin().str("edhoc: message_1 ").dec(h.m1).str(" B, message_2 ").dec(h.m2).str(" B, message_3 ").dec(h.m3)
      .str(secure.combined && st == OK && h.roundTrips == 1 ? " B (combined with the request)" : " B");
    phaseText(w.str("; handshake "), h);
    logEnd(LOG_ALWAYS);
  }
  phaseText(logBegin().str("oscore: request "), secure.req);
  logEnd(LOG_ALWAYS);
  return settle(st, false);
}

function phaseText(w: Writer, p: PhaseStats): void {
  w.dec(p.roundTrips).str(" round trips, ").dec(p.datagramsUp).str(" datagrams up (").dec(p.bytesUp).str(" bytes), ")
    .dec(p.datagramsDown).str(" down (").dec(p.bytesDown).str(" bytes), ").dec(p.ms).str(" ms");
}

function settle(st: i32, plain: bool = true): i32 {
  if (st == PENDING) { setDeadline(coapClient.nextDeadline()); return PENDING; }
  if (st != OK) return st;
  const r = coapClient.response;
  output.bytes(r.payload, r.payloadLen);
  flushOut();
  const w = logBegin();
  codeText(w, r.code);
  if (!plain) w.str(" (OSCORE-protected)");
  w.str(", ").dec(r.payloadLen).str(" bytes; ").dec(r.datagramsUp).str(" datagrams up (").dec(r.bytesUp)
    .str(" bytes), ").dec(r.datagramsDown).str(" down (").dec(r.bytesDown).str(" bytes), ").dec(r.roundTrips).str(" round trips");
  logEnd(LOG_INFO);
  if (r.code >= 0x80) {
    fail(E_COAP_RESPONSE, "");
    const d = failDetail();
    codeText(d, r.code);
    return E_COAP_RESPONSE;
  }
  return OK;
}

/** Write "2.05 Content" for a response code. */
export function codeText(w: Writer, code: i32): void {
  w.dec(code >> 5).byte(0x2e).byte(0x30 + (code & 31) / 10).byte(0x30 + (code & 31) % 10).byte(0x20);
  reason(w, code);
}

function reason(w: Writer, code: i32): void {
  switch (code) {
    case 0x41: w.str("Created"); return;
    case 0x42: w.str("Deleted"); return;
    case 0x43: w.str("Valid"); return;
    case 0x44: w.str("Changed"); return;
    case 0x45: w.str("Content"); return;
    case 0x80: w.str("Bad Request"); return;
    case 0x81: w.str("Unauthorized"); return;
    case 0x82: w.str("Bad Option"); return;
    case 0x83: w.str("Forbidden"); return;
    case 0x84: w.str("Not Found"); return;
    case 0x85: w.str("Method Not Allowed"); return;
    case 0x86: w.str("Not Acceptable"); return;
    case 0x88: w.str("Request Entity Incomplete"); return;
    case 0x8c: w.str("Precondition Failed"); return;
    case 0x8d: w.str("Request Entity Too Large"); return;
    case 0x8f: w.str("Unsupported Content-Format"); return;
    case 0xa0: w.str("Internal Server Error"); return;
    case 0xa1: w.str("Not Implemented"); return;
    case 0xa2: w.str("Bad Gateway"); return;
    case 0xa3: w.str("Service Unavailable"); return;
    case 0xa4: w.str("Gateway Timeout"); return;
    case 0xa5: w.str("Proxying Not Supported"); return;
  }
  w.str("(code)");
}
