// BouncyCastle 1.87 (tools/interop/c509-bc, an independent C509 implementation) checks what the development
// server and CA give out through the protocol path: C509 certificates of both types issued on /sen and /sren
// over EDHOC + OSCORE (P-256 and Ed25519 CAs; ES256, Ed25519 and static-DH subject keys), the /crts chain in
// C509 and a certificate fetched by its c5u; and it checks the C509 CSRs tools/c509 makes the way the device
// will (test/helpers/c509-csr.ts): signatures of both types, and the DH MAC keyed by a G_Y. Also pins the
// media-type names formats.ts gives for BouncyCastle. Skipped only outside CI when java or Maven is missing.
import { createECDH, generateKeyPairSync, X509Certificate } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as c5 from "../tools/c509/index.js";
import { EstServer } from "../tools/server/est.js";
import { CHANGED, CONTENT, GET, getUint, OPT } from "../tools/server/coap.js";
import { C509_FORMAT_DEFAULTS as F, C509_FORMAT_TABLE } from "../tools/server/formats.js";
import { provision, RECORDS } from "../tools/provision.js";
import { parseStore } from "../host/node/store.js";
import { bc, bcAvailable, bcBuild } from "./helpers/bc.js";
import { deviceCsr, deviceKey, type CsrKind } from "./helpers/c509-csr.js";
import { handshake, OscoreClient } from "./helpers/edhoc-client.js";
import { tempDir } from "./helpers/hosts.js";
import { UdpClient } from "./helpers/udp-client.js";
import { p256Scalar } from "../tools/server/responder.js";

const HAVE_TOOLS = spawnSync("mvn", ["-v"]).status === 0 && spawnSync("javac", ["-version"]).status === 0;
const RUN = HAVE_TOOLS || !!process.env.CI;
const T = 120_000;
const { hex } = c5;
const arr = (c: c5.C509Certificate) => hex(c5.encodeCertificate(c, "array"));
const servers: EstServer[] = [];
const clients: UdpClient[] = [];
afterEach(async () => { for (const c of clients.splice(0)) c.close(); for (const s of servers.splice(0)) await s.stop(); });

/** A server with a CA of `caKey`, one provisioned device, and an EDHOC session of that device (test Initiator). */
async function sessionWith(caKey: "p256" | "ed25519") {
  const dir = tempDir("est-c509-bc-");
  const server = await EstServer.start({ dir: join(dir, "server"), caKeyType: caKey });
  servers.push(server);
  const store = join(dir, "d.ks");
  provision({ serverDir: join(dir, "server"), store });
  const recs = parseStore(new Uint8Array(readFileSync(store)));
  const rec = (id: number) => recs.find((r) => r.id === id)!.raw.subarray(12);
  const udp = await UdpClient.open(server.port);
  clients.push(udp);
  const h = await handshake(udp, { suite: 2, priv: rec(RECORDS.EDHOC_KEY), credI: rec(RECORDS.CRED_I), idCredI: rec(RECORDS.ID_CRED_I) },
    (m) => (Buffer.from(m).equals(Buffer.from(rec(RECORDS.ID_CRED_R))) ? { credR: rec(RECORDS.CRED_R), gR: rec(RECORDS.PEER_KEY) } : null), { sequential: true });
  const osc = new OscoreClient(udp, h.ctx);
  const caSpki = hex(new Uint8Array(new X509Certificate(Buffer.from(server.ca.certDer)).publicKey.export({ format: "der", type: "spki" })));
  return { server, h, osc, caSpki };
}

describe.runIf(RUN)("the server's C509 against BouncyCastle 1.87", () => {
  beforeAll(() => { bcBuild(); expect(bcAvailable()).toBe(true); }, 600_000);

  it("certificates issued through /sen and /sren (both types; P-256 and Ed25519 CAs; ES256, Ed25519, DH keys), /crts and a c5u parse, re-encode identically and verify in BouncyCastle", async () => {
    const reqs: string[][] = [], want: { enc: string; type: number; der?: string }[] = [];
    for (const caKey of ["p256", "ed25519"] as const) {
      const s = await sessionWith(caKey);
      const cases: [CsrKind, 2 | 3][] = [["es256", 2], ["es256", 3], ["ed25519", 2], ["ed25519", 3], ["p256-dh", 2], ["p256-dh", 3]];
      for (const [i, [kind, type]] of cases.entries()) {
        const res = await s.osc.post(i === 0 ? "/.well-known/est/sen" : "/.well-known/est/sren", { cf: F.pkcs10, accept: F.cert, payload: deviceCsr({ kind, type, gY: s.h.gY }).bytes });
        expect(res.code, Buffer.from(res.payload).toString()).toBe(CHANGED);
        const [cert] = c5.decodeCoseC509(res.payload);
        expect(cert.type).toBe(type);
        reqs.push(["cert-parse", arr(cert)], ["cert-verify", arr(cert), s.caSpki]);
        want.push({ enc: arr(cert), type, der: type === 3 ? hex(s.server.db.currentCertificate(s.server.state.devices()[0].kid)!.der) : undefined });
      }
      // The same certificate by reference: multipart-core without Accept, then GET of its c5u.
      const mp = await s.osc.post("/.well-known/est/sren", { cf: F.pkcs10, payload: deviceCsr({ kind: "es256", type: 2 }).bytes });
      const parts = c5.decodeItem(mp.payload) as c5.CborValue[];
      const uri = c5.decodeItem(parts[3] as Uint8Array) as string;
      const byRef = await s.osc.request(GET, new URL(uri.replace(/^coap/, "http")).pathname);
      expect(byRef.code).toBe(CONTENT);
      const [fetched] = c5.decodeCoseC509(byRef.payload);
      reqs.push(["cert-parse", arr(fetched)], ["cert-verify", arr(fetched), s.caSpki]);
      want.push({ enc: arr(fetched), type: 2 });
      // /crts in C509: the self-signed CA certificate (type 3), verifying under its own key.
      const crts = await s.osc.request(GET, "/.well-known/est/crts", { accept: F.cert });
      expect(getUint(crts, OPT.CONTENT_FORMAT)).toBe(F.cert);
      const [ca] = c5.decodeCoseC509(crts.payload);
      reqs.push(["cert-parse", arr(ca)], ["cert-verify", arr(ca), s.caSpki]);
      want.push({ enc: arr(ca), type: 3, der: hex(s.server.ca.certDer) });
    }
    const ans = bc([...reqs, ...want.filter((w) => w.der).map((w) => ["c509-to-x509", w.enc])]);
    want.forEach((w, i) => {
      const [parsed, verified] = [ans[2 * i], ans[2 * i + 1]];
      expect(parsed.error).toBeUndefined();
      expect(parsed.encoded).toBe(w.enc); // BouncyCastle re-encodes the server's certificate to the same bytes
      expect(Number(parsed.type)).toBe(w.type);
      expect(parsed.signed).toBe(hex(c5.signedBytes(c5.decodeCertificate(c5.unhex(w.enc)))));
      expect(verified.valid).toBe("true");
    });
    // BouncyCastle's DER of each type 3 certificate is the DER the CA signed and recorded.
    const ders = ans.slice(2 * want.length);
    want.filter((w) => w.der).forEach((w, i) => expect(ders[i].der).toBe(w.der));
  }, T);

  it("C509 CSRs made as the device makes them: BouncyCastle verifies the signatures (types 2 and 3; ES256, Ed25519) and the DH MAC keyed by G_Y (P-256, X25519; types 2 and 3)", () => {
    const reqs: string[][] = [], expectValid: boolean[] = [];
    for (const kind of ["es256", "ed25519"] as const) for (const type of [2, 3] as const) {
      const c = deviceCsr({ kind, type, dns: "s17.example.net", challengePassword: "pw" });
      reqs.push(["csr-parse", hex(c.bytes)], ["csr-verify", hex(c.bytes)]);
    }
    const p = createECDH("prime256v1"); p.generateKeys();
    const pY = hex(p256Scalar(p)), pGy = new Uint8Array(p.getPublicKey().subarray(1, 33));
    const x = generateKeyPairSync("x25519");
    const xY = hex(new Uint8Array(x.privateKey.export({ format: "der", type: "pkcs8" }).subarray(16)));
    const xGy = new Uint8Array(x.publicKey.export({ format: "der", type: "spki" }).subarray(12));
    const dh: string[][] = [];
    for (const type of [2, 3] as const) {
      const pk = deviceKey("p256-dh");
      dh.push(["csr-dhpop", hex(deviceCsr({ kind: "p256-dh", type, gY: pGy, key: pk }).bytes), pY, hex(pGy)]); expectValid.push(true);
      dh.push(["csr-dhpop", hex(deviceCsr({ kind: "x25519-dh", type, gY: xGy }).bytes), xY, hex(xGy)]); expectValid.push(true);
      // Keyed by another G_Y than the recipient's: BouncyCastle refuses it too.
      const other = createECDH("prime256v1"); other.generateKeys();
      dh.push(["csr-dhpop", hex(deviceCsr({ kind: "p256-dh", type, gY: new Uint8Array(other.getPublicKey().subarray(1, 33)), key: pk }).bytes), pY, hex(pGy)]); expectValid.push(false);
    }
    const ans = bc([...reqs, ...dh]);
    for (let i = 0; i < reqs.length / 2; i++) {
      expect(ans[2 * i].error).toBeUndefined();
      expect(ans[2 * i].encoded).toBe(reqs[2 * i][1]);
      expect(ans[2 * i].attributes).toBe("1,0,"); // challengePassword and extensionRequest, in DER SET OF order (the shorter first)
      expect(ans[2 * i + 1].valid).toBe("true");
    }
    ans.slice(reqs.length).forEach((a, i) => expect(a.valid).toBe(String(expectValid[i])));
  });

  it("formats.ts names BouncyCastle's media types as its C509MediaTypes has them", () => {
    const [m] = bc([["media-types"]]);
    const by = (k: string) => C509_FORMAT_TABLE.find((r) => r.key === k)!.bcMediaType;
    expect(by("cert")).toBe(m["cose-c509"]); // TBD3 carries a COSE_C509: BouncyCastle's application/cose-c509+cbor
    expect(by("pkcs10")).toBe(m.pkcs10);
    expect(by("crtemplate")).toBe(m.crtemplate);
    expect(by("privkey")).toBe(m.privkey);
    expect(by("certChain")).toBe(`${m["cose-c509"]};usage=chain`);
  });
});
