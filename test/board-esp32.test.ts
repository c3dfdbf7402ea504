// The ESP32 port's own code (boards/esp32: board_esp32.c, module_source.c) compiled with gcc and run on Linux,
// against stand-ins for the six ESP-IDF headers it uses (boards/esp32/test/fake-idf; NVS kept in a file
// between runs, as flash between boots). The ESP-IDF toolchain cannot be installed here; this proves the
// board code the ESP32 build compiles: its sockets (plain POSIX, lwIP's API), its NVS key store, the module
// found in a partition image by its length, and a whole enrollment through them.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStore } from "../host/node/store.js";
import { EstServer } from "../tools/server/est.js";
import { provision, RECORDS } from "../tools/provision.js";
import { nvsCsv, writeFakeNvs } from "../tools/device-image.js";
import { ROOT, tempDir } from "./helpers/hosts.js";

const W3 = join(ROOT, "build/third_party/wasm3");
const BIN = join(ROOT, "build/esp32-linux/esp32-linux");
const why = spawnSync("gcc", ["--version"]).status !== 0 ? "gcc is not installed"
  : !existsSync(join(W3, "wasm3.h")) ? "wasm3 is not fetched (bash tools/fetch-wasm3.sh)"
  : !existsSync(join(ROOT, "build/client.wasm")) ? "build/client.wasm is missing (npm run build:wasm)" : "";

/** tools/build-esp32-linux.sh: the board code with -Werror, against the ESP-IDF stand-ins. */
function build() {
  execFileSync("bash", [join(ROOT, "tools/build-esp32-linux.sh")], { stdio: "pipe" });
}

function readNvs(b: Buffer): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (let o = 0; o + 20 <= b.length;) {
    const key = b.subarray(o, o + 16).toString().replace(/\0.*$/, ""), n = b.readUInt32LE(o + 16);
    m.set(key, b.subarray(o + 20, o + 20 + n));
    o += 20 + n;
  }
  return m;
}

function run(args: string[], nvs: string, module = "build/client.wasm", env: Record<string, string> = {}) {
  const r = spawnSync(BIN, [join(ROOT, module), ...args], { encoding: "utf8", env: { ...process.env, EST_FAKE_NVS: nvs, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** Asynchronously, so that the development server in this process can answer. */
function runAsync(args: string[], nvs: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(BIN, [join(ROOT, "build/client.wasm"), ...args], { env: { ...process.env, EST_FAKE_NVS: nvs } });
    let stdout = "", stderr = "";
    c.stdout.on("data", (d) => (stdout += d));
    c.stderr.on("data", (d) => (stderr += d));
    const t = setTimeout(() => c.kill("SIGKILL"), 60_000);
    c.on("close", (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
  });
}

describe("provisioning an ESP32: the NVS CSV of tools/device-image.ts", () => {
  const py = join(ROOT, "build/venv/bin/python");
  it("is accepted by Espressif's nvs_partition_gen (PyPI esp-idf-nvs-partition-gen), whose image holds every record", () => {
    const dir = tempDir("esp32-nvs-");
    const sim = join(dir, "sim.keystore");
    provision({ serverDir: join(dir, "server"), store: sim });
    const records = parseStore(new Uint8Array(readFileSync(sim))).map((r) => ({ id: r.id, data: r.raw.subarray(12) }));
    const csv = nvsCsv(records);
    expect(csv.split("\n")[1]).toBe("est,namespace,,");
    writeFileSync(join(dir, "nvs.csv"), csv);
    const r = spawnSync(py, ["-m", "esp_idf_nvs_partition_gen", "generate", join(dir, "nvs.csv"), join(dir, "nvs.bin"), "0x6000"], { encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const img = readFileSync(join(dir, "nvs.bin"));
    expect(img.length).toBe(0x6000);
    for (const { id, data } of records) {
      expect(img.includes(Buffer.from(`r${id.toString(16).padStart(4, "0")}\0`)), `key of record ${id}`).toBe(true);
      expect(img.includes(Buffer.from(data)), `data of record ${id}`).toBe(true);
    }
  });
});

describe.skipIf(why !== "")(`ESP32 board code on Linux${why ? ` — skipped: ${why}` : ""}`, () => {
  it("compiles without warnings and passes the simulator module's selftest (RNG, clock, timers, NVS key store)", () => {
    build();
    const nvs = join(tempDir("esp32-"), "nvs.bin");
    // The simulator module's heap top (63 KiB) is above the component's default of 48 KiB of linear memory.
    const r = run(["selftest"], nvs, "build/sim.wasm", { EST_MEMORY_BYTES: "65536" });
    expect(r.stdout).toMatch(/self-test passed/);
    expect(r.code).toBe(0);
    // With the default it is refused at load, saying why, instead of trapping later.
    const small = run(["selftest"], nvs, "build/sim.wasm");
    expect(small.code).toBe(3);
    expect(small.stderr).toMatch(/module initialisation trapped.*\(the board allocates only 49152 bytes of linear memory\)/);
  }, 120_000);

  it("finds the module's length in a partition image and refuses a truncated module", () => {
    const dir = tempDir("esp32-");
    const cut = join(dir, "cut.wasm");
    writeFileSync(cut, readFileSync(join(ROOT, "build/client.wasm")).subarray(0, 5000));
    const r = spawnSync(BIN, [cut, "status"], { encoding: "utf8" });
    expect(r.status).toBe(3);
    const ok = spawnSync(BIN, [join(ROOT, "build/client.wasm"), "status"], { encoding: "utf8", env: { ...process.env, EST_FAKE_NVS: join(dir, "nvs.bin") } });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe("not enrolled\n");
  });

  it("enrolls over real UDP with the NVS key store, and re-enrolls after a restart (state kept in NVS)", async () => {
    const dir = tempDir("esp32-enroll-");
    const server = await EstServer.start({ dir: join(dir, "server") });
    try {
      const sim = join(dir, "sim.keystore");
      provision({ serverDir: join(dir, "server"), store: sim });
      const nvs = join(dir, "nvs.bin");
      writeFakeNvs(sim, nvs);
      const uri = `coap://127.0.0.1:${server.port}`;
      const first = await runAsync(["enroll", "--json", uri], nvs);
      const rep = JSON.parse(first.stdout.trim().split("\n").pop() ?? "{}");
      expect(rep.ok, first.stderr).toBe(true);
      expect(rep.resource).toBe("sen");
      const cert = new X509Certificate(rep.certificate_pem);
      expect(cert.verify(new X509Certificate(readFileSync(join(dir, "server/ca/ca.der"))).publicKey)).toBe(true);
      const stored = readNvs(readFileSync(nvs));
      expect(stored.get(`r${RECORDS.ENROLLMENT.toString(16).padStart(4, "0")}`)?.includes(cert.raw)).toBe(true);
      const second = await runAsync(["enroll", "--json", uri], nvs); // a new process: the device restarted
      const rep2 = JSON.parse(second.stdout.trim().split("\n").pop() ?? "{}");
      expect(rep2.ok, second.stderr).toBe(true);
      expect(rep2.resource).toBe("sren");
      expect(rep2.round_trips).toBe(1);
    } finally { await server.stop(); }
  }, 120_000);
});
