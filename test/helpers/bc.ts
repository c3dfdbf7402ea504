// Drives the BouncyCastle 1.87 C509 harness (tools/interop/c509-bc/C509Bc.java, built into build/c509-bc by
// its build.sh): one JVM per batch of requests, one answer line per request, parsed into key/value maps.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./hosts.js";

export const BC_DIR = join(ROOT, "build/c509-bc");

export interface BcAnswer { ok: boolean; error?: string; [key: string]: string | boolean | undefined }

/** Whether the harness can run here: a java on PATH and a completed build (tools/interop/c509-bc/build.sh). */
export function bcAvailable(): boolean {
  const java = spawnSync("java", ["-version"], { encoding: "utf8" });
  return java.status === 0 && existsSync(join(BC_DIR, "classes/C509Bc.class"));
}

/** Build the harness (no-op when up to date). Throws with the build's output when it fails. */
export function bcBuild(): void {
  const r = spawnSync("bash", [join(ROOT, "tools/interop/c509-bc/build.sh")], { encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`c509-bc build failed: ${r.stdout}${r.stderr}`);
}

/** Run requests (each an array of words) through one JVM; one answer each, in order. */
export function bc(requests: string[][]): BcAnswer[] {
  const input = requests.map((r) => r.join(" ")).join("\n") + "\n";
  const r = spawnSync("java", ["-cp", `${join(BC_DIR, "classes")}:${join(BC_DIR, "lib")}/*`, "C509Bc"], {
    input, encoding: "utf8", maxBuffer: 64 << 20, timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`C509Bc exited ${r.status}: ${r.stderr}`);
  const lines = r.stdout.split("\n").filter((l) => l.length > 0);
  if (lines.length !== requests.length) throw new Error(`expected ${requests.length} answers, got ${lines.length}: ${r.stderr}`);
  return lines.map((l) => {
    if (l.startsWith("err ")) return { ok: false, error: l.slice(4) };
    const out: BcAnswer = { ok: true };
    for (const kv of l.slice(3).split(" ")) {
      const i = kv.indexOf("=");
      out[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
    }
    return out;
  });
}
