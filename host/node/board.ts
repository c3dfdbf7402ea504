// The Node host's board: what boards/posix gives est-sim, in Node: UDP over IPv4/IPv6 (node:dgram), the OS
// random source, a monotonic clock, levelled logging, output, and the same key-store file (store.ts).
//
// Differences from est-sim, by necessity: sends are asynchronous in Node, so a send error that the kernel
// reports later (e.g. EMSGSIZE) is logged instead of returned; udp_resolve is synchronous in the ABI, so this
// board resolves IP literals and names in /etc/hosts only.
import { createSocket, type Socket } from "node:dgram";
import { randomFillSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { ADDR_V4_LEN, ADDR_V6_LEN, ADDR_V6_SCOPED_LEN, E, LOG_WARN } from "./abi.js";
import type { Board } from "./host.js";
import { FileStore } from "./store.js";

const LEVELS = ["?", "error", "warn", "info", "debug", "trace"];

export interface NodeBoardOptions {
  store: FileStore;
  logLevel?: number;
  /** Receives command output; default: process.stdout. */
  out?: (data: Uint8Array) => void;
  /** Receives log lines (with newline); default: process.stderr. */
  err?: (text: string) => void;
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
  private queue: Datagram[] = [];
  private waiter: ((d: Datagram | "cancelled") => void) | null = null;
  private cancelled = false;
  readonly logLevel: number;
  private store: FileStore;
  private outFn: (d: Uint8Array) => void;
  private errFn: (t: string) => void;

  constructor(opts: NodeBoardOptions) {
    this.store = opts.store;
    this.logLevel = opts.logLevel ?? LOG_WARN;
    this.outFn = opts.out ?? ((d) => process.stdout.write(d));
    this.errFn = opts.err ?? ((t) => process.stderr.write(t));
  }

  /** Ask a running wait() to end with "cancelled" (SIGINT). */
  cancel(): void {
    this.cancelled = true;
    this.waiter?.("cancelled");
  }

  close(): void {
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
        if (this.waiter) { const w = this.waiter; this.waiter = null; w(d); } else this.queue.push(d);
      });
      s.on("error", (e) => this.log(1, `UDP socket error: ${e.message}`));
      s.unref();
      this.sockets.set(family, s);
    }
    return s;
  }

  udpSend(addr: Uint8Array, data: Uint8Array): number {
    const a = decodeAddr(addr);
    if (!a) return E.NET_ADDRESS;
    const where = a.family === 6 ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    try {
      this.socket(a.family).send(data, a.port, a.address, (err) => {
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

  log(level: number, msg: string): void {
    if (level > this.logLevel) return;
    this.errFn(`est-sim: [${LEVELS[level] ?? "?"}] ${msg}\n`);
  }

  out(data: Uint8Array): number {
    this.outFn(data);
    return 0;
  }

  wait(deadlineMs: bigint): Promise<Datagram | "timeout" | "cancelled"> {
    if (this.cancelled) return Promise.resolve("cancelled");
    const d = this.queue.shift();
    if (d) return Promise.resolve(d);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      // setTimeout keeps its own clock: re-arm until the board clock has really reached the deadline.
      const arm = () => {
        const left = deadlineMs < 0n ? 2 ** 31 - 1 : Number(deadlineMs - this.clockMs());
        if (left <= 0) { this.waiter = null; resolve("timeout"); return; }
        timer = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
      };
      this.waiter = (x) => { clearTimeout(timer); this.waiter = null; resolve(x); };
      arm();
    });
  }
}
