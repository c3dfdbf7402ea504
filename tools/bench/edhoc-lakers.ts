// The EDHOC Initiator's share of a handshake (method 3, suite 2, CCS by kid: RFC 9529 trace 2's identities),
// side by side in one run on this machine: lakers-python (Rust, native), and the module's Initiator under V8
// and under wasm3, each with its own crypto (--crypto none) and with the board's native provider (mbedTLS 3.5.1
// + p256-m in est-sim, node:crypto under V8). Prints CPU time per handshake and the ratio to lakers; asserts
// nothing.
//
//   npm run bench:edhoc-lakers [-- N]      (N handshakes per contender, default 50)
//
// lakers: tools/bench/lakers_initiator.py times only the Initiator's calls (time.process_time), its Responder
// runs in the same process uncounted. The module: N runs of the test entry's edhoc_initiator op over trace 2
// (message_1, message_2 processed and verified, message_3, PRK_out, OSCORE secret and salt) in one host process,
// minus the fastest of three empty runs of that process; user + system CPU time of the process (wasm3) or of
// this process (V8). The module's figure includes its JSON and hex handling, which lakers' does not.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runVectors } from "../../host/node/vectors.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SIM = join(ROOT, "build/est-sim");
const ENTRY = join(ROOT, "build/edhoc-test.wasm");
const PYTHON = join(ROOT, "build/venv/bin/python");
const N = Number(process.argv[2] ?? "50");
const R_PRIV = "72cc4761dbd4c78f758931aa589d348d1ef874a7e303ede2f140dcf3e6aa4aac"; // RFC 9529 trace 2, R's static key
const t2 = JSON.parse(readFileSync(join(ROOT, "test/vectors/edhoc-rfc9529-trace2.json"), "utf8"));
const dir = mkdtempSync(join(tmpdir(), "bench-edhoc-lakers-"));
for (const f of [SIM, ENTRY, PYTHON]) if (!existsSync(f)) throw new Error(`${f} is missing: npm run build and bash tools/setup-python.sh`);

const input = (n: number) => (JSON.stringify({ op: "edhoc_initiator", ...t2.input }) + "\n").repeat(n);

/** CPU seconds (user + system) of one est-sim process over the input, as bash's `time` reports them. */
function wasm3Cpu(args: string[], text: string): number {
  const r = spawnSync("bash", ["-c", 'TIMEFORMAT="%U %S"; time "$0" "$@" 2>/dev/null', SIM, ...args, "--module", ENTRY, "--store", join(dir, "ks"), "vectors"],
    { input: text, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`est-sim exited ${r.status}: ${r.stderr}`);
  const got = r.stdout.split("\n").filter(Boolean);
  if (text && JSON.parse(got[0]).message_3 !== t2.expect.message_3) throw new Error(`unexpected answer: ${got[0]}`);
  const [u, s] = r.stderr.trim().split("\n").pop()!.split(" ").map(Number);
  return u + s;
}

function perHandshakeWasm3(args: string[]): number {
  const base = Math.min(wasm3Cpu(args, ""), wasm3Cpu(args, ""), wasm3Cpu(args, ""));
  return (wasm3Cpu(args, input(N)) - base) / N;
}

async function perHandshakeV8(args: string[]): Promise<number> {
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const once = async (text: string) => { const c0 = cpu(); await runVectors(ENTRY, text, args); return cpu() - c0; };
  await once(input(2)); // warm up the JIT
  const base = Math.min(await once(""), await once(""), await once(""));
  return (await once(input(N)) - base) / N;
}

function perHandshakeLakers(): number {
  const r = spawnSync(PYTHON, [join(ROOT, "tools/bench/lakers_initiator.py"), String(N), t2.input.i_key, t2.input.cred_i, R_PRIV, t2.input.cred_r],
    { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`lakers_initiator.py exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()).initiator_s / N;
}

const lakers = perHandshakeLakers();
const rows: [string, number][] = [
  ["lakers-python 0.6.2 (Rust)", lakers],
  ["module under V8, its own crypto", await perHandshakeV8(["--crypto", "none"])],
  ["module under V8, node:crypto provider", await perHandshakeV8([])],
  ["module under wasm3, its own crypto", perHandshakeWasm3(["--crypto", "none"])],
  ["module under wasm3, mbedTLS provider", perHandshakeWasm3([])],
];
if (process.argv.includes("--json")) console.log(JSON.stringify(Object.fromEntries(rows.map(([k, v]) => [k, { ms: +(v * 1e3).toFixed(3), ratio: +(v / lakers).toFixed(2) }]))));
else {
  console.log(`EDHOC Initiator share, method 3 / suite 2 / kid (RFC 9529 trace 2 identities), ${N} handshakes each, CPU time`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(42)} ${(v * 1e3).toFixed(2).padStart(8)} ms   ${(v / lakers).toFixed(1).padStart(6)}x lakers`);
}
