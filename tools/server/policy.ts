// The identity policy of the development server: which names a certificate gets, and who may re-enroll. The one
// place where these rules live; docs/identity-policy.md says the same for operators.
//
//   1. The subject is the provisioned identity: CN=<the device's registered name>. A CSR may ask for another
//      subject only when the registry allows it (the device's `subjects` list). Any other subject in the CSR is
//      replaced by the registered name (csrSubject "replace", the default: the CA decides what it certifies),
//      or the CSR is refused with 4.03 (csrSubject "refuse"; always so behind an upstream CA, which copies the
//      CSR's subject).
//   2. subjectAltName: each name a CSR asks for must be a dNSName on the device's `dns` list, or the CSR is
//      refused with 4.03. A CSR that asks for none gets the registered dNSNames (none when the list is empty).
//   3. /sren re-enrolls only a device whose current certificate (the last one issued to it) this server issued;
//      otherwise 4.03 (the device should use /sen).
//   4. No registered device behind the OSCORE context: 4.03.
//
// Refusals use the response codes of EST-oscore (draft -11 refers to RFC 9148 §4.5): 4.00 for a malformed CSR
// or failed proof of possession (est.ts), 4.01 without OSCORE (est.ts), 4.03 for what this policy forbids,
// 5.03 with Max-Age while approval is pending (est.ts).
//
// Not here: proof of possession, challengePassword, approval (est.ts), certificate contents other than names
// (pki.ts).

import { FORBIDDEN } from "./coap.js";
import type { IssuedRow } from "./db.js";
import type { Device } from "./identity.js";
import { derItems, nameCn, OIDS, seq, tlv, type Csr } from "./pki.js";

export type CsrSubjectRule = "replace" | "refuse";

/** What to issue: the subject CN and the subjectAltName value (DER GeneralNames, or null for none). */
export type Decision = { ok: true; subjectCn: string; san: Uint8Array | null } | { ok: false; code: number; why: string };

/** The CN of a Name that is exactly one CN attribute, or undefined (an empty Name gives ""). */
export function singleCn(nameDer: Uint8Array): string | undefined {
  const rdns = derItems(derItems(nameDer)[0].value);
  if (rdns.length === 0) return "";
  if (rdns.length !== 1) return undefined;
  const atvs = derItems(rdns[0].value);
  if (atvs.length !== 1) return undefined;
  const [o, v] = derItems(atvs[0].value);
  if (Buffer.from(o.der).toString("hex") !== "0603550403") return undefined; // 2.5.4.3
  return Buffer.from(v.value).toString("utf8");
}

/** The names of a subjectAltName extension value: dNSNames as text; every other kind as "<type>:<hex>". */
export function sanNames(value: Uint8Array): string[] {
  return derItems(derItems(value)[0].value).map((g) => (g.tag === 0x82 ? Buffer.from(g.value).toString("latin1") : `type-${(g.tag & 0x1f)}:${Buffer.from(g.value).toString("hex")}`));
}

/** A subjectAltName value with these dNSNames. */
export function dnsSan(names: string[]): Uint8Array { return seq(...names.map((n) => tlv(0x82, Buffer.from(n, "latin1")))); }

/**
 * Decide the names of a certificate for `device`'s CSR on resource `op` (sen, sren, skg, skc). `current` is the
 * certificate the server last issued to the device (for /sren), `ours` tells whether a CA id is one of this
 * server's issuers.
 */
export function decide(op: string, csr: Csr, device: Device | undefined, current: IssuedRow | undefined, ours: (ca: string) => boolean, rule: CsrSubjectRule): Decision {
  if (!device) return { ok: false, code: FORBIDDEN, why: "no provisioned identity behind this security context" };
  if (op === "sren" && !(current && ours(current.ca)))
    return { ok: false, code: FORBIDDEN, why: "re-enrollment (/sren) is only for a device whose current certificate this server issued: use /sen" };
  const allowedSubjects = [device.name, ...(device.policy?.subjects ?? [])];
  let cn: string | undefined;
  try { cn = singleCn(csr.subject.der); } catch { cn = undefined; }
  let subjectCn = device.name;
  if (cn !== undefined && cn !== "" && allowedSubjects.includes(cn)) subjectCn = cn;
  else if (cn !== "" && rule === "refuse")
    return { ok: false, code: FORBIDDEN, why: `subject ${csr.subject.text || "(empty)"} is not one the registry allows this device (CN=${allowedSubjects.join(", CN=")})` };
  const allowedDns = device.policy?.dns ?? [];
  const ext = csr.extensions.find((e) => e.oid === OIDS.SAN);
  if (!ext) return { ok: true, subjectCn, san: allowedDns.length ? dnsSan(allowedDns) : null };
  let names: string[];
  try { names = sanNames(ext.value); } catch { return { ok: false, code: FORBIDDEN, why: "subjectAltName does not parse" }; }
  const bad = names.filter((n) => !allowedDns.includes(n));
  if (bad.length) return { ok: false, code: FORBIDDEN, why: `subjectAltName ${bad.join(", ")} is not allowed for this device` };
  return { ok: true, subjectCn, san: names.length ? ext.value : null };
}

/** Whether the CSR's subject names exactly `cn` (behind an upstream CA, which copies the CSR's subject). */
export function csrSubjectIs(csr: Csr, cn: string): boolean { return Buffer.from(csr.subject.der).equals(Buffer.from(nameCn(cn))) || singleCn(csr.subject.der) === cn; }
