// CoAP over UDP for the development server (RFC 7252), with block-wise transfers (RFC 7959): a strict message
// codec and a server endpoint that answers confirmable requests piggybacked (or with an empty ACK first and a
// separate response when a handler is slow), deduplicates by message ID, reassembles Block1 request bodies
// and serves large representations with Block2 (the later blocks of a non-GET response from the representation
// kept, blockwise.ts).
//
// Handlers see whole requests and return whole responses; OSCORE sits between the endpoint and the EST
// resources (est-server.ts) and uses the same Message type for inner messages.
//
// State is bounded: the duplicate-detection memory (EXCHANGE_LIFETIME, 247 s, and a count limit) and the Block1
// bodies being reassembled (an idle expiry, a count limit: a new body beyond it gets 5.03 with Max-Age) expire
// oldest first at a cost of the entries expired, not of all entries. The socket's receive buffer is enlarged
// (recvBufferBytes) so a burst of datagrams waits in the kernel while a handler runs.

import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { BoundedMap } from "./limits.js";
import { Block1Bodies, Block2Store } from "./blockwise.js";

export const CON = 0, NON = 1, ACK = 2, RST = 3;
export const GET = 1, POST = 2, PUT = 3, DELETE = 4, FETCH = 5;
export const code = (c: number, d: number) => (c << 5) | d;
export const CREATED = code(2, 1), CHANGED = code(2, 4), CONTENT = code(2, 5), CONTINUE = code(2, 31);
export const BAD_REQUEST = code(4, 0), UNAUTHORIZED = code(4, 1), BAD_OPTION = code(4, 2), FORBIDDEN = code(4, 3);
export const NOT_FOUND = code(4, 4), METHOD_NOT_ALLOWED = code(4, 5), NOT_ACCEPTABLE = code(4, 6);
export const REQUEST_ENTITY_INCOMPLETE = code(4, 8), REQUEST_ENTITY_TOO_LARGE = code(4, 13);
export const UNSUPPORTED_FORMAT = code(4, 15), INTERNAL_ERROR = code(5, 0), SERVICE_UNAVAILABLE = code(5, 3);

export const OPT = {
  IF_MATCH: 1, URI_HOST: 3, ETAG: 4, OBSERVE: 6, URI_PORT: 7, LOCATION_PATH: 8, OSCORE: 9, URI_PATH: 11,
  CONTENT_FORMAT: 12, MAX_AGE: 14, URI_QUERY: 15, HOP_LIMIT: 16, ACCEPT: 17, EDHOC: 21, BLOCK2: 23, BLOCK1: 27,
  SIZE2: 28, PROXY_URI: 35, PROXY_SCHEME: 39, SIZE1: 60, ECHO: 252, REQUEST_TAG: 292,
} as const;

export type Option = [number, Uint8Array];

export interface Message {
  type: number;
  code: number;
  mid: number;
  token: Uint8Array;
  options: Option[];
  payload: Uint8Array;
}

export class CoapError extends Error {}

/** Text of a code: "2.05". */
export const codeText = (c: number) => `${c >> 5}.${String(c & 31).padStart(2, "0")}`;

export function uintBytes(v: number): Uint8Array {
  const out: number[] = [];
  while (v > 0) { out.unshift(v & 0xff); v = Math.floor(v / 256); }
  return Uint8Array.from(out);
}
export function uintValue(b: Uint8Array): number { let v = 0; for (const x of b) v = v * 256 + x; return v; }

export function getOption(m: Message, n: number): Uint8Array | undefined { return m.options.find(([k]) => k === n)?.[1]; }
export function getUint(m: Message, n: number): number | undefined { const v = getOption(m, n); return v === undefined ? undefined : uintValue(v); }
export function uriPath(m: Message): string { return "/" + m.options.filter(([k]) => k === OPT.URI_PATH).map(([, v]) => Buffer.from(v).toString("utf8")).join("/"); }
export function uriQuery(m: Message): string[] { return m.options.filter(([k]) => k === OPT.URI_QUERY).map(([, v]) => Buffer.from(v).toString("utf8")); }

export function encode(m: Message): Uint8Array {
  if (m.token.length > 8) throw new CoapError("token longer than 8 bytes");
  const parts: number[] = [0x40 | (m.type << 4) | m.token.length, m.code, m.mid >> 8, m.mid & 0xff, ...m.token];
  const opts = [...m.options].sort((a, b) => a[0] - b[0]);
  let prev = 0;
  const ext = (v: number): [number, number[]] => v < 13 ? [v, []] : v < 269 ? [13, [v - 13]] : [14, [(v - 269) >> 8, (v - 269) & 0xff]];
  for (const [n, v] of opts) {
    const [dn, dx] = ext(n - prev);
    const [ln, lx] = ext(v.length);
    parts.push((dn << 4) | ln, ...dx, ...lx, ...v);
    prev = n;
  }
  if (m.payload.length > 0) parts.push(0xff, ...m.payload);
  return Uint8Array.from(parts);
}

export function decode(b: Uint8Array): Message {
  if (b.length < 4) throw new CoapError("datagram shorter than the 4-byte header");
  if (b[0] >> 6 !== 1) throw new CoapError("CoAP version is not 1");
  const tkl = b[0] & 15;
  if (tkl > 8) throw new CoapError("token length above 8");
  if (4 + tkl > b.length) throw new CoapError("truncated token");
  const m: Message = { type: (b[0] >> 4) & 3, code: b[1], mid: (b[2] << 8) | b[3], token: b.slice(4, 4 + tkl), options: [], payload: new Uint8Array(0) };
  let p = 4 + tkl, n = 0;
  const ext = (v: number): number => {
    if (v < 13) return v;
    if (v === 13) { if (p >= b.length) throw new CoapError("truncated option"); return b[p++] + 13; }
    if (v === 14) { if (p + 1 >= b.length) throw new CoapError("truncated option"); const x = ((b[p] << 8) | b[p + 1]) + 269; p += 2; return x; }
    throw new CoapError("reserved option nibble 15");
  };
  while (p < b.length) {
    if (b[p] === 0xff) {
      if (p + 1 >= b.length) throw new CoapError("payload marker without payload");
      m.payload = b.slice(p + 1);
      break;
    }
    const h = b[p++];
    const d = ext(h >> 4), l = ext(h & 15);
    n += d;
    if (p + l > b.length) throw new CoapError("option value runs past the datagram");
    m.options.push([n, b.slice(p, p + l)]);
    p += l;
  }
  if (m.code === 0 && (m.token.length > 0 || m.options.length > 0 || m.payload.length > 0)) throw new CoapError("empty message with content");
  return m;
}

export interface Block { num: number; more: boolean; szx: number }
export function blockDecode(v: Uint8Array): Block {
  if (v.length > 3) throw new CoapError("block option longer than 3 bytes");
  const x = uintValue(v);
  const szx = x & 7;
  if (szx === 7) throw new CoapError("block size exponent 7 is reserved");
  return { num: x >>> 4, more: (x & 8) !== 0, szx };
}
export function blockEncode(b: Block): Uint8Array { return uintBytes((b.num << 4) | (b.more ? 8 : 0) | b.szx); }

/** The options and payload of a response to `req`: the whole representation, or the block of it the request
 *  asked for (Block2), or the first 1024-byte block when it is larger than that (RFC 7959 §2.4). */
export function applyBlock2(req: Message, out: Response): { options: Option[]; payload: Uint8Array } {
  const options = [...(out.options ?? [])];
  let payload = out.payload ?? new Uint8Array(0);
  const b2 = getOption(req, OPT.BLOCK2);
  let want: Block | undefined;
  try { want = b2 ? blockDecode(b2) : undefined; } catch { want = undefined; }
  const szx = Math.min(want?.szx ?? 6, 6);
  const size = 16 << szx;
  if (want || payload.length > 1024) {
    const num = want?.num ?? 0;
    const more = (num + 1) * size < payload.length;
    options.push([OPT.BLOCK2, blockEncode({ num, more, szx })]);
    if (num === 0 && getOption(req, OPT.SIZE2)) options.push([OPT.SIZE2, uintBytes(payload.length)]);
    payload = payload.subarray(num * size, (num + 1) * size);
  }
  return { options, payload };
}

/** What a handler gets: the request (its body reassembled from Block1) and who sent it. */
export interface Request { msg: Message; peer: RemoteInfo; body: Uint8Array }
/** What a handler returns: a response code, options (Content-Format etc.) and the whole representation. */
export interface Response { code: number; options?: Option[]; payload?: Uint8Array }
/**
 * A handler. It may return the response to send, or a pre-encoded raw reply (OSCORE protects the whole
 * response itself, block-wise included, so it answers with `raw`).
 */
export type Handler = (req: Request) => Promise<Response | { raw: Message }> | Response | { raw: Message };

export interface EndpointOptions {
  /** Answer with an empty ACK first when the handler takes longer than this (ms); default 1000. */
  separateAfterMs?: number;
  /** Largest request body accepted through Block1 (bytes). */
  maxBody?: number;
  /** Called for every datagram in and out (for traces and byte counts). */
  onDatagram?: (dir: "in" | "out", data: Uint8Array, peer: RemoteInfo) => void;
  /** Replace the bytes of an outgoing datagram, or drop it (null): the security tests' man in the middle. */
  tamper?: (data: Uint8Array, peer: RemoteInfo) => Uint8Array | null;
  /** Most message IDs remembered for duplicate detection (default 100,000; the oldest go first). */
  maxRecent?: number;
  /** Most Block1 bodies reassembled at once (default 1,024) and their idle expiry in ms (default 30,000). */
  maxBodies?: number;
  bodyIdleMs?: number;
  /** Receive buffer the socket asks the kernel for, bytes (default 4 MiB; Linux caps it at net.core.rmem_max). */
  recvBufferBytes?: number;
  /** Called with what a handler threw (the client gets a bare 5.00, never the text). */
  onError?: (e: unknown) => void;
}

/** EXCHANGE_LIFETIME (RFC 7252 §4.8.2), ms: how long a message ID is remembered for duplicate detection. */
export const EXCHANGE_LIFETIME_MS = 247_000;

/** A CoAP server on one UDP socket. */
export class Endpoint {
  readonly socket: Socket;
  private recent: BoundedMap<string, { reply?: Uint8Array }>;
  private bodies: Block1Bodies;
  /** Responses to non-GET requests that take several Block2 blocks, for the requests of their later blocks. */
  private later = new Block2Store();
  private midSeq = Math.floor(Math.random() * 0xffff);
  stats = { datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0, bodiesRefused: 0, recvBufferBytes: 0 };

  constructor(private handler: Handler, private opts: EndpointOptions = {}, family: "udp4" | "udp6" = "udp4") {
    this.recent = new BoundedMap(opts.maxRecent ?? 100_000, EXCHANGE_LIFETIME_MS);
    this.bodies = new Block1Bodies(opts.maxBodies ?? 1024, opts.bodyIdleMs ?? 30_000, opts.maxBody ?? 16384);
    this.socket = createSocket({ type: family, ipv6Only: family === "udp6" });
    this.socket.on("message", (d, peer) => { void this.onMessage(new Uint8Array(d), peer); });
  }

  /** Message IDs remembered and Block1 bodies in reassembly now (tests and benchmarks read them). */
  get held(): { recent: number; bodies: number } { this.recent.sweep(); return { recent: this.recent.size, bodies: this.bodies.size }; }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.socket.once("error", reject);
      this.socket.bind(port, host, () => {
        this.socket.off("error", reject);
        try { this.socket.setRecvBufferSize(this.opts.recvBufferBytes ?? 4 << 20); } catch { /* kept at the system default */ }
        try { this.stats.recvBufferBytes = this.socket.getRecvBufferSize(); } catch { /* not reported */ }
        resolve(this.socket.address().port);
      });
    });
  }

  close(): Promise<void> { return new Promise((r) => this.socket.close(() => r())); }

  private send(data: Uint8Array, peer: RemoteInfo): void {
    const out = this.opts.tamper ? this.opts.tamper(data, peer) : data;
    if (out === null) return;
    this.stats.datagramsOut++; this.stats.bytesOut += out.length;
    this.opts.onDatagram?.("out", out, peer);
    this.socket.send(out, peer.port, peer.address);
  }

  private async onMessage(data: Uint8Array, peer: RemoteInfo): Promise<void> {
    this.stats.datagramsIn++; this.stats.bytesIn += data.length;
    this.opts.onDatagram?.("in", data, peer);
    let m: Message;
    try { m = decode(data); } catch { return; } // a malformed datagram gets no answer (RFC 7252 §4.2 allows RST; silence is safer)
    if (m.type === ACK || m.type === RST) return; // our separate responses are NON: nothing waits for an ACK
    if (m.code === 0) { if (m.type === CON) this.send(encode({ type: RST, code: 0, mid: m.mid, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) }), peer); return; }
    if (m.code >= 0x40) return; // responses are not for a server
    const key = `${peer.address}|${peer.port}|${m.mid}`;
    const seen = this.recent.get(key);
    if (seen) { if (seen.reply) this.send(seen.reply, peer); return; } // a duplicate: the same answer again
    const entry: { reply?: Uint8Array } = {};
    this.recent.set(key, entry); // expired after EXCHANGE_LIFETIME, oldest first
    const reply = (r: Message, piggy: boolean) => {
      const bytes = encode(r);
      if (piggy) entry.reply = bytes;
      this.send(bytes, peer);
    };
    const base = (c: number, options: Option[] = [], payload = new Uint8Array(0)): Message =>
      ({ type: m.type === CON ? ACK : NON, code: c, mid: m.type === CON ? m.mid : this.nextMid(), token: m.token, options, payload });

    // Block1: collect the body (keyed by peer and token; the client keeps one token per transfer).
    const bkey = `${peer.address}|${peer.port}|${Buffer.from(m.token).toString("hex")}`;
    const b1 = getOption(m, OPT.BLOCK1);
    const step = this.bodies.add(bkey, m);
    if ("reply" in step) {
      if (step.refused) this.stats.bodiesRefused++;
      reply(base(step.reply.code, step.reply.options), true); return;
    }
    const body = step.body;
    // A later Block2 block of a response to a non-GET request: from the kept representation, not the handler
    // again (an EDHOC message or an enrollment must not be processed twice).
    const kept = m.code !== GET ? this.later.later(bkey, m) : undefined;
    if (kept) {
      const { options, payload } = applyBlock2(m, kept);
      reply({ ...base(kept.code, options), payload }, true); return;
    }
    // Run the handler; if it is slow, acknowledge first and answer separately (RFC 7252 §5.2.2).
    let acked = false;
    const timer = m.type === CON ? setTimeout(() => {
      acked = true;
      reply({ type: ACK, code: 0, mid: m.mid, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) }, true);
    }, this.opts.separateAfterMs ?? 1000) : undefined;
    let out: Response | { raw: Message };
    try { out = await this.handler({ msg: m, peer, body }); }
    catch (e) { this.opts.onError?.(e); out = { code: INTERNAL_ERROR }; } // no internal text to the client
    if (timer) clearTimeout(timer);
    let msg: Message;
    if ("raw" in out) msg = out.raw;
    else {
      if (m.code !== GET) this.later.keep(bkey, m, out);
      const { options, payload } = applyBlock2(m, out);
      if (b1) options.push([OPT.BLOCK1, b1]);
      msg = { type: 0, code: out.code, mid: 0, token: m.token, options, payload };
    }
    if (acked) { msg.type = NON; msg.mid = this.nextMid(); reply(msg, false); }
    else { msg.type = m.type === CON ? ACK : NON; msg.mid = m.type === CON ? m.mid : this.nextMid(); reply(msg, true); }
  }

  private nextMid(): number { this.midSeq = (this.midSeq + 1) & 0xffff; return this.midSeq; }
}
