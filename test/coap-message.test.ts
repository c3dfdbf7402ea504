// CoAP message codec (assembly/coap/message.ts) through the codec test module under both hosts.
// Oracles: RFC 7252 Appendix A, RFC 7641 and RFC 9148 Appendix B messages as data, the option-header arithmetic of
// RFC 7252 §3.1 written out by hand at every extension boundary, and a reference parser from RFC 7252 §3
// (test/helpers/coap-ref.ts) for truncations and random datagrams.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HOSTS, ROOT, evalVectors, runCommand, tempDir } from "./helpers/hosts.js";
import { refBuildCoap, refParseCoap, uintBytes } from "./helpers/coap-ref.js";

const CODEC = join(ROOT, "build/codec-test.wasm");
type Msg = { name: string; type: number; code: number; mid: number; token: string; options: [number, string][]; payload: string; hex: string };
const load = (f: string) => JSON.parse(readFileSync(join(ROOT, "test/vectors", f), "utf8"));
const EXAMPLES = load("coap-examples.json");
const RFC9148 = load("coap-rfc9148-appendix-b.json");
const MESSAGES: Msg[] = [...EXAMPLES.messages, ...RFC9148.messages];
const asc = (s: string) => Buffer.from(s).toString("hex");

/** coap_build request for a message; options are given in descending number order (repeated options keep
 *  their relative order, which carries meaning) so the builder must sort them. */
const buildReq = (m: Msg, extra: object = {}) => ({
  op: "coap_build", type: m.type, code: m.code, mid: m.mid,
  ...(m.token ? { token: m.token } : {}),
  ...(m.options.length ? { options: [...m.options].map((o, i) => ({ o, i })).sort((a, b) => b.o[0] - a.o[0] || a.i - b.i).map(({ o }) => o).map(([n, h]) => `${n}=${h}`).join(",") } : {}),
  ...(m.payload ? { payload: m.payload } : {}),
  ...extra,
});
/** Options in wire order (stable sort by number keeps repeated options in their given order). */
const sorted = (m: Msg) => [...m.options].map(([n, hex], i) => ({ n, hex, i })).sort((a, b) => a.n - b.n || a.i - b.i).map(({ n, hex }) => ({ n, hex }));
const hexOf = (n: number) => "ab".repeat(n);

describe.each(HOSTS)("CoAP message codec under %s", (host) => {
  const run = (reqs: object[]) => evalVectors(host, reqs, CODEC);

  it("parses the RFC 7252 Appendix A, RFC 7641 and RFC 9148 Appendix B messages", async () => {
    const got = await run(MESSAGES.map((m) => ({ op: "coap_parse", hex: m.hex })));
    MESSAGES.forEach((m, i) => expect(got[i], m.name).toEqual({
      type: m.type, code: m.code, mid: m.mid, token: m.token, options: sorted(m), payload: m.payload, unknown_critical: 0,
    }));
  });

  it("builds the same bytes from options given in any order", async () => {
    const got = await run(MESSAGES.map((m) => buildReq(m)));
    MESSAGES.forEach((m, i) => expect(got[i], m.name).toEqual({ hex: m.hex, canary: true }));
  });

  it("encodes option deltas and lengths at every extension boundary (RFC 7252 §3.1)", async () => {
    // [option number, value length, expected option bytes]
    const cases: [number, number, string][] = [
      [12, 0, "c0"], [13, 0, "d000"], [268, 0, "d0ff"], [269, 0, "e00000"], [270, 0, "e00001"], [65535, 0, "e0fef2"],
      [1, 12, "1c" + hexOf(12)], [1, 13, "1d00" + hexOf(13)], [1, 268, "1dff" + hexOf(268)],
      [1, 269, "1e0000" + hexOf(269)], [1, 270, "1e0001" + hexOf(270)], [1, 1500, "1e04cf" + hexOf(1500)],
      [269, 269, "ee00000000" + hexOf(269)], [13, 13, "dd0000" + hexOf(13)],
    ];
    const reqs = cases.flatMap(([n, len, opt]) => [
      { op: "coap_build", type: 0, code: 1, mid: 1, options: `${n}=${hexOf(len)}` },
      { op: "coap_parse", hex: "40010001" + opt },
    ]);
    const got = await run(reqs);
    cases.forEach(([n, len, opt], i) => {
      expect(got[2 * i], `${n}/${len}`).toEqual({ hex: "40010001" + opt, canary: true });
      expect(got[2 * i + 1], `${n}/${len}`).toMatchObject({ options: [{ n, hex: hexOf(len) }] });
    });
  });

  it("rejects format errors and reports truncation", async () => {
    const cases: [string, string][] = [
      ["", "E_TRUNCATED"], ["40", "E_TRUNCATED"], ["400100", "E_TRUNCATED"],
      ...[9, 10, 11, 12, 13, 14, 15].map((tkl): [string, string] => [(0x40 | tkl).toString(16) + "0100" + "01" + "00".repeat(tkl), "E_MALFORMED"]),
      ["48010001" + "00".repeat(7), "E_TRUNCATED"], ["480100010102030405060708", "ok"],
      ["40010001ff", "E_MALFORMED"], ["40010001b2ff", "E_TRUNCATED"], ["40010001b161ff", "E_MALFORMED"],
      ["40010001f0", "E_MALFORMED"], ["400100010f", "E_MALFORMED"], ["40010001bf", "E_MALFORMED"], ["40010001f161", "E_MALFORMED"],
      ["40010001d0", "E_TRUNCATED"], ["40010001e000", "E_TRUNCATED"], ["400100010d", "E_TRUNCATED"], ["400100010e00", "E_TRUNCATED"],
      ["400100010effff", "E_TRUNCATED"], // a 65804-byte value announced, nothing follows
      ["40010001e0fef2", "ok"], ["40010001e0fef3", "E_MALFORMED"], ["40010001e0fef210", "E_MALFORMED"], ["40010001e0ffff", "E_MALFORMED"],
      ["00010001", "E_MALFORMED"], ["80010001", "E_MALFORMED"], ["c0010001", "E_MALFORMED"],
      ["60000001", "ok"], ["6100000120", "E_MALFORMED"], ["6000000100", "E_MALFORMED"], ["70000001", "ok"],
    ];
    const got = await run(cases.map(([hex]) => ({ op: "coap_parse", hex })));
    cases.forEach(([hex, want], i) => {
      if (want === "ok") expect(got[i].error, hex).toBeUndefined();
      else expect(got[i], hex).toEqual({ error: want });
      expect(refParseCoap(Buffer.from(hex, "hex")), hex).toEqual(got[i]);
    });
  });

  it("finds unknown critical options (odd numbers it does not know) and ignores unknown elective ones", async () => {
    const cases: [number[], number][] = [[[9], 0], [[1, 11], 0], [[13], 13], [[2048], 0], [[65001], 65001], [[3, 65000, 65001], 65001], [[19, 65001], 19]];
    const got = await run(cases.map(([ns]) => ({ op: "coap_build", type: 0, code: 1, mid: 7, options: ns.map((n) => `${n}=00`).join(",") })));
    const parsed = await run(got.map((g) => ({ op: "coap_parse", hex: g.hex })));
    cases.forEach(([ns, want], i) => expect(parsed[i].unknown_critical, ns.join(",")).toBe(want));
  });

  /** Parse every datagram in the module and compare with the reference parser; all three outcomes must occur. */
  async function expectParsedLikeReference(reqs: { op: string; hex: string }[]) {
    const got = await run(reqs);
    const statuses = new Set<string>();
    reqs.forEach((r, i) => {
      expect(got[i], r.hex).toEqual(refParseCoap(Buffer.from(r.hex, "hex")));
      statuses.add(got[i].error ?? "ok");
    });
    expect([...statuses].sort()).toEqual(["E_MALFORMED", "E_TRUNCATED", "ok"]);
  }

  it("handles every truncation of every sample message like the RFC 7252 reference parser", async () => {
    const reqs: { op: string; hex: string }[] = [];
    for (const m of MESSAGES) for (let n = 0; n < m.hex.length / 2; n++) reqs.push({ op: "coap_parse", hex: m.hex.slice(0, 2 * n) });
    await expectParsedLikeReference(reqs);
  });

  it("agrees with the reference parser on 5000 random datagrams and never traps", async () => {
    let seed = 0x0c0a9;
    const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
    const reqs: { op: string; hex: string }[] = [];
    for (let k = 0; k < 5000; k++) {
      const b: number[] = [rnd() < 0.8 ? 0x40 | Math.floor(rnd() * 64) : Math.floor(rnd() * 256), Math.floor(rnd() * 256), 0, 1];
      const tkl = b[0] & 15;
      for (let i = 0; i < Math.min(tkl, 8); i++) b.push(Math.floor(rnd() * 256));
      for (let o = Math.floor(rnd() * 5); o > 0; o--) {
        const hdr = Math.floor(rnd() * 256);
        b.push(hdr);
        for (let e = Math.floor(rnd() * 3); e > 0; e--) b.push(Math.floor(rnd() * 256));
        for (let v = hdr & 15 & 7; v > 0; v--) b.push(Math.floor(rnd() * 256));
      }
      if (rnd() < 0.3) { b.push(0xff); for (let p = Math.floor(rnd() * 3); p > 0; p--) b.push(Math.floor(rnd() * 256)); }
      if (rnd() < 0.2) b.length = Math.floor(rnd() * b.length);
      reqs.push({ op: "coap_parse", hex: Buffer.from(b).toString("hex") });
    }
    await expectParsedLikeReference(reqs);
  });

  it("builds 1000 random option sets given in random order exactly like the RFC 7252 reference encoder", async () => {
    let seed = 0xb01d;
    const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
    const int = (n: number) => Math.floor(rnd() * n);
    const cases = Array.from({ length: 1000 }, () => {
      const token = Buffer.from(Array.from({ length: int(9) }, () => int(256)));
      const opts: [number, Buffer, string][] = Array.from({ length: int(8) }, () => {
        const n = [1 + int(12), 12 + int(3), 267 + int(4), 1 + int(2000), 65530 + int(6)][int(5)];
        if (rnd() < 0.3) { const v = [0, 1, 255, 256, 65535, 65536, 0xffffff, 0x1000000, 0xffffffff][int(9)]; return [n, uintBytes(v), `${n}=#${v}`]; }
        const value = Buffer.from(Array.from({ length: [0, 1, 12, 13, 14, 268, 269, 270][int(8)] }, () => int(256)));
        return [n, value, `${n}=${value.toString("hex")}`];
      });
      const payload = Buffer.from(Array.from({ length: rnd() < 0.5 ? 0 : 1 + int(20) }, () => int(256)));
      return { type: int(4), code: int(256), mid: int(65536), token, opts, payload };
    });
    const got = await run(cases.map((c) => ({
      op: "coap_build", type: c.type, code: c.code, mid: c.mid, ...(c.token.length ? { token: c.token.toString("hex") } : {}),
      ...(c.opts.length ? { options: c.opts.map((o) => o[2]).join(",") } : {}), ...(c.payload.length ? { payload: c.payload.toString("hex") } : {}),
    })));
    cases.forEach((c, i) => {
      const want = refBuildCoap(c.type, c.code, c.mid, c.token, c.opts.map(([n, v]) => [n, v]), c.payload).toString("hex");
      expect(got[i], JSON.stringify(c.opts.map((o) => o[2]))).toEqual({ hex: want, canary: true });
    });
    // What was built parses back to the same options (wire order) under the reference parser too.
    const parsed = await run(got.map((g) => ({ op: "coap_parse", hex: g.hex })));
    parsed.forEach((p, i) => expect(p, got[i].hex).toEqual(refParseCoap(Buffer.from(got[i].hex, "hex"))));
  });

  it("encodes and decodes Block1/Block2 values (RFC 7959 §2.2), rejecting SZX 7 and oversized values", async () => {
    const dec: [string, object][] = [
      ["", { num: 0, m: false, szx: 0, size: 16 }],
      ...RFC9148.block2_values.map((b: any): [string, object] => [b.hex, { num: b.num, m: b.m, szx: b.szx, size: 64 }]),
      ["fffffe", { num: 0xfffff, m: true, szx: 6, size: 1024 }], ["0100", { num: 16, m: false, szx: 0, size: 16 }],
      ["07", { error: "E_MALFORMED" }], ["ffffff", { error: "E_MALFORMED" }], ["0f", { error: "E_MALFORMED" }],
      ["00000000", { error: "E_MALFORMED" }],
    ];
    const enc: [number, number, number, object][] = [
      [0, 1, 2, { value: 0x0a }], [9, 0, 2, { value: 0x92 }], [0xfffff, 1, 6, { value: 0xfffffe }],
      [0x100000, 0, 0, { error: "E_LIMIT" }], [0, 0, 7, { error: "E_USAGE" }],
    ];
    const got = await run([
      ...dec.map(([hex]) => ({ op: "block_decode", hex })),
      ...enc.map(([num, m, szx]) => ({ op: "block_encode", num, m, szx })),
    ]);
    dec.forEach(([hex, want], i) => expect(got[i], hex).toEqual(want));
    enc.forEach(([num, m, szx, want], i) => expect(got[dec.length + i], `${num}/${m}/${szx}`).toEqual(want));
  });

  it("reads Content-Format, Accept, Max-Age, Size1/Size2 and Block1/Block2 through the named helpers", async () => {
    const resp = RFC9148.messages[1];
    const cases: [string, object][] = [
      [resp.hex, { cf: 281, accept: -1, max_age: 60, size1: -1, size2: -1, block1: null, block2: [0, 1, 2] }],
      [RFC9148.messages[0].hex, { cf: -1, accept: 281, max_age: 60, size1: -1, size2: -1, block1: null, block2: null }],
      // Content-Format 0 (empty value), Max-Age 0, Block1 NUM 3 M 1 SZX 6, Size1 4096, Size2 0xffffffff
      ["40020001" + "c0" + "20" + "d1003e" + "d2141000", { cf: 0, accept: -1, max_age: 0, size1: 4096, size2: -1, block1: [3, 1, 6], block2: null }],
      ["40020001ff", { error: "E_MALFORMED" }],
      ["40020001" + "c50102030405" + "b2070f" + "410f", { cf: "E_MALFORMED", accept: -1, max_age: 60, size1: -1, size2: -1, block1: "E_MALFORMED", block2: "E_MALFORMED" }],
      ["40020001" + "93090001", { cf: -1, accept: -1, max_age: 60, size1: -1, size2: -1, block1: null, block2: null }],
      ["40020001" + "d40f" + "ffffffff", { cf: -1, accept: -1, max_age: 60, size1: -1, size2: 0xffffffff, block1: null, block2: null }],
    ];
    const got = await run(cases.map(([hex]) => ({ op: "coap_info", hex })));
    cases.forEach(([hex, want], i) => expect(got[i], hex).toEqual("error" in want ? want : { ok: true, ...want }));
  });

  it("splits paths into Uri-Path and Uri-Query options (RFC 7252 §6.4) and enforces the builder's limits", async () => {
    const cases: [string, [number, string][] | string][] = [
      ["", []], ["/", []], ["/.well-known/core", [[11, ".well-known"], [11, "core"]]],
      ["/est/crts", [[11, "est"], [11, "crts"]]], ["/est/", [[11, "est"], [11, ""]]],
      ["/.well-known/core?rt=ace.est", [[11, ".well-known"], [11, "core"], [15, "rt=ace.est"]]],
      ["?a&b=2", [[15, "a"], [15, "b=2"]]], ["/a?", [[11, "a"], [15, ""]]],
      ["/" + "x".repeat(255), [[11, "x".repeat(255)]]], ["/" + "x".repeat(256), "E_LIMIT"],
    ];
    const got = await run(cases.map(([path]) => ({ op: "coap_build", type: 0, code: 1, mid: 9, path })));
    const parsed = await run(got.map((g) => ({ op: "coap_parse", hex: g.hex ?? "" })));
    cases.forEach(([path, want], i) => {
      if (typeof want === "string") expect(got[i], path).toEqual({ error: want });
      else expect(parsed[i].options, path).toEqual(want.map(([n, s]) => ({ n, hex: asc(s) })));
    });
    const limits = await run([
      { op: "coap_build", type: 0, code: 1, mid: 9, token: "010203040506070809" },
      { op: "coap_build", type: 0, code: 1, mid: 9, options: Array.from({ length: 25 }, (_, k) => `${k + 1}=00`).join(",") },
      { op: "coap_build", type: 0, code: 1, mid: 9, options: Array.from({ length: 24 }, (_, k) => `${k + 1}=00`).join(",") },
      { op: "coap_build", type: 0, code: 1, mid: 9, options: "0=00" },
    ]);
    expect(limits[0]).toEqual({ error: "E_LIMIT" });
    expect(limits[1]).toEqual({ error: "E_LIMIT" });
    expect(limits[2].hex).toMatch(/^40010009/);
    expect(limits[3].error).toBe("E_USAGE");
  });

  it("parses and builds bodies without header and token (OSCORE plaintext shape, RFC 8613 §5.3)", async () => {
    const bodyOf = (m: Msg) => m.hex.slice(8 + m.token.length);
    const got = await run(MESSAGES.flatMap((m) => [{ op: "coap_parse_body", hex: bodyOf(m) }, buildReq(m, { body: 1 })]));
    MESSAGES.forEach((m, i) => {
      expect(got[2 * i], m.name).toEqual({ type: 0, code: 0, mid: 0, token: "", options: sorted(m), payload: m.payload, unknown_critical: 0 });
      expect(got[2 * i + 1], m.name).toEqual({ hex: bodyOf(m), canary: true });
    });
    // Every truncation of a body parses like the same bytes behind a header with no token.
    const reqs: { op: string; hex: string }[] = [];
    for (const m of MESSAGES) for (let n = 0; n <= bodyOf(m).length / 2; n++) reqs.push({ op: "coap_parse_body", hex: bodyOf(m).slice(0, 2 * n) });
    const cut = await run(reqs);
    reqs.forEach((r, i) => {
      const ref = refParseCoap(Buffer.from("40010000" + r.hex, "hex"));
      expect(cut[i], r.hex).toEqual("error" in ref ? ref : { ...ref, type: 0, code: 0, mid: 0 });
    });
  });

  it("never writes past the build capacity", async () => {
    const reqs: object[] = [];
    const want: object[] = [];
    for (const m of MESSAGES) {
      const size = m.hex.length / 2;
      for (let cap = 0; cap <= size; cap++) {
        reqs.push(buildReq(m, { cap }));
        want.push(cap < size ? { error: "E_BUFFER_TOO_SMALL", canary: true } : { hex: m.hex, canary: true });
      }
    }
    expect(await run(reqs)).toEqual(want);
  });

  it("coap-parse and coap-build work as command lines", async () => {
    const ks = join(tempDir(), "ks");
    const m = MESSAGES[0];
    const p = await runCommand(host, ["--module", CODEC, "--store", ks, "coap-parse", m.hex]);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject({ mid: m.mid, options: sorted(m) });
    const b = await runCommand(host, ["--module", CODEC, "--store", ks, "coap-build", JSON.stringify({ type: 0, code: 1, mid: 0x7d34, path: "/temperature" })]);
    expect(b).toMatchObject({ code: 0, stdout: m.hex + "\n" });
    const bad = await runCommand(host, ["--module", CODEC, "--store", ks, "coap-parse", "40010001ff"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("E_MALFORMED");
  });
});
