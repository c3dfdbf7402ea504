// Code size of the client module by source file: builds the release module with a name section (same code,
// names kept) and sums the body sizes of the functions each file defines. Prints a table; asserts nothing.
//   npx tsx tools/bench/sizes.ts                                  (the release module)
//   npx tsx tools/bench/sizes.ts test/edhoc/entry.ts edhoc        (another entry and asconfig target)
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const [entry, target] = [process.argv[2] ?? "assembly/app/index.ts", process.argv[3] ?? "release"];
const out = join(ROOT, `build/size/${target}-named.wasm`);
mkdirSync(join(ROOT, "build/size"), { recursive: true });
execFileSync("npx", ["asc", entry, "--target", target, "--debug", "--outFile", out], { cwd: ROOT, stdio: "ignore" });
const dump = execFileSync("wasm-objdump", ["-x", out], { encoding: "utf8", maxBuffer: 64 << 20 });

const byFile = new Map<string, number>();
let total = 0;
for (const m of dump.matchAll(/^ - func\[\d+\] size=(\d+) <([^>]+)>/gm)) {
  const size = Number(m[1]);
  // "assembly/coap/client/CoapClient#onResponse" -> "assembly/coap/client"; "~lib/..." -> "~lib (AssemblyScript std)"
  const name = m[2];
  const file = name.startsWith("~lib") ? "~lib (AssemblyScript runtime)" : name.replace(/\/[^/]*$/, "");
  byFile.set(file, (byFile.get(file) ?? 0) + size);
  total += size;
}
const data = dump.match(/^ *Data\[\d+\]:/m) ? [...dump.matchAll(/^ - segment\[\d+\] memory=0 size=(\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0) : 0;
const rows = [...byFile].sort((a, b) => b[1] - a[1]);
const w = Math.max(...rows.map(([k]) => k.length), 10);
console.log(`${"source".padEnd(w)}  code bytes`);
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${String(v).padStart(10)}`);
console.log(`${"all functions".padEnd(w)}  ${String(total).padStart(10)}`);
console.log(`${"data segments".padEnd(w)}  ${String(data).padStart(10)}`);
const built: string = JSON.parse(readFileSync(join(ROOT, "asconfig.json"), "utf8")).targets[target].outFile;
console.log(`${built.padEnd(w)}  ${String(statSync(join(ROOT, built)).size).padStart(10)} (whole file, as built)`);
