// A small, strict CBOR codec (RFC 8949) for the server's EDHOC and OSCORE code: unsigned/negative ints,
// byte and text strings, arrays, maps, false/true/null. Only deterministic encodings are accepted on input
// (shortest heads, definite lengths, no duplicate map keys), because EDHOC hashes the bytes it receives and
// two encodings of one value must not both be valid. Floats, tags and other simple values are refused.

export class CborError extends Error {
  override name = "CborError";
  constructor(message: string, readonly offset: number) { super(`${message} at byte ${offset}`); }
}

export type CborValue = number | Uint8Array | string | boolean | null | CborValue[] | Map<CborKey, CborValue>;
export type CborKey = number | string;

// ---- encoding ------------------------------------------------------------------------------------------------

function headBytes(major: number, arg: number): number[] {
  if (!Number.isSafeInteger(arg) || arg < 0) throw new RangeError(`CBOR argument out of range: ${arg}`);
  const m = major << 5;
  if (arg < 24) return [m | arg];
  if (arg < 0x100) return [m | 24, arg];
  if (arg < 0x10000) return [m | 25, arg >> 8, arg & 0xff];
  if (arg < 0x100000000) return [m | 26, arg >>> 24, (arg >> 16) & 0xff, (arg >> 8) & 0xff, arg & 0xff];
  const hi = Math.floor(arg / 0x100000000), lo = arg >>> 0;
  return [m | 27, hi >>> 24, (hi >> 16) & 0xff, (hi >> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >> 16) & 0xff, (lo >> 8) & 0xff, lo & 0xff];
}

export const encodeInt = (v: number): Uint8Array => Uint8Array.from(v >= 0 ? headBytes(0, v) : headBytes(1, -1 - v));
export const encodeBstr = (b: Uint8Array): Uint8Array => concat(Uint8Array.from(headBytes(2, b.length)), b);
export const encodeTstr = (s: string): Uint8Array => encode(s);

/** Encodes one value; map entries keep their insertion order (callers choose the order they need). */
export function encode(v: CborValue): Uint8Array {
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new RangeError(`not an encodable integer: ${v}`);
    return encodeInt(v);
  }
  if (typeof v === "string") {
    const utf8 = new TextEncoder().encode(v);
    return concat(Uint8Array.from(headBytes(3, utf8.length)), utf8);
  }
  if (v instanceof Uint8Array) return encodeBstr(v);
  if (v === false) return Uint8Array.of(0xf4);
  if (v === true) return Uint8Array.of(0xf5);
  if (v === null) return Uint8Array.of(0xf6);
  if (Array.isArray(v)) return concat(Uint8Array.from(headBytes(4, v.length)), ...v.map(encode));
  const parts: Uint8Array[] = [Uint8Array.from(headBytes(5, v.size))];
  for (const [k, x] of v) parts.push(encode(k), encode(x));
  return concat(...parts);
}

/** Encodes values one after another: a CBOR sequence (RFC 8742). */
export const encodeSequence = (...items: CborValue[]): Uint8Array => concat(...items.map(encode));

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

// ---- decoding ------------------------------------------------------------------------------------------------

const MAX_DEPTH = 16; // EDHOC and OSCORE structures nest at most a few levels; deeper input is an attack
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/** One decoded item of a sequence with where it lies, so callers can hash or re-use its exact bytes. */
export interface CborItem { value: CborValue; start: number; end: number; raw: Uint8Array }

/** Reads a CBOR sequence item by item. Every failure throws CborError and leaves `offset` where it was. */
export class CborReader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  atEnd(): boolean { return this.offset >= this.bytes.length; }

  /** The major type of the next item without consuming it (undefined at the end). */
  peekMajor(): number | undefined { return this.atEnd() ? undefined : this.bytes[this.offset] >> 5; }

  next(): CborItem {
    if (this.atEnd()) throw new CborError("expected a CBOR item, found the end of input", this.offset);
    const start = this.offset;
    const [value, end] = decodeAt(this.bytes, start, 0);
    this.offset = end;
    return { value, start, end, raw: this.bytes.subarray(start, end) };
  }

  int(what = "integer"): number {
    const save = this.offset, it = this.next();
    if (typeof it.value !== "number") { this.offset = save; throw new CborError(`${what}: expected an integer`, save); }
    return it.value;
  }

  bstr(what = "byte string"): Uint8Array {
    const save = this.offset, it = this.next();
    if (!(it.value instanceof Uint8Array)) { this.offset = save; throw new CborError(`${what}: expected a byte string`, save); }
    return it.value;
  }
}

/** Decodes exactly one item filling the whole input. */
export function decode(bytes: Uint8Array): CborValue {
  const r = new CborReader(bytes), it = r.next();
  if (!r.atEnd()) throw new CborError("trailing bytes after the CBOR item", r.offset);
  return it.value;
}

/** Decodes a whole CBOR sequence into its items. */
export function decodeSequence(bytes: Uint8Array): CborItem[] {
  const r = new CborReader(bytes), out: CborItem[] = [];
  while (!r.atEnd()) out.push(r.next());
  return out;
}

function readArg(b: Uint8Array, p: number): [major: number, arg: number, next: number] {
  const ib = b[p], major = ib >> 5, ai = ib & 31;
  if (ai < 24) return [major, ai, p + 1];
  if (ai > 27) throw new CborError(ai === 31 ? "indefinite-length items are not accepted" : `reserved additional information ${ai}`, p);
  const n = 1 << (ai - 24);
  if (p + 1 + n > b.length) throw new CborError("truncated item head", p);
  let arg = 0;
  for (let i = 0; i < n; i++) arg = arg * 256 + b[p + 1 + i];
  if (!Number.isSafeInteger(arg)) throw new CborError("integer argument beyond 2^53", p);
  // Deterministic encoding: the argument must not fit a shorter head.
  const min = ai === 24 ? 24 : ai === 25 ? 0x100 : ai === 26 ? 0x10000 : 0x100000000;
  if (arg < min) throw new CborError("non-shortest integer encoding", p);
  return [major, arg, p + 1 + n];
}

function decodeAt(b: Uint8Array, p: number, depth: number): [CborValue, number] {
  if (p >= b.length) throw new CborError("truncated input", p);
  if (depth > MAX_DEPTH) throw new CborError("nesting too deep", p);
  const [major, arg, q] = readArg(b, p);
  switch (major) {
    case 0: return [arg, q];
    case 1: {
      if (arg >= Number.MAX_SAFE_INTEGER) throw new CborError("negative integer beyond -2^53", p);
      return [-1 - arg, q];
    }
    case 2: case 3: {
      if (q + arg > b.length) throw new CborError(`truncated ${major === 2 ? "byte" : "text"} string`, p);
      const body = b.slice(q, q + arg);
      if (major === 2) return [body, q + arg];
      try { return [utf8Strict.decode(body), q + arg]; } catch { throw new CborError("text string is not valid UTF-8", p); }
    }
    case 4: {
      const items: CborValue[] = [];
      let o = q;
      for (let i = 0; i < arg; i++) { const [v, e] = decodeAt(b, o, depth + 1); items.push(v); o = e; }
      return [items, o];
    }
    case 5: {
      const m = new Map<CborKey, CborValue>();
      let o = q;
      for (let i = 0; i < arg; i++) {
        const keyAt = o;
        const [k, e1] = decodeAt(b, o, depth + 1);
        if (typeof k !== "number" && typeof k !== "string") throw new CborError("map keys must be integers or text", keyAt);
        if (m.has(k)) throw new CborError("duplicate map key", keyAt);
        const [v, e2] = decodeAt(b, e1, depth + 1);
        m.set(k, v); o = e2;
      }
      return [m, o];
    }
    case 6: throw new CborError("tags are not accepted", p);
    default: {
      if ((b[p] & 31) >= 24) throw new CborError("floats and extended simple values are not accepted", p);
      if (arg === 20) return [false, q];
      if (arg === 21) return [true, q];
      if (arg === 22) return [null, q];
      throw new CborError(`simple value ${arg} is not accepted`, p);
    }
  }
}
