// The CoAP client transport (assembly/coap/client.ts) through the `coap` command, under both hosts:
// interop with libcoap's coap-server (Debian libcoap3-bin) and the npm `coap` package, then a scripted server
// in this file for the cases real servers do not produce: resets, bad options, stray tokens, broken blocks,
// oversized representations, 5.03 retries, separate and duplicated responses.
import { type ChildProcess } from "node:child_process";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { randomBytes, randomInt } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, HOSTS, runCommand, tempDir, type HostName } from "./helpers/hosts.js";
import { startLibcoapServer } from "./helpers/libcoap.js";

const dir = tempDir("est-coap-");
const payloadFile = join(dir, "payload.bin");
const payload = Buffer.from(randomBytes(1500).toString("base64")); // 2000 bytes of text (the request buffer holds 2048)
writeFileSync(payloadFile, payload);


function coap(host: HostName, args: string[], pre: string[] = []) {
  return runCommand(host, ["--store", join(dir, `ks-${host}`), ...pre, "coap", ...args], { timeoutMs: 90000 });
}

describe("interop: libcoap coap-server", () => {
  let server: ChildProcess;
  let base = "";
  beforeAll(async () => {
    ({ server, base } = await startLibcoapServer(async (b) => (await coap("wasm3", ["get", "-B", "1", `${b}/`])).code === 0));
  });
  afterAll(() => { server?.kill(); });

  for (const host of HOSTS) {
    it(`${host}: discovers the server's resources in /.well-known/core`, async () => {
      const r = await coap(host, ["get", `${base}/.well-known/core`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("</time>");
      expect(r.stdout).toContain("</async>");
    });

    it(`${host}: uploads with Block1 and reads back with Block2 at every block size, byte-identical`, async () => {
      const put = await coap(host, ["put", "-b", "64", "-t", "text", "-f", payloadFile, `${base}/data-${host}`]);
      expect(put.code, put.stderr).toBe(0);
      for (const size of [16, 32, 64, 128, 256, 512, 1024]) {
        const out = join(dir, `get-${host}-${size}`);
        const r = await coap(host, ["get", "-b", String(size), "-o", out, `${base}/data-${host}`]);
        expect(r.code, `${size}: ${r.stderr}`).toBe(0);
        expect(readFileSync(out).equals(payload), `block size ${size}`).toBe(true);
      }
    });

    it(`${host}: discovers by rt prefix through the server's own filtering`, async () => {
      const r = await runCommand(host, ["--store", join(dir, `ks-${host}`), "discover", "--json", "--rt", "ticks", base]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ resources: [{ path: "/time", rt: "ticks", ct: [0], osc: false }] });
    });

    it(`${host}: waits for a delayed (separate) response from /async`, async () => {
      const r = await coap(host, ["get", "-v", `${base}/async?1`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("done");
      // The empty ACK, then the response as its own CON, which the client acknowledges.
      expect(r.stderr).toMatch(/<- ACK 0\.00 mid=(\d+)/);
      expect(r.stderr).toMatch(/<- CON 2\.05 mid=(\d+) token=/);
      const conMid = r.stderr.match(/<- CON 2\.05 mid=(\d+)/)![1];
      expect(r.stderr).toContain(`-> ACK 0.00 mid=${conMid} (4 bytes`);
    });

    it(`${host}: stays correct with 20% loss and 20% duplication both ways`, async () => {
      expect((await coap(host, ["put", "-f", payloadFile, `${base}/lossy-${host}`])).code).toBe(0);
      for (const seed of [1, 2, 3]) {
        const out = join(dir, `lossy-${host}-${seed}`);
        const r = await coap(host, ["get", "-b", "256", "--ack-timeout", "100", "-o", out, `${base}/lossy-${host}`],
          ["--loss", "20", "--dup", "20", "--impair-seed", String(seed)]);
        expect(r.code, `seed ${seed}: ${r.stderr}`).toBe(0);
        expect(readFileSync(out).toString(), `seed ${seed}`).toBe(payload.toString());
      }
      // Uploads: loss both ways, duplication only towards the client. libcoap 4.3.1's server stores a
      // duplicate of the final Block1 request (same message ID) as a new one-block body, replacing the
      // upload; duplicated uploads are tested against the npm coap server below.
      const up = await coap(host, ["put", "-b", "128", "--ack-timeout", "100", "-f", payloadFile, `${base}/lossy-up-${host}`],
        ["--loss", "20", "--impair-seed", "9"]);
      expect(up.code, up.stderr).toBe(0);
      const back = join(dir, `lossy-back-${host}`);
      expect((await coap(host, ["get", "-o", back, `${base}/lossy-up-${host}`])).code).toBe(0);
      expect(readFileSync(back).toString()).toBe(payload.toString());
    });
  }
});

describe("interop: npm coap package server", () => {
  let close: () => void;
  let base = "";
  beforeAll(async () => {
    const coapLib: any = await import("coap");
    const store = new Map<string, Buffer>();
    const server = coapLib.createServer();
    server.on("request", (req: any, res: any) => {
      if (req.method === "GET") { if (store.has(req.url)) res.end(store.get(req.url)); else { res.code = "4.04"; res.end(); } }
      else if (req.method === "PUT") { store.set(req.url, req.payload); res.code = "2.04"; res.end(); }
      else { res.code = "4.05"; res.end(); }
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
    base = `coap://127.0.0.1:${port}`;
    close = () => server.close();
  });
  afterAll(() => close?.());

  for (const host of HOSTS) {
    it(`${host}: Block1 upload and Block2 download at 32..1024-byte blocks`, async () => {
      for (const size of [32, 64, 256, 1024]) {
        const path = `${base}/npm-${host}-${size}`;
        const put = await coap(host, ["put", "-b", String(size), "-f", payloadFile, path]);
        expect(put.code, put.stderr).toBe(0);
        const out = join(dir, `npm-${host}-${size}`);
        const r = await coap(host, ["get", "-b", String(size), "-o", out, path]);
        expect(r.code, `${size}: ${r.stderr}`).toBe(0);
        expect(readFileSync(out).equals(payload)).toBe(true);
      }
    });

    it(`${host}: uploads and downloads through 20% loss and 20% duplication both ways`, async () => {
      for (const seed of [3, 9]) { // seeds that duplicate the final Block1 request
        const path = `${base}/npm-lossy-${host}-${seed}`;
        const up = await coap(host, ["put", "-b", "128", "--ack-timeout", "100", "-f", payloadFile, path],
          ["--loss", "20", "--dup", "20", "--impair-seed", String(seed)]);
        expect(up.code, up.stderr).toBe(0);
        const out = join(dir, `npm-lossy-${host}-${seed}`);
        const r = await coap(host, ["get", "-b", "128", "--ack-timeout", "100", "-o", out, path],
          ["--loss", "20", "--dup", "20", "--impair-seed", String(seed + 100)]);
        expect(r.code, r.stderr).toBe(0);
        expect(readFileSync(out).toString()).toBe(payload.toString());
      }
    });

    it(`${host}: refuses the package's empty 16-byte Block2 blocks (a server bug) with E_COAP_BLOCK`, async () => {
      const path = `${base}/npm16-${host}`;
      expect((await coap(host, ["put", "-f", payloadFile, path])).code).toBe(0);
      const r = await coap(host, ["get", "-b", "16", path]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_COAP_BLOCK \(unexpected Block2 block 0 of 16 bytes/);
    });
  }
});

// ---- A scripted server -------------------------------------------------------------------------------------

interface Req { type: number; code: number; mid: number; token: Buffer; options: [number, Buffer][]; payload: Buffer; rinfo: RemoteInfo }

function parse(b: Buffer, rinfo: RemoteInfo): Req {
  const tkl = b[0] & 15;
  const r: Req = { type: (b[0] >> 4) & 3, code: b[1], mid: b.readUInt16BE(2), token: b.subarray(4, 4 + tkl), options: [], payload: Buffer.alloc(0), rinfo };
  let i = 4 + tkl, num = 0;
  while (i < b.length) {
    if (b[i] === 0xff) { r.payload = b.subarray(i + 1); break; }
    let d = b[i] >> 4, l = b[i] & 15;
    i++;
    if (d === 13) d = b[i++] + 13; else if (d === 14) { d = b.readUInt16BE(i) + 269; i += 2; }
    if (l === 13) l = b[i++] + 13; else if (l === 14) { l = b.readUInt16BE(i) + 269; i += 2; }
    num += d;
    r.options.push([num, b.subarray(i, i + l)]);
    i += l;
  }
  return r;
}

/** Encode a message: options must be given in ascending order. */
function msg(type: number, code: number, mid: number, token: Buffer, options: [number, Buffer][] = [], payload?: Buffer): Buffer {
  const parts = [Buffer.from([0x40 | (type << 4) | token.length, code, mid >> 8, mid & 255]), token];
  let prev = 0;
  for (const [n, v] of options) {
    const d = n - prev;
    prev = n;
    const nib = (x: number) => (x < 13 ? x : x < 269 ? 13 : 14);
    const ext = (x: number) => (x < 13 ? [] : x < 269 ? [x - 13] : [(x - 269) >> 8, (x - 269) & 255]);
    parts.push(Buffer.from([(nib(d) << 4) | nib(v.length), ...ext(d), ...ext(v.length)]), v);
  }
  if (payload && payload.length) parts.push(Buffer.from([0xff]), payload);
  return Buffer.concat(parts);
}

const uint = (v: number) => { const o: number[] = []; while (v > 0) { o.unshift(v & 255); v >>>= 8; } return Buffer.from(o); };
const ACK = 2, CON = 0, RST = 3;

describe("scripted server", () => {
  let sock: Socket;
  let handler: (r: Req, reply: (b: Buffer) => void) => void = () => {};
  const seen: Req[] = [];
  let base = "";
  beforeAll(async () => {
    sock = createSocket("udp4");
    sock.on("message", (b, rinfo) => {
      const r = parse(b, rinfo);
      seen.push(r);
      handler(r, (out) => sock.send(out, rinfo.port, rinfo.address));
    });
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    base = `coap://127.0.0.1:${sock.address().port}`;
  });
  afterAll(() => sock.close());

  const run = async (host: HostName, h: typeof handler, args: string[]) => {
    handler = h;
    seen.length = 0;
    return coap(host, [args[0], "--ack-timeout", "100", "-B", "5", ...args.slice(1)]);
  };

  for (const host of HOSTS) {
    it(`${host}: a Reset ends the request with E_COAP_RESET`, async () => {
      const r = await run(host, (q, reply) => reply(msg(RST, 0, q.mid, Buffer.alloc(0))), ["get", `${base}/x`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_COAP_RESET/);
    });

    it(`${host}: an unknown critical option in the response is refused`, async () => {
      const r = await run(host, (q, reply) => reply(msg(ACK, 0x45, q.mid, q.token, [[65001, Buffer.from("x")]], Buffer.from("hi"))), ["get", `${base}/x`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_COAP_BAD_OPTION \(response carries unrecognized critical option 65001\)/);
      expect(r.stdout).toBe("");
    });

    it(`${host}: answers for another token, truncated and malformed datagrams are ignored until the deadline`, async () => {
      const r = await run(host, (q, reply) => {
        reply(msg(ACK, 0x45, q.mid, Buffer.from("zzzz"), [], Buffer.from("not yours")));
        reply(Buffer.from([0x40, 0x45]));                                  // truncated header
        reply(Buffer.from([0x60 | 9, 0x45, q.mid >> 8, q.mid & 255]));     // TKL 9
        reply(Buffer.concat([msg(ACK, 0x45, q.mid, q.token), Buffer.from([0xd1])])); // option length past the end
      }, ["get", "-B", "1", `${base}/x`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_TIMEOUT/);
      expect(r.stdout).toBe("");
    });

    it(`${host}: survives hundreds of random and mutated datagrams without a trap`, async () => {
      const r = await run(host, (q, reply) => {
        if (q.type !== CON) return;
        const good = msg(ACK, 0x45, q.mid, q.token, [[23, uint(8 | 2)], [28, uint(4000)]], Buffer.alloc(64, 0x41));
        for (let i = 0; i < 150; i++) {
          reply(randomBytes(randomInt(0, 80)));
          const m = Buffer.from(good);
          for (let k = 0; k < 3; k++) m[randomInt(0, m.length)] = randomInt(0, 256); // corrupt a few bytes
          reply(m.subarray(0, randomInt(0, m.length + 1)));
        }
      }, ["get", "-B", "2", "--no-retry", "--max-retransmit", "0", `${base}/x`]);
      // A mutation can leave a valid final response with our MID and token (then 0); otherwise a clean failure
      // status (1). Never a trap (4).
      expect([0, 1], r.stderr).toContain(r.code);
      if (r.code === 1) expect(r.stderr).toMatch(/E_(TIMEOUT|COAP_BLOCK|COAP_BAD_OPTION|MALFORMED|COAP_RESET|LIMIT|COAP_RESPONSE)/);
    });

    it(`${host}: retransmits with back-off, then gives up with E_TIMEOUT (--no-retry)`, async () => {
      const r = await run(host, () => {}, ["get", "--no-retry", "--max-retransmit", "3", `${base}/x`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_TIMEOUT \(no answer after 4 transmissions\)/);
      expect(seen.length).toBe(4);
      expect(new Set(seen.map((q) => q.mid)).size).toBe(1); // the same message each time
    });

    it(`${host}: after MAX_RETRANSMIT sends the request again as a new message within the deadline`, async () => {
      let n = 0;
      const r = await run(host, (q, reply) => {
        if (++n === 3) reply(msg(ACK, 0x45, q.mid, q.token, [], Buffer.from("third time")));
      }, ["get", "--max-retransmit", "1", `${base}/x`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("third time");
      // (A third answer late on a busy machine can bring a retransmission of the third message: count messages.)
      expect(seen.length).toBeGreaterThanOrEqual(3);
      expect(seen[0].mid).toBe(seen[1].mid);  // a retransmission
      expect(seen[2].mid).not.toBe(seen[1].mid); // the request again, as a new message
      expect(new Set(seen.map((q) => q.mid)).size).toBe(2);
      expect(seen[2].token.equals(seen[0].token)).toBe(true);
    });

    it(`${host}: a separate response is acknowledged, and its duplicate acknowledged again`, async () => {
      const r = await run(host, (q, reply) => {
        if (q.type !== CON || q.code !== 1) return;
        reply(msg(ACK, 0, q.mid, Buffer.alloc(0)));
        const resp = msg(CON, 0x45, 0x7777, q.token, [], Buffer.from("late"));
        setTimeout(() => { reply(resp); reply(resp); }, 50);
      }, ["get", "-v", `${base}/x`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("late");
      await new Promise((res) => setTimeout(res, 100));
      const acks = seen.filter((q) => q.type === ACK && q.mid === 0x7777);
      expect(acks.length).toBeGreaterThanOrEqual(1);
    });

    it(`${host}: 5.03 with Max-Age makes it send the request again`, async () => {
      let n = 0;
      const r = await run(host, (q, reply) => {
        if (n++ === 0) reply(msg(ACK, 0xa3, q.mid, q.token, [[14, uint(1)]]));
        else reply(msg(ACK, 0x44, q.mid, q.token, [], Buffer.from("approved")));
      }, ["post", "-e", "csr", `${base}/sen`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("approved");
      expect(new Set(seen.map((q) => q.mid)).size).toBe(2); // two messages (and no more, however late an answer)
      expect(seen.every((q) => q.payload.toString() === "csr")).toBe(true);
    });

    it(`${host}: a Block2 block out of order fails with E_COAP_BLOCK`, async () => {
      const r = await run(host, (q, reply) => {
        reply(msg(ACK, 0x45, q.mid, q.token, [[23, uint((3 << 4) | 8 | 2)]], Buffer.alloc(64, 0x41)));
      }, ["get", `${base}/x`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_COAP_BLOCK \(unexpected Block2 block 3 of 64 bytes at offset 0\)/);
    });

    it(`${host}: a representation larger than the response buffer is refused early from Size2`, async () => {
      const r = await run(host, (q, reply) => {
        reply(msg(ACK, 0x45, q.mid, q.token, [[23, uint(8 | 6)], [28, uint(100000)]], Buffer.alloc(1024, 0x41)));
      }, ["get", `${base}/x`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_LIMIT \(representation of 100000 bytes exceeds the 6144-byte response buffer\)/);
      expect(new Set(seen.map((q) => q.mid)).size).toBe(1); // no request for a further block
    });

    it(`${host}: reports 4.04 with the server's diagnostic payload`, async () => {
      const r = await run(host, (q, reply) => reply(msg(ACK, 0x84, q.mid, q.token, [], Buffer.from("no such thing"))), ["get", `${base}/x`]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("no such thing");
      expect(r.stderr).toMatch(/E_COAP_RESPONSE \(4\.04 Not Found\)/);
    });

    it(`${host}: discover asks /.well-known/core?rt=ace.est* and lists the EST resources`, async () => {
      const doc = '</est/crts>;rt="ace.est.crts";ct="281 287";osc,</est/sen>; rt="ace.est.sen";ct="281 287";osc,' +
        '</sensors>;rt="temperature";ct=0,<coap://[2001:db8::2:1]:61617/est/att>;rt="ace.est.att";ct=285';
      handler = (q, reply) => reply(msg(ACK, 0x45, q.mid, q.token, [[12, uint(40)]], Buffer.from(doc)));
      seen.length = 0;
      const r = await runCommand(host, ["--store", join(dir, `ks-${host}`), "discover", "--json", base]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ resources: [
        { path: "/est/crts", rt: "ace.est.crts", ct: [281, 287], osc: true },
        { path: "/est/sen", rt: "ace.est.sen", ct: [281, 287], osc: true },
        { path: "/est/att", host: "2001:db8::2:1", port: 61617, rt: "ace.est.att", ct: [285], osc: false },
      ] });
      const q = seen[0];
      expect(q.options.filter(([n]) => n === 11).map(([, v]) => v.toString())).toEqual([".well-known", "core"]);
      expect(q.options.filter(([n]) => n === 15).map(([, v]) => v.toString())).toEqual(["rt=ace.est*"]);
      expect(q.options.find(([n]) => n === 17)?.[1]).toEqual(uint(40));
    });

    it(`${host}: discover refuses a broken link-format document and prints nothing`, async () => {
      handler = (q, reply) => reply(msg(ACK, 0x45, q.mid, q.token, [[12, uint(40)]], Buffer.from('</est/sen>;rt="ace.est.sen",<unterminated')));
      const r = await runCommand(host, ["--store", join(dir, `ks-${host}`), "discover", base]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/E_MALFORMED \(the server's link-format document is malformed\)/);
    });

    it(`${host}: rejects bad URIs and options as usage errors`, async () => {
      for (const [args, re] of [
        [["get", "http://x/"], /E_COAP_URI \(URI must start with coap:\/\/\)/],
        [["get", "coaps://x/"], /coaps:\/\/ is not supported/],
        [["get", "coap://[::1/x"], /unterminated \[/],
        [["get", "coap://127.0.0.1:0/x"], /URI port must be 1\.\.65535/],
        [["get", "-b", "100", "coap://127.0.0.1/x"], /block size must be 16, 32/],
        [["fetch", "coap://127.0.0.1/x"], /method must be get, post, put or delete/],
      ] as [string[], RegExp][]) {
        const r = await coap(host, args);
        expect(r.code, args.join(" ")).not.toBe(0);
        expect(r.stderr).toMatch(re);
      }
    });
  }
});
