// The module's layers import only downward. Every folder of assembly/ has a rank; a file may import from its
// own folder or from a folder of lower rank, never from one of equal or higher rank (that would be an upward
// import or would close a circle between folders). The order, bottom to top, is also the README's map:
//
//   numbers, base      IANA numbers; the board ABI, statuses, message ids, sizes, diagnostics
//   crypto             primitives (and the board's native provider behind the same interface)
//   cbor, der          codecs
//   coap               messages, URIs, the CoAP client (plain transport)
//   pki                keys, X.509 / PKCS#10 / PKCS#7, trust anchors
//   oscore             OSCORE, sequence numbers, the protected exchange and the combined request (RFC 9668)
//   edhoc              the Initiator, credentials, EDHOC over CoAP
//   est                EST-oscore enrollment
//   app                commands and module entries (device.ts: build/client.wasm, sim.ts: build/sim.wasm)
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const ASM = join(ROOT, "assembly");

/** Rank of each folder: imports must go to a strictly lower rank (or stay inside the folder). */
export const LAYERS: Record<string, number> = {
  numbers: 0, base: 0,
  crypto: 1,
  cbor: 2, der: 2,
  coap: 3,
  pki: 4,
  oscore: 5,
  edhoc: 6,
  est: 7,
  app: 8,
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function folderOf(path: string): string {
  const rel = relative(ASM, path);
  return rel.includes("/") ? rel.split("/")[0] : "(assembly root)";
}

/** The import violations of one file, given its path and source: upward, sideways between folders of one
 *  rank, or from or into a folder that has no rank. */
export function violationsOf(file: string, src: string): string[] {
  const bad: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/g)) {
    const from = folderOf(file), to = folderOf(resolve(dirname(file), m[1]));
    const rf = LAYERS[from], rt = LAYERS[to];
    const where = `${relative(ROOT, file)} imports "${m[1]}"`;
    if (rf === undefined) bad.push(`${where}: ${from} is not a layer folder`);
    else if (rt === undefined) bad.push(`${where}: ${to} is not a layer folder`);
    else if (from !== to && rt >= rf) bad.push(`${where}: ${from} (rank ${rf}) may not import ${to} (rank ${rt})`);
  }
  return bad;
}

describe("module layers", () => {
  it("every folder of assembly/ has a rank and no file sits at the top level", () => {
    const folders = readdirSync(ASM).filter((n) => statSync(join(ASM, n)).isDirectory());
    expect(folders.filter((f) => LAYERS[f] === undefined)).toEqual([]);
    expect(readdirSync(ASM).filter((n) => n.endsWith(".ts"))).toEqual([]);
  });

  it("imports go only downward", () => {
    expect(tsFiles(ASM).flatMap((f) => violationsOf(f, readFileSync(f, "utf8")))).toEqual([]);
  });

  it("the check trips on an upward import and on a circle between folders of one rank", () => {
    expect(violationsOf(join(ASM, "coap/probe.ts"), 'import { x } from "../oscore/oscore";\n'))
      .toEqual(['assembly/coap/probe.ts imports "../oscore/oscore": coap (rank 3) may not import oscore (rank 5)']);
    expect(violationsOf(join(ASM, "cbor/probe.ts"), 'export { y } from "../der/der";\n'))
      .toEqual(['assembly/cbor/probe.ts imports "../der/der": cbor (rank 2) may not import der (rank 2)']);
    expect(violationsOf(join(ASM, "probe.ts"), 'import { z } from "./coap/client";\n')).toHaveLength(1);
    expect(violationsOf(join(ASM, "est/probe.ts"), 'import {\n  z,\n} from "../coap/client";\n')).toEqual([]);
  });
});
