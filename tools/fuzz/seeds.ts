// Seed inputs of every fuzz target (tools/fuzz/run.ts), from the RFC vectors in test/vectors, from openssl,
// from traffic captured from aiocoap/lakers and libcoap (test/fuzz/captured), and hand-made valid examples
// of each format. Also used by test/fuzz-memory.test.ts.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { createHash } from "node:crypto";
import { encode as encodeCoap } from "../server/coap.js";
import { c509FromX509, encodeCertificate } from "../c509/index.js";

const ROOT = resolve(import.meta.dirname, "../..");
const vec = (f: string) => JSON.parse(readFileSync(join(ROOT, "test/vectors", f), "utf8"));
const hex = (h: string) => Buffer.from(h, "hex");

export function seeds(allTargets: string[]): Record<string, Buffer[]> {
  const s: Record<string, Buffer[]> = Object.fromEntries(allTargets.map((t) => [t, []]));
  for (const e of vec("cbor-rfc8949-appendix-a.json").examples) s.cbor.push(hex(e.hex));
  for (const t of ["edhoc-rfc9529-trace1.json", "edhoc-rfc9529-trace2.json"]) {
    const v = vec(t);
    s.edhoc_m2.push(hex(v.input.message_2));
    s.cbor.push(hex(v.input.message_2), hex(v.expect.message_1), hex(v.input.cred_r));
  }
  for (const m of vec("coap-examples.json").messages) s.coap.push(hex(m.hex));
  for (const c of vec("oscore-rfc8613-appendix-c.json").cases) {
    for (const k of ["protected_request", "protected_response"]) if (c.expect[k]) { s.oscore.push(hex(c.expect[k])); s.coap.push(hex(c.expect[k])); }
  }
  for (const d of vec("linkformat.json").documents) s.link.push(Buffer.from(d.text));
  // X.509, PKCS#7 and PKCS#8 from openssl: a P-256 and an Ed25519 CA certificate, a bundle, the keys.
  const dir = join(tmpdir(), `est-fuzz-seeds-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, alg] of [["p256", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]], ["ed", ["-newkey", "ed25519"]]] as const) {
    execFileSync("openssl", ["req", "-x509", ...alg, "-nodes", "-keyout", join(dir, `${name}.key`), "-out", join(dir, `${name}.pem`), "-subj", `/CN=${name}`, "-days", "1"], { stdio: "ignore" });
    s.x509.push(execFileSync("openssl", ["x509", "-in", join(dir, `${name}.pem`), "-outform", "DER"]));
    s.pkcs8.push(execFileSync("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", join(dir, `${name}.key`), "-outform", "DER"]));
  }
  s.pkcs7.push(execFileSync("openssl", ["crl2pkcs7", "-nocrl", "-certfile", join(dir, "p256.pem"), "-certfile", join(dir, "ed.pem"), "-outform", "DER"]));
  const p256Der = s.x509[0], edDer = s.x509[1], p256Key = s.pkcs8[0], edKey = s.pkcs8[1];

  // block: a mode byte, then length-prefixed responses (Message ID and token are patched in by the entry).
  const tok = Buffer.alloc(4);
  const frames = (mode: number, msgs: Buffer[]) => Buffer.concat([Buffer.of(mode), ...msgs.flatMap((m) => [Buffer.of(m.length >> 8, m.length & 0xff), m])]);
  const ack = (code: number, opts: [number, Buffer][], payload = Buffer.alloc(0)) => Buffer.from(encodeCoap({ type: 2, code, mid: 0, token: tok, options: opts, payload }));
  const blockOpt = (num: number, more: boolean, szx: number) => { const v = (num << 4) | (more ? 8 : 0) | szx; return v < 256 ? Buffer.of(v) : Buffer.of(v >> 8, v & 0xff); };
  s.block.push(frames(0x18, [ack(0x45, [[23, blockOpt(0, true, 6)], [28, Buffer.of(0x07, 0xd0)]], Buffer.alloc(1024, 0x61)), ack(0x45, [[23, blockOpt(1, false, 6)]], Buffer.alloc(976, 0x62))]));
  s.block.push(frames(0x11, [ack(0x5f, [[27, blockOpt(0, true, 4)]]), ack(0x5f, [[27, blockOpt(1, true, 4)]]), ack(0x44, [[27, blockOpt(2, false, 4)]])]));
  s.block.push(frames(0x02, [ack(0x44, [[9, Buffer.of(0x09)], [23, blockOpt(0, true, 2)]], Buffer.alloc(64, 0x63)), ack(0x44, [[9, Buffer.of(0x09)], [23, blockOpt(1, false, 2)]], Buffer.alloc(20, 0x64))]));
  s.block.push(frames(0x00, [Buffer.from(encodeCoap({ type: 2, code: 0, mid: 0, token: Buffer.alloc(0), options: [], payload: Buffer.alloc(0) })), ack(0xa3, [[14, Buffer.of(5)]], Buffer.from("later"))]));

  // edhoc_err: ERR_CODE 1 with a text, ERR_CODE 2 with SUITES_R as an int and as an array (RFC 9528 §6).
  s.edhoc_err.push(Buffer.from("0166626164206d32", "hex"), Buffer.of(0x02, 0x02), Buffer.of(0x02, 0x82, 0x00, 0x02), Buffer.of(0x02, 0x83, 0x06, 0x18, 0x18, 0x02));

  // multipart: [284, PKCS#8 key, 281 (PKCS#7) or 287 (certificate), ...] (RFC 8710; the EST-oscore draft's /skg).
  const cborBstr = (b: Buffer) => Buffer.concat([b.length < 24 ? Buffer.of(0x40 | b.length) : b.length < 256 ? Buffer.of(0x58, b.length) : Buffer.of(0x59, b.length >> 8, b.length & 0xff), b]);
  const cborUint = (v: number) => (v < 24 ? Buffer.of(v) : v < 256 ? Buffer.of(0x18, v) : Buffer.of(0x19, v >> 8, v & 0xff));
  const mp = (key: Buffer, cf: number, cert: Buffer) => Buffer.concat([Buffer.of(0x84), cborUint(284), cborBstr(key), cborUint(cf), cborBstr(cert)]);
  s.multipart.push(Buffer.concat([Buffer.of(0), mp(p256Key, 287, p256Der)]), Buffer.concat([Buffer.of(0), mp(edKey, 287, edDer)]), Buffer.concat([Buffer.of(1), mp(p256Key, 281, s.pkcs7[0])]));

  // csrattrs: CsrAttrs (RFC 7030 §4.5): challengePassword and ecdsa-with-SHA256 OIDs, an Attribute with values.
  const oidPw = Buffer.from("06092a864886f70d010907", "hex"), oidEs256 = Buffer.from("06082a8648ce3d040302", "hex");
  const attr = Buffer.from("301306072a8648ce3d0201310806062b810400220a", "hex");
  const seq = (...parts: Buffer[]) => { const b = Buffer.concat(parts); return Buffer.concat([Buffer.of(0x30, b.length), b]); };
  s.csrattrs.push(seq(), seq(oidEs256), seq(oidPw, oidEs256, attr), seq(Buffer.from("06032b6570", "hex")));

  // store: a selector byte, then the record every id reads back. OSCORE contexts (RFC 8613 C.1's secrets) in
  // the provisioned and the tagged format, sequence-number records, the EDHOC setup, a credential, the DRBG
  // seed, and a trust anchor as the record layout stores it (2-byte length + DER).
  const ctxRec = Buffer.concat([hex("0102030405060708090a0b0c0d0e0f10"), hex("9e7ca92223786340"), Buffer.of(0), Buffer.of(1, 1)]);
  const tagged = Buffer.concat([ctxRec, hex("01020304"), hex("0000000000000021")]);
  s.store.push(Buffer.concat([Buffer.of(0), ctxRec]), Buffer.concat([Buffer.of(0), tagged]), Buffer.concat([Buffer.of(1), hex("0000000000000040")]),
    Buffer.concat([Buffer.of(9), hex("000000000000004001020304")]), Buffer.concat([Buffer.of(2), Buffer.of(3, 2)]), Buffer.concat([Buffer.of(3), Buffer.of(3, 2, 0)]),
    Buffer.concat([Buffer.of(2), hex(vec("edhoc-rfc9529-trace2.json").input.cred_r)]), Buffer.concat([Buffer.of(4), Buffer.alloc(32, 7)]),
    Buffer.concat([Buffer.of(2), Buffer.of(p256Der.length >> 8, p256Der.length & 0xff), p256Der]));

  // c509: the C509 draft's Appendix A certificates (test/vectors/c509-draft-examples.json: types 3 and 2, both
  // encodings) and openssl's CA certificates re-encoded (tools/c509). c509_answer: a selector byte (0 COSE_C509
  // of one certificate, 1 a chain, 2 multipart-core) and the answer's payload.
  if (s.c509 && s.c509_answer) {
    const certs: Buffer[] = [];
    for (const e of vec("c509-draft-examples.json").examples) for (const k of ["c509", "c509_array"]) if (e[k]) certs.push(hex(e[k]));
    for (const d of [p256Der, edDer]) certs.push(Buffer.from(encodeCertificate(c509FromX509(new Uint8Array(d)), "sequence")));
    s.c509.push(...certs);
    const c = certs[certs.length - 2];
    const arr = (...items: Buffer[]) => Buffer.concat([Buffer.of(0x80 | items.length), ...items]);
    const uri = Buffer.from("coap://127.0.0.1:5683/.well-known/est/c5u/0123456789abcdef");
    const c5t = Buffer.concat([Buffer.of(0x82, 0x2e, 0x48), createHash("sha256").update(c).digest().subarray(0, 8)]);
    s.c509_answer.push(Buffer.concat([Buffer.of(0), cborBstr(c)]), Buffer.concat([Buffer.of(1), arr(cborBstr(c), cborBstr(certs[certs.length - 1]))]),
      Buffer.concat([Buffer.of(2), arr(cborUint(65017), cborBstr(c5t), cborUint(60), cborBstr(Buffer.concat([Buffer.of(0x78, uri.length), uri])), cborUint(65003), cborBstr(cborBstr(c)))]),
      Buffer.concat([Buffer.of(2), arr(cborUint(65017), cborBstr(c5t), cborUint(60), cborBstr(Buffer.concat([Buffer.of(0x78, uri.length), uri])))]));
  }

  // Traffic captured from aiocoap (with lakers) and libcoap in the interop exchanges (test/fuzz/captured).
  const cap = join(ROOT, "test/fuzz/captured");
  for (const f of readdirSync(cap).filter((x) => x.endsWith(".bin"))) {
    const t = f.split("-")[0];
    if (s[t]) s[t].push(readFileSync(join(cap, f)));
  }
  return s;
}

