// One scratch area for buffers whose users never overlap in time, with an owner tag that says who holds it.
// A user takes it (arenaTake) for the span it needs and gives it back (arenaRelease); a take while another
// owner holds it fails instead of silently sharing the bytes, so an overlap the design did not foresee is a
// clear error (E_INTERNAL, M_ARENA_BUSY), never corruption. Released space is wiped: handshake secrets and
// keys may have passed through it.
//
// The owners and the layout each uses (offsets in base/config.ts):
//   ARENA_HANDSHAKE   EDHOC (edhoc/channel.ts): the identity records, the trust anchors, PLAINTEXT_2, the
//                     Initiator's work buffer — from message_1 until message_3 and the context exist
//   ARENA_CSR         the CSR's to-be-signed part while it is signed (est/enroll.ts)
//   ARENA_RECIPIENT   the trust anchors while the RFC 6955 recipient is picked from /crts (est/recipient.ts)
//   ARENA_ENROLLMENT  the enrollment record being assembled (the issued certificate, its CA) and the trust
//                     anchors, from the certificate's arrival until it is stored (est/enroll.ts)
//   ARENA_STATUS      the enrollment record being read (est/status.ts)
//   ARENA_VECTORS     the simulator's vector runner (app/vectors.ts)

import { ARENA_CAPACITY } from "./config";
import { E_INTERNAL } from "./errors";
import { failWith } from "./diag";
import { M_ARENA_BUSY } from "./msg";

export const ARENA_FREE: i32 = 0;
export const ARENA_HANDSHAKE: i32 = 1;
export const ARENA_CSR: i32 = 2;
export const ARENA_RECIPIENT: i32 = 3;
export const ARENA_ENROLLMENT: i32 = 4;
export const ARENA_STATUS: i32 = 5;
export const ARENA_VECTORS: i32 = 6;

const area = memory.data(ARENA_CAPACITY, 16);
let owner = ARENA_FREE;

/** The arena for `who`: its address, or 0 (and the failure recorded) when another owner holds it. Taking it
 *  again as its holder is allowed. */
export function arenaTake(who: i32): usize {
  if (owner != ARENA_FREE && owner != who) { failWith(E_INTERNAL, M_ARENA_BUSY).int(who).int(owner); return 0; }
  owner = who;
  return area;
}

/** Give the arena back (wiped) if `who` holds it. */
export function arenaRelease(who: i32): void {
  if (owner != who) return;
  memory.fill(area, 0, ARENA_CAPACITY);
  owner = ARENA_FREE;
}

/** Who holds the arena now (ARENA_FREE: nobody). */
export function arenaOwner(): i32 { return owner; }

/** A new command starts: whatever a finished one left in the arena (a result's certificates) goes, wiped. */
export function arenaReset(): void {
  if (owner == ARENA_FREE) return;
  memory.fill(area, 0, ARENA_CAPACITY);
  owner = ARENA_FREE;
}
