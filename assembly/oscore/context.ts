// The OSCORE context the device keeps in its key store (record STORE_ID_OSCORE_CTX), and a new context from
// EDHOC on its way there.
//
// Record: master secret (16) | master salt (8) | Sender ID (length byte + bytes) | Recipient ID (length byte +
// bytes) | optionally tag (4) | floor (8, big-endian). A context from EDHOC carries a fresh random tag, and
// its sequence-number record (oscore/seq.ts) carries the same tag, so a limit written for another context is
// never taken for this one's; the floor is the first number the context may use when its sequence-number
// record is missing or another context's. A provisioned context (tools/provision.ts --psk) has neither.
//
// A context from EDHOC is used at once but stored only when a response verified under it (confirm): until the
// Responder has shown that it derived the same keys, a message_3 lost or altered on the way must not replace
// the stored context (a man in the middle could otherwise make the device drop a working one). Its sequence
// numbers count in memory meanwhile; a reboot forgets the context with them, so none is used twice. The
// context is written before any sequence-number record of its own: a power cut in between leaves a record of
// another tag, and the context then starts at its floor.
//
// Deliberately not here: where the keys come from (EDHOC, edhoc/), the protection itself (oscore.ts).

import * as board from "../base/abi";
import { OK, E_STORE_CORRUPT, E_STORE_NOT_FOUND } from "../base/errors";
import { STORE_ID_OSCORE_CTX, STORE_ID_OSCORE_SEQ } from "../base/store-ids";
import { wipe, randomBytes } from "../crypto/index";
import { OscoreContext, oscoreDerive, OSCORE_MAX_ID } from "./oscore";
import { SeqCounter, seqLoad, seqVolatile, seqPersist } from "./seq";

const REC_CAP = 64;
const rec = memory.data(REC_CAP, 8);
const pending = memory.data(REC_CAP, 8);
let pendingLen = 0;
const storedRid = memory.data(8, 4);
let storedRidLen = -1;
/** The loaded context's tag and floor (untagged: a provisioned context). */
let tagged = false;
let tag: u32 = 0;
let floor: u64 = 0;

/** Parse the stored record in rec (n bytes) into ctx; tag/floor into the out fields. */
function parse(n: i32, ctx: OscoreContext): i32 {
  if (n < 26) return E_STORE_CORRUPT;
  const sl = <i32>load<u8>(rec + 24);
  if (sl > OSCORE_MAX_ID || 25 + sl >= n) return E_STORE_CORRUPT;
  const rl = <i32>load<u8>(rec + <usize>(25 + sl));
  const base = 26 + sl + rl;
  if (rl > OSCORE_MAX_ID || (n != base && n != base + 12)) return E_STORE_CORRUPT;
  tagged = n == base + 12;
  tag = tagged ? load<u32>(rec + <usize>base) : 0;
  floor = tagged ? bswap<u64>(load<u64>(rec + <usize>(base + 4))) : 0;
  memory.copy(storedRid, rec + <usize>(26 + sl), <usize>rl);
  storedRidLen = rl;
  return oscoreDerive(ctx, rec, 16, rec + 16, 8, rec + 25, sl, rec + <usize>(26 + sl), rl, 0, -1);
}
/** Load the stored context into ctx. Returns OK, E_STORE_NOT_FOUND (none stored), E_STORE_CORRUPT, or the
 *  store's status. */
export function contextLoad(ctx: OscoreContext): i32 {
  const n = board.store_read(STORE_ID_OSCORE_CTX, rec, REC_CAP);
  if (n < 0) { if (n == E_STORE_NOT_FOUND) storedRidLen = -1; return n; }
  const st = parse(n, ctx);
  wipe(rec, REC_CAP);
  return st;
}

/** The sequence numbers of the context contextLoad() loaded (its tag and floor), into seq. Returns OK,
 *  E_STORE_CORRUPT (the last number used cannot be known: the caller must establish new keys) or the store's
 *  status. */
export function contextLoadSeq(seq: SeqCounter): i32 {
  return seqLoad(seq, STORE_ID_OSCORE_SEQ, tagged, tag, floor);
}

/** Whether the stored context's Recipient ID is (p, n): a new EDHOC C_I must not be (RFC 9668 §4 keeps the
 *  IDs of the contexts an endpoint holds apart). Reads the record when it was not loaded yet. */
export function contextHasRecipientId(p: usize, n: i32): bool {
  if (storedRidLen < 0) {
    const k = board.store_read(STORE_ID_OSCORE_CTX, rec, REC_CAP);
    if (k > 0) {
      const sl = <i32>load<u8>(rec + 24);
      if (k >= 26 && sl <= OSCORE_MAX_ID && 25 + sl < k) {
        const rl = <i32>load<u8>(rec + <usize>(25 + sl));
        if (rl <= OSCORE_MAX_ID && 26 + sl + rl <= k) { memory.copy(storedRid, rec + <usize>(26 + sl), <usize>rl); storedRidLen = rl; }
      }
    }
    wipe(rec, REC_CAP);
  }
  return storedRidLen == n && memory.compare(storedRid, p, <usize>n) == 0;
}

/** A new context from EDHOC: derive it into ctx, count its numbers in memory, and keep what confirm() stores.
 *  The master secret and salt are the caller's to wipe. */
export function contextNew(ctx: OscoreContext, seq: SeqCounter, ms: usize, salt: usize, sid: usize, sidLen: i32, rid: usize, ridLen: i32): i32 {
  const st = oscoreDerive(ctx, ms, 16, salt, 8, sid, sidLen, rid, ridLen, 0, -1);
  if (st != OK) return st;
  memory.copy(pending, ms, 16); memory.copy(pending + 16, salt, 8);
  let o = 24;
  store<u8>(pending + <usize>o, <u8>sidLen); memory.copy(pending + <usize>(o + 1), sid, <usize>sidLen); o += 1 + sidLen;
  store<u8>(pending + <usize>o, <u8>ridLen); memory.copy(pending + <usize>(o + 1), rid, <usize>ridLen); o += 1 + ridLen;
  pendingLen = o;
  seqVolatile(seq);
  return OK;
}

/** Whether a new context waits for its confirmation. */
export function contextPending(): bool { return pendingLen > 0; }

/** A response verified under the new context: store it with a fresh tag and, as its floor, the first sequence
 *  number not yet used; from now on its numbers are written ahead under that tag. */
export function contextConfirm(seq: SeqCounter): i32 {
  if (pendingLen == 0) return OK;
  let o = pendingLen;
  pendingLen = 0;
  let st = randomBytes(pending + <usize>o, 4);
  if (st != OK) { wipe(pending, REC_CAP); return st; }
  const t = load<u32>(pending + <usize>o);
  store<u64>(pending + <usize>(o + 4), bswap<u64>(seq.next));
  o += 12;
  st = board.store_write(STORE_ID_OSCORE_CTX, pending, o);
  const ridOff = 24 + 1 + <i32>load<u8>(pending + 24);
  storedRidLen = <i32>load<u8>(pending + <usize>ridOff);
  memory.copy(storedRid, pending + <usize>(ridOff + 1), <usize>storedRidLen);
  wipe(pending, REC_CAP);
  if (st != OK) { storedRidLen = -1; return st; }
  seqPersist(seq, STORE_ID_OSCORE_SEQ, t);
  return OK;
}

/** The new context was never confirmed: forget it (the stored one, if any, stays as it was). */
export function contextDrop(): bool {
  if (pendingLen == 0) return false;
  pendingLen = 0;
  wipe(pending, REC_CAP);
  return true;
}
