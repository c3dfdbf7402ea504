// The nRF52840 DK image (boards/nrf52840, tools/build-nrf52840.sh) is built in CI; no board is attached here,
// so this checks what can be checked without one: the image fits the chip's flash below the key-store region,
// its vector table points into it, and the Intel HEX file programs exactly the ELF's loadable bytes.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/hosts.js";

const ELF = join(ROOT, "build/nrf52840.elf"), HEX = join(ROOT, "build/nrf52840.hex");
const why = spawnSync("arm-none-eabi-objcopy", ["--version"]).status !== 0 ? "the ARM toolchain is not installed"
  : !existsSync(ELF) ? "the image is not built (npm run build:nrf52840)" : "";

function loadHex(text: string): Map<number, number> {
  const mem = new Map<number, number>();
  let base = 0;
  for (const line of text.trim().split(/\r?\n/)) {
    const b = Buffer.from(line.trim().slice(1), "hex");
    expect(b.reduce((s, x) => s + x, 0) & 0xff).toBe(0);
    const n = b[0], addr = b.readUInt16BE(1), type = b[3], data = b.subarray(4, 4 + n);
    if (type === 0) data.forEach((x, i) => mem.set(base + addr + i, x));
    else if (type === 2) base = data.readUInt16BE(0) * 16;
    else if (type === 4) base = data.readUInt16BE(0) * 65536;
  }
  return mem;
}

describe.skipIf(why !== "")(`nRF52840 DK image${why ? ` — skipped: ${why}` : ""}`, () => {
  it("fits below the key store (0xF8000) and in 256 KiB of RAM with its stack", () => {
    const [text, data, bss] = execFileSync("arm-none-eabi-size", [ELF], { encoding: "utf8" }).split("\n")[1].trim().split(/\s+/).map(Number);
    expect(text + data).toBeLessThanOrEqual(0xf8000);
    expect(data + bss + 16 * 1024).toBeLessThan(256 * 1024);
  });
  it("has a vector table at 0 with the stack at the top of RAM and Thumb handlers in flash", () => {
    const mem = loadHex(readFileSync(HEX, "utf8"));
    const word = (a: number) => [0, 1, 2, 3].reduce((v, i) => v + (mem.get(a + i)! << (8 * i)), 0) >>> 0;
    expect(word(0)).toBe(0x20040000);
    for (const v of [1, 2, 3, 15]) { // reset, NMI, HardFault, SysTick
      const h = word(v * 4);
      expect(h & 1).toBe(1);
      expect(h).toBeLessThan(0xf8000);
    }
    expect([...mem.keys()].every((a) => a < 0xf8000)).toBe(true); // programming it leaves the key store alone
  });
  it("the HEX file holds exactly the ELF's loadable bytes (objcopy -O binary as the reference)", () => {
    const out = join(mkdtempSync(join(tmpdir(), "nrf-")), "image.bin");
    execFileSync("arm-none-eabi-objcopy", ["-O", "binary", ELF, out]);
    const bin = readFileSync(out);
    const mem = loadHex(readFileSync(HEX, "utf8"));
    expect(mem.size).toBe(bin.length);
    let diff = 0;
    for (let i = 0; i < bin.length; i++) if (mem.get(i) !== bin[i]) diff++;
    expect(diff).toBe(0);
  });
});
