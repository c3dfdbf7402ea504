// Checks a module's bytes against the ABI before instantiation, with the same rules and the same messages as
// host/wasm_check.c: header, section order and bounds, imports (only "board" and "crypto" functions of the ABI
// with their signatures), exactly one memory within the page limit, and every ABI export with its signature.
import { ABI_VERSION, CRYPTO_IMPORTS, CRYPTO_IMPORT_MODULE, EXPORTS, IMPORTS, IMPORT_MODULE } from "./abi.js";

export class ModuleInvalid extends Error {}

class Reader {
  constructor(public b: Uint8Array, public p: number, public end: number) {}
  byte(): number {
    if (this.p >= this.end) throw new ModuleInvalid("");
    return this.b[this.p++];
  }
  u32(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v >>> 0;
    }
    throw new ModuleInvalid("");
  }
  name(): string {
    const n = this.u32();
    if (this.end - this.p < n) throw new ModuleInvalid("");
    const s = Buffer.from(this.b.subarray(this.p, this.p + n)).toString("latin1");
    this.p += n;
    return s;
  }
}

const LETTER: Record<number, string> = { 0x7f: "i", 0x7e: "I", 0x7d: "f", 0x7c: "F" };
const ORDER = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10];

/** Throws ModuleInvalid with a clear message, or returns normally. */
export function checkModule(wasm: Uint8Array, maxPages: number): void {
  if (wasm.length < 8) throw new ModuleInvalid(`file is too short to be a WebAssembly module (${wasm.length} bytes)`);
  if (wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw new ModuleInvalid("not a WebAssembly module (no \\0asm magic)");
  if (wasm[4] !== 1 || wasm[5] || wasm[6] || wasm[7]) throw new ModuleInvalid("unsupported WebAssembly binary version");

  const sigs: string[] = [];
  let nfuncImports = 0;
  let funcTypes: number[] | null = null;
  let haveMemory = false;
  let exports: { name: string; kind: number; idx: number }[] | null = null;
  const r = new Reader(wasm, 8, wasm.length);
  let last = 0;
  const malformed = (what: string) => new ModuleInvalid(what);
  while (r.p < r.end) {
    let id: number, size: number;
    try { id = r.byte(); size = r.u32(); } catch { throw malformed("module is truncated or corrupt (section header)"); }
    if (r.end - r.p < size) throw malformed(`module is truncated or corrupt (section ${id} runs past the end of the file)`);
    const s = new Reader(wasm, r.p, r.p + size);
    r.p += size;
    if (id !== 0) {
      if (id > 12 || ORDER[id] <= last) throw malformed(`module has an unknown or misplaced section (id ${id})`);
      last = ORDER[id];
    }
    try {
      if (id === 1) {
        const n = s.u32();
        if (n > 256) throw malformed("type section is malformed or too large");
        for (let i = 0; i < n; i++) {
          if (s.byte() !== 0x60) throw malformed("type section is malformed or too large");
          const np = s.u32();
          if (np > 16) throw malformed("type section is malformed or too large");
          let p = "";
          for (let k = 0; k < np; k++) p += LETTER[s.byte()] ?? "?";
          const nr = s.u32();
          if (nr > 1) throw malformed("type section is malformed or too large");
          const res = nr ? LETTER[s.byte()] ?? "?" : "v";
          sigs.push(`${res}(${p})`);
        }
      } else if (id === 2) {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const m = s.name(), f = s.name(), kind = s.byte();
          if (kind !== 0) {
            throw malformed(`module imports ${m}.${f} as a ${kind === 2 ? "memory" : kind === 1 ? "table" : "global"}; this host provides functions only`);
          }
          const t = s.u32();
          if (m !== IMPORT_MODULE && m !== CRYPTO_IMPORT_MODULE) {
            throw malformed(`module imports ${m}.${f}, but this host provides only module "${IMPORT_MODULE}" and module "${CRYPTO_IMPORT_MODULE}"`);
          }
          const table = m === IMPORT_MODULE ? IMPORTS : CRYPTO_IMPORTS;
          const want = Object.hasOwn(table, f) ? table[f] : undefined;
          if (!want) throw malformed(`module imports ${m}.${f}, which this host does not provide (ABI ${ABI_VERSION})`);
          if (sigs[t] !== want) throw malformed(`module imports ${m}.${f} with signature ${sigs[t] ?? "?"}; the ABI says ${want}`);
          nfuncImports++;
        }
      } else if (id === 3) {
        const n = s.u32();
        funcTypes = [];
        for (let i = 0; i < n; i++) funcTypes.push(s.u32());
      } else if (id === 5) {
        const n = s.u32();
        if (n !== 1) throw malformed("module must define exactly one memory");
        const flags = s.byte();
        const initial = s.u32();
        if (flags & 1) s.u32();
        if (flags & ~1) throw malformed("memory section is malformed or uses unsupported flags");
        if (initial > maxPages) throw malformed(`module needs ${initial} pages (64 KiB each) of linear memory; this board allows ${maxPages}`);
        haveMemory = true;
      } else if (id === 7) {
        const n = s.u32();
        exports = [];
        for (let i = 0; i < n; i++) exports.push({ name: s.name(), kind: s.byte(), idx: s.u32() });
      }
    } catch (e) {
      if (e instanceof ModuleInvalid && e.message) throw e;
      const what = ({ 1: "type", 2: "import", 3: "function", 5: "memory", 7: "export" } as Record<number, string>)[id] ?? "a";
      throw malformed(`${what} section is malformed`);
    }
  }
  if (!haveMemory) throw malformed("module defines no linear memory");
  if (!exports) throw malformed("module exports nothing");
  for (const [name, sig] of Object.entries(EXPORTS)) {
    const e = exports.find((x) => x.kind === 0 && x.name === name);
    if (!e) throw malformed(`module does not export ${name}: not an est-oscore module of ABI ${ABI_VERSION}?`);
    if (e.idx < nfuncImports || !funcTypes || e.idx - nfuncImports >= funcTypes.length) {
      throw malformed(`export ${name} is not a function defined by the module`);
    }
    const got = sigs[funcTypes[e.idx - nfuncImports]];
    if (got !== sig) throw malformed(`export ${name} has signature ${got ?? "?"}; the ABI says ${sig}`);
  }
}
