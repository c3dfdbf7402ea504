// The certificate's life cycle: when an enrollment is due for renewal, and what `maintain` does.
//
//   renewal time = notBefore + (notAfter - notBefore) * fraction      (fraction: --renew-at PCT, default 2/3)
//
//   maintain:  no enrollment (or an unreadable one)  -> enroll: EDHOC + /sen
//              the certificate has expired           -> enroll from scratch: a new EDHOC + /sen
//              the renewal time has passed           -> renew: /sren under the stored OSCORE context
//              otherwise                             -> nothing (the result says when it renews)
// Without wall time (est/clock.ts) only the first case is decided; an enrolled device does nothing.
//
// Deliberately not here: running the enrollment (est/enroll.ts), reading the record (est/status.ts).

import { clockNow } from "./clock";

/** The renewal fraction num/den of the validity (default two thirds). */
export class LifeOptions {
  num: i64 = 2;
  den: i64 = 3;
}
export const lifeOptions = new LifeOptions();

export const LIFE_NOTHING = 0;
export const LIFE_ENROLL = 1;
export const LIFE_REENROLL = 2;
export const LIFE_RENEW = 3;

/** When a certificate valid from notBefore to notAfter (seconds since 1970) is renewed. */
export function renewAt(notBefore: i64, notAfter: i64): i64 {
  const span = notAfter - notBefore;
  return span <= 0 ? notBefore : notBefore + span * lifeOptions.num / lifeOptions.den;
}

/** Whether a certificate expiring at notAfter has expired (false when the time is unknown). */
export function lifeExpired(notAfter: i64): bool { const now = clockNow(); return now >= 0 && now >= notAfter; }

/** Whether the renewal time of a certificate has passed (false when the time is unknown). */
export function lifeDue(notBefore: i64, notAfter: i64): bool {
  const now = clockNow();
  return now >= 0 && now >= renewAt(notBefore, notAfter);
}

/** What maintain does, given whether a certificate is stored (and readable) and its validity. */
export function lifeDecide(enrolled: bool, notBefore: i64, notAfter: i64): i32 {
  if (!enrolled) return LIFE_ENROLL;
  if (lifeExpired(notAfter)) return LIFE_REENROLL;
  return lifeDue(notBefore, notAfter) ? LIFE_RENEW : LIFE_NOTHING;
}
