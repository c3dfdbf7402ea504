// Algorithms, public keys and signature values of the C509 library (draft §3.1.3, §3.1.7, §3.2):
//
//   AlgorithmIdentifier = int / ~oid / [ algorithm: ~oid, parameters: bytes ]
//   subjectPublicKey: RSA [modulus, exponent] (modulus alone for 65537); EC points optionally compressed,
//     02/03 in natively signed certificates, fe/fd standing for an uncompressed point of a DER certificate;
//     other keys the BIT STRING's bytes.
//   signature values: ECDSA r || s at the curve's width; DhSigStatic for the DH proof of possession;
//     otherwise the BIT STRING's bytes.
//
// Signing and verification use node:crypto. Deliberately not here: RSA key or signature size checks,
// private-key formats.

import { createPublicKey, ECDH, verify as nodeVerify, type KeyObject } from "node:crypto";
import { C509Error, asArray, asBytes, asInt, bytesEqual, concat, isBytes, isInt, type CborValue } from "./cbor.js";
import { T, children, derOne, derUint, expect, intMagnitude, oidText, seq, tlv, bitString, octets } from "./der.js";
import { nameFromDer, nameToDer } from "./name.js";
import {
  DH_POP_SIG_VALUES, ECDSA_SIG_VALUES, pkAlgByDer, pkAlgByValue, sigAlgByDer, sigAlgByValue, type AlgEntry,
} from "./registry.js";

// ---- AlgorithmIdentifier ----------------------------------------------------------------------------------------------
/** DER AlgorithmIdentifier -> C509 (registered int where the complete DER matches an entry). */
export function algFromDer(der: Uint8Array, registry: "sig" | "pk"): CborValue {
  const e = registry === "sig" ? sigAlgByDer(der) : pkAlgByDer(der);
  if (e) return e.value;
  const [o, params, ...rest] = children(derOne(der, T.SEQUENCE, "AlgorithmIdentifier"), T.SEQUENCE, "AlgorithmIdentifier");
  if (rest.length) throw new C509Error("AlgorithmIdentifier with trailing fields");
  const oid = new Uint8Array(expect(o, T.OID, "algorithm").value);
  return params ? [oid, new Uint8Array(params.der)] : oid;
}

/** C509 AlgorithmIdentifier -> DER. */
export function algToDer(v: CborValue, registry: "sig" | "pk", path: string): Uint8Array {
  if (isInt(v)) {
    const e = registry === "sig" ? sigAlgByValue(asInt(v, path)) : pkAlgByValue(asInt(v, path));
    if (!e) throw new C509Error(`unknown ${registry === "sig" ? "signature" : "public key"} algorithm ${v}`, path);
    return e.der;
  }
  if (isBytes(v)) { oidText(v, path); return seq(tlv(T.OID, v)); }
  const [o, params] = asArray(v, path, 2, 2);
  oidText(asBytes(o, `${path}[0]`), `${path}[0]`);
  const p = asBytes(params, `${path}[1]`);
  if (p.length === 0) throw new C509Error("empty parameters", `${path}[1]`);
  derOne(p, p[0], `${path}[1]`);
  return seq(tlv(T.OID, o as Uint8Array), p);
}

/** The registry entry an AlgorithmIdentifier resolves to (an int, or an OID form whose DER matches one). */
export function algEntry(v: CborValue, registry: "sig" | "pk", path: string): AlgEntry | undefined {
  const der = algToDer(v, registry, path);
  return registry === "sig" ? sigAlgByDer(der) : pkAlgByDer(der);
}

// ---- Public keys -------------------------------------------------------------------------------------------------------
export interface KeyOptions { native: boolean; compress: boolean }

/** DER SubjectPublicKeyInfo -> [algorithm, subjectPublicKey] in C509. */
export function publicKeyFromSpki(spki: Uint8Array, o: KeyOptions): [CborValue, CborValue] {
  const [alg, bits, ...rest] = children(derOne(spki, T.SEQUENCE, "SubjectPublicKeyInfo"), T.SEQUENCE, "SubjectPublicKeyInfo");
  if (rest.length) throw new C509Error("SubjectPublicKeyInfo with trailing fields");
  const a = algFromDer(expect(alg, T.SEQUENCE, "algorithm").der, "pk");
  const b = expect(bits, T.BIT_STRING, "subjectPublicKey").value;
  if (b.length < 1 || b[0] !== 0) throw new C509Error("subjectPublicKey with unused bits has no C509 form");
  const key = new Uint8Array(b.subarray(1));
  const e = isInt(a) ? pkAlgByValue(a as number) : undefined;
  if (e?.value === 0) {
    const [n, ex, ...r] = children(derOne(key, T.SEQUENCE, "RSAPublicKey"), T.SEQUENCE, "RSAPublicKey");
    if (r.length) throw new C509Error("RSAPublicKey with trailing fields");
    const mod = intMagnitude(expect(n, T.INTEGER, "modulus").value, "modulus"), exp = intMagnitude(expect(ex, T.INTEGER, "publicExponent").value, "publicExponent");
    return [a, bytesEqual(exp, Uint8Array.of(1, 0, 1)) ? mod : [mod, exp]];
  }
  if (e?.coord && o.compress && key.length === 1 + 2 * e.coord && key[0] === 4) {
    const odd = key[key.length - 1] & 1;
    const c = concat(Uint8Array.of(o.native ? 2 + odd : odd ? 0xfd : 0xfe), key.subarray(1, 1 + e.coord));
    return [a, c];
  }
  return [a, key];
}

/** [algorithm, subjectPublicKey] in C509 -> DER SubjectPublicKeyInfo (fe/fd points expanded). */
export function publicKeyToSpki(alg: CborValue, key: CborValue, path: string): Uint8Array {
  const algDer = algToDer(alg, "pk", `${path}.algorithm`);
  const e = pkAlgByDer(algDer);
  let bits: Uint8Array;
  if (e?.value === 0) {
    const [mod, exp] = Array.isArray(key) ? asArray(key, path, 2, 2) : [key, Uint8Array.of(1, 0, 1)];
    const m = biguint(mod, `${path}.modulus`), x = biguint(exp, `${path}.exponent`);
    bits = seq(derUint(m), derUint(x));
  } else {
    bits = asBytes(key, path);
    if (e?.coord && bits.length === 1 + e.coord && (bits[0] === 0xfe || bits[0] === 0xfd)) {
      bits = decompress(e.nodeCurve, e.coord, bits, path);
    } else if (e?.coord) {
      const ok = (bits.length === 1 + e.coord && (bits[0] === 2 || bits[0] === 3)) || (bits.length === 1 + 2 * e.coord && bits[0] === 4);
      if (!ok) throw new C509Error(`not a ${e.name} point`, path);
    }
  }
  return seq(algDer, bitString(bits));
}

function biguint(v: CborValue, path: string): Uint8Array {
  const b = asBytes(v, path);
  if (b.length === 0 || b[0] === 0) throw new C509Error("unsigned bignum with a leading zero byte (or empty)", path);
  return b;
}

function decompress(curve: string | undefined, coord: number, b: Uint8Array, path: string): Uint8Array {
  if (!curve) throw new C509Error("point decompression not available for this curve", path);
  const c = concat(Uint8Array.of(b[0] === 0xfd ? 3 : 2), b.subarray(1));
  try {
    const u = new Uint8Array(ECDH.convertKey(Buffer.from(c), curve, undefined, undefined, "uncompressed") as Buffer);
    if (u.length !== 1 + 2 * coord) throw new Error("length");
    return u;
  } catch { throw new C509Error("compressed point is not on the curve", path); }
}

/** A node:crypto public key from the C509 algorithm and key. */
export function publicKeyObject(alg: CborValue, key: CborValue, path = "subjectPublicKey"): KeyObject {
  const spki = publicKeyToSpki(alg, key, path);
  try { return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }); } catch (e) {
    throw new C509Error(`public key not usable: ${(e as Error).message}`, path);
  }
}

// ---- Signature values ----------------------------------------------------------------------------------------------------
/** ECDSA component width: the curve order's bytes, rounded up from the components as BouncyCastle does. */
export function ecdsaWidth(maxComponent: number): number {
  return maxComponent <= 32 ? 32 : maxComponent <= 48 ? 48 : maxComponent <= 64 ? 64 : Math.max(maxComponent, 66);
}

/** X.509 signature BIT STRING content (after the unused-bits byte) -> C509 signature value. */
export function signatureFromDer(alg: AlgEntry | undefined, sig: Uint8Array, width?: number): CborValue {
  if (alg && ECDSA_SIG_VALUES.has(alg.value)) {
    const [r, s, ...rest] = children(derOne(sig, T.SEQUENCE, "ECDSA-Sig-Value"), T.SEQUENCE, "ECDSA-Sig-Value");
    if (rest.length) throw new C509Error("ECDSA-Sig-Value with trailing fields");
    const rb = intMagnitude(expect(r, T.INTEGER, "r").value, "r"), sb = intMagnitude(expect(s, T.INTEGER, "s").value, "s");
    if (!rb.length || !sb.length) throw new C509Error("ECDSA component 0");
    const w = width ?? ecdsaWidth(Math.max(rb.length, sb.length));
    if (rb.length > w || sb.length > w) throw new C509Error("ECDSA component longer than the width");
    const out = new Uint8Array(2 * w);
    out.set(rb, w - rb.length); out.set(sb, 2 * w - sb.length);
    return out;
  }
  if (alg && DH_POP_SIG_VALUES.has(alg.value)) {
    // DhSigStatic ::= SEQUENCE { issuerAndSerial IssuerAndSerialNumber OPTIONAL, hashValue MessageDigest }
    const f = children(derOne(sig, T.SEQUENCE, "DhSigStatic"), T.SEQUENCE, "DhSigStatic");
    if (f.length === 1) return new Uint8Array(expect(f[0], T.OCTET_STRING, "hashValue").value);
    if (f.length !== 2) throw new C509Error("malformed DhSigStatic");
    const [name, serial, ...r] = children(f[0], T.SEQUENCE, "issuerAndSerial");
    if (r.length) throw new C509Error("malformed IssuerAndSerialNumber");
    return [nameFromDer(expect(name, T.SEQUENCE, "issuer").der), intMagnitude(expect(serial, T.INTEGER, "serialNumber").value, "serialNumber"), new Uint8Array(expect(f[1], T.OCTET_STRING, "hashValue").value)];
  }
  return new Uint8Array(sig);
}

/** C509 signature value -> X.509 signature BIT STRING content. */
export function signatureToDer(alg: AlgEntry | undefined, v: CborValue, path = "signatureValue"): Uint8Array {
  if (alg && ECDSA_SIG_VALUES.has(alg.value)) {
    const b = asBytes(v, path);
    if (b.length === 0 || b.length % 2) throw new C509Error("ECDSA signature value must be r || s of equal lengths", path);
    const w = b.length / 2, r = b.subarray(0, w), s = b.subarray(w);
    if (r.every((x) => x === 0) || s.every((x) => x === 0)) throw new C509Error("ECDSA component 0", path);
    return seq(derUint(r), derUint(s));
  }
  if (alg && DH_POP_SIG_VALUES.has(alg.value)) {
    if (isBytes(v)) return seq(octets(v));
    const [name, serial, mac] = asArray(v, path, 3, 3);
    return seq(seq(nameToDer(name, `${path}[0]`), derUint(biguint(serial, `${path}[1]`))), octets(asBytes(mac, `${path}[2]`)));
  }
  return asBytes(v, path);
}

/** Verify `sig` (C509 signature value) over `data` with a node key. ECDSA values are r || s. */
export function verifySignature(alg: AlgEntry | undefined, data: Uint8Array, sig: CborValue, key: KeyObject): boolean {
  if (!alg) return false;
  try {
    if (ECDSA_SIG_VALUES.has(alg.value)) {
      const hash = { 0: "sha256", 1: "sha384", 2: "sha512" }[alg.value as 0 | 1 | 2];
      if (!hash) return false;
      return nodeVerify(hash, data, key, Buffer.from(signatureToDer(alg, sig)));
    }
    if (alg.value === 12 || alg.value === 13) return nodeVerify(null, data, key, asBytes(sig, "signatureValue"));
    const rsa = { 23: "sha256", 24: "sha384", 25: "sha512", [-256]: "sha1" }[alg.value];
    if (rsa) return nodeVerify(rsa, data, key, asBytes(sig, "signatureValue"));
  } catch { /* malformed signature */ }
  return false;
}
