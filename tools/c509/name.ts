// C509 Name (draft §3.1.4 "issuer", §3.1.6 "subject") <-> DER Name (RFC 5280 §4.1.2.4).
//
//   Name = [ * RDNAttribute ] / SpecialText;  RDNAttribute = (int, SpecialText) // (~oid, bytes)
//
// An int attribute's absolute value is the RDN registry value, its sign the string type (+ UTF8String,
// - PrintableString; emailAddress and domainComponent are IA5String under a non-negative int). SpecialText
// compacts text: even-length lowercase hex -> byte string, an EUI-64 "HH-HH-..-HH" -> tag 48 (6 bytes for
// HH-HH-HH-FF-FE-HH-HH-HH, else 8). A Name of one CN UTF8String is just its SpecialText. Anything else
// (unregistered attribute, other string type) uses the generic (~oid, DER of the value TLV) form, which is
// also what BouncyCastle writes. Multi-valued RDNs have no C509 form (C509Error).
//
// Deliberately not here: string preparation or comparison rules of RFC 5280 §7.1 (names compare as bytes).

import { C509Error, Tag, asArray, asBytes, asInt, isBytes, isTag, hex, type CborValue } from "./cbor.js";
import { T, children, derItems, derOne, oidBytes, oidText, seq, set, strictUtf8, tlv } from "./der.js";
import { IA5_ONLY_ATTRS, RDN_ATTRS, byOid, byValue } from "./registry.js";

const MAC_TAG = 48;

/** Text -> SpecialText (the compaction rules above). */
export function specialText(s: string): CborValue {
  if (s.length >= 2 && s.length % 2 === 0 && /^[0-9a-f]+$/.test(s)) return new Uint8Array(Buffer.from(s, "hex"));
  const m = s.match(/^([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})$/);
  if (m) {
    const b = m.slice(1).map((x) => parseInt(x, 16));
    return new Tag(MAC_TAG, Uint8Array.from(b[3] === 0xff && b[4] === 0xfe ? [...b.slice(0, 3), ...b.slice(5)] : b));
  }
  return s;
}

/** SpecialText -> text. */
export function specialTextValue(v: CborValue, path: string): string {
  if (typeof v === "string") return v;
  if (isBytes(v)) {
    if (v.length === 0) throw new C509Error("empty byte string as SpecialText", path);
    return hex(v);
  }
  if (isTag(v)) {
    if (v.tag !== MAC_TAG) throw new C509Error(`SpecialText with tag ${v.tag} (only 48 is defined)`, path);
    const b = asBytes(v.contents as CborValue, `${path}.tag48`);
    const eui = b.length === 6 ? [...b.slice(0, 3), 0xff, 0xfe, ...b.slice(3)] : b.length === 8 ? [...b] : null;
    if (!eui) throw new C509Error("a tag 48 MAC address must hold 6 or 8 bytes", path);
    return eui.map((x) => x.toString(16).toUpperCase().padStart(2, "0")).join("-");
  }
  throw new C509Error("expected SpecialText (text, bytes or tag 48)", path);
}

/** Check that a value is a well-formed C509 Name (structure and registry values). Throws C509Error. */
export function checkName(v: CborValue, path: string): void {
  if (!Array.isArray(v)) { specialTextValue(v, path); return; }
  const a = asArray(v, path);
  if (a.length % 2) throw new C509Error("Name array must hold (attributeType, attributeValue) pairs", path);
  for (let i = 0; i < a.length; i += 2) {
    const t = a[i];
    if (typeof t === "number") {
      const code = Math.abs(t);
      if (!byValue(RDN_ATTRS, code)) throw new C509Error(`unknown RDN attribute ${code}`, `${path}[${i}]`);
      if (t < 0 && IA5_ONLY_ATTRS.has(code)) throw new C509Error(`attribute ${code} is always IA5String: its int must be non-negative`, `${path}[${i}]`);
      specialTextValue(a[i + 1], `${path}[${i + 1}]`);
    } else if (isBytes(t)) {
      oidText(t, `${path}[${i}]`);
      if (derItems(asBytes(a[i + 1], `${path}[${i + 1}]`), `${path}[${i + 1}]`).length !== 1) throw new C509Error("attribute value must be one DER TLV", `${path}[${i + 1}]`);
    } else throw new C509Error("expected an attribute type (int or ~oid)", `${path}[${i}]`);
  }
}

/** A DER Name -> C509 Name. */
export function nameFromDer(der: Uint8Array, path = "Name"): CborValue {
  const rdns = children(derOne(der, T.SEQUENCE, path), T.SEQUENCE, path);
  const out: CborValue[] = [];
  for (const [i, rdn] of rdns.entries()) {
    const atvs = children(rdn, T.SET, `${path}.rdn[${i}]`);
    if (atvs.length !== 1) throw new C509Error("a RelativeDistinguishedName with more than one attribute has no C509 form", `${path}.rdn[${i}]`);
    const [type, value, ...rest] = children(atvs[0], T.SEQUENCE, `${path}.rdn[${i}]`);
    if (!type || type.tag !== T.OID || !value || rest.length) throw new C509Error("malformed AttributeTypeAndValue", `${path}.rdn[${i}]`);
    const code = byOid(RDN_ATTRS, oidText(type.value));
    const text = value.tag === T.UTF8 || value.tag === T.PRINTABLE || value.tag === T.IA5 ? tryUtf8(value.value) : undefined;
    if (code !== undefined && text !== undefined) {
      if (IA5_ONLY_ATTRS.has(code) ? value.tag === T.IA5 : value.tag === T.UTF8 || (value.tag === T.PRINTABLE && code > 0)) {
        out.push(value.tag === T.PRINTABLE ? -code : code, specialText(text));
        continue;
      }
    }
    out.push(new Uint8Array(type.value), new Uint8Array(value.der));
  }
  // One CN as a UTF8String: just its value.
  if (out.length === 2 && out[0] === 1) return out[1];
  return out;
}

function tryUtf8(b: Uint8Array): string | undefined {
  try { return new TextDecoder("utf-8", { fatal: true }).decode(b); } catch { return undefined; }
}

/** A C509 Name -> DER Name. */
export function nameToDer(v: CborValue, path = "Name"): Uint8Array {
  if (!Array.isArray(v)) return seq(set(seq(tlv(T.OID, oidBytes("2.5.4.3")), tlv(T.UTF8, utf8(specialTextValue(v, path))))));
  const a = asArray(v, path);
  if (a.length % 2) throw new C509Error("Name array must hold (attributeType, attributeValue) pairs", path);
  const rdns: Uint8Array[] = [];
  for (let i = 0; i < a.length; i += 2) {
    const t = a[i];
    if (isBytes(t)) {
      oidText(t, `${path}[${i}]`);
      const val = asBytes(a[i + 1], `${path}[${i + 1}]`);
      if (derItems(val, `${path}[${i + 1}]`).length !== 1) throw new C509Error("attribute value must be one DER TLV", `${path}[${i + 1}]`);
      rdns.push(set(seq(tlv(T.OID, t), val)));
      continue;
    }
    const n = asInt(t, `${path}[${i}]`);
    const code = Math.abs(n);
    const o = byValue(RDN_ATTRS, code);
    if (!o) throw new C509Error(`unknown RDN attribute ${code}`, `${path}[${i}]`);
    const text = specialTextValue(a[i + 1], `${path}[${i + 1}]`);
    let tag: number = n < 0 ? T.PRINTABLE : T.UTF8;
    if (IA5_ONLY_ATTRS.has(code)) {
      if (n < 0) throw new C509Error(`attribute ${code} is always IA5String: its int must be non-negative`, `${path}[${i}]`);
      tag = T.IA5;
    }
    rdns.push(set(seq(tlv(T.OID, oidBytes(o)), tlv(tag, utf8(text)))));
  }
  return seq(...rdns);
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));

/** Readable form: "CN=x, O=y" (registered attributes by their short name, others by OID). */
export function nameToString(v: CborValue): string {
  try {
    const rdns = children(derOne(nameToDer(v), T.SEQUENCE, "Name"), T.SEQUENCE, "Name");
    return rdns.map((rdn) => {
      const [t, val] = derItems(derItems(rdn.value)[0].value);
      const code = byOid(RDN_ATTRS, oidText(t.value));
      const label = code !== undefined ? RDN_ATTRS.find((e) => e[0] === code)![2] : oidText(t.value);
      const s = [T.UTF8, T.PRINTABLE, T.IA5].includes(val.tag as never) ? strictUtf8(val.value, "value") : `#${hex(val.der)}`;
      return `${label}=${s}`;
    }).join(", ");
  } catch (e) {
    return `(unreadable name: ${(e as Error).message})`;
  }
}

/** A C509 Name of one common name (UTF8String), the form the device and the CA use. */
export const cnName = (cn: string): CborValue => specialText(cn);
