// Run a device module's start function at build time, so a board does not pay for it in RAM.
//
//   tsx tools/preinit-module.ts build/client.wasm build/client-native.wasm
//
// The module's start function (AssemblyScript's static initialisers: it allocates every buffer and object
// once, then never again) calls no import, so its whole effect is a set of memory bytes and global values
// that are the same on every board. binaryen's wasm-ctor-eval (from the binaryen package that
// assemblyscript pins) runs it and writes that effect into the module: the objects become data, the globals
// get their final values as initialisers, and `_start` stays exported with an empty body (hosts call it as
// before). wasm-opt then turns every global that nothing writes any more into the constant it holds
// (--simplify-globals-optimizing) and drops the functions only the start function called.
//
// Why: wasm3 keeps a 32-byte record per global and a 56-byte record per function in the board's heap for
// as long as the module is loaded (on a 32-bit board), and most of the module's globals only held the address
// of something `_start` allocated. Measured on the emulated nRF52840 (native-crypto module, first
// enrollment): 148 -> 69 globals, 371 -> 349 functions, heap high-water 103,732 -> 98,500 B. The price is
// code size: an i32.const of an address is 2 bytes longer than the global.get it replaces (+371 B).
//
// The file is rewritten in place (and its text form beside it, when there is one). A start function that
// could not be evaluated to the end (one day it calls an import) is not an error: wasm-ctor-eval keeps what
// it could not run, and this script says so.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
// The features asc emits by default; wasm-ctor-eval validates without them otherwise.
const FEATURES = ["--enable-bulk-memory", "--enable-bulk-memory-opt", "--enable-sign-ext", "--enable-mutable-globals"];

/** Counts of the sections that cost a board RAM per entry: functions (defined), globals. */
function counts(file: string): { functions: number; globals: number } {
  const b = readFileSync(file);
  let p = 8;
  const u = (): number => { let r = 0, s = 0, x: number; do { x = b[p++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return r; };
  let functions = 0, globals = 0;
  while (p < b.length) {
    const id = b[p++]; const len = u(); const end = p + len;
    if (id === 3) functions = u();
    else if (id === 6) globals = u();
    p = end;
  }
  return { functions, globals };
}

function run(tool: string, args: string[]): string {
  return execFileSync(join(BIN, tool), args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function preinit(file: string): void {
  const before = { bytes: statSync(file).size, ...counts(file) };
  const evaluated = file + ".ctor.wasm";
  const out = file + ".preinit.wasm";
  try {
    const log = run("wasm-ctor-eval", [file, ...FEATURES, "--ctors=_start", "--kept-exports=_start", "-o", evaluated]);
    // wasm-ctor-eval says "...success on _start." when it ran the whole function.
    const whole = /success on _start/.test(log);
    run("wasm-opt", [evaluated, ...FEATURES, "--simplify-globals-optimizing", "--remove-unused-module-elements", "-o", out]);
    renameSync(out, file);
    const wat = file.replace(/\.wasm$/, ".wat");
    if (existsSync(wat)) run("wasm-dis", [file, "-o", wat]);
    const after = { bytes: statSync(file).size, ...counts(file) };
    console.log(`preinit ${file}: _start ${whole ? "evaluated at build time" : "evaluated in part (it calls an import): the rest runs at load"}; ` +
      `globals ${before.globals} -> ${after.globals}, functions ${before.functions} -> ${after.functions}, ${before.bytes} -> ${after.bytes} bytes`);
  } finally {
    rmSync(evaluated, { force: true });
    rmSync(out, { force: true });
  }
}

const files = process.argv.slice(2);
if (files.length === 0) { console.error("usage: tsx tools/preinit-module.ts module.wasm..."); process.exit(2); }
for (const f of files) preinit(f);
