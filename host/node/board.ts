// The Node host's board: what boards/posix gives est-sim, in Node: UDP over IPv4/IPv6 (node:dgram), the OS
// random source, a monotonic clock, a real-time clock (or none: --real-time), levelled logging, output, and the same key-store file (store.ts).
//
// Differences from est-sim, by necessity: sends are asynchronous in Node, so a send error that the kernel
// reports later (e.g. EMSGSIZE) is logged instead of returned; udp_resolve is synchronous in the ABI, so this
// board resolves IP literals and names in /etc/hosts only.
import { createSocket, type Socket } from "node:dgram";
import { randomFillSync } from "node:crypto";
import { fstatSync, readFileSync, readSync } from "node:fs";
import { isIP } from "node:net";
import { ADDR_V4_LEN, ADDR_V6_LEN, ADDR_V6_SCOPED_LEN, E, IN_SEEK_END, IN_SEEK_SET, LOG_WARN } from "./abi.js";
import type { Board } from "./host.js";
import { Impairment, type ImpairConfig } from "./impair.js";
import { FileStore } from "./store.js";

const LEVELS = ["?", "error", "warn", "info", "debug", "trace"];

export interface NodeBoardOptions {
  store: FileStore;
  logLevel?: number;
  /** Receives command output; default: process.stdout. */
  out?: (data: Uint8Array) => void;
  /** Receives log lines (with newline); default: process.stderr. */
  err?: (text: string) => void;
  /** Network impairment (seeded loss, duplication, reordering, delay). */
  impair?: ImpairConfig;
  /** The command's input stream: bytes, or an open file descriptor read piece by piece (the -f file). */
  input?: Uint8Array | { fd: number };
  /** The real-time clock: "none" (a board without one), or seconds since 1970 at start, running on; default
   *  the system clock. */
  realTime?: number | "none";
}

/** Encoded endpoint (est_abi.h format) -> address and port for dgram. */
export function decodeAddr(a: Uint8Array): { family: 4 | 6; address: string; port: number } | null {
  if (a.length === ADDR_V4_LEN && a[0] === 4) {
    const port = (a[1] << 8) | a[2];
    return port ? { family: 4, address: Array.from(a.subarray(3, 7)).join("."), port } : null;
  }
  if ((a.length === ADDR_V6_LEN || a.length === ADDR_V6_SCOPED_LEN) && a[0] === 6) {
    const port = (a[1] << 8) | a[2];
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(((a[3 + 2 * i] << 8) | a[4 + 2 * i]).toString(16));
    let address = groups.join(":");
    if (a.length === ADDR_V6_SCOPED_LEN) address += "%" + (((a[19] << 24) | (a[20] << 16) | (a[21] << 8) | a[22]) >>> 0);
    return port ? { family: 6, address, port } : null;
  }
  return null;
}

/** IP literal and port -> encoded endpoint. */
export function encodeAddr(address: string, port: number): Uint8Array {
  if (isIP(address) === 4) return Uint8Array.from([4, port >> 8, port & 255, ...address.split(".").map(Number)]);
  const [ip, scope] = address.split("%");
  const out = new Uint8Array(scope && /^\d+$/.test(scope) ? ADDR_V6_SCOPED_LEN : ADDR_V6_LEN);
  out[0] = 6; out[1] = port >> 8; out[2] = port & 255;
  const [head, tail = ""] = ip.split("::");
  const h = head ? head.split(":") : [], t = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  groups.forEach((g, i) => { const v = parseInt(g, 16); out[3 + 2 * i] = v >> 8; out[4 + 2 * i] = v & 255; });
  if (out.length === ADDR_V6_SCOPED_LEN) new DataView(out.buffer).setUint32(19, Number(scope));
  return out;
}

type Datagram = { addr: Uint8Array; data: Uint8Array };

export class NodeBoard implements Board {
  private sockets = new Map<4 | 6, Socket>();
  private pendingSends = 0;
  private queue: Datagram[] = [];
  private waiter: (() => void) | null = null; // re-examines queues and timers of a pending wait()
  private impair: Impairment | null;
  private input: Uint8Array | { fd: number };
  private inputPos = 0;
  private cancelled = false;
  readonly logLevel: number;
  private store: FileStore;
  private outFn: (d: Uint8Array) => void;
  private errFn: (t: string) => void;
  private realTime: "none" | "system";
  private realTimeOffset = 0;

  constructor(opts: NodeBoardOptions) {
    this.store = opts.store;
    this.logLevel = opts.logLevel ?? LOG_WARN;
    this.outFn = opts.out ?? ((d) => process.stdout.write(d));
    this.errFn = opts.err ?? ((t) => process.stderr.write(t));
    this.impair = opts.impair ? new Impairment(opts.impair, (l, m) => this.log(l, m)) : null;
    this.input = opts.input ?? new Uint8Array(0);
    this.realTime = opts.realTime === "none" ? "none" : "system";
    if (typeof opts.realTime === "number") this.realTimeOffset = opts.realTime - Math.floor(Date.now() / 1000);
  }

  /** Ask a running wait() to end with "cancelled" (SIGINT). */
  cancel(): void {
    this.cancelled = true;
    this.waiter?.();
  }

  /** Close the sockets once every datagram handed to them has left (dgram sends are asynchronous; closing
   *  at once would drop e.g. the ACK of a final separate response). */
  async close(): Promise<void> {
    while (this.pendingSends > 0) await new Promise((r) => setImmediate(r));
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  private socket(family: 4 | 6): Socket {
    let s = this.sockets.get(family);
    if (!s) {
      s = createSocket({ type: family === 4 ? "udp4" : "udp6", ipv6Only: family === 6 });
      s.on("message", (msg, rinfo) => {
        const d = { addr: encodeAddr(rinfo.address, rinfo.port), data: new Uint8Array(msg) };
        this.log(5, `received ${msg.length} bytes from ${rinfo.family === "IPv6" ? `[${rinfo.address}]` : rinfo.address}:${rinfo.port}`);
        if (this.impair?.applies(false)) this.impair.submit(false, Number(this.clockMs()), d.addr, d.data);
        else this.queue.push(d);
        this.waiter?.();
      });
      s.on("error", (e) => this.log(1, `UDP socket error: ${e.message}`));
      s.unref();
      this.sockets.set(family, s);
    }
    return s;
  }

  udpSend(addr: Uint8Array, data: Uint8Array): number {
    if (!decodeAddr(addr)) return E.NET_ADDRESS;
    if (this.impair?.applies(true)) {
      // The device cannot tell a datagram lost on the link from a delivered one: always "sent".
      this.impair.submit(true, Number(this.clockMs()), addr, data);
      this.flushImpaired();
      return 0;
    }
    return this.sendNow(addr, data);
  }

  private flushImpaired(): void {
    for (let h; this.impair && (h = this.impair.take(true, Number(this.clockMs()))); ) this.sendNow(h.addr, h.data);
  }

  private sendNow(addr: Uint8Array, data: Uint8Array): number {
    const a = decodeAddr(addr);
    if (!a) return E.NET_ADDRESS;
    const where = a.family === 6 ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    try {
      this.pendingSends++;
      this.socket(a.family).send(data, a.port, a.address, (err) => {
        this.pendingSends--;
        if (err) this.log(1, `cannot send ${data.length} bytes to ${where}: ${err.message}`);
      });
    } catch (e: any) {
      this.log(1, `cannot send ${data.length} bytes to ${where}: ${e.message}`);
      return E.NET_SEND;
    }
    this.log(5, `sent ${data.length} bytes to ${where}`);
    return 0;
  }

  udpResolve(name: string, port: number): Uint8Array | number {
    if (name.startsWith("[") && name.endsWith("]")) name = name.slice(1, -1);
    if (isIP(name.split("%")[0])) return encodeAddr(name, port);
    try {
      for (const line of readFileSync("/etc/hosts", "utf8").split("\n")) {
        const [ip, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
        if (ip && isIP(ip) && names.includes(name)) return encodeAddr(ip, port);
      }
    } catch { /* no hosts file */ }
    this.log(1, `cannot resolve ${name}: the Node host resolves IP literals and /etc/hosts names only`);
    return E.NET_RESOLVE;
  }

  rngFill(out: Uint8Array): number {
    randomFillSync(out);
    return 0;
  }

  storeRead(id: number, cap: number) { return this.store.read(id, cap); }
  storeWrite(id: number, data: Uint8Array) { return this.store.write(id, data); }
  storeErase(id: number) { return this.store.erase(id); }

  clockMs(): bigint {
    return process.hrtime.bigint() / 1_000_000n;
  }

  realTimeS(): bigint {
    if (this.realTime === "none") return BigInt(E.UNSUPPORTED);
    return BigInt(Math.floor(Date.now() / 1000) + this.realTimeOffset);
  }

  inRead(cap: number): Uint8Array {
    const src = this.input;
    if (!(src instanceof Uint8Array)) {
      // A file: positional reads (a pipe or terminal cannot seek: read it in order).
      const buf = new Uint8Array(Math.max(0, cap));
      let n = 0;
      try { n = readSync(src.fd, buf, 0, buf.length, this.inputSeekable() ? this.inputPos : null); } catch { return new Uint8Array(0); }
      this.inputPos += n;
      return buf.subarray(0, n);
    }
    const d = src.subarray(this.inputPos, this.inputPos + Math.max(0, cap));
    this.inputPos += d.length;
    return d;
  }

  inSeek(offset: number, whence: number): number {
    if (whence !== IN_SEEK_SET && whence !== IN_SEEK_END) return E.USAGE;
    const src = this.input;
    let size: number;
    if (src instanceof Uint8Array) size = src.length;
    else if (this.inputSeekable()) size = fstatSync(src.fd).size;
    else return E.UNSUPPORTED;
    const to = (whence === IN_SEEK_END ? size : 0) + offset;
    if (to < 0) return E.USAGE;
    if (to > 0x7fffffff) return E.LIMIT;
    this.inputPos = to;
    return to;
  }

  private inputSeekable(): boolean {
    const src = this.input;
    if (src instanceof Uint8Array) return true;
    try { return fstatSync(src.fd).isFile(); } catch { return false; }
  }

  log(level: number, msg: string): void {
    if (level === 0) { this.errFn(`${msg}\n`); return; } // LOG_ALWAYS: asked for by the command
    if (level > this.logLevel) return;
    this.errFn(`est-sim: [${LEVELS[level] ?? "?"}] ${msg}\n`);
  }

  out(data: Uint8Array): number {
    this.outFn(data);
    return 0;
  }

  wait(deadlineMs: bigint): Promise<Datagram | "timeout" | "cancelled"> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (r: Datagram | "timeout" | "cancelled") => { clearTimeout(timer); this.waiter = null; resolve(r); };
      // Looks at everything that can end the wait; re-armed on every timer and every arriving datagram.
      // setTimeout keeps its own clock, so the board clock decides whether a deadline has really passed.
      const pump = () => {
        clearTimeout(timer);
        if (this.cancelled) return finish("cancelled");
        this.flushImpaired();
        const now = Number(this.clockMs());
        const held = this.impair?.take(false, now);
        if (held) return finish(held);
        const d = this.queue.shift();
        if (d) return finish(d);
        if (deadlineMs >= 0n && now >= Number(deadlineMs)) return finish("timeout");
        let wake = deadlineMs < 0n ? -1 : Number(deadlineMs);
        const due = this.impair?.nextDue() ?? -1;
        if (due >= 0 && (wake < 0 || due < wake)) wake = due;
        timer = setTimeout(pump, wake < 0 ? 2 ** 31 - 1 : Math.min(Math.max(wake - now, 0), 2 ** 31 - 1));
      };
      this.waiter = pump;
      pump();
    });
  }
}
