// OSCORE for the server side of the development server (RFC 8613): security context derivation (§3.2), request
// verification with a replay window (§7.4, §8.2) and response protection without a Partial IV (§8.3).
// Algorithms: AES-CCM-16-64-128 (node:crypto) and HKDF-SHA-256 — what EDHOC suites 0 and 2 give.
//
// Messages are the coap.ts Message type. Class E options (everything but Uri-Host, Uri-Port, Proxy-Uri,
// Proxy-Scheme, OSCORE, EDHOC and Hop-Limit) travel encrypted; block-wise options are inner, so each block
// of a large response is its own protected response.

import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import { type Message, type Option, OPT, CHANGED, encode as encodeMessage, decode as decodeMessage } from "./coap.js";
import { cBstr, cInt, cTstr } from "./cbor.js";

const ALG = 10; // AES-CCM-16-64-128 (RFC 9053 §4.2)
const KEY_LEN = 16, NONCE_LEN = 13, TAG_LEN = 8;
const CLASS_U = new Set<number>([OPT.URI_HOST, OPT.URI_PORT, OPT.PROXY_URI, OPT.PROXY_SCHEME, OPT.OSCORE, OPT.EDHOC, OPT.HOP_LIMIT]);
const WINDOW = 32;

export class OscoreError extends Error {}

export interface SecurityContext {
  senderId: Uint8Array;
  recipientId: Uint8Array;
  idContext?: Uint8Array;
  senderKey: Buffer;
  recipientKey: Buffer;
  commonIv: Buffer;
  /** Replay window over the Partial IVs of accepted requests: highest seen and a bitmap below it. */
  replayTop: number;
  replayBits: bigint;
  /** The request a response answers: its kid, Partial IV and nonce (set by unprotectRequest). */
  lastRequest?: { kid: Uint8Array; piv: Uint8Array; nonce: Buffer };
}

// ---- CBOR for the few shapes OSCORE needs ---------------------------------------------------------------------
const bstr = cBstr, tstr = cTstr, uint = cInt;

function expand(prk: Uint8Array, id: Uint8Array, idc: Uint8Array | undefined, type: string, len: number): Buffer {
  const info = Uint8Array.from([0x85, ...bstr(id), ...(idc ? bstr(idc) : [0xf6]), ...uint(ALG), ...tstr(type), ...uint(len)]);
  // HKDF-Expand (RFC 5869) from the PRK; one HMAC block covers the 16- and 13-byte outputs.
  return createHmac("sha256", prk).update(Buffer.concat([info, Buffer.of(1)])).digest().subarray(0, len);
}

export function deriveContext(p: { masterSecret: Uint8Array; masterSalt: Uint8Array; senderId: Uint8Array; recipientId: Uint8Array; idContext?: Uint8Array }): SecurityContext {
  if (p.senderId.length > NONCE_LEN - 6 || p.recipientId.length > NONCE_LEN - 6) throw new OscoreError("Sender/Recipient ID longer than 7 bytes");
  const salt = p.masterSalt.length > 0 ? p.masterSalt : new Uint8Array(32);
  const prk = createHmac("sha256", salt).update(p.masterSecret).digest(); // HKDF-Extract
  return {
    senderId: p.senderId, recipientId: p.recipientId, idContext: p.idContext,
    senderKey: expand(prk, p.senderId, p.idContext, "Key", KEY_LEN),
    recipientKey: expand(prk, p.recipientId, p.idContext, "Key", KEY_LEN),
    commonIv: expand(prk, new Uint8Array(0), p.idContext, "IV", NONCE_LEN),
    replayTop: -1, replayBits: 0n,
  };
}

/** Nonce (§5.2): size of ID_PIV || ID_PIV left-padded to 7 bytes || PIV left-padded to 5 bytes, XOR Common IV. */
export function nonce(ctx: SecurityContext, idPiv: Uint8Array, piv: Uint8Array): Buffer {
  const n = Buffer.alloc(NONCE_LEN);
  n[0] = idPiv.length;
  n.set(idPiv, 1 + 7 - idPiv.length);
  n.set(piv, NONCE_LEN - piv.length);
  for (let i = 0; i < NONCE_LEN; i++) n[i] ^= ctx.commonIv[i];
  return n;
}

/** AAD = Enc_structure ["Encrypt0", h'', external_aad] with external_aad = [1, [alg], request_kid, request_piv, h'']. */
function aad(kid: Uint8Array, piv: Uint8Array): Buffer {
  const ext = Uint8Array.from([0x85, 0x01, 0x81, ...uint(ALG), ...bstr(kid), ...bstr(piv), 0x40]);
  return Buffer.from([0x83, ...tstr("Encrypt0"), 0x40, ...bstr(ext)]);
}

function seal(key: Buffer, n: Buffer, a: Buffer, pt: Uint8Array): Buffer {
  const c = createCipheriv("aes-128-ccm", key, n, { authTagLength: TAG_LEN });
  c.setAAD(a, { plaintextLength: pt.length });
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

function open(key: Buffer, n: Buffer, a: Buffer, ct: Uint8Array): Buffer {
  if (ct.length < TAG_LEN) throw new OscoreError("ciphertext shorter than the tag");
  const d = createDecipheriv("aes-128-ccm", key, n, { authTagLength: TAG_LEN });
  d.setAuthTag(ct.subarray(ct.length - TAG_LEN));
  d.setAAD(a, { plaintextLength: ct.length - TAG_LEN });
  const pt = d.update(ct.subarray(0, ct.length - TAG_LEN));
  try { d.final(); } catch { throw new OscoreError("authentication failed"); }
  return pt;
}

/** Parse an OSCORE option value (§6.1). */
export function parseOption(v: Uint8Array): { piv: Uint8Array; kid?: Uint8Array; kidContext?: Uint8Array } {
  if (v.length === 0) return { piv: new Uint8Array(0) };
  const f = v[0];
  if (f & 0xe0) throw new OscoreError("reserved OSCORE flag bits set");
  const n = f & 7;
  if (n > 5) throw new OscoreError("Partial IV longer than 5 bytes");
  let p = 1;
  if (p + n > v.length) throw new OscoreError("truncated Partial IV");
  const piv = v.subarray(p, p + n); p += n;
  let kidContext: Uint8Array | undefined;
  if (f & 16) { if (p >= v.length) throw new OscoreError("truncated kid context"); const s = v[p++]; if (p + s > v.length) throw new OscoreError("truncated kid context"); kidContext = v.subarray(p, p + s); p += s; }
  const kid = f & 8 ? v.subarray(p) : undefined;
  if (!(f & 8) && p !== v.length) throw new OscoreError("trailing bytes in the OSCORE option");
  return { piv, kid, kidContext };
}

/** The plaintext (§5.3): code || inner options || 0xff payload, built with the CoAP option encoding. */
function innerBytes(code: number, options: Option[], payload: Uint8Array): Uint8Array {
  const m = encodeMessage({ type: 0, code, mid: 0, token: new Uint8Array(0), options, payload });
  return Uint8Array.from([code, ...m.subarray(4)]);
}
function parseInner(pt: Uint8Array): { code: number; options: Option[]; payload: Uint8Array } {
  if (pt.length < 1) throw new OscoreError("empty plaintext");
  const m = decodeMessage(Uint8Array.from([0x40, 0x01, 0, 0, ...pt.subarray(1)]));
  return { code: pt[0], options: m.options, payload: m.payload };
}

/** Verify and decrypt a protected request (§8.2). Throws OscoreError (no state changes) on any failure. */
export function unprotectRequest(ctx: SecurityContext, m: Message): Message {
  const ov = m.options.find(([n]) => n === OPT.OSCORE)?.[1];
  if (!ov) throw new OscoreError("no OSCORE option");
  const { piv, kid } = parseOption(ov);
  if (!kid || piv.length === 0) throw new OscoreError("a request needs kid and Partial IV");
  if (Buffer.compare(Buffer.from(kid), Buffer.from(ctx.recipientId)) !== 0) throw new OscoreError("kid is not this context's Recipient ID");
  const seq = Number(piv.reduce((a, b) => a * 256n + BigInt(b), 0n));
  if (seq <= ctx.replayTop - WINDOW || (seq <= ctx.replayTop && (ctx.replayBits >> BigInt(ctx.replayTop - seq)) & 1n)) throw new OscoreError("replayed request");
  const n = nonce(ctx, kid, piv);
  const pt = open(ctx.recipientKey, n, aad(kid, piv), m.payload);
  const inner = parseInner(pt);
  // Accepted: only now move the replay window (a forged request changes nothing).
  if (seq > ctx.replayTop) { ctx.replayBits = seq - ctx.replayTop >= WINDOW ? 1n : ((ctx.replayBits << BigInt(seq - ctx.replayTop)) | 1n) & ((1n << BigInt(WINDOW)) - 1n); ctx.replayTop = seq; }
  else ctx.replayBits |= 1n << BigInt(ctx.replayTop - seq);
  ctx.lastRequest = { kid: Uint8Array.from(kid), piv: Uint8Array.from(piv), nonce: n };
  const outer = m.options.filter(([k]) => CLASS_U.has(k) && k !== OPT.OSCORE && k !== OPT.EDHOC);
  return { type: m.type, code: inner.code, mid: m.mid, token: m.token, options: [...outer, ...inner.options].sort((a, b) => a[0] - b[0]), payload: inner.payload };
}

/** Protect the response to the last verified request (§8.3): the request's nonce, an empty OSCORE option, outer
 *  code 2.04. `request` is the outer request (its token is echoed). */
export function protectResponse(ctx: SecurityContext, inner: Message, request: Message): Message {
  const r = ctx.lastRequest;
  if (!r) throw new OscoreError("no verified request to answer");
  const innerOpts = inner.options.filter(([k]) => !CLASS_U.has(k));
  const ct = seal(ctx.senderKey, r.nonce, aad(r.kid, r.piv), innerBytes(inner.code, innerOpts, inner.payload));
  return { type: 0, code: CHANGED, mid: 0, token: request.token, options: [[OPT.OSCORE, new Uint8Array(0)]], payload: ct };
}

/** Protect a request as a client would (tests use it to play a second device or an attacker). */
export function protectRequest(ctx: SecurityContext, inner: Message, seq: number): Message {
  const piv = seq === 0 ? Uint8Array.of(0) : Uint8Array.from(Buffer.from(seq.toString(16).padStart(seq.toString(16).length + (seq.toString(16).length % 2), "0"), "hex"));
  const n = nonce(ctx, ctx.senderId, piv);
  const ct = seal(ctx.senderKey, n, aad(ctx.senderId, piv), innerBytes(inner.code, inner.options.filter(([k]) => !CLASS_U.has(k)), inner.payload));
  const ov = Uint8Array.from([0x08 | piv.length, ...piv, ...ctx.senderId]);
  const outer = inner.options.filter(([k]) => CLASS_U.has(k));
  return { type: inner.type, code: 2, mid: inner.mid, token: inner.token, options: [...outer, [OPT.OSCORE, ov]], payload: ct };
}

/** Verify and decrypt the response to a request protected with protectRequest(ctx, ..., seq) (§8.4), as a client
 *  would (tests play a client with it). Throws OscoreError on any failure. */
export function unprotectResponse(ctx: SecurityContext, m: Message, seq: number): Message {
  const piv = seq === 0 ? Uint8Array.of(0) : Uint8Array.from(Buffer.from(seq.toString(16).padStart(seq.toString(16).length + (seq.toString(16).length % 2), "0"), "hex"));
  const ov = m.options.find(([n]) => n === OPT.OSCORE)?.[1];
  if (!ov) throw new OscoreError("no OSCORE option");
  const own = parseOption(ov).piv;
  const n = own.length ? nonce(ctx, ctx.recipientId, own) : nonce(ctx, ctx.senderId, piv);
  const inner = parseInner(open(ctx.recipientKey, n, aad(ctx.senderId, piv), m.payload));
  return { type: m.type, code: inner.code, mid: m.mid, token: m.token, options: inner.options, payload: inner.payload };
}
