// Vector-runner ops for SHA-256, HMAC-SHA-256, HKDF-SHA-256, AES-CCM-16-64-128 (placeholder until the primitives land).
import { NOT_HANDLED } from "../vectors";

export function symmetricOp(): i32 {
  return NOT_HANDLED;
}
