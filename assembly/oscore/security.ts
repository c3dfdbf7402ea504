// OSCORE as the CoAP client's security layer (coap/client.ts CoapSecurity): every new request message is
// protected with the context and the next Sender Sequence Number (written ahead to the key store, oscore/seq.ts),
// every response must verify under the request's context and nonce (RFC 8613 §8.4). With a combined prefix
// set, the first request also carries EDHOC message_3 (RFC 9668 §3: the EDHOC option and message_3 in front
// of the OSCORE ciphertext); once a response verified, the server has processed message_3 and any later
// request of the exchange is a plain OSCORE request (§3.2.1).
//
// Deliberately not here: where the context comes from (EDHOC, a stored record: oscore/context.ts,
// edhoc/channel.ts), the replay window of a server.

import { CoapSecurity } from "../coap/client";
import { CoapMessage } from "../coap/message";
import { OPT_OSCORE } from "../numbers/coap";
import { OscoreContext, oscoreProtect, oscoreUnprotect } from "./oscore";
import { SeqCounter, seqTake } from "./seq";
import { edhocCombine } from "./combined";


export class OscoreSecurity extends CoapSecurity {
  ctx: OscoreContext = new OscoreContext();
  seq: SeqCounter = new SeqCounter();
  /** RFC 9668: message_3 (its CBOR bstr) for the first request; 0 length: none. Cleared once a response
   *  verified. The bytes stay the caller's. */
  prefix: usize = 0;
  prefixLen: i32 = 0;
  /** Sequence numbers this layer took (requests protected) since the last reset(). */
  protectedCount: i32 = 0;

  /** Send message_3 in front of the next request (RFC 9668). */
  combine(m3: usize, m3Len: i32): void { this.prefix = m3; this.prefixLen = m3Len; }

  protectRequest(plain: usize, len: i32, out: usize, cap: i32): i32 {
    const seq = seqTake(this.seq);
    if (seq < 0) return <i32>seq;
    this.protectedCount++;
    if (this.prefixLen == 0) return oscoreProtect(this.ctx, plain, len, <u64>seq, true, out, cap);
    // The combined request: the EDHOC option (21, empty, Class U) among the outer options, then message_3 in
    // front of the ciphertext, inserted in place.
    const n = oscoreProtect(this.ctx, plain, len, <u64>seq, true, out, cap, true);
    if (n < 0) return n;
    return edhocCombine(out, n, this.prefix, this.prefixLen, cap);
  }

  claimsProtection(msg: CoapMessage): bool { return msg.find(OPT_OSCORE) == 1; }

  verifyResponse(data: usize, len: i32, out: usize, cap: i32): i32 {
    const n = oscoreUnprotect(this.ctx, data, len, out, cap);
    if (n >= 0) this.prefixLen = 0;
    return n;
  }
}
