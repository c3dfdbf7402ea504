// Block-wise transfer state of the development server (RFC 7959), used by the plain CoAP endpoint (coap.ts)
// and by the OSCORE layer for inner blocks (est.ts; RFC 8613 §4.1.3.4.1: each inner block is its own protected
// request, reassembled after verification):
//   - Block1Bodies reassembles request bodies block by block (2.31 Continue for each non-final block, §2.3;
//     4.08 for a block out of order, 4.13 beyond the size limit, 5.03 with Max-Age when too many are open);
//   - Block2Store keeps the whole representation of a response that took several Block2 blocks, so that the
//     requests for its later blocks are served from it instead of running the handler again (a POST such as
//     /sen or an EDHOC message must not be processed twice; §2.5, "the server SHOULD keep the representation").
// Both are bounded in count and idle time (limits.ts) and keyed by whoever the caller names: the endpoint by
// peer and token, the OSCORE layer by the context's Recipient ID and the token (the client keeps one token
// for all blocks of a transfer).
//
// Not here: encoding the options (coap.ts), deciding which requests are block-wise (the callers).

import { BoundedMap } from "./limits.js";
import {
  type Message, type Response, OPT, getOption, blockDecode, blockEncode, uintBytes, CONTINUE, BAD_OPTION,
  REQUEST_ENTITY_INCOMPLETE, REQUEST_ENTITY_TOO_LARGE, SERVICE_UNAVAILABLE, type Block,
} from "./coap.js";

/** What one Block1 block gives: the whole body (the last block arrived, or the request had no Block1), or the
 *  answer to send now (2.31 Continue, or an error) with the block it answers (undefined when unreadable). */
export type Block1Step = { body: Uint8Array; block?: Block } | { reply: Response; refused?: "full" };

export class Block1Bodies {
  private bodies: BoundedMap<string, { parts: Uint8Array[]; size: number }>;
  /** max: bodies open at once; idleMs: their expiry; maxBody: the largest body accepted, bytes; now: the clock
   *  (tests move their own). */
  constructor(max: number, readonly idleMs: number, readonly maxBody: number, now?: () => number) { this.bodies = new BoundedMap(max, idleMs, undefined, now); }

  /** Bodies in reassembly now (expired ones swept first). */
  get size(): number { this.bodies.sweep(); return this.bodies.size; }

  /** Take the block `m` carries (its Block1 option and payload) into the body named `key`. */
  add(key: string, m: Message): Block1Step {
    const b1 = getOption(m, OPT.BLOCK1);
    if (!b1) return { body: m.payload };
    let blk: Block;
    try { blk = blockDecode(b1); } catch { return { reply: { code: BAD_OPTION } }; }
    const size = 16 << blk.szx;
    let r = this.bodies.get(key);
    if (blk.num === 0 && blk.more) {
      r = { parts: [], size: 0 };
      // Too many unfinished uploads: come back later (the oldest expire after idleMs).
      if (!this.bodies.set(key, r, true)) return { reply: { code: SERVICE_UNAVAILABLE, options: [[OPT.MAX_AGE, uintBytes(Math.max(1, Math.ceil(this.idleMs / 1000)))]] }, refused: "full" };
    } else if (blk.num === 0) r = { parts: [], size: 0 }; // the whole body in one block: nothing to keep
    if (!r || r.size !== blk.num * size || (blk.more && m.payload.length !== size)) return { reply: { code: REQUEST_ENTITY_INCOMPLETE } };
    this.bodies.touch(key);
    r.parts.push(m.payload); r.size += m.payload.length;
    if (r.size > this.maxBody) { this.bodies.delete(key); return { reply: { code: REQUEST_ENTITY_TOO_LARGE } }; }
    if (blk.more) return { reply: { code: CONTINUE, options: [[OPT.BLOCK1, blockEncode(blk)]] } };
    this.bodies.delete(key);
    return { body: Buffer.concat(r.parts), block: blk };
  }
}

export class Block2Store {
  private kept: BoundedMap<string, Response>;
  /** max: representations kept at once; idleMs: how long after its last block one is kept. */
  constructor(max = 1024, idleMs = 30_000) { this.kept = new BoundedMap(max, idleMs); }

  /** The response `key` answered before, when `m` asks for a later block of it (Block2 with NUM > 0). */
  later(key: string, m: Message): Response | undefined {
    const b2 = getOption(m, OPT.BLOCK2);
    let num = 0;
    try { num = b2 ? blockDecode(b2).num : 0; } catch { return undefined; }
    if (num === 0) { this.kept.delete(key); return undefined; } // a new exchange under the same key
    const r = this.kept.get(key);
    if (r) this.kept.touch(key);
    return r;
  }

  /** Keep `res`, the answer to `m`, for the later blocks of `key` when it takes more than one block (of the
   *  size `m` asked for with Block2, else 1024 bytes: coap.ts applyBlock2). */
  keep(key: string, m: Message, res: Response): void {
    let szx = 6;
    const b2 = getOption(m, OPT.BLOCK2);
    try { if (b2) szx = Math.min(blockDecode(b2).szx, 6); } catch { /* applyBlock2 ignores it too */ }
    if ((res.payload?.length ?? 0) > 16 << szx) this.kept.set(key, res);
  }
}
