// EST-oscore enrollment end to end under wasm3 (build/est-sim) against the development server (tools/server),
// in this process: every EDHOC method with both suites, signature and DH proof of possession, re-enrollment,
// the sequential flow, /crts, server delays, 20% loss, and the negative cases where the device must refuse
// and store nothing. CSRs are checked by openssl (signatures) or by the DH-PoP verifier of the server, which
// follows docs/dh-pop.md independently of the module.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStore } from "../host/node/store.js";
import { EstServer, type EstServerOptions } from "../tools/server/est.js";
import { provision, RECORDS, type ProvisionOptions } from "../tools/provision.js";
import { derItems, parseCsr } from "../tools/server/pki.js";
import { enrollRig, enrollJson, type Rig } from "./helpers/enroll-rig.js";
import { BUILDS, runCommand, tempDir, type DeviceBuild } from "./helpers/hosts.js";

const T = 60_000;

// Every test runs for both builds of the device module (test/helpers/hosts.ts BUILDS).
for (const B of BUILDS) describe(`${B.name} build`, () => {
  /** The native-crypto build on est-sim's mbedTLS provider has no Ed25519 (mbedTLS 3.5 has no EdDSA): there
   *  the device must refuse up front, clearly, instead of enrolling. */
  const noEd25519 = B.name === "native-crypto";
  function expectNoEd25519(rep: any, stderr: string) {
    expect(rep.ok).toBe(false);
    expect(rep.error).toBe("E_UNSUPPORTED");
    expect(stderr).toMatch(/the board's crypto provider does not do it, and this module has no crypto of its own/);
  }

  const rig = (opts: Partial<EstServerOptions> = {}, prov: Partial<ProvisionOptions> = {}) => enrollRig(B, opts, prov);
  const enroll = (r: Rig, extra: string[] = [], hostOpts: string[] = []) => enrollJson(B, r, extra, hostOpts, T);

  /** The store's records except the DRBG seed, which rolls forward on every boot by design (crypto/drbg.ts). */
  function records(store: string): string {
    return JSON.stringify(parseStore(new Uint8Array(readFileSync(store))).filter((x) => x.id !== 0x0010).map((x) => [x.id, Buffer.from(x.raw).toString("hex")]));
  }

  function enrollmentRecord(store: string): Uint8Array | undefined {
    const r = parseStore(new Uint8Array(readFileSync(store))).find((x) => x.id === RECORDS.ENROLLMENT);
    return r ? r.raw.subarray(12) : undefined;
  }

  function checkIssued(r: Rig, rep: any) {
    expect(rep.ok).toBe(true);
    const cert = new X509Certificate(rep.certificate_pem);
    const ca = new X509Certificate(r.server.ca.certPem);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    // openssl reads the PEM the device printed; the subject is the provisioned identity (tools/server/policy.ts),
    // not the CSR's "est-oscore-device".
    const name = r.server.state.devices()[0].name;
    expect(execFileSync("openssl", ["x509", "-noout", "-text"], { input: rep.certificate_pem, encoding: "utf8" })).toMatch(new RegExp(`Subject: CN\\s?=\\s?${name}\\n`));
    // The key store holds the new certificate.
    const rec = enrollmentRecord(r.store)!;
    const certLen = (rec[34] << 8) | rec[35];
    expect(Buffer.from(rec.subarray(36, 36 + certLen)).equals(cert.raw)).toBe(true);
    return cert;
  }

  describe("enrollment under wasm3: methods, suites, proof of possession", () => {
    const cases: [number, number, "sig" | "dh"][] = [[3, 2, "sig"], [3, 2, "dh"], [0, 0, "sig"], [0, 2, "dh"], [1, 0, "dh"], [2, 2, "sig"], [3, 0, "dh"], [1, 2, "sig"], [2, 0, "sig"]];
    for (const [method, suite, pop] of cases) {
      it(`method ${method}, suite ${suite}, ${pop} PoP: 2 round trips with the combined request; CSR verified independently`, async () => {
        const r = await rig({}, { method, suite });
        try {
          const { rep, stderr } = await enroll(r, ["--pop", pop]);
          if (noEd25519 && suite === 0 && (method !== 3 || pop === "sig")) return expectNoEd25519(rep, stderr);
          if (!rep.ok) throw new Error(stderr);
          checkIssued(r, rep);
          expect(rep).toMatchObject({ resource: "sen", edhoc: true, combined: true, round_trips: 2 });
          expect(r.csrs).toHaveLength(1);
          const csr = Buffer.from(r.csrs[0]);
          if (pop === "sig") expect(execFileSync("openssl", ["req", "-inform", "DER", "-verify", "-noout"], { input: csr, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] })).toBe("");
          else expect(r.server.events.some((e) => e.kind === "enroll" && /DH MAC/.test(e.detail))).toBe(true);
          // The key matches the suite's curve.
          const key = new X509Certificate(rep.certificate_pem).publicKey;
          expect(key.asymmetricKeyType).toBe(suite === 2 ? "ec" : pop === "dh" ? "x25519" : "ed25519");
        } finally { await r.server.stop(); }
      }, T);
    }
  });

  describe("enrollment under wasm3: flows", () => {
    let r: Rig;
    beforeAll(async () => { r = await rig(); }, T);
    afterAll(async () => { await r.server.stop(); });

    it("re-enrolls with /sren under the stored OSCORE context: 1 round trip, the same key renewed, new certificate; --rekey: a new key", async () => {
      const spki = (c: X509Certificate) => c.publicKey.export({ format: "der", type: "spki" });
      const first = await enroll(r);
      const c1 = checkIssued(r, first.rep);
      const again = await enroll(r);
      const c2 = checkIssued(r, again.rep);
      expect(again.rep).toMatchObject({ resource: "sren", edhoc: false, round_trips: 1 });
      expect(c2.serialNumber).not.toBe(c1.serialNumber);
      expect(spki(c2).equals(spki(c1))).toBe(true); // renewal (RFC 7030 §4.2.2): the enrolled key, certified again
      const rec2 = Buffer.from(enrollmentRecord(r.store)!.subarray(0, 6));
      const rekeyed = await enroll(r, ["--rekey"]);
      const c3 = checkIssued(r, rekeyed.rep);
      expect(rekeyed.rep).toMatchObject({ resource: "sren" });
      expect(spki(c3).equals(spki(c2))).toBe(false);
      // Where the board keeps the key, the new one takes the other key id and the old one is erased.
      const rec3 = Buffer.from(enrollmentRecord(r.store)!.subarray(0, 6));
      const boardKeys = () => parseStore(new Uint8Array(readFileSync(r.store))).map((x) => x.id).filter((id) => id === 0x10130 || id === 0x10131);
      if (B.keyIn === "board") {
        expect(rec3[0]).toBe(2);
        expect(rec3.readUInt32BE(2)).not.toBe(rec2.readUInt32BE(2));
        expect(boardKeys()).toEqual([0x10000 + rec3.readUInt32BE(2)]);
        // status names the key the board holds (the C API's est_client_key gives the same id).
        const st = await runCommand("wasm3", [...B.hostArgs, "--store", r.store, "status", "--json"]);
        expect(JSON.parse(st.stdout.trim()).key_id).toBe(rec3.readUInt32BE(2));
      } else {
        expect(rec3[0]).toBe(1);
        expect(boardKeys()).toEqual([]);
      }
    }, T);

    it("runs EDHOC again when the server lost the context (4.01 unprotected), and completes", async () => {
      // As after a restart that lost its contexts (the server reloads contexts from its database on a miss).
      r.server.dropContexts();
      const { rep } = await enroll(r);
      checkIssued(r, rep);
      expect(rep).toMatchObject({ resource: "sren", edhoc: true });
    }, T);

    it("falls back to the sequential flow when the combined request would exceed --max-combined", async () => {
      const { rep, stderr } = await enroll(r, ["--edhoc", "--max-combined", "300"]); // the CSR alone is ~250 B
      if (!rep.ok) throw new Error(stderr);
      checkIssued(r, rep);
      expect(rep).toMatchObject({ edhoc: true, combined: false, round_trips: 3 });
      const big = await enroll(r, ["--edhoc", "--max-combined", "1280"]);
      expect(big.rep).toMatchObject({ combined: true, round_trips: 2 });
    }, T);

    it("sequential flow (--sequential): message_3 on its own, 3 round trips", async () => {
      const { rep } = await enroll(r, ["--edhoc", "--sequential"]);
      checkIssued(r, rep);
      expect(rep).toMatchObject({ edhoc: true, combined: false, round_trips: 3 });
    }, T);
  });

  describe("enrollment under wasm3: trust anchors from /crts, delays, loss", () => {
    it("without a provisioned trust anchor fetches /crts under OSCORE and installs it", async () => {
      const r = await rig({}, { trustAnchor: false });
      try {
        const { rep } = await enroll(r);
        checkIssued(r, rep);
        expect(rep.phases.map((p: any) => p.name)).toEqual(["edhoc", "sen", "crts"]);
        // 2 round trips for EDHOC + /sen, then /crts: the bundle (CA and its two DH recipient certificates,
        // about 1.25 KB) takes 2 Block2 blocks of 1024 bytes.
        expect(rep.phases[2].round_trips).toBe(2);
        expect(rep.round_trips).toBe(4);
        expect(new X509Certificate(rep.ca_certificates_pem[0]).raw.equals(Buffer.from(r.server.ca.certDer))).toBe(true);
      } finally { await r.server.stop(); }
    }, T);

    it("a slow server: empty ACK, then the separate response", async () => {
      const r = await rig({ handlerDelayMs: 1500 });
      try {
        const { rep } = await enroll(r);
        checkIssued(r, rep);
        expect(rep.datagrams_down).toBeGreaterThanOrEqual(3); // message_2, empty ACK, separate response
      } finally { await r.server.stop(); }
    }, T);

    it("manual approval: 5.03 with Max-Age until approved, then the certificate", async () => {
      const r = await rig({ manualApproval: true, approvalMaxAge: 1 });
      try {
        const kid = r.server.state.devices()[0].kid;
        setTimeout(() => r.server.approve(kid), 1500);
        const { rep } = await enroll(r);
        checkIssued(r, rep);
        expect(r.server.events.filter((e) => /approval/.test(e.detail)).length).toBeGreaterThanOrEqual(1);
      } finally { await r.server.stop(); }
    }, T);

    it("20% loss both ways (seeded): enrolls, and re-enrolls", async () => {
      const r = await rig();
      try {
        for (const seed of ["3", "4"]) {
          const { rep, stderr } = await enroll(r, [], ["--loss", "20", "--impair-seed", seed]);
          if (!rep.ok) throw new Error(stderr);
          checkIssued(r, rep);
        }
      } finally { await r.server.stop(); }
    }, T);
  });

  describe("enrollment under wasm3: the device refuses and stores nothing", () => {
    const refusals: [string, Partial<EstServerOptions>, { trustAnchor?: boolean }, RegExp][] = [
      ["a certificate for another key", { misbehave: "other-key" }, {}, /E_EST_CERT_KEY/],
      ["a certificate from a CA the device does not trust", { misbehave: "foreign-ca" }, {}, /E_EST_CHAIN/],
      ["a garbled PKCS#7 from /crts", { misbehave: "garbled-crts" }, { trustAnchor: false }, /E_MALFORMED|E_TRUNCATED/],
    ];
    for (const [what, opts, prov, err] of refusals) {
      it(what, async () => {
        const r = await rig(opts, prov);
        try {
          const before = enrollmentRecord(r.store);
          const { rep, code } = await enroll(r);
          expect(code).toBe(1);
          expect(rep.ok).toBe(false);
          expect(rep.error).toMatch(err);
          expect(enrollmentRecord(r.store)).toEqual(before);
        } finally { await r.server.stop(); }
      }, T);
    }

    it("a server that is not the provisioned Responder: EDHOC fails, the key store is unchanged", async () => {
      const r = await rig();
      const other = await EstServer.start({ dir: join(tempDir("est-other-"), "server") });
      try {
        // Register the device with the impostor too, so only the device's check of CRED_R can stop it.
        const dev = r.server.state.devices()[0];
        other.state.addDevice(dev);
        const before = records(r.store);
        const res = await runCommand("wasm3", [...B.hostArgs, "--store", r.store, "enroll", "--json", "--ack-timeout", "300", `coap://127.0.0.1:${other.port}`], { timeoutMs: T });
        expect(res.code).toBe(1);
        expect(JSON.parse(res.stdout.trim()).error).toMatch(/E_EDHOC_CREDENTIAL|E_CRYPTO_AUTH|E_MALFORMED/);
        expect(records(r.store)).toBe(before);
      } finally { await r.server.stop(); await other.stop(); }
    }, T);
  });

  describe("pre-shared OSCORE context and server-side key generation (wasm3)", () => {
    async function pskRig(weakRng: boolean) {
      const dir = tempDir("est-psk-");
      const server = await EstServer.start({ dir: join(dir, "server") });
      const store = join(dir, "device.keystore");
      provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn, psk: true, weakRng });
      return { server, dir, store, csrs: [] } as Rig;
    }

    it("a device with a pre-shared context (no EDHOC) enrolls with /sen in 1 round trip", async () => {
      const r = await pskRig(false);
      try {
        const { rep } = await enroll(r);
        checkIssued(r, rep);
        expect(rep).toMatchObject({ edhoc: false, round_trips: 1, resource: "sen" });
      } finally { await r.server.stop(); }
    }, T);

    for (const op of ["skg", "skc"]) {
      it(`/${op} with a weak-RNG policy: the server's key and certificate are checked and stored`, async () => {
        const r = await pskRig(true);
        try {
          const { rep, stderr } = await enroll(r, [`--${op}`]);
          if (!rep.ok) throw new Error(stderr);
          const cert = checkIssued(r, rep);
          expect(rep.resource).toBe(op);
          // The stored private key is the one the certificate names: sign with it, verify with the certificate.
          const rec = enrollmentRecord(r.store)!;
          expect(rec[1]).toBe(1); // KEY_P256_ECDSA
          // Version 1 holds the key; version 2 names the board's persistent key (est/record.ts), whose record
          // in the posix board's key store is the crypto provider's (format 1, type, 0, 0, key).
          expect(rec[0]).toBe(B.keyIn === "board" ? 2 : 1);
          let d = Buffer.from(rec.subarray(2, 34));
          if (rec[0] === 2) {
            const id = Buffer.from(rec).readUInt32BE(2);
            expect([0x0130, 0x0131]).toContain(id);
            const kr = parseStore(new Uint8Array(readFileSync(r.store))).find((x) => x.id === 0x10000 + id)!;
            d = Buffer.from(kr.raw.subarray(12 + 4, 12 + 36));
          }
          const { createPrivateKey, sign, verify } = await import("node:crypto");
          const jwk = { kty: "EC", crv: "P-256", d: d.toString("base64url"),
            x: (cert.publicKey.export({ format: "jwk" }) as any).x, y: (cert.publicKey.export({ format: "jwk" }) as any).y };
          const sig = sign("sha256", Buffer.from("hello"), createPrivateKey({ key: jwk, format: "jwk" }));
          expect(verify("sha256", Buffer.from("hello"), cert.publicKey, sig)).toBe(true);
        } finally { await r.server.stop(); }
      }, T);
    }

    it("refuses /skg for a device that uses EDHOC, and for a device with a good RNG, before sending anything", async () => {
      const edhocDevice = await rig();
      const goodRng = await pskRig(false);
      try {
        for (const r of [edhocDevice, goodRng]) {
          const before = r.server.stats.datagramsIn;
          const res = await runCommand("wasm3", [...B.hostArgs, "--store", r.store, "enroll", "--skg", `coap://127.0.0.1:${r.server.port}`], { timeoutMs: T });
          expect(res.code).toBe(1);
          expect(res.stderr).toMatch(/E_EST_REFUSED \(server-side key generation is refused: (this device uses EDHOC|the device has a good RNG)/);
          expect(r.server.stats.datagramsIn).toBe(before);
          expect(enrollmentRecord(r.store)).toBeUndefined();
        }
      } finally { await edhocDevice.server.stop(); await goodRng.server.stop(); }
    }, T);
  });

  describe("credentials by value and X.509 credentials in EDHOC (wasm3)", () => {
    type Style = "x5t" | "x5chain" | "ccs" | "kccs";
    const combos: [Style, Style, number, number][] = [
      ["x5t", "ccs", 3, 2], ["x5chain", "ccs", 3, 2], ["x5chain", "x5t", 3, 2], ["x5chain", "x5chain", 3, 2], ["x5t", "x5chain", 0, 0], ["x5chain", "x5chain", 2, 0],
      ["kccs", "kccs", 3, 2], ["kccs", "ccs", 0, 0], ["ccs", "kccs", 1, 2],
    ];
    for (const [serverCred, deviceCred, method, suite] of combos) {
      it(`server ${serverCred}, device ${deviceCred}, method ${method}, suite ${suite}: enrolls`, async () => {
        const dir = tempDir("est-x509-");
        const server = await EstServer.start({ dir: join(dir, "server"), serverCred });
        const store = join(dir, "device.keystore");
        provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn, method, suite, serverCred, deviceCred });
        const r: Rig = { server, dir, store, csrs: [] };
        try {
          const { rep, stderr } = await enroll(r);
          if (noEd25519 && suite === 0 && method !== 3) return expectNoEd25519(rep, stderr);
          if (!rep.ok) throw new Error(stderr);
          checkIssued(r, rep);
          // A credential by value travels in the message: the certificate (x5chain) or the CCS (kccs).
          expect(rep.edhoc_messages[1]).toBeGreaterThan(serverCred === "x5chain" ? 300 : serverCred === "kccs" ? 100 : 40);
          expect(rep.edhoc_messages[2]).toBeGreaterThan(deviceCred === "x5chain" ? 300 : deviceCred === "kccs" ? 90 : 10);
        } finally { await server.stop(); }
      }, T);
    }

    it("x5chain: a certificate from the right CA but for another subject is refused, nothing stored", async () => {
      const dir = tempDir("est-x509-");
      const server = await EstServer.start({ dir: join(dir, "server"), serverCred: "x5chain", misbehave: "impostor-cert" });
      const store = join(dir, "device.keystore");
      provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn, serverCred: "x5chain" });
      try {
        const before = records(store);
        const { rep } = await enroll({ server, dir, store, csrs: [] });
        expect(rep.error).toBe("E_EDHOC_CREDENTIAL");
        expect(records(store)).toBe(before);
      } finally { await server.stop(); }
    }, T);
  });

  describe("classic RFC 6955 proof of possession (wasm3)", () => {
    for (const suite of [2, 0]) {
      it(`suite ${suite}: the recipient is the CA's DH certificate from /crts; the server checks the RFC 6955 MAC`, async () => {
        const r = await rig({}, { suite });
        try {
          const { rep, stderr } = await enroll(r, ["--pop", "dh-cert"]);
          if (!rep.ok) throw new Error(stderr);
          checkIssued(r, rep);
          expect(rep.phases.map((p: any) => p.name)).toEqual(["edhoc", "crts", "sen"]);
          // The CSR names the recipient certificate (issuerAndSerial present): not the G_Y profile.
          const csr = parseCsr(r.csrs[0]);
          expect(csr.signatureAlgorithm).toBe("1.3.6.1.5.5.7.6.26");
          const [dhSigStatic] = derItems(csr.signature);
          expect(derItems(dhSigStatic.value).map((t) => t.tag)).toEqual([0x30, 0x04]); // issuerAndSerial, hashValue
          expect(r.server.events.some((e) => e.kind === "enroll" && /DH MAC/.test(e.detail))).toBe(true);
        } finally { await r.server.stop(); }
      }, T);
    }
  });

  describe("/att shapes the CSR (wasm3)", () => {
    // CsrAttrs = SEQUENCE { OID challengePassword, OID id-dhPop-static-sha256-hmac-sha256, OID 2.5.4.5 (not understood) }
    const attrs = Uint8Array.from(Buffer.from("301a" + "06092a864886f70d010907" + "06082b0601050507061a" + "0603550405", "hex"));
    it("asks for a password and a DH proof of possession: without --password the device stops, with it the CSR follows", async () => {
      const r = await rig({ csrAttrs: attrs, challengePassword: "open sesame" });
      try {
        const no = await enroll(r, ["--att"]);
        expect(no.rep.ok).toBe(false);
        expect(no.stderr).toMatch(/challengePassword: give --password/);
        expect(enrollmentRecord(r.store)).toBeUndefined();
        const { rep, stderr } = await enroll(r, ["--att", "--edhoc", "--password", "open sesame"]);
        if (!rep.ok) throw new Error(stderr);
        checkIssued(r, rep);
        expect(rep.phases.map((p: any) => p.name)).toEqual(["edhoc", "att", "sen"]);
        const csr = parseCsr(r.csrs[r.csrs.length - 1]);
        expect(csr.challengePassword).toBe("open sesame");
        expect(csr.signatureAlgorithm).toBe("1.3.6.1.5.5.7.6.26"); // DH PoP, as /att asked
      } finally { await r.server.stop(); }
    }, T);
  });

  describe("IPv6 (wasm3)", () => {
    it("enrolls against the server on [::1]", async () => {
      const dir = tempDir("est-v6-");
      let server: EstServer;
      try { server = await EstServer.start({ dir: join(dir, "server"), host: "::1" }); }
      catch (e) { throw new Error(`cannot bind [::1] on this machine: ${(e as Error).message}`); }
      const store = join(dir, "device.keystore");
      provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn });
      try {
        const res = await runCommand("wasm3", [...B.hostArgs, "--store", store, "enroll", "--json", `coap://[::1]:${server.port}`], { timeoutMs: T });
        const rep = JSON.parse(res.stdout.trim());
        if (!rep.ok) throw new Error(res.stderr);
        checkIssued({ server, dir, store, csrs: [] }, rep);
      } finally { await server.stop(); }
    }, T);
  });

  describe("the server's CA and proof-of-possession checks", () => {
    it("an Ed25519 CA: the device verifies the Ed25519-signed certificate and stores it", async () => {
      const r = await rig({ caKeyType: "ed25519" });
      try {
        const { rep, stderr } = await enroll(r);
        if (noEd25519) return expectNoEd25519(rep, stderr);
        if (!rep.ok) throw new Error(stderr);
        checkIssued(r, rep);
        expect(new X509Certificate(rep.ca_certificates_pem[0]).publicKey.asymmetricKeyType).toBe("ed25519");
      } finally { await r.server.stop(); }
    }, T);

    it("refuses CSRs whose proof of possession fails: a bad signature, a DH MAC under the wrong G_Y", async () => {
      const r = await rig();
      try {
        const { rep } = await enroll(r, ["--pop", "dh"]);
        expect(rep.ok).toBe(true);
        const good = Buffer.from(r.csrs[0]);
        const ctx = [...(r.server as any).contexts.values()][0];
        const check = (der: Uint8Array) => (r.server as any).checkPop(parseCsr(der), ctx);
        expect(check(good)).toBe(true);
        const badMac = Buffer.from(good); badMac[badMac.length - 1] ^= 1;
        expect(check(badMac)).toMatch(/MAC does not verify/);
        expect(check(good)).toBe(true);
        expect((r.server as any).checkPop(parseCsr(good), { ...ctx, gY: new Uint8Array(32).fill(7) })).toMatch(/MAC does not verify/);
        // A signature CSR made by openssl, then its signature broken.
        const dir = tempDir("est-badsig-");
        execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "k"), "-subj", "/CN=x", "-outform", "DER", "-out", join(dir, "c.der")]);
        const sig = readFileSync(join(dir, "c.der"));
        expect(check(sig)).toBe(true);
        const badSig = Buffer.from(sig); badSig[badSig.length - 2] ^= 1;
        expect(check(badSig)).toMatch(/signature does not verify/);
      } finally { await r.server.stop(); }
    }, T);
  });

  describe("OSCORE Echo (RFC 9175) (wasm3)", () => {
    it("a server that asks every new context for an Echo: the device repeats the request with it once", async () => {
      const r = await rig({ requireEcho: "always" });
      try {
        const { rep, stderr } = await enroll(r);
        if (!rep.ok) throw new Error(stderr);
        checkIssued(r, rep);
        expect(rep.round_trips).toBe(3); // message_1, combined request answered 4.01 + Echo, the request with Echo
        expect(r.server.events.filter((e) => /Echo/.test(e.detail))).toHaveLength(1);
      } finally { await r.server.stop(); }
    }, T);

    it("after a server restart (contexts loaded from disk), /sren shows freshness with Echo: 2 round trips", async () => {
      const r = await rig();
      const dir = join(r.dir, "server");
      try {
        expect((await enroll(r)).rep.ok).toBe(true);
        await r.server.stop();
        r.server = await EstServer.start({ dir, requireEcho: "loaded", port: r.server.port });
        const { rep, stderr } = await enroll(r);
        if (!rep.ok) throw new Error(stderr);
        expect(rep).toMatchObject({ resource: "sren", edhoc: false, round_trips: 2 });
        checkIssued(r, rep);
      } finally { await r.server.stop(); }
    }, T);
  });

  describe("EDHOC cipher-suite negotiation (wasm3)", () => {
    it("the device prefers suite 0, the server takes only suite 2: error code 2, one retry with SUITES_I [0, 2], a P-256 key enrolled", async () => {
      const dir = tempDir("est-suites-");
      const server = await EstServer.start({ dir: join(dir, "server"), suites: [2] });
      const store = join(dir, "device.keystore");
      provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn, suite: 0, altSuite: 2 });
      const r: Rig = { server, dir, store, csrs: [] };
      try {
        const { rep, stderr } = await enroll(r);
        if (!rep.ok) throw new Error(stderr);
        const cert = checkIssued(r, rep);
        expect(cert.publicKey.asymmetricKeyType).toBe("ec");
        expect(rep.phases[0]).toMatchObject({ name: "edhoc", round_trips: 2 }); // the refused message_1, then the retry
        expect(rep.edhoc_messages[0]).toBe(39); // message_1 with SUITES_I = [0, 2]
      } finally { await server.stop(); }
    }, T);

    it("without an identity for a suite the server takes, the device reports error code 2 with the server's suites", async () => {
      const dir = tempDir("est-suites-");
      const server = await EstServer.start({ dir: join(dir, "server"), suites: [2] });
      const store = join(dir, "device.keystore");
      provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn, suite: 0 });
      try {
        const res = await runCommand("wasm3", [...B.hostArgs, "--store", store, "enroll", `coap://127.0.0.1:${server.port}`], { timeoutMs: T });
        expect(res.code).toBe(1);
        expect(res.stderr).toMatch(/E_EDHOC_ERROR \(the Responder sent EDHOC error 2 \(wrong selected cipher suite\); it supports 2/);
      } finally { await server.stop(); }
    }, T);
  });

  describe("outer Block2 (RFC 8613 §4.1.3.4.2) (wasm3)", () => {
    it("a server that fragments protected responses outside OSCORE: the device reassembles, then verifies", async () => {
      const r = await rig({ outerBlockSize: 64 }, { trustAnchor: false });
      try {
        const { rep, stderr } = await enroll(r);
        if (!rep.ok) throw new Error(stderr);
        checkIssued(r, rep);
        // /sen's ~440-byte protected answer in 64-byte fragments, /crts's ~1.3 KB too: many more datagrams down.
        const sen = rep.phases.find((p: any) => p.name === "sen");
        expect(sen.datagrams_down).toBeGreaterThanOrEqual(7);
        expect(rep.phases.find((p: any) => p.name === "crts").datagrams_down).toBeGreaterThanOrEqual(20);
        // The follow-ups repeated the protected request; the server's replay window saw each request once.
        expect(r.server.events.filter((e) => /replayed/.test(e.detail))).toEqual([]);
      } finally { await r.server.stop(); }
    }, T);
  });
});
