// The EDHOC Initiator's whole part of a handshake (build message_1, verify message_2, build message_3, derive
// PRK_out and the OSCORE secret and salt) for the two RFC 9529 traces, timed under V8 and wasm3, and the bytes
// each message puts on the wire. Trace 2 also gets the RFC 9668 combined request (message_3 + first OSCORE
// request). Prints tables; asserts nothing. Run: npm run bench:edhoc  (or npx tsx tools/bench/edhoc.ts [N])
// Times come from N handshakes in one process per host minus an empty run of that process, so they include
// the test entry's JSON and hex handling (small next to the curve arithmetic).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runVectors } from "../../host/node/vectors.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SIM = join(ROOT, "build/est-sim");
const EDHOC = join(ROOT, "build/edhoc-test.wasm");
const N = Number(process.argv[2] ?? "20");
const dir = mkdtempSync(join(tmpdir(), "est-bench-edhoc-"));
const trace = (n: number) => JSON.parse(readFileSync(join(ROOT, `test/vectors/edhoc-rfc9529-trace${n}.json`), "utf8"));
const t1 = trace(1), t2 = trace(2);

const cases = [
  { name: "trace 1: method 0, suite 0 (X25519, Ed25519, x5t)", t: t1 },
  { name: "trace 2: method 3, suite 2 (P-256 static DH, kid)", t: t2 },
];

function lines(t: any, n: number): string {
  return (JSON.stringify({ op: "edhoc_initiator", ...t.input }) + "\n").repeat(n);
}

/** Seconds per handshake under wasm3: one est-sim process over n lines, minus the fastest of three empty runs. */
function wasm3(t: any): number {
  const run = (input: string) => {
    const t0 = performance.now();
    const r = spawnSync(SIM, ["--module", EDHOC, "--store", join(dir, "ks"), "vectors"], { input, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`est-sim vectors exited ${r.status}: ${r.stderr}`);
    const got = r.stdout.split("\n").filter(Boolean);
    if (input && (got.length === 0 || JSON.parse(got[0]).message_3 !== t.expect.message_3)) throw new Error("unexpected answer");
    return (performance.now() - t0) / 1000;
  };
  const base = Math.min(run(""), run(""), run(""));
  return (run(lines(t, N)) - base) / N;
}

/** Seconds per handshake under V8, the module loaded in this process. */
async function v8(t: any): Promise<number> {
  const run = async (input: string) => {
    const t0 = performance.now();
    const out = await runVectors(EDHOC, input);
    if (input && JSON.parse(out.split("\n")[0]).message_3 !== t.expect.message_3) throw new Error("unexpected answer");
    return (performance.now() - t0) / 1000;
  };
  await run(lines(t, 2)); // warm-up: compile and tier up
  const base = Math.min(await run(""), await run(""), await run(""));
  return (await run(lines(t, N)) - base) / N;
}

const rows: string[][] = [["handshake (Initiator side)", "V8 ms", "wasm3 ms", "wasm3/V8"]];
for (const c of cases) {
  const a = await v8(c.t), b = wasm3(c.t);
  rows.push([c.name, (a * 1e3).toFixed(2), (b * 1e3).toFixed(1), (b / a).toFixed(1)]);
}
const bytes = (h: string) => String(h.length / 2);
const wire: string[][] = [["bytes on the wire (CBOR sequences, no CoAP)", "message_1", "message_2", "message_3"]];
for (const c of cases) wire.push([c.name, bytes(c.t.expect.message_1), bytes(c.t.input.message_2), bytes(c.t.expect.message_3)]);

const print = (rs: string[][]) => {
  const w = rs[0].map((_, i) => Math.max(...rs.map((r) => r[i].length)));
  for (const r of rs) console.log(r.map((s, i) => (i === 0 ? s.padEnd(w[i]) : s.padStart(w[i]))).join("  "));
};
console.log(`${N} handshakes per host, minus an empty run's time`);
print(rows);
console.log();
print(wire);
const cr = t2.combined_request, req = Buffer.from(cr.request, "hex"), comb = Buffer.from(cr.combined, "hex");
console.log(`\ntrace 2 combined request (RFC 9668): ${comb.length} B CoAP message carrying message_3 (${bytes(t2.expect.message_3)} B) ` +
  `and the protected form of a ${req.length} B request; without it the same exchange needs one more round trip ` +
  `(message_3 alone, then the OSCORE request): 2 round trips instead of 3.`);
