// The development EST-oscore server: CoAP endpoint (coap.ts) + EDHOC Responder over /.well-known/edhoc and the
// combined request (edhoc-responder.ts, RFC 9528 Appendix A.2, RFC 9668) + OSCORE (oscore.ts) + the EST
// resources of RFC 9148 under /.well-known/est + a CA (pki.ts), or an upstream RFC 7030 CA (upstream.ts) for
// which this server is the registration authority. State: the work folder's database (db.ts).
//
// Nothing but EDHOC and discovery is served without OSCORE: an unprotected EST request gets 4.01.
// Who gets which names, and who may use /sren: policy.ts. Everything held in memory is bounded (limits.ts):
// EDHOC sessions (count, the oldest dropped for a new one; 60 s), OSCORE contexts in memory (count, idle time;
// all of them are in the database, where unused ones expire), message_1 per source (token bucket) and message_1
// CPU time in all (a budget per second), inner Block1 bodies and responses kept for their later inner Block2
// blocks (blockwise.ts); beyond a rate or budget a message_1 gets 5.03 with Max-Age.
// A CSR's proof of possession is checked before anything is issued: a signature (ES256, Ed25519), or the
// static-DH MAC of docs/dh-pop.md keyed by the ephemeral key of the EDHOC run behind the OSCORE context or, the
// classic RFC 6955 way, by the key of one of the CA's DH recipient certificates that /crts serves.
// CSRs come as DER (application/pkcs10) or C509 (application/cose-c509-pkcs10, types 2 and 3: c509-est.ts);
// certificates go out as DER (287, 281) or C509 (application/cose-c509-cert, a c5t, a c5u, or the
// multipart-core answer to a C509 CSR without Accept), as EST-oscore draft -11 §5.2 negotiates them;
// Content-Format numbers in formats.ts. EDHOC credentials: CCS, X.509 (x509cred.ts) or C509 (c509cred.ts).

import { createHash, createHmac, generateKeyPairSync, hkdfSync, randomBytes, timingSafeEqual, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { RemoteInfo } from "node:dgram";
import { p256 } from "@noble/curves/nist.js";
import { x25519 } from "@noble/curves/ed25519.js";
import {
  Endpoint, type Message, type Request, type Response, type Option, OPT, getOption, getUint, uriPath, uriQuery, uintBytes,
  applyBlock2, CHANGED, CONTENT, BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, METHOD_NOT_ALLOWED, NOT_ACCEPTABLE,
  UNSUPPORTED_FORMAT, SERVICE_UNAVAILABLE, FORBIDDEN, REQUEST_ENTITY_INCOMPLETE, GET, POST, codeText, code as coapCode,
} from "./coap.js";
import { CF, c509Formats, type C509Formats } from "./formats.js";
import { c509FromX509, decodeCertificate, encodeCertificate, nameToDer, verifyCertificate, type C509Certificate, type CertForm } from "../c509/index.js";
import { c509Pop, c509Request, c5tHash, c5uPayload, coseC509, derDhPop, multipartCore, type C509Request, type DhPopContext } from "./c509-est.js";
import { c509IdCred, c5cOf, c5tOf, credOfC509, edhocC509Certificate, matchesC5t, serverC509Certificate } from "./c509cred.js";
import { cArray, cBstr, cInt, cTstr } from "./cbor.js";
import { ServerState, responderKind, unhex, hex, newKeyPair, type Device } from "./identity.js";
import { EdhocError, EdhocResponder } from "./responder.js";
import { deriveContext, unprotectRequest, protectResponse, type SecurityContext } from "./oscore-server.js";
import { Ca, parseCsr, verifyCsrSignature, pkcs7CertsOnly, derItems, nameText, type Csr, type IssueOptions } from "./pki.js";
import { ServerDb, type ContextRow } from "./db.js";
import { BoundedMap, PerSource, TokenBucket } from "./limits.js";
import { Block1Bodies, Block2Store } from "./blockwise.js";
import { decide, type CsrSubjectRule } from "./policy.js";
import { Upstream, type UpstreamOptions } from "./upstream.js";
import { type CredStyle, serverCertificate, credOfCert, x5tOf, x5chainOf, certOfCred, edhocCertificate, pointOf } from "./x509cred.js";

export { CF };
const OID_DH_POP = "1.3.6.1.5.5.7.6.26";
const DH_POP_CERT_LABEL = Buffer.from("EST-oscore DH-PoP cert v1", "ascii");

/** How an enrollment is answered: DER (287, 281), C509 (a COSE_C509 as cose-c509-cert or its usage=chain
 *  variant), a reference only (c5t as cose-certhash;usage=c509, c5u as application/cbor), or multipart-core. */
type Reply = "pkix" | "pkcs7" | "c509" | "c509chain" | "c5t" | "c5u" | "multipart";

export interface EstServerOptions {
  dir: string;
  host?: string;
  port?: number;
  /** Validity of issued certificates, days (default 365; fractions too: 60 / 86400 is a minute). */
  validityDays?: number;
  /** A CSR subject the registry does not allow the device: replaced by its registered name (default), or
   *  refused with 4.03 (policy.ts). */
  csrSubject?: CsrSubjectRule;
  /** Issue through intermediate CAs: true or 1 for one (<dir>/ca/intermediate, certified by the root in <dir>/ca),
   *  2 for two (<dir>/ca/intermediate2 below that one). Certificates chain root -> intermediates -> device;
   *  /crts serves the chain, and an x5chain server credential is issued by the last intermediate and sent with
   *  the intermediates. */
  intermediate?: boolean | number;
  /** A flawed issuing intermediate (the device must refuse what it issues): not a CA, no keyCertSign, or (with
   *  two intermediates) a pathLenConstraint of 0 on the upper one. */
  intermediateFlaw?: "not-ca" | "no-keycertsign" | "path-len";
  /** Registration-authority mode: forward enrollments to this RFC 7030 EST CA instead of issuing (upstream.ts). */
  upstream?: UpstreamOptions;
  /** Limits (defaults in brackets): EDHOC sessions at once [4096] and their lifetime, ms [60,000]; OSCORE
   *  contexts held in memory [10,000] and their idle time there, ms [600,000]; EDHOC-made contexts unused this
   *  long are deleted from the database, ms [90 days]; message_1 per source per second [10] and burst [20];
   *  CPU ms per second that message_1 may take in all [500] (burst: one second's worth). */
  limits?: { sessions?: number; sessionMs?: number; contexts?: number; contextIdleMs?: number; contextTtlMs?: number;
    message1PerSource?: number; message1Burst?: number; message1CpuMsPerS?: number };
  /** Receive buffer of the UDP socket, bytes (default 4 MiB). */
  recvBufferBytes?: number;
  /** Manual approval: enrollment answers 5.03 with Max-Age until approve(kid) is called. */
  manualApproval?: boolean;
  approvalMaxAge?: number;
  /** Make EST handlers slow (ms), so that the endpoint answers with an empty ACK and a separate response. */
  handlerDelayMs?: number;
  /** CA key type on first start (default p256). */
  caKeyType?: "p256" | "ed25519";
  /** Man in the middle for security tests: rewrite or drop outgoing datagrams. */
  tamper?: (data: Uint8Array) => Uint8Array | null;
  log?: (line: string) => void;
  /** Every CSR received, before it is checked (tests hand it to openssl, or to BouncyCastle with the EDHOC
   *  run's y and G_Y that key a DH proof of possession). */
  onCsr?: (csr: Uint8Array, pop: DhPopContext) => void;
  /** Tests: the C509 certificate to send instead of the one issued (which stays recorded), e.g. one that
   *  BouncyCastle issued for the same CSR with this CA's key, or a broken one. */
  c509Reissue?: (csr: Uint8Array, issued: C509Certificate) => C509Certificate;
  /** Misbehave on purpose, for the device's negative tests: issue for another key, sign with a CA the device
   *  does not trust, garble the /crts bundle, or issue a certificate that expired a day ago, that is valid only
   *  from tomorrow, or that carries an unknown critical extension. */
  misbehave?: "other-key" | "foreign-ca" | "garbled-crts" | "impostor-cert" | "huge-crts" | "expired-cert" | "future-cert" | "critical-ext";
  /** EAD_2 items to put in message_2 (encoded), for the device's EAD tests. */
  ead2?: Uint8Array;
  /** The server's EDHOC credential: a CCS by kid (default), or an X.509 certificate from the CA identified by
   *  x5t (devices have it provisioned) or sent as x5chain (devices check it against their trust anchor). */
  serverCred?: CredStyle;
  /** Ask for an Echo (RFC 9175) before accepting the first request under a context: "always" for every
   *  context, "loaded" for contexts read from disk (whose replay window a crash may have lost), "never"
   *  (default: the replay window is saved before every answer). */
  requireEcho?: "always" | "loaded" | "never";
  /** Fragment protected responses larger than this many bytes with an outer Block2 option (16..1024, a power
   *  of 2; RFC 8613 §4.1.3.4.2), as a proxy would; default: never (inner blocks only). */
  outerBlockSize?: number;
  /** The cipher suites the Responder accepts, most preferred first (default [2, 0]); SUITES_R of error 2. */
  suites?: number[];
  /** The CSR attributes /att answers (DER CsrAttrs; default an empty SEQUENCE). */
  csrAttrs?: Uint8Array;
  /** Require this challengePassword in every CSR (4.00 otherwise). */
  challengePassword?: string;
  /** C509 Content-Format numbers (formats.ts; these win over the environment, which wins over the defaults). */
  contentFormats?: Partial<C509Formats>;
  /** Type of the C509 certificates issued: 2 (natively signed) or 3 (the DER certificate re-encoded). Default:
   *  the C509 CSR's type (C509 draft §4.1, "c509CertificateType = c509CertificationRequestType"), and 3 for a
   *  DER CSR answered in C509. Behind an upstream CA always 3. */
  c509CertType?: 2 | 3;
  /** How COSE_C509 (answers, /crts, c5c) wraps each certificate: "sequence" (~C509Certificate, as the draft text
   *  in shared/specs has C509CertData; default) or "array" (C509Certificate: draft -20, BouncyCastle). */
  c509Wrap?: CertForm;
  /** The parts of the multipart-core answer to a C509 CSR without Accept (draft -11 §5.2.2: it MUST hold a
   *  reference, MAY hold the certificate): "c5t" (COSE_CertHash), "c5u" (a URI), "cert" (COSE_C509).
   *  Default all three, in that order. */
  byReference?: ("c5t" | "c5u" | "cert")[];
  /** Base of c5u URIs (default coap://<host>:<port>): <base>/.well-known/est/c5u/<16 hex digits of the SHA-256
   *  of the recorded certificate> serves it (GET, under OSCORE) as a COSE_C509 chain. */
  publicUri?: string;
  /** Every verified OSCORE request (inner: one Block1 or Block2 block) with its inner response before
   *  protection (2.31 Continue, or one Block2 block of the answer): tests count the inner blocks. */
  onInnerExchange?: (req: Message, res: Response) => void;
  /** A message_3 sent again as a new CoAP message after the first copy finished the handshake and its answer
   *  was lost (a combined request, or C_R || message_3 of the sequential flow): "serve" (default) recognises
   *  the message_3 that made the context and goes on under that context (OSCORE's replay window keeps a copy of
   *  a request from being acted on twice); "refuse" answers the used session with an EDHOC error, and the
   *  device must run EDHOC again (the device's tests of that path use it). */
  repeatedCombined?: "serve" | "refuse";
}

interface Session { responder: EdhocResponder; y: Uint8Array; gY: Uint8Array; suite: number; cR: Uint8Array; at: number }
/** An OSCORE context the server holds, with what the DH proof of possession needs (y and G_Y of the EDHOC run
 *  that made it; absent for a context restored from disk, whose ephemeral key is gone). */
interface Context {
  ctx: SecurityContext; ms: Uint8Array; salt: Uint8Array; y?: Uint8Array; gY?: Uint8Array; suite: number; device?: Device; psk?: boolean;
  /** Loaded from disk by this process; the Echo value we asked for and whether freshness was shown. */
  loaded?: boolean; echo?: Uint8Array; fresh?: boolean;
  /** SHA-256 of the message_3 that made this context (in memory only): a repeated combined request carries it
   *  again (see repeatedCombined). */
  m3Hash?: Uint8Array;
}

/** What the server did; an "enroll" event carries the certificate it issued: DER, or a natively signed C509
 *  certificate's array (format "c509"; a type 3 one is given as its DER). */
export interface Event { kind: "edhoc" | "enroll" | "refused" | "crts" | "busy" | "sensor"; kid?: string; detail: string; cert?: Uint8Array; format?: "der" | "c509" }

/** Events kept in memory (the oldest are dropped): tests and the HIL runner read them. */
const MAX_EVENTS = 20_000;

export class EstServer {
  readonly events: Event[] = [];
  private sessions: BoundedMap<string, Session>;
  /** OSCORE contexts in memory, by Recipient ID (hex); all of them are also in the database. */
  private contexts: BoundedMap<string, Context>;
  private approved = new Set<string>();
  /** Inner Block1 bodies being reassembled and responses kept for their later inner Block2 blocks. */
  private innerBodies = new Block1Bodies(1024, 30_000, 16384);
  private innerLater = new Block2Store();
  /** The last /sensor reading of each device (by kid), bounded by the device registry. */
  private readings = new Map<string, Uint8Array>();
  private endpoint!: Endpoint;
  private m1PerSource: PerSource;
  private m1Cpu: TokenBucket;
  private upstream?: Upstream;
  /** Counters for benchmarks: message_1 answered, refused for the source's rate or for the CPU budget, the CPU ms
   *  message_1 took, and EDHOC sessions dropped unfinished to make room for newer ones. */
  readonly load = { message1: 0, message1RateLimited: 0, message1Busy: 0, message1CpuMs: 0, sessionsEvicted: 0 };
  readonly db: ServerDb;
  /** The C509 Content-Format numbers in use (formats.ts). */
  readonly cf: C509Formats;
  port = 0;

  private constructor(readonly opts: EstServerOptions, readonly state: ServerState, readonly ca: Ca) {
    const l = opts.limits ?? {};
    this.db = state.db;
    this.sessions = new BoundedMap(l.sessions ?? 4096, l.sessionMs ?? 60_000, (_k, _v, why) => { if (why === "full") this.load.sessionsEvicted++; });
    this.contexts = new BoundedMap(l.contexts ?? 10_000, l.contextIdleMs ?? 600_000);
    this.m1PerSource = new PerSource(l.message1PerSource ?? 10, l.message1Burst ?? 20);
    this.m1Cpu = new TokenBucket(l.message1CpuMsPerS ?? 500, l.message1CpuMsPerS ?? 500);
    if (opts.upstream) this.upstream = new Upstream(opts.upstream);
    this.cf = c509Formats(opts.contentFormats);
    const parts = opts.byReference ?? ["c5t", "c5u", "cert"];
    if (!parts.includes("c5t") && !parts.includes("c5u")) throw new Error("byReference needs a reference (c5t or c5u): draft -11 §5.2.2");
  }

  private get wrap(): CertForm { return this.opts.c509Wrap ?? "sequence"; }

  static async start(opts: EstServerOptions): Promise<EstServer> {
    const state = ServerState.open(opts.dir);
    const root = await Ca.open(join(opts.dir, "ca"), { keyType: opts.caKeyType ?? "p256", subject: "EST-oscore development CA", db: state.db });
    const levels = opts.intermediate === true ? 1 : opts.intermediate || 0;
    let ca = root;
    for (let i = 1; i <= levels; i++) {
      const flaw = i === levels && opts.intermediateFlaw !== "path-len" ? opts.intermediateFlaw : undefined;
      const pathLen = opts.intermediateFlaw === "path-len" ? 0 : levels - i;
      ca = await Ca.open(join(opts.dir, "ca", i === 1 ? "intermediate" : `intermediate${i}`), { keyType: opts.caKeyType ?? "p256",
        subject: `EST-oscore development intermediate CA${i === 1 ? "" : ` ${i}`}`, issuer: ca, db: state.db, pathLen, flaw });
    }
    const s = new EstServer(opts, state, ca);
    s.endpoint = new Endpoint((r) => s.handle(r), {
      tamper: opts.tamper ? (d) => opts.tamper!(d) : undefined, recvBufferBytes: opts.recvBufferBytes,
      onError: (e) => s.log(`internal error: ${(e as Error)?.stack ?? e}`),
    }, (opts.host ?? "127.0.0.1").includes(":") ? "udp6" : "udp4");
    s.port = await s.endpoint.listen(opts.port ?? 0, opts.host ?? "127.0.0.1");
    s.dhRecipients = dhRecipients(opts.dir);
    s.expireContexts();
    s.expiry = setInterval(() => s.expireContexts(), 3600_000);
    s.expiry.unref();
    return s;
  }

  private expiry?: ReturnType<typeof setInterval>;

  /** Delete EDHOC-made contexts unused for longer than limits.contextTtlMs from the database and memory. */
  expireContexts(): void {
    for (const rid of this.db.expireContexts(Date.now() - (this.opts.limits?.contextTtlMs ?? 90 * 86400_000))) this.contexts.delete(rid);
  }

  /** Forget every OSCORE context, in memory and in the database (as a server that lost its state). */
  dropContexts(): void { this.contexts.clear(); this.db.dropAllContexts(); }

  /** Bounded state held now (tests and benchmarks). */
  get held() { return { sessions: this.sessions.size, contexts: this.contexts.size, ...this.endpoint.held }; }

  /** The CA's DH recipient certificates (classic RFC 6955 proof of possession), one per curve. */
  dhRecipients: { suite: number; priv: Uint8Array; cert: Uint8Array }[] = [];

  // OSCORE contexts survive a server restart: each is a row of the database, its replay window written on every
  // accepted request before the response goes out, so a device can re-enroll under its stored context.
  private contextRow(rid: string, c: Context): ContextRow {
    return { rid, device_kid: c.device?.kid ?? null, ms: hex(c.ms), salt: hex(c.salt), sid: hex(c.ctx.senderId), suite: c.suite, psk: c.psk ? 1 : 0,
      replay_top: c.ctx.replayTop, replay_bits: c.ctx.replayBits.toString(16), used_at: Date.now() };
  }

  private saveReplay(rid: string, c: Context): void { this.db.saveReplay(rid, c.ctx.replayTop, c.ctx.replayBits.toString(16), Date.now()); }

  /** A context from the database: made by EDHOC here, or a pre-shared one written by provisioning (--psk). */
  private loadContext(rid: string): Context | undefined {
    if (!/^[0-9a-f]{0,14}$/.test(rid)) return undefined;
    const j = this.db.context(rid);
    if (!j) return undefined;
    try {
      const ctx = deriveContext({ masterSecret: unhex(j.ms), masterSalt: unhex(j.salt), senderId: unhex(j.sid), recipientId: unhex(j.rid) });
      ctx.replayTop = j.replay_top; ctx.replayBits = BigInt("0x" + (j.replay_bits || "0"));
      const c: Context = { ctx, ms: unhex(j.ms), salt: unhex(j.salt), suite: j.suite, device: j.device_kid ? this.state.device(unhex(j.device_kid)) : undefined, psk: j.psk === 1, loaded: true };
      this.contexts.set(rid, c);
      return c;
    } catch (e) { this.log(`ignoring unreadable context ${rid}: ${(e as Error).message}`); return undefined; }
  }

  get stats() { return this.endpoint.stats; }
  async stop(): Promise<void> { if (this.expiry) clearInterval(this.expiry); await this.endpoint.close(); this.db.close(); }
  approve(kid: string): void { this.approved.add(kid); }
  private log(s: string): void { this.opts.log?.(s); }
  private event(e: Event): void {
    if (this.events.length >= MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS + 1);
    this.events.push(e); this.log(`${e.kind}${e.kid ? ` [${e.kid}]` : ""}: ${e.detail}`);
  }

  private async handle(req: Request): Promise<Response | { raw: Message }> {
    const m = req.msg;
    // Outer Block1 (RFC 8613 §4.1.3.4.2): the endpoint reassembled the protected body; verify it whole.
    if (getOption(m, OPT.OSCORE) !== undefined) return this.handleOscore({ ...m, options: m.options.filter(([n]) => n !== OPT.BLOCK1 && n !== OPT.SIZE1), payload: req.body });
    const path = uriPath(m);
    if (path === "/.well-known/edhoc") {
      if (m.code !== POST) return { code: METHOD_NOT_ALLOWED };
      // (A message_2 longer than a block: the endpoint serves its later blocks from the kept answer, coap.ts.)
      return this.handleEdhoc(req.body, req.peer);
    }
    if (path === "/.well-known/core" && m.code === GET) return this.discovery(uriQuery(m));
    return { code: UNAUTHORIZED, payload: Buffer.from("OSCORE required") };
  }

  /** RFC 6690 discovery of the EST resources (RFC 9148 §5.1, with osc for OSCORE-protected ones). */
  private discovery(query: string[]): Response {
    const c = this.cf.cert;
    const res = [
      ["/.well-known/est/crts", "ace.est.crts", `281 287 ${c}`], ["/.well-known/est/sen", "ace.est.sen", `281 287 ${c} 62`],
      ["/.well-known/est/sren", "ace.est.sren", `281 287 ${c} 62`], ["/.well-known/est/att", "ace.est.att", "285"],
      ["/.well-known/est/skg", "ace.est.skg", "62"], ["/.well-known/est/skc", "ace.est.skc", "62"],
    ];
    const rt = query.find((q) => q.startsWith("rt="))?.slice(3);
    const links = res.filter(([, r]) => !rt || (rt.endsWith("*") ? r.startsWith(rt.slice(0, -1)) : r === rt))
      .map(([p, r, ct]) => `<${p}>;rt="${r}";ct="${ct}";osc`);
    if (!rt) links.unshift('</.well-known/edhoc>;rt="core.edhoc";ed-csuite=0;ed-csuite=2;ed-method=0;ed-method=1;ed-method=2;ed-method=3');
    return { code: CONTENT, options: [[OPT.CONTENT_FORMAT, uintBytes(CF.LINK)]], payload: Buffer.from(links.join(",")) };
  }

  // ---- EDHOC ----------------------------------------------------------------------------------------------

  /**
   * A fresh C_R (RFC 9528 §3.3, RFC 9668 §4): unused by any EDHOC session in progress and by any OSCORE context
   * (in memory or in the database: it becomes the context's Recipient ID), and different from the Initiator's
   * C_I. One-byte CBOR-int values first (48 of them), then random values of 2, 3, ... bytes, each checked.
   */
  newCR(cI: Uint8Array): Uint8Array {
    const free = (c: Uint8Array) => { const h = hex(c); return h !== hex(cI) && !this.sessions.has(h) && !this.contexts.has(h) && !this.db.hasContext(h); };
    const ones = Array.from({ length: 48 }, (_, b) => Uint8Array.of(b < 24 ? b : 0x20 + b - 24));
    for (let i = ones.length - 1; i > 0; i--) { const j = randomBytes(1)[0] % (i + 1); [ones[i], ones[j]] = [ones[j], ones[i]]; }
    for (const c of ones) if (free(c)) return c;
    for (let len = 2; len <= 7; len++) for (let i = 0; i < 32; i++) { const c = new Uint8Array(randomBytes(len)); if (free(c)) return c; }
    throw new EdhocError("no free connection identifier");
  }

  private handleEdhoc(body: Uint8Array, peer?: RemoteInfo): Response {
    if (body.length < 2) return edhocError(1, "empty request");
    if (body[0] === 0xf5) return this.admitMessage1(body.subarray(1), peer);
    // C_R || message_3: C_R is a one-byte int or a bstr.
    let cR: Uint8Array, rest: Uint8Array;
    if (body[0] <= 0x17 || (body[0] >= 0x20 && body[0] <= 0x37)) { cR = body.subarray(0, 1); rest = body.subarray(1); }
    else if (body[0] >= 0x40 && body[0] <= 0x57) { const n = body[0] - 0x40; cR = body.subarray(1, 1 + n); rest = body.subarray(1 + n); }
    else return edhocError(1, "malformed connection identifier");
    if (rest.length > 0 && rest[0] >> 5 <= 1) {
      // C_R || EDHOC error message (ERR_CODE is an int; message_3 would be a bstr): the Initiator gave up.
      const s = this.sessions.get(hex(cR));
      this.sessions.delete(hex(cR));
      const text = rest[1] >> 5 === 3 ? Buffer.from(rest.subarray(rest[1] === 0x78 ? 3 : 2)).toString("utf8") : "";
      this.event({ kind: "refused", detail: `the device sent an EDHOC error (code ${rest[0]}${text ? `: ${text}` : ""})${s ? "" : " for an unknown session"}` });
      return { code: CHANGED };
    }
    if (this.repeatOfMessage3(cR, rest)) return { code: CHANGED }; // sent again after its 2.04 was lost
    const r = this.message3(cR, rest);
    if ("error" in r) return edhocError(r.errCode ?? 1, r.error);
    return { code: CHANGED };
  }

  /** message_1 is the one thing anyone can send: each source gets a rate (a token bucket per address), all of
   *  them together a CPU budget; beyond either the answer is 5.03 with Max-Age (RFC 7252 §5.9.3.4), and the
   *  Initiator's CoAP client retries then. */
  private admitMessage1(m1: Uint8Array, peer?: RemoteInfo): Response {
    const busy = (why: string, s: number): Response => {
      this.event({ kind: "busy", detail: `message_1 from ${peer?.address ?? "?"}: ${why}; 5.03 Max-Age ${s}` });
      return { code: SERVICE_UNAVAILABLE, options: [[OPT.MAX_AGE, uintBytes(s)]] };
    };
    if (peer && !this.m1PerSource.take(peer.address)) { this.load.message1RateLimited++; return busy("rate limit of the source", this.m1PerSource.waitSeconds(peer.address)); }
    if (!this.m1Cpu.available()) { this.load.message1Busy++; return busy("CPU budget for message_1 spent", this.m1Cpu.waitSeconds()); }
    const t0 = performance.now();
    try {
      return this.message1(m1);
    } catch (e) {
      // A malformed message_1 (EdhocError, or anything its parsing threw): an EDHOC error message (RFC 9528 §6).
      return edhocError(1, e instanceof EdhocError ? e.message : "malformed message_1");
    } finally {
      const ms = performance.now() - t0;
      this.load.message1++; this.load.message1CpuMs += ms;
      this.m1Cpu.spend(ms);
    }
  }

  private message1(m1: Uint8Array): Response {
    if (m1.length === 0) return edhocError(1, "empty message_1");
    const method = m1[0];
    if (method > 3) return edhocError(1, "unsupported method");
    // SUITES_I: an int, or an array whose last element is the selected suite.
    let suite: number;
    if (m1[1] <= 0x17) suite = m1[1];
    else if (m1[1] >= 0x82 && m1[1] <= 0x97 && 1 + (m1[1] & 0x1f) < m1.length) suite = m1[1 + (m1[1] & 0x1f)];
    else return edhocError(1, "malformed SUITES_I");
    const supported = this.opts.suites ?? [2, 0];
    if (!supported.includes(suite)) {
      const sr = supported.length === 1 ? [supported[0]] : [0x80 | supported.length, ...supported];
      return { code: BAD_REQUEST, options: [[OPT.CONTENT_FORMAT, uintBytes(CF.EDHOC)]], payload: Uint8Array.from([0x02, ...sr]) };
    }
    const cred = this.state.credential(suite, responderKind(method));
    let credR: Uint8Array = unhex(cred.cred), idCredR: Uint8Array = Uint8Array.of(0xa1, 0x04, 0x41, ...unhex(cred.kid));
    if (this.opts.serverCred === "kccs") idCredR = Uint8Array.from([0xa1, 0x0e, ...credR]); // {14: CCS} (RFC 9528 §3.5.2)
    if (this.opts.serverCred === "x5t" || this.opts.serverCred === "x5chain") {
      const der = this.opts.misbehave === "impostor-cert"
        ? edhocCertificate(join(this.opts.dir, "ca"), join(this.opts.dir, `impostor-s${suite}.der`), "not-the-server", suite, responderKind(method), pointOf(suite, responderKind(method), unhex(cred.priv)))
        : serverCertificate(this.opts.dir, cred, this.opts.serverCred === "x5chain" && this.ca.issuer ? this.ca : undefined);
      credR = credOfCert(der);
      idCredR = this.opts.serverCred === "x5t" ? x5tOf(der) : x5chainOf(der, this.opts.misbehave === "impostor-cert" ? [] : this.ca.chain.slice(0, -1));
    }
    if (this.opts.serverCred === "c5t" || this.opts.serverCred === "c5c") {
      const c509 = this.opts.misbehave === "impostor-cert"
        ? edhocC509Certificate(join(this.opts.dir, "ca"), join(this.opts.dir, `impostor-s${suite}.c509`), "not-the-server", suite, responderKind(method), pointOf(suite, responderKind(method), unhex(cred.priv)))
        : serverC509Certificate(this.opts.dir, cred);
      credR = credOfC509(c509);
      idCredR = this.opts.serverCred === "c5t" ? c5tOf(c509) : c5cOf(c509, this.wrap);
    }
    const responder = new EdhocResponder({
      methods: [method], suites: supported, cR: (cI) => this.newCR(cI), staticKey: unhex(cred.priv), credR, idCredR,
      lookupCredI: (idCredI: Uint8Array) => {
        const d = this.deviceByIdCred(idCredI);
        if (!d || d.method !== method) return null;
        const id = d.suite === suite ? d : d.alt?.find((a) => a.suite === suite); // a device may have one per suite
        return id ? { credI: unhex(id.cred), publicKey: unhex(id.pub) } : null;
      },
      ead2: this.opts.ead2,
    });
    const r = responder.message1(m1);
    if ("error" in r) return { code: BAD_REQUEST, options: [[OPT.CONTENT_FORMAT, uintBytes(CF.EDHOC)]], payload: r.error };
    const cR = responder.cR;
    // A full table makes room by dropping its oldest session (sessions.onEvict counts it): refusing instead would
    // let a flood from many addresses hold every session slot and lock real devices out, while dropping the
    // oldest costs a device its handshake only if the whole table turned over between its message_2 and message_3.
    this.sessions.set(hex(cR), { responder, y: responder.ephemeralPrivate(), gY: responder.gY, suite, cR, at: Date.now() });
    return { code: CHANGED, options: [[OPT.CONTENT_FORMAT, uintBytes(CF.EDHOC)]], payload: r.message2 };
  }

  /** Finish the handshake of C_R with message_3 and install its OSCORE context (RFC 9528 Appendix A.1:
   *  the server's Sender ID is C_I, its Recipient ID C_R). */
  private message3(cR: Uint8Array, m3: Uint8Array): { ok: true } | { error: string; errCode?: number } {
    const s = this.sessions.get(hex(cR));
    if (!s) return { error: "no EDHOC session for this C_R" };
    let r;
    try { r = s.responder.message3(m3); } catch (e) {
      this.sessions.delete(hex(cR));
      return { error: (e as Error).message, errCode: e instanceof EdhocError ? e.errCode : 1 }; // 3: unknown ID_CRED_I
    }
    this.sessions.delete(hex(cR));
    const ctx = deriveContext({ masterSecret: r.oscoreMasterSecret, masterSalt: r.oscoreMasterSalt, senderId: r.cI, recipientId: cR });
    const device = this.deviceByIdCred(r.idCredI);
    const c: Context = { ctx, ms: r.oscoreMasterSecret, salt: r.oscoreMasterSalt, y: s.y, gY: s.gY, suite: s.suite, device, m3Hash: sha256(m3) };
    // One context per device: a new handshake replaces the device's older contexts; never another device's
    // (C_R was checked free when message_2 went out; a pre-shared context provisioned since then still wins).
    const inst = this.db.installContext(this.contextRow(hex(cR), c));
    if (!inst.ok) return { error: "connection identifier taken meanwhile; start EDHOC again" };
    for (const k of inst.dropped) this.contexts.delete(k);
    this.contexts.set(hex(cR), c);
    this.event({ kind: "edhoc", kid: device?.kid, detail: `handshake done, C_R ${hex(cR)}, C_I ${hex(r.cI)}` });
    return { ok: true };
  }

  /** A message_3 that already made the context of C_R here, sent again as a new message (the answer to the
   *  first copy was lost): no session is left to finish, and none is needed (opts.repeatedCombined). Only an
   *  identical message_3 counts; in a combined request the OSCORE request that follows is verified under the
   *  context as any other. */
  private repeatOfMessage3(kid: Uint8Array, m3: Uint8Array): boolean {
    if (this.opts.repeatedCombined === "refuse" || this.sessions.has(hex(kid))) return false;
    const c = this.contexts.get(hex(kid));
    if (!c?.m3Hash || !timingSafeEqual(c.m3Hash, sha256(m3))) return false;
    this.event({ kind: "edhoc", kid: c.device?.kid, detail: `message_3 repeated, C_R ${hex(kid)}: already processed, its context serves` });
    return true;
  }

  /** The provisioned device an ID_CRED_I names: {4: kid}, {34: x5t} of its certificate, {33: certificate}
   *  (x5chain) issued by our CA and equal to the one provisioned, or the same for a C509 certificate: {22: c5t},
   *  {25: c5c}. */
  private deviceByIdCred(idCredI: Uint8Array): Device | undefined {
    const kid = kidOfIdCred(idCredI);
    if (kid) return this.state.device(kid);
    let c5;
    try { c5 = c509IdCred(idCredI); } catch { return undefined; }
    if (c5 && "c5t" in c5) return this.state.devices().find((d) => d.cred.startsWith("8b") && matchesC5t(unhex(d.cred), c5.c5t));
    if (c5 && "c5c" in c5) {
      const cert = c5.c5c[0];
      // Issued by the root CA (which certifies EDHOC keys), and the very certificate provisioned.
      try { if (!verifyCertificate(cert, new X509Certificate(this.ca.chain[this.ca.chain.length - 1]).publicKey)) return undefined; } catch { return undefined; }
      const cred = hex(encodeCertificate(cert, "array"));
      return this.state.devices().find((d) => d.cred === cred);
    }
    const h = Buffer.from(idCredI).toString("hex");
    if (h.startsWith("a10e")) return this.state.devices().find((d) => d.cred === h.slice(4)); // {14: CCS}: the CCS itself
    if (h.startsWith("a11822822e48") && idCredI.length === 14) return this.state.devices().find((d) => d.cred && hex(x5tOf(certOfCred(unhex(d.cred)))) === h);
    if (h.startsWith("a11821")) {
      const der = certOfCred(idCredI.subarray(3));
      try { if (!new X509Certificate(der).verify(new X509Certificate(this.ca.certDer).publicKey)) return undefined; } catch { return undefined; }
      return this.state.devices().find((d) => d.cred && Buffer.from(certOfCred(unhex(d.cred))).equals(der));
    }
    return undefined;
  }

  // ---- OSCORE ---------------------------------------------------------------------------------------------

  /** Protected responses being served in outer blocks, by token and OSCORE option of the request. */
  private outerCache = new Map<string, { msg: Message; at: number }>();

  private async handleOscore(m: Message): Promise<Response | { raw: Message }> {
    // A follow-up for the next outer block repeats the protected request (same Partial IV): it is served from
    // the cached protected response, not processed again (it would be a replay).
    const ob2 = getOption(m, OPT.BLOCK2);
    const cacheKey = `${hex(m.token)}|${hex(getOption(m, OPT.OSCORE)!)}`;
    if (ob2 && this.opts.outerBlockSize) {
      const cached = this.outerCache.get(cacheKey);
      const want = ob2.length ? ((ob2.reduce((a, b) => a * 256 + b, 0)) >>> 4) : 0;
      if (cached && want > 0) return { raw: this.outerFragment(cached.msg, want) };
    }
    const out = await this.handleOscoreInner(m);
    if ("raw" in out && this.opts.outerBlockSize && out.raw.payload.length > this.opts.outerBlockSize) {
      for (const [k, v] of this.outerCache) if (Date.now() - v.at > 60_000) this.outerCache.delete(k);
      this.outerCache.set(cacheKey, { msg: out.raw, at: Date.now() });
      return { raw: this.outerFragment(out.raw, 0) };
    }
    return out;
  }

  private outerFragment(whole: Message, num: number): Message {
    const size = this.opts.outerBlockSize!;
    const szx = Math.log2(size) - 4;
    const more = (num + 1) * size < whole.payload.length;
    return { ...whole, options: [...whole.options, [OPT.BLOCK2, uintBytes((num << 4) | (more ? 8 : 0) | szx)]], payload: whole.payload.subarray(num * size, (num + 1) * size) };
  }

  private async handleOscoreInner(m: Message): Promise<Response | { raw: Message }> {
    const kid = oscoreKid(getOption(m, OPT.OSCORE)!);
    if (kid === undefined) return { code: BAD_REQUEST, payload: Buffer.from("malformed OSCORE option") };
    let outer = m;
    if (getOption(m, OPT.EDHOC) !== undefined) {
      // RFC 9668 §3.3.1: the payload starts with message_3 (a CBOR bstr); the rest is the OSCORE ciphertext.
      const split = cborBstrEnd(m.payload);
      if (split < 0) return { code: BAD_REQUEST, payload: Buffer.from("combined request without message_3") };
      const m3 = m.payload.subarray(0, split);
      if (!this.repeatOfMessage3(kid, m3)) {
        const r = this.message3(kid, m3);
        if ("error" in r) return { code: BAD_REQUEST, options: [[OPT.CONTENT_FORMAT, uintBytes(CF.EDHOC)]], payload: edhocErrorBytes(r.errCode ?? 1, r.error) };
      }
      outer = { ...m, options: m.options.filter(([n]) => n !== OPT.EDHOC), payload: m.payload.subarray(split) };
    }
    const c = this.contexts.get(hex(kid)) ?? this.loadContext(hex(kid));
    if (!c) return { code: UNAUTHORIZED, payload: Buffer.from("Security context not found") };
    let inner: Message;
    try { inner = unprotectRequest(c.ctx, outer); }
    catch (e) {
      const why = (e as Error).message;
      this.event({ kind: "refused", kid: c.device?.kid, detail: `OSCORE: ${why}` });
      // RFC 8613 §7.4 / §8.2: a replay gets 4.01 "Replay detected", any other failure 4.00 "Decryption failed".
      if (/replayed/.test(why)) return { code: UNAUTHORIZED, payload: Buffer.from("Replay detected") };
      return { code: BAD_REQUEST, payload: Buffer.from("Decryption failed") };
    }
    this.contexts.touch(hex(kid));
    this.saveReplay(hex(kid), c); // the replay window moved: saved before the response goes out
    const mode = this.opts.requireEcho ?? "never";
    if (!c.fresh && (mode === "always" || (mode === "loaded" && c.loaded))) {
      const echo = getOption(inner, OPT.ECHO);
      if (echo && c.echo && Buffer.from(echo).equals(Buffer.from(c.echo))) c.fresh = true;
      else {
        // RFC 9175 §2.4: 4.01 with a fresh Echo value, inside OSCORE; the request is not acted upon.
        c.echo = new Uint8Array(randomBytes(8));
        this.event({ kind: "refused", kid: c.device?.kid, detail: "4.01 with Echo: freshness not yet shown" });
        return { raw: protectResponse(c.ctx, { type: 0, code: UNAUTHORIZED, mid: 0, token: m.token, options: [[OPT.ECHO, c.echo]], payload: new Uint8Array(0) }, m) };
      }
    }
    // Inner block-wise (RFC 8613 §4.1.3.4.1): each block is a request of its own under OSCORE; the body is
    // reassembled here, and a response that takes several Block2 blocks is kept for the requests of the later
    // ones (an enrollment runs once).
    const asSent = inner;
    const protect = (r: Response): { raw: Message } => {
      this.opts.onInnerExchange?.(asSent, r);
      return { raw: protectResponse(c.ctx, { type: 0, code: r.code, mid: 0, token: m.token, options: r.options ?? [], payload: r.payload ?? new Uint8Array(0) }, m) };
    };
    const bkey = `${hex(kid)}|${hex(m.token)}`;
    const step = this.innerBodies.add(bkey, inner);
    if ("reply" in step) return protect(step.reply);
    const b1 = getOption(inner, OPT.BLOCK1);
    if (b1) inner = { ...inner, options: inner.options.filter(([n]) => n !== OPT.BLOCK1 && n !== OPT.SIZE1), payload: step.body };
    let res = this.innerLater.later(bkey, inner);
    if (!res) {
      if (this.opts.handlerDelayMs) await new Promise((r) => setTimeout(r, this.opts.handlerDelayMs));
      res = await this.est(inner, c);
      this.innerLater.keep(bkey, inner, res);
    }
    const { options, payload } = applyBlock2(inner, res);
    if (b1) options.push([OPT.BLOCK1, b1]);
    return protect({ code: res.code, options, payload });
  }

  // ---- EST ------------------------------------------------------------------------------------------------

  private async est(m: Message, c: Context): Promise<Response> {
    const path = uriPath(m);
    const root = "/.well-known/est";
    if (path === "/sensor") return this.sensor(m, c);
    if (!path.startsWith(root + "/")) return { code: NOT_FOUND };
    const op = path.slice(root.length + 1);
    const accept = getUint(m, OPT.ACCEPT);
    const kid = c.device?.kid;
    if (op === "crts") {
      if (m.code !== GET) return { code: METHOD_NOT_ALLOWED };
      const c509Out = accept === this.cf.cert || accept === this.cf.certChain;
      if (accept !== undefined && accept !== CF.PKCS7_CERTS && accept !== CF.PKIX_CERT && !c509Out) return { code: NOT_ACCEPTABLE };
      let chain = this.ca.chain;
      if (this.upstream) {
        const u = await this.upstream.cacerts();
        if (!u.ok) return this.upstreamRefusal(kid, "cacerts", u);
        chain = u.certs;
      }
      if (c509Out) {
        // COSE_C509 of the chain, issuing CA first, each certificate re-encoded (type 3: the same certificates as
        // 281 carries, so a DER trust anchor and its C509 form are one certificate).
        let certs: C509Certificate[];
        try { certs = chain.map((d) => c509FromX509(d)); } catch (e) { return this.refuse(kid, NOT_ACCEPTABLE, `the CA certificates have no C509 form: ${(e as Error).message}`); }
        this.event({ kind: "crts", kid, detail: `CA certificates sent (C509, ${certs.length})` });
        let body = coseC509(certs, this.wrap);
        if (this.opts.misbehave === "garbled-crts") { body = Uint8Array.from(body); body[0] ^= 0x40; } // no longer a byte string or an array
        if (this.opts.misbehave === "huge-crts") body = new Uint8Array(64 * 1024);
        return typed(CONTENT, accept!, body);
      }
      this.event({ kind: "crts", kid, detail: "CA certificates sent" });
      // 287 is one certificate: the root (the trust anchor); 281 (the default) carries the whole chain.
      if (accept === CF.PKIX_CERT) return typed(CONTENT, CF.PKIX_CERT, chain[chain.length - 1]);
      const p7 = pkcs7CertsOnly([...chain, ...(this.upstream ? [] : this.dhRecipients.map((d) => d.cert))]);
      if (this.opts.misbehave === "garbled-crts") p7[4] ^= 0x40; // the content-type OID tag: no longer a ContentInfo
      if (this.opts.misbehave === "huge-crts") return typed(CONTENT, CF.PKCS7_CERTS, new Uint8Array(64 * 1024)); // 64 KiB
      return typed(CONTENT, CF.PKCS7_CERTS, p7);
    }
    if (op === "att") {
      if (m.code !== GET) return { code: METHOD_NOT_ALLOWED };
      return typed(CONTENT, CF.CSRATTRS, this.opts.csrAttrs ?? Uint8Array.of(0x30, 0x00)); // default: nothing requested
    }
    if (op.startsWith("c5u/")) return this.c5uResource(m, op.slice(4), accept);
    if (op === "sen" || op === "sren") {
      if (m.code !== POST) return { code: METHOD_NOT_ALLOWED };
      const cf = getUint(m, OPT.CONTENT_FORMAT);
      const c509In = cf === this.cf.pkcs10;
      if (cf !== CF.PKCS10 && !c509In) return { code: UNSUPPORTED_FORMAT };
      const reply = this.replyFor(accept, c509In);
      if (!reply) return { code: NOT_ACCEPTABLE };
      if (this.opts.manualApproval && !(kid && this.approved.has(kid))) {
        this.event({ kind: "refused", kid, detail: "waiting for approval (5.03)" });
        return { code: SERVICE_UNAVAILABLE, options: [[OPT.MAX_AGE, uintBytes(this.opts.approvalMaxAge ?? 2)]] };
      }
      this.opts.onCsr?.(m.payload, { y: c.y, gY: c.gY, suite: c.suite });
      let csr: Csr, c509: C509Request | undefined;
      try {
        if (c509In) { c509 = c509Request(m.payload); csr = c509.csr; } else csr = parseCsr(m.payload);
      } catch (e) { return this.refuse(kid, BAD_REQUEST, `malformed ${c509In ? "C509 " : ""}CSR: ${(e as Error).message}`); }
      if (this.opts.challengePassword !== undefined && csr.challengePassword !== this.opts.challengePassword) return this.refuse(kid, BAD_REQUEST, "challengePassword missing or wrong");
      const pop = c509 ? c509Pop(c509, c) : this.checkPop(csr, c);
      if (pop !== true) return this.refuse(kid, BAD_REQUEST, pop);
      // The identity policy (policy.ts): which names, and whether /sren is allowed.
      const current = kid ? this.db.currentCertificate(kid) : undefined;
      const d = decide(op, csr, c.device, current, (ca) => ca === this.ca.id || (!!this.upstream && ca === "upstream"), this.upstream ? "refuse" : this.subjectRule());
      if (!d.ok) return this.refuse(kid, d.code, d.why);
      const asC509 = reply !== "pkix" && reply !== "pkcs7";
      const type = this.opts.c509CertType ?? (c509?.c509.type === 2 ? 2 : 3);
      let der: Uint8Array | undefined, cert509: C509Certificate | undefined, extra: Uint8Array[] = [], extra509: C509Certificate[] = [];
      if (this.upstream) {
        if (csr.signatureAlgorithm === OID_DH_POP) return this.refuse(kid, FORBIDDEN, "a DH proof of possession cannot be forwarded to the upstream CA (it checks CSR signatures)");
        if (c509?.c509.type === 2) return this.refuse(kid, FORBIDDEN, "a natively signed C509 CSR cannot be forwarded to the upstream CA (its signature covers CBOR, not a PKCS#10 request)");
        if (d.san === null && csr.extensions.some((e) => e.oid === "2.5.29.17")) return this.refuse(kid, FORBIDDEN, "subjectAltName not allowed");
        const body = c509 ? csr.der : m.payload; // a type 3 C509 CSR is forwarded as the PKCS#10 it re-encodes
        const u = op === "sren" ? await this.upstream.reenroll(body) : await this.upstream.simpleenroll(body);
        if (!u.ok) return this.upstreamRefusal(kid, op === "sren" ? this.upstream.o.reenrollVia ?? "simplereenroll" : "simpleenroll", u);
        const key = Buffer.from(csr.publicKey.spkiDer);
        const mine = u.certs.find((x) => { try { return Buffer.from(new X509Certificate(x).publicKey.export({ format: "der", type: "spki" })).equals(key); } catch { return false; } });
        if (!mine) return this.refuse(kid, coapCode(5, 2), "the upstream CA answered without a certificate for the CSR's key");
        der = mine; extra = u.certs.filter((x) => x !== mine);
        const x = new X509Certificate(der);
        this.db.recordIssued({ ca: "upstream", serial: this.db.nextSerial("upstream", 1), device_kid: kid ?? null, subject: x.subject.replace(/\n/g, ", "), sha256: createHash("sha256").update(der).digest("hex"), der, not_after: Date.parse(x.validTo), issued_at: Date.now() });
        if (asC509) {
          try { cert509 = c509FromX509(der); extra509 = extra.map((e) => c509FromX509(e)); }
          catch (e) { return this.refuse(kid, coapCode(5, 2), `the upstream CA's certificate has no C509 form: ${(e as Error).message}`); }
        }
      } else {
        const day = 86400_000, now = Date.now(), mb = this.opts.misbehave;
        const io: IssueOptions = { validityDays: this.opts.validityDays ?? 365, subjectCn: d.subjectCn, san: d.san, deviceKid: kid,
          notBefore: mb === "expired-cert" ? new Date(now - 2 * day) : mb === "future-cert" ? new Date(now + day) : undefined,
          notAfter: mb === "expired-cert" ? new Date(now - day) : mb === "future-cert" ? new Date(now + 2 * day) : undefined,
          // An extension of a private OID (1.3.6.1.4.1.32473: RFC 5612's example enterprise), critical, value NULL.
          extraExtensions: mb === "critical-ext" ? [{ oid: "1.3.6.1.4.1.32473.1", critical: true, value: Uint8Array.of(0x05, 0x00) }] : undefined };
        if (asC509) ({ c509: cert509, der } = this.ca.issueC509(csr, io, type)); else der = this.ca.issue(csr, io);
        extra = this.ca.chain.slice(0, -1); // intermediates; the root is the trust anchor
        if (asC509) extra509 = this.ca.chainC509.slice(0, -1);
        // Misbehaving on purpose (the device's negative tests): the genuine certificate is issued and recorded,
        // then another one is sent, for a key the device does not hold or from a CA it does not trust.
        let bad: { ca: Ca; csr: Csr } | undefined;
        if (this.opts.misbehave === "other-key") {
          const other = p256.getPublicKey(p256.utils.randomSecretKey(), false);
          bad = { ca: this.ca, csr: { ...csr, publicKey: { kind: "p256", raw: other, spkiDer: Uint8Array.from([...Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex"), ...other]) } } };
        } else if (this.opts.misbehave === "foreign-ca") {
          bad = { ca: await Ca.open(join(this.opts.dir, "foreign-ca"), { keyType: "p256", subject: "EST-oscore development CA", db: this.db }), csr };
        }
        if (bad && asC509) ({ c509: cert509, der } = bad.ca.issueC509(bad.csr, { validityDays: 1 }, type));
        else if (bad) der = bad.ca.issue(bad.csr, { validityDays: 1 });
        if (asC509 && this.opts.c509Reissue) cert509 = this.opts.c509Reissue(m.payload, cert509!);
      }
      const sent = der && !(cert509 && cert509.type === 2) ? der : encodeCertificate(cert509!, "array");
      const format = asC509 ? `C509 type ${cert509!.type}` : "DER";
      this.event({ kind: "enroll", kid, cert: sent, format: cert509?.type === 2 ? "c509" : "der",
        detail: `/${op}: certificate issued for ${cert509 ? nameTextOf(cert509) : subjectText(der!)}${this.upstream ? " by the upstream CA" : ""} (${csr.publicKey.kind}, PoP ${csr.signatureAlgorithm === OID_DH_POP ? "DH MAC" : "signature"}, ${c509 ? `C509 CSR type ${c509.c509.type}` : "DER CSR"}, ${format} as ${reply})` });
      return this.answer(reply, der, cert509, extra, extra509, createHash("sha256").update(sent).digest("hex"));
    }
    if (op === "skg" || op === "skc") return this.serverKeyGen(m, c, op, accept);
    return { code: NOT_FOUND };
  }

  /** The answer an enrollment gets for its Accept option (EST-oscore draft -11 §5.2.1, §5.2.2, §5.9): none -> 281
   *  for a DER CSR, multipart-core with references for a C509 CSR; 287, 281; the C509 Content-Formats; a
   *  reference alone (c5t as cose-certhash;usage=c509, c5u as application/cbor). undefined: 4.06. */
  private replyFor(accept: number | undefined, c509In: boolean): Reply | undefined {
    if (accept === undefined) return c509In ? "multipart" : "pkcs7";
    const byAccept: Record<number, Reply> = {
      [CF.PKIX_CERT]: "pkix", [CF.PKCS7_CERTS]: "pkcs7", [this.cf.cert]: "c509", [this.cf.certChain]: "c509chain",
      [this.cf.certhashC509]: "c5t", [CF.CBOR]: "c5u",
    };
    if (accept === CF.MULTIPART) return c509In ? "multipart" : undefined;
    return byAccept[accept];
  }

  /** The issued certificate in the form `reply` names. `sha` is the SHA-256 (hex) of the recorded bytes. */
  private answer(reply: Reply, der: Uint8Array | undefined, cert: C509Certificate | undefined, extra: Uint8Array[], extra509: C509Certificate[], sha: string): Response {
    if (reply === "pkix") return typed(CHANGED, CF.PKIX_CERT, der!);
    if (reply === "pkcs7") return typed(CHANGED, CF.PKCS7_CERTS, pkcs7CertsOnly([der!, ...extra]));
    const c = cert!;
    if (reply === "c509" || reply === "c509chain") return typed(CHANGED, reply === "c509" ? this.cf.cert : this.cf.certChain, coseC509([c, ...extra509], this.wrap));
    if (reply === "c5t") return typed(CHANGED, this.cf.certhashC509, c5tHash(c));
    const uri = this.c5uUri(sha);
    if (reply === "c5u") return typed(CHANGED, CF.CBOR, c5uPayload(uri));
    // multipart-core (draft -11 §5.2.2): the reference(s), and the certificate when the policy says so.
    const parts = (this.opts.byReference ?? ["c5t", "c5u", "cert"]).map((p) =>
      p === "c5t" ? { cf: this.cf.certhashC509, payload: c5tHash(c) } : p === "c5u" ? { cf: CF.CBOR, payload: c5uPayload(uri) } : { cf: this.cf.cert, payload: coseC509([c, ...extra509], this.wrap) });
    return typed(CHANGED, CF.MULTIPART, multipartCore(parts));
  }

  /** Where a certificate is served by reference: <publicUri>/.well-known/est/c5u/<16 hex digits of its SHA-256>. */
  c5uUri(sha: string): string {
    const host = this.opts.host ?? "127.0.0.1";
    const base = this.opts.publicUri ?? `coap://${host.includes(":") ? `[${host}]` : host}:${this.port}`;
    return `${base.replace(/\/$/, "")}/.well-known/est/c5u/${sha.slice(0, 16)}`;
  }

  /** GET of a c5u: the certificate (and the intermediates of our CA when we issued it) as a COSE_C509 chain
   *  (application/cose-c509-cert;usage=chain; or plain cose-c509-cert when that is the Accept). */
  private c5uResource(m: Message, h: string, accept: number | undefined): Response {
    if (m.code !== GET) return { code: METHOD_NOT_ALLOWED };
    if (accept !== undefined && accept !== this.cf.certChain && accept !== this.cf.cert) return { code: NOT_ACCEPTABLE };
    const row = /^[0-9a-f]{16}$/.test(h) ? this.db.issuedByShortHash(h) : undefined;
    if (!row) return { code: NOT_FOUND };
    let cert: C509Certificate;
    try { cert = row.der[0] === 0x8b ? decodeCertificate(new Uint8Array(row.der)) : c509FromX509(new Uint8Array(row.der)); } catch { return { code: NOT_FOUND, payload: Buffer.from("no C509 form") }; }
    const chain = row.ca === this.ca.id ? [cert, ...this.ca.chainC509.slice(0, -1)] : [cert];
    return typed(CONTENT, accept ?? this.cf.certChain, coseC509(chain, this.wrap));
  }

  /**
   * Server-side key generation (RFC 9148 §4.8, EST-oscore draft §5.2): only for a pre-shared OSCORE context (a
   * device without EDHOC, which may also lack a good RNG); an EDHOC-authenticated device has to make its own key.
   * The CSR gives subject and extensions; its key and signature are not used. Answer: multipart-core
   * [284, PKCS#8, 281 (skg) or 287 (skc), certificate].
   */
  private serverKeyGen(m: Message, c: Context, op: "skg" | "skc", accept: number | undefined): Response {
    const kid = c.device?.kid;
    if (m.code !== POST) return { code: METHOD_NOT_ALLOWED };
    if (getUint(m, OPT.CONTENT_FORMAT) !== CF.PKCS10) return { code: UNSUPPORTED_FORMAT };
    if (accept !== undefined && accept !== CF.MULTIPART) return { code: NOT_ACCEPTABLE };
    if (!c.psk) return this.refuse(kid, FORBIDDEN, "server-side key generation is only for devices without EDHOC");
    if (this.upstream) return this.refuse(kid, FORBIDDEN, "server-side key generation is not forwarded to the upstream CA");
    let csr;
    try { csr = parseCsr(m.payload); } catch (e) { return this.refuse(kid, BAD_REQUEST, `malformed CSR: ${(e as Error).message}`); }
    const { privateKey, publicKey } = c.suite === 0 ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
    const spkiDer = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
    const raw = spkiDer.subarray(spkiDer.length - (c.suite === 0 ? 32 : 65));
    const d = decide(op, csr, c.device, undefined, () => true, this.subjectRule());
    if (!d.ok) return this.refuse(kid, d.code, d.why);
    const cert = this.ca.issue({ ...csr, signatureAlgorithm: "", publicKey: { kind: c.suite === 0 ? "ed25519" : "p256", raw, spkiDer } }, { validityDays: this.opts.validityDays ?? 365, subjectCn: d.subjectCn, san: d.san, deviceKid: kid });
    const pkcs8 = new Uint8Array(privateKey.export({ format: "der", type: "pkcs8" }));
    const certPart = op === "skg" ? pkcs7CertsOnly([cert]) : cert;
    this.event({ kind: "enroll", kid, cert, detail: `/${op}: key generated and certificate issued for ${csr.subject.text}` });
    return typed(CHANGED, CF.MULTIPART, Uint8Array.from([...cArray(4), ...cInt(CF.PKCS8), ...cBstr(pkcs8), ...cInt(op === "skg" ? CF.PKCS7_CERTS : CF.PKIX_CERT), ...cBstr(certPart)]));
  }

  /**
   * Classic RFC 6955 §6 (DhSigStatic with issuerAndSerial naming one of our DH recipient certificates), with
   * OSCORE's HKDF as the KDF (EST-oscore draft -11 §4.8; docs/dh-pop.md): K = HKDF-SHA-256(salt = empty,
   * IKM = ZZ, info = "EST-oscore DH-PoP cert v1" || subject || issuer of that certificate, L = 32),
   * MAC = HMAC-SHA-256(K, certificationRequestInfo).
   * undefined when the CSR does not name a certificate (then the EDHOC G_Y profile applies).
   */
  private classicPop(csr: Csr): true | string | undefined {
    let parts;
    try { parts = derItems(derItems(csr.signature)[0].value); } catch { return "malformed DhSigStatic"; }
    if (parts.length !== 2 || parts[0].tag !== 0x30) return undefined;
    const [iasIssuer, iasSerial] = derItems(parts[0].value);
    for (const d of this.dhRecipients) {
      const tbs = derItems(derItems(derItems(d.cert)[0].value)[0].value);
      const serial = tbs[1], issuer = tbs[3], subject = tbs[5];
      if (!Buffer.from(issuer.der).equals(Buffer.from(iasIssuer.der)) || !Buffer.from(serial.value).equals(Buffer.from(iasSerial.value))) continue;
      let zz: Uint8Array;
      try {
        if (d.suite === 2 && csr.publicKey.kind === "p256") zz = p256.getSharedSecret(d.priv, csr.publicKey.raw).slice(1, 33);
        else if (d.suite === 0 && csr.publicKey.kind === "x25519") zz = x25519.getSharedSecret(d.priv, csr.publicKey.raw);
        else return "DH proof of possession: the key is not on the curve of the named certificate";
      } catch { return "DH proof of possession: invalid public key"; }
      const key = Buffer.from(hkdfSync("sha256", zz, Buffer.alloc(0), Buffer.concat([DH_POP_CERT_LABEL, subject.der, issuer.der]), 32));
      const mac = createHmac("sha256", key).update(csr.certificationRequestInfo).digest();
      return parts[1].tag === 0x04 && parts[1].value.length === 32 && timingSafeEqual(mac, parts[1].value) ? true : "DH proof of possession MAC (RFC 6955) does not verify";
    }
    return "DhSigStatic names a certificate that is not ours";
  }

  private subjectRule(): CsrSubjectRule { return this.opts.csrSubject ?? "replace"; }

  /** An upstream CA's refusal as a CoAP answer: 202/503 with Retry-After -> 5.03 with Max-Age; 400, 401, 403,
   *  404 -> the same 4.xx; anything else -> 5.02 Bad Gateway. */
  private upstreamRefusal(kid: string | undefined, op: string, u: { status: number; retryAfter?: number; text: string }): Response {
    if (u.status === 202 || u.status === 503) {
      this.event({ kind: "refused", kid, detail: `upstream ${op}: HTTP ${u.status}, retry in ${u.retryAfter ?? 5} s` });
      return { code: SERVICE_UNAVAILABLE, options: [[OPT.MAX_AGE, uintBytes(Math.min(u.retryAfter ?? 5, 86400))]] };
    }
    const map: Record<number, number> = { 400: BAD_REQUEST, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND };
    return this.refuse(kid, map[u.status] ?? coapCode(5, 2), `upstream CA ${op}: HTTP ${u.status} ${u.text}`);
  }

  /** The example application's resource (docs/app-developer.md), under OSCORE, for enrolled devices only (a
   *  certificate from this server that has not expired): POST stores a reading of up to 64 bytes (2.04), GET
   *  returns the device's last one (2.05, 4.04 before the first). */
  private sensor(m: Message, c: Context): Response {
    const kid = c.device?.kid;
    const cur = kid ? this.db.currentCertificate(kid) : undefined;
    if (!kid || !cur || cur.not_after <= Date.now()) return this.refuse(kid, FORBIDDEN, "/sensor is for enrolled devices with a valid certificate");
    if (m.code === POST) {
      if (m.payload.length > 64) return this.refuse(kid, coapCode(4, 13), "a reading is at most 64 bytes");
      this.readings.set(kid, Uint8Array.from(m.payload));
      this.event({ kind: "sensor", kid, detail: `reading ${Buffer.from(m.payload).toString("utf8")}` });
      return { code: CHANGED, options: [[OPT.CONTENT_FORMAT, uintBytes(CF.TEXT)]], payload: Buffer.from(`stored ${m.payload.length} bytes`) };
    }
    if (m.code !== GET) return { code: METHOD_NOT_ALLOWED };
    const last = this.readings.get(kid);
    return last ? typed(CONTENT, CF.TEXT, last) : { code: NOT_FOUND };
  }

  private refuse(kid: string | undefined, code: number, why: string): Response {
    this.event({ kind: "refused", kid, detail: `${codeText(code)} ${why}` });
    return { code, options: [[OPT.CONTENT_FORMAT, uintBytes(CF.TEXT)]], payload: Buffer.from(why) };
  }

  /** Proof of possession of a DER CSR: its signature, the classic RFC 6955 MAC when it names one of our DH
   *  recipient certificates, or the DH MAC of docs/dh-pop.md (c509-est.ts derDhPop). true or the reason. */
  private checkPop(csr: Csr, c: Context): true | string {
    if (csr.signatureAlgorithm !== OID_DH_POP) return verifyCsrSignature(csr) ? true : "CSR signature does not verify";
    const classic = this.classicPop(csr);
    if (classic !== undefined) return classic;
    return derDhPop(csr, c);
  }
}


/** The subject of a C509 certificate as text ("CN=x"). */
function nameTextOf(c: C509Certificate): string {
  try { return nameText(nameToDer(c.subject, "subject")); } catch { return "?"; }
}

/** The subject of a certificate as text ("CN=x"). */
function subjectText(der: Uint8Array): string {
  try { return nameText(derItems(derItems(derItems(der)[0].value)[0].value)[5].der); } catch { return "?"; }
}

/** The CA's DH recipient keys and certificates, made on first use (<dir>/ca/dh-recipient-s<suite>.{key,der}). */
function dhRecipients(dir: string): { suite: number; priv: Uint8Array; cert: Uint8Array }[] {
  return [2, 0].map((suite) => {
    const keyFile = join(dir, "ca", `dh-recipient-s${suite}.key`);
    if (!existsSync(keyFile)) writeFileSync(keyFile, hex(newKeyPair(suite, "dh").priv) + "\n", { mode: 0o600 });
    const priv = unhex(readFileSync(keyFile, "utf8").trim());
    const cert = edhocCertificate(join(dir, "ca"), join(dir, "ca", `dh-recipient-s${suite}.der`), `EST-oscore CA DH recipient (suite ${suite})`, suite, "dh", pointOf(suite, "dh", priv));
    return { suite, priv, cert };
  });
}

const sha256 = (b: Uint8Array): Uint8Array => createHash("sha256").update(b).digest();

function typed(code: number, cf: number, payload: Uint8Array): Response {
  return { code, options: [[OPT.CONTENT_FORMAT, uintBytes(cf)]] as Option[], payload };
}

/** An EDHOC error message (RFC 9528 §6): code 1 with a diagnostic text, code 3 (unknown credential
 *  referenced, §6.4) with ERR_INFO true. */
function edhocErrorBytes(code: number, text: string): Uint8Array {
  if (code === 3) return Uint8Array.of(0x03, 0xf5);
  return Uint8Array.from([...cInt(code), ...cTstr(text.slice(0, 100))]);
}
function edhocError(code: number, text: string): Response {
  return { code: BAD_REQUEST, options: [[OPT.CONTENT_FORMAT, uintBytes(CF.EDHOC)]], payload: edhocErrorBytes(code, text) };
}

/** The kid of an OSCORE option value (RFC 8613 §6.1), or undefined when malformed. */
export function oscoreKid(v: Uint8Array): Uint8Array | undefined {
  if (v.length === 0) return undefined;
  const n = v[0] & 7, k = (v[0] & 8) !== 0, h = (v[0] & 16) !== 0;
  let p = 1 + n;
  if (h) { if (p >= v.length) return undefined; p += 1 + v[p]; }
  if (!k || p > v.length) return undefined;
  return v.subarray(p);
}

/** End offset of a CBOR bstr at the start of b, or -1. */
function cborBstrEnd(b: Uint8Array): number {
  if (b.length < 1 || b[0] >> 5 !== 2) return -1;
  const ai = b[0] & 31;
  let len: number, h: number;
  if (ai < 24) { len = ai; h = 1; } else if (ai === 24) { len = b[1]; h = 2; } else if (ai === 25) { len = (b[1] << 8) | b[2]; h = 3; } else return -1;
  return h + len <= b.length ? h + len : -1;
}

/** The kid of an ID_CRED {4: kid}, or undefined. */
function kidOfIdCred(m: Uint8Array): Uint8Array | undefined {
  if (m.length >= 3 && m[0] === 0xa1 && m[1] === 0x04 && m[2] >= 0x40 && m[2] <= 0x57 && m.length === 3 + (m[2] - 0x40)) return m.subarray(3);
  return undefined;
}
