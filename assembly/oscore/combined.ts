// The EDHOC + OSCORE combined request of RFC 9668 §3: EDHOC message_3 and the first OSCORE-protected request
// travel in one CoAP request. The request carries the EDHOC option (21, empty, Class U) and the payload is
// message_3 (the CBOR bstr CIPHERTEXT_3) followed by the OSCORE ciphertext.
//
// edhocCombine() takes a request already protected with the OSCORE context derived from this handshake
// (Sender ID = C_R, Sender Sequence Number 0, the EDHOC option among its outer options) and inserts
// message_3 in front of its payload. Deliberately not here: the size check against the path MTU that
// decides between the combined and the sequential flow (the caller knows the limit).

import { E_MALFORMED, E_BUFFER_TOO_SMALL } from "../base/errors";
import { CoapMessage } from "../coap/message";
import { OPT_EDHOC, OPT_OSCORE } from "../numbers/coap";

const msg = new CoapMessage();

/** Insert message_3 (m3, m3Len bytes; not inside the message's buffer) in front of the payload of the protected
 *  request in prot (len bytes, cap bytes of room), in place. Returns the new length, E_MALFORMED (no OSCORE or
 *  EDHOC option, no payload) or E_BUFFER_TOO_SMALL. */
export function edhocCombine(prot: usize, len: i32, m3: usize, m3Len: i32, cap: i32): i32 {
  if (msg.parse(prot, len) != 0) return E_MALFORMED;
  if (msg.find(OPT_OSCORE) != 1 || msg.find(OPT_EDHOC) != 1 || msg.payloadLen == 0) return E_MALFORMED;
  const head = <i32>(msg.payload - prot); // header, token, options and the 0xff marker
  if (<i64>len + <i64>m3Len > <i64>cap) return E_BUFFER_TOO_SMALL;
  memory.copy(prot + <usize>(head + m3Len), prot + <usize>head, <usize>(len - head)); // memory.copy is memmove
  memory.copy(prot + <usize>head, m3, <usize>m3Len);
  return len + m3Len;
}
