// A reader for the subset of CBOR diagnostic notation (RFC 8949 §8, RFC 8610 Appendix G) that the C509
// draft's examples use: integers, h'..' byte strings (white space inside allowed), "text", null, true,
// false, arrays, tags N(item), /comments/, and a sequence of items separated by commas. Test-only: it lets a
// test compare our encodings with the draft's diagnostic text, not a copy of bytes we produced.
//
// Deliberately not here: maps, floats, encoding indicators, embedded CBOR << >>.

import { Tag } from "cbor2";
import type { CborValue } from "../../tools/c509/cbor.js";

export function parseEdnSequence(text: string): CborValue[] {
  let p = 0;
  const s = text;
  // White space, commas between items, and /comments/ (never inside strings: URLs have slashes).
  const ws = () => {
    for (;;) {
      while (p < s.length && /[\s,]/.test(s[p])) p++;
      if (s[p] !== "/") return;
      const end = s.indexOf("/", p + 1);
      p = end < 0 ? s.length : end + 1;
    }
  };
  const fail = (m: string): never => { throw new Error(`EDN: ${m} at ${p}: ${s.slice(p, p + 20)}`); };
  function item(): CborValue {
    ws();
    const c = s[p];
    if (c === "[") {
      p++;
      const out: CborValue[] = [];
      for (;;) { ws(); if (s[p] === "]") { p++; return out; } if (p >= s.length) fail("unclosed array"); out.push(item()); }
    }
    if (c === "h" && s[p + 1] === "'") {
      const end = s.indexOf("'", p + 2);
      if (end < 0) fail("unclosed byte string");
      const hex = s.slice(p + 2, end).replace(/\s+/g, "");
      p = end + 1;
      return new Uint8Array(Buffer.from(hex, "hex"));
    }
    if (c === '"') {
      const end = s.indexOf('"', p + 1);
      const t = s.slice(p + 1, end);
      p = end + 1;
      return t;
    }
    const m = s.slice(p).match(/^(-?\d+)(\()?/);
    if (m) {
      p += m[0].length;
      if (m[2]) { const v = item(); ws(); if (s[p] !== ")") fail("unclosed tag"); p++; return new Tag(Number(m[1]), v); }
      const n = BigInt(m[1]);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    for (const [w, v] of [["null", null], ["true", true], ["false", false]] as const) {
      if (s.startsWith(w, p)) { p += w.length; return v; }
    }
    return fail("unexpected input");
  }
  const out: CborValue[] = [];
  for (;;) { ws(); if (p >= s.length) return out; out.push(item()); }
}
