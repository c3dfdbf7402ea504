// The few CBOR encodings the development server writes (RFC 8949, deterministic: shortest heads), as byte
// arrays to spread into larger messages. Decoding lives next to its one user (responder.ts).

/** An item head: major type and argument, in the shortest form (arguments up to 2^32 - 1). */
export function head(major: number, v: number): number[] {
  if (v < 24) return [(major << 5) | v];
  if (v < 256) return [(major << 5) | 24, v];
  if (v < 65536) return [(major << 5) | 25, v >> 8, v & 0xff];
  return [(major << 5) | 26, (v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}
export const cInt = (v: number): number[] => (v >= 0 ? head(0, v) : head(1, -1 - v));
export const cBstr = (b: Uint8Array): number[] => [...head(2, b.length), ...b];
export const cTstr = (s: string): number[] => { const b = Buffer.from(s, "utf8"); return [...head(3, b.length), ...b]; };
export const cMap = (n: number): number[] => head(5, n);
export const cArray = (n: number): number[] => head(4, n);
