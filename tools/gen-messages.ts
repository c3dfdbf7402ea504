// Generates the module's message tables from their one source, assembly/base/messages.txt:
//   assembly/base/msg.ts       the ids the module writes into its event records (M_NAME: u16)
//   host/est_messages.c        the C hosts' table (id -> text), declared in host/include/est_abi.h; its texts
//                              coded for flash (codeTexts below)
//   host/node/messages.ts      the Node host's table
// `tsx tools/gen-messages.ts` writes them; `--check` only compares and exits 1 when one is stale (the build
// runs the first, test/abi-sync.test.ts the second).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const SOURCE = "assembly/base/messages.txt";

export interface Message { id: number; name: string; text: string }

/** Parse the source: one message per line (id, NAME, text), # comments and blank lines skipped. */
export function parseMessages(src: string): Message[] {
  const out: Message[] = [];
  const ids = new Set<number>(), names = new Set<string>();
  src.split("\n").forEach((line, i) => {
    if (/^\s*(#|$)/.test(line)) return;
    const m = /^(\d+)\s+([A-Z][A-Z0-9_]*)\s+(.*\S)\s*$/.exec(line);
    if (!m) throw new Error(`${SOURCE}:${i + 1}: expected "id NAME text"`);
    const [id, name, text] = [Number(m[1]), m[2], m[3]];
    if (id < 1 || id > 65535) throw new Error(`${SOURCE}:${i + 1}: id ${id} out of range 1..65535`);
    if (ids.has(id)) throw new Error(`${SOURCE}:${i + 1}: id ${id} used twice`);
    if (names.has(name)) throw new Error(`${SOURCE}:${i + 1}: name ${name} used twice`);
    const bad = text.match(/\{[^}]*\}/g)?.find((p) => !/^\{[dcekxslm]\}$/.test(p));
    if (bad) throw new Error(`${SOURCE}:${i + 1}: unknown placeholder ${bad}`);
    ids.add(id); names.add(name);
    out.push({ id, name, text });
  });
  return out;
}

/**
 * The codes of the C table's texts: every byte a text never holds (texts are printable ASCII, so 0x01-0x1f,
 * 0x7f and 0x80-0xff), in the order the coder hands them out; host/est_render.c's code_index() maps them back.
 */
export const CODES: number[] = [...Array.from({ length: 128 }, (_, i) => 0x80 + i), ...Array.from({ length: 31 }, (_, i) => 1 + i), 0x7f];
/** How deep the C renderer's expansion stack is (EST_MESSAGE_CODE_DEPTH in host/include/est_abi.h). */
function codeDepth(): number {
  const m = /#define EST_MESSAGE_CODE_DEPTH (\d+)/.exec(readFileSync(join(ROOT, "host/include/est_abi.h"), "utf8"));
  if (!m) throw new Error("gen-messages: EST_MESSAGE_CODE_DEPTH not found in host/include/est_abi.h");
  return Number(m[1]);
}

/**
 * The C table's texts for a board's flash, byte-pair coded: repeatedly the most frequent pair of adjacent
 * symbols becomes a new code (a byte no text holds), which stands for that pair; a code's pair may hold codes
 * itself. A placeholder ({d}, {s}, ...) stays as its three plain bytes and joins no pair, so the renderer reads
 * placeholders in the coded text as in a plain one and expands codes into plain text only. All texts sit in
 * one array at the offsets the table gives: no pointer per message. About 14.7 KB of text -> 7.3 KB plus
 * 320 B of pairs (whole words as single bytes gave 9.0 KB plus 1.0 KB of words); the names and pointers the
 * C hosts never used are not in the table (the Node host keeps the names).
 */
export function codeTexts(msgs: Message[], counted: (m: Message) => boolean = () => true): { pairs: [number, number][]; coded: number[][] } {
  // A symbol: a byte >= 0, or -1 - byte for a byte of a placeholder (joins no pair).
  const seqs: number[][] = msgs.map((m) => {
    if (/[^\x20-\x7e]/.test(m.text)) throw new Error(`message ${m.name}: only printable ASCII (the C table codes the other bytes)`);
    const out: number[] = [];
    for (let i = 0; i < m.text.length; i++) {
      if (/^\{[dcekxslm]\}/.test(m.text.slice(i, i + 3))) { for (let k = 0; k < 3; k++) out.push(-1 - m.text.charCodeAt(i + k)); i += 2; }
      else out.push(m.text.charCodeAt(i));
    }
    return out;
  });
  const pairs: [number, number][] = [];
  for (const code of CODES) {
    const count = new Map<number, number>();
    let best = -1, bestN = 0;
    for (const [m, q] of seqs.entries()) if (counted(msgs[m])) for (let i = 0; i + 1 < q.length; i++) {
      if (q[i] < 0 || q[i + 1] < 0) continue;
      const key = q[i] * 256 + q[i + 1];
      const uses = (count.get(key) ?? 0) + 1;
      count.set(key, uses);
      if (uses > bestN || (uses === bestN && key < best)) { best = key; bestN = uses; }
    }
    if (bestN < 3) break; // a code must save more than its two bytes of pair
    const pair: [number, number] = [best >> 8, best & 255];
    pairs.push(pair);
    for (const q of seqs) {
      let w = 0;
      for (let r = 0; r < q.length; r++) {
        if (r + 1 < q.length && q[r] === pair[0] && q[r + 1] === pair[1]) { q[w++] = code; r++; } else q[w++] = q[r];
      }
      q.length = w;
    }
  }
  const coded = seqs.map((q) => q.map((x) => (x < 0 ? -1 - x : x)));
  const CODE_DEPTH = codeDepth();
  // The C renderer's expansion, to check the coding (and its stack depth) before the C hosts rely on it.
  const index = new Map(CODES.slice(0, pairs.length).map((c, i) => [c, i]));
  coded.forEach((c, i) => {
    let text = "";
    for (const b of c) {
      const stack = [b];
      while (stack.length) {
        const x = stack.pop()!;
        const k = index.get(x);
        if (k === undefined) { text += String.fromCharCode(x); continue; }
        if (stack.length + 2 > CODE_DEPTH) throw new Error(`message ${msgs[i].name}: its codes nest deeper than ${CODE_DEPTH}`);
        stack.push(pairs[k][1], pairs[k][0]);
      }
    }
    if (text !== msgs[i].text) throw new Error(`message ${msgs[i].name}: its coded text does not decode to itself`);
  });
  return { pairs, coded };
}

/** A C string literal of bytes (printable ASCII as is, the rest as octal escapes). */
function cBytes(b: number[]): string {
  let s = '"';
  for (const x of b) {
    if (x === 0x22 || x === 0x5c) s += "\\" + String.fromCharCode(x);
    else if (x >= 0x20 && x < 0x7f && !(x === 0x3f)) s += String.fromCharCode(x); // '?' escaped: no trigraphs
    else s += "\\" + x.toString(8).padStart(3, "0");
  }
  return s + '"';
}

/** The modules a board runs: the two device modules, and the test modules the board tests load (the ABI
 *  probe from the module partition, the crypto test module); their sources are every file these import. */
const BOARD_ENTRIES = ["assembly/app/device.ts", "assembly/app/device-portable.ts", "test/abi/probe.ts", "test/crypto/entry.ts"];

/**
 * The messages the modules a board runs can emit: those whose M_ name a file of their sources mentions
 * (base/msg.ts, which declares them all, aside). Over-approximate, so never short: a board's table (built with
 * EST_MESSAGES_DEVICE_ONLY) holds every message its modules can send. The simulator's module (build/sim.wasm)
 * runs on a board too, in tests, and its own messages print there as numbers.
 */
export function boardMessageNames(): Set<string> {
  const seen = new Set<string>(), names = new Set<string>();
  const walk = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    const src = readFileSync(f, "utf8");
    if (!f.endsWith(join("base", "msg.ts"))) for (const m of src.matchAll(/\bM_([A-Z0-9_]+)\b/g)) names.add(m[1]);
    for (const m of src.matchAll(/\bfrom\s+"(\.[^"]+)"/g)) {
      const p = resolve(dirname(f), m[1]) + ".ts";
      if (!existsSync(p)) throw new Error(`gen-messages: ${f} imports ${m[1]}, which is not a file`);
      walk(p);
    }
  };
  for (const e of BOARD_ENTRIES) walk(join(ROOT, e));
  return names;
}

export function generate(msgs: Message[]): Record<string, string> {
  const head = (c: string) => `${c} Generated by tools/gen-messages.ts from ${SOURCE}: edit that file, not this one.\n`;
  const ts = head("//") + "// Message ids of the module's event records (base/diag.ts).\n\n" +
    msgs.map((m) => `export const M_${m.name}: u16 = ${m.id};`).join("\n") + "\n";
  const device = boardMessageNames();
  const onDevice = (m: Message) => device.has(m.name);
  const { pairs, coded } = codeTexts(msgs, onDevice);
  // The texts of the messages a device module can emit first, then the simulator's: a board's build leaves
  // those out (EST_MESSAGES_DEVICE_ONLY) without moving an offset.
  const order = [...msgs.keys()].sort((x, y) => Number(!onDevice(msgs[x])) - Number(!onDevice(msgs[y])) || x - y);
  const offsets: number[] = [];
  let at = 0;
  for (const i of order) { offsets[i] = at; at += coded[i].length + 1; }
  if (at > 0xffff) throw new Error("the C table's texts outgrew its 16-bit offsets");
  const texts: string[] = [];
  order.forEach((i, k) => {
    if (!onDevice(msgs[i]) && (k === 0 || onDevice(msgs[order[k - 1]]))) texts.push("#ifndef EST_MESSAGES_DEVICE_ONLY /* the simulator's (build/sim.wasm) */");
    texts.push(`  ${cBytes(coded[i])} "\\0" /* ${msgs[i].id} */`);
  });
  if (order.some((i) => !onDevice(msgs[i]))) texts.push("#endif");
  const entries: string[] = [];
  msgs.forEach((m, i) => {
    const sim = !onDevice(m), prevSim = i > 0 && !onDevice(msgs[i - 1]);
    if (sim && !prevSim) entries.push("#ifndef EST_MESSAGES_DEVICE_ONLY");
    if (!sim && prevSim) entries.push("#endif");
    entries.push(`  {${m.id}, ${offsets[i]}}, /* ${m.name} */`);
  });
  if (msgs.length && !onDevice(msgs[msgs.length - 1])) entries.push("#endif");
  const c = head("/*").replace(/\n$/, " */\n") + '#include "est_abi.h"\n\n' +
    "/* Texts, NUL-terminated, at the offsets est_messages gives; byte-pair coded (est_message_pairs). Those only the\n" +
    " * simulator module emits come last; a board's build leaves them out with EST_MESSAGES_DEVICE_ONLY. */\n" +
    "const char est_message_texts[] =\n" + texts.join("\n") + "\n;\n\n" +
    "const est_message_t est_messages[] = {\n" + entries.join("\n") +
    "\n};\n\nconst uint32_t est_messages_count = sizeof est_messages / sizeof est_messages[0];\n\n" +
    "/* The pair each code stands for, in code order: 0x80-0xff, then 0x01-0x1f, then 0x7f. */\n" +
    "const uint8_t est_message_pairs[][2] = {\n" +
    pairs.map((p, i) => `  {${p[0]}, ${p[1]}}, /* 0x${CODES[i].toString(16).padStart(2, "0")} */`).join("\n") + "\n};\n" +
    "const uint32_t est_message_pair_count = " + pairs.length + ";\n";
  const node = head("//") + "// The module's messages (id -> name, text), for host/node/render.ts.\n\n" +
    "export const MESSAGES: ReadonlyMap<number, { name: string; text: string }> = new Map([\n" +
    msgs.map((m) => `  [${m.id}, { name: ${JSON.stringify(m.name)}, text: ${JSON.stringify(m.text)} }],`).join("\n") + "\n]);\n";
  return { "assembly/base/msg.ts": ts, "host/est_messages.c": c, "host/node/messages.ts": node };
}

export function generated(): Record<string, string> {
  return generate(parseMessages(readFileSync(join(ROOT, SOURCE), "utf8")));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const files = generated();
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const [f, text] of Object.entries(files)) {
    const p = join(ROOT, f);
    const old = existsSync(p) ? readFileSync(p, "utf8") : "";
    if (old === text) continue;
    if (check) { console.error(`gen-messages: ${f} is stale; run npx tsx tools/gen-messages.ts`); stale++; }
    else writeFileSync(p, text);
  }
  process.exit(stale ? 1 : 0);
}
