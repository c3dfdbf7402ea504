// IEEE 754 conversions between binary16/binary32 and binary64 bit patterns, done on integers so that every
// host gives the same bits (wasm float promotion may change NaN payloads). Used by the CBOR codec for
// preferred serialization of floats (RFC 8949 §4.1, §4.2.1: the shortest form that keeps the value).
//
// Deliberately not here: float arithmetic or formatting; the codec only moves bit patterns.

// @ts-ignore: decorator
@inline const F64_MANT_MASK: u64 = 0x000fffffffffffff;

/** Widen a binary16 (eb 5, mb 10) or binary32 (eb 8, mb 23) pattern to the binary64 pattern of the same value. */
function widen(bits: u64, eb: i32, mb: i32): u64 {
  const s = (bits >> <u64>(eb + mb)) & 1;
  const e = <i32>((bits >> <u64>mb) & <u64>((1 << eb) - 1));
  const m = bits & ((<u64>1 << <u64>mb) - 1);
  const bias = (1 << (eb - 1)) - 1;
  const sign = s << 63;
  if (e == (1 << eb) - 1) return sign | (<u64>0x7ff << 52) | (m << <u64>(52 - mb)); // infinity, NaN
  if (e == 0) {
    if (m == 0) return sign; // zero
    const p = 63 - <i32>clz<u64>(m); // subnormal: normalize on the highest set bit
    const E = p + 1 - bias - mb;
    const frac = (m ^ (<u64>1 << <u64>p)) << <u64>(52 - p);
    return sign | (<u64>(E + 1023) << 52) | frac;
  }
  return sign | (<u64>(e - bias + 1023) << 52) | (m << <u64>(52 - mb));
}

/** Narrow a binary64 pattern to binary16/binary32 (eb, mb) if the value (and a NaN's payload) survives
 *  exactly; returns the narrow pattern, or -1 when it would not. */
function narrow(d: u64, eb: i32, mb: i32): i64 {
  const s = d >> 63;
  const e = <i32>((d >> 52) & 0x7ff);
  const m = d & F64_MANT_MASK;
  const bias = (1 << (eb - 1)) - 1;
  const drop = 52 - mb;
  const low = (<u64>1 << <u64>drop) - 1;
  const sign = s << <u64>(eb + mb);
  if (e == 0x7ff) {
    if ((m & low) != 0) return -1;
    return <i64>(sign | (<u64>((1 << eb) - 1) << <u64>mb) | (m >> <u64>drop));
  }
  if (e == 0) return m == 0 ? <i64>sign : -1; // binary64 subnormals are below every narrower format
  const E = e - 1023;
  if (E > bias) return -1;
  if (E >= 1 - bias) {
    if ((m & low) != 0) return -1;
    return <i64>(sign | (<u64>(E + bias) << <u64>mb) | (m >> <u64>drop));
  }
  const shift = 53 - bias - mb - E; // into a subnormal of the narrow format
  if (shift > 52) return -1;
  const full = (<u64>1 << 52) | m;
  if ((full & ((<u64>1 << <u64>shift) - 1)) != 0) return -1;
  return <i64>(sign | (full >> <u64>shift));
}

/** binary16 pattern -> binary64 pattern. */
export function halfToDouble(h: u32): u64 { return widen(<u64>h, 5, 10); }
/** binary32 pattern -> binary64 pattern. */
export function singleToDouble(f: u32): u64 { return widen(<u64>f, 8, 23); }
/** binary64 -> binary16 pattern, or -1 when the value is not exactly representable. */
export function doubleToHalf(d: u64): i64 { return narrow(d, 5, 10); }
/** binary64 -> binary32 pattern, or -1 when the value is not exactly representable. */
export function doubleToSingle(d: u64): i64 { return narrow(d, 8, 23); }
