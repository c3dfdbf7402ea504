// Interoperability of the CoAP message codec and the link-format parser with an independent implementation,
// libcoap (Debian package libcoap3-bin: coap-client-notls, coap-server-notls), under both hosts:
// - a request sent by libcoap's client is parsed by our codec, and our builder re-creates it byte for byte;
// - a discovery request built by our codec gets an answer from libcoap's server, and our codec parses that
//   response and its link-format payload.
// Skipped when libcoap's tools are not installed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, HOSTS, ROOT, evalVectors } from "./helpers/hosts.js";

const CODEC = join(ROOT, "build/codec-test.wasm");
const haveLibcoap = spawnSync("sh", ["-c", "command -v coap-client-notls && command -v coap-server-notls"]).status === 0;
const asc = (s: string) => Buffer.from(s).toString("hex");

/** Bind a UDP socket on 127.0.0.1 and resolve with the first datagram it receives after `start()`. */
async function firstDatagram(start: (port: number) => ChildProcess): Promise<Buffer> {
  const sock = createSocket("udp4");
  await new Promise<void>((res) => sock.bind(0, "127.0.0.1", () => res()));
  const child = start(sock.address().port);
  try {
    return await new Promise<Buffer>((res, rej) => {
      sock.once("message", (msg) => res(msg));
      child.once("error", rej);
    });
  } finally {
    child.kill();
    sock.close();
  }
}


/** Send one datagram to 127.0.0.1:port until an answer arrives (the server may still be starting). */
async function exchange(port: number, request: Buffer): Promise<Buffer> {
  const sock = createSocket("udp4");
  await new Promise<void>((res) => sock.bind(0, "127.0.0.1", () => res()));
  try {
    return await new Promise<Buffer>((res) => {
      const timer = setInterval(() => sock.send(request, port, "127.0.0.1"), 200);
      sock.send(request, port, "127.0.0.1");
      sock.once("message", (msg) => { clearInterval(timer); res(msg); });
    });
  } finally {
    sock.close();
  }
}

describe.skipIf(!haveLibcoap)("CoAP interop with libcoap", () => {
  let clientRequest: Buffer;
  let clientPort = 0;
  let server: ChildProcess | undefined;
  let serverPort = 0;

  beforeAll(async () => {
    clientRequest = await firstDatagram((port) => {
      clientPort = port;
      return spawn("coap-client-notls", ["-m", "get", "-A", "281", "-B", "5", `coap://127.0.0.1:${port}/est/crts?x=1&y`], { stdio: "ignore" });
    });
    serverPort = await freePort();
    server = spawn("coap-server-notls", ["-A", "127.0.0.1", "-p", String(serverPort)], { stdio: "ignore" });
  });
  afterAll(() => { server?.kill(); });

  describe.each(HOSTS)("under %s", (host) => {
    it("parses libcoap's request and builds the same bytes from its fields", async () => {
      const [parsed] = await evalVectors(host, [{ op: "coap_parse", hex: clientRequest.toString("hex") }], CODEC);
      const portHex = clientPort.toString(16).padStart(4, "0");
      expect(parsed).toMatchObject({ type: 0, code: 1, payload: "", unknown_critical: 0 });
      expect(parsed.options).toEqual([
        { n: 7, hex: portHex }, { n: 11, hex: asc("est") }, { n: 11, hex: asc("crts") },
        { n: 15, hex: asc("x=1") }, { n: 15, hex: asc("y") }, { n: 17, hex: "0119" },
      ]);
      const [built] = await evalVectors(host, [{
        op: "coap_build", type: 0, code: 1, mid: parsed.mid, ...(parsed.token ? { token: parsed.token } : {}),
        path: "/est/crts?x=1&y", options: `17=#281,7=#${clientPort}`,
      }], CODEC);
      expect(built).toEqual({ hex: clientRequest.toString("hex"), canary: true });
    });

    it("builds a discovery request libcoap's server answers, and parses the answer and its link-format", async () => {
      const [req] = await evalVectors(host, [{ op: "coap_build", type: 0, code: 1, mid: 0x1234, token: "c0ffee", path: "/.well-known/core" }], CODEC);
      const answer = await exchange(serverPort, Buffer.from(req.hex, "hex"));
      const [resp, info] = await evalVectors(host, [
        { op: "coap_parse", hex: answer.toString("hex") }, { op: "coap_info", hex: answer.toString("hex") },
      ], CODEC);
      expect(resp).toMatchObject({ type: 2, code: 0x45, mid: 0x1234, token: "c0ffee", unknown_critical: 0 });
      expect(info.cf).toBe(40);
      const [links] = await evalVectors(host, [{ op: "link_parse", hex: resp.payload }], CODEC);
      expect(Array.isArray(links), JSON.stringify(links)).toBe(true);
      expect(links.length).toBeGreaterThan(1);
      // Same targets as a plain scan of the text finds, and the attributes as libcoap's example server sets them.
      const text = Buffer.from(resp.payload, "hex").toString("utf8");
      expect(links.map((l: any) => l.target)).toEqual([...text.matchAll(/<([^>]*)>/g)].map((m) => m[1]));
      text.split(/,(?=<)/).forEach((seg, i) => {
        expect(links[i].rt, seg).toBe(/;rt="([^"]*)"/.exec(seg)?.[1] ?? null);
        expect(links[i].ct, seg).toEqual([.../;ct=(\d+)/.exec(seg) ?? []].slice(1).map(Number));
        expect(links[i].attrs.length, seg).toBe(seg.split(";").length - 1);
      });
    });
  });
});
