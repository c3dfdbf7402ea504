// coap:// URIs (RFC 7252 §6): coap://host[:port]/path?query, the host a name, an IPv4 literal or a bracketed
// IPv6 literal, resolved through the board into an endpoint the client sends to.
//
// Deliberately not here: percent-decoding, coaps:// (EST-oscore runs over coap:// with OSCORE), any scheme
// other than coap.

import * as board from "../base/abi";
import { OK, E_COAP_URI, E_LIMIT } from "../base/errors";
import { fail, failWith } from "../base/diag";
import { COAP_URI_CAPACITY } from "../base/config";
import { COAP_PORT } from "../numbers/coap";
import { M_URI_SCHEME, M_URI_COAPS, M_URI_BRACKET, M_URI_NO_HOST, M_URI_PORT, M_URI_AFTER_HOST, M_URI_RESOLVE, M_URI_TOO_LONG } from "../base/msg";

/** Where requests go: the encoded UDP endpoint (est_abi.h format) and the Uri-Host to send (a registered
 *  name; none for an IP literal). Owns a copy of the URI, so it outlives the argv it came from. */
export class CoapEndpoint {
  addr: usize = heap.alloc(32);
  addrLen: i32 = 0;
  /** The URI as given, and views into it: host, path (with query). */
  uri: usize = heap.alloc(COAP_URI_CAPACITY);
  uriLen: i32 = 0;
  host: usize = 0;
  hostLen: i32 = 0;
  path: usize = 0;
  pathLen: i32 = 0;
}

@inline function at(p: usize, i: i32): i32 { return <i32>load<u8>(p + <usize>i); }

/** Copy the URI (p, n) into ep and parse it: host resolved, path and query kept. Returns OK or a status. */
export function coapUriParse(ep: CoapEndpoint, p: usize, n: i32): i32 {
  if (n > COAP_URI_CAPACITY) return failWith(E_LIMIT, M_URI_TOO_LONG).int(COAP_URI_CAPACITY).ret();
  memory.copy(ep.uri, p, <usize>n);
  ep.uriLen = n;
  p = ep.uri;
  const scheme = "coap://";
  if (n < scheme.length) return fail(E_COAP_URI, M_URI_SCHEME);
  for (let i = 0; i < scheme.length; i++) {
    let c = at(p, i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c != <i32>scheme.charCodeAt(i)) return fail(E_COAP_URI, at(p, 4) == 0x73 ? M_URI_COAPS : M_URI_SCHEME);
  }
  let i = scheme.length;
  let hs = i, he = i, literal = false;
  if (i < n && at(p, i) == 0x5b) { // [IPv6]
    hs = i + 1;
    while (i < n && at(p, i) != 0x5d) i++;
    if (i >= n) return fail(E_COAP_URI, M_URI_BRACKET);
    he = i;
    i++;
    literal = true;
  } else {
    while (i < n && at(p, i) != 0x3a && at(p, i) != 0x2f && at(p, i) != 0x3f) i++;
    he = i;
    literal = true;
    for (let k = hs; k < he; k++) { const c = at(p, k); if (!(c == 0x2e || (c >= 0x30 && c <= 0x39))) literal = false; }
  }
  if (he == hs) return fail(E_COAP_URI, M_URI_NO_HOST);
  let port = COAP_PORT;
  if (i < n && at(p, i) == 0x3a) {
    i++;
    let v = 0, digits = 0;
    while (i < n && at(p, i) >= 0x30 && at(p, i) <= 0x39 && digits < 6) { v = v * 10 + at(p, i) - 0x30; i++; digits++; }
    if (digits == 0 || v == 0 || v > 65535) return fail(E_COAP_URI, M_URI_PORT);
    port = v;
  }
  if (i < n && at(p, i) != 0x2f && at(p, i) != 0x3f) return fail(E_COAP_URI, M_URI_AFTER_HOST);
  const al = board.udp_resolve(p + <usize>hs, he - hs, port, ep.addr, 32);
  if (al < 0) return failWith(al, M_URI_RESOLVE).bytes(p + <usize>hs, he - hs).ret();
  ep.addrLen = al;
  ep.host = p + <usize>hs;
  // The URI's port is the destination UDP port, so no Uri-Port (RFC 7252 §6.4 step 7); a redundant one is a
  // critical option that servers may refuse (aiocoap answers EDHOC requests carrying it with 4.02).
  ep.hostLen = literal ? 0 : he - hs;
  ep.path = p + <usize>i;
  ep.pathLen = n - i;
  return OK;
}
