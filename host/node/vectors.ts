// The vector runner on the Node host: evaluate JSON request lines through a module under V8 (see
// docs/vectors.md). Same answers as `est-sim vectors`.
import { runCli } from "./cli.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Evaluate `input` (JSON lines) with the module at modulePath; resolves to the answer lines. */
export async function runVectors(modulePath: string, input: string, hostArgs: string[] = []): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "est-vectors-"));
  try {
    const r = await runCli([...hostArgs, "--module", modulePath, "--store", join(dir, "ks"), "vectors"], { input });
    if (r.code !== 0) throw new Error(`vectors exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
