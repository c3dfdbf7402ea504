// The emulated board: QEMU's mps2-an386 (Cortex-M4F) running the firmware of boards/mps2-an386 (wasm3 + host/
// + the module in flash), held to the nRF52840's 256 KiB of RAM and 1 MiB of flash. Commands are passed and
// results returned by ARM semihosting. Skipped, with the reason, when QEMU, the ARM toolchain or the firmware
// is missing (tools/build-mps2.sh builds it; CI installs the toolchain).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tempDir } from "./helpers/hosts.js";

const ELF = join(ROOT, "build/mps2-an386.elf");
const has = (cmd: string, arg: string) => spawnSync(cmd, [arg]).status === 0;
const why = !has("qemu-system-arm", "--version") ? "qemu-system-arm is not installed"
  : !has("arm-none-eabi-size", "--version") ? "arm-none-eabi-size (binutils-arm-none-eabi) is not installed"
  : !existsSync(ELF) ? "the firmware is not built (bash tools/build-mps2.sh)" : "";

function run(command: string, qemuArgs: string[] = []) {
  const t0 = Date.now();
  const r = spawnSync("qemu-system-arm", [...qemuArgs, "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
    "-semihosting-config", `enable=on,target=native,arg=${command}`, "-kernel", ELF], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

describe.skipIf(why !== "")(`emulated Cortex-M4F board (mps2-an386)${why ? ` — skipped: ${why}` : ""}`, () => {
  it("fits the nRF52840's 1 MiB of flash: firmware text + data", () => {
    const out = execFileSync("arm-none-eabi-size", [ELF], { encoding: "utf8" }).split("\n")[1].trim().split(/\s+/).map(Number);
    expect(out[0] + out[1]).toBeLessThanOrEqual(1024 * 1024);
  });

  // The module partition (link.ld: MODULE, 256 KiB at 0xB8000; boards/common/module_source.c): QEMU's loader
  // writes a file there, as nrfjprog or a bootloader would on the real board. No firmware rebuild.
  const part = (file: string) => ["-device", `loader,file=${file},addr=0xB8000,force-raw=on`];

  it("runs the device module's `status` under wasm3 within 256 KiB of RAM", () => {
    const v = run("status");
    expect(v.stderr).not.toMatch(/cannot run the module|HardFault|fault/);
    expect(v.code).toBe(0);
    expect(v.stdout).toBe("not enrolled\n");
    // The linear memory kept after start-up is the module's heap top, rounded up to 1 KiB.
    expect(Number(/linear memory (\d+) bytes/.exec(v.stderr)![1])).toBeLessThanOrEqual(48 * 1024);
  }, 70_000);

  it("runs the simulator module's `selftest` from the module partition within 256 KiB of RAM: passes", () => {
    const s = run("selftest", part(join(ROOT, "build/sim.wasm")));
    expect(s.stderr).not.toMatch(/cannot run the module|HardFault|fault/);
    expect(s.stdout).toMatch(/self-test passed/);
    expect(s.code).toBe(0);
    const m = /heap high-water (\d+) bytes.*\(of (\d+) RAM\), stack high-water (\d+) bytes/.exec(s.stderr);
    expect(m).not.toBeNull();
    const [heap, ramAfterData, stack] = [Number(m![1]), Number(m![2]), Number(m![3])];
    expect(heap + stack).toBeLessThanOrEqual(ramAfterData);
    console.log(`mps2-an386 selftest: heap high-water ${heap} B, stack high-water ${stack} B, QEMU wall ${s.ms} ms`);
  }, 70_000);

  it("every module a board runs compiles within the firmware's wasm3 stack-height limit (d_m3MaxFunctionStackHeight)", () => {
    // The eager check build compiles every function of the module at load (the limit is build-mps2.sh's); a
    // function deeper than the limit would stop the load with "cannot run the module ... overran its stack
    // height limit". It needs more than 256 KiB of heap, so it is a 1 MiB build.
    execFileSync("bash", ["tools/build-mps2.sh"], { cwd: ROOT, stdio: "ignore", timeout: 300_000, env: { ...process.env, RAM_KIB: "1024", COMPILE_EAGERLY: "1", CRYPTO: "", VARIANT: "" } });
    const elf = join(ROOT, "build/mps2-an386-1024k-eager.elf");
    for (const m of ["build/client.wasm", "build/client-native.wasm", "build/sim.wasm", "build/abi-probe.wasm", "build/crypto-test.wasm"]) {
      const file = join(ROOT, m);
      const r = spawnSync("qemu-system-arm", [...part(file), "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
        "-semihosting-config", "enable=on,target=native,arg=status", "-kernel", elf], { encoding: "utf8", timeout: 60_000 });
      expect(r.stderr, m).toMatch(new RegExp(`module ${statSync(file).size} bytes from the partition`));
      expect(r.stderr, m).not.toMatch(/cannot run the module/);
      const heap = Number(/heap high-water (\d+) bytes/.exec(r.stderr)?.[1]);
      if (m === "build/client.wasm") expect(heap, "all of the module compiled at once").toBeGreaterThan(256 * 1024);
    }
  }, 320_000);

  it("runs a module written to the module partition instead of the embedded one (an update without a firmware rebuild)", () => {
    const probe = join(ROOT, "build/abi-probe.wasm"); // another module of the same ABI: the ABI test module
    const r = run("status", part(probe));
    expect(r.stderr).toMatch(new RegExp(`module ${statSync(probe).size} bytes from the partition`));
    expect(r.stderr).toMatch(/unknown probe command/); // the probe answered, not the embedded client
    const same = run("status", part(join(ROOT, "build/client.wasm")));
    expect(same.code).toBe(0);
    expect(same.stdout).toBe("not enrolled\n");
    expect(same.stderr).toMatch(/bytes from the partition/);
    const none = run("status");
    expect(none.stderr).toMatch(/bytes from the image/);
  }, 70_000);

  it("refuses a damaged module in the partition with exit code 3 instead of running the embedded one", () => {
    const bad = join(tempDir("mps2-part-"), "bad.wasm");
    const good = readFileSync(join(ROOT, "build/client.wasm"));
    const b = Buffer.from(good.subarray(0, 4000));
    b[9] = 0xff; b[10] = 0xff; b[11] = 0xff; b[12] = 0x7f; // the first section claims more bytes than the partition has
    writeFileSync(bad, b);
    const r = run("status", part(bad));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/module partition \(0xB8000\) holds a damaged module/);
  }, 70_000);
});
