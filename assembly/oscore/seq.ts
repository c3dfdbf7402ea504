// OSCORE Sender Sequence Numbers that survive power cuts (RFC 8613 Appendix B.1.1): the key store holds a
// limit that no number handed out has reached; before the counter reaches the limit, a new limit K numbers
// further on is written, and only after the write succeeds is the number used. After a reboot the counter
// starts at the stored limit, so a number is never used twice — at the cost of skipping at most K.
//
// A missing record starts a fresh context at 0; a corrupt record refuses the context (E_STORE_CORRUPT): the
// last number used cannot be known, so the caller must establish new keys (run EDHOC again).

import * as board from "../abi";
import { OK, E_STORE_NOT_FOUND, E_STORE_CORRUPT, E_LIMIT } from "../errors";

/** Numbers reserved per key-store write (K of RFC 8613 Appendix B.1.1). */
export const SEQ_WINDOW: u64 = 32;
/** Partial IVs are at most 5 bytes (RFC 8613 §6.1). */
export const SEQ_MAX: u64 = (<u64>1 << 40) - 1;

export class SeqCounter {
  record: u32 = 0;
  next: u64 = 0;
  limit: u64 = 0;
  writes: u32 = 0;
}

const rec = memory.data(8, 8);

/** Load the counter of a context from key-store record `record`. Returns OK or a store status. */
export function seqLoad(c: SeqCounter, record: u32): i32 {
  c.record = record;
  c.writes = 0;
  const n = board.store_read(record, rec, 8);
  if (n == E_STORE_NOT_FOUND) { c.next = 0; c.limit = 0; return OK; }
  if (n < 0) return n;
  if (n != 8) return E_STORE_CORRUPT;
  c.limit = bswap<u64>(load<u64>(rec));
  c.next = c.limit; // numbers below the stored limit may have been used before the power cut
  return OK;
}

/** The next Sender Sequence Number (>= 0), or a negative status: E_LIMIT when the number space is spent,
 *  or the store's status when the write-ahead failed (then the number must not be used). */
export function seqTake(c: SeqCounter): i64 {
  if (c.next > SEQ_MAX) return E_LIMIT;
  if (c.next >= c.limit) {
    const limit = c.next + SEQ_WINDOW;
    store<u64>(rec, bswap<u64>(limit));
    const st = board.store_write(c.record, rec, 8);
    if (st != OK) return st;
    c.limit = limit;
    c.writes++;
  }
  const n = c.next;
  c.next = n + 1;
  return <i64>n;
}
