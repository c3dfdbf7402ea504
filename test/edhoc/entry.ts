// Test entry for EDHOC and OSCORE (build/edhoc-test.wasm, not part of the product): lets tests inject the
// ephemeral key and credentials of an RFC 9529 trace and choose OSCORE sequence numbers, which the release
// module has no path for.
//
// `vector` op edhoc_initiator: {method, suites (CBOR hex), suite, x, c_i, i_key, cred_i, id_cred_i, cred_r,
// id_cred_r, g_r, message_2} -> {"message_1", "message_3", "prk_out", "oscore_secret", "oscore_salt", "c_r"}
// or {"error": NAME, "at": "message_1" | "message_2" | "message_3"}.
//
// `vector` op oscore_exchange: {ms, salt, sid, rid, [idc], request, seq, response, resp_seq, resp_piv} runs
// client protect -> server unprotect -> server protect -> client unprotect with mirrored contexts and answers
// {"sender_key", "recipient_key", "common_iv", "protected_request", "request", "protected_response",
// "response"} or {"error": NAME, "at": STEP}.

import "../../assembly/crypto/soft"; // the module's own crypto provider (crypto/index.ts)
import { OK, E_USAGE, E_UNKNOWN_COMMAND, statusName } from "../../assembly/base/errors";
import { registerCommands, argc, argIs, argPtr, argLen } from "../../assembly/app/runtime";
import { output, flushOut } from "../../assembly/app/output";
import { fail } from "../common/text";
import { jsonParse, jsonIs, jsonHex, jsonInt, jsonPtr } from "../../assembly/app/json";
import { OscoreContext, oscoreDerive, oscoreProtect, oscoreUnprotect } from "../../assembly/oscore/oscore";
import { edhocCombine } from "../../assembly/oscore/combined";
import { SeqCounter, seqLoad, seqTake } from "../../assembly/oscore/seq";
import { STORE_ID_OSCORE_SEQ, STORE_ID_TIME_LKG } from "../../assembly/base/store-ids";
import * as board from "../../assembly/base/abi";
import { detailPtr, detailLen } from "../../assembly/base/diag";
import { E_EST_CHAIN } from "../../assembly/base/errors";
import { pathValidate, pathAccept, pathSpans, pathIssuer, pathIssuerLength } from "../../assembly/pki/path";
import { csrSpec, csrBuild } from "../../assembly/pki/csr";
import { keyPairPublic } from "../../assembly/pki/keys";
import { Certificate, x509Parse, x509VerifyIssued, pkcs7Certificates } from "../../assembly/pki/x509";
import {
  InitiatorConfig, WaitM2, ProcessingM2, ProcessedM2, Completed, prepareMessage1, parseMessage2, verifyMessage2,
  prepareMessage3, exportOscore, initiatorWorkspace,
} from "../../assembly/edhoc/initiator";
import { EDHOC_PT2_CAPACITY, EDHOC_WORK_CAPACITY } from "../../assembly/base/config";
import { identitySetPeer, identityResolve, identityValidate, VALIDATE_NEXT, peer } from "../../assembly/edhoc/credentials";
import { keyImport, wipe } from "../../assembly/crypto/index";
import {
  KEY_TYPE_P256_DH, KEY_TYPE_X25519_DH, KEY_TYPE_P256_ECDSA, KEY_TYPE_ED25519,
} from "../../assembly/crypto/provider";

export {
  abi_version, io_buffer, io_capacity, start, on_datagram, on_timer, next_deadline, cancel,
  last_error, error_detail, error_detail_len, result, result_len, heap_top,
} from "../../assembly/app/runtime";

function field(key: string, dst: usize, cap: i32): i32 {
  const n = jsonHex(key, cap);
  if (n < 0) return n;
  memory.copy(dst, jsonPtr(key), <usize>n);
  return n;
}

const client = new OscoreContext();
const server = new OscoreContext();

function refused(st: i32, at: string): i32 {
  output.str("{\"error\":\"").str(statusName(st)).str("\",\"at\":\"").str(at).str("\"}\n");
  flushOut();
  return OK;
}

const config = new InitiatorConfig();
const keyBytes = memory.data(32, 8), credI = memory.data(512, 8), idCredI = memory.data(64, 8);
const s1 = new WaitM2(), s2 = new ProcessingM2(), s3 = new ProcessedM2(), s4 = new Completed();
const credR = memory.data(512, 8), idCredR = memory.data(64, 8), gR = memory.data(65, 8);

// The trace's X and authentication key, kept so that edhoc_i_finish can open them again: a command's start
// closes the board's key handles the last one left (crypto/key.ts), and this entry spans two commands.
const savedX = memory.data(32, 8), savedI = memory.data(32, 8);
let xType = 0, iType = 0;
function importKeys(): i32 {
  const st = keyImport(config.x, xType, savedX, 32, 0);
  return st != OK ? st : keyImport(config.iKey, iType, savedI, 32, 0);
}

/** Copy the handshake configuration fields of a request into the Initiator's config and the trusted peer. */
function loadConfig(): i32 {
  const c = config;
  c.credI = credI; c.idCredI = idCredI;
  c.method = jsonInt("method");
  c.suite = jsonInt("suite");
  let n: i32;
  if ((n = field("suites", c.suitesI, 16)) < 0) return n; c.suitesILen = n;
  // X and the authentication key are imported as volatile keys (held by the board where it can).
  const p256 = c.suite == 2, iDh = c.method == 2 || c.method == 3;
  if ((n = field("x", savedX, 32)) < 0) return n;
  if ((n = field("c_i", c.cI, 8)) < 0) return n; c.cILen = n;
  if ((n = field("i_key", savedI, 32)) < 0) return n;
  xType = p256 ? KEY_TYPE_P256_DH : KEY_TYPE_X25519_DH;
  iType = p256 ? (iDh ? KEY_TYPE_P256_DH : KEY_TYPE_P256_ECDSA) : (iDh ? KEY_TYPE_X25519_DH : KEY_TYPE_ED25519);
  if ((n = importKeys()) < 0) return n;
  if ((n = field("cred_i", c.credI, 512)) < 0) return n; c.credILen = n;
  if ((n = field("id_cred_i", c.idCredI, 64)) < 0) return n; c.idCredILen = n;
  let cl: i32, il: i32, gl: i32;
  if ((cl = field("cred_r", credR, 512)) < 0) return cl;
  if ((il = field("id_cred_r", idCredR, 64)) < 0) return il;
  if ((gl = field("g_r", gR, 65)) < 0) return gl;
  return identitySetPeer(credR, cl, idCredR, il, gR, gl);
}

const pt2 = memory.data(EDHOC_PT2_CAPACITY, 8), work = memory.data(EDHOC_WORK_CAPACITY, 8);

/** message_2 through the Initiator's steps: parse, resolve the credential, verify. */
function message2(p: usize, n: i32): i32 {
  initiatorWorkspace(work);
  let st = parseMessage2(s1, p, n, s2, pt2);
  if (st == OK) st = identityResolve(s2);
  if (st == VALIDATE_NEXT) st = identityValidate(s2);
  if (st == OK) st = verifyMessage2(s2, peer.cred, peer.credLen, peer.idMap, peer.idMapLen, peer.key, peer.keyLen, s3);
  return st;
}

function initiator(): i32 {
  let n = loadConfig();
  if (n != OK) return n;
  const c = config;
  const m2 = jsonHex("message_2", 512);
  if (m2 < 0) return m2;
  const m1 = memory.data(128, 8), m3 = memory.data(256, 8), ms = memory.data(16, 8), salt = memory.data(8, 8);
  const l1 = prepareMessage1(c, m1, 128, s1);
  if (l1 < 0) return refused(l1, "message_1");
  let st = message2(jsonPtr("message_2"), m2);
  if (st != OK) return refused(st, "message_2");
  const cR = memory.data(8, 4);
  const cRLen = s3.cRLen;
  memory.copy(cR, s3.cR, <usize>cRLen);
  const l3 = prepareMessage3(s3, c, m3, 256, s4);
  if (l3 < 0) return refused(l3, "message_3");
  st = exportOscore(s4, ms, salt);
  if (st != OK) return refused(st, "oscore");
  // Optionally the RFC 9668 combined request: {"request": unprotected CoAP request with the EDHOC option}.
  let cl = 0;
  const comb = memory.data(1400, 8);
  if (jsonPtr("request") != 0) {
    const rq = jsonHex("request", 1024);
    if (rq < 0) return rq;
    st = oscoreDerive(client, ms, 16, salt, 8, cR, cRLen, c.cI, c.cILen, 0, -1); // Sender ID C_R, Recipient ID C_I
    if (st != OK) return refused(st, "oscore");
    const pl = oscoreProtect(client, jsonPtr("request"), rq, 0, true, comb, 1400);
    if (pl < 0) return refused(pl, "protect");
    cl = edhocCombine(comb, pl, m3, l3, 1400);
    if (cl < 0) return refused(cl, "combine");
  }
  output.str("{\"message_1\":\"").hex(m1, l1).str("\",\"message_3\":\"").hex(m3, l3).str("\",\"prk_out\":\"").hex(s4.prkOut, 32)
    .str("\",\"oscore_secret\":\"").hex(ms, 16).str("\",\"oscore_salt\":\"").hex(salt, 8).str("\",\"c_r\":\"").hex(cR, cRLen);
  if (cl > 0) output.str("\",\"combined\":\"").hex(comb, cl);
  output.str("\"}\n");
  flushOut();
  return OK;
}

/** Derive `ctx` from the fields ms, salt, sid, rid and optional idc, and `mirror` (if given) with sid and rid
 *  swapped. The fields are decoded in place, so this runs once per request. */
function deriveFromFields(ctx: OscoreContext, mirror: OscoreContext | null): i32 {
  const ms = memory.data(32, 8), salt = memory.data(32, 8), sid = memory.data(8, 4), rid = memory.data(8, 4), idc = memory.data(16, 4);
  let msl: i32, sl: i32, sidl: i32, ridl: i32;
  if ((msl = field("ms", ms, 32)) < 0) return msl;
  if ((sl = field("salt", salt, 32)) < 0) return sl;
  if ((sidl = field("sid", sid, 8)) < 0) return sidl;
  if ((ridl = field("rid", rid, 8)) < 0) return ridl;
  const idcl = jsonPtr("idc") == 0 ? -1 : field("idc", idc, 16);
  const st = oscoreDerive(ctx, ms, msl, salt, sl, sid, sidl, rid, ridl, idc, idcl);
  if (st != OK || mirror === null) return st;
  return oscoreDerive(mirror, ms, msl, salt, sl, rid, ridl, sid, sidl, idc, idcl);
}

function oscoreExchange(): i32 {
  const rq = jsonHex("request", 1024), rs = jsonHex("response", 1024);
  if (rq < 0 || rs < 0) return fail(E_USAGE, "request and response are hex CoAP messages");
  const seq = jsonInt("seq"), rseq = jsonInt("resp_seq"), rpiv = jsonInt("resp_piv") == 1;
  let st = deriveFromFields(client, server);
  if (st != OK) return refused(st, "derive");
  const preq = memory.data(1200, 8), req = memory.data(1200, 8), presp = memory.data(1200, 8), resp = memory.data(1200, 8);
  const a = oscoreProtect(client, jsonPtr("request"), rq, <u64>seq, true, preq, 1200);
  if (a < 0) return refused(a, "protect request");
  const b = oscoreUnprotect(server, preq, a, req, 1200);
  if (b < 0) return refused(b, "unprotect request");
  const c = oscoreProtect(server, jsonPtr("response"), rs, <u64>(rseq < 0 ? 0 : rseq), rpiv, presp, 1200);
  if (c < 0) return refused(c, "protect response");
  const d = oscoreUnprotect(client, presp, c, resp, 1200);
  if (d < 0) return refused(d, "unprotect response");
  output.str("{\"sender_key\":\"").hex(client.senderKey, 16).str("\",\"recipient_key\":\"").hex(client.recipientKey, 16)
    .str("\",\"common_iv\":\"").hex(client.commonIv, 13).str("\",\"protected_request\":\"").hex(preq, a)
    .str("\",\"request\":\"").hex(req, b).str("\",\"protected_response\":\"").hex(presp, c).str("\",\"response\":\"").hex(resp, d).str("\"}\n");
  flushOut();
  return OK;
}

/** oscore_unprotect: {ms, salt, sid, rid, [idc], message} -> {"out": unprotected} or {"error", "at"}. */
function oscoreUnprotectOp(): i32 {
  const n = jsonHex("message", 1200);
  if (n < 0) return n;
  let st = deriveFromFields(server, null);
  if (st != OK) return refused(st, "derive");
  const out = memory.data(1200, 8);
  st = oscoreUnprotect(server, jsonPtr("message"), n, out, 1200);
  if (st < 0) return refused(st, "unprotect");
  output.str("{\"out\":\"").hex(out, st).str("\"}\n");
  flushOut();
  return OK;
}

/** oscore_seq: {count, [stream]} -> take `count` sequence numbers of context 0 -> {"first", "last",
 *  "writes"}; with stream: 1 each number is also printed ("used N") as soon as it is taken. Each est-sim
 *  process is a boot; killing one mid-run is a power cut. */
const counter = new SeqCounter();
function oscoreSeqOp(): i32 {
  const count = jsonInt("count");
  if (count < 1) return fail(E_USAGE, "oscore_seq: count >= 1");
  let st = seqLoad(counter, STORE_ID_OSCORE_SEQ);
  if (st != OK) return refused(st, "load");
  let first: i64 = -1, last: i64 = -1;
  for (let i = 0; i < count; i++) {
    const s = seqTake(counter);
    if (s < 0) return refused(<i32>s, "take");
    if (first < 0) first = s;
    last = s;
    if (jsonInt("stream") == 1) { output.str("used ").dec(s).byte(0x0a); flushOut(); }
  }
  output.str("{\"first\":").dec(first).str(",\"last\":").dec(last).str(",\"writes\":").dec(counter.writes).str("}\n");
  flushOut();
  return OK;
}

/** edhoc_i_start: the configuration fields of edhoc_initiator -> {"message_1"}; the handshake state stays in
 *  the module for edhoc_i_finish (a live exchange with another implementation). */
function initiatorStart(): i32 {
  const st = loadConfig();
  if (st != OK) return st;
  const m1 = memory.data(128, 8);
  const l1 = prepareMessage1(config, m1, 128, s1);
  if (l1 < 0) return refused(l1, "message_1");
  output.str("{\"message_1\":\"").hex(m1, l1).str("\"}\n");
  flushOut();
  return OK;
}

/** edhoc_i_finish: {message_2} -> {"message_3", "prk_out", "oscore_secret", "oscore_salt", "c_r"}. */
function initiatorFinish(): i32 {
  const m2 = jsonHex("message_2", 512);
  if (m2 < 0) return m2;
  if (importKeys() != OK) return refused(E_USAGE, "keys");
  let st = message2(jsonPtr("message_2"), m2);
  if (st != OK) return refused(st, "message_2");
  const m3 = memory.data(256, 8), ms = memory.data(16, 8), salt = memory.data(8, 8);
  const l3 = prepareMessage3(s3, config, m3, 256, s4);
  if (l3 < 0) return refused(l3, "message_3");
  st = exportOscore(s4, ms, salt);
  if (st != OK) return refused(st, "oscore");
  output.str("{\"message_3\":\"").hex(m3, l3).str("\",\"prk_out\":\"").hex(s4.prkOut, 32).str("\",\"oscore_secret\":\"")
    .hex(ms, 16).str("\",\"oscore_salt\":\"").hex(salt, 8).str("\",\"c_r\":\"").hex(s4.cR, s4.cRLen).str("\"}\n");
  flushOut();
  return OK;
}

/** csr: {kind (1 ES256, 2 Ed25519, 3 P-256 DH, 4 X25519 DH), key, [recipient], cn, [dns], [password],
 *  [r_subject, r_issuer, r_serial] (classic RFC 6955)} ->
 *  {"pub", "csr"}: the module's PKCS#10 for an injected key (the release module only enrolls fresh keys).
 *  x509: {cert, [issuer]} -> {"key", "is_ca", "verified"} or {"error"}: parse and chain checks. */
function csrOp(): i32 {
  const s = csrSpec;
  s.key.kind = jsonInt("kind");
  let n = field("key", keyBytes, 32);
  if (n != 32) return fail(E_USAGE, "csr: key is 32 bytes");
  n = keyImport(s.key.key, s.key.kind, keyBytes, 32, 0);
  wipe(keyBytes, 32);
  if (n != OK) return refused(n, "key");
  if (jsonPtr("recipient") != 0 && field("recipient", s.recipient, 32) != 32) return fail(E_USAGE, "csr: recipient is 32 bytes");
  s.cnLen = jsonPtr("cn") == 0 ? 0 : field("cn", s.cn, 64);
  s.dnsLen = jsonPtr("dns") == 0 ? 0 : field("dns", s.dns, 64);
  s.passwordLen = jsonPtr("password") == 0 ? 0 : field("password", s.password, 64);
  // Classic RFC 6955: the recipient certificate's subject, issuer and serial.
  s.classic = jsonPtr("r_subject") != 0;
  if (s.classic) {
    s.rSubjectLen = field("r_subject", s.rSubject, 256);
    s.rIssuerLen = field("r_issuer", s.rIssuer, 256);
    s.rSerialLen = field("r_serial", s.rSerial, 24);
    if (s.rSubjectLen < 0 || s.rIssuerLen < 0 || s.rSerialLen < 1) return fail(E_USAGE, "csr: r_subject, r_issuer, r_serial");
  }
  let st = keyPairPublic(s.key);
  if (st != OK) return refused(st, "key");
  const out = memory.data(1024, 8);
  n = csrBuild(s, out, 1024, memory.data(1400, 8));
  if (n < 0) return refused(n, "csr");
  output.str("{\"pub\":\"").hex(s.key.pub, s.key.pubLen).str("\",\"csr\":\"").hex(out, n).str("\"}\n");
  flushOut();
  return OK;
}

const certA = new Certificate(), certB = new Certificate();
function x509Op(): i32 {
  const a = memory.data(2048, 8), b = memory.data(2048, 8);
  const al = field("cert", a, 2048);
  if (al < 0) return al;
  let st = x509Parse(certA, a, al);
  if (st != OK) return refused(st, "cert");
  let verified = "null";
  if (jsonPtr("issuer") != 0) {
    const bl = field("issuer", b, 2048);
    if (bl < 0) return bl;
    st = x509Parse(certB, b, bl);
    if (st != OK) return refused(st, "issuer");
    st = x509Parse(certA, a, al); // the parser's readers are shared: parse the subject again
    if (st != OK) return refused(st, "cert");
    verified = x509VerifyIssued(certA, certB) == OK ? "true" : "false";
  }
  output.str("{\"key\":\"").hex(certA.key, certA.keyLen).str("\",\"is_ca\":").str(certA.isCa ? "true" : "false")
    .str(",\"verified\":").str(verified).str("}\n");
  flushOut();
  return OK;
}

/** path: {cert, [t0..t3] (trusted), [c0..c3] (untrusted intermediates), [now] (8 bytes, big-endian seconds since
 *  1970), [real] (1: now is real time)} -> {"ok": true, "issuer"} or {"error", "msg" (the reason's message id),
 *  "depth" (its first argument)}: pki/path.ts; an accepted path moves the last-known-good time (lkg op).
 *  lkg: {} -> {"lkg": hex of the 8-byte record value, or ""}. */
const pathPool = memory.data(6 * 1024, 8), pathNow = memory.data(8, 8);
const pathLeaf = new Certificate();
function pathOp(): i32 {
  const trusted = ["t0", "t1", "t2", "t3"], chain = ["c0", "c1", "c2", "c3"];
  const cl = field("cert", pathPool, 1024);
  if (cl < 0) return cl;
  let n = 0, nt = 0;
  for (let k = 0; k < 8; k++) {
    const key = k < 4 ? trusted[k] : chain[k - 4];
    if (jsonPtr(key) == 0) continue;
    const at = pathPool + <usize>((n + 1) * 1024);
    const l = field(key, at, 1024);
    if (l < 0) return l;
    store<u32>(pathSpans + <usize>(n * 8), <u32>at);
    store<i32>(pathSpans + <usize>(n * 8 + 4), l);
    n++;
    if (k < 4) nt = n;
  }
  let now: i64 = -1;
  if (jsonPtr("now") != 0) { if (field("now", pathNow, 8) != 8) return fail(E_USAGE, "path: now is 8 bytes"); now = bswap<i64>(load<i64>(pathNow)); }
  let st = x509Parse(pathLeaf, pathPool, cl);
  if (st != OK) return refused(st, "cert");
  st = pathValidate(pathLeaf, pathSpans, nt, n, now, jsonInt("real") == 1, E_EST_CHAIN);
  if (st != OK) {
    const d = detailPtr();
    output.str("{\"error\":\"").str(statusName(st)).str("\",\"msg\":").dec(<i32>load<u16>(d)).str(",\"depth\":")
      .dec(detailLen() >= 10 ? <i32>load<i64>(d + 2) : -1).str("}\n");
  } else {
    pathAccept();
    output.str("{\"ok\":true,\"issuer\":\"").hex(pathIssuer(), pathIssuerLength()).str("\"}\n");
  }
  flushOut();
  return OK;
}

function lkgOp(): i32 {
  const n = board.store_read(STORE_ID_TIME_LKG, pathNow, 8);
  output.str("{\"lkg\":\"").hex(pathNow, n == 8 ? 8 : 0).str("\"}\n");
  flushOut();
  return OK;
}

/** pkcs7: {p7} -> {"certs": [hex...]} or {"error"}. */
function pkcs7Op(): i32 {
  const p = memory.data(4096, 8), spans = memory.data(64, 8);
  const n = field("p7", p, 4096);
  if (n < 0) return n;
  const k = pkcs7Certificates(p, n, spans, 8);
  if (k < 0) return refused(k, "p7");
  output.str("{\"certs\":[");
  for (let i = 0; i < k; i++) {
    if (i > 0) output.str(",");
    output.str("\"").hex(<usize>load<u32>(spans + <usize>(i * 8)), load<i32>(spans + <usize>(i * 8 + 4))).str("\"");
  }
  output.str("]}\n");
  flushOut();
  return OK;
}

function dispatch(): i32 {
  if (!argIs(0, "vector")) return fail(E_UNKNOWN_COMMAND, "edhoc test entry: only `vector`");
  if (argc() != 2) return fail(E_USAGE, "usage: vector JSON");
  const st = jsonParse(argPtr(1), argLen(1));
  if (st != OK) return st;
  if (jsonIs("op", "edhoc_initiator")) return initiator();
  if (jsonIs("op", "edhoc_i_start")) return initiatorStart();
  if (jsonIs("op", "edhoc_i_finish")) return initiatorFinish();
  if (jsonIs("op", "oscore_exchange")) return oscoreExchange();
  if (jsonIs("op", "oscore_unprotect")) return oscoreUnprotectOp();
  if (jsonIs("op", "oscore_seq")) return oscoreSeqOp();
  if (jsonIs("op", "csr")) return csrOp();
  if (jsonIs("op", "x509")) return x509Op();
  if (jsonIs("op", "pkcs7")) return pkcs7Op();
  if (jsonIs("op", "path")) return pathOp();
  if (jsonIs("op", "lkg")) return lkgOp();
  return fail(E_UNKNOWN_COMMAND, "unknown op");
}

registerCommands(dispatch);
