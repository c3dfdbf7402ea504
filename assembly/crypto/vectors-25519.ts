// Vector-runner ops for X25519 and Ed25519 (placeholder until the primitives land).
import { NOT_HANDLED } from "../vectors";

export function curve25519Op(): i32 {
  return NOT_HANDLED;
}
