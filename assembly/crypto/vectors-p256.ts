// Vector-runner ops for P-256 ECDH and ECDSA (placeholder until the primitives land).
import { NOT_HANDLED } from "../vectors";

export function p256Op(): i32 {
  return NOT_HANDLED;
}
