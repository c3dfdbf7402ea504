// Block-wise transfers (RFC 7959) end to end, under both hosts where the command allows:
//   - uploads of any size: `coap put|post -f` streams the payload file one block at a time from the host's input
//     (board.in_seek / in_read), against libcoap's coap-server, read back with libcoap's coap-client; one file
//     larger than the module's whole linear memory;
//   - the client's Block2 size preference rides on the final Block1 request (RFC 7959 §2.5), against a scripted
//     server that answers in the block size the request asks for;
//   - `enroll -b 64` against the development server: message_1/message_2 with early Block2, the CSR in inner
//     Block1 blocks and the certificate in inner Block2 blocks under OSCORE (RFC 8613 §4.1.3.4.1), each block
//     counted inside OSCORE (the server's onInnerExchange hook) and on the wire (the device's -v trace); and
//     with X.509 credentials (x5chain), message_2 of several hundred bytes in Block2 blocks of a POST.
// (The same uploads under OSCORE against aiocoap: test/interop-aiocoap.test.ts.)
import { spawnSync, type ChildProcess } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { X509Certificate, randomBytes } from "node:crypto";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACK, CHANGED, CONTINUE, OPT, blockDecode, blockEncode, decode, encode, getOption, type Block, type Message, type Response,
} from "../tools/server/coap.js";
import { EstServer } from "../tools/server/est.js";
import { provision } from "../tools/provision.js";
import { EST_SIM, HOSTS, runCommand, tempDir, type HostName } from "./helpers/hosts.js";
import { startLibcoapServer } from "./helpers/libcoap.js";

const T = 90_000;
const dir = tempDir("est-blockwise-");

function coap(host: HostName, args: string[]) {
  return runCommand(host, ["--store", join(dir, `ks-${host}`), "coap", ...args], { timeoutMs: T - 5000 });
}

/** The trace lines (-v) of the requests the device sent. */
const sent = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("-> "));

describe("uploads of any size, streamed from the payload file (libcoap coap-server)", () => {
  let server: ChildProcess;
  let base = "";
  beforeAll(async () => {
    ({ server, base } = await startLibcoapServer(async (b) => (await coap("wasm3", ["get", "-B", "1", `${b}/`])).code === 0));
  }, T);
  afterAll(() => { server?.kill(); });

  /** What libcoap's own client reads back from `path`. */
  const readBack = (path: string) => {
    const out = join(dir, `back-${path.replace(/\W/g, "_")}`);
    const r = spawnSync("coap-client-notls", ["-m", "get", "-o", out, `${base}${path}`], { timeout: 60_000 });
    expect(r.status, String(r.stderr)).toBe(0);
    return readFileSync(out);
  };

  for (const host of HOSTS) {
    it(`${host}: 10 KiB in 160 Block1 blocks of 64 bytes, the last one asking for 64-byte Block2 blocks`, async () => {
      const body = randomBytes(10 * 1024);
      const file = join(dir, `up10k-${host}.bin`);
      writeFileSync(file, body);
      const r = await coap(host, ["put", "-v", "-b", "64", "-f", file, `${base}/up10k-${host}`]);
      expect(r.code, r.stderr).toBe(0);
      const reqs = sent(r.stderr);
      expect(reqs).toHaveLength(160);
      reqs.forEach((l, i) => expect(l).toMatch(new RegExp(` Block1=${i}/${i < 159 ? 1 : 0}/64 `)));
      expect(reqs[0]).toContain("Size1=10240");
      // RFC 7959 §2.5: the final Block1 request carries Block2 NUM 0 with the client's size; no other does.
      expect(reqs[159]).toContain("Block2=0/0/64");
      expect(reqs.slice(0, 159).some((l) => l.includes("Block2="))).toBe(false);
      expect(readBack(`/up10k-${host}`).equals(body)).toBe(true);
    }, T);

    it(`${host}: 200 KiB, more than the module's 128 KiB of linear memory, at 1024-byte blocks`, async () => {
      const body = randomBytes(200 * 1024);
      const file = join(dir, `up200k-${host}.bin`);
      writeFileSync(file, body);
      const r = await coap(host, ["put", "-f", file, `${base}/up200k-${host}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(readBack(`/up200k-${host}`).equals(body)).toBe(true);
    }, T);
  }

  it("wasm3: a payload that cannot be read twice (a pipe) is accepted up to the request buffer, refused beyond it", async () => {
    const small = randomBytes(1000), big = randomBytes(3000);
    // Through a shell pipeline: the payload file is the read end of a pipe.
    const put = (data: Buffer, path: string) => {
      const file = join(dir, `pipe-${data.length}.bin`);
      writeFileSync(file, data);
      const r = spawnSync("sh", ["-c", `cat "$1" | "$2" --store "$3" coap put -f /dev/stdin "$4"`, "sh", file, EST_SIM, join(dir, "ks-pipe"), `${base}${path}`],
        { encoding: "utf8", timeout: 60_000 });
      return { code: r.status ?? -1, stderr: r.stderr };
    };
    const ok = put(small, "/pipe-small");
    expect(ok.code, ok.stderr).toBe(0);
    expect(readBack("/pipe-small").equals(small)).toBe(true);
    const refused = put(big, "/pipe-big");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/E_LIMIT \(a payload that cannot be read twice \(a pipe\) is limited to 2048 bytes/);
  }, T);
});

describe("RFC 7959 §2.5: the final Block1 request sets the size of the response's Block2 blocks (scripted server)", () => {
  // POST /sink: 2.31 for each non-final block; the final one is answered with a 300-byte representation in the
  // Block2 size that request asks for (1024 bytes, i.e. one block, when it asks for none), later blocks on demand.
  const reply = Buffer.from(Array.from({ length: 300 }, (_, i) => String.fromCharCode(0x61 + (i % 26))).join(""));
  let sock: Socket;
  let base = "";
  const log: { block1?: Block; block2?: Block; answered?: Block; bytes: number }[] = [];
  let body: Buffer[] = [];
  beforeAll(async () => {
    sock = createSocket("udp4");
    sock.on("message", (d, peer) => {
      const m = decode(new Uint8Array(d));
      if (m.code === 0 || m.code >= 0x40) return;
      const b1 = getOption(m, OPT.BLOCK1), b2 = getOption(m, OPT.BLOCK2);
      const block1 = b1 ? blockDecode(b1) : undefined, block2 = b2 ? blockDecode(b2) : undefined;
      const answer = (code: number, options: [number, Uint8Array][], payload = new Uint8Array(0)) =>
        sock.send(encode({ type: ACK, code, mid: m.mid, token: m.token, options, payload }), peer.port, peer.address);
      if (block1?.more) {
        if (block1.num === 0) body = [];
        body.push(Buffer.from(m.payload));
        log.push({ block1, block2, bytes: 0 });
        answer(CONTINUE, [[OPT.BLOCK1, blockEncode(block1)]]);
        return;
      }
      if (block1) body.push(Buffer.from(m.payload));
      const szx = block2?.szx ?? 6, num = block2?.num ?? 0, size = 16 << szx;
      const more = (num + 1) * size < reply.length;
      const part = reply.subarray(num * size, (num + 1) * size);
      const answered = { num, more, szx };
      log.push({ block1, block2, answered, bytes: part.length });
      answer(CHANGED, [[OPT.BLOCK2, blockEncode(answered)], ...(block1 ? [[OPT.BLOCK1, blockEncode(block1)] as [number, Uint8Array]] : [])], part);
    });
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    base = `coap://127.0.0.1:${sock.address().port}`;
  });
  afterAll(() => sock.close());

  for (const host of HOSTS) {
    it(`${host}: -b 64 uploads 1000 bytes in 16 blocks and receives the answer in 5 blocks of 64 bytes`, async () => {
      log.length = 0;
      const upload = randomBytes(1000);
      const file = join(dir, `sink-${host}.bin`);
      writeFileSync(file, upload);
      const r = await coap(host, ["post", "-b", "64", "--ack-timeout", "2000", "-B", "20", "-f", file, `${base}/sink`]);
      expect(r.code, r.stderr).toBe(0);
      expect(Buffer.concat(body).equals(upload)).toBe(true);
      expect(r.stdout).toBe(reply.toString());
      // 15 blocks answered 2.31, the final one (NUM 15) asked for Block2 NUM 0 SZX 2 (64 bytes) ...
      expect(log.filter((e) => e.block1?.more)).toHaveLength(15);
      const last = log.find((e) => e.block1 && !e.block1.more)!;
      expect(last.block1).toEqual({ num: 15, more: false, szx: 2 });
      expect(last.block2).toEqual({ num: 0, more: false, szx: 2 });
      // ... so the 300-byte answer came as 64, 64, 64, 64, 44.
      const answers = log.filter((e) => e.answered);
      expect(answers.map((e) => e.bytes)).toEqual([64, 64, 64, 64, 44]);
      expect(answers.every((e) => e.answered!.szx === 2)).toBe(true);
    }, T);
  }
});

describe("Block1 negotiation (RFC 7959 §2.3, §2.9), scripted server", () => {
  // /shrink: 2.31 for block 0 asks for 32-byte blocks; /too-large: 4.13 with Block1 SZX 2 for a 1024-byte block 0;
  // /incomplete: 4.08 for block 1. Every upload is recorded as (NUM, M, SZX, payload length).
  let sock: Socket;
  let base = "";
  const got: { path: string; b1: Block; len: number }[] = [];
  beforeAll(async () => {
    sock = createSocket("udp4");
    sock.on("message", (d, peer) => {
      const m = decode(new Uint8Array(d));
      if (m.code === 0 || m.code >= 0x40) return;
      const path = m.options.filter(([n]) => n === OPT.URI_PATH).map(([, v]) => Buffer.from(v).toString()).join("/");
      const b1 = blockDecode(getOption(m, OPT.BLOCK1) ?? new Uint8Array(0));
      got.push({ path, b1, len: m.payload.length });
      const answer = (code: number, options: [number, Uint8Array][] = []) =>
        sock.send(encode({ type: ACK, code, mid: m.mid, token: m.token, options, payload: new Uint8Array(0) }), peer.port, peer.address);
      if (path === "too-large" && b1.num === 0 && b1.szx > 2) return answer(0x8d, [[OPT.BLOCK1, blockEncode({ num: 0, more: false, szx: 2 })]]);
      if (path === "incomplete" && b1.num === 1) return answer(0x88);
      if (!b1.more) return answer(CHANGED, [[OPT.BLOCK1, blockEncode(b1)]]);
      const szx = path === "shrink" && b1.num === 0 ? 1 : b1.szx;
      answer(CONTINUE, [[OPT.BLOCK1, blockEncode({ ...b1, szx })]]);
    });
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    base = `coap://127.0.0.1:${sock.address().port}`;
  });
  afterAll(() => sock.close());
  const file = join(dir, "negotiate.bin"), file1500 = join(dir, "negotiate-1500.bin");
  beforeAll(() => { writeFileSync(file, randomBytes(300)); writeFileSync(file1500, randomBytes(1500)); });

  for (const host of HOSTS) {
    it(`${host}: a smaller size in 2.31 is taken from the same byte offset on; 4.13 with a smaller size restarts with it; 4.08 ends the upload`, async () => {
      got.length = 0;
      expect((await coap(host, ["put", "-b", "64", "-f", file, `${base}/shrink`])).code).toBe(0);
      // 64 bytes sent as block 0; then 32-byte blocks from byte 64 on: NUM 2 .. 9 (300 = 64 + 7 * 32 + 12).
      expect(got.map((g) => [g.b1.num, g.b1.szx, g.len])).toEqual([[0, 2, 64], ...[2, 3, 4, 5, 6, 7, 8].map((n) => [n, 1, 32]), [9, 1, 12]]);
      got.length = 0;
      expect((await coap(host, ["put", "-f", file1500, `${base}/too-large`])).code).toBe(0);
      // 1500 bytes: block 0 of 1024 refused, then 23 blocks of 64 and one of 28.
      expect(got.map((g) => [g.b1.num, g.b1.szx, g.len])).toEqual([[0, 6, 1024], ...Array.from({ length: 23 }, (_, n) => [n, 2, 64]), [23, 2, 28]]);
      got.length = 0;
      const r = await coap(host, ["put", "-b", "64", "-f", file, `${base}/incomplete`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_COAP_BLOCK \(server reported 4\.08 Request Entity Incomplete\)/);
      expect(got.map((g) => g.b1.num)).toEqual([0, 1]);
    }, T);

    it(`${host}: a payload that would need more than 2^20 blocks is refused before anything is sent`, async () => {
      const big = join(dir, `sparse-${host}.bin`);
      writeFileSync(big, "");
      truncateSync(big, 16 * 1024 * 1024 + 1); // 2^20 blocks of 16 bytes and one byte more (sparse)
      got.length = 0;
      const r = await coap(host, ["put", "-b", "16", "-f", big, `${base}/shrink`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_LIMIT \(a payload of 16777217 bytes needs more than 2\^20 blocks of 16 bytes/);
      expect(got).toHaveLength(0);
    }, T);
  }
});

describe("enroll -b 64 against the development server: every block counted", () => {
  const ceil64 = (n: number) => Math.ceil(n / 64);

  for (const cred of ["ccs", "x5chain"] as const) {
    it(`${cred}: message_1/2 with early Block2, the CSR in inner Block1 blocks, the certificate in inner Block2 blocks, all of 64 bytes`, async () => {
      const d = tempDir("est-enroll64-");
      const inner: { req: Message; res: Response }[] = [];
      const csrs: Uint8Array[] = [];
      const server = await EstServer.start({
        dir: join(d, "server"), serverCred: cred, onCsr: (c) => csrs.push(Uint8Array.from(c)),
        onInnerExchange: (req, res) => inner.push({ req, res }),
      });
      try {
        const store = join(d, "device.keystore");
        provision({ serverDir: join(d, "server"), store, serverCred: cred, deviceCred: cred });
        // Every datagram is counted below: a long ACK timeout, so that a late answer is not sent for again.
        const r = await runCommand("wasm3", ["--store", store, "enroll", "--json", "-v", "-b", "64", "--ack-timeout", "2000", `coap://127.0.0.1:${server.port}`], { timeoutMs: T - 5000 });
        const rep = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
        expect(rep.ok, r.stderr).toBe(true);
        expect(new X509Certificate(rep.certificate_pem).verify(new X509Certificate(server.ca.certPem).publicKey)).toBe(true);
        expect(rep).toMatchObject({ resource: "sen", edhoc: true, combined: true });

        // Inside OSCORE: the CSR in ceil(L/64) Block1 blocks (2.31 for all but the last) ...
        expect(csrs).toHaveLength(1);
        const csrLen = csrs[0].length;
        const b1 = inner.filter((x) => getOption(x.req, OPT.BLOCK1));
        expect(b1).toHaveLength(ceil64(csrLen));
        b1.forEach((x, i) => {
          const blk = blockDecode(getOption(x.req, OPT.BLOCK1)!);
          expect(blk).toEqual({ num: i, more: i < b1.length - 1, szx: 2 });
          if (blk.more) { expect(x.req.payload.length).toBe(64); expect(x.res.code).toBe(CONTINUE); }
        });
        // ... the last of them asking for 64-byte Block2 blocks, and the certificate coming in as many as it takes.
        const final = b1[b1.length - 1];
        expect(blockDecode(getOption(final.req, OPT.BLOCK2)!)).toEqual({ num: 0, more: false, szx: 2 });
        const answers = inner.filter((x) => x.res.code !== CONTINUE);
        expect(answers[0]).toBe(final);
        const blocks = answers.map((x) => blockDecode((x.res.options ?? []).find(([n]) => n === OPT.BLOCK2)![1]));
        const total = answers.reduce((s, x) => s + (x.res.payload?.length ?? 0), 0);
        expect(blocks.map((b) => b.num)).toEqual(blocks.map((_, i) => i));
        expect(blocks.every((b) => b.szx === 2)).toBe(true);
        expect(blocks).toHaveLength(ceil64(total));
        expect(answers.slice(0, -1).every((x) => x.res.payload!.length === 64)).toBe(true);
        expect(inner).toHaveLength(b1.length + blocks.length - 1); // the final Block1 request got Block2 block 0

        // On the wire: message_1 asks for 64-byte blocks early (RFC 7959 §2.4); message_2 comes in ceil(m2/64)
        // blocks; then one protected request per inner block.
        const up = sent(r.stderr);
        expect(up[0]).toContain("Uri-Path=edhoc");
        expect(up[0]).toContain("Block2=0/0/64");
        const edhocUp = up.filter((l) => l.includes("Uri-Path=edhoc"));
        const oscoreUp = up.filter((l) => l.includes("OSCORE="));
        expect(oscoreUp).toHaveLength(inner.length);
        // RFC 9668 §3.2.2: message_3 and the EDHOC option go with the first inner block only.
        expect(oscoreUp.map((l) => l.includes(" EDHOC="))).toEqual(oscoreUp.map((_, i) => i === 0));
        expect(edhocUp).toHaveLength(ceil64(rep.edhoc_messages[1]));
        if (cred === "x5chain") expect(edhocUp.length).toBeGreaterThan(5); // message_2 carries a certificate
        expect(up).toHaveLength(edhocUp.length + oscoreUp.length);
        expect(rep.round_trips).toBe(up.length);
      } finally { await server.stop(); }
    }, T);
  }
});
