// A reference CoAP-over-UDP message parser written for the tests from RFC 7252 §3 (header, token, options
// with 13/14 extensions, payload marker) and §4.1 (Empty messages), answering in the codec test module's
// coap-parse format. Structured differently from the module's parser on purpose (one pass over an array).

/** Options this client understands (assembly/numbers/coap.ts optIsKnown), from RFC 7252 §12.2 and later RFCs. */
export const KNOWN_OPTIONS = new Set([1, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 20, 21, 23, 27, 28, 35, 39, 60, 252, 258, 292]);

export type Parsed =
  | { error: string }
  | { type: number; code: number; mid: number; token: string; options: { n: number; hex: string }[]; payload: string; unknown_critical: number };

export function refParseCoap(b: Uint8Array): Parsed {
  const hex = (x: Uint8Array) => Buffer.from(x).toString("hex");
  if (b.length < 4) return { error: "E_TRUNCATED" };
  if (b[0] >> 6 !== 1) return { error: "E_MALFORMED" };
  const tkl = b[0] & 0x0f;
  if (tkl > 8) return { error: "E_MALFORMED" };
  if (b[1] === 0 && (tkl !== 0 || b.length !== 4)) return { error: "E_MALFORMED" };
  if (b.length < 4 + tkl) return { error: "E_TRUNCATED" };
  const options: { n: number; hex: string }[] = [];
  let i = 4 + tkl, number = 0, payload = "";
  while (i < b.length) {
    if (b[i] === 0xff) {
      if (i === b.length - 1) return { error: "E_MALFORMED" };
      payload = hex(b.subarray(i + 1));
      break;
    }
    const nib = [b[i] >> 4, b[i] & 15];
    if (nib.includes(15)) return { error: "E_MALFORMED" };
    i++;
    const vals: number[] = [];
    for (const v of nib) {
      if (v < 13) vals.push(v);
      else if (v === 13) { if (i + 1 > b.length) return { error: "E_TRUNCATED" }; vals.push(13 + b[i]); i += 1; }
      else { if (i + 2 > b.length) return { error: "E_TRUNCATED" }; vals.push(269 + b[i] * 256 + b[i + 1]); i += 2; }
    }
    number += vals[0];
    if (number > 65535) return { error: "E_MALFORMED" };
    if (i + vals[1] > b.length) return { error: "E_TRUNCATED" };
    options.push({ n: number, hex: hex(b.subarray(i, i + vals[1])) });
    i += vals[1];
  }
  const unknown = options.find((o) => o.n % 2 === 1 && !KNOWN_OPTIONS.has(o.n));
  return {
    type: (b[0] >> 4) & 3, code: b[1], mid: b[2] * 256 + b[3], token: hex(b.subarray(4, 4 + tkl)), options, payload,
    unknown_critical: unknown ? unknown.n : 0,
  };
}

/** Reference encoder (RFC 7252 §3, §3.1): options sorted by number (stable), deltas and lengths with the
 *  13/14 extensions, 0xFF before a non-empty payload. */
export function refBuildCoap(type: number, code: number, mid: number, token: Buffer, options: [number, Buffer][], payload: Buffer): Buffer {
  const out: number[] = [0x40 | (type << 4) | token.length, code, mid >> 8, mid & 0xff, ...token];
  const ext = (v: number): [number, number[]] => (v < 13 ? [v, []] : v < 269 ? [13, [v - 13]] : [14, [(v - 269) >> 8, (v - 269) & 0xff]]);
  let prev = 0;
  for (const [n, value] of options.map((o, i) => ({ o, i })).sort((a, b) => a.o[0] - b.o[0] || a.i - b.i).map(({ o }) => o)) {
    const [dn, dx] = ext(n - prev), [ln, lx] = ext(value.length);
    out.push((dn << 4) | ln, ...dx, ...lx, ...value);
    prev = n;
  }
  if (payload.length) out.push(0xff, ...payload);
  return Buffer.from(out);
}

/** Shortest big-endian bytes of a uint option value (RFC 7252 §3.2). */
export function uintBytes(v: number): Buffer {
  const b: number[] = [];
  for (; v > 0; v = Math.floor(v / 256)) b.unshift(v % 256);
  return Buffer.from(b);
}
