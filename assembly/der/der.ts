// DER (ITU-T X.690) for the structures EST needs: a writer that builds nested TLVs in place, and a strict
// reader over untrusted input (certificates, PKCS#7, csrattrs). Both work on caller-owned buffers.
//
// Writer: open(tag) reserves three length bytes; close() writes the minimal length and moves the content
// down over the unused bytes. Contents up to 65535 bytes (the key store's records are far smaller).
// Reader: every TLV is checked against its enclosing TLV; only definite, minimal lengths are accepted, and a
// tag with the high-tag-number form is refused (none of the structures here uses one).

import { OK, E_MALFORMED, E_TRUNCATED, E_LIMIT, E_NON_CANONICAL, E_TRAILING } from "../base/errors";

export const DER_BOOLEAN: i32 = 0x01;
export const DER_INTEGER: i32 = 0x02;
export const DER_BIT_STRING: i32 = 0x03;
export const DER_OCTET_STRING: i32 = 0x04;
export const DER_NULL: i32 = 0x05;
export const DER_OID: i32 = 0x06;
export const DER_UTF8: i32 = 0x0c;
export const DER_PRINTABLE: i32 = 0x13;
export const DER_IA5: i32 = 0x16;
export const DER_UTC_TIME: i32 = 0x17;
export const DER_GENERALIZED_TIME: i32 = 0x18;
export const DER_SEQUENCE: i32 = 0x30;
export const DER_SET: i32 = 0x31;
/** Context-specific constructed [n] and primitive [n]. */
export function derCtx(n: i32): i32 { return 0xa0 | n; }
export function derCtxPrim(n: i32): i32 { return 0x80 | n; }

const MAX_DEPTH = 12;

export class DerWriter {
  ptr: usize = 0;
  cap: i32 = 0;
  pos: i32 = 0;
  /** Set once anything did not fit; every later call is a no-op and finish() reports E_LIMIT. */
  overflow: bool = false;
  private starts: usize = heap.alloc(MAX_DEPTH * 4);
  private depth: i32 = 0;

  reset(p: usize, cap: i32): DerWriter { this.ptr = p; this.cap = cap; this.pos = 0; this.overflow = false; this.depth = 0; return this; }

  private room(n: i32): bool {
    if (this.overflow || this.pos + n > this.cap) { this.overflow = true; return false; }
    return true;
  }

  byte(b: i32): DerWriter { if (this.room(1)) { store<u8>(this.ptr + <usize>this.pos, <u8>b); this.pos++; } return this; }

  raw(p: usize, n: i32): DerWriter { if (this.room(n)) { memory.copy(this.ptr + <usize>this.pos, p, <usize>n); this.pos += n; } return this; }

  rawBytes(a: StaticArray<u8>): DerWriter { return this.raw(changetype<usize>(a), a.length); }

  /** Start a constructed (or primitive) TLV whose content follows. */
  open(tag: i32): DerWriter {
    if (this.depth >= MAX_DEPTH) { this.overflow = true; return this; }
    this.byte(tag);
    store<i32>(this.starts + <usize>(this.depth << 2), this.pos);
    this.depth++;
    return this.byte(0).byte(0).byte(0);
  }

  close(): DerWriter {
    if (this.depth == 0) { this.overflow = true; return this; }
    this.depth--;
    if (this.overflow) return this;
    const at = load<i32>(this.starts + <usize>(this.depth << 2));
    const len = this.pos - at - 3;
    if (len > 0xffff) { this.overflow = true; return this; }
    const h = len < 0x80 ? 1 : len < 0x100 ? 2 : 3;
    const p = this.ptr + <usize>at;
    memory.copy(p + <usize>h, p + 3, <usize>len);
    if (h == 1) store<u8>(p, <u8>len);
    else if (h == 2) { store<u8>(p, 0x81); store<u8>(p + 1, <u8>len); }
    else { store<u8>(p, 0x82); store<u8>(p + 1, <u8>(len >> 8)); store<u8>(p + 2, <u8>len); }
    this.pos -= 3 - h;
    return this;
  }

  /** A primitive TLV with the given content. */
  prim(tag: i32, p: usize, n: i32): DerWriter { return this.open(tag).raw(p, n).close(); }

  /** An OID given by its encoded content bytes. */
  oid(a: StaticArray<u8>): DerWriter { return this.prim(DER_OID, changetype<usize>(a), a.length); }

  /** A small non-negative INTEGER. */
  smallInt(v: i32): DerWriter { return this.open(DER_INTEGER).byte(v).close(); }

  /** A non-negative INTEGER from big-endian unsigned bytes (leading zeros dropped, 00 added for a set top bit). */
  unsignedInt(p: usize, n: i32): DerWriter {
    let i = 0;
    while (i < n - 1 && load<u8>(p + <usize>i) == 0) i++;
    this.open(DER_INTEGER);
    if (load<u8>(p + <usize>i) >= 0x80) this.byte(0);
    return this.raw(p + <usize>i, n - i).close();
  }

  /** A BIT STRING with no unused bits. */
  bits(p: usize, n: i32): DerWriter { return this.open(DER_BIT_STRING).byte(0).raw(p, n).close(); }

  /** A UTF8String from an AssemblyScript string (ASCII expected). */
  utf8(s: string): DerWriter {
    this.open(DER_UTF8);
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i) & 0x7f);
    return this.close();
  }

  finish(): i32 {
    if (this.overflow || this.depth != 0) return E_LIMIT;
    return this.pos;
  }
}

/** One level of a DER walk: read() steps over the TLVs inside [start, end). */
export class DerReader {
  pos: usize = 0;
  end: usize = 0;
  /** The TLV last read: its tag, content and whole encoding. */
  tag: i32 = 0;
  value: usize = 0;
  len: i32 = 0;
  tlv: usize = 0;
  tlvLen: i32 = 0;

  reset(p: usize, n: i32): DerReader { this.pos = p; this.end = p + <usize>n; return this; }

  /** Enter the content of the TLV last read (returns a new reader position on it). */
  into(r: DerReader): DerReader { r.pos = this.value; r.end = this.value + <usize>this.len; return r; }

  atEnd(): bool { return this.pos >= this.end; }

  finish(): i32 { return this.pos == this.end ? OK : E_TRAILING; }

  /** Read the next TLV. Returns OK, E_TRUNCATED, E_MALFORMED or E_NON_CANONICAL. */
  read(): i32 {
    const start = this.pos;
    if (this.pos + 2 > this.end) return E_TRUNCATED;
    const tag = <i32>load<u8>(this.pos);
    if ((tag & 0x1f) == 0x1f) return E_MALFORMED;
    let l = <i32>load<u8>(this.pos + 1);
    let p = this.pos + 2;
    if (l >= 0x80) {
      const k = l & 0x7f;
      if (k == 0) return E_MALFORMED; // indefinite length: BER, not DER
      if (k > 3) return E_LIMIT;
      if (p + <usize>k > this.end) return E_TRUNCATED;
      l = 0;
      for (let i = 0; i < k; i++) l = (l << 8) | <i32>load<u8>(p + <usize>i);
      if (load<u8>(p) == 0 || l < 0x80) return E_NON_CANONICAL;
      p += <usize>k;
    }
    if (<usize>l > this.end - p) return E_TRUNCATED;
    this.tag = tag;
    this.value = p;
    this.len = l;
    this.tlv = start;
    this.tlvLen = <i32>(p - start) + l;
    this.pos = p + <usize>l;
    return OK;
  }

  /** Read the next TLV and require its tag. */
  expect(tag: i32): i32 {
    const st = this.read();
    if (st != OK) return st;
    return this.tag == tag ? OK : E_MALFORMED;
  }

  /** Whether the next TLV has this tag (without reading it). */
  peek(tag: i32): bool { return this.pos < this.end && <i32>load<u8>(this.pos) == tag; }
}

/** Whether the content (p, n) equals the bytes of a. */
export function derEquals(p: usize, n: i32, a: StaticArray<u8>): bool {
  if (n != a.length) return false;
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) != a[i]) return false;
  return true;
}

// ---- Object identifiers (content bytes) ------------------------------------------------------------------
export const OID_EC_PUBLIC_KEY: StaticArray<u8> = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]; // 1.2.840.10045.2.1
export const OID_PRIME256V1: StaticArray<u8> = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]; // 1.2.840.10045.3.1.7
export const OID_ECDSA_SHA256: StaticArray<u8> = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]; // 1.2.840.10045.4.3.2
export const OID_ED25519: StaticArray<u8> = [0x2b, 0x65, 0x70]; // 1.3.101.112
export const OID_X25519: StaticArray<u8> = [0x2b, 0x65, 0x6e]; // 1.3.101.110
export const OID_CN: StaticArray<u8> = [0x55, 0x04, 0x03]; // 2.5.4.3
export const OID_EXTENSION_REQUEST: StaticArray<u8> = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e]; // 1.2.840.113549.1.9.14
export const OID_SUBJECT_ALT_NAME: StaticArray<u8> = [0x55, 0x1d, 0x11]; // 2.5.29.17
export const OID_KEY_USAGE: StaticArray<u8> = [0x55, 0x1d, 0x0f]; // 2.5.29.15
export const OID_BASIC_CONSTRAINTS: StaticArray<u8> = [0x55, 0x1d, 0x13]; // 2.5.29.19
export const OID_SIGNED_DATA: StaticArray<u8> = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]; // 1.2.840.113549.1.7.2
/** id-dhPop-static-sha256-hmac-sha256 (RFC 6955 §6.2, 1.3.6.1.5.5.7.6.26): the static-DH proof of possession. */
export const OID_DH_POP_SHA256: StaticArray<u8> = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x06, 0x1a];
