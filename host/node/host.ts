// The Node host: runs the same module as est-sim, under V8, with the same ABI (host/include/est_abi.h).
//
// ModuleHost mirrors host/est_host.c: it checks the module (wasm-check.ts), links the "board" imports to a
// Board with a pointer/length check in front of each, runs commands through the sans-I/O loop, and reports
// panics and traps in the same words. Used by the unit tests (fast) and by host/node/cli.ts.
import { ADDR_MAX_LEN, ABI_VERSION, E, IO_PAYLOAD_OFFSET, LOG_ALWAYS, STORE_MAX_ID, STORE_MAX_RECORD } from "./abi.js";
import { CryptoProvider } from "./crypto-provider.js";
import { checkModule } from "./wasm-check.js";
import { decodeResult, renderEvent, renderResult, type Result } from "./render.js";

/** What a board gives the Node host; the same contract as boards/board.h. Buffers are copies or views of
 *  linear memory valid only during the call. */
export interface Board {
  udpSend(addr: Uint8Array, data: Uint8Array): number;
  udpResolve(name: string, port: number): Uint8Array | number;
  rngFill(out: Uint8Array): number;
  storeRead(id: number, cap: number): Uint8Array | number;
  storeWrite(id: number, data: Uint8Array): number;
  storeErase(id: number): number;
  clockMs(): bigint;
  /** Seconds since 1970, or E_UNSUPPORTED when the board has no real time. */
  realTimeS(): bigint;
  log(level: number, msg: string): void;
  out(data: Uint8Array): number;
  /** Read up to cap bytes of the command's input stream (empty array at the end). */
  inRead(cap: number): Uint8Array;
  /** Move the input stream's read position (whence IN_SEEK_SET or IN_SEEK_END); the new position or a status. */
  inSeek(offset: number, whence: number): number;
  /** Wait for a datagram or the deadline (-1n: none). Resolves to the datagram, "timeout" or "cancelled". */
  wait(deadlineMs: bigint): Promise<{ addr: Uint8Array; data: Uint8Array } | "timeout" | "cancelled">;
}

export class HostError extends Error {
  constructor(public kind: "invalid" | "trap" | "args" | "stalled", message: string) { super(message); }
}

/** maxPages: the module's linear memory limit in 64 KiB pages; cryptoMask: the CAP_* bits of the crypto
 *  provider the module may see (0: a board without native crypto; default: all). */
export interface Limits { maxPages: number; cryptoMask?: number }

type Exports = {
  memory: WebAssembly.Memory;
  _start(): void;
  abi_version(): number;
  io_buffer(): number;
  io_capacity(): number;
  start(len: number): number;
  on_datagram(addrLen: number, dataLen: number): number;
  on_timer(): number;
  next_deadline(): bigint;
  cancel(): number;
  last_error(): number;
  error_detail(): number;
  error_detail_len(): number;
  result(): number;
  result_len(): number;
  heap_top(): number;
};

/** wasm3's words for the traps V8 reports differently, so both hosts print the same message. */
function trapText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/unreachable/.test(m)) return "[trap] unreachable executed";
  if (/out of bounds/.test(m)) return "[trap] out of bounds memory access";
  if (/divide by zero/.test(m)) return "[trap] integer divide by zero";
  if (/integer overflow/.test(m)) return "[trap] integer overflow";
  if (/stack/.test(m)) return "[trap] stack overflow";
  return m;
}

export class ModuleHost {
  private ex!: Exports;
  private ioPtr = 0;
  private ioCap = 0;
  private trapped = false;
  private panicText = "";
  private utf8 = new TextDecoder("utf-8", { fatal: false });

  private constructor(private board: Board) {}

  /** Check, instantiate and initialise a module. Throws HostError("invalid" | "trap"). */
  static async load(wasm: Uint8Array, board: Board, limits: Limits = { maxPages: 2 }): Promise<ModuleHost> {
    const h = new ModuleHost(board);
    try { checkModule(wasm, limits.maxPages); } catch (e: any) { throw new HostError("invalid", e.message); }
    let inst: WebAssembly.Instance;
    try {
      const mod = await WebAssembly.compile(wasm as BufferSource);
      inst = await WebAssembly.instantiate(mod, { board: h.imports(), crypto: new CryptoProvider(board, () => h.mem(), limits.cryptoMask).imports() });
    } catch (e: any) {
      throw new HostError("invalid", `V8 rejected the module: ${e.message}`);
    }
    h.ex = inst.exports as unknown as Exports;
    h.call("_start", () => h.ex._start(), "module initialisation trapped");
    const v = h.ex.abi_version() >>> 0;
    if (v !== ABI_VERSION) throw new HostError("invalid", `module implements ABI version ${v}; this host implements ${ABI_VERSION}`);
    h.ioPtr = h.ex.io_buffer() >>> 0;
    h.ioCap = h.ex.io_capacity() >>> 0;
    if (!h.inMemory(h.ioPtr, h.ioCap) || h.ioCap <= IO_PAYLOAD_OFFSET) throw new HostError("invalid", "module's io buffer lies outside its memory");
    return h;
  }

  get ioCapacity(): number { return this.ioCap; }
  get memoryBytes(): number { return this.ex.memory.buffer.byteLength; }
  heapTop(): number { return this.ex.heap_top() >>> 0; }

  private mem(): Uint8Array { return new Uint8Array(this.ex.memory.buffer); }

  private inMemory(ptr: number, len: number): boolean {
    return len >= 0 && ptr + len <= this.ex.memory.buffer.byteLength;
  }

  private call<T>(name: string, f: () => T, prefix?: string): T {
    try {
      return f();
    } catch (e) {
      this.trapped = true;
      if (prefix) throw new HostError("trap", this.panicText ? `${prefix}: panic: ${this.panicText}` : `${prefix}: ${trapText(e)}`);
      throw new HostError("trap", this.panicText ? `module panic in ${name}: ${this.panicText}` : `module trap in ${name}: ${trapText(e)}`);
    }
  }

  private imports(): Record<string, Function> {
    const b = this.board;
    const u = (x: number) => x >>> 0;
    const view = (p: number, n: number) => this.mem().slice(u(p), u(p) + n);
    return {
      udp_send: (ap: number, al: number, dp: number, dl: number) => {
        if (!this.inMemory(u(ap), al) || !this.inMemory(u(dp), dl)) return E.BAD_POINTER;
        return b.udpSend(view(ap, al), view(dp, dl));
      },
      udp_resolve: (np: number, nl: number, port: number, op: number, oc: number) => {
        if (!this.inMemory(u(np), nl) || !this.inMemory(u(op), oc)) return E.BAD_POINTER;
        if (port < 0 || port > 65535) return E.NET_ADDRESS;
        const r = b.udpResolve(this.utf8.decode(view(np, nl)), port);
        if (typeof r === "number") return r;
        if (r.length > oc) return E.BUFFER_TOO_SMALL;
        this.mem().set(r, u(op));
        return r.length;
      },
      rng_fill: (p: number, n: number) => {
        if (!this.inMemory(u(p), n)) return E.BAD_POINTER;
        return b.rngFill(this.mem().subarray(u(p), u(p) + n));
      },
      store_read: (id: number, p: number, cap: number) => {
        if (!this.inMemory(u(p), cap)) return E.BAD_POINTER;
        if (u(id) > STORE_MAX_ID) return E.STORE_ID;
        const r = b.storeRead(u(id), cap);
        if (typeof r === "number") return r;
        this.mem().set(r, u(p));
        return r.length;
      },
      store_write: (id: number, p: number, n: number) => {
        if (!this.inMemory(u(p), n)) return E.BAD_POINTER;
        if (u(id) > STORE_MAX_ID) return E.STORE_ID;
        if (n > STORE_MAX_RECORD) return E.STORE_TOO_LARGE;
        return b.storeWrite(u(id), view(p, n));
      },
      store_erase: (id: number) => (u(id) > STORE_MAX_ID ? E.STORE_ID : b.storeErase(u(id))),
      clock_ms: () => b.clockMs(),
      real_time_s: () => b.realTimeS(),
      log: (level: number, p: number, n: number) => {
        if (this.inMemory(u(p), n)) b.log(level, renderEvent(view(p, n)));
      },
      in_read: (p: number, cap: number) => {
        if (!this.inMemory(u(p), cap)) return E.BAD_POINTER;
        const d = b.inRead(cap);
        this.mem().set(d, u(p));
        return d.length;
      },
      in_seek: (offset: number, whence: number) => b.inSeek(offset, whence),
      out: (p: number, n: number) => {
        if (!this.inMemory(u(p), n)) return E.BAD_POINTER;
        if (this.outHook) { this.outHook(view(p, n)); return E.OK; }
        return b.out(view(p, n));
      },
      panic: (mp: number, ml: number, fp: number, fl: number, line: number, col: number) => {
        const msg = this.inMemory(u(mp), ml) ? this.utf8.decode(view(mp, ml)) : "<bad pointer>";
        const file = this.inMemory(u(fp), fl) ? this.utf8.decode(view(fp, fl)) : "<bad pointer>";
        this.panicText = `${msg} at ${file}:${line}:${col}`;
      },
    };
  }

  /** Where command output goes instead of the board (set between commands; null: the board's out). */
  outHook: ((data: Uint8Array) => void) | null = null;
  /** true: do not render a device command's result record as its report. */
  quietReport = false;
  private running = false;

  /**
   * Run one command to completion (start, then datagrams/timers until not PENDING). Resolves to the module's
   * final status; throws HostError("args" | "trap" | "stalled"). A device command's result record is rendered
   * as its report (host/node/render.ts): text or JSON to the board's output, phase lines to its log.
   */
  async run(argv: string[]): Promise<number> {
    let st = this.start(argv);
    while (st === E.PENDING) st = await this.poll(-1n);
    return st;
  }

  /** Start a command without waiting (host/est_host.c est_host_start): its status, PENDING while it runs;
   *  E.BUSY while another runs. Throws as run(). */
  start(argv: string[]): number {
    if (this.trapped) throw new HostError("trap", "module instance trapped earlier; reload it");
    if (this.running) return E.BUSY;
    const enc = new TextEncoder();
    const parts = argv.map((a) => enc.encode(a));
    const total = parts.reduce((s, p) => s + p.length + 1, 0);
    if (total > this.ioCap) throw new HostError("args", `command line too long for the module (${this.ioCap} bytes at most)`);
    const m = this.mem();
    let off = this.ioPtr;
    for (const p of parts) { m.set(p, off); off += p.length; m[off++] = 0; }
    return this.settle(this.call("start", () => this.ex.start(total)));
  }

  /** The running command's next deadline (board clock ms), -1n when none runs. */
  deadline(): bigint { return this.running ? this.call("next_deadline", () => this.ex.next_deadline()) : -1n; }

  /** Wait for a datagram or the module's deadline, but no later than the board clock time untilMs (-1n: no
   *  limit), and hand the module what came (est_host_poll). Resolves to the status (PENDING while it runs,
   *  E.NO_COMMAND when none does). */
  async poll(untilMs: bigint): Promise<number> {
    if (!this.running) return E.NO_COMMAND;
    let deadline: bigint;
    try { deadline = this.call("next_deadline", () => this.ex.next_deadline()); } catch (e) { this.running = false; throw e; }
    if (deadline < 0n) { this.running = false; throw new HostError("stalled", "module is waiting with no deadline (a module bug; it would hang)"); }
    const ev = await this.board.wait(untilMs >= 0n && untilMs < deadline ? untilMs : deadline);
    let st: number = E.PENDING;
    try {
      if (ev === "timeout") { if (this.board.clockMs() >= deadline) st = this.call("on_timer", () => this.ex.on_timer()); }
      else if (ev === "cancelled") st = this.call("cancel", () => this.ex.cancel());
      else {
        const cap = this.ioCap - IO_PAYLOAD_OFFSET;
        if (ev.data.length > cap || ev.addr.length > ADDR_MAX_LEN) {
          this.board.log(2, `dropped a ${ev.data.length}-byte datagram: larger than the module's ${cap}-byte buffer`);
          return E.PENDING;
        }
        const mm = this.mem();
        mm.set(ev.addr, this.ioPtr);
        mm.set(ev.data, this.ioPtr + IO_PAYLOAD_OFFSET);
        st = this.call("on_datagram", () => this.ex.on_datagram(ev.addr.length, ev.data.length));
      }
    } catch (e) { this.running = false; throw e; }
    return this.settle(st);
  }

  /** Abort the running command; resolves to its final status (E.CANCELLED), E.NO_COMMAND when none runs. */
  cancel(): number {
    if (!this.running) return E.NO_COMMAND;
    return this.settle(this.call("cancel", () => this.ex.cancel()));
  }

  /** A status from the module: the command is still running, or it ended and its report is rendered. */
  private settle(st: number): number {
    this.running = st === E.PENDING;
    if (this.running || this.quietReport) return st;
    const r = this.result();
    if (r) {
      const rep = renderResult(r, st === E.OK ? "" : this.errorDetail());
      for (const line of rep.log) this.board.log(LOG_ALWAYS, line);
      if (rep.out) this.board.out(new TextEncoder().encode(rep.out));
    }
    return st;
  }

  /** The last command's result record, decoded (null for a command that wrote none). */
  result(): Result | null {
    const r = this.resultRecord();
    return r ? decodeResult(r.rec, r.mem) : null;
  }

  /** The last command's result record as bytes, with the linear memory its references point into (valid
   *  until the next command starts); null for a command that wrote none. */
  resultRecord(): { rec: Uint8Array; mem: Uint8Array } | null {
    if (this.trapped) return null;
    const p = this.ex.result() >>> 0, n = this.ex.result_len();
    if (n <= 0 || !this.inMemory(p, n)) return null;
    const m = this.mem();
    return { rec: m.slice(p, p + n), mem: m };
  }

  /** Detail text of the module's last error, rendered from its event record. */
  errorDetail(): string {
    if (this.trapped) return "";
    const p = this.ex.error_detail() >>> 0, n = this.ex.error_detail_len();
    return this.inMemory(p, n) && n > 0 ? renderEvent(this.mem().slice(p, p + n)) : "";
  }
}
