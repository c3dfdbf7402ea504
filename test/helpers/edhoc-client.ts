// A small EDHOC Initiator (RFC 9528, method 3 only: both sides authenticate with static DH keys; cipher suites
// 0 and 2) and an OSCORE client (RFC 8613, RFC 9668 combined request) over UdpClient, for the server tests and
// the air-bytes benchmark that must send what the device does not send yet: C509 CSRs, C509 credentials. It
// derives with the Responder's own primitives (tools/server/responder.ts edhocPrimitives), so it proves the
// server's C509 handling, not EDHOC: the Responder itself is checked against RFC 9529 (server-edhoc.test.ts)
// and against the device (est-sim) in the enrollment tests.
//
// Deliberately not here: methods 0-2, EAD, error messages from the Initiator's side, retransmission (UdpClient
// sends each datagram once), Block1 (requests are small), Block2 (answers under 1024 bytes).

import { randomBytes } from "node:crypto";
import { cBstr } from "../../tools/server/cbor.js";
import { CHANGED, CON, OPT, POST, uintBytes, type Message, type Option } from "../../tools/server/coap.js";
import { deriveContext, protectRequest, unprotectResponse, type SecurityContext } from "../../tools/server/oscore-server.js";
import { edhocPrimitives as P, ephemeralPrivate, ephemeralPublic } from "../../tools/server/responder.js";
import { UdpClient } from "./udp-client.js";

/** The Initiator's identity: suite, static DH private key (P-256 scalar or X25519 key), CRED_I and ID_CRED_I
 *  (a CBOR map, e.g. {4: kid}, {22: c5t}, {25: c5c}). */
export interface InitiatorIdentity { suite: 0 | 2; priv: Uint8Array; credI: Uint8Array; idCredI: Uint8Array }
/** What the Initiator trusts for an ID_CRED_R (as a map): CRED_R and the Responder's static DH public key
 *  (32 bytes: P-256 x-coordinate or X25519), or null to refuse. */
export type ResolvePeer = (idCredR: Uint8Array) => { credR: Uint8Array; gR: Uint8Array } | null;

/** The end of the CBOR item at b[p] (a one-item walker: ints, strings, arrays, maps, tags). */
function itemEnd(b: Uint8Array, p: number): number {
  if (p >= b.length) throw new Error("truncated CBOR");
  const mt = b[p] >> 5, ai = b[p] & 31;
  let v = ai, q = p + 1;
  if (ai === 24) { v = b[q]; q += 1; } else if (ai === 25) { v = (b[q] << 8) | b[q + 1]; q += 2; } else if (ai > 25) throw new Error("unsupported CBOR head");
  if (mt === 2 || mt === 3) return q + v;
  if (mt === 4) { for (let i = 0; i < v; i++) q = itemEnd(b, q); return q; }
  if (mt === 5) { for (let i = 0; i < 2 * v; i++) q = itemEnd(b, q); return q; }
  if (mt === 6) return itemEnd(b, q);
  return q;
}
/** An identifier's bytes from its wire form (RFC 9528 §3.3.2): a one-byte int stands for that byte. */
const idOfWire = (w: Uint8Array) => (w.length === 1 ? w : w.subarray(w[0] === 0x58 ? 2 : 1));
/** The wire form of an identifier: a byte in the CBOR-int ranges as that int, otherwise a bstr. */
const wireOfId = (id: Uint8Array) => (id.length === 1 && (id[0] <= 0x17 || (id[0] >= 0x20 && id[0] <= 0x37)) ? id : Uint8Array.from(cBstr(id)));

export interface Handshake {
  /** The client's OSCORE context (Sender ID C_R, Recipient ID C_I). */
  ctx: SecurityContext;
  /** message_3, for the combined request. */
  message3: Uint8Array;
  /** C_R as bytes. */
  cR: Uint8Array;
  /** G_Y of this run (32 bytes), the DH proof-of-possession recipient key (docs/dh-pop.md). */
  gY: Uint8Array;
  /** ID_CRED_R as it came (a map), CRED_R the Initiator used, and the EDHOC messages' sizes. */
  idCredR: Uint8Array;
  credR: Uint8Array;
  sizes: { message1: number; message2: number; message3: number };
}

/**
 * Run message_1 and message_2 against the server's /.well-known/edhoc and prepare message_3 (method 3).
 * Throws when the server answers anything but message_2, or when MAC_2 does not verify under what `resolve`
 * trusts. With `sequential`, message_3 is also sent on its own (C_R || message_3); otherwise the caller sends it
 * in a combined request (OscoreClient.request with `message3`).
 */
export async function handshake(udp: UdpClient, id: InitiatorIdentity, resolve: ResolvePeer, o: { sequential?: boolean } = {}): Promise<Handshake> {
  const { sha256, extract, kdf, enc0, ecdh, aead } = P;
  const x = ephemeralPrivate(id.suite), gX = ephemeralPublic(id.suite, x);
  const cI = Uint8Array.of(randomBytes(1)[0] % 24);
  const m1 = Uint8Array.from([0x03, id.suite, ...cBstr(gX), cI[0]]);
  const r2 = await udp.exchange(udp.post("/.well-known/edhoc", Uint8Array.from([0xf5, ...m1])));
  if (!r2 || r2.code !== CHANGED) throw new Error(`message_1 answered ${r2 ? `${r2.code >> 5}.${r2.code & 31}: ${Buffer.from(r2.payload).toString("latin1")}` : "nothing"}`);
  const m2 = r2.payload;
  if (m2[0] >> 5 !== 2 || itemEnd(m2, 0) !== m2.length) throw new Error("message_2 is not one byte string");
  const body = m2.subarray(m2[0] === 0x58 ? 2 : m2[0] === 0x59 ? 3 : 1); // G_Y || CIPHERTEXT_2
  const gY = body.subarray(0, 32), ct2 = body.subarray(32);
  const th2 = sha256(Uint8Array.from([...cBstr(gY), ...cBstr(sha256(m1))]));
  const prk2e = extract(th2, ecdh(id.suite, x, gY));
  const ks = kdf(prk2e, 0, th2, ct2.length);
  const pt2 = ct2.map((b, i) => b ^ ks[i]);
  // PLAINTEXT_2 = ( C_R, ID_CRED_R (a map, or a compact kid), Signature_or_MAC_2, ? EAD_2 )
  const e1 = itemEnd(pt2, 0), e2 = itemEnd(pt2, e1), e3 = itemEnd(pt2, e2);
  const cRWire = pt2.subarray(0, e1), idWire = pt2.subarray(e1, e2), mac2 = pt2.subarray(e2, e3).subarray(1), ead2 = pt2.subarray(e3);
  const idCredR = idWire[0] >> 5 === 5 ? Uint8Array.from(idWire) : Uint8Array.from([0xa1, 0x04, ...cBstr(idOfWire(idWire))]);
  const peer = resolve(idCredR);
  if (!peer) throw new Error("the Responder's credential is not trusted");
  const prk3e2m = extract(kdf(prk2e, 1, th2, 32), ecdh(id.suite, x, peer.gR));
  const want2 = kdf(prk3e2m, 2, Uint8Array.from([...cRWire, ...idCredR, ...cBstr(th2), ...peer.credR, ...ead2]), 8);
  if (!Buffer.from(want2).equals(Buffer.from(mac2))) throw new Error("MAC_2 does not verify");
  const th3 = sha256(Uint8Array.from([...cBstr(th2), ...pt2, ...peer.credR]));
  const prk4e3m = extract(kdf(prk3e2m, 5, th3, 32), ecdh(id.suite, id.priv, gY));
  const mac3 = kdf(prk4e3m, 6, Uint8Array.from([...id.idCredI, ...cBstr(th3), ...id.credI]), 8);
  const kidOnly = id.idCredI[0] === 0xa1 && id.idCredI[1] === 0x04 ? wireOfId(id.idCredI.subarray(id.idCredI[2] === 0x58 ? 4 : 3)) : id.idCredI;
  const pt3 = Uint8Array.from([...kidOnly, ...cBstr(mac3)]);
  const ct3 = aead(true, kdf(prk3e2m, 3, th3, 16), kdf(prk3e2m, 4, th3, 13), enc0(th3), pt3);
  const message3 = Uint8Array.from(cBstr(ct3));
  const th4 = sha256(Uint8Array.from([...cBstr(th3), ...pt3, ...id.credI]));
  const exporter = kdf(kdf(prk4e3m, 7, th4, 32), 10, new Uint8Array(0), 32);
  const cR = Uint8Array.from(idOfWire(cRWire));
  const ctx = deriveContext({ masterSecret: kdf(exporter, 0, new Uint8Array(0), 16), masterSalt: kdf(exporter, 1, new Uint8Array(0), 8), senderId: cR, recipientId: cI });
  if (o.sequential) {
    const r3 = await udp.exchange(udp.post("/.well-known/edhoc", Uint8Array.from([...cRWire, ...message3])));
    if (!r3 || r3.code !== CHANGED) throw new Error(`message_3 answered ${r3 ? Buffer.from(r3.payload).toString("latin1") : "nothing"}`);
  }
  return { ctx, message3, cR, gY: Uint8Array.from(gY), idCredR, credR: peer.credR, sizes: { message1: m1.length, message2: m2.length, message3: message3.length } };
}

/** OSCORE requests under one context; the first may carry message_3 (RFC 9668 combined request). */
export class OscoreClient {
  private seq = 0;
  constructor(readonly udp: UdpClient, readonly ctx: SecurityContext) {}

  /** One protected request to `path` (e.g. "/.well-known/est/sen"); resolves with the inner response. */
  async request(code: number, path: string, o: { cf?: number; accept?: number; payload?: Uint8Array; message3?: Uint8Array } = {}): Promise<Message> {
    const seq = this.seq++;
    const options: Option[] = path.split("/").filter(Boolean).map((p) => [OPT.URI_PATH, Buffer.from(p)] as Option);
    if (o.cf !== undefined) options.push([OPT.CONTENT_FORMAT, uintBytes(o.cf)]);
    if (o.accept !== undefined) options.push([OPT.ACCEPT, uintBytes(o.accept)]);
    const prot = protectRequest(this.ctx, { type: CON, code, mid: this.udp.nextMid(), token: new Uint8Array(randomBytes(2)), options, payload: o.payload ?? new Uint8Array(0) }, seq);
    if (o.message3) { prot.options.push([OPT.EDHOC, new Uint8Array(0)]); prot.payload = Uint8Array.from([...o.message3, ...prot.payload]); }
    const r = await this.udp.exchange(prot);
    if (!r) throw new Error(`no answer to ${path}`);
    if (r.code !== CHANGED) throw new Error(`${path}: unprotected ${r.code >> 5}.${String(r.code & 31).padStart(2, "0")} ${Buffer.from(r.payload).toString("latin1")}`);
    return unprotectResponse(this.ctx, r, seq);
  }

  post(path: string, o: { cf?: number; accept?: number; payload?: Uint8Array; message3?: Uint8Array }) { return this.request(POST, path, o); }
}
