// The HIL runner's serial path (tools/hil/run.ts --board serial PORT --reset-cmd --flash-cmd), the one an
// nRF52840 DK on its USB serial port takes, run against QEMU: the mps2-an386 firmware in --console mode speaks
// the DK's SLIP console (HELLO, CMD, OUT, LOG, EXIT frames), tools/hil/qemu_tty.py puts it behind a pty, and
// tools/hil/qemu-serial-board.sh stands in for nrfjprog (reset = restart QEMU on the same flash file; program
// = objcopy the runner's Intel HEX into that file). So the runner's tty handling, its HELLO/EXIT protocol, its
// power cuts through --reset-cmd, and the key store programmed from Intel HEX are all exercised here.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers/hosts.js";

const ELF = join(ROOT, "build/mps2-an386.elf");
const why = spawnSync("qemu-system-arm", ["--version"]).status !== 0 ? "qemu-system-arm is not installed"
  : spawnSync("arm-none-eabi-objcopy", ["--version"]).status !== 0 ? "arm-none-eabi-objcopy is not installed"
  : !existsSync(ELF) ? "the firmware is not built (npm run build:mps2)" : "";
const BOARD = join(ROOT, "tools/hil/qemu-serial-board.sh");

describe.skipIf(why !== "")(`HIL runner, serial path, on QEMU behind a pty${why ? ` — skipped: ${why}` : ""}`, () => {
  let dir = "";
  afterAll(() => {
    if (!dir) return;
    spawnSync("bash", [BOARD, "down", dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("enrolls, re-enrolls after a reset and survives power cuts, driven through a serial port", () => {
    dir = mkdtempSync(join(tmpdir(), "hil-serial-"));
    const up = spawnSync("bash", [BOARD, "up", dir], { encoding: "utf8" });
    expect(up.status, up.stderr).toBe(0);
    expect(realpathSync(join(dir, "tty"))).toMatch(/^\/dev\/pts\/\d+$/);
    const work = join(dir, "work");
    const r = spawnSync("npx", ["tsx", "tools/hil/run.ts", "--board", "serial", join(dir, "tty"),
      "--reset-cmd", `bash ${BOARD} reset ${dir}`, "--flash-cmd", `bash ${BOARD} flash ${dir} {hex}`,
      "--scenarios", "first-enrollment,reenroll-after-reset,power-cut", "--work", work],
    { cwd: ROOT, encoding: "utf8", timeout: 400_000 });
    expect(r.stderr).not.toMatch(/hil: /);
    expect(r.stdout, r.stdout + r.stderr).toMatch(/3 passed, 0 failed, 0 skipped/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`HIL on serial ${join(dir, "tty")}`);
    // The stats line came through LOG frames whole: the figures are numbers, as on the QEMU path.
    const first = /PASS first-enrollment.*\n\s+(.*)/.exec(r.stdout)![1];
    expect(first).toMatch(/round_trips=2 /);
    expect(first).toMatch(/heap_high_water=\d{6} stack_high_water=\d+ /);
    expect(first).toMatch(/code_pages=\d+ code_pages_peak=\d+ code_page_bytes=1024 code_drops=\d+ compiled_functions=\d+ /);
    expect(Number(/ram=(\d+)/.exec(first)![1])).toBeLessThanOrEqual(256 * 1024); // the nRF52840's RAM
    expect(r.stdout).toMatch(/PASS reenroll-after-reset .*1 round trip/);
    const cuts = /PASS power-cut\s+[\d.]+ s\s+10 power cycles \((\d+) during the command\), each enrolled after power back/.exec(r.stdout)!;
    expect(cuts, r.stdout).not.toBeNull();
    expect(Number(cuts[1])).toBeGreaterThanOrEqual(3); // at least the three cuts inside EDHOC and the combined request
    // The firmware ran in console mode: it announced itself and its logs were mirrored by semihosting.
    const qlog = readFileSync(join(dir, "qemu.log"), "utf8");
    const boots = (qlog.match(/est-board: stats: board mps2-an386/g) ?? []).length;
    expect(boots).toBeGreaterThanOrEqual(2 + 10 - Number(cuts[1]) + 10);
    // Every power-up went through --reset-cmd, which returns only once the new QEMU's UART reached the relay:
    // one per enrollment command (2 + 10 cut runs + 10 after power back) and one per cut that hit.
    expect(Number(readFileSync(join(dir, "connections"), "utf8"))).toBe(2 + 10 + 10 + Number(cuts[1]));
    const xml = readFileSync(join(work, "junit.xml"), "utf8");
    expect(xml).toMatch(/<testsuite name="hil serial [^"]*" tests="3" failures="0" skipped="0"/);
  }, 420_000);
});
