// The CBOR layer of the C509 library: a strict decoder into a small value model, and the encoder (cbor2,
// deterministic by default) for the same model. C509 requires deterministically encoded CBOR (RFC 8949
// §4.2.1), so the decoder refuses every other form; because of that, re-encoding a decoded value gives back
// the input bytes exactly, which the library relies on (the TBS bytes of a type 2 certificate are the
// re-encoded first ten items).
//
// Value model: integers as number (safe range) or bigint (beyond it), byte strings as Uint8Array, text as
// string, arrays as arrays, tags as cbor2's Tag, and null / undefined / true / false. Deliberately not here:
// maps (C509 has none), floats, indefinite lengths, simple values other than those four.

import { encode, Tag } from "cbor2";

export { Tag };
export type CborValue = number | bigint | string | Uint8Array | boolean | null | undefined | Tag | CborValue[];

/** Every failure of the C509 library: what was wrong and where (a field path such as "subject[3]"). */
export class C509Error extends Error {
  constructor(message: string, readonly path = "") {
    super(path ? `${path}: ${message}` : message);
    this.name = "C509Error";
  }
}

/** Deepest nesting the decoder follows (C509 structures need fewer than 8). */
export const MAX_DEPTH = 16;

class Reader {
  pos = 0;
  readonly b: Uint8Array;
  // A Node Buffer would make its byte strings Buffers too (slice), which the encoder writes as a JSON-like map:
  // read through a plain Uint8Array view so decoded values re-encode to the same bytes.
  constructor(b: Uint8Array, readonly what: string) { this.b = Buffer.isBuffer(b) ? new Uint8Array(b.buffer, b.byteOffset, b.length) : b; }

  fail(msg: string): never { throw new C509Error(`${msg} (at byte ${this.pos})`, this.what); }

  /** One header: major type and argument (bigint when above 2^53 - 1). */
  head(): { major: number; arg: number | bigint } {
    if (this.pos >= this.b.length) this.fail("truncated CBOR");
    const ib = this.b[this.pos++];
    const major = ib >> 5, ai = ib & 31;
    if (ai < 24) return { major, arg: ai };
    if (ai > 27) this.fail(ai === 31 ? "indefinite length (not deterministic CBOR)" : `reserved additional information ${ai}`);
    const n = 1 << (ai - 24);
    if (this.pos + n > this.b.length) this.fail("truncated CBOR header");
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.b[this.pos++]);
    if (major === 7) this.fail(ai === 24 ? "two-byte simple value" : "floating-point value (not used in C509)");
    const min = n === 1 ? 24n : n === 2 ? 0x100n : n === 4 ? 0x10000n : 0x100000000n;
    if (v < min) this.fail("integer, length or count not in its shortest form (not deterministic CBOR)");
    return { major, arg: v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v };
  }

  item(depth: number): CborValue {
    const start = this.pos;
    const { major, arg } = this.head();
    switch (major) {
      case 0: return arg;
      case 1: return typeof arg === "bigint" || arg > Number.MAX_SAFE_INTEGER - 1 ? -1n - BigInt(arg) : -1 - arg;
      case 2: case 3: {
        if (typeof arg === "bigint" || this.pos + arg > this.b.length) { this.pos = start; this.fail("string runs past the end"); }
        const s = this.b.slice(this.pos, this.pos + (arg as number));
        this.pos += arg as number;
        if (major === 2) return s;
        try { return new TextDecoder("utf-8", { fatal: true }).decode(s); } catch { this.pos = start; this.fail("text string is not UTF-8"); }
      }
      // falls through: not reached (fail throws)
      case 4: {
        if (depth >= MAX_DEPTH) this.fail("nested too deeply");
        if (typeof arg === "bigint" || arg > this.b.length - this.pos) this.fail("array count larger than the input");
        const out: CborValue[] = [];
        for (let i = 0; i < (arg as number); i++) out.push(this.item(depth + 1));
        return out;
      }
      case 5: this.fail("map (C509 has none)");
      // falls through: not reached
      case 6: {
        if (depth >= MAX_DEPTH) this.fail("nested too deeply");
        return new Tag(Number(arg), this.item(depth + 1));
      }
      default: {
        if (arg === 20) return false;
        if (arg === 21) return true;
        if (arg === 22) return null;
        if (arg === 23) return undefined;
        this.pos = start;
        return this.fail(`simple value ${arg}`);
      }
    }
  }
}

/** Decode a CBOR sequence (RFC 8742) strictly; `what` names the input in errors. */
export function decodeSequence(b: Uint8Array, what = "CBOR"): CborValue[] {
  const r = new Reader(b, what);
  const out: CborValue[] = [];
  while (r.pos < b.length) out.push(r.item(0));
  return out;
}

/** Decode exactly one CBOR item; trailing bytes are an error. */
export function decodeItem(b: Uint8Array, what = "CBOR"): CborValue {
  const r = new Reader(b, what);
  const v = r.item(0);
  if (r.pos !== b.length) r.fail("trailing bytes after the item");
  return v;
}

/** Deterministic encoding of one item. */
export function encodeItem(v: CborValue): Uint8Array {
  return encode(v as never);
}

/** A CBOR sequence: the items' encodings one after another. */
export function encodeSequence(items: CborValue[]): Uint8Array {
  return concat(...items.map(encodeItem));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

// ---- Typed views with path-named errors -------------------------------------------------------------------------

export const isInt = (v: CborValue): v is number | bigint => typeof v === "number" || typeof v === "bigint";
export const isBytes = (v: CborValue): v is Uint8Array => v instanceof Uint8Array;
export const isTag = (v: CborValue): v is Tag => v instanceof Tag;

/** An integer that fits a JS number (C509 registry values, counts, times before year 285 million). */
export function asInt(v: CborValue, path: string): number {
  if (typeof v !== "number") throw new C509Error(typeof v === "bigint" ? "integer out of range" : `expected an integer, got ${kind(v)}`, path);
  return v;
}
export function asUint(v: CborValue, path: string): number {
  const n = asInt(v, path);
  if (n < 0) throw new C509Error("expected an unsigned integer", path);
  return n;
}
export function asBytes(v: CborValue, path: string): Uint8Array {
  if (!isBytes(v)) throw new C509Error(`expected a byte string, got ${kind(v)}`, path);
  return v;
}
export function asText(v: CborValue, path: string): string {
  if (typeof v !== "string") throw new C509Error(`expected a text string, got ${kind(v)}`, path);
  return v;
}
export function asArray(v: CborValue, path: string, min = 0, max = Infinity): CborValue[] {
  if (!Array.isArray(v)) throw new C509Error(`expected an array, got ${kind(v)}`, path);
  if (v.length < min || v.length > max) throw new C509Error(`array of ${v.length} items, expected ${min === max ? min : `${min}..${max}`}`, path);
  return v;
}
/** An array of (a, b) pairs: even length required. */
export function asPairs(v: CborValue, path: string, minPairs = 0): CborValue[] {
  const a = asArray(v, path);
  if (a.length % 2 !== 0) throw new C509Error("expected pairs (an even number of items)", path);
  if (a.length / 2 < minPairs) throw new C509Error(`expected at least ${minPairs} pair(s)`, path);
  return a;
}

export function kind(v: CborValue): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (isBytes(v)) return "a byte string";
  if (Array.isArray(v)) return "an array";
  if (isTag(v)) return `tag ${v.tag}`;
  if (typeof v === "bigint" || typeof v === "number") return "an integer";
  if (typeof v === "string") return "a text string";
  return typeof v;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
