// EDHOC Responder (RFC 9528) for the development server: methods 0-3, cipher suites 0 (X25519, EdDSA) and
// 2 (P-256, ES256), both AES-CCM-16-64-128 / SHA-256 / MAC length 8; credentials are CCS identified by kid.
// Key agreement, key generation and signing through node:crypto (OpenSSL: a message_1 costs well under a
// millisecond, which matters since anyone can send one); signature checks from @noble/curves; hashing, HKDF and
// AES-CCM from node:crypto.
//
// One instance per handshake: message1() answers message_2 (or an EDHOC error message), message3() verifies
// message_3 and returns PRK_out and the OSCORE parameters of Appendix A.1. Any failure throws EdhocError and
// leaves the instance unusable; nothing is derived from an unauthenticated message_3.

import { createCipheriv, createDecipheriv, createECDH, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, randomBytes, sign as nodeSign, timingSafeEqual, type KeyObject } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { cBstr, cInt, head } from "./cbor.js";

export class EdhocError extends Error {
  constructor(message: string, readonly errCode = 1) { super(message); }
}

export interface ResponderConfig {
  methods: number[];
  suites: number[];
  /** C_R (bytes; a one-byte value in the CBOR-int ranges goes on the wire as that int), or a function that
   *  chooses it once C_I of message_1 is known (it must differ from C_I, RFC 9528 §3.3). */
  cR: Uint8Array | ((cI: Uint8Array) => Uint8Array);
  /** R's authentication key: static DH (methods 1, 3) or signature key (methods 0, 2): P-256 scalar, X25519
   *  scalar or Ed25519 seed. */
  staticKey: Uint8Array;
  credR: Uint8Array;
  /** ID_CRED_R as a CBOR map, e.g. {4: kid}. */
  idCredR: Uint8Array;
  /** Find the Initiator's credential by its ID_CRED_I (given as the CBOR map). publicKey: the x-coordinate
   *  (P-256 DH), the uncompressed point (P-256 signature) or the 32-byte key (X25519, Ed25519). */
  lookupCredI(idCredI: Uint8Array): { credI: Uint8Array; publicKey: Uint8Array } | null;
  /** The ephemeral private key Y: random unless a test injects one. */
  ephemeral?: Uint8Array;
  /** EAD_2 items to send, already encoded (ead_label, ? ead_value)*; tests use it. */
  ead2?: Uint8Array;
}

export interface Message3Result {
  prkOut: Uint8Array;
  prkExporter: Uint8Array;
  oscoreMasterSecret: Uint8Array;
  oscoreMasterSalt: Uint8Array;
  cI: Uint8Array;
  idCredI: Uint8Array;
  credI: Uint8Array;
}

// ---- CBOR ------------------------------------------------------------------------------------------------------
const bstr = cBstr, cint = cInt;
const isIntByte = (b: Uint8Array) => b.length === 1 && (b[0] <= 0x17 || (b[0] >= 0x20 && b[0] <= 0x37));
/** A connection identifier or kid on the wire (RFC 9528 §3.3.2): a one-byte CBOR int stands for itself. */
const idWire = (b: Uint8Array): number[] => (isIntByte(b) ? [b[0]] : bstr(b));

/** Reads CBOR items of a sequence: only what EDHOC messages hold (ints, byte strings, maps skipped whole). */
class Reader {
  p = 0;
  constructor(readonly b: Uint8Array) {}
  atEnd() { return this.p >= this.b.length; }
  private arg(): [number, number] {
    if (this.p >= this.b.length) throw new EdhocError("truncated CBOR");
    const ib = this.b[this.p++], mt = ib >> 5, ai = ib & 31;
    let v: number;
    if (ai < 24) v = ai;
    else if (ai === 24) { v = this.byte(); if (v < 24) throw new EdhocError("non-canonical CBOR"); }
    else if (ai === 25) { v = this.byte() * 256 + this.byte(); if (v < 256) throw new EdhocError("non-canonical CBOR"); }
    else throw new EdhocError("unsupported CBOR length");
    return [mt, v];
  }
  private byte() { if (this.p >= this.b.length) throw new EdhocError("truncated CBOR"); return this.b[this.p++]; }
  array(): number { const [mt, v] = this.arg(); if (mt !== 4) throw new EdhocError("expected an array"); return v; }
  peekMajor() { if (this.atEnd()) throw new EdhocError("truncated CBOR"); return this.b[this.p] >> 5; }
  int(): number { const [mt, v] = this.arg(); if (mt === 0) return v; if (mt === 1) return -1 - v; throw new EdhocError("expected an integer"); }
  bytes(): Uint8Array { const [mt, v] = this.arg(); if (mt !== 2) throw new EdhocError("expected a byte string"); if (this.p + v > this.b.length) throw new EdhocError("truncated byte string"); const r = this.b.subarray(this.p, this.p + v); this.p += v; return r; }
  /** A connection identifier / compact kid: a one-byte int (as its byte) or a bstr (not int-encodable). */
  id(): Uint8Array {
    const mt = this.peekMajor();
    if (mt === 0 || mt === 1) { const at = this.p; this.int(); if (this.p - at !== 1) throw new EdhocError("identifier int longer than one byte"); return this.b.subarray(at, at + 1); }
    const b = this.bytes();
    if (isIntByte(b)) throw new EdhocError("identifier sent as bstr though it has an int form");
    return b;
  }
  /** Skip one whole item and return its encoding. */
  item(): Uint8Array {
    const at = this.p;
    const [mt, v] = this.arg();
    if (mt === 2 || mt === 3) { if (this.p + v > this.b.length) throw new EdhocError("truncated string"); this.p += v; }
    else if (mt === 4) for (let i = 0; i < v; i++) this.item();
    else if (mt === 5) for (let i = 0; i < 2 * v; i++) this.item();
    else if (mt === 6) this.item();
    return this.b.subarray(at, this.p);
  }
}

// ---- Primitives --------------------------------------------------------------------------------------------------
const sha256 = (...parts: Uint8Array[]) => new Uint8Array(createHash("sha256").update(Buffer.concat(parts)).digest());
const extract = (salt: Uint8Array, ikm: Uint8Array) => new Uint8Array(createHmac("sha256", salt).update(ikm).digest());
function expand(prk: Uint8Array, info: Uint8Array, len: number): Uint8Array {
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; out.reduce((s, b) => s + b.length, 0) < len; i++) {
    t = createHmac("sha256", prk).update(Buffer.concat([t, info, Buffer.of(i)])).digest();
    out.push(t);
  }
  return new Uint8Array(Buffer.concat(out).subarray(0, len));
}
/** EDHOC_KDF (§4.1.2): info = (label, bstr context, length). */
const kdf = (prk: Uint8Array, label: number, ctx: Uint8Array, len: number) => expand(prk, Uint8Array.from([...cint(label), ...bstr(ctx), ...cint(len)]), len);
const enc0 = (th: Uint8Array) => Uint8Array.from([0x83, 0x68, ...Buffer.from("Encrypt0"), 0x40, ...bstr(th)]);
const sigStructure = (idCred: Uint8Array, extAad: Uint8Array, payload: Uint8Array) =>
  Uint8Array.from([0x84, 0x6a, ...Buffer.from("Signature1"), ...bstr(idCred), ...bstr(extAad), ...bstr(payload)]);

const X25519_PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex"), X25519_SPKI = Buffer.from("302a300506032b656e032100", "hex");
const ED25519_PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");
/** Signing keys of the server's static credentials, imported once. */
const signingKeys = new Map<string, KeyObject>();

function ecdh(suite: number, priv: Uint8Array, pub: Uint8Array): Uint8Array {
  try {
    if (suite === 2) { // x of d·P: either y gives the same, so the compressed point 02 || x will do
      const e = createECDH("prime256v1");
      e.setPrivateKey(priv);
      return new Uint8Array(e.computeSecret(Buffer.from([0x02, ...pub])));
    }
    const s = new Uint8Array(diffieHellman({
      privateKey: createPrivateKey({ key: Buffer.concat([X25519_PKCS8, priv]), format: "der", type: "pkcs8" }),
      publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI, pub]), format: "der", type: "spki" }),
    }));
    if (s.every((b) => b === 0)) throw new Error("all-zero X25519 output");
    return s;
  } catch (e) { throw new EdhocError(`invalid public key: ${(e as Error).message}`); }
}
/** A fresh ephemeral private key: a P-256 scalar in [1, n-1] or 32 random bytes for X25519. */
export function ephemeralPrivate(suite: number): Uint8Array {
  if (suite === 2) { const e = createECDH("prime256v1"); e.generateKeys(); return new Uint8Array(e.getPrivateKey()); }
  return new Uint8Array(randomBytes(32));
}
/** G_Y: the x-coordinate (P-256) or the X25519 public key. */
export function ephemeralPublic(suite: number, y: Uint8Array): Uint8Array {
  if (suite === 2) { const e = createECDH("prime256v1"); e.setPrivateKey(y); return new Uint8Array(e.getPublicKey(null, "compressed")).slice(1); }
  const spki = createPublicKey(createPrivateKey({ key: Buffer.concat([X25519_PKCS8, y]), format: "der", type: "pkcs8" })).export({ format: "der", type: "spki" });
  return new Uint8Array(spki.subarray(spki.length - 32));
}
function sign(suite: number, key: Uint8Array, msg: Uint8Array): Uint8Array {
  const id = `${suite}:${Buffer.from(key).toString("hex")}`;
  let k = signingKeys.get(id);
  if (!k) {
    if (suite === 2) {
      const e = createECDH("prime256v1"); e.setPrivateKey(key);
      const pt = e.getPublicKey();
      k = createPrivateKey({ key: { kty: "EC", crv: "P-256", d: Buffer.from(key).toString("base64url"), x: pt.subarray(1, 33).toString("base64url"), y: pt.subarray(33).toString("base64url") }, format: "jwk" });
    } else k = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, key]), format: "der", type: "pkcs8" });
    signingKeys.set(id, k);
  }
  // ES256 is r || s (COSE), which is OpenSSL's IEEE P1363 form.
  return new Uint8Array(suite === 2 ? nodeSign("sha256", msg, { key: k, dsaEncoding: "ieee-p1363" }) : nodeSign(null, msg, k));
}
function verify(suite: number, pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  // COSE ES256 does not require low-S signatures (noble refuses high S unless told otherwise).
  try { return suite === 2 ? p256.verify(sig, msg, pub, { lowS: false }) : ed25519.verify(sig, msg, pub); } catch { return false; }
}
function aead(encrypt: boolean, key: Uint8Array, iv: Uint8Array, aad: Uint8Array, data: Uint8Array): Uint8Array {
  if (encrypt) {
    const c = createCipheriv("aes-128-ccm", key, iv, { authTagLength: 8 });
    c.setAAD(aad, { plaintextLength: data.length });
    return new Uint8Array(Buffer.concat([c.update(data), c.final(), c.getAuthTag()]));
  }
  if (data.length < 8) throw new EdhocError("ciphertext shorter than the tag");
  const d = createDecipheriv("aes-128-ccm", key, iv, { authTagLength: 8 });
  d.setAuthTag(data.subarray(data.length - 8));
  d.setAAD(aad, { plaintextLength: data.length - 8 });
  const pt = d.update(data.subarray(0, data.length - 8));
  try { d.final(); } catch { throw new EdhocError("message_3 does not decrypt"); }
  return new Uint8Array(pt);
}

/** The map {4: kid} of a compact kid. */
const kidMap = (kid: Uint8Array) => Uint8Array.from([0xa1, 0x04, ...bstr(kid)]);
/** The compact form of ID_CRED_R (§3.5.3.2): {4: kid} becomes the kid alone; other maps stay as they are. */
function compactIdCred(m: Uint8Array): number[] {
  if (m.length >= 3 && m[0] === 0xa1 && m[1] === 0x04 && (m[2] >> 5) === 2) { const r = new Reader(m.subarray(2)); const kid = r.bytes(); if (r.atEnd()) return idWire(kid); }
  return [...m];
}

// ---- The Responder ---------------------------------------------------------------------------------------------
export class EdhocResponder {
  private state: "start" | "wait3" | "done" | "failed" = "start";
  private method = 0;
  private suite = 0;
  private y: Uint8Array<ArrayBufferLike>;
  /** G_Y of this handshake (x-coordinate or X25519 key). */
  gY: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  private gX: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  cI = new Uint8Array(0);
  /** C_R chosen for this handshake (after message1). */
  cR: Uint8Array = new Uint8Array(0);
  private th3 = new Uint8Array(0);
  private prk3e2m = new Uint8Array(0);

  constructor(private cfg: ResponderConfig) {
    this.y = cfg.ephemeral ?? new Uint8Array(0);
  }

  /** Process message_1; returns message_2, or an EDHOC error message to send instead (the handshake ends). */
  message1(m1: Uint8Array): { message2: Uint8Array } | { error: Uint8Array } {
    if (this.state !== "start") throw new EdhocError("message_1 out of order");
    this.state = "failed";
    const r = new Reader(m1);
    const method = r.int();
    let suites: number[];
    if (r.peekMajor() === 4) { const n = r.array(); if (n < 2) throw new EdhocError("SUITES_I array with fewer than 2 suites"); suites = Array.from({ length: n }, () => r.int()); }
    else suites = [r.int()];
    const gX = r.bytes();
    const cI = r.id();
    while (!r.atEnd()) { const label = r.int(); if (label < 0) throw new EdhocError("unknown critical EAD item in message_1"); if (!r.atEnd() && r.peekMajor() === 2) r.bytes(); }
    if (!this.cfg.methods.includes(method)) return { error: Uint8Array.from([0x01, ...head(3, 18), ...Buffer.from("method unsupported")]) };
    const selected = suites[suites.length - 1];
    // §5.2.3: the selected suite must be supported, and none that the Initiator prefers to it (listed before
    // it) may be: otherwise an attacker could have downgraded the selection. Either way: error code 2.
    if (!this.cfg.suites.includes(selected) || suites.slice(0, -1).some((x) => this.cfg.suites.includes(x))) {
      // ERR_CODE 2 with SUITES_R (§6.3): our supported suites, most preferred first.
      const s = this.cfg.suites;
      return { error: Uint8Array.from([0x02, ...(s.length === 1 ? cint(s[0]) : [0x80 | s.length, ...s.flatMap(cint)])]) };
    }
    if (gX.length !== 32) throw new EdhocError("G_X is not 32 bytes");
    this.method = method; this.suite = selected; this.gX = gX; this.cI = Uint8Array.from(cI);
    this.cR = typeof this.cfg.cR === "function" ? this.cfg.cR(this.cI) : this.cfg.cR;
    if (this.y.length === 0) this.y = ephemeralPrivate(selected);
    this.gY = ephemeralPublic(selected, this.y);
    const th2 = sha256(Uint8Array.from([...bstr(this.gY), ...bstr(sha256(m1))]));
    const prk2e = extract(th2, ecdh(selected, this.y, gX));
    const rDh = method === 1 || method === 3;
    this.prk3e2m = rDh ? extract(kdf(prk2e, 1, th2, 32), ecdh(selected, this.cfg.staticKey, gX)) : prk2e;
    const cR = idWire(this.cR);
    const ead2 = this.cfg.ead2 ?? new Uint8Array(0);
    const ctx2 = Uint8Array.from([...cR, ...this.cfg.idCredR, ...bstr(th2), ...this.cfg.credR, ...ead2]);
    const mac2 = kdf(this.prk3e2m, 2, ctx2, rDh ? 8 : 32);
    const sm2 = rDh ? mac2 : sign(selected, this.cfg.staticKey, sigStructure(this.cfg.idCredR, Uint8Array.from([...bstr(th2), ...this.cfg.credR, ...ead2]), mac2));
    const pt2 = Uint8Array.from([...cR, ...compactIdCred(this.cfg.idCredR), ...bstr(sm2), ...ead2]);
    const ks = kdf(prk2e, 0, th2, pt2.length);
    const ct2 = pt2.map((b, i) => b ^ ks[i]);
    this.th3 = sha256(Uint8Array.from([...bstr(th2), ...pt2, ...this.cfg.credR]));
    this.state = "wait3";
    return { message2: Uint8Array.from(bstr(Uint8Array.from([...this.gY, ...ct2]))) };
  }

  /** Verify message_3 (§5.4.3). Throws EdhocError on any failure. */
  message3(m3: Uint8Array): Message3Result {
    if (this.state !== "wait3") throw new EdhocError("message_3 out of order");
    this.state = "failed";
    const r = new Reader(m3);
    const ct3 = r.bytes();
    if (!r.atEnd()) throw new EdhocError("trailing bytes after message_3");
    const pt3 = aead(false, kdf(this.prk3e2m, 3, this.th3, 16), kdf(this.prk3e2m, 4, this.th3, 13), enc0(this.th3), ct3);
    const p = new Reader(pt3);
    let idCredI: Uint8Array;
    if (p.peekMajor() === 5) idCredI = Uint8Array.from(p.item()); else idCredI = kidMap(p.id());
    const sm3 = p.bytes();
    while (!p.atEnd()) { const label = p.int(); if (label < 0) throw new EdhocError("unknown critical EAD item in message_3"); if (!p.atEnd() && p.peekMajor() === 2) p.bytes(); }
    const found = this.cfg.lookupCredI(idCredI);
    if (!found) throw new EdhocError("unknown Initiator credential", 3); // RFC 9528 §6.4
    const iDh = this.method === 2 || this.method === 3;
    const prk4e3m = iDh ? extract(kdf(this.prk3e2m, 5, this.th3, 32), ecdh(this.suite, this.y, found.publicKey)) : this.prk3e2m;
    const ctx3 = Uint8Array.from([...idCredI, ...bstr(this.th3), ...found.credI]);
    const mac3 = kdf(prk4e3m, 6, ctx3, iDh ? 8 : 32);
    const ok = iDh
      ? sm3.length === 8 && timingSafeEqual(Buffer.from(sm3), Buffer.from(mac3))
      : verify(this.suite, found.publicKey, sigStructure(idCredI, Uint8Array.from([...bstr(this.th3), ...found.credI]), mac3), sm3);
    if (!ok) throw new EdhocError(iDh ? "MAC_3 does not verify" : "the Initiator's signature does not verify");
    const th4 = sha256(Uint8Array.from([...bstr(this.th3), ...pt3, ...found.credI]));
    const prkOut = kdf(prk4e3m, 7, th4, 32);
    const prkExporter = kdf(prkOut, 10, new Uint8Array(0), 32);
    this.state = "done";
    return {
      prkOut, prkExporter, cI: this.cI, idCredI, credI: found.credI,
      oscoreMasterSecret: kdf(prkExporter, 0, new Uint8Array(0), 16), oscoreMasterSalt: kdf(prkExporter, 1, new Uint8Array(0), 8),
    };
  }

  /** The ephemeral private key, kept by the server for the static-DH proof of possession (docs/dh-pop.md). */
  ephemeralPrivate(): Uint8Array { return this.y; }
}

/** The primitives above (SHA-256, HKDF-Extract, EDHOC_KDF, the Encrypt0 structure, ECDH, AES-CCM-16-64-128), for
 *  the tests' Initiator (test/helpers/edhoc-client.ts), which must derive exactly as this Responder does. */
export const edhocPrimitives = { sha256, extract, kdf, enc0, ecdh, aead };
