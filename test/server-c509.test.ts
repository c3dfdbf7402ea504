// C509 on the development server and its CA, through the protocol path (EDHOC message_3 + OSCORE, the combined
// request, then OSCORE requests), with C509 CSRs made by tools/c509 as the device will make them
// (test/helpers/c509-csr.ts) and sent by a test Initiator (test/helpers/edhoc-client.ts):
//   - /sen and /sren take application/cose-c509-pkcs10 (types 2 and 3), check the signature or the DH MAC keyed
//     by this EDHOC run's G_Y, apply the identity policy, and issue C509 certificates of both types from the
//     same CA (checked with the CA's key, and a type 3 against the DER the CA recorded);
//   - the Accept negotiation of draft -11 §5.2: TBD3, the multipart-core answer with c5t / c5u (the c5u served
//     under OSCORE), 287 for a C509 CSR, TBD3 for a DER CSR; /crts in C509; the Content-Format numbers
//     configurable (formats.ts);
//   - refusals (bad signature, MAC keyed by another run, malformed CBOR, unknown formats, policy);
//   - EDHOC credentials by C509: a device identified by c5t / c5c (the real device, est-sim), the server by
//     c5t (est-sim) and c5c (the test Initiator checks its certificate).
import { createECDH, createHash, createPublicKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import * as c5 from "../tools/c509/index.js";
import { EstServer, type EstServerOptions } from "../tools/server/est.js";
import { BAD_REQUEST, CHANGED, CONTENT, FORBIDDEN, GET, NOT_ACCEPTABLE, UNSUPPORTED_FORMAT, getUint, OPT } from "../tools/server/coap.js";
import { C509_FORMAT_DEFAULTS, C509_FORMAT_TABLE, CF, c509Formats, parseFormatSetting } from "../tools/server/formats.js";
import { pkcs7Certificates } from "../tools/server/upstream.js";
import { provision, RECORDS, type ProvisionOptions } from "../tools/provision.js";
import { parseStore } from "../host/node/store.js";
import { deviceCsr, derCsr, deviceKey } from "./helpers/c509-csr.js";
import { handshake, OscoreClient, type InitiatorIdentity, type ResolvePeer } from "./helpers/edhoc-client.js";
import { runCommand, tempDir } from "./helpers/hosts.js";
import { UdpClient } from "./helpers/udp-client.js";

const T = 60_000;
const F = C509_FORMAT_DEFAULTS;
const SEN = "/.well-known/est/sen", SREN = "/.well-known/est/sren", CRTS = "/.well-known/est/crts";
const servers: EstServer[] = [];
const clients: UdpClient[] = [];
afterEach(async () => { for (const c of clients.splice(0)) c.close(); for (const s of servers.splice(0)) await s.stop(); });
const hex = c5.hex;
const text = (m: { payload: Uint8Array }) => Buffer.from(m.payload).toString("utf8");

/** A server, a provisioned device (default method 3, suite 2), and what the test Initiator needs of its store. */
async function rig(opts: Partial<EstServerOptions> = {}, prov: Partial<ProvisionOptions> = {}) {
  const dir = tempDir("est-c509-");
  const server = await EstServer.start({ dir: join(dir, "server"), ...opts });
  servers.push(server);
  const store = join(dir, "device.keystore");
  const p = provision({ serverDir: join(dir, "server"), store, ...prov });
  const recs = parseStore(new Uint8Array(readFileSync(store)));
  const rec = (id: number) => recs.find((r) => r.id === id)?.raw.subarray(12);
  const id: InitiatorIdentity = { suite: p.suite as 0 | 2, priv: rec(RECORDS.EDHOC_KEY)!, credI: rec(RECORDS.CRED_I)!, idCredI: rec(RECORDS.ID_CRED_I)! };
  const resolve: ResolvePeer = (m) => (rec(RECORDS.ID_CRED_R) && Buffer.from(m).equals(Buffer.from(rec(RECORDS.ID_CRED_R)!)) ? { credR: rec(RECORDS.CRED_R)!, gR: rec(RECORDS.PEER_KEY)! } : null);
  const caKey = new X509Certificate(Buffer.from(server.ca.chain[server.ca.chain.length - 1])).publicKey;
  return { server, dir, store, p, id, resolve, rec, caKey };
}
type Rig = Awaited<ReturnType<typeof rig>>;

/** A fresh EDHOC session: the first request carries message_3 (combined request). */
async function session(r: Rig, resolve = r.resolve, id = r.id) {
  const udp = await UdpClient.open(r.server.port);
  clients.push(udp);
  const h = await handshake(udp, id, resolve);
  const osc = new OscoreClient(udp, h.ctx);
  let first = true;
  const post = (path: string, o: { cf?: number; accept?: number; payload?: Uint8Array }) => {
    const m3 = first ? h.message3 : undefined;
    first = false;
    return osc.post(path, { ...o, message3: m3 });
  };
  const get = (path: string, accept?: number) => { const m3 = first ? h.message3 : undefined; first = false; return osc.request(GET, path, { accept, message3: m3 }); };
  return { h, post, get };
}

const one = (payload: Uint8Array) => { const certs = c5.decodeCoseC509(payload); expect(certs).toHaveLength(1); return certs[0]; };
const spkiOfCert = (c: c5.C509Certificate) => hex(c5.publicKeyToSpki(c.subjectPublicKeyAlgorithm, c.subjectPublicKey, "k"));
/** A public key's coordinates (JWK), whatever the point form of its SubjectPublicKeyInfo. */
const uncompressedSpki = (spki: Uint8Array) => JSON.stringify(createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }).export({ format: "jwk" }));

describe("C509 CSRs on /sen and /sren", () => {
  it("a natively signed (type 2) ES256 CSR with Accept TBD3 gets a type 2 certificate from the CA, for its key, with the registered name", async () => {
    const r = await rig({}, { name: "sensor-9" });
    const s = await session(r);
    const csr = deviceCsr({ kind: "es256", type: 2 });
    const res = await s.post(SEN, { cf: F.pkcs10, accept: F.cert, payload: csr.bytes });
    expect(res.code, text(res)).toBe(CHANGED);
    expect(getUint(res, OPT.CONTENT_FORMAT)).toBe(F.cert);
    // COSE_C509 with one certificate: a byte string holding ~C509Certificate (the draft text's C509CertData).
    expect(res.payload[0] >> 5).toBe(2);
    const cert = one(res.payload);
    expect(cert.type).toBe(2);
    expect(c5.verifyCertificate(cert, r.caKey)).toBe(true);
    expect(c5.nameToString(cert.subject)).toBe("CN=sensor-9");
    expect(uncompressedSpki(c5.publicKeyToSpki(cert.subjectPublicKeyAlgorithm, cert.subjectPublicKey, "k"))).toBe(uncompressedSpki(csr.spki));
    expect(c5.keyUsageOf(c5.certExtensions(cert))).toBe(1); // digitalSignature
    // Recorded as the device's current certificate (the C509 array), and the event says so.
    const row = r.server.db.currentCertificate(r.p.kid)!;
    expect(hex(row.der)).toBe(hex(c5.encodeCertificate(cert, "array")));
    expect(r.server.events.find((e) => e.kind === "enroll")).toMatchObject({ kid: r.p.kid, format: "c509" });
    // /sren under the same context: a new certificate, same key, new serial.
    const again = await s.post(SREN, { cf: F.pkcs10, accept: F.cert, payload: deviceCsr({ kind: "es256", type: 2 }).bytes });
    expect(again.code, text(again)).toBe(CHANGED);
    const c2 = one(again.payload);
    expect(c5.verifyCertificate(c2, r.caKey)).toBe(true);
    expect(hex(c2.serial)).not.toBe(hex(cert.serial));
  }, T);

  it("a type 3 CSR gets a type 3 certificate: the re-encoding of the DER certificate the CA recorded, which node:crypto verifies", async () => {
    const r = await rig();
    const s = await session(r);
    const res = await s.post(SEN, { cf: F.pkcs10, accept: F.cert, payload: deviceCsr({ kind: "es256", type: 3 }).bytes });
    expect(res.code, text(res)).toBe(CHANGED);
    const cert = one(res.payload);
    expect(cert.type).toBe(3);
    const der = c5.c509ToX509(cert);
    expect(new X509Certificate(Buffer.from(der)).verify(r.caKey)).toBe(true);
    expect(r.server.db.issuedBySha256(createHash("sha256").update(der).digest("hex"))?.device_kid).toBe(r.p.kid);
  }, T);

  it("Ed25519 CSRs (both types) on suite 0, and the server's c509CertType option overrides the CSR's type", async () => {
    const r = await rig({ c509CertType: 3 }, { suite: 0 });
    const s = await session(r);
    for (const type of [2, 3] as const) {
      const res = await s.post(SEN, { cf: F.pkcs10, accept: F.cert, payload: deviceCsr({ kind: "ed25519", type }).bytes });
      expect(res.code, text(res)).toBe(CHANGED);
      const cert = one(res.payload);
      expect(cert.type).toBe(3);
      expect(c5.algEntry(cert.subjectPublicKeyAlgorithm, "pk", "x")?.name).toMatch(/Ed25519/);
      expect(c5.verifyCertificate(cert, r.caKey)).toBe(true);
    }
  }, T);

  for (const [suite, kind] of [[2, "p256-dh"], [0, "x25519-dh"]] as const) {
    it(`a DH proof of possession (${kind}, types 2 and 3) keyed by this run's G_Y is accepted; one keyed by another run's is refused with 4.00`, async () => {
      const r = await rig({}, { suite });
      const a = await session(r);
      for (const type of [2, 3] as const) {
        const res = await a.post(SEN, { cf: F.pkcs10, accept: F.cert, payload: deviceCsr({ kind, type, gY: a.h.gY }).bytes });
        expect(res.code, text(res)).toBe(CHANGED);
        const cert = one(res.payload);
        expect(cert.type).toBe(type);
        expect(c5.verifyCertificate(cert, r.caKey)).toBe(true);
        expect(c5.keyUsageOf(c5.certExtensions(cert))).toBe(16); // keyAgreement
      }
      // The CSR made for session A, sent in session B (the device's new EDHOC run): not bound to B.
      const key = deviceKey(kind);
      const forA = deviceCsr({ kind, type: 2, gY: a.h.gY, key });
      const b = await session(r);
      const bad = await b.post(SREN, { cf: F.pkcs10, accept: F.cert, payload: forA.bytes });
      expect(bad.code).toBe(BAD_REQUEST);
      expect(text(bad)).toMatch(/DH proof of possession MAC does not verify/);
      const good = await b.post(SREN, { cf: F.pkcs10, accept: F.cert, payload: deviceCsr({ kind, type: 2, gY: b.h.gY, key }).bytes });
      expect(good.code, text(good)).toBe(CHANGED);
    }, T);
  }

  it("refusals: a tampered signature and malformed CBOR get 4.00, nothing is issued; an unknown format 4.15, an unknown Accept 4.06; a dNSName the registry does not allow 4.03", async () => {
    const r = await rig();
    const s = await session(r);
    const csr = deviceCsr({ kind: "es256", type: 2 });
    const sig = csr.c509.subjectSignatureValue as Uint8Array;
    const tampered = c5.encodeCsr({ ...csr.c509, subjectSignatureValue: Uint8Array.from(sig, (b, i) => (i === 5 ? b ^ 1 : b)) });
    const r1 = await s.post(SEN, { cf: F.pkcs10, accept: F.cert, payload: tampered });
    expect(r1.code).toBe(BAD_REQUEST);
    expect(text(r1)).toMatch(/CSR signature does not verify/);
    const r2 = await s.post(SEN, { cf: F.pkcs10, accept: F.cert, payload: csr.bytes.subarray(0, 40) });
    expect(r2.code).toBe(BAD_REQUEST);
    expect(text(r2)).toMatch(/malformed C509 CSR/);
    // A DER CSR sent as C509, and a C509 CSR sent as DER: each parser refuses the other's bytes.
    expect((await s.post(SEN, { cf: F.pkcs10, accept: F.cert, payload: derCsr({ kind: "es256", type: 3 }) })).code).toBe(BAD_REQUEST);
    expect((await s.post(SEN, { cf: CF.PKCS10, accept: CF.PKIX_CERT, payload: csr.bytes })).code).toBe(BAD_REQUEST);
    expect((await s.post(SEN, { cf: 65099, accept: F.cert, payload: csr.bytes })).code).toBe(UNSUPPORTED_FORMAT);
    expect((await s.post(SEN, { cf: F.pkcs10, accept: 65099, payload: csr.bytes })).code).toBe(NOT_ACCEPTABLE);
    expect((await s.post(SEN, { cf: CF.PKCS10, accept: CF.MULTIPART, payload: csr.der ?? derCsr({ kind: "es256", type: 3 }) })).code).toBe(NOT_ACCEPTABLE);
    const r3 = await s.post(SEN, { cf: F.pkcs10, accept: F.cert, payload: deviceCsr({ kind: "es256", type: 2, dns: "www.example.com" }).bytes });
    expect(r3.code).toBe(FORBIDDEN);
    expect(text(r3)).toMatch(/subjectAltName www\.example\.com is not allowed/);
    expect(r.server.events.filter((e) => e.kind === "enroll")).toHaveLength(0);
    expect(r.server.db.currentCertificate(r.p.kid)).toBeUndefined();
  }, T);

  it("a DH proof of possession under a pre-shared OSCORE context (no EDHOC, no G_Y) is refused with 4.00", async () => {
    const r = await rig({}, { psk: true });
    const rec = r.rec(RECORDS.OSCORE_CTX)!;
    const { deriveContext } = await import("../tools/server/oscore-server.js");
    const sid = rec.subarray(25, 25 + rec[24]), rid = rec.subarray(26 + rec[24], 26 + rec[24] + rec[25 + rec[24]]);
    const udp = await UdpClient.open(r.server.port);
    clients.push(udp);
    const osc = new OscoreClient(udp, deriveContext({ masterSecret: rec.subarray(0, 16), masterSalt: rec.subarray(16, 24), senderId: sid, recipientId: rid }));
    const someGy = createECDH("prime256v1"); someGy.generateKeys();
    const res = await osc.post(SEN, { cf: F.pkcs10, accept: F.cert, payload: deviceCsr({ kind: "p256-dh", type: 2, gY: new Uint8Array(someGy.getPublicKey().subarray(1, 33)) }).bytes });
    expect(res.code).toBe(BAD_REQUEST);
    expect(text(res)).toMatch(/needs EDHOC/);
    // A signature proof works there.
    const ok = await osc.post(SEN, { cf: F.pkcs10, accept: F.cert, payload: deviceCsr({ kind: "es256", type: 2 }).bytes });
    expect(ok.code, text(ok)).toBe(CHANGED);
  }, T);
});

describe("answers by Accept (draft -11 §5.2)", () => {
  it("no Accept with a C509 CSR: multipart-core with the c5t, the c5u and the certificate; the c5u is served under OSCORE", async () => {
    const r = await rig();
    const s = await session(r);
    const res = await s.post(SEN, { cf: F.pkcs10, payload: deviceCsr({ kind: "es256", type: 2 }).bytes });
    expect(res.code, text(res)).toBe(CHANGED);
    expect(getUint(res, OPT.CONTENT_FORMAT)).toBe(CF.MULTIPART);
    const parts = c5.decodeItem(res.payload) as c5.CborValue[];
    expect(parts.filter((_, i) => i % 2 === 0)).toEqual([F.certhashC509, CF.CBOR, F.cert]);
    const cert = one(parts[5] as Uint8Array);
    expect(c5.verifyCertificate(cert, r.caKey)).toBe(true);
    const [alg, h] = c5.decodeItem(parts[1] as Uint8Array) as [number, Uint8Array];
    expect(alg).toBe(-15);
    expect(hex(h)).toBe(createHash("sha256").update(c5.encodeCertificate(cert, "sequence")).digest("hex").slice(0, 16));
    const uri = c5.decodeItem(parts[3] as Uint8Array) as string;
    expect(uri).toMatch(new RegExp(`^coap://127\\.0\\.0\\.1:${r.server.port}/\\.well-known/est/c5u/[0-9a-f]{16}$`));
    const got = await s.get(new URL(uri.replace(/^coap/, "http")).pathname);
    expect(got.code).toBe(CONTENT);
    expect(getUint(got, OPT.CONTENT_FORMAT)).toBe(F.certChain);
    expect(hex(c5.encodeCertificate(one(got.payload)))).toBe(hex(c5.encodeCertificate(cert)));
    expect((await s.get("/.well-known/est/c5u/0000000000000000")).code).toBe(0x84); // 4.04
  }, T);

  it("the multipart parts follow byReference; a policy without a reference is refused at start", async () => {
    await expect(EstServer.start({ dir: join(tempDir("est-c509-"), "s"), byReference: ["cert"] })).rejects.toThrow(/needs a reference/);
    const r = await rig({ byReference: ["c5u"] });
    const s = await session(r);
    const res = await s.post(SEN, { cf: F.pkcs10, payload: deviceCsr({ kind: "es256", type: 3 }).bytes });
    const parts = c5.decodeItem(res.payload) as c5.CborValue[];
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(CF.CBOR);
  }, T);

  it("Accept c5t or application/cbor: the reference alone; Accept 287 with a C509 CSR: DER; Accept TBD3 with a DER CSR: type 3", async () => {
    const r = await rig();
    const s = await session(r);
    const t = await s.post(SEN, { cf: F.pkcs10, accept: F.certhashC509, payload: deviceCsr({ kind: "es256", type: 2 }).bytes });
    expect(getUint(t, OPT.CONTENT_FORMAT)).toBe(F.certhashC509);
    const recorded = c5.decodeCertificate(r.server.db.currentCertificate(r.p.kid)!.der);
    expect(hex(t.payload)).toBe(hex(c5.encodeItem([-15, new Uint8Array(createHash("sha256").update(c5.encodeCertificate(recorded, "sequence")).digest().subarray(0, 8))])));
    const u = await s.post(SREN, { cf: F.pkcs10, accept: CF.CBOR, payload: deviceCsr({ kind: "es256", type: 2 }).bytes });
    expect(getUint(u, OPT.CONTENT_FORMAT)).toBe(CF.CBOR);
    expect(c5.decodeItem(u.payload)).toMatch(/\/\.well-known\/est\/c5u\/[0-9a-f]{16}$/);
    const csr = deviceCsr({ kind: "es256", type: 2 });
    const d = await s.post(SREN, { cf: F.pkcs10, accept: CF.PKIX_CERT, payload: csr.bytes });
    expect(getUint(d, OPT.CONTENT_FORMAT)).toBe(CF.PKIX_CERT);
    const x = new X509Certificate(Buffer.from(d.payload));
    expect(x.verify(r.caKey)).toBe(true);
    expect(uncompressedSpki(new Uint8Array(x.publicKey.export({ format: "der", type: "spki" })))).toBe(uncompressedSpki(csr.spki));
    const p7 = await s.post(SREN, { cf: F.pkcs10, accept: CF.PKCS7_CERTS, payload: deviceCsr({ kind: "es256", type: 3 }).bytes });
    expect(pkcs7Certificates(p7.payload)).toHaveLength(1);
    const fromDer = await s.post(SREN, { cf: CF.PKCS10, accept: F.cert, payload: derCsr({ kind: "es256", type: 3 }) });
    expect(getUint(fromDer, OPT.CONTENT_FORMAT)).toBe(F.cert);
    const c = one(fromDer.payload);
    expect(c.type).toBe(3);
    expect(hex(c5.c509ToX509(c))).toBe(hex(r.server.db.currentCertificate(r.p.kid)!.der));
    // A DER CSR without Accept still gets 281 (draft -11 §5.2.1).
    const none = await s.post(SREN, { cf: CF.PKCS10, payload: derCsr({ kind: "es256", type: 3 }) });
    expect(getUint(none, OPT.CONTENT_FORMAT)).toBe(CF.PKCS7_CERTS);
  }, T);

  it("/crts with Accept TBD3: the CA chain as COSE_C509 (type 3, converting back to the CA's DER exactly), in either wrapping", async () => {
    for (const [wrap, intermediate] of [["sequence", false], ["array", true]] as const) {
      const r = await rig({ c509Wrap: wrap, intermediate });
      const s = await session(r);
      const res = await s.get(CRTS, F.cert);
      expect(res.code).toBe(CONTENT);
      expect(getUint(res, OPT.CONTENT_FORMAT)).toBe(F.cert);
      const certs = c5.decodeCoseC509(res.payload);
      expect(certs.map((c) => hex(c5.c509ToX509(c)))).toEqual(r.server.ca.chain.map(hex));
      const items = intermediate ? (c5.decodeItem(res.payload) as Uint8Array[]) : [c5.decodeItem(res.payload) as Uint8Array];
      for (const b of items) expect(b[0] === 0x8b).toBe(wrap === "array");
      // DER as before; an unknown Accept 4.06.
      expect(getUint(await s.get(CRTS), OPT.CONTENT_FORMAT)).toBe(CF.PKCS7_CERTS);
      expect((await s.get(CRTS, 65099)).code).toBe(NOT_ACCEPTABLE);
    }
  }, T);
});

describe("Content-Format numbers (tools/server/formats.ts)", () => {
  it("defaults are 65000 + n for TBDn; the environment and options override them, options first; bad settings are refused", () => {
    expect(F).toMatchObject({ cert: 65003, pkcs10: 65004, privkey: 65010, certChain: 65015, certhash: 65016, certhashC509: 65017, crtemplate: 65019 });
    expect(c509Formats({}, { EST_CF_C509_CERT: "65100" }).cert).toBe(65100);
    expect(c509Formats({ cert: 65200 }, { EST_CF_C509_CERT: "65100" }).cert).toBe(65200);
    expect(() => c509Formats({ cert: 287 }, {})).toThrow(/assigned/);
    expect(() => c509Formats({ cert: 65004 }, {})).toThrow(/both set to 65004/);
    expect(() => c509Formats({}, { EST_CF_C509_PKCS10: "x" })).toThrow(/EST_CF_C509_PKCS10/);
    expect(() => c509Formats({ pkcs10: 70000 }, {})).toThrow(/0\.\.65535/);
    expect(parseFormatSetting("TBD4=65101")).toEqual({ pkcs10: 65101 });
    expect(parseFormatSetting("certChain=65102")).toEqual({ certChain: 65102 });
    expect(() => parseFormatSetting("nope=1")).toThrow(/NAME=N/);
    expect(new Set(C509_FORMAT_TABLE.map((x) => x.env)).size).toBe(C509_FORMAT_TABLE.length);
  });

  it("a server configured with other numbers takes them and no longer the defaults; discovery lists its C509 format", async () => {
    const r = await rig({ contentFormats: { pkcs10: 65204, cert: 65203 } });
    expect(r.server.cf).toMatchObject({ pkcs10: 65204, cert: 65203 });
    const s = await session(r);
    expect((await s.post(SEN, { cf: 65004, accept: 65203, payload: deviceCsr({ kind: "es256", type: 2 }).bytes })).code).toBe(UNSUPPORTED_FORMAT);
    const res = await s.post(SEN, { cf: 65204, accept: 65203, payload: deviceCsr({ kind: "es256", type: 2 }).bytes });
    expect(res.code, text(res)).toBe(CHANGED);
    expect(getUint(res, OPT.CONTENT_FORMAT)).toBe(65203);
    const udp = await UdpClient.open(r.server.port);
    clients.push(udp);
    const d = await udp.exchange({ ...udp.post("/.well-known/core", new Uint8Array(0)), code: GET });
    expect(Buffer.from(d!.payload).toString()).toContain('</.well-known/est/sen>;rt="ace.est.sen";ct="281 287 65203 62";osc');
  }, T);

  it("the environment sets the numbers of a server started without options", async () => {
    const saved = process.env.EST_CF_C509_PKCS10;
    process.env.EST_CF_C509_PKCS10 = "65304";
    try {
      const r = await rig();
      expect(r.server.cf.pkcs10).toBe(65304);
      const s = await session(r);
      const res = await s.post(SEN, { cf: 65304, accept: F.cert, payload: deviceCsr({ kind: "es256", type: 3 }).bytes });
      expect(res.code, text(res)).toBe(CHANGED);
    } finally { if (saved === undefined) delete process.env.EST_CF_C509_PKCS10; else process.env.EST_CF_C509_PKCS10 = saved; }
  }, T);
});

describe("EDHOC credentials by C509 (c5t, c5c)", () => {
  const enroll = (port: number, store: string) => runCommand("wasm3", ["--store", store, "enroll", "--json", "--ack-timeout", "300", `coap://127.0.0.1:${port}`], { timeoutMs: T });

  for (const cred of ["c5t", "c5c"] as const) {
    it(`a device provisioned with --device-cred ${cred} (the real device, est-sim) is identified by the server and enrolls`, async () => {
      const r = await rig({}, { deviceCred: cred });
      // The records: CRED_I is the C509Certificate array, natively signed by the CA, for the device's EDHOC key;
      // ID_CRED_I is {22: [-15, hash]} or {25: bstr(~C509Certificate)}.
      const credI = r.rec(RECORDS.CRED_I)!, idCredI = r.rec(RECORDS.ID_CRED_I)!;
      expect(credI[0]).toBe(0x8b);
      const cert = c5.decodeCertificate(credI);
      expect(cert.type).toBe(2);
      expect(c5.verifyCertificate(cert, r.caKey)).toBe(true);
      const seqBytes = c5.encodeCertificate(cert, "sequence");
      if (cred === "c5t") expect(hex(idCredI)).toBe(`a116822e48${createHash("sha256").update(seqBytes).digest("hex").slice(0, 16)}`);
      else expect(hex(idCredI)).toBe(`a11819${hex(c5.encodeItem(seqBytes))}`);
      const res = await enroll(r.server.port, r.store);
      const rep = JSON.parse(res.stdout.trim().split("\n").pop() || "{}");
      expect(rep.ok, res.stderr).toBe(true);
      expect(r.server.events.find((e) => e.kind === "edhoc")?.kid).toBe(r.p.kid);
    }, T);
  }

  it("the server identified by c5t: the device (est-sim) matches it against its records and enrolls", async () => {
    const r = await rig({ serverCred: "c5t" }, { serverCred: "c5t" });
    const idCredR = r.rec(RECORDS.ID_CRED_R)!;
    expect(hex(idCredR).startsWith("a116822e48")).toBe(true);
    const res = await enroll(r.server.port, r.store);
    expect(JSON.parse(res.stdout.trim().split("\n").pop() || "{}").ok, res.stderr).toBe(true);
  }, T);

  it("the server identified by c5c: its certificate travels in ID_CRED_R, verifies under the CA, carries the server's key, and is CRED_R", async () => {
    for (const wrap of ["sequence", "array"] as const) {
      const r = await rig({ serverCred: "c5c", c509Wrap: wrap }, { serverCred: "c5c" });
      // The device gets the server's subject as a C509 Name (its first byte is not 0x30, a DER Name's).
      const subject = r.rec(RECORDS.PEER_SUBJECT)!;
      expect(c5.nameToString(c5.decodeItem(subject))).toBe("CN=est-oscore-server");
      let seen: c5.C509Certificate | undefined;
      const resolve: ResolvePeer = (m) => {
        expect(hex(m.subarray(0, 3))).toBe("a11819");
        const certs = c5.decodeCoseC509(m.subarray(3));
        const inner = c5.decodeItem(m.subarray(3)) as Uint8Array;
        expect(inner[0] === 0x8b).toBe(wrap === "array");
        const c = certs[0];
        if (!c5.verifyCertificate(c, r.caKey) || hex(c5.encodeItem(c.subject)) !== hex(subject)) return null;
        seen = c;
        const jwk = c5.subjectKey(c).export({ format: "jwk" });
        return { credR: c5.encodeCertificate(c, "array"), gR: new Uint8Array(Buffer.from(jwk.x!, "base64url")) }; // the x-coordinate (suite 2)
      };
      const s = await session(r, resolve);
      expect(seen?.type).toBe(2);
      expect(hex(s.h.credR)).toBe(hex(c5.encodeCertificate(seen!, "array")));
      const res = await s.post(SEN, { cf: F.pkcs10, accept: F.cert, payload: deviceCsr({ kind: "es256", type: 2 }).bytes });
      expect(res.code, text(res)).toBe(CHANGED);
    }
  }, T);

  it("a c5c naming a certificate the CA did not issue (another CA, the device's own key) is not accepted", async () => {
    const r = await rig({}, { deviceCred: "c5c" });
    const mine = c5.decodeCertificate(r.rec(RECORDS.CRED_I)!);
    const other = deviceKey("es256");
    const forged = c5.issueNative({ serial: mine.serial, issuer: mine.issuer, notBefore: mine.notBefore, notAfter: mine.notAfter, subject: mine.subject,
      spki: c5.publicKeyToSpki(mine.subjectPublicKeyAlgorithm, mine.subjectPublicKey, "k"), extensions: c5.certExtensions(mine), signer: other.priv });
    const id = { ...r.id, credI: c5.encodeCertificate(forged, "array"), idCredI: Uint8Array.from([0xa1, 0x18, 0x19, ...c5.encodeItem(c5.encodeCertificate(forged, "sequence"))]) };
    const udp = await UdpClient.open(r.server.port);
    clients.push(udp);
    const h = await handshake(udp, id, r.resolve);
    // The combined request's answer is 4.00 with an EDHOC error message: ERR_CODE 3 (unknown credential),
    // ERR_INFO true (RFC 9528 §6.4; RFC 9668 §3.3.1), the payload rendered byte for byte.
    await expect(new OscoreClient(udp, h.ctx).post(SEN, { cf: F.pkcs10, accept: F.cert, payload: deviceCsr({ kind: "es256", type: 2 }).bytes, message3: h.message3 }))
      .rejects.toThrow(/unprotected 4\.00 \x03\xf5$/); // EDHOC error 3, unknown credential referenced (RFC 9528 §6.4), not a failed signature (code 1)
    expect(r.server.events.filter((e) => e.kind === "enroll")).toHaveLength(0);
  }, T);
});
