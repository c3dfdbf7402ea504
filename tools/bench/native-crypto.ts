// Cortex-M4 figures of the native crypto provider (mbedTLS 3.5.1 + p256-m behind the `crypto` import):
// instructions per operation on QEMU's mps2-an386 with -icount shift=0 (one virtual nanosecond per instruction,
// as tools/hil/run.ts --icount counts them), and the flash and RAM the provider adds to the firmware.
// Prints a table (or --json: one object); asserts nothing.
//   npm run bench:native-crypto [-- --json] [-- --everest]   (--everest: X25519 from HACL*, tools/build-mbedtls.sh)
//
// Instructions: tools/bench/native-crypto/bench_main.c, median of 5 runs, in steps of 40 (the 25 MHz SysTick).
// Flash and RAM: build/mps2-an386-native.elf (CRYPTO=native) less build/mps2-an386.elf (the portable build,
// whose crypto import is the none provider), both from tools/build-mps2.sh; text + data is flash, data + bss
// static RAM. Each firmware embeds its own module (build/client-native.wasm, build/client.wasm), so the flash
// the provider adds is the difference less the modules' sizes. (The firmware is linked with link-time
// optimization, so the provider's own objects have no size before the link.) The provider's heap and stack peaks come from the benchmark firmware (heap.c's high-water mark,
// the painted stack), for the whole run.
import { execFileSync, spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const json = process.argv.includes("--json");
const everest = process.argv.includes("--everest");
const variant: Record<string, string> = everest ? { X25519: "everest" } : {};
const INTERPRETED_ECDH = 97e6; // one P-256 ECDH in the module under wasm3 on the emulated nRF52840 (issue 17)

const sh = (cmd: string, env: Record<string, string> = {}) =>
  execFileSync("bash", ["-c", cmd], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });

sh("bash tools/bench/native-crypto/build.sh >/dev/null", variant);
const q = spawnSync("qemu-system-arm", ["-icount", "shift=0", "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
  "-semihosting-config", "enable=on,target=native", "-kernel", "build/bench-native-crypto.elf"], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
if (q.status !== 0) throw new Error(`benchmark firmware exited ${q.status}: ${q.stderr}`);
const ops: Record<string, number> = JSON.parse(q.stdout.trim().split("\n").at(-1)!);

if (!process.env.SKIP_FIRMWARE) {
  sh("bash tools/build-mps2.sh >/dev/null");
  sh("bash tools/build-mps2.sh >/dev/null", { CRYPTO: "native", ...(everest ? { ...variant, VARIANT: "everest" } : {}) });
}
const size = (elf: string) => {
  const [text, data, bss] = sh(`arm-none-eabi-size ${elf}`).trim().split("\n")[1].trim().split(/\s+/).map(Number);
  return { text, data, bss };
};
const portable = size("build/mps2-an386.elf"), native = size(`build/mps2-an386-native${everest ? "-everest" : ""}.elf`);
const module = { portable: statSync(resolve(ROOT, "build/client.wasm")).size, native: statSync(resolve(ROOT, "build/client-native.wasm")).size };
const result = {
  x25519: everest ? "everest (HACL*)" : "mbedTLS Curve25519",
  instructions: Object.fromEntries(Object.entries(ops).filter(([k]) => !k.endsWith("high_water"))),
  provider_flash_bytes: native.text + native.data - module.native - (portable.text + portable.data - module.portable),
  provider_static_ram_bytes: native.data + native.bss - (portable.data + portable.bss),
  provider_heap_high_water: ops.heap_high_water,
  provider_stack_high_water: ops.stack_high_water,
  firmware_flash_bytes: { portable: portable.text + portable.data, native: native.text + native.data },
  module_bytes: module,
  ecdh_speedup_vs_interpreted: +(INTERPRETED_ECDH / ops.p256_ecdh).toFixed(1),
};
if (json) {
  console.log(JSON.stringify(result));
} else {
  const M = (n: number) => `${(n / 1e6).toFixed(2).padStart(7)} M`;
  const K = (n: number) => `${(n / 1e3).toFixed(1).padStart(7)} k`;
  const names: Record<string, string> = {
    p256_keygen: "P-256 key generation", p256_ecdh: "P-256 ECDH (65-byte peer)", p256_ecdh_x_only: "P-256 ECDH (32-byte x, decompressed)",
    es256_sign: "ES256 sign (digest)", es256_verify: "ES256 verify (digest)", x25519_keygen: "X25519 key generation",
    x25519_ecdh: "X25519 ECDH", sha256_1k: "SHA-256 of 1 KiB", hmac_sha256_1k: "HMAC-SHA-256 of 1 KiB",
    hkdf_sha256_32: "HKDF-SHA-256, 32 bytes out", aes_ccm_seal_1k: "AES-CCM-16-64-128 seal, 1 KiB", aes_ccm_open_1k: "AES-CCM-16-64-128 open, 1 KiB",
  };
  console.log(`native crypto provider on the emulated Cortex-M4 (QEMU mps2-an386, -icount shift=0; median of 5; X25519: ${result.x25519})`);
  for (const [k, v] of Object.entries(result.instructions)) console.log(`  ${(names[k] ?? k).padEnd(40)} ${v >= 1e6 ? M(v) : K(v)} instructions`);
  console.log(`  P-256 ECDH interpreted by wasm3 (issue 17)  ${M(INTERPRETED_ECDH)} instructions: native is ${result.ecdh_speedup_vs_interpreted}x fewer`);
  console.log(`  flash the provider adds (text + data)      ${result.provider_flash_bytes} bytes (firmware ${portable.text + portable.data} -> ${native.text + native.data}, of it the module ${module.portable} -> ${module.native})`);
  console.log(`  static RAM it adds (data + bss)            ${result.provider_static_ram_bytes} bytes; heap high-water ${result.provider_heap_high_water} bytes, stack high-water ${result.provider_stack_high_water} bytes (whole benchmark)`);
}
