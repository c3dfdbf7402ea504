// The certificate's life cycle on the emulated board, through the HIL runner (tools/hil/run.ts, scenarios
// boot-maintain, lifecycle, app-power-cut): the test firmware's boot path enrolls once the key store names a
// server and then finds nothing due; the example application (examples/mps2-sensor, on the firmware C API)
// gets certificates valid for 45 s, reports readings to /sensor under OSCORE and renews with /sren by itself
// at two thirds of the validity; cut off at ten points of its life (EDHOC, storing the certificate, a
// reading, storing a renewed one) it leaves the old or the new enrollment each time and then goes on.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/hosts.js";

const ELF = join(ROOT, "build/mps2-an386.elf"), APP = join(ROOT, "build/mps2-an386-sensor.elf");
const why = spawnSync("qemu-system-arm", ["--version"]).status !== 0 ? "qemu-system-arm is not installed"
  : !existsSync(ELF) || !existsSync(APP) ? "the firmware is not built (npm run build:mps2 and build:mps2-sensor)" : "";

describe.skipIf(why !== "")(`the life cycle on QEMU${why ? ` — skipped: ${why}` : ""}`, () => {
  it("enrolls at boot, renews by itself when due, and survives power cuts", () => {
    const work = mkdtempSync(join(tmpdir(), "hil-life-"));
    const r = spawnSync("npx", ["tsx", "tools/hil/run.ts", "--board", "qemu", "--work", work, "--scenarios", "boot-maintain,lifecycle,app-power-cut"],
      { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
    expect(r.stdout + r.stderr).toMatch(/3 passed, 0 failed, 0 skipped/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/PASS boot-maintain .*boot 1: maintain enrolled \(OK\).*boot 2: maintain nothing due \(OK\)/);
    const life = /PASS lifecycle .*enrolled, (\d+) reading\(s\), renewed (-?\d+) s after the renewal time, then (\d+) reading\(s\)/.exec(r.stdout)!;
    expect(Number(life[1])).toBeGreaterThanOrEqual(1);
    expect(Number(life[2])).toBeGreaterThanOrEqual(-1);
    expect(Number(life[3])).toBeGreaterThanOrEqual(1);
    const cuts = /PASS app-power-cut\s+[\d.]+ s\s+(\d+) cuts, the store intact after each; then (.*) and (\d+) reading/.exec(r.stdout)!;
    expect(Number(cuts[1])).toBe(10);
    expect(cuts[2]).toMatch(/renewed/);
    // Some cuts left the state before the enrollment, some the enrollment; a renewal cut late enough left a new one.
    expect(r.stdout).toMatch(/: no enrollment\n/);
    const serials = new Set([...r.stdout.matchAll(/enrolled \(serial (\w+)\)/g)].map((m) => m[1]));
    expect(serials.size).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(work, "junit.xml"), "utf8")).toMatch(/tests="3" failures="0" skipped="0"/);
  }, 620_000);
});
