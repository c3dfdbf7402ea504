// Fuzzing smoke run in CI: every libFuzzer target of tools/fuzz (the module's decoders, translated to C with
// wasm2c, under AddressSanitizer) for a few seconds from its seed corpus, which includes the saved regression
// inputs of test/regression/ (tools/fuzz/run.ts). Any crash, trap, panic or memory growth fails. Skipped, with the reason, without clang.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/hosts.js";

const SECONDS = 8;
const targets = spawnSync("bash", [join(ROOT, "tools/fuzz/targets.sh")], { encoding: "utf8" }).stdout.trim().split(/\s+/);
const built = targets.every((t) => existsSync(join(ROOT, "build/fuzz", t)));
const why = spawnSync("clang", ["--version"]).status !== 0 ? "clang is not installed" : !built ? "the fuzz targets are not built (bash tools/fuzz/build.sh)" : "";

describe.skipIf(why !== "")(`fuzz smoke (libFuzzer + wasm2c)${why ? ` — skipped: ${why}` : ""}`, () => {
  it(`runs every target ${SECONDS} s from the seed corpora without a crash`, () => {
    const r = spawnSync("npx", ["tsx", join(ROOT, "tools/fuzz/run.ts"), String(SECONDS)], { cwd: ROOT, encoding: "utf8", timeout: (SECONDS + 20) * 1000 * targets.length });
    if (r.status !== 0) throw new Error(r.stdout + r.stderr.slice(-3000));
    for (const t of targets) expect(r.stdout).toMatch(new RegExp(`\\| ${t} \\| \\d+ \\| [1-9]\\d* \\| \\d+ / \\d+ \\| \\d+ \\| none \\|`));
    console.log(r.stdout);
  }, (SECONDS + 30) * 1000 * targets.length);
});
