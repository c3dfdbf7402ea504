// The host side of the boards' serial link (tools/hil/bridge.ts) and the flash image of their key store
// (tools/hil/flash-image.ts). The device side of both (boards/common/slip_net.c, flash_store.c) is exercised
// against these in QEMU by test/hil-qemu.test.ts.
import { describe, expect, it } from "vitest";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SlipDecoder, SlipBridge, slipEncode, parseUdp4, buildUdp4, DEVICE_IP, FRAME } from "../tools/hil/bridge.js";
import { SerialBoard } from "../tools/hil/run.js";
import { ROOT } from "./helpers/hosts.js";
import { buildFlashImage, readFlashImage, intelHex, FLASH_STORE_BYTES } from "../tools/hil/flash-image.js";

describe("SLIP (RFC 1055)", () => {
  it("escapes END and ESC and restores them", () => {
    const f = Uint8Array.from([0x45, 0xc0, 0x01, 0xdb, 0xdc, 0xdd, 0xc0]);
    const enc = slipEncode(f);
    expect([...enc]).toEqual([0xc0, 0x45, 0xdb, 0xdc, 0x01, 0xdb, 0xdd, 0xdc, 0xdd, 0xdb, 0xdc, 0xc0]);
    const got: Uint8Array[] = [];
    const d = new SlipDecoder((x) => got.push(x));
    for (const b of enc) d.push(Uint8Array.of(b)); // one byte at a time, as a UART delivers
    expect(got).toEqual([f]);
  });
  it("drops a frame with an invalid escape or too long, and recovers at the next END", () => {
    const got: Uint8Array[] = [];
    const d = new SlipDecoder((x) => got.push(x), 8);
    d.push(Uint8Array.from([0xc0, 1, 0xdb, 0x99, 2, 0xc0, 3, 0xc0]));
    d.push(Uint8Array.from([...new Array(20).fill(7), 0xc0, 4, 0xc0]));
    expect(got.map((x) => [...x])).toEqual([[3], [4]]);
    expect(d.dropped).toBe(2);
  });
});

describe("IPv4/UDP framing", () => {
  it("computes the IPv4 header checksum of a well-known example header", () => {
    // A header widely used to teach the checksum (20 bytes, checksum 0xB861 at offset 10).
    const h = Buffer.from("450000730000400040110000c0a80001c0a800c7", "hex");
    const p = buildUdp4({ src: [192, 168, 0, 1], dst: [192, 168, 0, 199], sport: 1, dport: 2, payload: new Uint8Array(0x73 - 28) }, 0);
    // Our header has the same fields (DF, TTL 64, UDP, total length 0x73), so the checksum must be 0xB861.
    expect(Buffer.from(p.subarray(0, 20)).toString("hex").replace(/^(.{20}).{4}/, "$10000")).toBe(h.toString("hex"));
    expect(p[10] << 8 | p[11]).toBe(0xb861);
  });
  it("round-trips a datagram and refuses any single flipped bit", () => {
    const payload = Uint8Array.from({ length: 37 }, (_, i) => i * 7);
    const p = buildUdp4({ src: DEVICE_IP, dst: [127, 0, 0, 1], sport: 50000, dport: 5683, payload }, 9);
    expect(parseUdp4(p)).toEqual({ src: DEVICE_IP, dst: [127, 0, 0, 1], sport: 50000, dport: 5683, payload });
    let accepted = 0;
    for (let bit = 0; bit < p.length * 8; bit++) {
      const q = p.slice();
      q[bit >> 3] ^= 1 << (bit & 7);
      if (parseUdp4(q)) accepted++;
    }
    expect(accepted).toBe(0);
  });
  it("refuses fragments, other protocols and IPv4 options", () => {
    const p = buildUdp4({ src: DEVICE_IP, dst: [127, 0, 0, 1], sport: 1, dport: 2, payload: Uint8Array.of(1) });
    const frag = p.slice(); frag[6] = 0x20; // MF
    const tcp = p.slice(); tcp[9] = 6;
    const opts = p.slice(); opts[0] = 0x46;
    for (const q of [frag, tcp, opts]) expect(parseUdp4(q)).toBeUndefined();
  });
});

describe("flash image of the key store", () => {
  it("holds the records, newest live record wins, CRC failures are reported", () => {
    const a = Uint8Array.from([1, 2, 3]), b = new Uint8Array(1000).fill(0xab);
    const img = buildFlashImage([{ id: 0x20, data: a }, { id: 0x120, data: b }]);
    expect(img.length).toBe(FLASH_STORE_BYTES);
    const st = readFlashImage(img);
    expect([...st.records.keys()]).toEqual([0x20, 0x120]);
    expect(st.records.get(0x120)).toEqual(b);
    expect(st.corrupt).toEqual([]);
    const bad = img.slice();
    bad[16 + 16 + 4 + 16 + 10] ^= 1; // a data byte of the second record
    expect(readFlashImage(bad).corrupt).toEqual([0x120]);
    expect(() => readFlashImage(new Uint8Array(FLASH_STORE_BYTES).fill(0xff))).toThrow(/not formatted/);
  });
  it("writes Intel HEX that loads to the same bytes as binutils' objcopy output", () => {
    const img = buildFlashImage([{ id: 0x120, data: Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) & 0xff) }]);
    const ours = intelHex(img, 0xf8000);
    expect(ours.split("\n")[0]).toBe(":02000004000FEB"); // extended linear address 0x000F
    const dir = mkdtempSync(join(tmpdir(), "ihex-"));
    writeFileSync(join(dir, "img.bin"), img);
    execFileSync("objcopy", ["-I", "binary", "-O", "ihex", "--change-addresses", "0xf8000", join(dir, "img.bin"), join(dir, "img.hex")]);
    const theirs = readFileSync(join(dir, "img.hex"), "utf8");
    const load = (text: string) => {
      const mem = new Map<number, number>();
      let base = 0;
      for (const line of text.trim().split("\n")) {
        const b = Buffer.from(line.trim().slice(1), "hex");
        expect(b.reduce((s, x) => s + x, 0) & 0xff).toBe(0); // every record's checksum
        const n = b[0], addr = b.readUInt16BE(1), type = b[3], data = b.subarray(4, 4 + n);
        if (type === 0) data.forEach((x, i) => mem.set(base + addr + i, x));
        else if (type === 2) base = data.readUInt16BE(0) * 16;
        else if (type === 4) base = data.readUInt16BE(0) * 65536;
      }
      return mem;
    };
    const a = load(ours), b = load(theirs);
    expect(a.size).toBe(FLASH_STORE_BYTES);
    expect([...a.entries()]).toEqual([...b.entries()]);
  });
});

describe("loss injection", () => {
  it("drops close to the asked percentage from the first datagram on, for any seed", async () => {
    const { SlipBridge } = await import("../tools/hil/bridge.js");
    for (const seed of [1, 2, 3, 12345]) {
      const b = new SlipBridge({ seed, lossUp: 20 });
      const drop = (b as unknown as { drop(p: number): boolean }).drop.bind(b);
      const first = Array.from({ length: 10 }, () => drop(20)).filter(Boolean).length;
      expect(first).toBeLessThan(7); // a short run is not all drops (it was, with a badly seeded generator)
      let n = 0;
      for (let i = 0; i < 10000; i++) if (drop(20)) n++;
      expect(n).toBeGreaterThan(1800);
      expect(n).toBeLessThan(2200);
    }
  });
});

describe("UDP relay for a board on its own network (serveUdp)", () => {
  it("relays the board's datagrams both ways, ignores other senders, counts a retransmission once", async () => {
    const { SlipBridge } = await import("../tools/hil/bridge.js");
    const { createSocket } = await import("node:dgram");
    const bind = async (addr: string) => {
      const s = createSocket("udp4");
      await new Promise<void>((r) => s.bind(0, addr, () => r()));
      return s;
    };
    const server = await bind("127.0.0.1"), board = await bind("127.0.0.1"), stranger = await bind("127.0.0.2");
    const atServer: Buffer[] = [];
    server.on("message", (m, r) => { atServer.push(m); server.send(Buffer.concat([Buffer.from("re:"), m]), r.port, r.address); });
    const atBoard: Buffer[] = [];
    board.on("message", (m) => atBoard.push(m));
    const probe = await bind("127.0.0.1");
    const port = probe.address().port;
    probe.close();
    const b = new SlipBridge({ seed: 1 });
    await b.serveUdp(port, "127.0.0.1", server.address().port);
    try {
      const con = (mid: number) => Buffer.from([0x40, 0x02, mid >> 8, mid & 0xff, 0xb3, 0x65, 0x73, 0x74]); // CON POST /est
      const ack = Buffer.from([0x60, 0x00, 0x00, 0x07]); // an empty ACK: not a round trip
      for (const d of [con(7), con(7), ack, con(8)]) board.send(d, port, "127.0.0.1");
      stranger.send(con(9), port, "127.0.0.1");
      const until = async (f: () => boolean) => { for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 5)); };
      await until(() => atBoard.length === 4 && b.stats.badFrames === 1);
      expect(atServer.map((m) => m.toString("hex"))).toEqual([con(7), con(7), ack, con(8)].map((m) => m.toString("hex")));
      expect(atBoard.map((m) => m.subarray(0, 3).toString())).toEqual(["re:", "re:", "re:", "re:"]);
      expect(b.stats).toMatchObject({ up: 4, down: 4, conUp: 2, badFrames: 1, bytesUp: 28, bytesDown: 40 });
    } finally {
      b.close(); server.close(); board.close(); stranger.close();
    }
  });
});

// The serial board's runs: what a board whose power was cut mid-frame left on the line is no part of the next
// command's output. A stand-in board on tools/hil/qemu_tty.py's pty sends the start of a report frame (its
// power cut before the frame's END), then boots: a HELLO, and on the command a report and EXIT.
describe.skipIf(spawnSync("python3", ["--version"]).status !== 0)("HIL serial board", () => {
  it("takes a command's output from the command on, not a cut run's leftover frame", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hil-serial-frames-"));
    const relay = spawn("python3", [join(ROOT, "tools/hil/qemu_tty.py"), dir], { stdio: "ignore" });
    let sock: Socket | undefined;
    try {
      for (let i = 0; i < 200 && !existsSync(join(dir, "port")); i++) await new Promise((r) => setTimeout(r, 25));
      const port = Number(readFileSync(join(dir, "port"), "utf8"));
      sock = connect(port, "127.0.0.1");
      await new Promise<void>((r) => sock!.once("connect", () => r()));
      const frame = (type: number, body: string) => slipEncode(Uint8Array.from([type, ...Buffer.from(body)]));
      const cutShort = frame(FRAME.OUT, '{"ok":true,"certificate_pem":"-----BEGIN CERT').subarray(0, -1); // no END
      sock.write(Buffer.concat([cutShort, frame(FRAME.HELLO, "stand-in")]));
      const dec = new SlipDecoder((f) => {
        if (f[0] !== FRAME.CMD) return;
        sock!.write(Buffer.concat([frame(FRAME.OUT, `{"ok":true,"command":"${Buffer.from(f.subarray(1)).toString()}"}\n`), frame(FRAME.LOG, "done"), frame(FRAME.EXIT, "\0")]));
      });
      sock.on("data", (c: Buffer) => dec.push(c));
      // The "reset" takes a while, as a real one does: the leftover and the HELLO arrive meanwhile.
      const board = new SerialBoard(join(dir, "tty"), "sleep 0.5", undefined, dir);
      const r = await board.run(["enroll", "coap://x"], new SlipBridge(), undefined, 10_000);
      board.close();
      expect(r.code).toBe(0);
      expect(r.out).toBe('{"ok":true,"command":"enroll coap://x"}\n');
      expect(r.log).toBe("done\n");
    } finally {
      sock?.destroy();
      relay.kill("SIGTERM");
    }
  }, 20_000);
});
