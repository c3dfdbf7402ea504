// The host side of the boards' serial link (boards/common/slip_net.h): SLIP frames (RFC 1055) on a byte stream
// - QEMU's UART socket or a board's USB serial port. IPv4/UDP frames from the device go on as real UDP from a
// host socket (one per device source port) to the destination their header names; the answers come back
// framed with the answering address as source. Console frames (command output, log lines, exit code, hello)
// are events; commands go to the device as SLIP_FRAME_CMD.
//
// A board with its own network (an ESP32 on Wi-Fi) needs no framing: serveUdp() relays its datagrams through a
// host UDP port instead, with the same loss injection and counters.
//
// Loss can be injected in either direction, from a seeded generator, so a run with the same seed drops the
// same datagrams.
import { createSocket, type Socket } from "node:dgram";
import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";

const END = 0xc0, ESC = 0xdb, ESC_END = 0xdc, ESC_ESC = 0xdd;
export const FRAME = { OUT: 0x00, LOG: 0x01, CMD: 0x02, EXIT: 0x03, HELLO: 0x04 } as const;
export const DEVICE_IP = [10, 83, 76, 2];
const MTU = 1500;

export function slipEncode(frame: Uint8Array): Buffer {
  const out: number[] = [END];
  for (const b of frame) {
    if (b === END) out.push(ESC, ESC_END);
    else if (b === ESC) out.push(ESC, ESC_ESC);
    else out.push(b);
  }
  out.push(END);
  return Buffer.from(out);
}

/** Reassembles SLIP frames from chunks of a byte stream; bad escapes and overlong frames are dropped. */
export class SlipDecoder {
  private buf: number[] = [];
  private esc = false;
  private bad = false;
  dropped = 0;
  constructor(private onFrame: (f: Uint8Array) => void, private max = MTU + 1) {}
  push(chunk: Uint8Array) {
    for (const c of chunk) {
      if (c === END) {
        if (this.bad) this.dropped++;
        else if (this.buf.length) this.onFrame(Uint8Array.from(this.buf));
        this.buf = []; this.esc = false; this.bad = false;
        continue;
      }
      if (this.bad) continue;
      let b = c;
      if (this.esc) {
        this.esc = false;
        if (b === ESC_END) b = END; else if (b === ESC_ESC) b = ESC; else { this.bad = true; continue; }
      } else if (b === ESC) { this.esc = true; continue; }
      if (this.buf.length >= this.max) { this.bad = true; continue; }
      this.buf.push(b);
    }
  }
}

function sum16(acc: number, p: Uint8Array): number {
  for (let i = 0; i + 1 < p.length; i += 2) acc += (p[i] << 8) | p[i + 1];
  if (p.length & 1) acc += p[p.length - 1] << 8;
  return acc;
}
function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return ~acc & 0xffff;
}

export interface Udp4 { src: number[]; dst: number[]; sport: number; dport: number; payload: Uint8Array }

/** Parse an IPv4/UDP packet (checksums verified); undefined for anything else. */
export function parseUdp4(p: Uint8Array): Udp4 | undefined {
  if (p.length < 28 || p[0] !== 0x45) return undefined;
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const total = dv.getUint16(2);
  if (total < 28 || total > p.length || (dv.getUint16(6) & 0x3fff) !== 0 || p[9] !== 17) return undefined;
  if (fold(sum16(0, p.subarray(0, 20))) !== 0) return undefined;
  const ulen = dv.getUint16(24);
  if (ulen !== total - 20) return undefined;
  const udp = p.subarray(20, total);
  if (dv.getUint16(26) !== 0) {
    const pseudo = sum16(sum16(0, p.subarray(12, 20)), Uint8Array.of(0, 17, ulen >> 8, ulen & 0xff));
    if (fold(sum16(pseudo, udp)) !== 0) return undefined;
  }
  return { src: [...p.subarray(12, 16)], dst: [...p.subarray(16, 20)], sport: dv.getUint16(20), dport: dv.getUint16(22), payload: p.slice(28, total) };
}

/** Build an IPv4/UDP packet with both checksums. */
export function buildUdp4(u: Udp4, id = 0): Uint8Array {
  const total = 28 + u.payload.length;
  const p = new Uint8Array(total);
  const dv = new DataView(p.buffer);
  p[0] = 0x45; dv.setUint16(2, total); dv.setUint16(4, id & 0xffff); p[6] = 0x40; p[8] = 64; p[9] = 17;
  p.set(u.src, 12); p.set(u.dst, 16);
  dv.setUint16(10, fold(sum16(0, p.subarray(0, 20))));
  dv.setUint16(20, u.sport); dv.setUint16(22, u.dport); dv.setUint16(24, 8 + u.payload.length);
  p.set(u.payload, 28);
  const pseudo = sum16(sum16(0, p.subarray(12, 20)), Uint8Array.of(0, 17, (8 + u.payload.length) >> 8, (8 + u.payload.length) & 0xff));
  const cs = fold(sum16(pseudo, p.subarray(20)));
  dv.setUint16(26, cs === 0 ? 0xffff : cs);
  return p;
}

/** Deterministic generator for loss decisions (mulberry32: well mixed from the first output for any seed; a
 *  plain xorshift seeded with 1 gives a run of tiny values, which dropped every datagram of the first exchange). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}

export interface BridgeOptions {
  /** Percentage of datagrams dropped device -> network and network -> device. */
  lossUp?: number;
  lossDown?: number;
  /** Percentage of datagrams to the device that get one bit flipped after their checksums were computed (the
   *  device must drop them: IPv4 header or UDP checksum). */
  corruptDown?: number;
  seed?: number;
  /** Called with each datagram that passes or is dropped (for traces). */
  trace?: (line: string) => void;
}

export interface BridgeStats {
  up: number; down: number; bytesUp: number; bytesDown: number;
  droppedUp: number; droppedDown: number; badFrames: number; corruptedDown: number;
  /** Confirmable CoAP messages from the device with a message ID not seen before (retransmissions and losses
   *  not counted twice): the device's round trips. */
  conUp: number;
}

/** Events: "out" (Buffer), "log" (string), "exit" (code), "hello" (board name). */
export class SlipBridge extends EventEmitter {
  stats: BridgeStats = { up: 0, down: 0, bytesUp: 0, bytesDown: 0, droppedUp: 0, droppedDown: 0, badFrames: 0, corruptedDown: 0, conUp: 0 };
  private sockets = new Map<number, Socket>();
  private midsUp = new Set<number>();
  private gateway?: { sock: Socket; device: string; server: number };
  /** serveUdp: the board's source ports seen, and those of a board whose power was cut (powerCut). */
  private portsSeen = new Set<number>();
  private portsCut = new Set<number>();
  private decoder = new SlipDecoder((f) => this.frame(f));
  private stream?: Duplex;
  private rand: () => number;
  private ipId = 1;

  constructor(private o: BridgeOptions = {}) {
    super();
    this.rand = rng(o.seed ?? 1);
  }

  /** Carry the link over this stream (QEMU's socket, a serial port); replaces any earlier one. */
  attach(stream: Duplex) {
    this.stream = stream;
    this.decoder = new SlipDecoder((f) => this.frame(f));
    stream.on("data", (c: Buffer) => this.decoder.push(c));
  }

  setLoss(up: number, down: number) { this.o.lossUp = up; this.o.lossDown = down; }
  setCorruption(down: number) { this.o.corruptDown = down; }

  command(line: string) {
    if (!this.stream) throw new Error("bridge: no link attached");
    this.stream.write(slipEncode(Uint8Array.from([FRAME.CMD, ...Buffer.from(line)])));
  }

  /** A board with its own network: it sends to this host's `port`; datagrams from `device` (its IPv4 address)
   *  go on to the server at 127.0.0.1:`serverPort`, the answers back to the device from `port`. Datagrams from
   *  any other address are dropped (counted as bad frames). Resolves once the port is bound. */
  serveUdp(port: number, device: string, serverPort: number): Promise<void> {
    const sock = createSocket("udp4");
    this.gateway = { sock, device, server: serverPort };
    sock.on("message", (msg, rinfo) => {
      if (rinfo.address !== device) {
        this.stats.badFrames++;
        this.o.trace?.(`bridge: ignored ${msg.length} B from ${rinfo.address}:${rinfo.port} (not the board)`);
        return;
      }
      if (this.portsCut.has(rinfo.port)) {
        this.o.trace?.(`bridge: ignored ${msg.length} B from port ${rinfo.port} (its board's power was cut)`);
        return;
      }
      this.portsSeen.add(rinfo.port);
      this.relayUp(new Uint8Array(msg), rinfo.port, "127.0.0.1", serverPort);
    });
    return new Promise((res, rej) => {
      let bound = false;
      // Before the bind: the port is taken. After: a send that failed (the board's address unreachable) is
      // not fatal; CoAP retransmits.
      sock.on("error", (e) => {
        if (!bound) rej(new Error(`bridge: cannot listen on UDP port ${port}: ${e.message}`));
        else this.o.trace?.(`bridge: UDP error: ${e.message}`);
      });
      sock.bind(port, "0.0.0.0", () => { bound = true; res(); });
    });
  }

  /**
   * serveUdp: the board's power is cut now. A board without power sends and receives nothing, but the command
   * that cuts it (a reset) may take a while to stop it: from now on every source port the board used is cut
   * off both ways, so nothing it still sends reaches the server. Returns those ports for powerBack().
   */
  powerCut(): number[] {
    const ports = [...this.portsSeen];
    for (const p of ports) this.portsCut.add(p);
    this.portsSeen.clear();
    return ports;
  }

  /** serveUdp: the board that used `ports` is stopped (the reset returned): a new boot may use one of them. */
  powerBack(ports: number[]) { for (const p of ports) this.portsCut.delete(p); }

  close() {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    this.gateway?.sock.close();
  }

  private drop(pct: number | undefined) { return !!pct && this.rand() * 100 < pct; }

  private frame(f: Uint8Array) {
    if (f[0] >= 0x45 && f[0] <= 0x4f) return this.up(f);
    const body = Buffer.from(f.subarray(1));
    switch (f[0]) {
      case FRAME.OUT: this.emit("out", body); break;
      case FRAME.LOG: this.emit("log", body.toString("utf8")); break;
      case FRAME.EXIT: this.emit("exit", body.length ? body[0] : -1); break;
      case FRAME.HELLO: this.emit("hello", body.toString("utf8")); break;
      default: this.stats.badFrames++;
    }
  }

  private up(f: Uint8Array) {
    const u = parseUdp4(f);
    if (!u || u.src.join(".") !== DEVICE_IP.join(".")) { this.stats.badFrames++; return; }
    this.relayUp(u.payload, u.sport, u.dst.join("."), u.dport);
  }

  private relayUp(payload: Uint8Array, sport: number, to: string, dport: number) {
    // CoAP header: version 1, type CON (0), the message ID in bytes 2-3.
    if (payload.length >= 4 && (payload[0] & 0xf0) === 0x40) {
      const mid = (sport << 16) | (payload[2] << 8) | payload[3];
      if (!this.midsUp.has(mid)) { this.midsUp.add(mid); this.stats.conUp++; }
    }
    if (this.drop(this.o.lossUp)) {
      this.stats.droppedUp++;
      this.o.trace?.(`bridge: DROP up ${payload.length} B to ${to}:${dport}`);
      return;
    }
    this.stats.up++; this.stats.bytesUp += payload.length;
    this.o.trace?.(`bridge: up ${payload.length} B to ${to}:${dport}`);
    this.socketFor(sport).send(payload, dport, to);
  }

  private socketFor(devicePort: number): Socket {
    let s = this.sockets.get(devicePort);
    if (s) return s;
    s = createSocket("udp4");
    s.on("error", (e) => this.o.trace?.(`bridge: UDP error: ${e.message}`)); // a failed send: CoAP retransmits
    s.on("message", (msg, rinfo) => {
      if (this.drop(this.o.lossDown)) {
        this.stats.droppedDown++;
        this.o.trace?.(`bridge: DROP down ${msg.length} B from ${rinfo.address}:${rinfo.port}`);
        return;
      }
      if (this.gateway && this.portsCut.has(devicePort)) return; // for a board without power
      this.stats.down++; this.stats.bytesDown += msg.length;
      this.o.trace?.(`bridge: down ${msg.length} B from ${rinfo.address}:${rinfo.port}`);
      if (this.gateway) { this.gateway.sock.send(msg, devicePort, this.gateway.device); return; }
      const pkt = buildUdp4({ src: rinfo.address.split(".").map(Number), dst: DEVICE_IP, sport: rinfo.port, dport: devicePort, payload: msg }, this.ipId++);
      if (this.drop(this.o.corruptDown)) {
        const bit = Math.floor(this.rand() * pkt.length * 8);
        pkt[bit >> 3] ^= 1 << (bit & 7);
        this.stats.corruptedDown++;
        this.o.trace?.(`bridge: flipped bit ${bit} of a ${pkt.length}-byte packet to the device`);
      }
      this.stream?.write(slipEncode(pkt));
    });
    s.bind(0, "0.0.0.0");
    this.sockets.set(devicePort, s);
    return s;
  }
}
