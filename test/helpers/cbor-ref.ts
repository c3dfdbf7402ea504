// A reference CBOR decoder written for the tests straight from RFC 8949 (§3 encoding, §3.3 simple values and
// floats, §4.2.1 deterministic encoding), plus a parser for the diagnostic notation of RFC 8949 §8 as used in
// Appendix A, and a renderer into the exact text the codec test module prints (test/codec/cbor-tools.ts).
// Kept deliberately different in structure from the module's decoder: recursive, BigInt arguments, a
// value table for half floats instead of bit manipulation.

export type Value =
  | { t: "uint"; v: bigint }
  | { t: "nint"; n: bigint } // the value -1-n
  | { t: "bytes" | "text"; v: Uint8Array }
  | { t: "bytes_indef" | "text_indef"; chunks: Uint8Array[] }
  | { t: "array"; items: Value[]; indef: boolean }
  | { t: "map"; pairs: [Value, Value][]; indef: boolean }
  | { t: "tag"; n: bigint; item: Value }
  | { t: "simple"; v: number }
  | { t: "float"; bits: bigint }; // binary64 bit pattern of the value

export class CborError extends Error {
  constructor(public code: string) { super(code); }
}

const f64bits = (x: number): bigint => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0);
};
const fromBits = (b: bigint): number => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, b);
  return dv.getFloat64(0);
};

/** Value of a binary16 pattern as a JS number (RFC 8949 Appendix D), NaN for NaNs. */
function halfValue(h: number): number {
  const e = (h >> 10) & 0x1f, m = h & 0x3ff, s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
/** Every non-NaN binary16 value, keyed by its binary64 bit pattern. */
const HALF_BY_F64 = new Map<bigint, number>();
for (let h = 0; h < 0x10000; h++) { const v = halfValue(h); if (!Number.isNaN(v)) HALF_BY_F64.set(f64bits(v), h); }

/** binary64 bits of a float given at width 2/4/8 (NaN payloads kept bit for bit). */
function floatToF64Bits(raw: bigint, width: number): bigint {
  if (width === 8) return raw;
  const [eb, mb] = width === 2 ? [5, 10] : [8, 23];
  const exp = Number((raw >> BigInt(mb)) & BigInt((1 << eb) - 1));
  const mant = raw & ((1n << BigInt(mb)) - 1n);
  const sign = (raw >> BigInt(eb + mb)) & 1n;
  if (exp === (1 << eb) - 1 && mant !== 0n) return (sign << 63n) | (0x7ffn << 52n) | (mant << BigInt(52 - mb));
  if (width === 2) return f64bits(halfValue(Number(raw)));
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, Number(raw));
  return f64bits(dv.getFloat32(0));
}

/** True when a float encoded at `width` is the shortest exact encoding (preferred serialization). */
function floatPreferred(bits: bigint, width: number): boolean {
  if (width === 2) return true;
  const x = fromBits(bits);
  if (Number.isNaN(x)) {
    const mant = bits & ((1n << 52n) - 1n);
    if ((mant & ((1n << 42n) - 1n)) === 0n) return false; // fits a half NaN
    return width === 4 || (mant & ((1n << 29n) - 1n)) !== 0n;
  }
  if (HALF_BY_F64.has(bits)) return false;
  if (width === 8 && f64bits(Math.fround(x)) === bits) return false;
  return true;
}

export function refDecodeSequence(bytes: Uint8Array, strict: boolean, maxDepth: number): Value[] {
  let pos = 0;
  const need = (n: number) => { if (bytes.length - pos < n) throw new CborError("E_TRUNCATED"); };
  type Head = { major: number; ai: number; arg: bigint; brk: boolean; indef: boolean };
  const head = (): Head => {
    need(1);
    const ib = bytes[pos++];
    const major = ib >> 5, ai = ib & 31;
    if (ai < 24) return { major, ai, arg: BigInt(ai), brk: false, indef: false };
    if (ai <= 27) {
      const n = 1 << (ai - 24);
      need(n);
      let arg = 0n;
      for (let i = 0; i < n; i++) arg = (arg << 8n) | BigInt(bytes[pos++]);
      if (major === 7) {
        if (ai === 24 && arg < 32n) throw new CborError("E_MALFORMED");
        if (ai > 24 && strict && !floatPreferred(floatToF64Bits(arg, n), n)) throw new CborError("E_NON_CANONICAL");
      } else if (strict) {
        const min = [24n, 0x100n, 0x10000n, 0x100000000n][ai - 24];
        if (arg < min) throw new CborError("E_NON_CANONICAL");
      }
      return { major, ai, arg, brk: false, indef: false };
    }
    if (ai < 31) throw new CborError("E_MALFORMED");
    if (major === 0 || major === 1 || major === 6) throw new CborError("E_MALFORMED");
    if (major === 7) return { major, ai, arg: 0n, brk: true, indef: false };
    if (strict) throw new CborError("E_NON_CANONICAL");
    return { major, ai, arg: 0n, brk: false, indef: true };
  };
  const LIMIT = 0x7fffffffn;
  const take = (n: bigint): Uint8Array => {
    if (n > LIMIT) throw new CborError("E_LIMIT");
    need(Number(n));
    const out = bytes.slice(pos, pos + Number(n));
    pos += Number(n);
    return out;
  };
  const item = (depth: number): Value => {
    const h = head();
    if (h.brk) throw new CborError("E_MALFORMED");
    switch (h.major) {
      case 0: return { t: "uint", v: h.arg };
      case 1: return { t: "nint", n: h.arg };
      case 2: case 3: {
        if (!h.indef) return { t: h.major === 2 ? "bytes" : "text", v: take(h.arg) };
        const chunks: Uint8Array[] = [];
        for (;;) {
          const c = head();
          if (c.brk) break;
          if (c.major !== h.major || c.indef) throw new CborError("E_MALFORMED");
          chunks.push(take(c.arg));
        }
        return { t: h.major === 2 ? "bytes_indef" : "text_indef", chunks };
      }
      case 4: case 5: {
        if (!h.indef && h.arg > LIMIT) throw new CborError("E_LIMIT");
        const n = h.indef ? -1 : Number(h.arg);
        if (n !== 0 && depth === maxDepth) throw new CborError("E_TOO_DEEP");
        const items: Value[] = [];
        const pairs: [Value, Value][] = [];
        for (let i = 0; h.indef || i < n; i++) {
          if (h.indef && bytes[pos] === 0xff && pos < bytes.length) { pos++; break; }
          const k = item(depth + 1);
          if (h.major === 4) items.push(k);
          else pairs.push([k, item(depth + 1)]);
        }
        return h.major === 4 ? { t: "array", items, indef: h.indef } : { t: "map", pairs, indef: h.indef };
      }
      case 6: {
        if (depth === maxDepth) throw new CborError("E_TOO_DEEP");
        return { t: "tag", n: h.arg, item: item(depth + 1) };
      }
      default:
        if (h.ai >= 25) return { t: "float", bits: floatToF64Bits(h.arg, 1 << (h.ai - 24)) };
        return { t: "simple", v: Number(h.arg) };
    }
  };
  const out: Value[] = [];
  while (pos < bytes.length) out.push(item(0));
  return out;
}

// ---- Rendering into the module's diagnostic text (as bytes) ------------------------------------------------

const enc = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function renderText(b: Uint8Array, out: number[]): void {
  out.push(0x22);
  for (const c of b) {
    if (c === 0x22 || c === 0x5c) out.push(0x5c, c);
    else if (c < 0x20) out.push(...enc.encode("\\u00" + c.toString(16).padStart(2, "0")));
    else out.push(c);
  }
  out.push(0x22);
}

function render(v: Value, out: number[]): void {
  const s = (x: string) => out.push(...enc.encode(x));
  switch (v.t) {
    case "uint": s(v.v.toString()); break;
    case "nint": s((-1n - v.n).toString()); break;
    case "bytes": s(`h'${hex(v.v)}'`); break;
    case "text": renderText(v.v, out); break;
    case "bytes_indef": case "text_indef":
      s("(_ ");
      v.chunks.forEach((c, i) => { if (i) s(", "); if (v.t === "bytes_indef") s(`h'${hex(c)}'`); else renderText(c, out); });
      s(")");
      break;
    case "array":
      s(v.indef ? "[_ " : "[");
      v.items.forEach((x, i) => { if (i) s(", "); render(x, out); });
      s("]");
      break;
    case "map":
      s(v.indef ? "{_ " : "{");
      v.pairs.forEach(([k, x], i) => { if (i) s(", "); render(k, out); s(": "); render(x, out); });
      s("}");
      break;
    case "tag": s(`${v.n}(`); render(v.item, out); s(")"); break;
    case "simple":
      s(v.v === 20 ? "false" : v.v === 21 ? "true" : v.v === 22 ? "null" : v.v === 23 ? "undefined" : `simple(${v.v})`);
      break;
    case "float": s(`float(${v.bits.toString(16).padStart(16, "0")})`); break;
  }
}

/** The text the codec test module prints for a sequence of values, as bytes. */
export function renderDiag(values: Value[]): Buffer {
  const out: number[] = [];
  values.forEach((v, i) => { if (i) out.push(0x2c, 0x20); render(v, out); });
  return Buffer.from(out);
}

// ---- RFC 8949 §8 diagnostic notation parser (the subset Appendix A uses) -----------------------------------

export function parseDiag(text: string): Value {
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const expect = (c: string) => { ws(); if (text[i] !== c) throw new Error(`diag: expected ${c} at ${i} in ${text}`); i++; };
  const str = (): Uint8Array => {
    const m = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i));
    if (!m) throw new Error(`diag: bad string at ${i}`);
    i += m[0].length;
    return enc.encode(JSON.parse(m[0]));
  };
  const hexstr = (): Uint8Array => {
    const m = /^h'([0-9a-fA-F]*)'/.exec(text.slice(i));
    if (!m) throw new Error(`diag: bad h'' at ${i}`);
    i += m[0].length;
    return Uint8Array.from(Buffer.from(m[1], "hex"));
  };
  const list = (close: string, one: () => void) => {
    ws();
    if (text[i] === close) { i++; return; }
    for (;;) { one(); ws(); if (text[i] === ",") { i++; continue; } expect(close); return; }
  };
  const value = (): Value => {
    ws();
    const rest = text.slice(i);
    if (rest.startsWith("[")) {
      i++; ws();
      const indef = text[i] === "_"; if (indef) i++;
      const items: Value[] = [];
      list("]", () => items.push(value()));
      return { t: "array", items, indef };
    }
    if (rest.startsWith("{")) {
      i++; ws();
      const indef = text[i] === "_"; if (indef) i++;
      const pairs: [Value, Value][] = [];
      list("}", () => { const k = value(); expect(":"); pairs.push([k, value()]); });
      return { t: "map", pairs, indef };
    }
    if (rest.startsWith("(_")) {
      i += 2;
      const chunks: Uint8Array[] = [];
      let kind: "bytes_indef" | "text_indef" = "bytes_indef";
      list(")", () => { ws(); if (text[i] === '"') { kind = "text_indef"; chunks.push(str()); } else chunks.push(hexstr()); });
      return { t: kind, chunks };
    }
    if (rest.startsWith('"')) return { t: "text", v: str() };
    if (rest.startsWith("h'")) return { t: "bytes", v: hexstr() };
    for (const [w, v] of [["false", 20], ["true", 21], ["null", 22], ["undefined", 23]] as const) {
      if (rest.startsWith(w)) { i += w.length; return { t: "simple", v }; }
    }
    let m = /^simple\((\d+)\)/.exec(rest);
    if (m) { i += m[0].length; return { t: "simple", v: Number(m[1]) }; }
    m = /^(-?)(Infinity|NaN)/.exec(rest);
    if (m) { i += m[0].length; return { t: "float", bits: f64bits(m[2] === "NaN" ? NaN : (m[1] ? -Infinity : Infinity)) }; }
    m = /^-?\d+(\.\d+(e[+-]?\d+)?|e[+-]?\d+)/.exec(rest);
    if (m) { i += m[0].length; return { t: "float", bits: f64bits(Number(m[0])) }; }
    m = /^(-?\d+)(\()?/.exec(rest);
    if (m) {
      i += m[0].length;
      if (m[2]) { const item = value(); expect(")"); return { t: "tag", n: BigInt(m[1]), item }; }
      const n = BigInt(m[1]);
      return n >= 0n ? { t: "uint", v: n } : { t: "nint", n: -1n - n };
    }
    throw new Error(`diag: cannot parse at ${i}: ${rest.slice(0, 20)}`);
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error(`diag: trailing text in ${text}`);
  return v;
}
