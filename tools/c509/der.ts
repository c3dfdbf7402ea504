// The DER side of the C509 library (ITU-T X.690): a strict TLV reader and a writer, just what the
// X.509 <-> C509 conversions need. Lengths must be definite and minimal, tags single-byte; anything else is
// a C509Error. Contents up to 2^24 - 1 bytes.
//
// Deliberately not here: BER, high tag numbers, and ASN.1 type knowledge beyond the few universal tags
// named below (the conversions in cert.ts, csr.ts, name.ts and extensions.ts walk the structures).

import { C509Error, concat } from "./cbor.js";

export const T = {
  BOOLEAN: 0x01, INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06, UTF8: 0x0c,
  PRINTABLE: 0x13, IA5: 0x16, UTC_TIME: 0x17, GENERALIZED_TIME: 0x18, SEQUENCE: 0x30, SET: 0x31,
} as const;
/** Context-specific tags: constructed [n] and primitive [n]. */
export const ctxC = (n: number) => 0xa0 | n;
export const ctxP = (n: number) => 0x80 | n;

export interface Tlv { tag: number; value: Uint8Array; der: Uint8Array }

/** All TLVs of b, which must be a whole number of them. */
export function derItems(b: Uint8Array, what = "DER"): Tlv[] {
  const out: Tlv[] = [];
  let p = 0;
  while (p < b.length) {
    if (p + 2 > b.length) throw new C509Error("truncated TLV", what);
    const tag = b[p];
    if ((tag & 0x1f) === 0x1f) throw new C509Error("high tag number form", what);
    let len = b[p + 1], h = 2;
    if (len & 0x80) {
      const k = len & 0x7f;
      if (k === 0) throw new C509Error("indefinite length (BER, not DER)", what);
      if (k > 3) throw new C509Error("length of more than 3 bytes", what);
      if (p + 2 + k > b.length) throw new C509Error("truncated length", what);
      len = 0;
      for (let i = 0; i < k; i++) len = len * 256 + b[p + 2 + i];
      if (b[p + 2] === 0 || len < 0x80) throw new C509Error("non-minimal length (not DER)", what);
      h = 2 + k;
    }
    if (p + h + len > b.length) throw new C509Error("TLV runs past the end", what);
    out.push({ tag, value: b.subarray(p + h, p + h + len), der: b.subarray(p, p + h + len) });
    p += h + len;
  }
  return out;
}

/** Exactly one TLV with the given tag. */
export function derOne(b: Uint8Array, tag: number, what: string): Tlv {
  const it = derItems(b, what);
  if (it.length !== 1) throw new C509Error(`expected one TLV, found ${it.length}`, what);
  return expect(it[0], tag, what);
}

export function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t) throw new C509Error(`missing (expected tag 0x${tag.toString(16)})`, what);
  if (t.tag !== tag) throw new C509Error(`tag 0x${t.tag.toString(16)}, expected 0x${tag.toString(16)}`, what);
  return t;
}

/** The children of a constructed TLV, checked for tag. */
export function children(t: Tlv | undefined, tag: number, what: string): Tlv[] {
  return derItems(expect(t, tag, what).value, what);
}

function lenBytes(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  if (n < 0x10000) return [0x82, n >> 8, n & 0xff];
  if (n < 0x1000000) return [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  throw new C509Error("DER content too long");
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const v = concat(...content);
  return concat(Uint8Array.from([tag, ...lenBytes(v.length)]), v);
}
export const seq = (...c: Uint8Array[]) => tlv(T.SEQUENCE, ...c);
export const set = (...c: Uint8Array[]) => tlv(T.SET, ...c);
export const octets = (b: Uint8Array) => tlv(T.OCTET_STRING, b);
/** BIT STRING with the given number of unused bits. */
export const bitString = (b: Uint8Array, unused = 0) => tlv(T.BIT_STRING, Uint8Array.of(unused), b);

/** DER INTEGER content of a non-negative number given as big-endian unsigned bytes (any leading zeros). */
export function uintContent(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.length === 0 ? Uint8Array.of(0) : b.subarray(i);
  return v[0] & 0x80 ? concat(Uint8Array.of(0), v) : v;
}
export const derUint = (b: Uint8Array) => tlv(T.INTEGER, uintContent(b));

/** Unsigned magnitude of a DER INTEGER content; refuses negative and non-minimal encodings. */
export function intMagnitude(v: Uint8Array, what: string): Uint8Array {
  if (v.length === 0) throw new C509Error("empty INTEGER", what);
  if (v.length > 1 && ((v[0] === 0 && !(v[1] & 0x80)) || (v[0] === 0xff && v[1] & 0x80))) throw new C509Error("non-minimal INTEGER", what);
  if (v[0] & 0x80) throw new C509Error("negative INTEGER", what);
  let i = 0;
  while (i < v.length && v[i] === 0) i++;
  return v.slice(i);
}

/** A small non-negative INTEGER's value. */
export function intValue(v: Uint8Array, what: string): number {
  const m = intMagnitude(v, what);
  if (m.length > 6) throw new C509Error("INTEGER too large", what);
  return m.reduce((n, x) => n * 256 + x, 0);
}

/** OID content bytes <-> dotted text. */
export function oidBytes(dotted: string): Uint8Array {
  const p = dotted.split(".").map((x) => BigInt(x));
  const out: number[] = [];
  const arcs = [p[0] * 40n + p[1], ...p.slice(2)];
  for (let v of arcs) {
    const b = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) b.unshift(0x80 | Number(v & 0x7fn));
    out.push(...b);
  }
  return Uint8Array.from(out);
}
export function oidText(v: Uint8Array, what = "OID"): string {
  if (v.length === 0) throw new C509Error("empty OID", what);
  if (v[v.length - 1] & 0x80) throw new C509Error("truncated OID", what);
  const arcs: bigint[] = [];
  let x = 0n, first = true;
  for (let i = 0; i < v.length; i++) {
    if (x === 0n && v[i] === 0x80) throw new C509Error("non-minimal OID arc", what);
    x = (x << 7n) | BigInt(v[i] & 0x7f);
    if (!(v[i] & 0x80)) {
      if (first) { const a = x < 80n ? x / 40n : 2n; arcs.push(a, x - 40n * a); first = false; } else arcs.push(x);
      x = 0n;
    }
  }
  return arcs.join(".");
}
export const oid = (dotted: string) => tlv(T.OID, oidBytes(dotted));

/** Strings as DER content. */
export const utf8Bytes = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
export function strictUtf8(b: Uint8Array, what: string): string {
  try { return new TextDecoder("utf-8", { fatal: true }).decode(b); } catch { throw new C509Error("not UTF-8", what); }
}

// ---- Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050 --------------------------------------

/** Epoch seconds of a UTCTime / GeneralizedTime TLV in the RFC 5280 form (seconds present, Z). */
export function timeFromDer(t: Tlv, what: string): number {
  const s = Buffer.from(t.value).toString("latin1");
  let m: RegExpMatchArray | null;
  let year: number;
  if (t.tag === T.UTC_TIME && (m = s.match(/^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/))) {
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (t.tag === T.GENERALIZED_TIME && (m = s.match(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/))) {
    year = Number(m[1]);
  } else throw new C509Error("time is not a UTCTime or GeneralizedTime in the RFC 5280 form", what);
  const [mo, d, h, mi, se] = [2, 3, 4, 5, 6].map((i) => Number(m![i]));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) throw new C509Error(`invalid time ${s}`, what);
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, se));
  date.setUTCFullYear(year);
  if (date.getUTCDate() !== d) throw new C509Error(`invalid date ${s}`, what);
  return Math.floor(date.getTime() / 1000);
}

/** The DER time for epoch seconds as RFC 5280 requires it (UTCTime before 2050, GeneralizedTime after). */
export function timeToDer(secs: number): Uint8Array {
  const d = new Date(secs * 1000);
  const y = d.getUTCFullYear();
  const p2 = (n: number) => String(n).padStart(2, "0");
  const rest = `${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(T.UTC_TIME, new Uint8Array(Buffer.from(p2(y % 100) + rest, "latin1")));
  return tlv(T.GENERALIZED_TIME, new Uint8Array(Buffer.from(String(y).padStart(4, "0") + rest, "latin1")));
}

/** 99991231235959Z: "no well-defined expiration date" (RFC 5280 §4.1.2.5), null in C509. */
export const NO_EXPIRY = 253402300799;
