// The HIL runner's udp path (tools/hil/run.ts --board udp HOST), the one an ESP32 on Wi-Fi takes, run against
// boards/esp32's own board code built for Linux (tools/build-esp32-linux.sh): tools/hil/linux-esp32-board.sh
// boots it like main/app_main.c (one `enroll --json` per boot, the NVS key store in a file between boots) and
// stands in for esptool (reset = restart it; program = the runner's NVS CSV into that file). The bridge relays
// the board's datagrams through a UDP port, with the same loss injection as on a serial link.
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT } from "./helpers/hosts.js";

const BOARD = join(ROOT, "tools/hil/linux-esp32-board.sh");
const why = spawnSync("gcc", ["--version"]).status !== 0 ? "gcc is not installed"
  : !existsSync(join(ROOT, "build/third_party/wasm3/wasm3.h")) ? "wasm3 is not fetched (bash tools/fetch-wasm3.sh)"
  : !existsSync(join(ROOT, "build/client.wasm")) ? "build/client.wasm is missing (npm run build:wasm)" : "";

/** The board's console, one boot per "--- boot N" line: the JSON report it printed, if any. A power cut can
 *  stop the board in the middle of its report: a line that does not parse is no report (the checks below
 *  require a whole one from every boot after power back). */
function boots(consoleLog: string): { n: number; report?: any }[] {
  const parse = (l: string) => { try { return JSON.parse(l); } catch { return undefined; } };
  return consoleLog.split(/^--- boot /m).slice(1).map((b) => {
    const line = b.split("\n").find((l) => l.startsWith('{"ok":'));
    return { n: Number(b.split("\n")[0]), report: line ? parse(line) : undefined };
  });
}

describe.skipIf(why !== "")(`HIL runner, udp path, on boards/esp32's code under Linux${why ? ` — skipped: ${why}` : ""}`, () => {
  const dirs: string[] = [];
  beforeAll(() => {
    const b = spawnSync("bash", [join(ROOT, "tools/build-esp32-linux.sh")], { encoding: "utf8" });
    expect(b.status, b.stderr).toBe(0);
  }, 300_000);
  afterAll(() => {
    for (const d of dirs) { spawnSync("bash", [BOARD, "down", d]); rmSync(d, { recursive: true, force: true }); }
  });
  const hil = async (dir: string, extra: string[]) => {
    const port = await freePort();
    const uri = `coap://127.0.0.1:${port}/.well-known/est`;
    return spawnSync("npx", ["tsx", "tools/hil/run.ts", "--board", "udp", "127.0.0.1", "--port", String(port),
      "--reset-cmd", `bash ${BOARD} reset ${dir} ${uri}`, "--flash-cmd", `bash ${BOARD} flash ${dir} {csv}`,
      "--work", join(dir, "work"), ...extra], { cwd: ROOT, encoding: "utf8", timeout: 400_000 });
  };

  it("runs every scenario with the board's console: its own reports end the runs and agree with the runner", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hil-udp-")); dirs.push(dir);
    const r = await hil(dir, ["--console-cmd", `tail -n 0 -F ${dir}/console.log 2>/dev/null`]);
    expect(r.stdout, r.stdout + r.stderr).toMatch(/5 passed, 0 failed, 1 skipped/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/PASS first-enrollment .*2 round trips/);
    expect(r.stdout).toMatch(/PASS reenroll-after-reset .*1 round trip/);
    const lost = /PASS loss-20 .*all issued, (\d+) datagrams lost up and (\d+) down/.exec(r.stdout);
    expect(Number(lost?.[1]) + Number(lost?.[2])).toBeGreaterThanOrEqual(4);
    const xml = readFileSync(join(dir, "work/junit.xml"), "utf8");
    expect(xml).toMatch(/name="corrupt-25"[^>]*><skipped message="it tests the SLIP link/);

    // What the board itself printed, boot by boot (the runner never parses this file: it reads the console
    // through --console-cmd).
    const b = boots(readFileSync(join(dir, "console.log"), "utf8"));
    expect(b.length).toBe(Number(readFileSync(join(dir, "boots"), "utf8")));
    const serials = b.filter((x) => x.report?.ok).map((x) => new X509Certificate(x.report.certificate_pem).serialNumber);
    for (const name of ["first-enrollment", "reenroll-after-reset", "server-delay"]) {
      const s = new RegExp(`PASS ${name}\\s.*serial ([0-9A-F]+)`).exec(r.stdout)?.[1];
      expect(serials, name).toContain(s);
    }
    expect(b[0].report).toMatchObject({ ok: true, resource: "sen", edhoc: true, round_trips: 2 });
    expect(b[1].report).toMatchObject({ ok: true, resource: "sren", edhoc: false, round_trips: 1 });
    // The power cuts: a boot without a report for each cut the runner counted as one, and every boot after
    // power back reported an enrollment.
    const cuts = /PASS power-cut\s+[\d.]+ s\s+10 power cycles \((\d+) during the command\)/.exec(r.stdout);
    expect(cuts, r.stdout).not.toBeNull();
    expect(Number(cuts![1])).toBeGreaterThanOrEqual(1); // the cut right after message_1 always lands
    const last20 = b.slice(-20);
    expect(last20.filter((x, i) => i % 2 === 0 && !x.report).length).toBe(Number(cuts![1]));
    expect(last20.filter((x, i) => i % 2 === 1 && x.report?.ok).length).toBe(10);
  }, 420_000);

  it("without a console judges each run from the server and the bridge", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hil-udp-")); dirs.push(dir);
    const r = await hil(dir, ["--scenarios", "first-enrollment,reenroll-after-reset,power-cut", "--quiet-ms", "1500"]);
    expect(r.stdout, r.stdout + r.stderr).toMatch(/3 passed, 0 failed, 0 skipped/);
    // Round trips counted by the bridge (confirmable messages with a new message ID), bytes as relayed.
    expect(r.stdout).toMatch(/PASS first-enrollment .*2 round trips\n.*round_trips=2 bytes_up=\d{3} bytes_down=\d{3} resource=sen/);
    expect(r.stdout).toMatch(/PASS reenroll-after-reset .*1 round trip\(s\)\n.*round_trips=1 bytes_up=\d{3} bytes_down=\d{3} resource=sren/);
    const b = boots(readFileSync(join(dir, "console.log"), "utf8"));
    expect(b.slice(0, 2).map((x) => x.report?.resource)).toEqual(["sen", "sren"]);
    // Without a console every cut counts as one; the board's own reports show that each boot after power
    // back, which the runner judged from the server alone, did enroll.
    expect(r.stdout).toMatch(/PASS power-cut\s+[\d.]+ s\s+10 power cycles \(10 during the command\)/);
    expect(b.length).toBe(22);
    expect(b.slice(2).filter((x, i) => i % 2 === 1 && x.report?.ok).length).toBe(10);
  }, 300_000);
});
