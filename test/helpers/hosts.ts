// Runs the compiled module under either host, so every test can assert the same behaviour under both:
//   "wasm3": build/est-sim (the C host, wasm3 v0.5.0 interpreter) as a subprocess;
//   "v8":    the Node host (host/node/), in process.
import { spawn, spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const EST_SIM = join(ROOT, "build/est-sim");
/** The device module (enroll, reenroll, status: what a board runs) and the simulator module (the rest). */
export const CLIENT_WASM = join(ROOT, "build/client.wasm");
export const SIM_WASM = join(ROOT, "build/sim.wasm");
export const CLIENT_NATIVE_WASM = join(ROOT, "build/client-native.wasm");

/**
 * The two builds of the device module, as the hosts run them:
 *   "portable":      build/client.wasm on a board without native crypto (--crypto none): all cryptography in
 *                    the module, keys in key-store records (provisioned with keyIn "record");
 *   "native-crypto": build/client-native.wasm on the board's provider: every operation on the board, keys kept
 *                    by the board (provisioned with keyIn "board").
 * hostArgs go before the command; keyIn to tools/provision.ts.
 */
export interface DeviceBuild { name: "portable" | "native-crypto"; hostArgs: string[]; keyIn: "record" | "board" }
export const BUILDS: DeviceBuild[] = [
  { name: "portable", hostArgs: ["--crypto", "none"], keyIn: "record" },
  { name: "native-crypto", hostArgs: ["--module", CLIENT_NATIVE_WASM], keyIn: "board" },
];

/** The two crypto paths for the simulator module's commands (build/sim.wasm, which carries its own crypto):
 *  "portable" hides the board's provider (--crypto none), "native-crypto" uses it for whatever it offers. */
export const CRYPTO_MODES: { name: "portable" | "native-crypto"; hostArgs: string[] }[] = [
  { name: "portable", hostArgs: ["--crypto", "none"] },
  { name: "native-crypto", hostArgs: [] },
];

export type HostName = "wasm3" | "v8";
export const HOSTS: HostName[] = ["wasm3", "v8"];

/** A fresh temporary directory for key stores and other files of one test. */
export function tempDir(prefix = "est-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Evaluate vector-runner requests (objects) through the module; returns one parsed answer per request. hostArgs
 *  go to the host before the command (e.g. --crypto none). */
export async function evalVectors(host: HostName, requests: object[], module = SIM_WASM, hostArgs: string[] = []): Promise<any[]> {
  const input = requests.map((r) => JSON.stringify(r)).join("\n") + "\n";
  let text: string;
  if (host === "wasm3") {
    const r = spawnSync(EST_SIM, [...hostArgs, "--module", module, "--store", join(tempDir(), "ks"), "vectors"], {
      input, encoding: "utf8", maxBuffer: 256 << 20,
    });
    if (r.status !== 0) throw new Error(`est-sim vectors exited ${r.status}: ${r.stderr}`);
    text = r.stdout;
  } else {
    const { runVectors } = await import("../../host/node/vectors.js");
    text = await runVectors(module, input, hostArgs);
  }
  const lines = text.split("\n").filter((l) => l.length > 0);
  if (lines.length !== requests.length) throw new Error(`expected ${requests.length} answers, got ${lines.length}`);
  return lines.map((l) => JSON.parse(l));
}

export interface CommandResult {
  code: number;      // exit code, same meaning under both hosts (README: 0 ok, 1 failed, 2 usage, 3 module, 4 trap, 5 store)
  stdout: string;
  stderr: string;
}

/** Run one command line (host options allowed before the command) through a host. */
export async function runCommand(host: HostName, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  if (host === "wasm3") {
    // Asynchronous, so servers running in the test process keep answering while est-sim runs.
    return new Promise((resolve, reject) => {
      const child = spawn(EST_SIM, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "", stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60000);
      child.on("error", reject);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
      });
      child.stdin.on("error", () => { /* the command may exit without reading its input */ });
      child.stdin.end(opts.input ?? "");
    });
  }
  const { runCli } = await import("../../host/node/cli.js");
  return runCli(args, { input: opts.input ?? "", cwd: ROOT });
}

/** The first port the kernel hands out for bind(0) (Linux's ip_local_port_range; 32768 elsewhere). */
function ephemeralLow(): number {
  try { return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32768; } catch { return 32768; }
}
let nextPort = 0;

/**
 * A UDP port on 127.0.0.1 that was free a moment ago (bound, then released), for a server under test that
 * another process binds. Taken below the ephemeral range, so that the sockets other tests open meanwhile
 * (bind(0): the kernel picks from that range) cannot take it before the server binds it; each vitest worker
 * has a slice of its own (VITEST_POOL_ID), and walks it in turn.
 */
export async function freePort(): Promise<number> {
  const low = Math.min(ephemeralLow(), 32768);
  const slice = 1000, base = low - 8 * slice;
  const pool = (Number(process.env.VITEST_POOL_ID ?? "1") - 1) % 8;
  if (nextPort === 0) nextPort = randomInt(slice);
  for (let tries = 0; tries < slice; tries++) {
    const port = base + pool * slice + (nextPort++ % slice);
    const s = createSocket("udp4");
    const ok = await new Promise<boolean>((res) => { s.once("error", () => res(false)); s.bind(port, "127.0.0.1", () => res(true)); });
    s.close();
    if (ok) return port;
  }
  throw new Error(`freePort: no free UDP port in ${base + pool * slice}..${base + pool * slice + slice - 1}`);
}
