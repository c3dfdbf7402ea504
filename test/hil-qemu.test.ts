// The HIL runner (tools/hil/run.ts) on the emulated board: QEMU mps2-an386 with the UART as a SLIP link to the
// bridge, the key store's flash in a file, every scenario (first enrollment, re-enrollment after a reset, a
// slow server, 20% loss at the bridge, 25% of the datagrams to the device corrupted, power cuts). It checks the runner's exit code, its JUnit XML, and the
// figures it prints. The firmware is the one held to the nRF52840's 256 KiB of RAM: an enrollment fits there
// because wasm3 keeps the compiled code of one step at a time (boards/mps2-an386/README.md).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/hosts.js";

// Both firmware builds: portable (the module does its cryptography; npm run build:mps2) and native-crypto
// (mbedTLS + p256-m behind the crypto import, keys kept in the board's flash store; npm run build:mps2-native).
const FIRMWARE = [
  { name: "portable", elf: join(ROOT, "build/mps2-an386.elf"), build: "npm run build:mps2", ed25519: true },
  { name: "native-crypto", elf: join(ROOT, "build/mps2-an386-native.elf"), build: "npm run build:mps2-native", ed25519: false },
];
const noQemu = spawnSync("qemu-system-arm", ["--version"]).status !== 0;

for (const fw of FIRMWARE) {
const ELF = fw.elf;
const why = noQemu ? "qemu-system-arm is not installed" : !existsSync(ELF) ? `the firmware is not built (${fw.build})` : "";

describe.skipIf(why !== "")(`HIL runner on QEMU, ${fw.name} firmware${why ? ` — skipped: ${why}` : ""}`, () => {
  it("passes every scenario and writes JUnit XML", () => {
    const work = mkdtempSync(join(tmpdir(), "hil-"));
    const r = spawnSync("npx", ["tsx", "tools/hil/run.ts", "--board", "qemu", "--elf", ELF, "--work", work], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
    expect(r.stderr).not.toMatch(/hil: /);
    expect(r.stdout, r.stdout).toMatch(/6 passed, 0 failed, 0 skipped/);
    expect(r.status).toBe(0);
    // The figures of the first enrollment: two round trips, and the heap it took.
    const first = /PASS first-enrollment.*\n\s+(.*)/.exec(r.stdout)![1];
    expect(first).toMatch(/round_trips=2 /);
    const fig = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(first)![1]);
    // The board's RAM is the nRF52840's, and the heap took no more than the board has: an allocation that
    // failed would have failed the enrollment, so this checks that the figures are the 256 KiB build's.
    expect(fig("ram")).toBeLessThanOrEqual(256 * 1024);
    // A real figure: the heap holds at least the module's linear memory (35,872 B native-crypto, 49,024 B
    // portable) and wasm3's records of its functions (56 B each on a 32-bit board).
    expect(fig("heap_high_water")).toBeGreaterThan(50_000);
    expect(fig("heap_high_water")).toBeLessThan(fig("ram"));
    // The compiled code was dropped between steps, and never held more than a part of the module's code.
    expect(fig("code_drops")).toBeGreaterThanOrEqual(4);
    expect(fig("code_pages_peak") * fig("code_page_bytes")).toBeLessThan(100_000);
    expect(r.stdout).toMatch(/PASS reenroll-after-reset .*1 round trip/);
    expect(r.stdout).toMatch(/PASS loss-20 .*enrollments, all issued, \d+ datagrams lost up and \d+ down/);
    expect(r.stdout).toMatch(/PASS corrupt-25 .*enrollments issued; (\d+) datagrams corrupted on the way, \1 dropped by the device/);
    const cuts = /PASS power-cut\s+[\d.]+ s\s+(\d+) cuts: (\d+) left the provisioned state, (\d+) the new enrollment/.exec(r.stdout)!;
    expect(Number(cuts[1])).toBe(10);
    expect(Number(cuts[2]) + Number(cuts[3])).toBe(Number(cuts[1]));
    const xml = readFileSync(join(work, "junit.xml"), "utf8");
    expect(xml).toMatch(/<testsuite name="hil qemu mps2-an386" tests="6" failures="0" skipped="0"/);
    for (const name of ["first-enrollment", "reenroll-after-reset", "server-delay", "loss-20", "corrupt-25", "power-cut"]) expect(xml).toContain(`name="${name}"`);
  }, 620_000);

  it("enrolls within the same RAM with other methods, suites and X.509 credentials", () => {
    // x5chain both ways carries and checks whole certificates in EDHOC: the largest step of all.
    // (mbedTLS has no Ed25519, and suite 0 enrolls an Ed25519 key: the native-crypto firmware does method 1.)
    for (const cfg of [["--cred", "x5chain"], fw.ed25519 ? ["--method", "0", "--suite", "0"] : ["--method", "1", "--suite", "2"], ["--method", "0", "--suite", "2", "--cred", "x5t"]]) {
      const work = mkdtempSync(join(tmpdir(), "hil-cfg-"));
      const r = spawnSync("npx", ["tsx", "tools/hil/run.ts", "--board", "qemu", "--elf", ELF, "--work", work, "--scenarios", "first-enrollment", ...cfg], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
      expect(r.stdout, `${cfg.join(" ")}: ${r.stdout}${r.stderr}`).toMatch(/1 passed, 0 failed, 0 skipped/);
      const first = /PASS first-enrollment.*\n\s+(.*)/.exec(r.stdout)![1];
      expect(first).toMatch(/round_trips=2 /);
      expect(Number(/ram=(\d+)/.exec(first)![1])).toBeLessThanOrEqual(256 * 1024);
    }
  }, 400_000);
});
}
