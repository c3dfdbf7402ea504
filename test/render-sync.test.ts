// The device module's results and failures leave it as numbers and small values; each host renders them from
// the one message table (assembly/base/messages.txt -> host/est_messages.c, host/node/messages.ts) with its own
// renderer (host/est_render.c, host/node/render.ts). Here the same commands run under both hosts must print
// the same: exit codes, stdout and stderr byte for byte for failures (usage, URI, identity, format, unknown
// command, a command line the device refuses), and for an enrollment, its re-enrollment and `status` (human and
// --json), the same text once the values that differ between two enrollments (serials, keys, times, byte
// counts) are masked.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MESSAGES } from "../host/node/messages.js";
import { boardMessageNames } from "../tools/gen-messages.js";
import { renderEvent } from "../host/node/render.js";
import { EstServer } from "../tools/server/est.js";
import { provision } from "../tools/provision.js";
import { runCommand, tempDir } from "./helpers/hosts.js";

const T = 90_000;

/** Numbers, hex values and PEM masked: what two enrollments of two devices legitimately differ in. */
const mask = (s: string) => s
  .replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, "<PEM>")
  .replace(/[0-9A-Fa-f]{16,}/g, "<HEX>")
  .replace(/\b[0-9A-Fa-f]*\d[0-9A-Fa-f]*\b/g, "N") // hex values with a digit (kids, short serials) as numbers
  .replace(/\d+/g, "N");

describe("both hosts render the device module's results and failures the same", () => {
  let server: EstServer;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir("render-sync-");
    server = await EstServer.start({ dir: join(dir, "server") });
  });
  afterAll(async () => { await server?.stop(); });

  it("every message: the C table's coded texts expand to the Node host's texts", () => {
    const root = resolve(import.meta.dirname, "..");
    const exe = join(tempDir("render-all-"), "render_all");
    execFileSync("gcc", ["-O1", "-Wall", "-Wextra", "-Werror", "-Ihost/include", "test/render/render_all.c", "host/est_render.c",
      "host/est_messages.c", "-o", exe], { cwd: root });
    const lines = execFileSync(exe, { encoding: "utf8" }).trimEnd().split("\n");
    expect(lines.length).toBe(MESSAGES.size);
    let coded = 0;
    for (const line of lines) {
      const [id, text] = line.split("\t");
      // The same record (the id alone: every placeholder "?") through the Node host's renderer.
      const expected = renderEvent(Uint8Array.of(Number(id) & 0xff, Number(id) >> 8));
      expect(text, `message ${id}`).toBe(expected);
      if (/\b(the|certificate|request)\b/.test(expected)) coded++;
    }
    expect(coded).toBeGreaterThan(50); // the common words, the coded ones, are all over the table
  });

  it("a board's table (EST_MESSAGES_DEVICE_ONLY) holds exactly the messages of the modules a board runs, the same texts", () => {
    const root = resolve(import.meta.dirname, "..");
    const exe = join(tempDir("render-device-"), "render_all");
    execFileSync("gcc", ["-O1", "-Wall", "-Wextra", "-Werror", "-DEST_MESSAGES_DEVICE_ONLY", "-Ihost/include", "test/render/render_all.c",
      "host/est_render.c", "host/est_messages.c", "-o", exe], { cwd: root });
    const lines = execFileSync(exe, { encoding: "utf8" }).trimEnd().split("\n");
    const device = boardMessageNames();
    const want = [...MESSAGES].filter(([, m]) => device.has(m.name)).map(([id]) => id);
    expect(want.length).toBeGreaterThan(150);
    expect(want.length).toBeLessThan(MESSAGES.size); // the simulator's own are left out
    expect(lines.map((l) => Number(l.split("\t")[0]))).toEqual(want);
    for (const line of lines) {
      const [id, text] = line.split("\t");
      expect(text, `message ${id}`).toBe(renderEvent(Uint8Array.of(Number(id) & 0xff, Number(id) >> 8)));
    }
    // the simulator's commands are left out; the runtime's, the device's and the test modules' generic TEXT are in
    for (const name of ["M_VEC_USAGE", "M_JSON_OBJECT", "M_COAPCMD_USAGE", "M_SELFTEST_FAILED"]) expect(device.has(name.slice(2))).toBe(false);
    for (const name of ["STATUS", "CRYPTO_CAPS", "REQUEST_USAGE", "TEXT"]) expect(device.has(name), name).toBe(true);
  });

  it("failures: exit code, stdout and stderr byte for byte", async () => {
    const cases = [
      ["status"], ["status", "--json"], ["enroll", "coap://"], ["enroll", "--bogus", "coap://127.0.0.1"],
      ["maintain"], ["enroll", "-B", "1", "coap://127.0.0.1:9"], ["frobnicate"],
      ["enroll", "--format", "c510", "coap://127.0.0.1"], ["enroll", "--pop", "xyz", "coap://127.0.0.1"],
    ];
    for (const c of cases) {
      const ks = join(tempDir("render-sync-ks-"), "ks");
      const [w, v] = [await runCommand("wasm3", ["--store", ks, ...c]), await runCommand("v8", ["--store", ks, ...c])];
      expect({ code: v.code, stdout: v.stdout, stderr: v.stderr }, c.join(" ")).toEqual({ code: w.code, stdout: w.stdout, stderr: w.stderr });
    }
  }, T);

  it("an enrollment, a re-enrollment and status, human and --json: the same text but for the values", async () => {
    const out: Record<string, string[]> = { wasm3: [], v8: [] };
    for (const host of ["wasm3", "v8"] as const) {
      const store = join(tempDir(`render-sync-${host}-`), "ks");
      // One name for both devices, and kids of digits only (0x11, 0x12), so that masking numbers is enough.
      provision({ serverDir: join(dir, "server"), store, name: "render-sync", kid: Uint8Array.of(host === "wasm3" ? 0x11 : 0x12) });
      const uri = `coap://127.0.0.1:${server.port}`;
      for (const args of [["enroll", uri], ["enroll", "--json", uri], ["status"], ["status", "--json"]]) {
        const r = await runCommand(host, ["--store", store, ...args]);
        expect(r.code, `${host} ${args.join(" ")}: ${r.stderr}`).toBe(0);
        out[host].push(mask(r.stdout), mask(r.stderr));
      }
    }
    expect(out.v8).toEqual(out.wasm3);
    // The JSON reports carry the same fields in the same order.
    expect(out.wasm3[2]).toMatch(/^\{"ok":true/);
    expect(out.wasm3[1]).toMatch(/enrolled: N round trips in all; certificate of N bytes stored; subject CN=render-sync/);
    expect(out.wasm3[4]).toMatch(/^enrolled: CN=render-sync, valid /);
  }, T);
});
