// The firmware C API (host/include/est_client.h, host/est_client.c) on the Node host: the same operations,
// command lines, events, status and scheduling, so that one test can hold both hosts to the same behaviour
// and host/node/cli.ts runs its commands the way est-sim does.
//
// Deliberately not here: what the C API leaves to C (est_client_key_export reads a record through a scratch
// buffer; here keyExport() reads it whole), threads.
import { E, RESULT } from "./abi.js";
import { HostError, ModuleHost, type Board, type Limits } from "./host.js";
import { decodeResult, nameText } from "./render.js";

export const CLIENT_E_HOST = -1000;
export const CLIENT_E_CONFIG = -1001;
export type Op = "maintain" | "enroll" | "renew" | "request";
export type Action = "none" | "enrolled" | "reenrolled" | "renewed";
export const PAYLOAD_MAX = 160;
export const RESPONSE_MAX = 256;
/** The enrollment record (store-ids.ts) and its format with the key inside (est/record.ts). */
const ENROLLMENT_RECORD_ID = 0x0120;

export interface ClientEvent {
  op: Op; status: number; action: Action; notAfter: number; renewAt: number; response?: Uint8Array;
}
export interface ClientConfig {
  serverUri?: string;
  /** 1..99; 0 or absent: two thirds. */
  renewPercent?: number;
  limits?: Limits;
  options?: string[];
  /** Wall time, seconds since 1970, or -1 while unknown. */
  timeNow?: () => number;
  onDone?: (ev: ClientEvent) => void;
  retryMinS?: number;
  retryMaxS?: number;
}
export interface ClientStatus {
  enrolled: boolean; expired: boolean; renewalDue: boolean; notBefore: number; notAfter: number; renewAt: number;
  subject: string; certificate?: Uint8Array; keyId: number;
}

const COMMAND: Record<Exclude<Op, "request">, string> = { maintain: "maintain", enroll: "enroll", renew: "reenroll" };
const LIFE_COMMANDS = new Set(["maintain", "status", "enroll", "reenroll"]);

/** The value of the first item with this tag in a result record, as a little-endian number; undefined when absent. */
function itemNumber(rec: Uint8Array, tag: number): number | undefined {
  for (let i = 0; i + 3 <= rec.length;) {
    const n = rec[i + 1] | (rec[i + 2] << 8);
    if (i + 3 + n > rec.length) break;
    if (rec[i] === tag) { let v = 0; for (let k = Math.min(n, 8) - 1; k >= 0; k--) v = v * 256 + rec[i + 3 + k]; return v; }
    i += 3 + n;
  }
  return undefined;
}

export class EstClient {
  private op: Op | null = null;
  private failures = 0;
  private renewAt = 0;
  private response: Uint8Array[] = [];
  private responseLen = 0;
  private stopped = false;

  private constructor(readonly host: ModuleHost, private board: Board, readonly cfg: ClientConfig) {}

  /** Load the module (est_client_init). Throws HostError when it does not load, RangeError for a bad config. */
  static async init(wasm: Uint8Array, board: Board, cfg: ClientConfig): Promise<EstClient> {
    if ((cfg.renewPercent ?? 0) > 99 || (cfg.renewPercent ?? 0) < 0) throw new RangeError("renewPercent must be 1..99");
    return new EstClient(await ModuleHost.load(wasm, board, cfg.limits), board, cfg);
  }

  private now(): number { return this.cfg.timeNow ? this.cfg.timeNow() : -1; }

  /** --renew-at and --now from the configuration, unless argv has them. */
  private lifeArgs(argv: string[]): string[] {
    const out = [...argv];
    if (this.cfg.renewPercent && !argv.includes("--renew-at")) out.push("--renew-at", String(this.cfg.renewPercent));
    const now = this.now();
    if (now >= 0 && !argv.includes("--now")) out.push("--now", String(Math.floor(now)));
    return out;
  }

  private begin(op: Op, argv: string[]): number {
    if (this.op) return E.BUSY;
    this.op = op;
    this.host.quietReport = true;
    this.response = []; this.responseLen = 0;
    this.host.outHook = (d) => {
      const take = d.subarray(0, Math.max(0, RESPONSE_MAX - this.responseLen));
      this.response.push(take); this.responseLen += take.length;
    };
    let st: number;
    try { st = this.host.start(argv); } catch (e) { if (!(e instanceof HostError)) throw e; return this.finish(CLIENT_E_HOST); }
    return st === E.PENDING ? st : this.finish(st);
  }

  private finish(st: number): number {
    const op = this.op!;
    const ev: ClientEvent = { op, status: st, action: "none", notAfter: 0, renewAt: 0 };
    const raw = st === CLIENT_E_HOST ? null : this.host.resultRecord();
    if (raw && op !== "request") {
      const r = decodeResult(raw.rec, raw.mem);
      if (st === E.OK && r.command === RESULT.CMD_ENROLL)
        ev.action = r.flags & RESULT.FLAG_EXPIRED ? "reenrolled" : r.resource === RESULT.RES_SREN ? "renewed" : "enrolled";
      ev.notAfter = r.notAfter ?? 0;
      ev.renewAt = r.renewAt ?? 0;
      if (ev.renewAt) this.renewAt = ev.renewAt;
    }
    if (op === "request") ev.response = Buffer.concat(this.response);
    if (op !== "request") this.failures = st === E.OK ? 0 : this.failures + 1;
    this.op = null;
    this.cfg.onDone?.(ev);
    return st;
  }

  /** Begin maintain, enroll or renew (est_client_start): PENDING, or the final status. */
  start(op: Exclude<Op, "request">): number {
    if (!this.cfg.serverUri) return CLIENT_E_CONFIG;
    if (this.op) return E.BUSY;
    return this.begin(op, [COMMAND[op], ...this.lifeArgs(this.cfg.options ?? []), this.cfg.serverUri]);
  }

  /** Begin an application request under OSCORE to path on the configured server (est_client_start_request). */
  startRequest(method: "get" | "post", path: string, payload?: string): number {
    const u = this.cfg.serverUri;
    if (!u || !u.startsWith("coap://") || !path.startsWith("/")) return CLIENT_E_CONFIG;
    if (payload !== undefined && Buffer.byteLength(payload) > PAYLOAD_MAX) return E.LIMIT;
    if (this.op) return E.BUSY;
    const slash = u.indexOf("/", 7);
    const uri = (slash < 0 ? u : u.slice(0, slash)) + path;
    return this.begin("request", ["request", method, ...(payload !== undefined ? ["-e", payload] : []), uri]);
  }

  /** Let the running operation progress, waiting at most maxWaitMs (est_client_step). */
  async step(maxWaitMs: number): Promise<number> {
    if (!this.op) return E.NO_COMMAND;
    let st: number;
    try { st = await this.host.poll(this.board.clockMs() + BigInt(maxWaitMs)); } catch (e) { if (!(e instanceof HostError)) throw e; return this.finish(CLIENT_E_HOST); }
    return st === E.PENDING ? st : this.finish(st);
  }

  nextDeadline(): bigint { return this.op ? this.host.deadline() : -1n; }

  cancel(): number {
    if (!this.op) return E.NO_COMMAND;
    return this.finish(this.host.cancel());
  }

  async run(op: Exclude<Op, "request">): Promise<number> {
    let st = this.start(op);
    while (st === E.PENDING) st = await this.step(60_000);
    return st;
  }

  async request(method: "get" | "post", path: string, payload?: string): Promise<{ status: number; response: Uint8Array }> {
    let st = this.startRequest(method, path, payload);
    while (st === E.PENDING) st = await this.step(60_000);
    return { status: st, response: Buffer.concat(this.response) };
  }

  /** What the device holds (est_client_status): throws nothing; status !== E.OK when the record is unreadable. */
  status(): { status: number; s?: ClientStatus } {
    if (this.op) return { status: E.BUSY };
    this.host.quietReport = true;
    this.host.outHook = () => {};
    const st = this.host.start(["status", ...this.lifeArgs([])]);
    if (st !== E.OK) return { status: st };
    const raw = this.host.resultRecord();
    if (!raw) return { status: E.INTERNAL };
    const r = decodeResult(raw.rec, raw.mem);
    const enrolled = (r.flags & RESULT.FLAG_ENROLLED) !== 0;
    const s: ClientStatus = {
      enrolled, expired: (r.flags & RESULT.FLAG_EXPIRED) !== 0, renewalDue: (r.flags & RESULT.FLAG_DUE) !== 0,
      notBefore: r.notBefore ?? 0, notAfter: r.notAfter ?? 0, renewAt: r.renewAt ?? 0,
      subject: r.subject ? nameText(r.subject) : "", certificate: r.cert, keyId: itemNumber(raw.rec, RESULT.KEY_ID) ?? 0,
    };
    if (enrolled && s.renewAt) this.renewAt = s.renewAt;
    return { status: E.OK, s };
  }

  /** The enrolled certificate if it fits cap bytes (est_client_certificate): len is its length either way. */
  certificate(cap: number): { status: number; len: number; der?: Uint8Array } {
    const { status, s } = this.status();
    if (status !== E.OK) return { status, len: 0 };
    if (!s?.enrolled || !s.certificate) return { status: E.STORE_NOT_FOUND, len: 0 };
    if (s.certificate.length > cap) return { status: E.BUFFER_TOO_SMALL, len: s.certificate.length };
    return { status: E.OK, len: s.certificate.length, der: s.certificate };
  }

  /** The key kept in the enrollment record (key id 0): type and private bytes, the record read with a buffer
   *  of scratchCap bytes (est_client_key_export). */
  keyExport(scratchCap: number): { status: number; type?: number; priv?: Uint8Array } {
    if (this.op) return { status: E.BUSY };
    const r = this.board.storeRead(ENROLLMENT_RECORD_ID, scratchCap);
    if (typeof r === "number") return { status: r };
    if (r.length < 36 || r[0] !== 1) return { status: E.UNSUPPORTED };
    return { status: E.OK, type: r[1], priv: r.slice(2, 34) };
  }

  /** Seconds until maintain should run again (est_client_next_run_s). */
  nextRunS(): number {
    const lo = this.cfg.retryMinS || 10, hi = this.cfg.retryMaxS || 3600;
    if (this.failures > 0) return Math.min(lo * 2 ** Math.min(this.failures - 1, 20), hi);
    const now = this.now();
    if (now < 0 || this.renewAt <= 0) return hi;
    if (now > this.renewAt) return 0;
    return Math.min(this.renewAt + 1 - Math.floor(now), hi);
  }

  stop(): void { this.stopped = true; }

  /** maintain, sleep until nextRunS(), again, until stop() (est_client_task); sleeping drops datagrams. */
  async task(): Promise<void> {
    while (!this.stopped) {
      await this.run("maintain");
      if (this.stopped) break;
      const until = this.board.clockMs() + BigInt(this.nextRunS() * 1000);
      while (!this.stopped && this.board.clockMs() < until) {
        const left = until - this.board.clockMs();
        await this.board.wait(this.board.clockMs() + (left > 1000n ? 1000n : left));
      }
    }
  }

  /** Any module command line, report rendered to the board (est_client_command); life-cycle commands get
   *  --renew-at and --now from the configuration. Throws HostError as ModuleHost.run. */
  async command(argv: string[]): Promise<number> {
    if (this.op) return E.BUSY;
    this.host.quietReport = false;
    this.host.outHook = null;
    return this.host.run(argv.length && LIFE_COMMANDS.has(argv[0]) ? this.lifeArgs(argv) : argv);
  }
}
