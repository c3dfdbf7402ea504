// boards/common/libc_small.c, the microcontroller firmware's small snprintf/vsnprintf, strcmp, strncmp and
// strchr (in place of newlib-nano's), held to the host's C library (test/libc/libc_small_test.c) on 64-bit
// and on 32-bit x86 (the Cortex-M's sizes of long, size_t and pointers); and every format string the
// firmware's C sources hold is one whose conversions it does.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers/hosts.js";

const ROOT = resolve(import.meta.dirname, "..");
const RENAME = ["vsnprintf", "snprintf", "strcmp", "strncmp", "strchr"].map((f) => `-D${f}=small_${f}`);

function build(bits: 64 | 32): string {
  const dir = tempDir(`libc-small-${bits}-`), m = bits === 32 ? ["-m32"] : [];
  execFileSync("gcc", [...m, "-O1", "-Wall", "-Wextra", "-Werror", "-fno-builtin", ...RENAME, "-c", "boards/common/libc_small.c",
    "-o", join(dir, "small.o")], { cwd: ROOT });
  execFileSync("gcc", [...m, "-O1", "-Wall", "-Wno-format", "-Wno-format-truncation", "test/libc/libc_small_test.c", join(dir, "small.o"),
    "-o", join(dir, "t")], { cwd: ROOT });
  return join(dir, "t");
}

describe("the firmware's small C library functions", () => {
  for (const bits of [64, 32] as const) {
    it(`format and compare as the host's C library does (${bits}-bit)`, () => {
      const r = spawnSync(build(bits), { encoding: "utf8" });
      expect(r.stdout).toMatch(/^\d+ cases, 0 differ\n$/m);
      expect(Number(/(\d+) cases/.exec(r.stdout)![1])).toBeGreaterThan(60_000);
      expect(r.status).toBe(0);
    });
  }

  it("does every conversion the firmware's C sources use", () => {
    const dirs = ["host", "boards/common", "boards/mps2-an386", "boards/nrf52840"];
    const specs = new Set<string>();
    for (const d of dirs) for (const f of readdirSync(join(ROOT, d)).filter((n) => n.endsWith(".c"))) {
      // string literals outside inline assembly (whose %0 are operands)
      const src = readFileSync(join(ROOT, d, f), "utf8").split("\n").filter((l) => !l.includes("__asm")).join("\n");
      for (const lit of src.match(/"(?:[^"\\\n]|\\.)*"/g) ?? []) for (const s of lit.match(/%[^a-zA-Z%]*[a-zA-Z%]+/g) ?? []) specs.add(s);
    }
    expect(specs.size).toBeGreaterThan(10);
    const done = /^%[-0]*(\d+|\*)?(\.(\d+|\*))?(hh|h|ll|l|z)?[diuxXcs%]/;
    expect([...specs].filter((s) => !done.test(s))).toEqual([]);
  });
});
