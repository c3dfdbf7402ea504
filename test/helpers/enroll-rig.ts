// A development server with a provisioned device of one build (test/helpers/hosts.ts BUILDS), and the device's
// `enroll --json` against it under est-sim, for the enrollment tests of both builds.
import { join } from "node:path";
import { EstServer, type EstServerOptions } from "../../tools/server/est.js";
import { provision, type ProvisionOptions } from "../../tools/provision.js";
import { runCommand, tempDir, type DeviceBuild } from "./hosts.js";

/** The server, its folder, the device's key store, and every CSR the server was given (in order). */
export interface Rig { server: EstServer; dir: string; store: string; csrs: Uint8Array[] }

/** Start a server (options `opts`) and provision a device of build `b` for it (`prov`). The caller stops the server. */
export async function enrollRig(b: DeviceBuild, opts: Partial<EstServerOptions> = {}, prov: Partial<ProvisionOptions> = {}): Promise<Rig> {
  const dir = tempDir("est-enroll-");
  const csrs: Uint8Array[] = [];
  const server = await EstServer.start({ dir: join(dir, "server"), onCsr: (d) => csrs.push(Uint8Array.from(d)), ...opts });
  const store = join(dir, "device.keystore");
  provision({ serverDir: join(dir, "server"), store, keyIn: b.keyIn, ...prov });
  return { server, dir, store, csrs };
}

/** `enroll --json` (ACK_TIMEOUT 300 ms) with `extra` options and est-sim's `hostOpts`: the result and its JSON
 *  report; throws with the output when there is no report. */
export async function enrollJson(b: DeviceBuild, r: Rig, extra: string[] = [], hostOpts: string[] = [], timeoutMs = 60_000) {
  const res = await runCommand("wasm3", [...b.hostArgs, ...hostOpts, "--store", r.store, "enroll", "--json", "--ack-timeout", "300", ...extra, `coap://127.0.0.1:${r.server.port}`], { timeoutMs });
  const line = res.stdout.trim().split("\n").pop() ?? "";
  let rep: any;
  try { rep = JSON.parse(line); } catch { throw new Error(`no JSON report (exit ${res.code}): ${res.stdout}\n${res.stderr}`); }
  return { ...res, rep };
}
