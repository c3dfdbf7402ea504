// OSCORE (RFC 8613) with AES-CCM-16-64-128 and HKDF-SHA-256: security context derivation (§3.2), nonce
// construction (§5.2), the OSCORE option (§6.1), and protection / verification of CoAP messages (§8) with
// the option classes of §4.1 (inner Class E options encrypted, outer Class U options kept in the clear).
//
// Messages are whole CoAP-over-UDP datagrams in and out; the transport above decides when to protect.
// Deliberately not here: sequence-number persistence (oscore/seq.ts), the client-side exchange with Echo and
// outer block-wise (coap/client.ts through oscore/security.ts), a server's replay window, Observe.

import { OK, E_MALFORMED, E_USAGE, E_CRYPTO_AUTH, E_LIMIT, E_BUFFER_TOO_SMALL } from "../base/errors";
import { OSCORE_PLAIN_CAPACITY } from "../base/config";
import { hkdfExtract, hkdfExpand, aesCcmSeal, aesCcmOpen, wipe } from "../crypto/index";
import { cborBstr, cborUint, cborArray, cborNull, cborRaw } from "../cbor/encode";
import { CoapMessage, CoapBuilder, CoapOptionIter } from "../coap/message";
import {
  OPT_URI_HOST, OPT_URI_PORT, OPT_OSCORE, OPT_PROXY_URI, OPT_PROXY_SCHEME, OPT_EDHOC, OPT_HOP_LIMIT, OPT_OBSERVE,
  COAP_POST, COAP_FETCH, COAP_CHANGED, COAP_CONTENT,
} from "../numbers/coap";

const ALG_AES_CCM_16_64_128: i32 = 10; // RFC 9053 §4.2
const KEY_LEN = 16, NONCE_LEN = 13, TAG_LEN = 8;
export const OSCORE_MAX_ID: i32 = 7; // nonce length 13 - 6 (RFC 8613 §3.3)

/** One OSCORE security context (RFC 8613 §3.1). Create instances at module level: each allocates its own
 *  buffers once, at start-up (a memory.data() here would be one buffer shared by every instance). */
export class OscoreContext {
  senderId: usize = heap.alloc(8);
  senderIdLen: i32 = 0;
  recipientId: usize = heap.alloc(8);
  recipientIdLen: i32 = 0;
  idContext: usize = heap.alloc(16);
  idContextLen: i32 = -1; // -1: no ID Context
  senderKey: usize = heap.alloc(16);
  recipientKey: usize = heap.alloc(16);
  commonIv: usize = heap.alloc(16);
  /** The request a response belongs to: its kid (the requester's Sender ID) and Partial IV. */
  requestKid: usize = heap.alloc(8);
  requestKidLen: i32 = 0;
  requestPiv: usize = heap.alloc(8);
  requestPivLen: i32 = 0;
  requestNonce: usize = heap.alloc(16);
}

/** Derive keys and Common IV (RFC 8613 §3.2.1): info = [id, id_context / nil, alg_aead, "Key"/"IV", L]. */
export function oscoreDerive(ctx: OscoreContext, ms: usize, msLen: i32, salt: usize, saltLen: i32,
                             sid: usize, sidLen: i32, rid: usize, ridLen: i32, idc: usize, idcLen: i32): i32 {
  if (sidLen < 0 || sidLen > OSCORE_MAX_ID || ridLen < 0 || ridLen > OSCORE_MAX_ID || idcLen > 16) return E_USAGE;
  memory.copy(ctx.senderId, sid, <usize>sidLen); ctx.senderIdLen = sidLen;
  memory.copy(ctx.recipientId, rid, <usize>ridLen); ctx.recipientIdLen = ridLen;
  if (idcLen >= 0) memory.copy(ctx.idContext, idc, <usize>idcLen);
  ctx.idContextLen = idcLen;
  const prk = memory.data(32, 8);
  hkdfExtract(salt, saltLen, ms, msLen, prk);
  let st = expand(prk, sid, sidLen, idc, idcLen, true, ctx.senderKey, KEY_LEN);
  if (st == OK) st = expand(prk, rid, ridLen, idc, idcLen, true, ctx.recipientKey, KEY_LEN);
  if (st == OK) st = expand(prk, 0, 0, idc, idcLen, false, ctx.commonIv, NONCE_LEN);
  wipe(prk, 32);
  return st;
}

function expand(prk: usize, id: usize, idLen: i32, idc: usize, idcLen: i32, key: bool, out: usize, len: i32): i32 {
  const info = memory.data(48, 4);
  let o = cborArray(info, 48, 0, 5);
  o = cborBstr(info, 48, o, id, idLen);
  o = idcLen >= 0 ? cborBstr(info, 48, o, idc, idcLen) : cborNull(info, 48, o);
  o = cborUint(info, 48, o, ALG_AES_CCM_16_64_128);
  o = key ? cborRaw(info, 48, o, memory.data<u8>([0x63, 0x4b, 0x65, 0x79]), 4) : cborRaw(info, 48, o, memory.data<u8>([0x62, 0x49, 0x56]), 3);
  o = cborUint(info, 48, o, <u64>len);
  if (o < 0) return E_LIMIT;
  return hkdfExpand(prk, 32, info, o, out, len);
}

/** AEAD nonce (RFC 8613 §5.2) from the ID of the endpoint that chose the Partial IV and that Partial IV. */
function makeNonce(ctx: OscoreContext, id: usize, idLen: i32, piv: usize, pivLen: i32, out: usize): void {
  memory.fill(out, 0, NONCE_LEN);
  store<u8>(out, <u8>idLen);
  memory.copy(out + <usize>(1 + 7 - idLen), id, <usize>idLen);
  memory.copy(out + <usize>(8 + 5 - pivLen), piv, <usize>pivLen);
  for (let i = 0; i < NONCE_LEN; i++) store<u8>(out + <usize>i, load<u8>(out + <usize>i) ^ load<u8>(ctx.commonIv + <usize>i));
}

/** AAD = Enc_structure ["Encrypt0", h'', bstr(aad_array)], aad_array = [1, [alg], kid, piv, h''] (§5.4). */
function makeAad(ctx: OscoreContext, out: usize): i32 {
  const arr = memory.data(40, 4);
  let a = cborArray(arr, 40, 0, 5);
  a = cborUint(arr, 40, a, 1);
  a = cborArray(arr, 40, a, 1);
  a = cborUint(arr, 40, a, ALG_AES_CCM_16_64_128);
  a = cborBstr(arr, 40, a, ctx.requestKid, ctx.requestKidLen);
  a = cborBstr(arr, 40, a, ctx.requestPiv, ctx.requestPivLen);
  a = cborBstr(arr, 40, a, 0, 0);
  let o = cborRaw(out, 64, 0, memory.data<u8>([0x83, 0x68, 0x45, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x30, 0x40]), 11);
  o = cborBstr(out, 64, o, arr, a);
  return o;
}

/** Options that stay outside (Class U, RFC 8613 §4.1.3; EDHOC per RFC 9668 §3.1). */
function isOuter(n: i32): bool {
  return n == OPT_URI_HOST || n == OPT_URI_PORT || n == OPT_PROXY_URI || n == OPT_PROXY_SCHEME || n == OPT_OSCORE ||
    n == OPT_EDHOC || n == OPT_HOP_LIMIT;
}

const msg = new CoapMessage();
const iter = new CoapOptionIter();
const innerMsg = new CoapMessage();
const innerIter = new CoapOptionIter();
const builder = new CoapBuilder();
/** The plaintext (code, inner options, payload) of a message, sealed in place with its tag after it. */
const PLAIN_CAP = OSCORE_PLAIN_CAPACITY;
const plain = memory.data(OSCORE_PLAIN_CAPACITY + 8, 8);
const optVal = memory.data(32, 4);
const pivBuf = memory.data(8, 4);

/** Partial IV bytes of a sequence number: big-endian, no leading zeros, at least one byte (§6.1). */
function pivOf(seq: u64, out: usize): i32 {
  let n = 1;
  while (n < 5 && (seq >> <u64>(n * 8)) != 0) n++;
  for (let i = 0; i < n; i++) store<u8>(out + <usize>i, <u8>(seq >> <u64>((n - 1 - i) * 8)));
  return n;
}

/**
 * Protect a CoAP message (§8.1, §8.3). A request (code < 0x40) always carries a new Partial IV = seq and the
 * kid (the Sender ID); a response reuses the request's nonce unless withPiv (then seq is used). The outer
 * code is POST (FETCH with Observe) for requests and 2.04 (2.05 with Observe) for responses. edhocOption adds
 * the empty EDHOC option of a combined request (RFC 9668 §3.1) among the outer options.
 * Returns the protected message length in out, or a status.
 */
export function oscoreProtect(ctx: OscoreContext, m: usize, len: i32, seq: u64, withPiv: bool, out: usize, cap: i32, edhocOption: bool = false): i32 {
  let st = msg.parse(m, len);
  if (st != OK) return st;
  const request = msg.code < 0x40 && msg.code != 0;
  let observe = false;
  // Plaintext: code || inner options || 0xff payload
  builder.reset(0, 0, 0);
  iter.reset(msg);
  while ((st = iter.next()) == 1) {
    if (iter.number == OPT_OBSERVE) observe = true;
    if (!isOuter(iter.number)) builder.add(iter.number, iter.value, iter.valueLen);
  }
  if (st < 0) return st;
  builder.setPayload(msg.payload, msg.payloadLen);
  store<u8>(plain, <u8>msg.code);
  const pl = builder.buildBody(plain + 1, PLAIN_CAP - 1);
  if (pl < 0) return E_BUFFER_TOO_SMALL;
  // Option value: flags | PIV | kid
  const nonce = memory.data(16, 8);
  let ov = 1;
  let flags = 0;
  if (request || withPiv) {
    const pivLen = pivOf(seq, pivBuf);
    flags |= pivLen;
    memory.copy(optVal + 1, pivBuf, <usize>pivLen);
    ov += pivLen;
    makeNonce(ctx, ctx.senderId, ctx.senderIdLen, pivBuf, pivLen, nonce);
    if (request) {
      if (ctx.idContextLen >= 0) {
        flags |= 0x10;
        store<u8>(optVal + <usize>ov, <u8>ctx.idContextLen);
        memory.copy(optVal + <usize>(ov + 1), ctx.idContext, <usize>ctx.idContextLen);
        ov += 1 + ctx.idContextLen;
      }
      flags |= 0x08;
      memory.copy(optVal + <usize>ov, ctx.senderId, <usize>ctx.senderIdLen);
      ov += ctx.senderIdLen;
      memory.copy(ctx.requestKid, ctx.senderId, <usize>ctx.senderIdLen); ctx.requestKidLen = ctx.senderIdLen;
      memory.copy(ctx.requestPiv, pivBuf, <usize>pivLen); ctx.requestPivLen = pivLen;
      memory.copy(ctx.requestNonce, nonce, NONCE_LEN);
    }
  } else {
    memory.copy(nonce, ctx.requestNonce, NONCE_LEN);
  }
  store<u8>(optVal, <u8>flags);
  if (flags == 0) ov = 0; // an empty option value: no PIV, no kid (§6.1)
  const aad = memory.data(64, 4);
  const al = makeAad(ctx, aad);
  st = aesCcmSeal(ctx.senderKey, nonce, NONCE_LEN, aad, al, plain, 1 + pl, TAG_LEN, plain);
  if (st != OK) return st;
  // Outer message: header, token, outer options, OSCORE option, ciphertext.
  const code = request ? (observe ? COAP_FETCH : COAP_POST) : (observe ? COAP_CONTENT : COAP_CHANGED);
  builder.reset(msg.type, code, msg.mid);
  builder.setToken(msg.token, msg.tokenLen);
  iter.reset(msg);
  while (iter.next() == 1) if (isOuter(iter.number) && iter.number != OPT_OSCORE) builder.add(iter.number, iter.value, iter.valueLen);
  builder.add(OPT_OSCORE, optVal + <usize>(ov == 0 ? 1 : 0), ov == 0 ? 0 : ov);
  if (edhocOption) builder.add(OPT_EDHOC, 0, 0);
  builder.setPayload(plain, 1 + pl + TAG_LEN);
  const n = builder.build(out, cap);
  return n < 0 ? E_BUFFER_TOO_SMALL : n;
}

/**
 * Verify and decrypt a protected message (§8.2, §8.4) into the unprotected CoAP message (same header and
 * token, outer Class U options, inner options and payload restored, the real code). A request's kid must be
 * the Recipient ID; its PIV becomes the context's request PIV. Returns the length or a status
 * (E_CRYPTO_AUTH on a bad tag: nothing is written to out).
 */
export function oscoreUnprotect(ctx: OscoreContext, m: usize, len: i32, out: usize, cap: i32): i32 {
  let st = msg.parse(m, len);
  if (st != OK) return st;
  if (msg.find(OPT_OSCORE) != 1 || msg.payloadLen < TAG_LEN + 1) return E_MALFORMED;
  const request = msg.code < 0x40 && msg.code != 0;
  // Parse the option value: flags | PIV | [s | kid context] | [kid]
  const v = msg.value, vl = msg.valueLen;
  let pivLen = 0, kidPtr: usize = 0, kidLen = -1;
  if (vl > 0) {
    const flags = <i32>load<u8>(v);
    if ((flags & 0xe0) != 0) return E_MALFORMED;
    pivLen = flags & 7;
    if (pivLen > 5) return E_MALFORMED;
    let i = 1 + pivLen;
    if (i > vl) return E_MALFORMED;
    if ((flags & 0x10) != 0) { if (i >= vl) return E_MALFORMED; const s = <i32>load<u8>(v + <usize>i); i += 1 + s; if (i > vl) return E_MALFORMED; }
    if ((flags & 0x08) != 0) { kidPtr = v + <usize>i; kidLen = vl - i; if (kidLen > OSCORE_MAX_ID) return E_MALFORMED; }
    else if (i != vl) return E_MALFORMED;
  }
  const nonce = memory.data(16, 8);
  if (request) {
    if (pivLen == 0 || kidLen < 0) return E_MALFORMED;
    if (kidLen != ctx.recipientIdLen || memory.compare(kidPtr, ctx.recipientId, <usize>kidLen) != 0) return E_CRYPTO_AUTH;
    memory.copy(ctx.requestKid, kidPtr, <usize>kidLen); ctx.requestKidLen = kidLen;
    memory.copy(ctx.requestPiv, v + 1, <usize>pivLen); ctx.requestPivLen = pivLen;
    makeNonce(ctx, ctx.recipientId, ctx.recipientIdLen, v + 1, pivLen, nonce);
    memory.copy(ctx.requestNonce, nonce, NONCE_LEN);
  } else if (pivLen > 0) {
    makeNonce(ctx, ctx.recipientId, ctx.recipientIdLen, v + 1, pivLen, nonce);
  } else {
    memory.copy(nonce, ctx.requestNonce, NONCE_LEN);
  }
  const aad = memory.data(64, 4);
  const al = makeAad(ctx, aad);
  if (msg.payloadLen > PLAIN_CAP) return E_LIMIT;
  const pl = aesCcmOpen(ctx.recipientKey, nonce, NONCE_LEN, aad, al, msg.payload, msg.payloadLen, TAG_LEN, plain);
  if (pl < 0) return pl;
  // Rebuild: the outer Class U options (minus OSCORE) + the inner options; the real code is the first plaintext
  // byte. An outer option of a Class E kind (e.g. an outer Max-Age meant for proxies) is dropped: it must not
  // shadow or stand in for the inner one (§4.1.3.1, §4.1).
  const inner = innerMsg;
  st = inner.parseBody(plain + 1, pl - 1);
  if (st != OK) return E_MALFORMED;
  builder.reset(msg.type, <i32>load<u8>(plain), msg.mid);
  builder.setToken(msg.token, msg.tokenLen);
  iter.reset(msg);
  while (iter.next() == 1) if (iter.number != OPT_OSCORE && isOuter(iter.number)) builder.add(iter.number, iter.value, iter.valueLen);
  const it2 = innerIter;
  it2.reset(inner);
  while (it2.next() == 1) builder.add(it2.number, it2.value, it2.valueLen);
  builder.setPayload(inner.payload, inner.payloadLen);
  const n = builder.build(out, cap);
  return n < 0 ? E_BUFFER_TOO_SMALL : n;
}
