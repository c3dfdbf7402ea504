// CoRE Link Format parser (assembly/coap/linkformat.ts) through the codec test module under both hosts.
// Oracles: the discovery documents printed in RFC 9148 §4.1 and the EST-oscore draft §4.1, RFC 6690-style
// documents, hand-written junk, and a parse -> serialize -> parse round trip over random documents.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HOSTS, ROOT, evalVectors, runCommand, tempDir } from "./helpers/hosts.js";

const CODEC = join(ROOT, "build/codec-test.wasm");
const V = JSON.parse(readFileSync(join(ROOT, "test/vectors/linkformat.json"), "utf8"));
const hex = (s: string) => Buffer.from(s, "utf8").toString("hex");
const parse = (text: string) => ({ op: "link_parse", hex: hex(text) });
const find = (text: string, prefix: string) => ({ op: "link_find", hex: hex(text), prefix });

/** Serialize parsed links back to link-format (values quoted except sz, which is a bare cardinal; flags bare). */
function serialize(links: any[]): string {
  return links.map((l) => `<${l.target}>` + l.attrs.map(([n, v]: [string, string | true]) => (v === true ? `;${n}` : n === "sz" ? `;sz=${v}` : `;${n}="${v}"`)).join("")).join(",");
}

describe.each(HOSTS)("link-format parser under %s", (host) => {
  const run = (reqs: object[]) => evalVectors(host, reqs, CODEC);

  it("parses the RFC 9148, EST-oscore and RFC 6690-style discovery documents", async () => {
    const got = await run(V.documents.map((d: any) => parse(d.text)));
    V.documents.forEach((d: any, i: number) => expect(got[i], d.source).toEqual(d.links));
  });

  it("finds the first link whose rt has a prefix and reports its path, ct list and osc flag", async () => {
    const [est, port, osc, sensors] = V.documents.map((d: any) => d.text);
    const got = await run([
      find(est, "ace.est"), find(est, "ace.est.sen"), find(est, "ace.est.skc"), find(est, "ace.es"), find(est, "core.edhoc"),
      find(port, "ace.est.sren"), find(osc, "ace.est"), find(sensors, "light-lux"),
      find('</x>;rt="ace.estimate",</y>;rt="foo ace.est.sen"', "ace.est"),
      find('</x>;rt="ace.est.sen";ct=', "ace.est"),
    ]);
    expect(got[0]).toEqual({ found: true, path: "/est/crts", ct: [281, 287], osc: false, rt: "ace.est.crts" });
    expect(got[1]).toEqual({ found: true, path: "/est/sen", ct: [281, 287], osc: false, rt: "ace.est.sen" });
    expect(got[2]).toEqual({ found: true, path: "/est/skc", ct: [62], osc: false, rt: "ace.est.skc" });
    expect(got[3]).toEqual({ found: false }); // "ace.es" is not a dotted prefix of "ace.est.crts"
    expect(got[4]).toEqual({ found: false });
    expect(got[5]).toEqual({ found: true, path: "/est/sren", ct: [281, 287], osc: false, rt: "ace.est.sren" });
    expect(got[6]).toEqual({ found: true, path: "/est", ct: [], osc: true, rt: "ace.est.sen" });
    expect(got[7]).toMatchObject({ found: true, path: "/sensors/light" });
    expect(got[8]).toEqual({ found: true, path: "/y", ct: [], osc: false, rt: "foo ace.est.sen" });
    expect(got[9]).toEqual({ error: "E_MALFORMED" });
  });

  it("rejects junk with E_MALFORMED and oversized values with E_LIMIT", async () => {
    const malformed = [
      "<", "</a", "</a>;", "</a>;rt=\"x", "</a>;rt=", "</a>,", ",</a>", "</a>,,</b>", "</a> </b>", "</a>;=x", "</a>;;rt=x",
      "</a>;rt=a;rt=b", "</a>;ct=1;ct=2", "</a>;if=a;if=b", "</a>;sz=1;sz=2", "</a>;ct=abc", "</a>;ct=\"1  2\"", "</a>;ct=\" 1\"",
      "</a>;ct=\"\"", "</a>;ct=70000", "</a>;ct=1 2", "</a>;sz=x", "</a>;sz=\"5\"", "<coap://[::1>", "<coap://h:99999/x>",
      "<coap://h:5683x>", "</a b>", "</a<b>", "</a>;rt=\"x\"junk", "junk", "</a>x", "</a>;rt=\"x\\", "</a>;rt", "</a>;ct",
      "</a>;t\u00e9=1", "</a>;rt=a\"b", "\u0000", "</a>;rt=\"a\u0001\"",
    ];
    const limit = ["</a>;ct=\"1 2 3 4 5 6 7 8 9\"", "</a>;sz=99999999999", "</a>;sz=4294967296"];
    const got = await run([...malformed, ...limit].map(parse));
    malformed.forEach((t, i) => expect(got[i], JSON.stringify(t)).toEqual({ error: "E_MALFORMED" }));
    limit.forEach((t, i) => expect(got[malformed.length + i], t).toEqual({ error: "E_LIMIT" }));
    const ok = await run([parse("</a>;ct=\"1 2 3 4 5 6 7 8\""), parse("</a>;sz=4294967295"), parse("<>"), parse(" \r\n</a> ,\t</b> ")]);
    expect(ok[0][0].ct).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ok[1][0].sz).toBe(4294967295);
    expect(ok[2]).toEqual([{ target: "", host: null, port: null, path: "", rt: null, if: null, ct: [], sz: null, osc: false, attrs: [] }]);
    expect(ok[3].map((l: any) => l.target)).toEqual(["/a", "/b"]);
  });

  it("never traps on 4000 random documents; what it accepts survives a serialize/parse round trip", async () => {
    let seed = 0x11ca7;
    const rnd = () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed / 4294967296; };
    const pieces = ["<", ">", "/", "a", "est", ";", ",", "=", "\"", " ", "rt", "ct", "osc", "sz", "if", "1", "281", "\\", "coap://", "[", "]", ":", "?", "x.y", "\n"];
    const docs: string[] = [];
    for (let k = 0; k < 4000; k++) {
      if (rnd() < 0.5) { // near-valid: a few links with attributes, then maybe one random edit
        const links = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => {
          let l = `</${pieces[3 + Math.floor(rnd() * 2)]}>`;
          for (let a = Math.floor(rnd() * 4); a > 0; a--) {
            l += [";osc", ";rt=\"ace.est.sen\"", ";ct=281", ";ct=\"281 287\"", ";sz=12", ";if=x", ";title=\"t t\""][Math.floor(rnd() * 7)];
          }
          return l;
        });
        let d = links.join(",");
        if (rnd() < 0.5) { const at = Math.floor(rnd() * d.length); d = d.slice(0, at) + pieces[Math.floor(rnd() * pieces.length)] + d.slice(at + 1); }
        docs.push(d);
      } else {
        docs.push(Array.from({ length: Math.floor(rnd() * 12) }, () => pieces[Math.floor(rnd() * pieces.length)]).join(""));
      }
    }
    const got = await run(docs.map(parse));
    const accepted = docs.map((d, i) => [d, got[i]] as const).filter(([, g]) => Array.isArray(g));
    got.forEach((g, i) => { if (!Array.isArray(g)) expect(["E_MALFORMED", "E_LIMIT"], docs[i]).toContain(g.error); });
    expect(accepted.length).toBeGreaterThan(500);
    expect(accepted.length).toBeLessThan(docs.length - 500);
    const again = await run(accepted.map(([, g]) => parse(serialize(g as any[]))));
    accepted.forEach(([d, g], i) => expect(again[i], d).toEqual(g));
  });

  it("link-parse works as a command line", async () => {
    const ks = join(tempDir(), "ks");
    const r = await runCommand(host, ["--module", CODEC, "--store", ks, "link-parse", '</est>; rt="ace.est.sen";osc']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(V.documents[2].links);
    const bad = await runCommand(host, ["--module", CODEC, "--store", ks, "link-parse", "</est"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("E_MALFORMED");
  });
});
