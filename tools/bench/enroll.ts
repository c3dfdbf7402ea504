// Whole enrollments against the development server on loopback, per EDHOC method, cipher suite and kind of
// proof of possession: round trips, datagrams and bytes each way (from the device's own counters), CSR and
// certificate sizes, and the device's time under wasm3 (build/est-sim, the C host) and V8 (the Node host).
// Prints a table; asserts nothing. Run: npm run bench:enroll  (or npx tsx tools/bench/enroll.ts [N])
//
// Times are the median of N runs of the `enroll` command as the host measures it (--stats "command" ms:
// wall time of the command inside one process, network on loopback included); "cpu" is the est-sim process's
// user+system time, load and start included.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { EstServer } from "../server/est.js";
import { provision } from "../provision.js";

const ROOT = resolve(import.meta.dirname, "../..");
const N = Number(process.argv[2] ?? "5");

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}

const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

async function enrollOnce(host: "wasm3" | "v8", store: string, url: string, extra: string[]) {
  const args = ["--store", store, "--stats", "enroll", "--json", ...extra, url];
  const r = host === "wasm3" ? await run(join(ROOT, "build/est-sim"), args) : await run(process.execPath, ["--import", "tsx", join(ROOT, "host/node/cli.ts"), ...args]);
  const rep = JSON.parse(r.stdout.trim().split("\n").pop()!);
  if (!rep.ok) throw new Error(`${host} enroll failed: ${r.stderr}`);
  return { rep, ms: Number(/command ([\d.]+) ms/.exec(r.stderr)![1]), cpu: Number(/cpu ([\d.]+) ms/.exec(r.stderr)![1]) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "est-bench-enroll-"));
  const server = await EstServer.start({ dir: join(dir, "server") });
  const url = `coap://127.0.0.1:${server.port}`;
  const rows: string[][] = [];
  const cases: [number, number, string, string[]][] = [
    [3, 2, "sig", []], [3, 2, "dh", ["--pop", "dh"]], [0, 2, "sig", []], [0, 0, "sig", []], [3, 0, "dh", ["--pop", "dh"]], [2, 0, "sig", []],
  ];
  for (const [method, suite, pop, extra] of cases) {
    for (const flow of ["combined", "sequential", "sren"] as const) {
      if (flow !== "combined" && !(method === 3 && suite === 2 && pop === "sig")) continue;
      const times: Record<string, number[]> = { wasm3: [], v8: [], cpu: [] };
      let rep: any;
      for (const host of ["wasm3", "v8"] as const) {
        for (let i = 0; i < N; i++) {
          const store = join(dir, `ks-${method}-${suite}-${pop}-${flow}-${host}-${i}`);
          provision({ serverDir: join(dir, "server"), store, method, suite });
          if (flow === "sren") await enrollOnce(host, store, url, extra);
          const r = await enrollOnce(host, store, url, [...extra, ...(flow === "sequential" ? ["--sequential"] : [])]);
          times[host].push(r.ms);
          if (host === "wasm3") times.cpu.push(r.cpu);
          rep = r.rep;
        }
      }
      rows.push([`${method}`, `${suite}`, pop, flow, `${rep.round_trips}`, `${rep.datagrams_up}/${rep.datagrams_down}`, `${rep.bytes_up}`, `${rep.bytes_down}`,
        `${rep.bytes_up + rep.bytes_down}`, rep.edhoc_messages ? rep.edhoc_messages.join("/") : "-", `${rep.csr_bytes}`, `${rep.certificate_bytes}`,
        median(times.wasm3).toFixed(1), median(times.cpu).toFixed(1), median(times.v8).toFixed(1), (median(times.wasm3) / median(times.v8)).toFixed(1)]);
    }
  }
  await server.stop();
  // Credential types (method 3, suite 2, signature PoP, combined): both sides use the same style.
  const credRows: string[][] = [];
  for (const style of ["ccs", "kccs", "x5t", "x5chain"] as const) {
    const srv = await EstServer.start({ dir: join(dir, `server-${style}`), serverCred: style });
    const store = join(dir, `ks-cred-${style}`);
    provision({ serverDir: join(dir, `server-${style}`), store, serverCred: style, deviceCred: style });
    const { rep } = await enrollOnce("wasm3", store, `coap://127.0.0.1:${srv.port}`, []);
    credRows.push([style, rep.edhoc_messages.join("/"), `${rep.round_trips}`, `${rep.bytes_up}`, `${rep.bytes_down}`, `${rep.bytes_up + rep.bytes_down}`]);
    await srv.stop();
  }
  const head = ["method", "suite", "PoP", "flow", "RTs", "dgrams up/down", "B up", "B down", "B total", "EDHOC m1/m2/m3", "CSR B", "cert B", "wasm3 ms", "wasm3 cpu ms", "V8 ms", "wasm3/V8"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => "| " + r.map((c, i) => c.padEnd(w[i])).join(" | ") + " |";
  console.log(`Enrollment on loopback, median of ${N} runs per host (this machine)`);
  console.log(line(head));
  console.log("|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|");
  for (const r of rows) console.log(line(r));
  console.log("\nCredential types (method 3, suite 2, signature PoP, combined request; device and server use the same kind):");
  console.log("| credentials | EDHOC m1/m2/m3 | RTs | B up | B down | B total |");
  console.log("|---|---|---|---|---|---|");
  for (const r of credRows) console.log("| " + r.join(" | ") + " |");
  console.log("\nFor scale: a DTLS 1.3 handshake alone with raw public keys is 894 bytes (IETF protocol-comparison draft), before any EST payload.");
}

main().catch((e) => { console.error(e); process.exit(1); });
