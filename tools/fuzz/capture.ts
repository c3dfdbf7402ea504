// Capture what independent implementations send the device in the interop tests, as fuzz seeds:
//
//   npx tsx tools/fuzz/capture.ts       writes test/fuzz/captured/<target>-<source>-<n>.bin (see its README.md)
//
// A UDP proxy sits between est-sim and each server and records every datagram the server sends:
//   - aiocoap 0.4.17 with lakers 0.6.2 (tools/interop/aiocoap_server.py, as test/interop-aiocoap.test.ts runs
//     it): EDHOC message_2, then OSCORE-protected responses, one of them the 3000-byte /big in inner Block2;
//   - libcoap's coap-server-notls (Debian libcoap3-bin, as test/coap-interop.test.ts runs it): its resources
//     fetched with 16-byte Block2.
// The recordings become seeds of the coap, cbor, edhoc_m2, oscore and block targets. Needs build/venv
// (tools/setup-python.sh), build/est-sim and coap-server-notls.
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket, type RemoteInfo } from "node:dgram";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { buildStore } from "../../host/node/store.js";
import { RECORDS } from "../provision.js";
import { ccs, hex, idCredKid, newKeyPair } from "../server/identity.js";
import { decode } from "../server/coap.js";

const ROOT = resolve(import.meta.dirname, "../..");
const OUT = join(ROOT, "test/fuzz/captured");

async function proxy(serverPort: number) {
  const front = createSocket("udp4"), back = createSocket("udp4");
  const down: Buffer[] = [];
  let device: RemoteInfo | undefined;
  front.on("message", (m, r) => { device = r; back.send(m, serverPort, "127.0.0.1"); });
  back.on("message", (m) => { down.push(Buffer.from(m)); if (device) front.send(m, device.port, device.address); });
  await new Promise<void>((r) => front.bind(0, "127.0.0.1", r));
  await new Promise<void>((r) => back.bind(0, "127.0.0.1", r));
  return { port: front.address().port, down, close: () => { front.close(); back.close(); } };
}

function run(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((res) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    c.stderr.on("data", (d) => (err += d));
    c.on("close", (code) => { if (code !== 0) process.stderr.write(`${cmd} ${args.join(" ")} -> ${code}\n${err}\n`); res(code); });
  });
}

function waitFor(child: ChildProcess, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((res, rej) => {
    let out = "";
    const t = setTimeout(() => rej(new Error("server did not start")), 30_000);
    child.stdout!.setEncoding("utf8").on("data", (d) => { out += d; const m = re.exec(out); if (m) { clearTimeout(t); res(m); } });
  });
}

async function aiocoap(save: (target: string, source: string, b: Buffer) => void) {
  const dir = join(tmpdir(), `capture-aiocoap-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const devKid = Uint8Array.of(0x05), srvKid = Uint8Array.of(0x0b);
  const dev = newKeyPair(2, "dh"), srv = newKeyPair(2, "dh");
  const credI = ccs("interop-device", dev, devKid), credR = ccs("aiocoap-server", srv, srvKid);
  const store = join(dir, "ks");
  writeFileSync(store, buildStore([
    { id: RECORDS.EDHOC_SETUP, data: Uint8Array.of(3, 2) }, { id: RECORDS.EDHOC_KEY, data: dev.priv },
    { id: RECORDS.CRED_I, data: credI }, { id: RECORDS.ID_CRED_I, data: idCredKid(devKid) },
    { id: RECORDS.CRED_R, data: credR }, { id: RECORDS.ID_CRED_R, data: idCredKid(srvKid) }, { id: RECORDS.PEER_KEY, data: srv.pub },
  ]));
  writeFileSync(join(dir, "server.json"), JSON.stringify({ own_cred: hex(credR), own_key: hex(srv.priv), peer_cred: hex(credI) }));
  const server = spawn(join(ROOT, "build/venv/bin/python"), [join(ROOT, "tools/interop/aiocoap_server.py"), "--config", join(dir, "server.json"), "--port", "0"], { stdio: ["ignore", "pipe", "ignore"] });
  try {
    const port = Number((await waitFor(server, /listening (\d+)/))[1]);
    const p = await proxy(port);
    const sim = join(ROOT, "build/est-sim");
    await run(sim, ["--store", store, "oscore", "get", "--edhoc", "--combined", `coap://127.0.0.1:${p.port}/hello`]);
    await run(sim, ["--store", store, "oscore", "get", `coap://127.0.0.1:${p.port}/big`]);
    p.close();
    const oscoreMsgs: Buffer[] = [];
    p.down.forEach((d, i) => {
      save("coap", "aiocoap", d);
      const m = decode(d);
      if (m.payload.length) save("cbor", "aiocoap", Buffer.from(m.payload));
      if (m.options.some(([n]) => n === 9)) { save("oscore", "aiocoap", d); oscoreMsgs.push(d); }
      else if (m.payload.length && i === 0) save("edhoc_m2", "aiocoap", Buffer.from(m.payload)); // message_2
    });
    // The protected responses of /big, in order, as one block-target input (mode 2: OSCORE).
    if (oscoreMsgs.length) save("block", "aiocoap", Buffer.concat([Buffer.of(0x02), ...oscoreMsgs.flatMap((m) => [Buffer.of(m.length >> 8, m.length & 0xff), m])]));
  } finally { server.kill("SIGTERM"); rmSync(dir, { recursive: true, force: true }); }
}

async function libcoap(save: (target: string, source: string, b: Buffer) => void) {
  const port = 20000 + (process.pid % 20000);
  const server = spawn("coap-server-notls", ["-A", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const p = await proxy(port);
    const sim = join(ROOT, "build/est-sim");
    await run(sim, ["coap", "get", "-b", "16", `coap://127.0.0.1:${p.port}/`]);
    await run(sim, ["coap", "get", `coap://127.0.0.1:${p.port}/.well-known/core`]);
    await run(sim, ["coap", "get", `coap://127.0.0.1:${p.port}/time`]);
    p.close();
    for (const d of p.down) save("coap", "libcoap", d);
    const blocks = p.down.filter((d) => decode(d).options.some(([n]) => n === 23));
    if (blocks.length) save("block", "libcoap", Buffer.concat([Buffer.of(0x00), ...blocks.flatMap((m) => [Buffer.of(m.length >> 8, m.length & 0xff), m])]));
    const wkc = p.down.find((d) => decode(d).options.some(([n, v]) => n === 12 && v[0] === 40));
    if (wkc) save("link", "libcoap", Buffer.from(decode(wkc).payload));
  } finally { server.kill("SIGTERM"); }
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (f.endsWith(".bin")) rmSync(join(OUT, f));
  const counts = new Map<string, number>();
  const save = (target: string, source: string, b: Buffer) => {
    const k = `${target}-${source}`;
    const n = (counts.get(k) ?? 0) + 1;
    counts.set(k, n);
    writeFileSync(join(OUT, `${k}-${n}.bin`), b);
  };
  await aiocoap(save);
  await libcoap(save);
  for (const [k, n] of counts) console.log(`captured ${n} x ${k}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
