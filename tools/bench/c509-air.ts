// Bytes on the air for a first enrollment (EDHOC message_1/2, then message_3 + /sen in the combined request) and
// a /sren, with DER and with C509, for the same CSR content (CN est-oscore-device, critical keyUsage; the same
// key in every encoding), counted at the development server's socket (UDP payloads: CoAP + OSCORE + EDHOC).
//
//   device, DER       the real device (build/est-sim under wasm3), as `npm start` runs it: the baseline
//   client, DER       the tests' Initiator (test/helpers/edhoc-client.ts) sending what the device sends:
//                     application/pkcs10 with Accept 287
//   client, C509 t3   application/cose-c509-pkcs10, type 3 CSR, Accept application/cose-c509-cert
//   client, C509 t2   the same, natively signed (type 2) CSR and certificate
//   client, by ref.   a type 2 CSR without Accept: multipart-core with the c5t only (byReference ["c5t"])
//
// The client's requests differ from the device's in small ways (token length, option order is the same), so
// the last column estimates the device with C509 as its measured DER figure plus the client's C509 - DER
// difference. The CSR and certificate sizes are the payloads the server really received and sent. Figures
// only; nothing is asserted. Run after `npm run build`: npx tsx tools/bench/c509-air.ts
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EstServer, type EstServerOptions } from "../server/est.js";
import { CF } from "../server/formats.js";
import { provision, RECORDS } from "../provision.js";
import { parseStore } from "../../host/node/store.js";
import { deviceCsr, deviceKey, type CsrKind } from "../../test/helpers/c509-csr.js";
import { handshake, OscoreClient } from "../../test/helpers/edhoc-client.js";
import { EST_SIM } from "../../test/helpers/hosts.js";
import { UdpClient } from "../../test/helpers/udp-client.js";
import * as c5 from "../c509/index.js";

interface Air { up: number; down: number; datagrams: number }
interface Row { name: string; first: Air; sren: Air; csr: number; cert: number }

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
function runDevice(store: string, port: number, pop: "sig" | "dh"): Promise<Record<string, number | boolean | string>> {
  return new Promise((res, rej) => {
    const p = spawn(EST_SIM, ["--store", store, "enroll", "--json", "--pop", pop, `coap://127.0.0.1:${port}/.well-known/est`]);
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", () => { try { res(JSON.parse(out.trim().split("\n").pop()!)); } catch (e) { rej(e); } });
  });
}

async function deviceRow(pop: "sig" | "dh"): Promise<Row> {
  return withServer({}, async (s, store) => {
    const m1 = meter(s);
    const a = await runDevice(store, s.port, pop);
    const first = m1();
    const m2 = meter(s);
    const b = await runDevice(store, s.port, pop);
    if (!a.ok || !b.ok || b.resource !== "sren") throw new Error("the device did not enroll");
    return { name: `device, DER (${pop === "dh" ? "DH PoP" : "ES256"})`, first, sren: m2(), csr: Number(a.csr_bytes), cert: Number(a.certificate_bytes) };
  });
}

/** The tests' Initiator with the same CSR content in one encoding. */
async function clientRow(kind: CsrKind, enc: "der" | 2 | 3, byRef = false): Promise<Row> {
  return withServer(byRef ? { byReference: ["c5t"] } : {}, async (s, store) => {
    const recs = parseStore(new Uint8Array(readFileSync(store)));
    const rec = (id: number) => recs.find((r) => r.id === id)!.raw.subarray(12);
    const udp = await UdpClient.open(s.port);
    try {
      const key = deviceKey(kind);
      const m1 = meter(s);
      const h = await handshake(udp, { suite: 2, priv: rec(RECORDS.EDHOC_KEY), credI: rec(RECORDS.CRED_I), idCredI: rec(RECORDS.ID_CRED_I) },
        (m) => (Buffer.from(m).equals(Buffer.from(rec(RECORDS.ID_CRED_R))) ? { credR: rec(RECORDS.CRED_R), gR: rec(RECORDS.PEER_KEY) } : null));
      const osc = new OscoreClient(udp, h.ctx);
      const ask = async (path: string, message3?: Uint8Array) => {
        const c = deviceCsr({ kind, type: enc === "der" ? 3 : enc, gY: h.gY, key });
        const body = enc === "der" ? c.der! : c.bytes;
        const r = await osc.post(path, enc === "der" ? { cf: CF.PKCS10, accept: CF.PKIX_CERT, payload: body, message3 }
          : { cf: s.cf.pkcs10, accept: byRef ? undefined : s.cf.cert, payload: body, message3 });
        if (r.code !== 0x44) throw new Error(`${path}: ${Buffer.from(r.payload).toString()}`);
        return { csr: body.length, answer: r.payload };
      };
      const a = await ask("/.well-known/est/sen", h.message3);
      const first = m1();
      const m2 = meter(s);
      await ask("/.well-known/est/sren");
      const sren = m2();
      // The certificate's size as it travels: DER, or the COSE_C509 byte string's content (~C509Certificate).
      const cert = enc === "der" ? a.answer.length : byRef ? 0 : (c5.decodeItem(a.answer) as Uint8Array).length;
      const label = enc === "der" ? "DER" : byRef ? `C509 t${enc}, c5t only` : `C509 t${enc}`;
      return { name: `client, ${label} (${kind === "p256-dh" ? "DH PoP" : "ES256"})`, first, sren, csr: a.csr, cert };
    } finally { udp.close(); }
  });
}

try {
  const rows: Row[] = [];
  const deltas: { kind: string; der: Row; dev: Row }[] = [];
  for (const [kind, pop] of [["es256", "sig"], ["p256-dh", "dh"]] as const) {
    const dev = await deviceRow(pop);
    const der = await clientRow(kind, "der");
    rows.push(dev, der, await clientRow(kind, 3), await clientRow(kind, 2), await clientRow(kind, 2, true));
    deltas.push({ kind, der, dev });
  }
  const tot = (a: Air) => a.up + a.down;
  const head = ["", "first up", "first down", "first total", "/sren up", "/sren down", "/sren total", "CSR", "certificate", "device est. first", "device est. /sren"];
  const out: string[][] = [head];
  for (const r of rows) {
    const d = deltas.find((x) => r.name.includes(x.kind === "p256-dh" ? "DH PoP" : "ES256"))!;
    const isDevice = r.name.startsWith("device");
    const estFirst = isDevice ? tot(r.first) : tot(d.dev.first) + tot(r.first) - tot(d.der.first);
    const estSren = isDevice ? tot(r.sren) : tot(d.dev.sren) + tot(r.sren) - tot(d.der.sren);
    out.push([r.name, r.first.up, r.first.down, tot(r.first), r.sren.up, r.sren.down, tot(r.sren), r.csr, r.cert || "-", estFirst, estSren].map(String));
  }
  const w = head.map((_, i) => Math.max(...out.map((r) => r[i].length)));
  for (const r of out) console.log(r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  "));
  console.log("bytes: UDP payloads counted at the server; first = EDHOC message_1/2 + message_3 with /sen (combined request); 'device est.' = the device's DER figure + (client C509 - client DER)");
  console.log("certificate: the answer's certificate bytes (DER, or ~C509Certificate inside the COSE_C509 byte string); CSR: the request payload");
} finally {
  rmSync(root, { recursive: true, force: true });
}
