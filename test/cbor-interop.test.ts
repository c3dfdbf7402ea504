// Differential test of the module's CBOR codec against an independent implementation, cbor2 (npm, pure
// JavaScript): random values encoded by cbor2 are decoded and re-encoded deterministically by the module
// (build/codec-test.wasm), and cbor2 must decode the module's output back to the same value. Under both hosts.
import { encode, decode as cbor2Decode } from "cbor2";
import { randomBytes, randomInt } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evalVectors, HOSTS, ROOT } from "./helpers/hosts.js";

const CODEC = join(ROOT, "build/codec-test.wasm");
const decode = (b: Uint8Array) => cbor2Decode(b, { preferMap: true });

function randomValue(depth: number): unknown {
  const kind = randomInt(0, depth > 3 ? 7 : 10);
  switch (kind) {
    case 0: return randomInt(0, 24);
    case 1: return [0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1][randomInt(0, 10)] * (randomInt(0, 2) ? 1 : -1) - randomInt(0, 2);
    case 2: return new Uint8Array(randomBytes([0, 1, 23, 24, 255, 256, 300][randomInt(0, 7)]));
    case 3: return ["", "a", "é€𝄞", "x".repeat(24), "y".repeat(300)][randomInt(0, 5)];
    case 4: return [true, false, null][randomInt(0, 3)];
    case 5: return randomInt(0, 2) ? 1.5 : -0.25;
    case 6: return BigInt(2 ** 53) * 1000n + BigInt(randomInt(0, 1000));
    case 7: return Array.from({ length: [0, 1, 3, 24][randomInt(0, 4)] }, () => randomValue(depth + 1));
    default: {
      const m = new Map<unknown, unknown>();
      const n = [0, 1, 3, 24][randomInt(0, 4)];
      for (let i = 0; i < n; i++) m.set(randomInt(0, 2) ? i * 7 - 20 : `k${i}`, randomValue(depth + 1));
      return m;
    }
  }
}

const norm = (v: unknown): unknown =>
  v instanceof Map ? [...v].map(([k, x]) => [norm(k), norm(x)]) :
  Array.isArray(v) ? v.map(norm) :
  v instanceof Uint8Array ? Buffer.from(v).toString("hex") :
  typeof v === "bigint" ? `big:${v}` :
  typeof v === "number" && Number.isInteger(v) && Math.abs(v) > 2 ** 31 ? `big:${v}` : v;

for (const host of HOSTS) {
  describe(`${host}: CBOR codec vs cbor2`, () => {
    it("decodes and re-encodes 1500 random cbor2 encodings to the same values, canonically", async () => {
      // Values up to 1500 encoded bytes: a vector line carries at most about 2 KB of CBOR as hex.
      const encoded: Buffer[] = [];
      while (encoded.length < 1500) {
        const e = Buffer.from(encode(randomValue(0)));
        if (e.length <= 1500) encoded.push(e);
      }
      const out = await evalVectors(host, encoded.map((e) => ({ op: "cbor_reencode", hex: e.toString("hex") })), CODEC);
      const again: object[] = [];
      out.forEach((o, i) => {
        expect(o.error, `value ${i}: ${encoded[i].toString("hex").slice(0, 80)}`).toBeUndefined();
        const mine = Buffer.from(o.out, "hex");
        expect(norm(decode(mine)), `value ${i}`).toEqual(norm(decode(encoded[i])));
        again.push({ op: "cbor_check", hex: o.out, strict: 1 });
      });
      // The module's own output passes its strict (deterministic-encoding) check.
      const strict = await evalVectors(host, again, CODEC);
      strict.forEach((o) => expect(o.error).toBeUndefined());
    });
  });
}
