// C509 extensions (draft §3.1.10 "extensions", §3.3 "Encoding of Extensions") <-> X.509 extensions.
//
//   Extensions = [ * Extension ] / int;  Extension = (int, Defined) // (~oid, bytes / [ bytes ])
//
// An int extensionID is the registry value, negative when critical; a lone keyUsage is the single int.
// Specific value encodings implemented here: subjectKeyIdentifier, keyUsage, subjectAltName and
// issuerAltName (general names of the C509 General Names registry), basicConstraints, cRLDistributionPoints
// and freshestCRL, certificatePolicies, authorityKeyIdentifier, extKeyUsage, authorityInfoAccess and
// subjectInfoAccess, policyMappings, policyConstraints, inhibitAnyPolicy, IPAddrBlocks (v1 and v2), OCSP
// No Check, Precertificate Signing Certificate, TLS Features. Converting from DER, an extension whose value
// the specific encoding cannot carry exactly (checked by converting back) uses the generic ~oid form.
//
// Deliberately not here (generic ~oid form only; an int-coded one in input is refused): nameConstraints,
// subjectDirectoryAttributes, AS Identifiers (v1 and v2).

import {
  C509Error, asArray, asBytes, asInt, asPairs, asText, asUint, bytesEqual, isBytes, isInt, type CborValue,
} from "./cbor.js";
import {
  T, children, derItems, derOne, expect, intMagnitude, intValue, octets, oidBytes, oidText, seq, tlv, derUint,
  type Tlv,
} from "./der.js";
import { nameFromDer, nameToDer } from "./name.js";
import {
  CERT_POLICIES, EKU, EXT, EXT_OIDS, GN_OTHER_NAMES, INFO_ACCESS, POLICY_QUALIFIERS, byOid, byValue,
} from "./registry.js";

/** One X.509 extension: OID (dotted), criticality, extnValue (the OCTET STRING's content, DER). */
export interface X509Extension { oid: string; critical: boolean; value: Uint8Array }

const ascii = (s: string) => /^[\x00-\x7f]*$/.test(s);
const latin = (b: Uint8Array) => Buffer.from(b).toString("latin1");
const ia5 = (tag: number, s: string) => { if (!ascii(s)) throw new C509Error("IA5String with non-ASCII text"); return tlv(tag, new Uint8Array(Buffer.from(s, "latin1"))); };
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const big = (v: CborValue, path: string): bigint => { if (!isInt(v)) throw new C509Error("expected an integer", path); return BigInt(v); };
const cborInt = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

/** An OID from a registry as int, else as ~oid (bytes). */
const regOid = (table: [number, string][], o: Uint8Array): CborValue => byOid(table, oidText(o)) ?? new Uint8Array(o);
function regOidToDer(table: [number, string][], v: CborValue, path: string): Uint8Array {
  if (isBytes(v)) { oidText(v, path); return tlv(T.OID, v); }
  const o = byValue(table, asInt(v, path));
  if (!o) throw new C509Error(`unregistered value ${v}`, path);
  return tlv(T.OID, oidBytes(o));
}

// ---- Named bit lists (keyUsage, reasons): bit i of the ASN.1 list is 2^i ----------------------------------------------
function bitsToUint(t: Tlv, what: string): number {
  if (t.value.length < 1) throw new C509Error("empty BIT STRING", what);
  const unused = t.value[0], b = t.value.subarray(1);
  if (unused > 7 || (b.length === 0 && unused)) throw new C509Error("bad unused-bits count", what);
  if (b.length > 4) throw new C509Error("named bit list too long", what);
  let v = 0;
  for (let i = 0; i < b.length * 8; i++) if (b[i >> 3] & (0x80 >> (i & 7))) v += 2 ** i;
  return v;
}
function uintToBits(v: number, tag: number = T.BIT_STRING): Uint8Array {
  if (v === 0) return tlv(tag, Uint8Array.of(0));
  const top = Math.floor(Math.log2(v));
  const bytes = new Uint8Array((top >> 3) + 1);
  for (let i = 0; i <= top; i++) if (Math.floor(v / 2 ** i) % 2) bytes[i >> 3] |= 0x80 >> (i & 7);
  return tlv(tag, Uint8Array.of(7 - (top & 7)), bytes);
}

// ---- General names ------------------------------------------------------------------------------------------------------
function gnFromDer(g: Tlv): [number, CborValue] {
  switch (g.tag) {
    case 0xa0: {
      const [typeId, val, ...rest] = derItems(g.value, "otherName");
      if (rest.length || expect(typeId, T.OID, "otherName").tag !== T.OID) throw new C509Error("malformed otherName");
      const inner = derOne(expect(val, 0xa0, "otherName value").value, val.value[0], "otherName value");
      const special = byOid(GN_OTHER_NAMES, oidText(typeId.value));
      if (special === -1) {
        const [hwType, hwSerial, ...r] = children(inner, T.SEQUENCE, "hardwareModuleName");
        if (r.length) throw new C509Error("malformed hardwareModuleName");
        return [-1, [new Uint8Array(expect(hwType, T.OID, "hwType").value), new Uint8Array(expect(hwSerial, T.OCTET_STRING, "hwSerialNum").value)]];
      }
      if (special === -2) return [-2, new TextDecoder("utf-8", { fatal: true }).decode(expect(inner, T.UTF8, "SmtpUTF8Mailbox").value)];
      if (special === -3) return [-3, new Uint8Array(expect(inner, T.OCTET_STRING, "MACAddress").value)];
      return [0, [new Uint8Array(typeId.value), new Uint8Array(inner.der)]];
    }
    case 0x81: case 0x82: case 0x86: return [g.tag & 0x1f, latin(g.value)];
    case 0xa4: return [4, nameFromDer(derOne(g.value, T.SEQUENCE, "directoryName").der)];
    case 0x87: return [7, new Uint8Array(g.value)];
    case 0x88: oidText(g.value); return [8, new Uint8Array(g.value)];
  }
  throw new C509Error(`general name [${g.tag & 0x1f}] has no C509 form`);
}
function gnToDer(type: number, v: CborValue, path: string): Uint8Array {
  const other = (oid: string, inner: Uint8Array) => tlv(0xa0, tlv(T.OID, oidBytes(oid)), tlv(0xa0, inner));
  switch (type) {
    case -1: {
      const [hwType, hwSerial] = asArray(v, path, 2, 2);
      oidText(asBytes(hwType, `${path}[0]`));
      return other(GN_OTHER_NAMES[2][1], seq(tlv(T.OID, hwType as Uint8Array), octets(asBytes(hwSerial, `${path}[1]`))));
    }
    case -2: return other(GN_OTHER_NAMES[1][1], tlv(T.UTF8, utf8(asText(v, path))));
    case -3: return other(GN_OTHER_NAMES[0][1], octets(asBytes(v, path)));
    case 0: {
      const [typeId, value] = asArray(v, path, 2, 2);
      oidText(asBytes(typeId, `${path}[0]`));
      const inner = asBytes(value, `${path}[1]`);
      derOne(inner, inner[0] ?? 0, `${path}[1]`);
      return tlv(0xa0, tlv(T.OID, typeId as Uint8Array), tlv(0xa0, inner));
    }
    case 1: case 2: case 6: return ia5(0x80 | type, asText(v, path));
    case 4: return tlv(0xa4, nameToDer(v, path));
    case 7: return tlv(0x87, asBytes(v, path));
    case 8: oidText(asBytes(v, path)); return tlv(0x88, v as Uint8Array);
  }
  throw new C509Error(`unknown general name type ${type}`, path);
}
const gnsFromDer = (value: Uint8Array): CborValue[] => derItems(value, "GeneralNames").flatMap(gnFromDer);
function gnsToDer(v: CborValue, path: string, tag: number = T.SEQUENCE): Uint8Array {
  const a = asPairs(v, path, 1);
  const out: Uint8Array[] = [];
  for (let i = 0; i < a.length; i += 2) out.push(gnToDer(asInt(a[i], `${path}[${i}]`), a[i + 1], `${path}[${i + 1}]`));
  return tlv(tag, ...out);
}

// ---- IPAddrBlocks (RFC 3779 / RFC 8360) ------------------------------------------------------------------------------------
function ipFromDer(value: Uint8Array): CborValue {
  const out: CborValue[] = [];
  for (const fam of children(derOne(value, T.SEQUENCE, "IPAddrBlocks"), T.SEQUENCE, "IPAddrBlocks")) {
    const [af, choice, ...rest] = children(fam, T.SEQUENCE, "IPAddressFamily");
    if (rest.length) throw new C509Error("malformed IPAddressFamily");
    const afb = expect(af, T.OCTET_STRING, "addressFamily").value;
    if (afb.length < 2 || afb.length > 3) throw new C509Error("addressFamily of 2 or 3 bytes expected");
    out.push((afb[0] << 8) | afb[1], afb.length === 3 ? afb[2] : null);
    if (choice?.tag === T.NULL) { if (choice.value.length) throw new C509Error("bad NULL"); out.push(null); continue; }
    const items = children(choice, T.SEQUENCE, "addressesOrRanges");
    const bits = (t: Tlv) => new Uint8Array(expect(t, T.BIT_STRING, "IPAddress").value);
    const addrs: (Uint8Array | [Uint8Array, Uint8Array])[] = items.map((it) => {
      if (it.tag === T.BIT_STRING) return bits(it);
      const [lo, hi, ...r] = children(it, T.SEQUENCE, "IPAddressRange");
      if (r.length) throw new C509Error("malformed IPAddressRange");
      return [bits(lo), bits(hi)];
    });
    const flat = addrs.flatMap((a) => (Array.isArray(a) ? a : [a]));
    if (flat.some((b) => b.length > 8)) { out.push(addrs.map((a) => (Array.isArray(a) ? [a[0], a[1]] : a))); continue; }
    let prev = 0n, first = true;
    const asInt_ = (b: Uint8Array) => BigInt("0x" + Buffer.from([b[0] + 1, ...b.subarray(1)]).toString("hex"));
    const diff = (b: Uint8Array) => { const x = asInt_(b); const d = first ? x : x - prev; prev = x; first = false; return cborInt(d); };
    out.push(addrs.map((a) => (Array.isArray(a) ? [diff(a[0]), diff(a[1])] : diff(a))));
  }
  return out;
}
function ipToDer(v: CborValue, path: string): Uint8Array {
  const a = asArray(v, path, 3);
  if (a.length % 3) throw new C509Error("expected (AFI, SAFI, addresses) triples", path);
  const fams: Uint8Array[] = [];
  for (let i = 0; i < a.length; i += 3) {
    const afi = asUint(a[i], `${path}[${i}]`);
    if (afi > 0xffff) throw new C509Error("AFI out of range", `${path}[${i}]`);
    const safi = a[i + 1] === null ? null : asUint(a[i + 1], `${path}[${i + 1}]`);
    if (safi !== null && safi > 0xff) throw new C509Error("SAFI out of range", `${path}[${i + 1}]`);
    const af = octets(Uint8Array.from(safi === null ? [afi >> 8, afi & 0xff] : [afi >> 8, afi & 0xff, safi]));
    const choice = a[i + 2];
    if (choice === null) { fams.push(seq(af, Uint8Array.of(0x05, 0x00))); continue; }
    const list = asArray(choice, `${path}[${i + 2}]`, 1);
    const bitsDer = (b: Uint8Array, p: string) => {
      if (b.length < 1 || b[0] > 7 || (b.length === 1 && b[0] !== 0)) throw new C509Error("bad IP address bit string", p);
      return tlv(T.BIT_STRING, b);
    };
    let prev = 0n, first = true;
    const fromInt = (x: CborValue, p: string): Uint8Array => {
      const d = big(x, p);
      const val = first ? d : prev + d;
      first = false; prev = val;
      if (val <= 0n) throw new C509Error("IP address integer must be positive", p);
      const h = val.toString(16);
      const b = new Uint8Array(Buffer.from(h.length % 2 ? "0" + h : h, "hex"));
      if (b[0] === 0 || b[0] > 8) throw new C509Error("bad unused-bits byte in an IP address integer", p);
      b[0] -= 1;
      return bitsDer(b, p);
    };
    const anyInt = list.some((x) => isInt(x) || (Array.isArray(x) && x.some(isInt)));
    const one = (x: CborValue, p: string) => (anyInt ? fromInt(x, p) : bitsDer(asBytes(x, p), p));
    fams.push(seq(af, seq(...list.map((x, k) => {
      const p = `${path}[${i + 2}][${k}]`;
      if (Array.isArray(x)) { const [lo, hi] = asArray(x, p, 2, 2); return seq(one(lo, `${p}[0]`), one(hi, `${p}[1]`)); }
      return one(x, p);
    }))));
  }
  return seq(...fams);
}

// ---- Per-extension value codecs: DER extnValue <-> C509 value -------------------------------------------------------------
type Codec = { enc: (der: Uint8Array) => CborValue; dec: (v: CborValue, path: string) => Uint8Array };

const CODECS: Record<number, Codec> = {
  [EXT.SKI]: { enc: (d) => new Uint8Array(derOne(d, T.OCTET_STRING, "SKI").value), dec: (v, p) => octets(asBytes(v, p)) },
  [EXT.KEY_USAGE]: { enc: (d) => bitsToUint(derOne(d, T.BIT_STRING, "keyUsage"), "keyUsage"), dec: (v, p) => uintToBits(asUint(v, p)) },
  [EXT.SAN]: { enc: (d) => altNameEnc(d), dec: (v, p) => altNameDec(v, p) },
  [EXT.IAN]: { enc: (d) => altNameEnc(d), dec: (v, p) => altNameDec(v, p) },
  [EXT.BASIC_CONSTRAINTS]: {
    enc: (d) => {
      const f = children(derOne(d, T.SEQUENCE, "basicConstraints"), T.SEQUENCE, "basicConstraints");
      if (f.length === 0) return -2;
      const ca = expect(f[0], T.BOOLEAN, "cA");
      if (ca.value.length !== 1 || ca.value[0] !== 0xff || f.length > 2) throw new C509Error("not DER basicConstraints");
      return f.length === 1 ? -1 : intValue(expect(f[1], T.INTEGER, "pathLenConstraint").value, "pathLenConstraint");
    },
    dec: (v, p) => {
      const n = asInt(v, p);
      if (n === -2) return seq();
      const ca = tlv(T.BOOLEAN, Uint8Array.of(0xff));
      if (n === -1) return seq(ca);
      if (n < 0) throw new C509Error("basicConstraints value must be -2, -1 or a pathLenConstraint", p);
      return seq(ca, derUint(uintBytes(n)));
    },
  },
  [EXT.CRL_DP]: { enc: (d) => crlDpEnc(d), dec: (v, p) => crlDpDec(v, p) },
  [EXT.FRESHEST_CRL]: { enc: (d) => crlDpEnc(d), dec: (v, p) => crlDpDec(v, p) },
  [EXT.CERT_POLICIES]: {
    enc: (d) => children(derOne(d, T.SEQUENCE, "certificatePolicies"), T.SEQUENCE, "certificatePolicies").flatMap((pi) => {
      const [id, quals, ...r] = children(pi, T.SEQUENCE, "PolicyInformation");
      if (r.length) throw new C509Error("malformed PolicyInformation");
      const q: CborValue[] = [];
      if (quals) {
        const list = children(quals, T.SEQUENCE, "policyQualifiers");
        if (!list.length) throw new C509Error("empty policyQualifiers");
        for (const pq of list) {
          const [qid, qual, ...r2] = children(pq, T.SEQUENCE, "PolicyQualifierInfo");
          if (r2.length || !qual) throw new C509Error("malformed PolicyQualifierInfo");
          const qcode = regOid(POLICY_QUALIFIERS, expect(qid, T.OID, "policyQualifierId").value);
          let text: string;
          if (qual.tag === T.IA5) text = latin(qual.value);
          else {
            const un = children(qual, T.SEQUENCE, "UserNotice");
            if (un.length !== 1 || un[0].tag !== T.UTF8) throw new C509Error("UserNotice other than one UTF8String explicitText");
            text = new TextDecoder("utf-8", { fatal: true }).decode(un[0].value);
          }
          q.push(qcode, text);
        }
      }
      return [regOid(CERT_POLICIES, expect(id, T.OID, "policyIdentifier").value), q];
    }),
    dec: (v, p) => {
      const a = asPairs(v, p, 1);
      const out: Uint8Array[] = [];
      for (let i = 0; i < a.length; i += 2) {
        const q = asPairs(a[i + 1], `${p}[${i + 1}]`);
        const quals: Uint8Array[] = [];
        for (let k = 0; k < q.length; k += 2) {
          const qp = `${p}[${i + 1}][${k}]`;
          const qid = regOidToDer(POLICY_QUALIFIERS, q[k], qp);
          const text = asText(q[k + 1], `${p}[${i + 1}][${k + 1}]`);
          // id-qt-cps carries an IA5String URI; any other qualifier a UserNotice with a UTF8String explicitText.
          const isCps = bytesEqual(qid, tlv(T.OID, oidBytes(POLICY_QUALIFIERS[0][1])));
          quals.push(seq(qid, isCps ? ia5(T.IA5, text) : seq(tlv(T.UTF8, utf8(text)))));
        }
        out.push(seq(regOidToDer(CERT_POLICIES, a[i], `${p}[${i}]`), ...(quals.length ? [seq(...quals)] : [])));
      }
      return seq(...out);
    },
  },
  [EXT.AKI]: {
    enc: (d) => {
      const f = children(derOne(d, T.SEQUENCE, "AKI"), T.SEQUENCE, "AKI");
      if (f.length === 1 && f[0].tag === 0x80) return new Uint8Array(f[0].value);
      if (f.length === 3 && f[0].tag === 0x80 && f[1].tag === 0xa1 && f[2].tag === 0x82) {
        return [new Uint8Array(f[0].value), gnsFromDer(f[1].value), intMagnitude(f[2].value, "authorityCertSerialNumber")];
      }
      throw new C509Error("authorityKeyIdentifier shape has no C509 form");
    },
    dec: (v, p) => {
      if (isBytes(v)) return seq(tlv(0x80, v));
      const [kid, gns, serial] = asArray(v, p, 3, 3);
      return seq(tlv(0x80, asBytes(kid, `${p}[0]`)), gnsToDer(gns, `${p}[1]`, 0xa1), tlv(0x82, derUintContent(asBytes(serial, `${p}[2]`))));
    },
  },
  [EXT.EKU]: {
    enc: (d) => {
      const l = children(derOne(d, T.SEQUENCE, "extKeyUsage"), T.SEQUENCE, "extKeyUsage").map((o) => regOid(EKU, expect(o, T.OID, "KeyPurposeId").value));
      if (!l.length) throw new C509Error("empty extKeyUsage");
      return l.length === 1 ? l[0] : l;
    },
    dec: (v, p) => {
      if (Array.isArray(v)) { const a = asArray(v, p, 2); return seq(...a.map((x, i) => regOidToDer(EKU, x, `${p}[${i}]`))); }
      return seq(regOidToDer(EKU, v, p));
    },
  },
  [EXT.AIA]: { enc: (d) => infoAccessEnc(d), dec: (v, p) => infoAccessDec(v, p) },
  [EXT.SIA]: { enc: (d) => infoAccessEnc(d), dec: (v, p) => infoAccessDec(v, p) },
  [EXT.POLICY_MAPPINGS]: {
    enc: (d) => children(derOne(d, T.SEQUENCE, "policyMappings"), T.SEQUENCE, "policyMappings").flatMap((m) => {
      const [a, b, ...r] = children(m, T.SEQUENCE, "policyMapping");
      if (r.length) throw new C509Error("malformed policy mapping");
      return [regOid(CERT_POLICIES, expect(a, T.OID, "issuerDomainPolicy").value), regOid(CERT_POLICIES, expect(b, T.OID, "subjectDomainPolicy").value)];
    }),
    dec: (v, p) => {
      const a = asPairs(v, p, 1);
      const out: Uint8Array[] = [];
      for (let i = 0; i < a.length; i += 2) out.push(seq(regOidToDer(CERT_POLICIES, a[i], `${p}[${i}]`), regOidToDer(CERT_POLICIES, a[i + 1], `${p}[${i + 1}]`)));
      return seq(...out);
    },
  },
  [EXT.POLICY_CONSTRAINTS]: {
    enc: (d) => {
      const f = children(derOne(d, T.SEQUENCE, "policyConstraints"), T.SEQUENCE, "policyConstraints");
      const get = (tag: number) => { const t = f.find((x) => x.tag === tag); return t ? intValue(t.value, "SkipCerts") : null; };
      if (f.some((x) => x.tag !== 0x80 && x.tag !== 0x81)) throw new C509Error("malformed policyConstraints");
      return [get(0x80), get(0x81)];
    },
    dec: (v, p) => {
      const [a, b] = asArray(v, p, 2, 2);
      const part = (x: CborValue, tag: number, q: string) => (x === null ? [] : [tlv(tag, derUintContent(uintBytes(asUint(x, q))))]);
      return seq(...part(a, 0x80, `${p}[0]`), ...part(b, 0x81, `${p}[1]`));
    },
  },
  [EXT.INHIBIT_ANY_POLICY]: {
    enc: (d) => intValue(derOne(d, T.INTEGER, "inhibitAnyPolicy").value, "inhibitAnyPolicy"),
    dec: (v, p) => derUint(uintBytes(asUint(v, p))),
  },
  [EXT.IP_ADDR_BLOCKS]: { enc: ipFromDer, dec: ipToDer },
  [EXT.IP_ADDR_BLOCKS_V2]: { enc: ipFromDer, dec: ipToDer },
  [EXT.OCSP_NO_CHECK]: { enc: (d) => nullValue(d), dec: (v, p) => nullDer(v, p) },
  [EXT.PRECERT_SIGNING]: { enc: (d) => nullValue(d), dec: (v, p) => nullDer(v, p) },
  [EXT.TLS_FEATURES]: {
    enc: (d) => children(derOne(d, T.SEQUENCE, "TLSFeatures"), T.SEQUENCE, "TLSFeatures").map((x) => intValue(expect(x, T.INTEGER, "feature").value, "feature")),
    dec: (v, p) => seq(...asArray(v, p).map((x, i) => derUint(uintBytes(asUint(x, `${p}[${i}]`))))),
  },
};

function nullValue(d: Uint8Array): CborValue {
  if (!bytesEqual(d, Uint8Array.of(0x05, 0x00))) throw new C509Error("extension value is not NULL");
  return null;
}
function nullDer(v: CborValue, p: string): Uint8Array {
  if (v !== null) throw new C509Error("expected null", p);
  return Uint8Array.of(0x05, 0x00);
}
function uintBytes(n: number): Uint8Array {
  const h = n.toString(16);
  return new Uint8Array(Buffer.from(h.length % 2 ? "0" + h : h, "hex"));
}
function derUintContent(b: Uint8Array): Uint8Array { return derItems(derUint(b))[0].value; }

function altNameEnc(d: Uint8Array): CborValue {
  const gns = children(derOne(d, T.SEQUENCE, "GeneralNames"), T.SEQUENCE, "GeneralNames");
  if (!gns.length) throw new C509Error("empty GeneralNames");
  if (gns.length === 1 && gns[0].tag === 0x82) return latin(gns[0].value);
  return gns.flatMap(gnFromDer);
}
function altNameDec(v: CborValue, p: string): Uint8Array {
  if (typeof v === "string") return seq(ia5(0x82, v));
  return gnsToDer(v, p);
}

function crlDpEnc(d: Uint8Array): CborValue {
  const dps = children(derOne(d, T.SEQUENCE, "CRLDistributionPoints"), T.SEQUENCE, "CRLDistributionPoints").map((dp) => {
    const f = children(dp, T.SEQUENCE, "DistributionPoint");
    const name = f.find((x) => x.tag === 0xa0), reasons = f.find((x) => x.tag === 0x81), issuer = f.find((x) => x.tag === 0xa2);
    if (!name || f.length !== [name, reasons, issuer].filter(Boolean).length) throw new C509Error("DistributionPoint shape has no C509 form");
    const full = derOne(name.value, 0xa0, "fullName");
    const uris = derItems(full.value).map((g) => { if (g.tag !== 0x86) throw new C509Error("fullName other than URIs"); return latin(g.value); });
    if (!uris.length) throw new C509Error("empty fullName");
    let iss: CborValue = null;
    if (issuer) {
      const g = derItems(issuer.value);
      if (g.length !== 1 || g[0].tag !== 0xa4) throw new C509Error("cRLIssuer other than one directoryName");
      iss = nameFromDer(derOne(g[0].value, T.SEQUENCE, "cRLIssuer").der);
    }
    return [uris.length === 1 ? uris[0] : uris, reasons ? bitsToUint({ ...reasons, tag: T.BIT_STRING }, "reasons") : null, iss] as CborValue[];
  });
  if (dps.length === 1 && dps[0][1] === null && dps[0][2] === null && typeof dps[0][0] === "string") return dps[0][0];
  return dps;
}
function crlDpDec(v: CborValue, p: string): Uint8Array {
  const list = typeof v === "string" ? [[v, null, null] as CborValue[]] : asArray(v, p, 1).map((x, i) => asArray(x, `${p}[${i}]`, 3, 3));
  return seq(...list.map(([full, reasons, issuer], i) => {
    const q = `${p}[${i}]`;
    const uris = typeof full === "string" ? [full] : asArray(full, `${q}[0]`, 2).map((u, k) => asText(u, `${q}[0][${k}]`));
    const parts = [tlv(0xa0, tlv(0xa0, ...uris.map((u) => ia5(0x86, u))))];
    if (reasons !== null) parts.push(uintToBits(asUint(reasons, `${q}[1]`), 0x81));
    if (issuer !== null) parts.push(tlv(0xa2, tlv(0xa4, nameToDer(issuer, `${q}[2]`))));
    return seq(...parts);
  }));
}

function infoAccessEnc(d: Uint8Array): CborValue {
  const l = children(derOne(d, T.SEQUENCE, "InfoAccess"), T.SEQUENCE, "InfoAccess");
  if (!l.length) throw new C509Error("empty info access");
  return l.flatMap((ad) => {
    const [m, loc, ...r] = children(ad, T.SEQUENCE, "AccessDescription");
    if (r.length || loc?.tag !== 0x86) throw new C509Error("accessLocation other than a URI");
    return [regOid(INFO_ACCESS, expect(m, T.OID, "accessMethod").value), latin(loc.value)];
  });
}
function infoAccessDec(v: CborValue, p: string): Uint8Array {
  const a = asPairs(v, p, 1);
  const out: Uint8Array[] = [];
  for (let i = 0; i < a.length; i += 2) out.push(seq(regOidToDer(INFO_ACCESS, a[i], `${p}[${i}]`), ia5(0x86, asText(a[i + 1], `${p}[${i + 1}]`))));
  return seq(...out);
}

// ---- The extensions field ------------------------------------------------------------------------------------------------

/** X.509 extensions -> the C509 extensions field. `native`: refuse extensions that need the generic form
 *  although a specific encoding is registered (draft §3.7: native C509 uses specific encodings only). */
export function extensionsFromX509(exts: X509Extension[], native = false): CborValue {
  const out: CborValue[] = [];
  for (const e of exts) {
    const code = byOid(EXT_OIDS, e.oid);
    const codec = code !== undefined ? CODECS[code] : undefined;
    let value: CborValue | undefined;
    if (codec) {
      try {
        value = codec.enc(e.value);
        if (!bytesEqual(codec.dec(value, "check"), e.value)) value = undefined; // not exactly representable
      } catch { value = undefined; }
    }
    if (value !== undefined) { out.push(e.critical ? -code! : code!, value); continue; }
    if (native && code !== undefined) throw new C509Error(`extension ${e.oid} has no specific C509 encoding for this value (a natively signed C509 must use one)`);
    out.push(new Uint8Array(oidBytes(e.oid)), e.critical ? [new Uint8Array(e.value)] : new Uint8Array(e.value));
  }
  // A lone keyUsage is the single int (a critical keyUsage of value 0 cannot carry its sign that way).
  if (out.length === 2 && Math.abs(out[0] as number) === EXT.KEY_USAGE && !(out[0] === -EXT.KEY_USAGE && out[1] === 0)) {
    return out[0] === EXT.KEY_USAGE ? out[1] : -(out[1] as number);
  }
  return out;
}

/** The C509 extensions field -> X.509 extensions (with their DER values). Throws C509Error on anything
 *  malformed or not convertible. */
export function extensionsToX509(v: CborValue, path = "extensions"): X509Extension[] {
  if (isInt(v)) {
    const n = asInt(v, path);
    return [{ oid: "2.5.29.15", critical: n < 0, value: uintToBits(Math.abs(n)) }];
  }
  const a = asPairs(v, path);
  if (a.length === 2 && Math.abs(a[0] as number) === EXT.KEY_USAGE && !(a[0] === -EXT.KEY_USAGE && a[1] === 0)) {
    throw new C509Error("a lone keyUsage must use the single-int form", path);
  }
  const out: X509Extension[] = [];
  for (let i = 0; i < a.length; i += 2) {
    const id = a[i], val = a[i + 1], p = `${path}[${i + 1}]`;
    if (isBytes(id)) {
      const oidStr = oidText(id, `${path}[${i}]`);
      if (Array.isArray(val)) out.push({ oid: oidStr, critical: true, value: asBytes(asArray(val, p, 1, 1)[0], `${p}[0]`) });
      else out.push({ oid: oidStr, critical: false, value: asBytes(val, p) });
      derOne(out[out.length - 1].value, out[out.length - 1].value[0] ?? 0, p);
      continue;
    }
    const n = asInt(id, `${path}[${i}]`);
    const code = Math.abs(n);
    if (code === 0) throw new C509Error("extensionID 0 is not defined", `${path}[${i}]`);
    const oidStr = byValue(EXT_OIDS, code);
    if (!oidStr) throw new C509Error(`unknown extension ${code}`, `${path}[${i}]`);
    const codec = CODECS[code];
    if (!codec) throw new C509Error(`extension ${code} (${oidStr}) in its specific encoding is not supported here`, `${path}[${i}]`);
    out.push({ oid: oidStr, critical: n < 0, value: codec.dec(val, p) });
  }
  const seen = new Set<string>();
  for (const e of out) { if (seen.has(e.oid)) throw new C509Error(`extension ${e.oid} appears twice`, path); seen.add(e.oid); }
  return out;
}

/** DER of the extensions list: SEQUENCE OF Extension (critical FALSE omitted, as DER requires). */
export function extensionsDer(exts: X509Extension[]): Uint8Array {
  return seq(...exts.map((e) => seq(tlv(T.OID, oidBytes(e.oid)), ...(e.critical ? [tlv(T.BOOLEAN, Uint8Array.of(0xff))] : []), octets(e.value))));
}

/** Parse a DER SEQUENCE OF Extension. */
export function extensionsFromDer(seqDer: Uint8Array, what = "extensions"): X509Extension[] {
  return children(derOne(seqDer, T.SEQUENCE, what), T.SEQUENCE, what).map((e) => {
    const f = children(e, T.SEQUENCE, "Extension");
    const id = expect(f[0], T.OID, "extnID");
    let k = 1, critical = false;
    if (f[k]?.tag === T.BOOLEAN) {
      if (f[k].value.length !== 1 || f[k].value[0] !== 0xff) throw new C509Error("critical must be TRUE when present (DER)", what);
      critical = true; k++;
    }
    const val = expect(f[k], T.OCTET_STRING, "extnValue");
    if (f.length !== k + 1) throw new C509Error("trailing fields in an Extension", what);
    return { oid: oidText(id.value), critical, value: new Uint8Array(val.value) };
  });
}

/** The key usage bits (2^i for bit i of RFC 5280 §4.2.1.3), or undefined when the extension is absent. */
export function keyUsageOf(exts: X509Extension[]): number | undefined {
  const e = exts.find((x) => x.oid === "2.5.29.15");
  return e ? bitsToUint(derOne(e.value, T.BIT_STRING, "keyUsage"), "keyUsage") : undefined;
}
/** basicConstraints: { ca, pathLen } or undefined. */
export function basicConstraintsOf(exts: X509Extension[]): { ca: boolean; pathLen?: number } | undefined {
  const e = exts.find((x) => x.oid === "2.5.29.19");
  if (!e) return undefined;
  const v = CODECS[EXT.BASIC_CONSTRAINTS].enc(e.value) as number;
  return v === -2 ? { ca: false } : v === -1 ? { ca: true } : { ca: true, pathLen: v };
}
/** dNSName entries of subjectAltName. */
export function dnsNamesOf(exts: X509Extension[]): string[] {
  const e = exts.find((x) => x.oid === "2.5.29.17");
  if (!e) return [];
  return children(derOne(e.value, T.SEQUENCE, "SAN"), T.SEQUENCE, "SAN").filter((g) => g.tag === 0x82).map((g) => latin(g.value));
}
