// The main job (`npm start`): a simulated device enrolls a certificate over EST-oscore, under wasm3, against
// the development server.
//
//   1. start the EST-oscore server on loopback, with a CA in the work folder (created on first run), and
//      discover its EST resources (GET /.well-known/core?rt=ace.est*, plain CoAP);
//   2. provision the simulated device (first run only): its EDHOC key and credential, the server's
//      credential, the CA certificate as trust anchor;
//   3. run `build/est-sim enroll` (the C host, wasm3): EDHOC + /sen in the combined request on the first run,
//      /sren under the stored OSCORE context on later runs;
//   4. check the certificate (it chains to the CA, carries the device's new key) and print the report and
//      the certificate (PEM; a C509 certificate as the C509 library describes it), or with --json one JSON
//      object (certificate_format "der" | "c509" and certificate_hex added; tools/enroll-report.ts).
//
// usage: npm start -- [--json] [--work DIR] [--fresh] [--method 0..3] [--suite 0|2] [--pop sig|dh]
//                     [--sequential] [--edhoc] [--format der|c509]
//                     [--server-cred ccs|kccs|x5t|x5chain|c5t|c5c] [--device-cred ...same] [-v]
//
// --format c509 asks the device for a C509 enrollment (`est-sim enroll --format c509`: a natively signed C509 CSR
// with Accept application/cose-c509-cert; docs/c509.md); DER is the default and then no --format is passed.
// EST_SIM=PATH runs another device program instead of build/est-sim (the tests' stand-in).

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { EstServer } from "./server/est.js";
import { credStyle, provision } from "./provision.js";
import { checkReportCertificate, type CertificateCheck } from "./enroll-report.js";
import type { CredStyle } from "./server/x509cred.js";

const ROOT = resolve(import.meta.dirname, "..");

const USAGE = "usage: npm start -- [--json] [--work DIR] [--fresh] [--method 0..3] [--suite 0|2] [--pop sig|dh] [--sequential] [--edhoc] [--format der|c509] [--server-cred ccs|kccs|x5t|x5chain|c5t|c5c] [--device-cred ccs|kccs|x5t|x5chain|c5t|c5c] [-v]";

interface Args { deviceCred: CredStyle; serverCred: CredStyle; json: boolean; work: string; fresh: boolean; method: number; suite: number; pop?: string; sequential: boolean; edhoc: boolean; verbose: boolean; format: "der" | "c509" }

function parseArgs(argv: string[]): Args {
  const a: Args = { deviceCred: "ccs", serverCred: "ccs", json: false, work: join(ROOT, "build/demo"), fresh: false, method: 3, suite: 2, sequential: false, edhoc: false, verbose: false, format: "der" };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    const need = () => { if (v === undefined) throw new Error(`${k} needs a value`); i++; return v; };
    if (k === "--json") a.json = true;
    else if (k === "--work") a.work = resolve(need());
    else if (k === "--fresh") a.fresh = true;
    else if (k === "--method") a.method = Number(need());
    else if (k === "--suite") a.suite = Number(need());
    else if (k === "--pop") a.pop = need();
    else if (k === "--sequential") a.sequential = true;
    else if (k === "--device-cred") a.deviceCred = credStyle(k, need());
    else if (k === "--server-cred") a.serverCred = credStyle(k, need());
    else if (k === "--format") { const f = need(); if (f !== "der" && f !== "c509") throw new Error("--format der|c509"); a.format = f; }
    else if (k === "--edhoc") a.edhoc = true;
    else if (k === "-v" || k === "--verbose") a.verbose = true;
    else if (k === "-h" || k === "--help") { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("error", rej);
    p.on("close", (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  const sim = process.env.EST_SIM ? resolve(process.env.EST_SIM) : join(ROOT, "build/est-sim");
  if (!existsSync(sim)) throw new Error(`${sim} is missing: run \`npm run build\` first`);
  if (a.fresh) rmSync(a.work, { recursive: true, force: true });
  mkdirSync(a.work, { recursive: true });
  const serverDir = join(a.work, "server");
  const keystore = join(a.work, "device.keystore");
  const server = await EstServer.start({ dir: serverDir, serverCred: a.serverCred, log: a.verbose ? (l) => process.stderr.write(`server: ${l}\n`) : undefined });
  try {
    let provisioned: string | undefined;
    if (!existsSync(keystore)) {
      const p = provision({ serverDir, store: keystore, method: a.method, suite: a.suite, serverCred: a.serverCred, deviceCred: a.deviceCred });
      provisioned = `${p.name} (kid ${p.kid}, method ${p.method}, suite ${p.suite})`;
    }
    // Discovery (RFC 9148 §4.1, plain CoAP): where the EST resources are; the server's counters give its cost.
    const s0 = { ...server.stats }, d0 = performance.now();
    const disc = await run(sim, ["--store", keystore, "discover", "--json", `coap://127.0.0.1:${server.port}`]);
    if (disc.code !== 0) throw new Error(`discovery failed: ${disc.stderr}`);
    const resources: { path: string; rt: string; osc: boolean }[] = JSON.parse(disc.stdout).resources;
    const sen = resources.find((r) => r.rt === "ace.est.sen");
    if (!sen) throw new Error("the server advertises no ace.est.sen resource");
    const root = sen.path.replace(/\/sen$/, "");
    const discovery = { name: "discovery", round_trips: 1, datagrams_up: server.stats.datagramsIn - s0.datagramsIn, datagrams_down: server.stats.datagramsOut - s0.datagramsOut,
      bytes_up: server.stats.bytesIn - s0.bytesIn, bytes_down: server.stats.bytesOut - s0.bytesOut, ms: Math.round(performance.now() - d0), resources: resources.map((r) => `${r.path} (${r.rt}${r.osc ? ", osc" : ""})`) };
    const args = ["--store", keystore, "--stats", "enroll", "--json"];
    if (a.pop) args.push("--pop", a.pop);
    if (a.sequential) args.push("--sequential");
    if (a.edhoc) args.push("--edhoc");
    if (a.format !== "der") args.push("--format", a.format); // DER is the device's default: nothing to say
    args.push(`coap://127.0.0.1:${server.port}${root}`);
    const r = await run(sim, args);
    const line = r.stdout.trim().split("\n").pop() ?? "";
    let rep: any;
    try { rep = JSON.parse(line); } catch { throw new Error(`est-sim gave no report (exit ${r.code}):\n${r.stderr}`); }
    const cpu = /cpu ([\d.]+) ms/.exec(r.stderr)?.[1];
    const mem = /linear memory (\d+) bytes/.exec(r.stderr)?.[1];
    let cc: CertificateCheck | undefined;
    const c0 = performance.now();
    if (rep.ok) cc = checkReportCertificate(rep);
    if (rep.ok && a.format !== cc!.format) throw new Error(`asked for a ${a.format.toUpperCase()} certificate, the device enrolled ${cc!.format.toUpperCase()}`);
    const check = cc?.check ?? "";
    const checkMs = Math.round((performance.now() - c0) * 10) / 10;
    rep.phases = [discovery, ...(rep.phases ?? []), { name: "certificate check", ms: checkMs, round_trips: 0, datagrams_up: 0, datagrams_down: 0, bytes_up: 0, bytes_down: 0 }];
    const out = {
      ...rep, certificate_format: cc?.format ?? null, certificate_hex: cc?.hex ?? null,
      keystore_path: keystore, server_dir: serverDir, provisioned: provisioned ?? null, cpu_ms: cpu ? Number(cpu) : null,
      linear_memory_bytes: mem ? Number(mem) : null, host: "wasm3 (build/est-sim)", certificate_check: check || null,
      error_detail: rep.ok ? undefined : r.stderr.trim().split("\n").filter((l) => !l.includes("stats:")).pop(),
    };
    if (a.json) { console.log(JSON.stringify(out)); return rep.ok ? 0 : 1; }
    const lines: string[] = [];
    lines.push(`EST-oscore enrollment against the development server at coap://127.0.0.1:${server.port} (work folder ${a.work})`);
    if (provisioned) lines.push(`  provisioned ${provisioned}`);
    lines.push(`  device: wasm3 (build/est-sim), key store ${keystore}`);
    for (const p of rep.phases ?? []) {
      if (p.name === "discovery") { lines.push(`  ${"discovery (/.well-known/core)".padEnd(36)} 1 round trip, ${p.datagrams_up} up / ${p.datagrams_down} down datagrams, ${p.bytes_up} B up / ${p.bytes_down} B down, ${p.ms} ms: ${p.resources.length} EST resources, root ${root}`); continue; }
      if (p.name === "certificate check") continue;
      // The first exchange after EDHOC carried message_3 when the combined request was used.
      const prev = rep.phases[rep.phases.indexOf(p) - 1];
      const combinedHere = rep.edhoc && rep.combined && prev?.name === "edhoc";
      const base = { edhoc: "EDHOC message_1/2", sen: "/sen", sren: rep.edhoc ? "/sren" : "/sren (stored OSCORE context)", crts: "/crts", skg: "/skg", skc: "/skc" }[p.name as string] ?? p.name;
      const name = combinedHere ? `EDHOC message_3 + ${base} (combined)` : base;
      lines.push(`  ${name.padEnd(36)} ${p.round_trips} round trip(s), ${p.datagrams_up} up / ${p.datagrams_down} down datagrams, ${p.bytes_up} B up / ${p.bytes_down} B down, ${p.ms} ms`);
    }
    if (rep.edhoc_messages) lines.push(`  EDHOC message_1/2/3: ${rep.edhoc_messages.join("/")} bytes`);
    lines.push(`  total without discovery: ${rep.round_trips} round trips, ${rep.datagrams_up + rep.datagrams_down} datagrams, ${rep.bytes_up} B up, ${rep.bytes_down} B down; device CPU ${cpu ?? "?"} ms; linear memory ${mem ?? "?"} bytes`);
    if (!rep.ok) { lines.push(`  FAILED: ${rep.error} ${out.error_detail ?? ""}`); console.log(lines.join("\n")); return 1; }
    lines.push(`  certificate (${rep.certificate_bytes} B, CSR ${rep.csr_bytes} B): ${check}`);
    lines.push(`  run again to re-enroll with /sren; --fresh starts over; --json for a machine-readable report`);
    console.log(lines.join("\n") + "\n\n" + cc!.text);
    return 0;
  } finally {
    await server.stop();
  }
}

main().then((c) => process.exit(c), (e) => { console.error(`main: ${(e as Error).message}`); process.exit(1); });
