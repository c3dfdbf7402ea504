// The ESP-IDF component (components/est_client) and the example application on it (examples/esp32-sensor):
//  - Espressif's IDF Component Manager (compote, hash-pinned in tools/interop/requirements.txt) packs the
//    component with its sources (tools/esp-component.sh) without the network, and refuses a broken manifest;
//  - the example, compiled for Linux against the ESP-IDF stand-ins (tools/build-esp32-linux.sh), finds the
//    server URI in its provisioned NVS, enrolls and reports readings to /sensor under OSCORE, then stops.
// ESP-IDF itself cannot be installed here: the component's CMakeLists.txt has not run under idf.py.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStore } from "../host/node/store.js";
import { EstServer } from "../tools/server/est.js";
import { provision } from "../tools/provision.js";
import { ROOT, tempDir } from "./helpers/hosts.js";

const COMPOTE = join(ROOT, "build/venv/bin/compote");
/** No network for compote: a proxy that refuses every connection. */
const OFFLINE = { ...process.env, HTTP_PROXY: "http://127.0.0.1:9", HTTPS_PROXY: "http://127.0.0.1:9", http_proxy: "http://127.0.0.1:9", https_proxy: "http://127.0.0.1:9" };

describe("the est_client ESP-IDF component", () => {
  it("packs offline with the sources it builds from, and compote refuses a broken manifest", () => {
    const archive = execFileSync("bash", [join(ROOT, "tools/esp-component.sh")], { cwd: ROOT, encoding: "utf8", env: OFFLINE, timeout: 300_000 }).trim().split("\n").pop()!;
    expect(archive).toBe("build/esp-component/dist/est_client_0.1.0.tgz");
    const files = execFileSync("tar", ["-tzf", join(ROOT, archive)], { encoding: "utf8" }).split("\n").map((f) => f.replace(/^\.\//, ""));
    for (const f of ["idf_component.yml", "CMakeLists.txt", "Kconfig", "README.md", "include/est_client_esp32.h", "est_client_esp32.c",
      "src/host/est_client.c", "src/host/include/est_client.h", "src/boards/esp32/board_esp32.c", "src/wasm3/wasm3.h", "src/wasm3/LICENSE", "src/client.wasm"])
      expect(files, f).toContain(f);
    // The packed module is the device module, byte for byte.
    const packed = execFileSync("tar", ["-xzOf", join(ROOT, archive), "./src/client.wasm"]);
    expect(packed.equals(readFileSync(join(ROOT, "build/client.wasm")))).toBe(true);
    // compote checks the manifest: a bad version string stops it.
    const bad = tempDir("compote-bad-");
    writeFileSync(join(bad, "idf_component.yml"), 'version: "1.x.0"\ndescription: "broken"\n');
    writeFileSync(join(bad, "CMakeLists.txt"), "idf_component_register()\n");
    const r = spawnSync(COMPOTE, ["component", "pack", "--name", "bad", "--dest-dir", join(bad, "dist")], { cwd: bad, encoding: "utf8", env: OFFLINE });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Invalid field "version"/);
    expect(existsSync(join(bad, "dist"))).toBe(false);
  }, 300_000);

  it("runs the example application on Linux: enrolls, reports readings under OSCORE", async () => {
    execFileSync("bash", [join(ROOT, "tools/build-esp32-linux.sh")], { stdio: "pipe" });
    const dir = tempDir("esp32-sensor-");
    const server = await EstServer.start({ dir: join(dir, "server") });
    try {
      const store = join(dir, "device.keystore");
      const { kid } = provision({ serverDir: join(dir, "server"), store, serverUri: `coap://127.0.0.1:${server.port}` });
      // The stand-in NVS file (boards/esp32/test/fake_idf.c): per record a 16-byte key "r%04x", a 4-byte length, the blob.
      const nvs = Buffer.concat(parseStore(new Uint8Array(readFileSync(store))).flatMap((r) => {
        const key = Buffer.alloc(16); key.write(`r${r.id.toString(16).padStart(4, "0")}`);
        const len = Buffer.alloc(4); len.writeUInt32LE(r.raw.length - 12);
        return [key, len, Buffer.from(r.raw.subarray(12))];
      }));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "nvs.bin"), nvs);
      const out = await new Promise<string>((resolve, reject) => {
        const c = spawn(join(ROOT, "build/esp32-linux/esp32-sensor"), [], {
          env: { ...process.env, EST_FAKE_NVS: join(dir, "nvs.bin"), EST_FAKE_MODULE: join(ROOT, "build/client.wasm") }, stdio: ["ignore", "pipe", "pipe"],
        });
        let o = "", e = "";
        c.stdout.setEncoding("utf8").on("data", (d) => (o += d));
        c.stderr.setEncoding("utf8").on("data", (d) => (e += d));
        const t = setTimeout(() => c.kill("SIGKILL"), 60_000);
        c.on("close", (code) => { clearTimeout(t); code === 0 ? resolve(o) : reject(new Error(`esp32-sensor exited ${code}:\n${o}\n${e}`)); });
      });
      const ev = out.trim().split("\n").map((l) => JSON.parse(l));
      expect(ev[0]).toMatchObject({ event: "maintain", status: "OK", action: "enrolled" });
      expect(ev.filter((e) => e.event === "reading").map((e) => [e.status, e.response])).toEqual([["OK", expect.stringMatching(/^stored \d+ bytes$/)], ["OK", expect.stringMatching(/^stored \d+ bytes$/)]]);
      expect(ev.at(-1)).toEqual({ event: "done", readings: 2 });
      const mine = server.events.filter((e) => e.kid === kid);
      expect(mine.filter((e) => e.kind === "enroll").length).toBe(1);
      expect(mine.filter((e) => e.kind === "sensor").map((e) => e.detail)).toEqual([expect.stringMatching(/^reading uptime=\d+s$/), expect.stringMatching(/^reading uptime=\d+s$/)]);
    } finally { await server.stop(); }
  }, 120_000);
});
