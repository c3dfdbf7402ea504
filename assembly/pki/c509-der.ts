// The DER side of C509 on the device: rebuilds the DER that a re-encoded (type 3) C509 certificate or CSR
// stands for, so its signature can be checked (or made) over the DER to-be-signed bytes: writers (on the
// module's DER writer, der/der.ts) for the C509 pieces: Names (the RDN registry), times
// (UTCTime through 2049, GeneralizedTime after), subject public keys, and the extensions the development CA
// and the C509 draft's device profiles use (subjectKeyIdentifier, keyUsage, subjectAltName, basicConstraints,
// authorityKeyIdentifier with a key identifier, extKeyUsage, and any extension in the generic ~oid form).
//
// Statuses: E_MALFORMED for a C509 item of the wrong shape, E_UNSUPPORTED for a C509 construct this device
// build cannot turn into DER (another specific extension encoding, an algorithm other than ES256 / Ed25519 /
// P-256 / X25519 keys); output that does not fit shows in the writer (der/der.ts DerWriter: finish() says
// E_LIMIT, which the callers report as E_BUFFER_TOO_SMALL). No input traps; nothing is allocated.
// Deliberately not here: parsing DER (the device never needs to), the DER writer itself (der/der.ts).

import { OK, E_MALFORMED, E_UNSUPPORTED } from "../base/errors";
import { DerWriter, OID_CN, OID_EC_PUBLIC_KEY, OID_PRIME256V1, OID_ED25519, OID_X25519 } from "../der/der";
import { CborReader, MT_UINT, MT_NINT, MT_BSTR, MT_TSTR, MT_ARRAY, MT_TAG } from "../cbor/decode";
import { p256Decompress } from "../crypto/index";

/** The one DER writer and CBOR reader of the C509 code (pki/c509.ts, c509-csr.ts): their users never overlap. */
export const c509Der = new DerWriter();
export const c509Cbor = new CborReader();

// ---- Object identifiers (content bytes; the common ones are der/der.ts') --------------------------------------
const OID_EXT_PREFIX: StaticArray<u8> = [0x55, 0x1d]; // 2.5.29

/** RDN attribute registry (C509 draft "C509 RDN Attributes"): value -> OID content, as (offset, length) into
 *  RDN_OIDS; length 0 = unassigned. */
const RDN_OIDS: StaticArray<u8> = [
  0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01, // 0 emailAddress 1.2.840.113549.1.9.1
  0x55, 0x04, 0x03, 0x55, 0x04, 0x04, 0x55, 0x04, 0x05, 0x55, 0x04, 0x06, 0x55, 0x04, 0x07, 0x55, 0x04, 0x08, // 1-6
  0x55, 0x04, 0x09, 0x55, 0x04, 0x0a, 0x55, 0x04, 0x0b, 0x55, 0x04, 0x0c, 0x55, 0x04, 0x0f, 0x55, 0x04, 0x11, // 7-12
  0x55, 0x04, 0x2a, 0x55, 0x04, 0x2b, 0x55, 0x04, 0x2c, 0x55, 0x04, 0x2e, 0x55, 0x04, 0x41, 0x55, 0x04, 0x61, // 13-18
  0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x01, // 19 jurisdictionLocality
  0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x02, // 20
  0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03, // 21
  0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19, // 22 domainComponent
  0x55, 0x04, 0x29, 0x55, 0x04, 0x14, 0x55, 0x04, 0x36, // 25 name, 26 telephoneNumber, 27 dmdName
  0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01, // 28 userid
  0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x02, // 29 unstructuredName
  0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x08, // 30 unstructuredAddress
];
// offset << 8 | length per value 0..30
const RDN_INDEX: StaticArray<u32> = [
  (0 << 8) | 9, (9 << 8) | 3, (12 << 8) | 3, (15 << 8) | 3, (18 << 8) | 3, (21 << 8) | 3, (24 << 8) | 3,
  (27 << 8) | 3, (30 << 8) | 3, (33 << 8) | 3, (36 << 8) | 3, (39 << 8) | 3, (42 << 8) | 3, (45 << 8) | 3,
  (48 << 8) | 3, (51 << 8) | 3, (54 << 8) | 3, (57 << 8) | 3, (60 << 8) | 3, (63 << 8) | 11, (74 << 8) | 11,
  (85 << 8) | 11, (96 << 8) | 10, 0, 0, (106 << 8) | 3, (109 << 8) | 3, (112 << 8) | 3, (115 << 8) | 10,
  (125 << 8) | 9, (134 << 8) | 9,
];

/** Whether v is an assigned RDN attribute value. */
export function rdnKnown(v: i64): bool {
  return v >= 0 && v < <i64>RDN_INDEX.length && RDN_INDEX[<i32>v] != 0;
}
function rdnIsIa5(v: i64): bool { return v == 0 || v == 22; }

// ---- SpecialText -> DER string content ------------------------------------------------------------------------------
@inline function hexLower(v: i32): i32 { return v < 10 ? 0x30 + v : 0x57 + v; }
@inline function hexUpper(v: i32): i32 { return v < 10 ? 0x30 + v : 0x37 + v; }

/** Read one SpecialText and write the text it stands for (text as is, bytes as lowercase hex, a tag 48 MAC
 *  address as an EUI-64 "HH-..-HH"). */
function specialTextDer(w: DerWriter, r: CborReader, tag: i32): i32 {
  const t = r.peekType();
  if (t < 0) return t;
  w.open(tag);
  if (t == MT_TSTR) {
    const st = r.readTstr();
    if (st < 0) return st;
    w.raw(r.ptr, r.size);
  } else if (t == MT_BSTR) {
    const st = r.readBstr();
    if (st < 0) return st;
    if (r.size == 0) return E_MALFORMED;
    for (let i = 0; i < r.size; i++) { const b = <i32>load<u8>(r.ptr + <usize>i); w.byte(hexLower(b >> 4)).byte(hexLower(b & 15)); }
  } else if (t == MT_TAG) {
    let st = r.readTag();
    if (st < 0) return st;
    if (r.uvalue != 48) return E_MALFORMED;
    st = r.readBstr();
    if (st < 0) return st;
    if (r.size != 6 && r.size != 8) return E_MALFORMED;
    for (let i = 0; i < 8; i++) {
      let b: i32;
      if (r.size == 8) b = <i32>load<u8>(r.ptr + <usize>i);
      else b = i < 3 ? <i32>load<u8>(r.ptr + <usize>i) : i == 3 ? 0xff : i == 4 ? 0xfe : <i32>load<u8>(r.ptr + <usize>(i - 2));
      if (i > 0) w.byte(0x2d);
      w.byte(hexUpper(b >> 4)).byte(hexUpper(b & 15));
    }
  } else return E_MALFORMED;
  w.close();
  return OK;
}

/** Read one C509 Name and write its DER Name. */
export function nameDer(w: DerWriter, r: CborReader): i32 {
  const t = r.peekType();
  if (t < 0) return t;
  w.open(0x30);
  if (t != MT_ARRAY) {
    // One common name as a UTF8String.
    w.open(0x31).open(0x30).oid(OID_CN);
    const st = specialTextDer(w, r, 0x0c);
    if (st < 0) return st;
    w.close().close();
  } else {
    let st = r.enterArray();
    if (st < 0) return st;
    const n = r.count;
    if (n < 0 || (n & 1) != 0) return E_MALFORMED;
    for (let i = 0; i < n; i += 2) {
      w.open(0x31).open(0x30);
      const at = r.peekType();
      if (at == MT_UINT || at == MT_NINT) {
        st = r.readInt(-0xffff, 0xffff);
        if (st < 0) return st;
        const v = r.value;
        const code = v < 0 ? -v : v;
        if (!rdnKnown(code)) return E_UNSUPPORTED;
        if (v < 0 && rdnIsIa5(code)) return E_MALFORMED;
        const e = RDN_INDEX[<i32>code];
        w.prim(0x06, changetype<usize>(RDN_OIDS) + <usize>(e >> 8), <i32>(e & 0xff));
        st = specialTextDer(w, r, rdnIsIa5(code) ? 0x16 : v < 0 ? 0x13 : 0x0c);
        if (st < 0) return st;
      } else if (at == MT_BSTR) {
        st = r.readBstr();
        if (st < 0) return st;
        if (r.size == 0) return E_MALFORMED;
        w.prim(0x06, r.ptr, r.size);
        st = r.readBstr();
        if (st < 0) return st;
        if (r.size < 2) return E_MALFORMED;
        w.raw(r.ptr, r.size); // the attribute value's DER
      } else return at < 0 ? at : E_MALFORMED;
      w.close().close();
    }
  }
  w.close();
  return OK;
}

// ---- Time ------------------------------------------------------------------------------------------------------------
/** Write a time as RFC 5280 §4.1.2.5 requires: UTCTime for 1950-2049, GeneralizedTime otherwise. secs is
 *  seconds since 1970 (at most 99991231235959Z). */
export function timeDer(w: DerWriter, secs: u64): i32 {
  if (secs > 253402300799) return E_UNSUPPORTED;
  const days = <i64>(secs / 86400);
  const sod = <i32>(secs % 86400);
  // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
  const z = days + 719468;
  const era = z / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const d = <i32>(doy - (153 * mp + 2) / 5 + 1);
  const m = <i32>(mp < 10 ? mp + 3 : mp - 9);
  const y = <i32>(yoe + era * 400 + (m <= 2 ? 1 : 0));
  const utc = y >= 1950 && y < 2050;
  w.open(utc ? 0x17 : 0x18);
  if (!utc) two(w, y / 100);
  two(w, y % 100); two(w, m); two(w, d); two(w, sod / 3600); two(w, (sod / 60) % 60); two(w, sod % 60);
  w.byte(0x5a).close();
  return OK;
}
@inline function two(w: DerWriter, v: i32): void { w.byte(0x30 + v / 10).byte(0x30 + v % 10); }

// ---- Subject public key -------------------------------------------------------------------------------------------------
/** C509 public key algorithms this build handles. */
export const PK_P256: i32 = 1;
export const PK_X25519: i32 = 8;
export const PK_ED25519: i32 = 12;

const point = memory.data(65, 8);
const cpoint = memory.data(33, 8);

/** Write the SubjectPublicKeyInfo of a C509 key (pkAlg, key bytes as carried). A P-256 key marked fe/fd (a DER
 *  certificate's uncompressed point, compressed in C509) is expanded again; 02/03 and 04 stay as they are. */
export function spkiDer(w: DerWriter, pkAlg: i32, key: usize, keyLen: i32): i32 {
  w.open(0x30).open(0x30);
  if (pkAlg == PK_P256) {
    w.oid(OID_EC_PUBLIC_KEY).oid(OID_PRIME256V1).close();
    w.open(0x03).byte(0);
    const pre = keyLen > 0 ? <i32>load<u8>(key) : 0;
    if (keyLen == 33 && (pre == 0xfe || pre == 0xfd)) {
      store<u8>(cpoint, pre == 0xfe ? 2 : 3);
      memory.copy(cpoint + 1, key + 1, 32);
      if (p256Decompress(cpoint, point) != OK) return E_MALFORMED;
      w.raw(point, 65);
    } else if ((keyLen == 33 && (pre == 2 || pre == 3)) || (keyLen == 65 && pre == 4)) w.raw(key, keyLen);
    else return E_MALFORMED;
  } else if (pkAlg == PK_ED25519 || pkAlg == PK_X25519) {
    const o = pkAlg == PK_ED25519 ? OID_ED25519 : OID_X25519;
    w.oid(o).close();
    if (keyLen != 32) return E_MALFORMED;
    w.open(0x03).byte(0).raw(key, 32);
  } else return E_UNSUPPORTED;
  w.close().close();
  return OK;
}

/** A non-negative INTEGER of up to 31 bits (a pathLenConstraint). */
function derSmall(w: DerWriter, v: i32): void {
  const be = memory.data(4, 4);
  store<u32>(be, bswap<u32>(<u32>v));
  w.unsignedInt(be, 4);
}

// ---- Extensions -------------------------------------------------------------------------------------------------------
/** keyUsage bits as C509 carries them (bit i of RFC 5280 §4.2.1.3 is 2^i) -> DER BIT STRING (named bits). */
export function keyUsageBits(w: DerWriter, v: u32): void {
  w.open(0x03);
  if (v == 0) { w.byte(0); w.close(); return; }
  let top = 31;
  while (((v >> <u32>top) & 1) == 0) top--;
  w.byte(7 - (top & 7));
  for (let byte = 0; byte <= top >> 3; byte++) {
    let b = 0;
    for (let bit = 0; bit < 8; bit++) if (((v >> <u32>(byte * 8 + bit)) & 1) != 0) b |= 0x80 >> bit;
    w.byte(b);
  }
  w.close();
}

const EKU_PREFIX: StaticArray<u8> = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03]; // 1.3.6.1.5.5.7.3

/** Begin one Extension: SEQUENCE { extnID 2.5.29.x, [critical TRUE,] extnValue OCTET STRING { ... } }. */
function extOpen(w: DerWriter, last: i32, critical: bool): void {
  w.open(0x30).open(0x06).rawBytes(OID_EXT_PREFIX).byte(last).close();
  if (critical) w.byte(0x01).byte(0x01).byte(0xff);
  w.open(0x04);
}

/** Read a C509 extensions field and write the DER SEQUENCE OF Extension (nothing for an empty array). */
export function extensionsDer(w: DerWriter, r: CborReader): i32 {
  let t = r.peekType();
  if (t < 0) return t;
  let st: i32;
  if (t == MT_UINT || t == MT_NINT) {
    st = r.readInt(-0xffffffff, 0xffffffff);
    if (st < 0) return st;
    const v = r.value;
    w.open(0x30);
    extOpen(w, 0x0f, v < 0);
    keyUsageBits(w, <u32>(v < 0 ? -v : v));
    w.close().close().close();
    return OK;
  }
  st = r.enterArray();
  if (st < 0) return st;
  const n = r.count;
  if (n < 0 || (n & 1) != 0) return E_MALFORMED;
  if (n == 0) return OK;
  w.open(0x30);
  for (let i = 0; i < n; i += 2) {
    t = r.peekType();
    if (t == MT_BSTR) {
      // Generic form: ~oid, then the extnValue bytes (critical: wrapped in a one-item array).
      st = r.readBstr();
      if (st < 0) return st;
      if (r.size == 0) return E_MALFORMED;
      w.open(0x30).prim(0x06, r.ptr, r.size);
      t = r.peekType();
      if (t == MT_ARRAY) {
        st = r.enterArray();
        if (st < 0) return st;
        if (r.count != 1) return E_MALFORMED;
        w.byte(0x01).byte(0x01).byte(0xff);
      }
      st = r.readBstr();
      if (st < 0) return st;
      w.prim(0x04, r.ptr, r.size).close();
      continue;
    }
    st = r.readInt(-0xffff, 0xffff);
    if (st < 0) return st;
    const id = r.value;
    const crit = id < 0;
    const code = <i32>(crit ? -id : id);
    if (code == 1) { // subjectKeyIdentifier: bytes
      st = r.readBstr();
      if (st < 0) return st;
      extOpen(w, 0x0e, crit); w.prim(0x04, r.ptr, r.size);
    } else if (code == 2) { // keyUsage: uint
      st = r.readInt(0, 0xffffffff);
      if (st < 0) return st;
      extOpen(w, 0x0f, crit); keyUsageBits(w, <u32>r.value);
    } else if (code == 3) { // subjectAltName: one dNSName as text, or (type, value) pairs
      extOpen(w, 0x11, crit);
      st = generalNamesDer(w, r);
      if (st < 0) return st;
    } else if (code == 4) { // basicConstraints: -2 not a CA, -1 CA, n >= 0 CA with pathLenConstraint n
      st = r.readInt(-2, 0x7fffffff);
      if (st < 0) return st;
      const v = <i32>r.value;
      extOpen(w, 0x13, crit);
      w.open(0x30);
      if (v != -2) w.byte(0x01).byte(0x01).byte(0xff);
      if (v >= 0) derSmall(w, v);
      w.close();
    } else if (code == 7) { // authorityKeyIdentifier: a key identifier only
      if (r.peekType() != MT_BSTR) return E_UNSUPPORTED;
      st = r.readBstr();
      if (st < 0) return st;
      extOpen(w, 0x23, crit); w.open(0x30).prim(0x80, r.ptr, r.size).close();
    } else if (code == 8) { // extKeyUsage: an int or ~oid, or an array of them
      extOpen(w, 0x25, crit);
      w.open(0x30);
      if (r.peekType() == MT_ARRAY) {
        st = r.enterArray();
        if (st < 0) return st;
        const k = r.count;
        if (k < 2) return E_MALFORMED;
        for (let j = 0; j < k; j++) { st = purposeDer(w, r); if (st < 0) return st; }
      } else { st = purposeDer(w, r); if (st < 0) return st; }
      w.close();
    } else return E_UNSUPPORTED;
    w.close().close(); // extnValue, Extension
  }
  w.close();
  return OK;
}

/** A KeyPurposeId: registered ints 1-4, 8, 9 (id-kp-serverAuth .. id-kp-OCSPSigning), or ~oid. */
function purposeDer(w: DerWriter, r: CborReader): i32 {
  if (r.peekType() == MT_BSTR) {
    const st = r.readBstr();
    if (st < 0) return st;
    w.prim(0x06, r.ptr, r.size);
    return OK;
  }
  const st = r.readInt(0, 20);
  if (st < 0) return st;
  const v = <i32>r.value;
  if (!((v >= 1 && v <= 4) || v == 8 || v == 9)) return E_UNSUPPORTED;
  w.open(0x06).rawBytes(EKU_PREFIX).byte(v).close();
  return OK;
}

/** subjectAltName value: text (one dNSName) or pairs of (1 rfc822Name / 2 dNSName / 6 URI: text; 7 iPAddress:
 *  bytes). */
function generalNamesDer(w: DerWriter, r: CborReader): i32 {
  let st: i32;
  w.open(0x30);
  if (r.peekType() == MT_TSTR) {
    st = r.readTstr();
    if (st < 0) return st;
    w.prim(0x82, r.ptr, r.size);
  } else {
    st = r.enterArray();
    if (st < 0) return st;
    const n = r.count;
    if (n < 2 || (n & 1) != 0) return E_MALFORMED;
    for (let i = 0; i < n; i += 2) {
      st = r.readInt(-3, 8);
      if (st < 0) return st;
      const gt = <i32>r.value;
      if (gt == 1 || gt == 2 || gt == 6) { st = r.readTstr(); if (st < 0) return st; w.prim(0x80 | gt, r.ptr, r.size); }
      else if (gt == 7) { st = r.readBstr(); if (st < 0) return st; w.prim(0x87, r.ptr, r.size); }
      else return E_UNSUPPORTED;
    }
  }
  w.close();
  return OK;
}
