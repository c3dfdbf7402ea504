// EDHOC Responder (RFC 9528) for the development server.
// Methods 0-3, cipher suites 0 (X25519 / EdDSA) and 2 (P-256 / ES256), both AES-CCM-16-64-128 with SHA-256
// and EDHOC MAC length 8. One instance runs one handshake: message1() -> message_2 (or an EDHOC error
// message), message3() -> PRK_out and the OSCORE parameters (RFC 9528 Appendix A.1), then exporter().
//
// Refusals never change the instance's state: a malformed or forged message_3 can be followed by the genuine
// one, so an on-path attacker cannot kill a handshake with one bad packet.

import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { extract, expand } from "@noble/hashes/hkdf.js";
import { CborError, CborReader, concat, encode, encodeBstr, encodeInt, type CborValue } from "./cbor-codec.js";

/** EDHOC error codes (RFC 9528 §6): 1 unspecified, 2 wrong selected cipher suite, 3 unknown credential. */
export const ERR_UNSPECIFIED = 1, ERR_WRONG_SUITE = 2, ERR_UNKNOWN_CREDENTIAL = 3;

export class EdhocError extends Error {
  override name = "EdhocError";
  /** The EDHOC error message to send back to the peer (ERR_CODE, ERR_INFO). */
  readonly errorMessage: Uint8Array;
  constructor(message: string, readonly errCode: number = ERR_UNSPECIFIED, errInfo?: CborValue) {
    super(message);
    this.errorMessage = concat(encodeInt(errCode), encode(errInfo ?? (errCode === ERR_UNKNOWN_CREDENTIAL ? true : message)));
  }
}

export interface ResponderConfig {
  /** Methods R accepts (0-3). */
  methods: number[];
  /** Cipher suites R supports, most preferred first (0 and/or 2). */
  suites: number[];
  /** C_R as bytes; a one-byte value in a CBOR-int range travels as that int (RFC 9528 §3.3.2). */
  cR: Uint8Array;
  /** R's authentication key: the static DH scalar (methods 1, 3) or the signature key (methods 0, 2): an
   *  Ed25519 seed (suite 0) or a P-256 scalar (suite 2). */
  staticKey: Uint8Array;
  /** CRED_R as the CBOR item that goes into the transcript (a CCS map, or bstr-wrapped X.509 DER). */
  credR: Uint8Array;
  /** ID_CRED_R as a CBOR map, e.g. {4: kid}. */
  idCredR: Uint8Array;
  /** Finds I's credential from ID_CRED_I (always the full CBOR map, even if I sent the compact kid form).
   *  publicKey: X25519 / Ed25519 32 bytes; P-256 a SEC1 point (33 or 65 bytes) or the 32-byte x-coordinate. */
  lookupCredI(idCredI: Uint8Array): { credI: Uint8Array; publicKey: Uint8Array } | null;
  /** The ephemeral private key Y; random unless a test injects one. */
  ephemeral?: Uint8Array;
  /** EAD_2 to send, already encoded as (ead_label, ? ead_value)*. */
  ead2?: Uint8Array;
  /** Critical EAD labels (negative) the application understands; other critical items are refused. */
  understoodEad?: number[];
}

export interface EadItem { label: number; value?: Uint8Array }

export interface Message1Info { method: number; suite: number; gX: Uint8Array; cI: Uint8Array; ead1: EadItem[] }

export interface Message3Result {
  prkOut: Uint8Array;
  prkExporter: Uint8Array;
  /** OSCORE Master Secret (16 bytes) and Master Salt (8 bytes), RFC 9528 Appendix A.1. */
  oscoreMasterSecret: Uint8Array;
  oscoreMasterSalt: Uint8Array;
  /** The peer's connection identifier: R's OSCORE Sender ID. */
  cI: Uint8Array;
  /** R's OSCORE Recipient ID (= C_R). */
  cR: Uint8Array;
  idCredI: Uint8Array;
  credI: Uint8Array;
  ead3: EadItem[];
}

// ---- cipher suites -------------------------------------------------------------------------------------------

interface Suite {
  id: number;
  dh: "x25519" | "p256";
  sig: "ed25519" | "es256";
  macLength: number; // EDHOC MAC length, used by the static-DH side
}
const SUITES: Record<number, Suite> = {
  0: { id: 0, dh: "x25519", sig: "ed25519", macLength: 8 },
  2: { id: 2, dh: "p256", sig: "es256", macLength: 8 },
};
const HASH_LEN = 32, KEY_LEN = 16, IV_LEN = 13, TAG_LEN = 8; // SHA-256, AES-CCM-16-64-128 for both suites

const rDoesDh = (m: number) => m === 1 || m === 3;
const iDoesDh = (m: number) => m === 2 || m === 3;

function dhPublic(s: Suite, priv: Uint8Array): Uint8Array {
  // P-256 keys travel as the x-coordinate only (RFC 9528 §3.7): drop the SEC1 prefix.
  return s.dh === "x25519" ? x25519.getPublicKey(priv) : p256.getPublicKey(priv, true).subarray(1);
}

/** SEC1 point for a P-256 public key given as x only (either y works for ECDH: the result is an x-coordinate). */
function p256Point(pub: Uint8Array): Uint8Array {
  return pub.length === 32 ? concat(Uint8Array.of(0x02), pub) : pub;
}

/** ECDH; throws on an off-curve or low-order peer key (noble refuses an all-zero X25519 result). */
function ecdh(s: Suite, priv: Uint8Array, peer: Uint8Array): Uint8Array {
  if (s.dh === "x25519") {
    if (peer.length !== 32) throw new EdhocError("X25519 public key must be 32 bytes");
    return x25519.getSharedSecret(priv, peer);
  }
  return p256.getSharedSecret(priv, p256Point(peer), true).subarray(1);
}

function sign(s: Suite, key: Uint8Array, msg: Uint8Array): Uint8Array {
  return s.sig === "ed25519" ? ed25519.sign(msg, key) : p256.sign(msg, key, { prehash: true, format: "compact" });
}

function verify(s: Suite, pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    if (s.sig === "ed25519") return pub.length === 32 && sig.length === 64 && ed25519.verify(sig, msg, pub);
    if (sig.length !== 64) return false;
    const opts = { prehash: true, lowS: false, format: "compact" as const };
    if (pub.length !== 32) return p256.verify(sig, msg, pub, opts);
    // An x-only key leaves the sign of y open; the key with the other y has private key -d, which only the
    // holder of d knows, so accepting either is no weaker.
    return p256.verify(sig, msg, concat(Uint8Array.of(2), pub), opts) || p256.verify(sig, msg, concat(Uint8Array.of(3), pub), opts);
  } catch {
    return false;
  }
}

// ---- EDHOC key schedule (RFC 9528 §4) ------------------------------------------------------------------------

const H = (...parts: Uint8Array[]) => sha256(concat(...parts));
const edhocExtract = (salt: Uint8Array, ikm: Uint8Array) => extract(sha256, ikm, salt);
/** EDHOC_KDF: HKDF-Expand with info = (label: int, context: bstr, length: uint) as a CBOR sequence. */
const edhocKdf = (prk: Uint8Array, label: number, context: Uint8Array, length: number) =>
  expand(sha256, prk, concat(encodeInt(label), encodeBstr(context), encodeInt(length)), length);

function aesCcmEncrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv("aes-128-ccm", key, iv, { authTagLength: TAG_LEN });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  const body = c.update(plaintext);
  c.final();
  return concat(body, c.getAuthTag());
}

function aesCcmDecrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  if (ciphertext.length < TAG_LEN) return null;
  const d = createDecipheriv("aes-128-ccm", key, iv, { authTagLength: TAG_LEN });
  d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_LEN));
  d.setAAD(aad, { plaintextLength: ciphertext.length - TAG_LEN });
  const out = d.update(ciphertext.subarray(0, ciphertext.length - TAG_LEN));
  try { d.final(); } catch { return null; }
  return new Uint8Array(out);
}

/** COSE Enc_structure ["Encrypt0", h'', TH] as the AEAD's additional data. */
const encrypt0Aad = (th: Uint8Array) => encode(["Encrypt0", new Uint8Array(0), th]);

/** COSE Sig_structure ["Signature1", << ID_CRED >>, << TH, CRED, ? EAD >>, MAC]. */
const sigStructure = (idCred: Uint8Array, th: Uint8Array, cred: Uint8Array, ead: Uint8Array, mac: Uint8Array) =>
  encode(["Signature1", idCred, concat(encodeBstr(th), cred, ead), mac]);

// ---- identifiers and ID_CRED ---------------------------------------------------------------------------------

/** Whether a one-byte identifier is the encoding of a CBOR int in -24..23 (and so travels as that int). */
const isOneByteInt = (b: Uint8Array) => b.length === 1 && (b[0] <= 0x17 || (b[0] >= 0x20 && b[0] <= 0x37));

/** A connection identifier or compact kid on the wire (RFC 9528 §3.3.2). */
export const identifierWire = (id: Uint8Array): Uint8Array => (isOneByteInt(id) ? id.slice() : encodeBstr(id));

/** Reads C_I / a compact kid: a CBOR int -24..23 (its one encoding byte) or a byte string, back to bytes. */
function readIdentifier(r: CborReader, what: string): Uint8Array {
  const it = r.next();
  if (typeof it.value === "number") {
    if (it.value < -24 || it.value > 23) throw new EdhocError(`${what}: integer form must be in -24..23`);
    return it.raw.slice();
  }
  if (it.value instanceof Uint8Array) {
    // The int form is mandatory where it applies, so one identifier has one encoding.
    if (isOneByteInt(it.value)) throw new EdhocError(`${what}: one-byte value must be sent as a CBOR int`);
    return it.value;
  }
  throw new EdhocError(`${what}: expected an int or a byte string`);
}

/** The kid of an ID_CRED map that is exactly {4: kid}, else undefined. */
function kidOf(idCred: Uint8Array): Uint8Array | undefined {
  let v: CborValue;
  try { v = new CborReader(idCred).next().value; } catch { return undefined; }
  if (!(v instanceof Map) || v.size !== 1) return undefined;
  const kid = v.get(4);
  return kid instanceof Uint8Array ? kid : undefined;
}

/** ID_CRED_R as it goes into PLAINTEXT_2: {4: kid} shrinks to the kid (RFC 9528 §3.5.3.2). */
function idCredCompact(idCred: Uint8Array): Uint8Array {
  const kid = kidOf(idCred);
  return kid ? identifierWire(kid) : idCred;
}

/** Reads ID_CRED_I from PLAINTEXT_3 and gives back the full map, expanding the compact kid form. */
function readIdCred(r: CborReader): Uint8Array {
  const major = r.peekMajor();
  if (major === 5) {
    const it = r.next();
    // A map that is just {4: kid} must have been sent compact: two encodings of one credential are refused.
    if (kidOf(it.raw)) throw new EdhocError("ID_CRED_I: {4: kid} must be sent in its compact form");
    return it.raw.slice();
  }
  if (major === 0 || major === 1 || major === 2) {
    const kid = readIdentifier(r, "ID_CRED_I kid");
    return encode(new Map<number, CborValue>([[4, kid]]));
  }
  throw new EdhocError("ID_CRED_I: expected a map, a byte string or an int");
}

/** Reads EAD items (ead_label: int, ? ead_value: bstr) up to the end of the sequence. */
function readEad(r: CborReader, understood: number[]): EadItem[] {
  const items: EadItem[] = [];
  while (!r.atEnd()) {
    const label = r.int("EAD label");
    const value = r.peekMajor() === 2 ? r.bstr("EAD value") : undefined;
    if (label < 0 && !understood.includes(label)) throw new EdhocError(`critical EAD item ${label} not supported`);
    items.push(value ? { label, value } : { label });
  }
  return items;
}

// ---- the Responder --------------------------------------------------------------------------------------------

interface AfterMessage2 {
  m1: Message1Info;
  suite: Suite;
  y: Uint8Array;
  th3: Uint8Array;
  prk3e2m: Uint8Array;
}
interface Completed { result: Message3Result; th4: Uint8Array; prk4e3m: Uint8Array }

export class EdhocResponder {
  private readonly cfg: ResponderConfig;
  private readonly y: Uint8Array;
  private state: { kind: "start" } | { kind: "sent2"; s: AfterMessage2 } | { kind: "done"; s: AfterMessage2; c: Completed } = { kind: "start" };

  constructor(cfg: ResponderConfig) {
    for (const s of cfg.suites) if (!SUITES[s]) throw new RangeError(`cipher suite ${s} is not implemented`);
    for (const m of cfg.methods) if (![0, 1, 2, 3].includes(m)) throw new RangeError(`method ${m} does not exist`);
    if (cfg.suites.length === 0 || cfg.methods.length === 0) throw new RangeError("at least one suite and one method are needed");
    this.cfg = cfg;
    this.y = cfg.ephemeral ?? new Uint8Array(randomBytes(32));
  }

  /** Where the handshake stands: "start", "sent2" (waiting for message_3) or "done". */
  get phase(): "start" | "sent2" | "done" { return this.state.kind; }

  /** The ephemeral public key G_Y (x-coordinate for P-256), once a suite is chosen by message_1. */
  get gY(): Uint8Array | undefined {
    return this.state.kind === "start" ? undefined : dhPublic(this.state.s.suite, this.y);
  }

  /** The parsed message_1 of the current handshake. */
  get message1Info(): Message1Info | undefined { return this.state.kind === "start" ? undefined : this.state.s.m1; }

  /** Processes message_1 (without the CoAP 0xf5 prefix). An error result is the EDHOC error message to send;
   *  the Responder then stays ready for another message_1 (the Initiator retries with another suite). */
  message1(m1: Uint8Array): { message2: Uint8Array } | { error: Uint8Array; errCode: number; reason: string } {
    if (this.state.kind !== "start") return refusal(new EdhocError("message_1 already processed"));
    try {
      const info = this.parseMessage1(m1);
      const s = this.respond(m1, info);
      this.state = { kind: "sent2", s: s.after };
      return { message2: s.message2 };
    } catch (e) {
      return refusal(asEdhocError(e));
    }
  }

  private parseMessage1(m1: Uint8Array): Message1Info {
    const r = new CborReader(m1);
    const method = r.int("METHOD");
    if (!this.cfg.methods.includes(method)) throw new EdhocError(`method ${method} not supported`);
    const suitesItem = r.next().value;
    let suitesI: number[];
    if (typeof suitesItem === "number") suitesI = [suitesItem];
    else if (Array.isArray(suitesItem) && suitesItem.length >= 2 && suitesItem.every((x) => typeof x === "number")) suitesI = suitesItem as number[];
    else throw new EdhocError("SUITES_I: expected an int or an array of two or more ints");
    const selected = suitesI[suitesI.length - 1];
    // RFC 9528 §5.2.3: refuse if the selected suite is unsupported or R supports one I prefers more.
    if (!this.cfg.suites.includes(selected) || suitesI.slice(0, -1).some((x) => this.cfg.suites.includes(x))) {
      const suitesR = this.cfg.suites.length === 1 ? this.cfg.suites[0] : this.cfg.suites;
      throw new EdhocError(`selected cipher suite ${selected} not acceptable`, ERR_WRONG_SUITE, suitesR);
    }
    const gX = r.bstr("G_X");
    if (gX.length !== 32) throw new EdhocError("G_X must be 32 bytes");
    const cI = readIdentifier(r, "C_I");
    if (cI.length === this.cfg.cR.length && cI.every((b, i) => b === this.cfg.cR[i])) throw new EdhocError("C_I equals C_R");
    const ead1 = readEad(r, this.cfg.understoodEad ?? []);
    return { method, suite: selected, gX, cI, ead1 };
  }

  private respond(m1: Uint8Array, info: Message1Info): { message2: Uint8Array; after: AfterMessage2 } {
    const { cfg } = this, suite = SUITES[info.suite], y = this.y;
    const gY = dhPublic(suite, y);
    const gXY = ecdh(suite, y, info.gX);
    const th2 = H(encodeBstr(gY), encodeBstr(sha256(m1)));
    const prk2e = edhocExtract(th2, gXY);
    let prk3e2m = prk2e;
    if (rDoesDh(info.method)) {
      const salt3e2m = edhocKdf(prk2e, 1, th2, HASH_LEN);
      prk3e2m = edhocExtract(salt3e2m, ecdh(suite, cfg.staticKey, info.gX));
    }
    const cRWire = identifierWire(cfg.cR), ead2 = cfg.ead2 ?? new Uint8Array(0);
    const context2 = concat(cRWire, cfg.idCredR, encodeBstr(th2), cfg.credR, ead2);
    const mac2 = edhocKdf(prk3e2m, 2, context2, rDoesDh(info.method) ? suite.macLength : HASH_LEN);
    const sigOrMac2 = rDoesDh(info.method) ? mac2 : sign(suite, cfg.staticKey, sigStructure(cfg.idCredR, th2, cfg.credR, ead2, mac2));
    const plaintext2 = concat(cRWire, idCredCompact(cfg.idCredR), encodeBstr(sigOrMac2), ead2);
    const keystream2 = edhocKdf(prk2e, 0, th2, plaintext2.length);
    const ciphertext2 = plaintext2.map((b, i) => b ^ keystream2[i]);
    const th3 = H(encodeBstr(th2), plaintext2, cfg.credR);
    return { message2: encodeBstr(concat(gY, ciphertext2)), after: { m1: info, suite, y, th3, prk3e2m } };
  }

  /** Processes message_3 (without the CoAP C_R prefix). Throws EdhocError (its errorMessage is what to send)
   *  and keeps waiting for message_3 if it is malformed, does not decrypt, or does not authenticate. */
  message3(m3: Uint8Array): Message3Result {
    if (this.state.kind !== "sent2") throw new EdhocError(this.state.kind === "start" ? "message_3 before message_1" : "handshake already complete");
    const { s } = this.state;
    try {
      const c = this.verify3(s, m3);
      this.state = { kind: "done", s, c };
      return c.result;
    } catch (e) {
      throw asEdhocError(e);
    }
  }

  private verify3(s: AfterMessage2, m3: Uint8Array): Completed {
    const { suite, th3, prk3e2m, m1 } = s;
    const r = new CborReader(m3);
    const ciphertext3 = r.bstr("CIPHERTEXT_3");
    if (!r.atEnd()) throw new EdhocError("message_3: trailing data");
    const k3 = edhocKdf(prk3e2m, 3, th3, KEY_LEN), iv3 = edhocKdf(prk3e2m, 4, th3, IV_LEN);
    const plaintext3 = aesCcmDecrypt(k3, iv3, encrypt0Aad(th3), ciphertext3);
    if (!plaintext3) throw new EdhocError("message_3: decryption failed");

    const p = new CborReader(plaintext3);
    const idCredI = readIdCred(p);
    const sigOrMac3 = p.bstr("Signature_or_MAC_3");
    const eadStart = p.offset;
    const ead3 = readEad(p, this.cfg.understoodEad ?? []);
    const ead3Bytes = plaintext3.subarray(eadStart);

    const found = this.cfg.lookupCredI(idCredI);
    if (!found) throw new EdhocError("unknown ID_CRED_I", ERR_UNKNOWN_CREDENTIAL);
    const { credI, publicKey } = found;

    let prk4e3m = prk3e2m;
    if (iDoesDh(m1.method)) {
      const salt4e3m = edhocKdf(prk3e2m, 5, th3, HASH_LEN);
      prk4e3m = edhocExtract(salt4e3m, ecdh(suite, s.y, publicKey));
    }
    const context3 = concat(idCredI, encodeBstr(th3), credI, ead3Bytes);
    const mac3 = edhocKdf(prk4e3m, 6, context3, iDoesDh(m1.method) ? suite.macLength : HASH_LEN);
    const ok = iDoesDh(m1.method)
      ? sigOrMac3.length === mac3.length && timingSafeEqual(sigOrMac3, mac3)
      : verify(suite, publicKey, sigStructure(idCredI, th3, credI, ead3Bytes, mac3), sigOrMac3);
    if (!ok) throw new EdhocError(iDoesDh(m1.method) ? "MAC_3 verification failed" : "Signature_3 verification failed");

    const th4 = H(encodeBstr(th3), plaintext3, credI);
    const prkOut = edhocKdf(prk4e3m, 7, th4, HASH_LEN);
    const prkExporter = edhocKdf(prkOut, 10, new Uint8Array(0), HASH_LEN);
    const result: Message3Result = {
      prkOut, prkExporter,
      oscoreMasterSecret: edhocKdf(prkExporter, 0, new Uint8Array(0), 16),
      oscoreMasterSalt: edhocKdf(prkExporter, 1, new Uint8Array(0), 8),
      cI: m1.cI, cR: this.cfg.cR.slice(), idCredI, credI, ead3,
    };
    return { result, th4, prk4e3m };
  }

  /** message_4 (optional, RFC 9528 §5.5): key confirmation when no OSCORE response follows. */
  message4(ead4: Uint8Array = new Uint8Array(0)): Uint8Array {
    if (this.state.kind !== "done") throw new EdhocError("message_4 before a verified message_3");
    const { th4, prk4e3m } = this.state.c;
    const k4 = edhocKdf(prk4e3m, 8, th4, KEY_LEN), iv4 = edhocKdf(prk4e3m, 9, th4, IV_LEN);
    return encodeBstr(aesCcmEncrypt(k4, iv4, encrypt0Aad(th4), ead4));
  }

  /** EDHOC_Exporter(label, context, length) = EDHOC_KDF(PRK_exporter, label, context, length). */
  exporter(label: number, context: Uint8Array, length: number): Uint8Array {
    if (this.state.kind !== "done") throw new EdhocError("exporter used before the handshake completed");
    return edhocKdf(this.state.c.result.prkExporter, label, context, length);
  }
}

function asEdhocError(e: unknown): EdhocError {
  if (e instanceof EdhocError) return e;
  if (e instanceof CborError) return new EdhocError(`malformed CBOR: ${e.message}`);
  return new EdhocError(`refused: ${e instanceof Error ? e.message : String(e)}`);
}

const refusal = (e: EdhocError) => ({ error: e.errorMessage, errCode: e.errCode, reason: e.message });
