// CBOR codec (assembly/cbor) through the codec test module under both hosts.
// Oracles: RFC 8949 Appendix A as data (primary), hand-written malformed/non-canonical cases from RFC 8949 §3,
// §3.3 and §4.2.1, and a reference decoder written in TypeScript from the RFC (test/helpers/cbor-ref.ts) for
// random inputs. Each test batches its cases into one module process.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HOSTS, ROOT, evalVectors, runCommand, tempDir } from "./helpers/hosts.js";
import { CborError, Value, parseDiag, refDecodeSequence, renderDiag } from "./helpers/cbor-ref.js";

const CODEC = join(ROOT, "build/codec-test.wasm");
const MAX_DEPTH = Number(/CBOR_MAX_DEPTH: i32 = (\d+)/.exec(readFileSync(join(ROOT, "assembly/base/config.ts"), "utf8"))![1]);
const A = JSON.parse(readFileSync(join(ROOT, "test/vectors/cbor-rfc8949-appendix-a.json"), "utf8"));
const examples: { diag: string; hex: string; diag_raw?: string; reencode?: string }[] = A.examples;
const TRACES: { label: string; kind: string; hex: string; section: string; trace: string }[] =
  JSON.parse(readFileSync(join(ROOT, "test/vectors/cbor-rfc9529-traces.json"), "utf8")).items;

const expectedDiag = (e: (typeof examples)[0]) => renderDiag([parseDiag(e.diag_raw ?? e.diag)]).toString("hex");
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const show = (hexText: string) => Buffer.from(hexText, "hex").toString("utf8");

/** The reference decoder's answer in the module's answer format. */
function reference(bytes: Uint8Array, strict: boolean): { diag?: string; error?: string; items?: number } {
  try {
    const values = refDecodeSequence(bytes, strict, MAX_DEPTH);
    return { diag: renderDiag(values).toString("hex"), items: values.length };
  } catch (e) {
    if (e instanceof CborError) return { error: e.code };
    throw e;
  }
}

/** Deterministic PRNG (mulberry32) so a failing random case can be reproduced from the seed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random CBOR-like bytes: mostly well-formed items with random widths and indefinite lengths, then mutated. */
function randomInput(rnd: () => number): Uint8Array {
  const out: number[] = [];
  const int = (n: number) => Math.floor(rnd() * n);
  const headOf = (major: number, v: number) => {
    const shortest = v < 24 ? 0 : v < 256 ? 1 : v < 65536 ? 2 : 4;
    const width = rnd() < 0.15 ? Math.max(shortest, [0, 1, 2, 4, 8][int(5)]) : shortest;
    if (width === 0) { out.push((major << 5) | v); return; }
    out.push((major << 5) | (width === 1 ? 24 : width === 2 ? 25 : width === 4 ? 26 : 27));
    for (let i = width - 1; i >= 0; i--) out.push(i >= 4 ? 0 : (v >>> (8 * i)) & 0xff);
  };
  const gen = (depth: number) => {
    const k = int(depth > 5 ? 7 : 10);
    switch (k) {
      case 0: headOf(0, rnd() < 0.5 ? int(30) : int(70000)); break;
      case 1: headOf(1, int(300)); break;
      case 2: case 3: {
        if (rnd() < 0.2) {
          out.push(k === 2 ? 0x5f : 0x7f);
          for (let c = int(3); c > 0; c--) { const n = int(4); headOf(k, n); for (let i = 0; i < n; i++) out.push(0x20 + int(0x60)); }
          out.push(0xff);
        } else { const n = int(6); headOf(k, n); for (let i = 0; i < n; i++) out.push(int(256)); }
        break;
      }
      case 4: out.push(0xf9 + int(3)); for (let i = [2, 4, 8][out[out.length - 1] - 0xf9]; i > 0; i--) out.push(int(256)); break;
      case 5: if (rnd() < 0.5) out.push(0xf4 + int(4)); else out.push(0xf8, int(256)); break;
      case 6: headOf(6, int(40)); gen(depth + 1); break;
      default: {
        const map = rnd() < 0.4, n = int(4), indef = rnd() < 0.25;
        if (indef) out.push(map ? 0xbf : 0x9f); else headOf(map ? 5 : 4, n);
        for (let i = 0; i < (map ? 2 * n : n); i++) gen(depth + 1);
        if (indef) out.push(0xff);
      }
    }
  };
  if (rnd() < 0.15) { for (let n = int(24); n > 0; n--) out.push(int(256)); }
  else if (rnd() < 0.1) { const d = MAX_DEPTH - 2 + int(5); for (let i = 0; i < d; i++) out.push([0x81, 0x9f, 0xc1, 0xa1][int(4)]); out.push(0); }
  else { for (let n = 1 + int(2); n > 0; n--) gen(0); }
  const r = rnd();
  if (r < 0.2 && out.length) out[int(out.length)] = int(256);
  else if (r < 0.3 && out.length) out.length = int(out.length);
  else if (r < 0.35) out.splice(int(out.length + 1), 0, int(256));
  return Uint8Array.from(out);
}

/** The same value with definite lengths: what a deterministic re-encoding must decode to. */
function definite(v: Value): Value {
  switch (v.t) {
    case "bytes_indef": return { t: "bytes", v: Buffer.concat(v.chunks) };
    case "text_indef": return { t: "text", v: Buffer.concat(v.chunks) };
    case "array": return { t: "array", items: v.items.map(definite), indef: false };
    case "map": return { t: "map", pairs: v.pairs.map(([k, x]) => [definite(k), definite(x)] as [Value, Value]), indef: false };
    case "tag": return { t: "tag", n: v.n, item: definite(v.item) };
    default: return v;
  }
}

describe.each(HOSTS)("CBOR codec under %s", (host) => {
  it("decodes every RFC 8949 Appendix A example to its diagnostic notation, strict or not", async () => {
    const reqs = examples.flatMap((e) => [{ op: "cbor_decode", hex: e.hex }, { op: "cbor_decode", hex: e.hex, strict: 1 }]);
    const got = await evalVectors(host, reqs, CODEC);
    examples.forEach((e, i) => {
      expect(got[2 * i].diag ? show(got[2 * i].diag) : got[2 * i], e.hex).toBe(show(expectedDiag(e)));
      // Strict mode (deterministic encoding) accepts exactly the examples already in deterministic form.
      if (e.reencode) expect(got[2 * i + 1], e.hex).toEqual({ error: "E_NON_CANONICAL" });
      else expect(got[2 * i + 1], e.hex).toEqual({ diag: expectedDiag(e) });
    });
  });

  it("encodes Appendix A deterministically: the RFC bytes, or their deterministic form", async () => {
    const got = await evalVectors(host, examples.map((e) => ({ op: "cbor_reencode", hex: e.hex })), CODEC);
    examples.forEach((e, i) => expect(got[i], e.hex).toEqual({ out: e.reencode ?? e.hex, canary: true }));
  });

  it("accepts every CBOR value of the RFC 9529 EDHOC traces in strict mode and re-encodes it unchanged", async () => {
    const reqs = TRACES.flatMap((t) => [{ op: "cbor_check", hex: t.hex, strict: 1 }, { op: "cbor_reencode", hex: t.hex }, { op: "cbor_decode", hex: t.hex, strict: 1 }]);
    const got = await evalVectors(host, reqs, CODEC);
    expect(TRACES.length).toBeGreaterThan(80);
    TRACES.forEach((t, i) => {
      const what = `${t.trace} ${t.section}: ${t.label}`;
      if (t.kind === "CBOR Data Item") expect(got[3 * i], what).toEqual({ items: 1 });
      else expect(got[3 * i].items, what).toBeGreaterThanOrEqual(1);
      expect(got[3 * i + 1], what).toEqual({ out: t.hex, canary: true });
      expect(got[3 * i + 2], what).toEqual({ diag: reference(fromHex(t.hex), true).diag });
    });
  });

  it("never writes past the capacity it is given (every capacity below the size fails cleanly)", async () => {
    const reqs: object[] = [];
    const want: object[] = [];
    for (const e of examples) {
      const size = (e.reencode ?? e.hex).length / 2;
      for (let cap = 0; cap <= size; cap++) {
        reqs.push({ op: "cbor_reencode", hex: e.hex, cap });
        want.push(cap < size ? { error: "E_BUFFER_TOO_SMALL", canary: true } : { out: e.reencode ?? e.hex, canary: true });
      }
    }
    expect(await evalVectors(host, reqs, CODEC)).toEqual(want);
  });

  it("wraps already written bytes into a byte string in place, at every header size boundary", async () => {
    const sizes = [0, 1, 23, 24, 255, 256, 1500];
    const content = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff)).toString("hex");
    const header = (n: number) => (n < 24 ? (0x40 + n).toString(16) : n < 256 ? "58" + n.toString(16).padStart(2, "0") : "59" + n.toString(16).padStart(4, "0"));
    const reqs = sizes.flatMap((n) => {
      const size = n + header(n).length / 2;
      return [{ op: "cbor_wrap", hex: content(n), cap: size }, { op: "cbor_wrap", hex: content(n), cap: size - 1 }];
    });
    const got = await evalVectors(host, reqs, CODEC);
    sizes.forEach((n, i) => {
      expect(got[2 * i], `${n}`).toEqual({ out: header(n) + content(n), canary: true });
      expect(got[2 * i + 1], `${n}`).toEqual({ error: "E_BUFFER_TOO_SMALL", canary: true });
    });
  });

  it("reports E_TRUNCATED for every proper prefix of every Appendix A example (decode and skip)", async () => {
    const reqs: object[] = [];
    for (const e of examples) {
      for (let n = 1; n < e.hex.length / 2; n++) {
        reqs.push({ op: "cbor_decode", hex: e.hex.slice(0, 2 * n) }, { op: "cbor_check", hex: e.hex.slice(0, 2 * n) });
      }
    }
    const got = await evalVectors(host, reqs, CODEC);
    expect(got.length).toBe(examples.reduce((n, e) => n + 2 * (e.hex.length / 2 - 1), 0));
    got.forEach((g, i) => expect(g, JSON.stringify(reqs[i])).toEqual({ error: "E_TRUNCATED" }));
  });

  it("rejects malformed, non-canonical, oversized and too deep input with the right status", async () => {
    const nest = (open: string, n: number) => open.repeat(n) + "00";
    // [hex, status without strict, status with strict]  ("ok" = decodes)
    const cases: [string, string, string][] = [
      ["1c", "E_MALFORMED", "E_MALFORMED"], ["1d", "E_MALFORMED", "E_MALFORMED"], ["5e", "E_MALFORMED", "E_MALFORMED"],
      ["ff", "E_MALFORMED", "E_MALFORMED"], ["1f", "E_MALFORMED", "E_MALFORMED"], ["3f", "E_MALFORMED", "E_MALFORMED"],
      ["df", "E_MALFORMED", "E_MALFORMED"], ["f800", "E_MALFORMED", "E_MALFORMED"], ["f81f", "E_MALFORMED", "E_MALFORMED"],
      ["81ff", "E_MALFORMED", "E_MALFORMED"], ["a1ff", "E_MALFORMED", "E_MALFORMED"],
      ["5f01ff", "E_MALFORMED", "E_NON_CANONICAL"], ["5f5f4101ffff", "E_MALFORMED", "E_NON_CANONICAL"],
      ["7f4161ff", "E_MALFORMED", "E_NON_CANONICAL"], ["bf01ff", "E_MALFORMED", "E_NON_CANONICAL"],
      ["1817", "ok", "E_NON_CANONICAL"], ["190017", "ok", "E_NON_CANONICAL"], ["1900ff", "ok", "E_NON_CANONICAL"],
      ["1a0000ffff", "ok", "E_NON_CANONICAL"], ["1b00000000ffffffff", "ok", "E_NON_CANONICAL"],
      ["3817", "ok", "E_NON_CANONICAL"], ["5800", "ok", "E_NON_CANONICAL"], ["7800", "ok", "E_NON_CANONICAL"],
      ["9800", "ok", "E_NON_CANONICAL"], ["b800", "ok", "E_NON_CANONICAL"], ["d80000", "ok", "E_NON_CANONICAL"],
      ["fa3f800000", "ok", "E_NON_CANONICAL"], ["fb3ff0000000000000", "ok", "E_NON_CANONICAL"],
      ["fb3ff0000020000000", "ok", "E_NON_CANONICAL"], ["fb3ff0000010000000", "ok", "ok"], ["fa3f800001", "ok", "ok"],
      ["9fff", "ok", "E_NON_CANONICAL"], ["bfff", "ok", "E_NON_CANONICAL"],
      ["1b0000000100000000", "ok", "ok"], ["f820", "ok", "ok"],
      ["5a80000000", "E_LIMIT", "E_LIMIT"], ["5b0000000080000000", "E_LIMIT", "E_NON_CANONICAL"],
      ["9bffffffffffffffff", "E_LIMIT", "E_LIMIT"], ["bb0000000080000000", "E_LIMIT", "E_NON_CANONICAL"],
      ["7a7fffffff", "E_TRUNCATED", "E_TRUNCATED"], ["18", "E_TRUNCATED", "E_TRUNCATED"], ["1901", "E_TRUNCATED", "E_TRUNCATED"],
      ["6261", "E_TRUNCATED", "E_TRUNCATED"], ["8201", "E_TRUNCATED", "E_TRUNCATED"], ["9f01", "E_TRUNCATED", "E_NON_CANONICAL"],
      [nest("81", MAX_DEPTH), "ok", "ok"], [nest("81", MAX_DEPTH + 1), "E_TOO_DEEP", "E_TOO_DEEP"],
      [nest("c1", MAX_DEPTH), "ok", "ok"], [nest("c1", MAX_DEPTH + 1), "E_TOO_DEEP", "E_TOO_DEEP"],
      [nest("a100", MAX_DEPTH), "ok", "ok"], [nest("a100", MAX_DEPTH + 1), "E_TOO_DEEP", "E_TOO_DEEP"],
      ["81".repeat(MAX_DEPTH) + "80", "ok", "ok"], ["81".repeat(MAX_DEPTH + 3) + "1c", "E_TOO_DEEP", "E_TOO_DEEP"],
      // RFC 9529 §4 "Non-deterministic CBOR" invalid message_1 examples: fine as CBOR, refused in strict mode.
      ["190003025820741a13d7ba048fbb615e94386aa3b61bea5b3d8f65f32620b749bee8d278efa90e", "ok", "E_NON_CANONICAL"],
      ["039f0602ff5820741a13d7ba048fbb615e94386aa3b61bea5b3d8f65f32620b749bee8d278efa90e", "ok", "E_NON_CANONICAL"],
    ];
    const reqs = cases.flatMap(([hex]) => [0, 1].flatMap((strict) => [{ op: "cbor_decode", hex, strict }, { op: "cbor_check", hex, strict }]));
    const got = await evalVectors(host, reqs, CODEC);
    cases.forEach(([hex, loose, strict], i) => {
      [loose, strict].forEach((want, s) => {
        for (const g of [got[4 * i + 2 * s], got[4 * i + 2 * s + 1]]) {
          if (want === "ok") expect(g.error, `${hex} strict=${s}`).toBeUndefined();
          else expect(g, `${hex} strict=${s}`).toEqual({ error: want });
        }
      });
      // The reference decoder agrees with the table too (it is checked against the RFC cases, not trusted blindly).
      expect(reference(fromHex(hex), false).error ?? "ok", hex).toBe(loose);
      expect(reference(fromHex(hex), true).error ?? "ok", hex).toBe(strict);
    });
  });

  it("agrees with the reference decoder on 3000 random inputs (status, diagnostic text, item count) and never traps", async () => {
    const rnd = prng(0x5eed);
    const inputs = Array.from({ length: 3000 }, () => randomInput(rnd));
    const reqs = inputs.flatMap((b) => {
      const hex = Buffer.from(b).toString("hex");
      return [{ op: "cbor_decode", hex }, { op: "cbor_decode", hex, strict: 1 }, { op: "cbor_check", hex }, { op: "cbor_check", hex, strict: 1 }];
    });
    const got = await evalVectors(host, reqs, CODEC);
    const seen = new Set<string>();
    inputs.forEach((b, i) => {
      const hex = Buffer.from(b).toString("hex");
      for (const strict of [false, true]) {
        const ref = reference(b, strict);
        const dec = got[4 * i + (strict ? 1 : 0)], chk = got[4 * i + 2 + (strict ? 1 : 0)];
        seen.add(ref.error ?? "ok");
        if (ref.error) {
          expect(dec, `${hex} strict=${strict}`).toEqual({ error: ref.error });
          expect(chk, `${hex} strict=${strict}`).toEqual({ error: ref.error });
        } else {
          expect(dec, `${hex} strict=${strict}`).toEqual({ diag: ref.diag });
          expect(chk, `${hex} strict=${strict}`).toEqual({ items: ref.items });
        }
      }
    });
    // The generator reaches every outcome, so the comparison above covers each status.
    for (const s of ["ok", "E_MALFORMED", "E_TRUNCATED", "E_NON_CANONICAL", "E_TOO_DEEP"]) expect(seen.has(s), s).toBe(true);
  });

  it("re-encodes every well-formed random input into a strict-valid encoding of the same value", async () => {
    const rnd = prng(0xc0de);
    const inputs = Array.from({ length: 3000 }, () => randomInput(rnd)).filter((b) => !reference(b, false).error);
    expect(inputs.length).toBeGreaterThan(500);
    const enc = await evalVectors(host, inputs.map((b) => ({ op: "cbor_reencode", hex: Buffer.from(b).toString("hex") })), CODEC);
    const dec = await evalVectors(host, enc.map((e) => ({ op: "cbor_decode", hex: e.out, strict: 1 })), CODEC);
    inputs.forEach((b, i) => {
      const want = renderDiag(refDecodeSequence(b, false, MAX_DEPTH).map(definite)).toString("hex");
      expect(dec[i], Buffer.from(b).toString("hex")).toEqual({ diag: want });
    });
  });

  it("cbor-decode and cbor-reencode work as command lines", async () => {
    const ks = join(tempDir(), "ks");
    const ok = await runCommand(host, ["--module", CODEC, "--store", ks, "cbor-decode", "a26161016162820203"]);
    expect(ok).toMatchObject({ code: 0, stdout: '{"a": 1, "b": [2, 3]}\n' });
    const re = await runCommand(host, ["--module", CODEC, "--store", ks, "cbor-reencode", "9f018202039f0405ffff"]);
    expect(re).toMatchObject({ code: 0, stdout: "8301820203820405\n" });
    const bad = await runCommand(host, ["--module", CODEC, "--store", ks, "cbor-decode", "1817", "--strict"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("E_NON_CANONICAL");
  });
});
