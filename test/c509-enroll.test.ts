// The device enrolls C509 certificates (`enroll --format c509`, assembly/est/c509.ts) against the development
// server, for both builds of the device module (test/helpers/hosts.ts BUILDS), under wasm3: C509 CSRs of types
// 2 and 3 with a signature or the G_Y-keyed DH MAC, certificates of the same type checked with tools/c509,
// re-enrollment, the multipart-core answer with c5t / c5u (the certificate fetched by its c5u under OSCORE),
// the trust anchor from /crts in C509, configurable Content-Formats and the DER fallback, the enrollment record
// and `status` (both hosts print the same), refusals that leave the key store as it was, and EDHOC with the
// server identified by c5c or c5t. BouncyCastle's side is test/c509-bc-enroll.test.ts.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as c5 from "../tools/c509/index.js";
import { parseStore } from "../host/node/store.js";
import { EstServer, type EstServerOptions } from "../tools/server/est.js";
import { C509_FORMAT_DEFAULTS } from "../tools/server/formats.js";
import { provision, RECORDS, type ProvisionOptions } from "../tools/provision.js";
import { enrollRig, enrollJson, type Rig } from "./helpers/enroll-rig.js";
import { BUILDS, ROOT, runCommand, tempDir, type HostName } from "./helpers/hosts.js";

const T = 60_000;
const { hex, unhex } = c5;

describe("Content-Format numbers", () => {
  it("the device's defaults (assembly/numbers/coap.ts) are the server's (tools/server/formats.ts)", () => {
    const src = readFileSync(join(ROOT, "assembly/numbers/coap.ts"), "utf8");
    const dev = (name: string) => Number(new RegExp(`export const ${name}: i32 = (\\d+);`).exec(src)![1]);
    expect(dev("CF_C509_CERT_DEFAULT")).toBe(C509_FORMAT_DEFAULTS.cert);
    expect(dev("CF_C509_PKCS10_DEFAULT")).toBe(C509_FORMAT_DEFAULTS.pkcs10);
    expect(dev("CF_C509_CERT_CHAIN_DEFAULT")).toBe(C509_FORMAT_DEFAULTS.certChain);
    expect(dev("CF_CERTHASH_C509_DEFAULT")).toBe(C509_FORMAT_DEFAULTS.certhashC509);
  });
});

for (const B of BUILDS) describe(`${B.name} build: enroll --format c509`, () => {
  const rig = (opts: Partial<EstServerOptions> = {}, prov: Partial<ProvisionOptions> = {}) => enrollRig(B, opts, prov);
  const enroll = (r: Rig, extra: string[] = [], hostOpts: string[] = []) => enrollJson(B, r, extra, hostOpts, T);

  const status = async (host: HostName, store: string) => (await runCommand(host, [...B.hostArgs, "--store", store, "status", "--json"], { timeoutMs: T })).stdout;
  function records(store: string): string {
    return JSON.stringify(parseStore(new Uint8Array(readFileSync(store))).filter((x) => x.id !== 0x0010).map((x) => [x.id, Buffer.from(x.raw).toString("hex")]));
  }
  function enrollmentRecord(store: string): Uint8Array | undefined {
    const rec = parseStore(new Uint8Array(readFileSync(store))).find((x) => x.id === RECORDS.ENROLLMENT);
    return rec ? rec.raw.subarray(12) : undefined;
  }
  const caKey = (r: Rig) => new X509Certificate(Buffer.from(r.server.ca.certDer)).publicKey;

  /** The report's certificate: C509, verifying under the server's CA, for the registered name; and the record
   *  holds it (version 3 with the key inside, 4 naming the board's key) with the CA certificate after it. */
  function checkC509(r: Rig, rep: any, type: 2 | 3): c5.C509Certificate {
    expect(rep.ok).toBe(true);
    expect(rep.certificate_format).toBe("c509");
    expect(rep.certificate_pem).toBeUndefined();
    const bytes = unhex(rep.certificate_hex);
    const cert = c5.decodeCertificate(bytes);
    expect(cert.type).toBe(type);
    expect(c5.verifyCertificate(cert, caKey(r))).toBe(true);
    expect(c5.nameToString(cert.subject)).toBe(`CN=${r.server.state.devices()[0].name}`);
    expect(rep.subject).toBe(`CN=${r.server.state.devices()[0].name}`);
    const rec = enrollmentRecord(r.store)!;
    expect(rec[0]).toBe(B.keyIn === "board" ? 4 : 3);
    const certLen = (rec[34] << 8) | rec[35];
    expect(hex(rec.subarray(36, 36 + certLen))).toBe(rep.certificate_hex);
    const caLen = (rec[36 + certLen] << 8) | rec[37 + certLen];
    expect(hex(rec.subarray(38 + certLen, 38 + certLen + caLen))).toBe(rep.ca_certificates_hex[0]);
    return cert;
  }

  for (const type of [2, 3] as const) {
    it(`ES256, C509 CSR type ${type}: a type ${type} certificate, checked; /sren re-enrolls in 1 round trip; status reports it the same under both hosts`, async () => {
      const r = await rig();
      try {
        const { rep, stderr } = await enroll(r, ["--format", "c509", "--csr-type", String(type)]);
        if (!rep.ok) throw new Error(stderr);
        const c1 = checkC509(r, rep, type);
        expect(rep).toMatchObject({ resource: "sen", edhoc: true, combined: true, round_trips: 2 });
        // The CSR on the wire: the C509 CSR of that type, its signature good, for the certificate's key.
        const csr = c5.decodeCsr(r.csrs[0]);
        expect(csr.type).toBe(type);
        expect(c5.verifyCsr(csr)).toBe(true);
        expect(rep.csr_bytes).toBe(r.csrs[0].length);
        expect(rep.ca_certificates_pem.length).toBe(1); // the provisioned DER anchor
        // Status: format, bytes and names, the same text from the C host and the Node host.
        const s3 = await status("wasm3", r.store), s8 = await status("v8", r.store);
        expect(s3).toBe(s8);
        expect(JSON.parse(s3)).toMatchObject({ ok: true, enrolled: true, certificate_format: "c509", certificate_hex: rep.certificate_hex, subject: rep.subject });
        const again = await enroll(r, ["--format", "c509", "--csr-type", String(type)]);
        const c2 = checkC509(r, again.rep, type);
        expect(again.rep).toMatchObject({ resource: "sren", edhoc: false, round_trips: 1 });
        expect(hex(c2.serial)).not.toBe(hex(c1.serial));
        expect(hex(c2.subjectPublicKey)).toBe(hex(c1.subjectPublicKey)); // /sren renews the enrolled key (a C509 record: its public key from the board)
        // The Node host renders the enrollment's report with the same fields, in the same order, as the C host.
        const v8 = await runCommand("v8", [...B.hostArgs, "--store", r.store, "enroll", "--json", "--ack-timeout", "300", "--format", "c509", "--csr-type", String(type), `coap://127.0.0.1:${r.server.port}`], { timeoutMs: T });
        const v8rep = JSON.parse(v8.stdout.trim().split("\n").pop()!);
        checkC509(r, v8rep, type);
        expect(Object.keys(v8rep)).toEqual(Object.keys(again.rep));
      } finally { await r.server.stop(); }
    }, T);

    it(`static DH key, C509 CSR type ${type}: the MAC keyed by this run's G_Y (algorithm 14) is accepted, also on /sren`, async () => {
      const r = await rig();
      try {
        for (const resource of ["sen", "sren"]) {
          const { rep, stderr } = await enroll(r, ["--format", "c509", "--csr-type", String(type), "--pop", "dh"]);
          if (!rep.ok) throw new Error(stderr);
          const cert = checkC509(r, rep, type);
          expect(rep.resource).toBe(resource);
          expect(rep.edhoc).toBe(true); // a DH proof always runs EDHOC (a new G_Y)
          const csr = c5.decodeCsr(r.csrs[r.csrs.length - 1]);
          expect(csr.subjectSignatureAlgorithm).toBe(14);
          expect(c5.describeCertificate(cert)).toMatch(/keyAgreement/);
          expect(r.server.events.filter((e) => e.kind === "enroll").pop()!.detail).toMatch(new RegExp(`PoP DH MAC, C509 CSR type ${type}`));
        }
      } finally { await r.server.stop(); }
    }, T);
  }

  it("no Accept (--no-accept): the multipart-core answer; with the certificate in it, one exchange; with c5t and c5u only, the certificate is fetched by its c5u under OSCORE and matches the c5t", async () => {
    const full = await rig();
    const refs = await rig({ byReference: ["c5t", "c5u"] });
    try {
      const a = await enroll(full, ["--format", "c509", "--no-accept"]);
      if (!a.rep.ok) throw new Error(a.stderr);
      checkC509(full, a.rep, 2);
      expect(a.rep.phases.find((p: any) => p.name === "sen").round_trips).toBe(1);
      expect(full.server.events.filter((e) => e.kind === "enroll").pop()!.detail).toMatch(/as multipart/);
      const b = await enroll(refs, ["--format", "c509", "--no-accept"], ["-v"]);
      if (!b.rep.ok) throw new Error(b.stderr);
      checkC509(refs, b.rep, 2);
      expect(b.stderr).toMatch(/fetching the certificate by its c5u coap:\/\/127\.0\.0\.1:\d+\/\.well-known\/est\/c5u\/[0-9a-f]{16}/);
      expect(b.rep.phases.find((p: any) => p.name === "sen").round_trips).toBe(2);
      expect(b.rep.round_trips).toBe(3);
      const again = await enroll(refs, ["--format", "c509", "--no-accept"]); // /sren, and its c5u
      checkC509(refs, again.rep, 2);
      expect(again.rep).toMatchObject({ resource: "sren", round_trips: 2 });
    } finally { await full.server.stop(); await refs.server.stop(); }
  }, T);

  it("no provisioned trust anchor: /crts in C509 gives the CA certificate (type 3), stored with the enrollment in C509; --crts asks for it even with an anchor", async () => {
    const r = await rig({}, { trustAnchor: false });
    try {
      for (const t of [2, 3]) {
        const { rep, stderr } = await enroll(r, ["--format", "c509", "--csr-type", String(t)]);
        if (!rep.ok) throw new Error(stderr);
        checkC509(r, rep, t as 2 | 3);
        expect(rep.phases.map((p: any) => p.name)).toEqual(t === 2 ? ["edhoc", "sen", "crts"] : ["sren", "crts"]);
        expect(rep.ca_certificates_pem).toEqual([]);
        const ca = c5.decodeCertificate(unhex(rep.ca_certificates_hex[0]));
        expect(ca.type).toBe(3);
        expect(hex(c5.c509ToX509(ca))).toBe(hex(r.server.ca.certDer));
      }
    } finally { await r.server.stop(); }
    const p = await rig();
    try {
      const { rep } = await enroll(p, ["--format", "c509", "--crts"]);
      checkC509(p, rep, 2);
      expect(rep.phases.map((x: any) => x.name)).toEqual(["edhoc", "sen", "crts"]);
      expect(rep.ca_certificates_hex[0].startsWith("30")).toBe(false);
    } finally { await p.server.stop(); }
  }, T);

  it("Content-Formats: --cf sets the numbers a server configured alike takes; a server with other numbers answers 4.15 and the device enrolls in DER instead", async () => {
    const other = { cert: 65103, pkcs10: 65104, certChain: 65115, certhashC509: 65117 };
    const r = await rig({ contentFormats: other });
    try {
      const fb = await enroll(r, ["--format", "c509"], ["-v"]);
      if (!fb.rep.ok) throw new Error(fb.stderr);
      expect(fb.rep.certificate_format).toBe("der");
      expect(fb.stderr).toMatch(/the server does not take the C509 request \(4\.15 Unsupported Content-Format\): enrolling in DER/);
      expect(new X509Certificate(fb.rep.certificate_pem).verify(caKey(r))).toBe(true);
      expect(enrollmentRecord(r.store)![0]).toBe(B.keyIn === "board" ? 2 : 1);
      const { rep, stderr } = await enroll(r, ["--format", "c509", "--cf", "cert=65103", "--cf", "pkcs10=65104", "--cf", "chain=65115", "--cf", "c5t=65117"]);
      if (!rep.ok) throw new Error(stderr);
      checkC509(r, rep, 2);
      for (const bad of ["cert", "cert=", "cert=65536", "foo=1", "TBD5=65005"]) {
        const u = await runCommand("wasm3", [...B.hostArgs, "--store", r.store, "enroll", "--format", "c509", "--cf", bad, `coap://127.0.0.1:${r.server.port}`], { timeoutMs: T });
        expect(u.code, bad).toBe(2);
        expect(u.stderr).toMatch(/--cf NAME=N/);
      }
    } finally { await r.server.stop(); }
  }, T);

  it("the life cycle with a C509 certificate: maintain enrolls in C509, status gives its renewal time, maintain renews it (the same key) when due, in C509", async () => {
    const r = await rig({ validityDays: 120 / 86400 });
    try {
      const run = async (args: string[]) => {
        const x = await runCommand("wasm3", [...B.hostArgs, "--store", r.store, ...args], { timeoutMs: T });
        expect(x.code, x.stderr).toBe(0);
        return JSON.parse(x.stdout.trim().split("\n").pop()!);
      };
      const uri = `coap://127.0.0.1:${r.server.port}`, now = Math.floor(Date.now() / 1000);
      const first = await run(["maintain", "--json", "--format", "c509", "--now", String(now), uri]);
      expect(first).toMatchObject({ ok: true, action: "enroll", resource: "sen", certificate_format: "c509" });
      const c1 = c5.decodeCertificate(unhex(first.certificate_hex));
      expect(Date.parse(first.not_after) / 1000).toBe(c1.notAfter);
      expect(Date.parse(first.not_before) / 1000).toBe(c1.notBefore);
      const st = await run(["status", "--json", "--now", String(now)]);
      expect(st).toMatchObject({ enrolled: true, certificate_format: "c509", renew_at: first.renew_at });
      expect(st.renewal_due).toBeUndefined();
      const renewed = await run(["maintain", "--json", "--format", "c509", "--now", String(Date.parse(first.renew_at) / 1000), uri]);
      expect(renewed).toMatchObject({ ok: true, action: "renew", resource: "sren", round_trips: 1, certificate_format: "c509" });
      const c2 = c5.decodeCertificate(unhex(renewed.certificate_hex));
      expect(hex(c2.subjectPublicKey)).toBe(hex(c1.subjectPublicKey)); // renewal keeps the key (--rekey makes a new one)
      expect(hex(c2.serial)).not.toBe(hex(c1.serial));
    } finally { await r.server.stop(); }
  }, T);

  describe("refusals: the device stores nothing", () => {
    const flip = (c: c5.C509Certificate) => { const s = Uint8Array.from(c.signatureValue as Uint8Array); s[5] ^= 1; return { ...c, signatureValue: s }; };
    const cases: [string, Partial<EstServerOptions>, string[], RegExp, RegExp][] = [
      ["a signature that does not verify (type 2)", { c509Reissue: (_csr, c) => flip(c) }, [], /E_EST_CHAIN/, /signature of certificate 0 of the path .*does not verify under its issuer/],
      ["a signature that does not verify (type 3)", { c509Reissue: (_csr, c) => flip(c) }, ["--csr-type", "3"], /E_EST_CHAIN/, /signature of certificate 0 of the path .*does not verify under its issuer/],
      ["a certificate expired by the device's time (--now, a year and a half on)", {}, ["--now", String(Math.floor(Date.now() / 1000) + 550 * 86400)], /E_EST_CHAIN/, /certificate 0 of the path .*has expired/],
      ["a certificate not yet valid by the device's time (--now, a day back)", {}, ["--now", String(Math.floor(Date.now() / 1000) - 86400)], /E_EST_CHAIN/, /certificate 0 of the path .*is not valid yet/],
      ["a certificate for another key", { misbehave: "other-key" }, [], /E_EST_CERT_KEY/, /carries another public key/],
      ["a certificate from a CA the device does not trust (same name, other key)", { misbehave: "foreign-ca" }, ["--csr-type", "3"], /E_EST_CHAIN/, /does not verify/],
      ["a malformed certificate (a 63-byte ES256 signature)", { c509Reissue: (_csr, c) => ({ ...c, signatureValue: (c.signatureValue as Uint8Array).subarray(0, 63) }) }, [], /E_MALFORMED/, /does not parse/],
      ["a malformed COSE_C509 in /crts", { misbehave: "garbled-crts" }, [], /E_EST_RESPONSE/, /COSE_C509 in the answer is malformed/],
    ];
    for (const [what, opts, extra, err, detail] of cases) {
      it(what, async () => {
        const r = await rig(opts, what.includes("/crts") ? { trustAnchor: false } : {});
        try {
          const before = enrollmentRecord(r.store);
          const { rep, code, stderr } = await enroll(r, ["--format", "c509", ...extra]);
          expect(code).toBe(1);
          expect(rep.ok).toBe(false);
          expect(rep.error).toMatch(err);
          expect(stderr).toMatch(detail);
          expect(enrollmentRecord(r.store)).toEqual(before);
        } finally { await r.server.stop(); }
      }, T);
    }

    it("what C509 does not offer is refused before anything is sent: --skg, --pop dh-cert, --password; a bad --format or --csr-type", async () => {
      const r = await rig();
      try {
        const before = records(r.store), sent = r.server.stats.datagramsIn;
        for (const [args, code, msg] of [
          [["--pop", "dh-cert"], 2, /--pop dh-cert is not offered for C509 CSRs/], [["--password", "pw"], 2, /carry no challengePassword/],
          [["--skg"], 2, /server-side key generation is not offered in C509/],
          [["--csr-type", "4"], 2, /--csr-type must be 2 or 3/],
        ] as [string[], number, RegExp][]) {
          const u = await runCommand("wasm3", [...B.hostArgs, "--store", r.store, "enroll", "--format", "c509", ...args, `coap://127.0.0.1:${r.server.port}`], { timeoutMs: T });
          expect(u.code, args.join(" ")).toBe(code);
          expect(u.stderr).toMatch(msg);
        }
        const f = await runCommand("wasm3", [...B.hostArgs, "--store", r.store, "enroll", "--format", "cbor", `coap://127.0.0.1:${r.server.port}`], { timeoutMs: T });
        expect(f.code).toBe(2);
        expect(f.stderr).toMatch(/--format must be der or c509/);
        expect(r.server.stats.datagramsIn).toBe(sent);
        expect(records(r.store)).toBe(before);
      } finally { await r.server.stop(); }
    }, T);
  });

  describe("EDHOC: the server identified by C509", () => {
    for (const [cred, method] of [["c5c", 3], ["c5c", 0], ["c5t", 3], ["c5t", 2]] as const) {
      it(`by ${cred}, method ${method}: the device checks it and enrolls (C509 and DER)`, async () => {
        const r = await rig({ serverCred: cred }, { serverCred: cred, method });
        try {
          for (const fmt of ["c509", "der"]) {
            const { rep, stderr } = await enroll(r, ["--edhoc", "--format", fmt]);
            if (!rep.ok) throw new Error(stderr);
            expect(rep.certificate_format).toBe(fmt);
            // c5c: the certificate travels in message_2 (a C509 certificate, about 200 bytes); c5t: its hash only.
            if (cred === "c5c") expect(rep.edhoc_messages[1]).toBeGreaterThan(200);
            else expect(rep.edhoc_messages[1]).toBeLessThan(method === 3 ? 80 : 140);
          }
        } finally { await r.server.stop(); }
      }, T);
    }

    it("by c5c, in the array wrapping (draft -20) too; a c5c from the right CA for another subject is refused, nothing stored", async () => {
      const arr = await rig({ serverCred: "c5c", c509Wrap: "array" }, { serverCred: "c5c" });
      const imp = await rig({ serverCred: "c5c", misbehave: "impostor-cert" }, { serverCred: "c5c" });
      try {
        const { rep, stderr } = await enroll(arr, ["--format", "c509"]);
        if (!rep.ok) throw new Error(stderr);
        const before = records(imp.store);
        const bad = await enroll(imp, ["--format", "c509"]);
        expect(bad.rep.error).toBe("E_EDHOC_CREDENTIAL");
        expect(records(imp.store)).toBe(before);
      } finally { await arr.server.stop(); await imp.server.stop(); }
    }, T);
  });
});
