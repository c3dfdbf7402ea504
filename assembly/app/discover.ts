// `discover [--json] [--rt PREFIX] [-B SECS] [-v] coap://host[:port]`: find a server's EST resources through
// CoAP resource discovery (RFC 6690, RFC 9148 §4.1, EST-oscore draft §4.1): GET /.well-known/core?rt=PREFIX*
// (PREFIX defaults to "ace.est"), then list every link whose rt has the prefix with its path (host and port
// for absolute links), rt, content formats and whether it carries the `osc` flag (OSCORE-protected).
//
// Output: one line per resource, or with --json one object {"resources":[{"path","host","port","rt","ct",
// "osc"}...]}. Fails with E_COAP_RESPONSE when the server answers an error code and E_MALFORMED / E_LIMIT for
// a broken document (then nothing is printed); no matching link is an empty list, not an error.

import { LOG_INFO } from "../base/abi";
import { OK, PENDING, E_USAGE, E_COAP_RESPONSE } from "../base/errors";
import { fail, failWith, logMsg } from "../base/diag";
import { M_DISCOVER_RT, M_DISCOVER_TIMEOUT, M_DISCOVER_USAGE, M_DISCOVER_FAILED, M_DISCOVER_MALFORMED, M_DISCOVER_FOUND } from "../base/msg";
import { COAP_GET, CF_LINK_FORMAT } from "../numbers/coap";
import { CoapRequest, coapClient } from "../coap/client";
import { CoapEndpoint } from "../coap/uri";
import { LinkIter } from "../coap/linkformat";
import { takeUri } from "./coapcmd";
import { argc, argIs, argPtr, argLen, argUint, setJob, setDeadline } from "./runtime";
import { output, flushOut } from "./output";
import { COAP_DEFAULT_DEADLINE_MS } from "../base/config";

const PREFIX_CAP = 48;
const prefix = memory.data(PREFIX_CAP, 1);
let prefixLen = 0;
const query = memory.data(80, 1);
let json = false;
const links = new LinkIter();
const ep = new CoapEndpoint();
const req = new CoapRequest();

export function discoverCommand(): i32 {
  json = false;
  prefixLen = 0;
  const s = req;
  s.trace = false;
  s.deadlineMs = COAP_DEFAULT_DEADLINE_MS;
  let uri = -1;
  for (let i = 1; i < argc(); i++) {
    if (argIs(i, "--json")) json = true;
    else if (argIs(i, "-v") || argIs(i, "--verbose")) s.trace = true;
    else if (argIs(i, "--rt") && i + 1 < argc()) {
      const n = argLen(i + 1);
      if (n < 1 || n > PREFIX_CAP) return failWith(E_USAGE, M_DISCOVER_RT).int(PREFIX_CAP).ret();
      memory.copy(prefix, argPtr(i + 1), <usize>n);
      prefixLen = n;
      i++;
    } else if ((argIs(i, "-B") || argIs(i, "--timeout")) && i + 1 < argc()) {
      const v = argUint(i + 1);
      if (v < 1 || v > 3600) return fail(E_USAGE, M_DISCOVER_TIMEOUT);
      s.deadlineMs = <i32>v * 1000;
      i++;
    } else if (uri < 0 && argLen(i) > 0 && load<u8>(argPtr(i)) != 0x2d) uri = i;
    else return fail(E_USAGE, M_DISCOVER_USAGE);
  }
  if (uri < 0) return fail(E_USAGE, M_DISCOVER_USAGE);
  if (prefixLen == 0) {
    const d = "ace.est";
    for (let k = 0; k < d.length; k++) store<u8>(prefix + <usize>k, <u8>d.charCodeAt(k));
    prefixLen = d.length;
  }
  const st = takeUri(uri, ep);
  if (st != OK) return st;
  s.ep = ep;
  // The path of the URI is replaced by the discovery query.
  const w = "/.well-known/core?rt=";
  for (let k = 0; k < w.length; k++) store<u8>(query + <usize>k, <u8>w.charCodeAt(k));
  memory.copy(query + <usize>w.length, prefix, <usize>prefixLen);
  store<u8>(query + <usize>(w.length + prefixLen), 0x2a); // '*': prefix match (RFC 6690 §4.1)
  s.path = query;
  s.pathLen = w.length + prefixLen + 1;
  s.method = COAP_GET;
  s.confirmable = true;
  s.contentFormat = -1;
  s.accept = CF_LINK_FORMAT;
  s.payloadLen = 0;
  s.szx = 6;
  s.retry = true;
  const b = coapClient.begin(s, null);
  if (b != PENDING) return b;
  setJob(onDatagram, onTimer);
  setDeadline(coapClient.nextDeadline());
  return PENDING;
}

function onDatagram(a: usize, al: i32, d: usize, dl: i32): i32 { return settle(coapClient.onDatagram(a, al, d, dl)); }
function onTimer(): i32 { return settle(coapClient.onTimer()); }

function settle(st: i32): i32 {
  if (st == PENDING) { setDeadline(coapClient.nextDeadline()); return PENDING; }
  if (st != OK) return st;
  const r = coapClient.response();
  if (r.code >= 0x80) return failWith(E_COAP_RESPONSE, M_DISCOVER_FAILED).int(r.code).ret();
  // Validate the whole document first, so nothing is printed for a broken one.
  links.reset(r.payload, r.payloadLen);
  let n = 0;
  for (;;) {
    const k = links.next();
    if (k < 0) return fail(k, M_DISCOVER_MALFORMED);
    if (k == 0) break;
    if (links.rtHasPrefix(prefix, prefixLen)) n++;
  }
  if (json) output.str("{\"resources\":[");
  links.reset(r.payload, r.payloadLen);
  let printed = 0;
  while (links.next() == 1) {
    if (!links.rtHasPrefix(prefix, prefixLen)) continue;
    if (json) {
      if (printed > 0) output.byte(0x2c);
      output.str("{\"path\":\"").json(links.path, links.pathLen).str("\"");
      if (links.hasHost) {
        output.str(",\"host\":\"").json(links.host, links.hostLen).str("\"");
        if (links.port >= 0) output.str(",\"port\":").dec(links.port);
      }
      output.str(",\"rt\":\"").json(links.rt, links.rtLen).str("\",\"ct\":[");
      for (let i = 0; i < links.ctCount; i++) { if (i > 0) output.byte(0x2c); output.dec(links.ctAt(i)); }
      output.str("],\"osc\":").str(links.osc ? "true" : "false").byte(0x7d);
    } else {
      if (links.hasHost) {
        output.str("coap://").bytes(links.host, links.hostLen);
        if (links.port >= 0) output.byte(0x3a).dec(links.port);
      }
      output.bytes(links.path, links.pathLen).str("  rt=").bytes(links.rt, links.rtLen).str("  ct=");
      for (let i = 0; i < links.ctCount; i++) { if (i > 0) output.byte(0x2c); output.dec(links.ctAt(i)); }
      if (links.ctCount == 0) output.byte(0x2d);
      output.str(links.osc ? "  osc" : "  (no osc: not OSCORE-protected)").byte(0x0a);
    }
    printed++;
  }
  if (json) output.str("]}\n");
  flushOut();
  logMsg(M_DISCOVER_FOUND).int(n).bytes(prefix, prefixLen).emit(LOG_INFO);
  return OK;
}
