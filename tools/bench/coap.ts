// Bytes on the wire of CoAP exchanges made by the module under wasm3 (est-sim) against libcoap's
// coap-server-notls: a 2 KiB representation fetched with Block2 at 64- and 256-byte blocks, and uploaded with
// Block1. Counts datagrams, round trips, and header+option bytes versus payload bytes from the -v trace.
// Prints a table; asserts nothing.   npx tsx tools/bench/coap.ts   (needs Debian's libcoap3-bin)
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const SIM = join(ROOT, "build/est-sim");
const dir = mkdtempSync(join(tmpdir(), "est-coap-bench-"));
const file = join(dir, "2k.bin");
writeFileSync(file, randomBytes(2048));

const s = createSocket("udp4");
await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
const port = s.address().port;
s.close();
const server = spawn("coap-server-notls", ["-A", "127.0.0.1", "-p", String(port), "-d", "10"], { stdio: "ignore" });
await new Promise((r) => setTimeout(r, 300));
const base = `coap://127.0.0.1:${port}`;

function measure(label: string, args: string[]) {
  const r = spawnSync(SIM, ["--store", join(dir, "ks"), "coap", ...args.slice(0, 1), "-v", ...args.slice(1)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${label}: ${r.stderr}`);
  const t = { up: 0, down: 0, bytesUp: 0, bytesDown: 0, payloadUp: 0, payloadDown: 0, requests: new Set<string>() };
  for (const m of r.stderr.matchAll(/^(->|<-) (\w+) [\d.]+ mid=(\d+).*\((\d+) bytes, payload (\d+)\)$/gm)) {
    const [, dir, type, mid, bytes, payload] = m;
    if (dir === "->") { t.up++; t.bytesUp += +bytes; t.payloadUp += +payload; if (type === "CON" || type === "NON") t.requests.add(mid); }
    else { t.down++; t.bytesDown += +bytes; t.payloadDown += +payload; }
  }
  const bytes = t.bytesUp + t.bytesDown, payload = t.payloadUp + t.payloadDown;
  return [label, t.up, t.down, t.requests.size, t.bytesUp, t.bytesDown, payload, bytes - payload, ((bytes - payload) / bytes * 100).toFixed(1) + "%"];
}

const rows = [
  measure("PUT 2 KiB, Block1 256", ["put", "-b", "256", "-f", file, `${base}/r`]),
  measure("PUT 2 KiB, Block1 64", ["put", "-b", "64", "-f", file, `${base}/r64`]),
  measure("GET 2 KiB, Block2 64", ["get", "-b", "64", "-o", join(dir, "o1"), `${base}/r`]),
  measure("GET 2 KiB, Block2 256", ["get", "-b", "256", "-o", join(dir, "o2"), `${base}/r`]),
  measure("GET 2 KiB, Block2 1024", ["get", "-b", "1024", "-o", join(dir, "o3"), `${base}/r`]),
];
server.kill();
const head = ["exchange", "dgrams up", "dgrams down", "round trips", "bytes up", "bytes down", "payload", "headers+options", "overhead"];
const cols = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r: (string | number)[]) => r.map((c, i) => (i === 0 ? String(c).padEnd(cols[i]) : String(c).padStart(cols[i]))).join("  ");
console.log(line(head));
for (const r of rows) console.log(line(r));
