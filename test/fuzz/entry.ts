// Fuzz entry (build/fuzz.wasm, not part of the product): one export per decoder of untrusted input, each taking
// the input from fuzz_input() and returning the decoder's status. tools/fuzz/ translates this module to C with
// wasm2c and drives the exports with libFuzzer; any trap is a crash.
import "../../assembly/crypto/soft";
import { keyImport } from "../../assembly/crypto/index";
import { KEY_TYPE_P256_DH } from "../../assembly/crypto/provider"; // the module's own crypto provider (crypto/index.ts)
import { OK, PENDING } from "../../assembly/base/errors";
import { CborReader } from "../../assembly/cbor/decode";
import { CoapMessage, CoapOptionIter, BlockValue } from "../../assembly/coap/message";
import { LinkIter } from "../../assembly/coap/linkformat";
import { Certificate, x509Parse, x509VerifyIssued, pkcs7Certificates, pkcs8Parse } from "../../assembly/pki/x509";
import { OscoreContext, oscoreDerive, oscoreUnprotect } from "../../assembly/oscore/oscore";
import {
  InitiatorConfig, WaitM2, ProcessingM2, ProcessedM2, prepareMessage1, parseMessage2, verifyMessage2, SUITE_P256_ES256,
  initiatorWorkspace,
} from "../../assembly/edhoc/initiator";
import { identitySetPeer, identityResolve, identityValidate, VALIDATE_NEXT, identityLoad, identityRegion, peer as peerCred } from "../../assembly/edhoc/credentials";
import { EDHOC_PT2_CAPACITY, EDHOC_WORK_CAPACITY, EDHOC_IDENTITY_CAPACITY, TRUST_ANCHORS_CAPACITY } from "../../assembly/base/config";
import { edhocErrorOffers, edhocErrorReport } from "../../assembly/edhoc/errors";
import { CoapRequest, coapClient } from "../../assembly/coap/client";
import { CoapEndpoint } from "../../assembly/coap/uri";
import { SeqCounter, seqVolatile, seqLoad } from "../../assembly/oscore/seq";
import { OscoreSecurity } from "../../assembly/oscore/security";
import { contextLoad } from "../../assembly/oscore/context";
import { trustAnchorsLoad } from "../../assembly/pki/trust";
import { KeyPair } from "../../assembly/pki/keys";
import { CsrAttrs, csrAttrsParse } from "../../assembly/est/att";
import { skgTake } from "../../assembly/est/skg";
import { drbgSeedFromBoard } from "../../assembly/crypto/drbg";
import { coapResponseCapacity } from "../../assembly/coap/client";
import { C509Cert, c509Parse, c509TbsDer, c509NameDer, c509VerifyIssued, C509_TBS_DER_MAX } from "../../assembly/pki/c509";
import { c509Answer, c509Check, c509Crts } from "../../assembly/est/c509";
import { enrollOptions, enrollState } from "../../assembly/est/state";

export {
  abi_version, io_buffer, io_capacity, start, on_datagram, on_timer, next_deadline, cancel,
  last_error, error_detail, error_detail_len, result, result_len, heap_top,
} from "../../assembly/app/runtime";

const INPUT_CAP: i32 = 8192;
const input = memory.data(INPUT_CAP, 16);
const scratch = memory.data(INPUT_CAP + 64, 16);

/** Where the fuzzer writes its input (at most 8192 bytes). */
export function fuzz_input(): usize { return input; }
export function fuzz_capacity(): i32 { return INPUT_CAP; }

const cbor = new CborReader();
/** CBOR: walk every item of a sequence, strict (deterministic) decoding. */
export function fuzz_cbor(n: i32): i32 {
  cbor.reset(input, n, true);
  while (!cbor.atEnd()) { const st = cbor.skip(); if (st != OK) return st; }
  return OK;
}

const msg = new CoapMessage();
const iter = new CoapOptionIter();
const blk = new BlockValue();
/** CoAP: parse a datagram, walk its options, decode Block options. */
export function fuzz_coap(n: i32): i32 {
  const st = msg.parse(input, n);
  if (st != OK) return st;
  iter.reset(msg);
  let k = 0;
  while (iter.next() == 1) { if (iter.number == 23 || iter.number == 27) blk.decode(iter.value, iter.valueLen); k++; }
  return msg.firstUnknownCritical() + k;
}

const links = new LinkIter();
/** Link format (RFC 6690): every link and attribute. */
export function fuzz_link(n: i32): i32 {
  links.reset(input, n);
  let k = 0;
  let st = links.next();
  while (st == 1) { k++; st = links.next(); }
  return st < 0 ? st : k;
}

const c1 = new Certificate(), c2 = new Certificate();
/** X.509: parse, and check the certificate against itself as issuer (signature verification on junk). */
export function fuzz_x509(n: i32): i32 {
  const st = x509Parse(c1, input, n);
  if (st != OK) return st;
  if (x509Parse(c2, input, n) != OK) return -1;
  return x509VerifyIssued(c1, c2);
}

const spans = memory.data(64, 8);
/** PKCS#7 certs-only, then every certificate in it. */
export function fuzz_pkcs7(n: i32): i32 {
  const k = pkcs7Certificates(input, n, spans, 8);
  if (k < 0) return k;
  for (let i = 0; i < k; i++) x509Parse(c1, <usize>load<u32>(spans + <usize>(i * 8)), load<i32>(spans + <usize>(i * 8 + 4)));
  return k;
}

/** PKCS#8 private keys. */
export function fuzz_pkcs8(n: i32): i32 { return pkcs8Parse(input, n, scratch); }

// RFC 9529 trace 2 (method 3, suite 2): the Initiator's configuration, so that message_2 is processed for real.
function hexInto(dst: usize, h: string): i32 {
  for (let i = 0; i < h.length / 2; i++) store<u8>(dst + <usize>i, <u8>I32.parseInt(h.substr(i * 2, 2), 16));
  return h.length / 2;
}
let edhocReady = false;
const config = new InitiatorConfig();
const ePriv = memory.data(32, 8), x = memory.data(32, 8), eCredI = memory.data(160, 8), eIdI = memory.data(8, 8);
const eCredR = memory.data(160, 8), eIdR = memory.data(8, 8), eGR = memory.data(32, 8);
let credRLen = 0, idRLen = 0, gRLen = 0;
const w2 = new WaitM2(), p2 = new ProcessingM2(), d2 = new ProcessedM2();
const fuzzPt2 = memory.data(EDHOC_PT2_CAPACITY, 8), fuzzWork = memory.data(EDHOC_WORK_CAPACITY, 8);
const fuzzRegion = memory.data(EDHOC_IDENTITY_CAPACITY, 8), fuzzTa = memory.data(TRUST_ANCHORS_CAPACITY, 8);
function edhocSetup(): void {
  const c = config;
  c.method = 3; c.suite = SUITE_P256_ES256;
  c.suitesILen = hexInto(c.suitesI, "820602");
  hexInto(x, "368ec1f69aeb659ba37d5a8d45b21bdc0299dceaa8ef235f3ca42ce3530f9525");
  c.cILen = hexInto(c.cI, "37");
  hexInto(ePriv, "fb13adeb6518cee5f88417660841142e830a81fe334380a953406a1305e8706b");
  keyImport(c.iKey, KEY_TYPE_P256_DH, ePriv, 32, 0);
  c.credI = eCredI; c.credILen = hexInto(eCredI, "a2027734322d35302d33312d46462d45462d33372d33322d333908a101a5010202412b2001215820ac75e9ece3e50bfc8ed60399889522405c47bf16df96660a41298cb4307f7eb62258206e5de611388a4b8a8211334ac7d37ecb52a387d257e6db3c2a93df21ff3affc8");
  c.idCredI = eIdI; c.idCredILen = hexInto(eIdI, "a104412b");
  credRLen = hexInto(eCredR, "a2026b6578616d706c652e65647508a101a501020241322001215820bbc34960526ea4d32e940cad2a234148ddc21791a12afbcbac93622046dd44f02258204519e257236b2a0ce2023f0931f1f386ca7afda64fcde0108c224c51eabf6072");
  idRLen = hexInto(eIdR, "a1044132");
  gRLen = hexInto(eGR, "bbc34960526ea4d32e940cad2a234148ddc21791a12afbcbac93622046dd44f0");
  edhocReady = true;
}
/** EDHOC message_2 (with PLAINTEXT_2 decrypted under the key the input's G_Y gives), through the Initiator's
 *  steps: parse, resolve the credential, verify. */
export function fuzz_edhoc_m2(n: i32): i32 {
  if (!edhocReady) edhocSetup();
  identitySetPeer(eCredR, credRLen, eIdR, idRLen, eGR, gRLen);
  keyImport(config.x, KEY_TYPE_P256_DH, x, 32, 0);
  const st = prepareMessage1(config, scratch, 256, w2);
  if (st < 0) return st;
  initiatorWorkspace(fuzzWork);
  let r = parseMessage2(w2, input, n, p2, fuzzPt2);
  if (r == OK) r = identityResolve(p2);
  if (r == VALIDATE_NEXT) r = identityValidate(p2);
  if (r == OK) r = verifyMessage2(p2, peerCred.cred, peerCred.credLen, peerCred.idMap, peerCred.idMapLen, peerCred.key, peerCred.keyLen, d2);
  return r;
}

const ctx = new OscoreContext();
let oscoreReady = false;
/** OSCORE: unprotect a message under RFC 8613 C.1's server context (requests) — the option and AEAD paths. */
export function fuzz_oscore(n: i32): i32 {
  if (!oscoreReady) {
    const ms = memory.data(16, 8), salt = memory.data(8, 8), rid = memory.data(1, 1);
    hexInto(ms, "0102030405060708090a0b0c0d0e0f10"); hexInto(salt, "9e7ca92223786340");
    store<u8>(rid, 0x01);
    oscoreDerive(ctx, ms, 16, salt, 8, rid, 1, 0, 0, 0, -1);
    oscoreReady = true;
  }
  return oscoreUnprotect(ctx, input, n, scratch, INPUT_CAP + 64);
}

// ---- Block-wise transfers (the CoAP client's Block1/Block2 and outer-Block2 reassembly) ------------------
// The input: a mode byte, then datagrams as [length (2 bytes, big-endian)][bytes]. Mode bit 0: the request has
// a 3000-byte payload (Block1); bit 1: OSCORE (outer Block2 reassembles before verification); bits 2-4: the
// block size exponent. Each datagram gets the Message ID and token the client waits for, so that it is taken
// as the answer and reaches the block logic. The reassembled payload may never exceed its buffer.
const peer = memory.data(7, 1);
const blockBody = memory.data(3000, 8);
const blockSec = new OscoreSecurity();
let blockCtxReady = false;
const blockEp = new CoapEndpoint();
const blockReq = new CoapRequest();
const dgram = memory.data(INPUT_CAP, 8);
export function fuzz_block(n: i32): i32 {
  if (n < 1) return 0;
  const mode = <i32>load<u8>(input);
  store<u8>(peer, 4); store<u8>(peer + 1, 0x16); store<u8>(peer + 2, 0x33); store<u32>(peer + 3, 0x0100007f);
  const s = blockReq;
  memory.copy(blockEp.addr, peer, 7); blockEp.addrLen = 7; blockEp.hostLen = 0;
  s.ep = blockEp;
  const path = memory.data(8, 1);
  store<u64>(path, 0x737472632f747365); // "est/crts"
  s.path = path; s.pathLen = 8;
  s.method = 1; s.confirmable = true; s.contentFormat = -1; s.accept = -1;
  s.payload = blockBody; s.payloadLen = (mode & 1) != 0 ? 3000 : 0;
  s.szx = (mode >> 2) & 7; if (s.szx > 6) s.szx = 6;
  s.askSize = true; s.retry = false; s.trace = false;
  let sec: OscoreSecurity | null = null;
  if ((mode & 2) != 0) {
    // RFC 8613 C.1's client: Sender ID empty, Recipient ID 0x01. Derived once: hexInto allocates strings,
    // which the stub runtime never frees (the harness would see the memory grow).
    if (!blockCtxReady) {
      const ms = memory.data(16, 8), salt = memory.data(8, 8), rid = memory.data(1, 1);
      hexInto(ms, "0102030405060708090a0b0c0d0e0f10"); hexInto(salt, "9e7ca92223786340");
      store<u8>(rid, 1);
      oscoreDerive(blockSec.ctx, ms, 16, salt, 8, rid, 0, rid, 1, 0, -1);
      blockCtxReady = true;
    }
    seqVolatile(blockSec.seq);
    blockSec.combine(0, 0);
    sec = blockSec;
  }
  let st = coapClient.begin(s, sec);
  // A protected exchange goes on in a timer call due at once (the request's protection, the verified answer).
  while (st == PENDING && coapClient.due()) st = coapClient.onTimer();
  let p = 1;
  while (st == PENDING && p + 2 <= n) {
    const len = (<i32>load<u8>(input + <usize>p) << 8) | <i32>load<u8>(input + <usize>(p + 1));
    p += 2;
    const k = len < n - p ? len : n - p;
    memory.copy(dgram, input + <usize>p, <usize>k);
    p += k;
    if (k >= 4) {
      const mid = coapClient.expectedMid();
      store<u8>(dgram + 2, <u8>(mid >> 8)); store<u8>(dgram + 3, <u8>mid);
      if ((load<u8>(dgram) & 15) == 4 && k >= 8) memory.copy(dgram + 4, coapClient.expectedToken(), 4);
    }
    st = coapClient.onDatagram(peer, 7, dgram, k);
    while (st == PENDING && coapClient.due()) st = coapClient.onTimer();
    if (coapClient.response().payloadLen > coapResponseCapacity() || coapClient.response().payloadLen < 0) unreachable();
  }
  return st;
}

// ---- EDHOC error messages (RFC 9528 §6) as the Initiator reads them in place of message_2 -----------------
export function fuzz_edhoc_err(n: i32): i32 {
  const offers = edhocErrorOffers(input, n, 0) || edhocErrorOffers(input, n, 2);
  return edhocErrorReport(input, n) + (offers ? 1 : 0);
}

// ---- multipart-core (RFC 8710) of /skg and /skc -------------------------------------------------------------
// The first byte selects the answer expected (bit 0: /skg with PKCS#7, else /skc with a bare certificate).
const skgKey = new KeyPair();
const skgCert = new Certificate();
export function fuzz_multipart(n: i32): i32 {
  if (n < 1) return 0;
  return skgTake(input + 1, n - 1, 62, (load<u8>(input) & 1) == 0, skgKey, 0, scratch, INPUT_CAP, skgCert);
}

// ---- C509 (pki/c509.ts, est/c509.ts) --------------------------------------------------------------------------
const c5a = new C509Cert(), c5b = new C509Cert();
/** A C509 certificate: parse; then its DER tbsCertificate (type 3), its names as DER, and itself as its issuer. */
export function fuzz_c509(n: i32): i32 {
  const st = c509Parse(c5a, input, n);
  if (st != OK) return st;
  c509TbsDer(c5a, scratch, C509_TBS_DER_MAX);
  c509NameDer(c5a.subject, c5a.subjectLen, scratch, 256);
  if (c5a.issuerLen > 0) c509NameDer(c5a.issuer, c5a.issuerLen, scratch, 256);
  if (c509Parse(c5b, input, n) != OK) return -1;
  return c509VerifyIssued(c5a, c5b, scratch, C509_TBS_DER_MAX);
}

const c5Req = new CoapRequest();
/** The answer to a C509 enrollment: input[0] picks its Content-Format (the certificate, a chain, multipart-core),
 *  the rest is the payload; then the certificate is checked (no key matches: the parse is what runs) and the
 *  same payload is read as a /crts answer. */
export function fuzz_c509_answer(n: i32): i32 {
  if (n < 1) return 0;
  const o = enrollOptions;
  if (o.ep.uriLen == 0) {
    const u = "coap://127.0.0.1:5683";
    for (let i = 0; i < u.length; i++) store<u8>(o.ep.uri + <usize>i, <u8>u.charCodeAt(i));
    o.ep.uriLen = u.length; o.ep.path = o.ep.uri + <usize>u.length; o.ep.pathLen = 0;
  }
  const sel = <i32>load<u8>(input) % 3;
  const cf = sel == 0 ? o.cfCert : sel == 1 ? o.cfChain : 62;
  let st = c509Answer(input + 1, n - 1, cf, scratch, c5Req);
  if (st == OK) st = c509Check(scratch, enrollState.certLen);
  c509Crts(input + 1, n - 1, o.cfCert, scratch + 4096);
  return st;
}

// ---- CSR attributes (/att, RFC 7030 §4.5) -------------------------------------------------------------------
const attrs = new CsrAttrs();
export function fuzz_csrattrs(n: i32): i32 { return csrAttrsParse(input, n, 285, 2, attrs); }

// ---- Key-store records ---------------------------------------------------------------------------------------
// tools/fuzz/harness.c (built with FUZZ_STORE) makes the store serve input[1..] as every record; input[0]
// selects the reader: the OSCORE context, the sequence-number record (tagged or not), the device and server
// identity with the EDHOC setup and the trust anchor (suite 0 or its alternative), or the DRBG seed record.
const storeCtx = new OscoreContext();
const storeSeq = new SeqCounter();
const storeCfg = new InitiatorConfig();
export function fuzz_store(n: i32): i32 {
  if (n < 1) return 0;
  const sel = <i32>load<u8>(input);
  switch (sel % 6) {
    case 0: return contextLoad(storeCtx);
    case 1: return seqLoad(storeSeq, 0x0200, (sel & 8) != 0, 0x01020304, <u64>(sel >> 4));
    case 2: identityRegion(fuzzRegion, EDHOC_IDENTITY_CAPACITY, fuzzTa); return identityLoad(storeCfg, 0);
    case 3: identityRegion(fuzzRegion, EDHOC_IDENTITY_CAPACITY, fuzzTa); return identityLoad(storeCfg, 1);
    case 4: return trustAnchorsLoad(fuzzTa);
    default: return drbgSeedFromBoard();
  }
}
