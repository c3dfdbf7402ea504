// OSCORE Sender Sequence Numbers that survive power cuts (RFC 8613 Appendix B.1.1): the key store holds a
// limit that no number handed out has reached; before the counter reaches the limit, a new limit K numbers
// further on is written, and only after the write succeeds is the number used. After a reboot the counter
// starts at the stored limit, so a number is never used twice — at the cost of skipping at most K.
//
// A missing record, or one written for another context (its tag differs), starts the context at its stored
// floor (0 for a provisioned context); a corrupt record refuses the context (E_STORE_CORRUPT): the last
// number used cannot be known, so the caller must establish new keys (run EDHOC again). A context from EDHOC
// counts in memory until its first verified response, and is stored only then (secure.ts).

import * as board from "../base/abi";
import { OK, E_STORE_NOT_FOUND, E_STORE_CORRUPT, E_LIMIT } from "../base/errors";

/** Numbers reserved per key-store write (K of RFC 8613 Appendix B.1.1). */
export const SEQ_WINDOW: u64 = 32;
/** Partial IVs are at most 5 bytes (RFC 8613 §6.1). */
export const SEQ_MAX: u64 = (<u64>1 << 40) - 1;

export class SeqCounter {
  /** Key-store record of the limit; 0: numbers held in memory only (a context not yet confirmed by its peer,
   *  which is never stored either, so its numbers cannot be reused after a reboot). */
  record: u32 = 0;
  next: u64 = 0;
  limit: u64 = 0;
  writes: u32 = 0;
  /** The context's tag (secure.ts): the record carries it, so a limit written for another context is never
   *  taken for this one's. Untagged contexts (provisioned before tags existed) use the 8-byte record. */
  tagged: bool = false;
  tag: u32 = 0;
}

const rec = memory.data(12, 8);

/** A counter in memory only, from 0: for a new context until its peer has shown it holds the same keys. */
export function seqVolatile(c: SeqCounter): void {
  c.record = 0; c.next = 0; c.limit = 0; c.writes = 0; c.tagged = false; c.tag = 0;
}

/** Load the counter of a context from key-store record `record`. `floor` is the first number the context
 *  may use when the record does not belong to it (missing, or another context's tag): the context's stored
 *  floor. Returns OK or a store status. */
export function seqLoad(c: SeqCounter, record: u32, tagged: bool = false, tag: u32 = 0, floor: u64 = 0): i32 {
  c.record = record;
  c.writes = 0;
  c.tagged = tagged;
  c.tag = tag;
  const n = board.store_read(record, rec, 12);
  let mine = false;
  if (n == E_STORE_NOT_FOUND) mine = false;
  else if (n < 0) return n;
  else if (n == 8 && !tagged) mine = true;
  else if (n == 12 && tagged) mine = load<u32>(rec + 8) == tag;
  else if (n == 8 || n == 12) mine = false; // the other format: another context's record
  else return E_STORE_CORRUPT;
  if (!mine) { c.next = floor; c.limit = floor; return OK; }
  c.limit = bswap<u64>(load<u64>(rec));
  if (c.limit < floor) return E_STORE_CORRUPT; // a tag match with a limit below the context's floor: damaged
  c.next = c.limit; // numbers below the stored limit may have been used before the power cut
  return OK;
}

/** Make a volatile counter persistent under `record` for a context stored with `tag`: the numbers below
 *  c.next were used in memory; the next take writes a limit beyond them before using one. */
export function seqPersist(c: SeqCounter, record: u32, tag: u32): void {
  c.record = record; c.tagged = true; c.tag = tag; c.limit = c.next;
}

/** The next Sender Sequence Number (>= 0), or a negative status: E_LIMIT when the number space is spent,
 *  or the store's status when the write-ahead failed (then the number must not be used). */
export function seqTake(c: SeqCounter): i64 {
  if (c.next > SEQ_MAX) return E_LIMIT;
  if (c.record != 0 && c.next >= c.limit) {
    const limit = c.next + SEQ_WINDOW;
    store<u64>(rec, bswap<u64>(limit));
    store<u32>(rec + 8, c.tag);
    const st = board.store_write(c.record, rec, c.tagged ? 12 : 8);
    if (st != OK) return st;
    c.limit = limit;
    c.writes++;
  }
  const n = c.next;
  c.next = n + 1;
  return <i64>n;
}
