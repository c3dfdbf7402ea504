// Bytes on the air for a first enrollment (EDHOC message_1/2, then message_3 + /sen in the combined request) and
// a /sren, with DER and with C509, by the real device (build/est-sim under wasm3, the portable module) against
// the development server, counted at the server's socket (UDP payloads: CoAP + OSCORE + EDHOC). The same CSR
// content in every row (CN est-oscore-device, critical keyUsage), method 3, suite 2:
//
//   DER               application/pkcs10 with Accept 287 (the device's default)
//   C509 t3 / t2      `--format c509 --csr-type 3|2`: a C509 CSR, Accept application/cose-c509-cert
//   C509 t2, multipart   `--no-accept`: the multipart-core answer with the c5t, the c5u and the certificate
//   C509 t2, by c5u   `--no-accept` against a server answering c5t and c5u only: the certificate is fetched by
//                     its c5u (one more round trip, in the same phase)
//
// A DH proof of possession runs EDHOC again on /sren (a new G_Y), which its /sren figures include. CSR and
// certificate: what the device reports (the certificate as stored: DER, or ~C509Certificate). Figures only;
// nothing is asserted. Run after `npm run build`: npx tsx tools/bench/c509-air.ts

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EstServer, type EstServerOptions } from "../server/est.js";
import { provision } from "../provision.js";
import { EST_SIM } from "../../test/helpers/hosts.js";

interface Air { up: number; down: number; datagrams: number }
interface Row { name: string; first: Air; sren: Air; csr: number; cert: number; roundTrips: number }

const root = mkdtempSync(join(tmpdir(), "c509-air-"));
let n = 0;

async function withServer<T>(opts: Partial<EstServerOptions>, f: (s: EstServer, store: string) => Promise<T>): Promise<T> {
  const dir = join(root, `r${n++}`);
  const s = await EstServer.start({ dir: join(dir, "server"), ...opts });
  try {
    const store = join(dir, "d.ks");
    provision({ serverDir: join(dir, "server"), store, name: "est-oscore-device" });
    return await f(s, store);
  } finally { await s.stop(); }
}
function meter(s: EstServer): () => Air {
  const a = { ...s.stats };
  return () => ({ up: s.stats.bytesIn - a.bytesIn, down: s.stats.bytesOut - a.bytesOut, datagrams: s.stats.datagramsIn - a.datagramsIn + s.stats.datagramsOut - a.datagramsOut });
}

/** The real device, one `enroll` run (asynchronous: the server answers in this process). */
function runDevice(store: string, port: number, args: string[]): Promise<Record<string, number | boolean | string>> {
  return new Promise((res, rej) => {
    const p = spawn(EST_SIM, ["--store", store, "enroll", "--json", ...args, `coap://127.0.0.1:${port}/.well-known/est`]);
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", () => { try { res(JSON.parse(out.trim().split("\n").pop()!)); } catch (e) { rej(e); } });
  });
}

async function row(name: string, args: string[], opts: Partial<EstServerOptions> = {}): Promise<Row> {
  return withServer(opts, async (s, store) => {
    const m1 = meter(s);
    const a = await runDevice(store, s.port, args);
    const first = m1();
    const m2 = meter(s);
    const b = await runDevice(store, s.port, args);
    if (!a.ok || !b.ok || b.resource !== "sren") throw new Error(`${name}: the device did not enroll: ${JSON.stringify(a)}`);
    return { name, first, sren: m2(), csr: Number(a.csr_bytes), cert: Number(a.certificate_bytes), roundTrips: Number(a.round_trips) };
  });
}

try {
  const rows: Row[] = [];
  for (const [pop, label] of [["sig", "ES256"], ["dh", "DH PoP"]] as const) {
    const p = ["--pop", pop];
    rows.push(await row(`DER (${label})`, p));
    rows.push(await row(`C509 t3 (${label})`, [...p, "--format", "c509", "--csr-type", "3"]));
    rows.push(await row(`C509 t2 (${label})`, [...p, "--format", "c509"]));
    rows.push(await row(`C509 t2, multipart (${label})`, [...p, "--format", "c509", "--no-accept"]));
    rows.push(await row(`C509 t2, by c5u (${label})`, [...p, "--format", "c509", "--no-accept"], { byReference: ["c5t", "c5u"] }));
  }
  const tot = (a: Air) => a.up + a.down;
  const head = ["device", "first up", "first down", "first total", "round trips", "/sren up", "/sren down", "/sren total", "CSR", "certificate"];
  const out: string[][] = [head];
  for (const r of rows) out.push([r.name, r.first.up, r.first.down, tot(r.first), r.roundTrips, r.sren.up, r.sren.down, tot(r.sren), r.csr, r.cert].map(String));
  const w = head.map((_, i) => Math.max(...out.map((r) => r[i].length)));
  for (const r of out) console.log(r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  "));
  console.log("bytes: UDP payloads counted at the server; first = EDHOC message_1/2 + message_3 with /sen (combined request); round trips of the first enrollment");
  console.log("certificate: as the device stores it (DER, or ~C509Certificate as the COSE_C509 byte string carries it); CSR: the request payload");
} finally {
  rmSync(root, { recursive: true, force: true });
}
