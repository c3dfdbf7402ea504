// Seed corpora and fuzz runs for the libFuzzer targets of tools/fuzz/build.sh.
//
//   npx tsx tools/fuzz/run.ts [SECONDS]      each target for SECONDS (default 20), then a table of execs/s,
//                                            total execs, coverage (libFuzzer's cov/ft) and crashes
//   FUZZ_TARGETS="x509 oscore"                only these targets (default: all of tools/fuzz/targets.sh)
//   FUZZ_BIN_DIR=DIR                          run the binaries from DIR (a copy, so that a rebuild of
//                                            build/fuzz during a long run does not replace them under it)
// Seeds (build/fuzz-corpus/<target>/) come from the RFC vectors in test/vectors and from openssl-made
// certificates and keys; the corpus grows across runs. A crash is saved under build/fuzz/crashes/ and makes the
// command fail; keep a minimized copy under test/regression/ named after what it found.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { seeds } from "./seeds.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SECONDS = Number(process.argv[2] ?? "20");
const allTargets = execFileSync("bash", [join(ROOT, "tools/fuzz/targets.sh")], { encoding: "utf8" }).trim().split(/\s+/);
const targets = process.env.FUZZ_TARGETS ? process.env.FUZZ_TARGETS.trim().split(/\s+/) : allTargets;
for (const t of targets) if (!allTargets.includes(t)) throw new Error(`unknown fuzz target ${t} (tools/fuzz/targets.sh: ${allTargets.join(" ")})`);
const BIN_DIR = resolve(process.env.FUZZ_BIN_DIR ?? join(ROOT, "build/fuzz"));

const corpusRoot = join(ROOT, "build/fuzz-corpus");
const crashes = join(BIN_DIR, "crashes");
mkdirSync(crashes, { recursive: true });
const all = seeds(allTargets);
const rows: string[] = [];
let failed = false;
for (const t of targets) {
  const bin = join(BIN_DIR, t);
  if (!existsSync(bin)) throw new Error(`${bin} is missing: bash tools/fuzz/build.sh`);
  const corpus = join(corpusRoot, t);
  mkdirSync(corpus, { recursive: true });
  all[t].forEach((b, i) => writeFileSync(join(corpus, `seed-${i}`), b));
  // Inputs that once crashed a target (test/regression/<target>-<what>.bin) run first, every time.
  const reg = join(ROOT, "test/regression");
  if (existsSync(reg)) for (const f of readdirSync(reg).filter((x) => x.startsWith(`${t}-`) && x.endsWith(".bin"))) writeFileSync(join(corpus, `regression-${f}`), readFileSync(join(reg, f)));
  const r = spawnSync(bin, [corpus, `-max_total_time=${SECONDS}`, "-print_final_stats=1", "-max_len=8192", "-timeout=10",
    "-rss_limit_mb=2048", `-artifact_prefix=${crashes}/${t}-`], { encoding: "utf8", maxBuffer: 64 << 20 });
  const log = r.stderr;
  const execs = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(log)?.[1] ?? 0);
  const rate = Number(/stat::average_exec_per_sec:\s*(\d+)/.exec(log)?.[1] ?? 0);
  const cov = /#\d+\s+(?:DONE|pulse|NEW|REDUCE|INITED)\s+cov: (\d+) ft: (\d+)/g;
  let last: RegExpExecArray | null = null, m;
  while ((m = cov.exec(log))) last = m;
  const crashed = r.status !== 0;
  if (crashed) { failed = true; process.stderr.write(log.split("\n").slice(-40).join("\n") + "\n"); }
  rows.push(`| ${t} | ${rate} | ${execs} | ${last ? `${last[1]} / ${last[2]}` : "?"} | ${readdirSync(corpus).length} | ${crashed ? "CRASH (see build/fuzz/crashes)" : "none"} |`);
}
console.log(`Fuzzing, ${SECONDS} s per target (libFuzzer + ASan, the module via wasm2c), this machine:`);
console.log("| target | execs/s | total execs | cov / ft | corpus | crashes |");
console.log("|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
process.exit(failed ? 1 : 0);
