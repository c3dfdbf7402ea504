// Certification paths in whole enrollments under wasm3 (build/est-sim) against the development server: issuing
// CAs one and two levels below the root, reached through /crts and through EDHOC's x5chain (RFC 9360); the /crts
// answer installed in the one trust-anchor record that the next enrollment, `status` and x5chain read; CA
// certificates that may not issue (no cA, no keyCertSign, a too short pathLenConstraint), certificates that
// expired, are not valid yet or carry an unknown critical extension, all refused with nothing stored; and the
// last-known-good time of a board without real time (est-sim --real-time none): set, moved forward, kept, and
// used to refuse an expired certificate. openssl verify checks every path the device accepted.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseStore } from "../host/node/store.js";
import { EstServer, type EstServerOptions } from "../tools/server/est.js";
import { provision, RECORDS, type ProvisionOptions } from "../tools/provision.js";
import { BUILDS, runCommand, tempDir } from "./helpers/hosts.js";

const T = 60_000;
const LKG = RECORDS.TIME_LKG;
const servers: EstServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.stop(); });

// Every test runs for both builds of the device module (test/helpers/hosts.ts BUILDS).
for (const B of BUILDS) describe(`${B.name} build`, () => {

  async function rig(opts: Partial<EstServerOptions> = {}, prov: Partial<ProvisionOptions> = {}) {
    const dir = tempDir("est-pki-");
    const server = await EstServer.start({ dir: join(dir, "server"), ...opts });
    servers.push(server);
    const store = join(dir, "device.keystore");
    provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn, ...prov });
    return { server, dir, store };
  }
  /** Another server process on the same folder (same CA, devices, contexts), misbehaving differently. */
  async function again(r: { dir: string; server: EstServer }, opts: Partial<EstServerOptions>) {
    await r.server.stop(); servers.splice(servers.indexOf(r.server), 1);
    r.server = await EstServer.start({ dir: join(r.dir, "server"), ...opts });
    servers.push(r.server);
  }
  async function enroll(port: number, store: string, extra: string[] = [], host: string[] = []) {
    const res = await runCommand("wasm3", [...B.hostArgs, ...host, "--store", store, "enroll", "--json", "--ack-timeout", "300", ...extra, `coap://127.0.0.1:${port}`], { timeoutMs: T });
    const line = res.stdout.trim().split("\n").pop() ?? "";
    let rep: any;
    try { rep = JSON.parse(line); } catch { throw new Error(`no JSON report (exit ${res.code}): ${res.stdout}\n${res.stderr}`); }
    return { ...res, rep };
  }
  const record = (store: string, id: number) => {
    const r = parseStore(new Uint8Array(readFileSync(store))).find((x) => x.id === id);
    return r ? Buffer.from(r.raw.subarray(12)) : undefined;
  };
  /** The certificates of a trust-anchor record (u16 length, DER; repeated). */
  function anchors(rec: Buffer | undefined): Buffer[] {
    const out: Buffer[] = [];
    for (let o = 0; rec && o < rec.length;) { const l = rec.readUInt16BE(o); out.push(rec.subarray(o + 2, o + 2 + l)); o += 2 + l; }
    return out;
  }
  const pemOf = (der: Uint8Array) => new X509Certificate(der).toString();
  /** openssl's verdict on leaf under root with the intermediates given. */
  function opensslVerifies(root: Uint8Array, intermediates: Uint8Array[], leafPem: string): boolean {
    const d = tempDir("est-pki-verify-");
    writeFileSync(join(d, "root.pem"), pemOf(root));
    writeFileSync(join(d, "int.pem"), intermediates.map(pemOf).join(""));
    writeFileSync(join(d, "leaf.pem"), leafPem);
    try {
      execFileSync("openssl", ["verify", "-CAfile", join(d, "root.pem"), ...(intermediates.length ? ["-untrusted", join(d, "int.pem")] : []), join(d, "leaf.pem")], { stdio: "pipe" });
      return true;
    } catch { return false; }
  }
  /** The state a refusal must leave: every record but the DRBG seed, which rolls forward on every boot. */
  const state = (store: string) => JSON.stringify(parseStore(new Uint8Array(readFileSync(store))).filter((x) => x.id !== 0x0010).map((x) => [x.id, Buffer.from(x.raw).toString("hex")]));

  describe("intermediate CAs through /crts", () => {
    it("one intermediate, no provisioned anchor: /crts is learned into the trust-anchor record; the next enrollment and status read it", async () => {
      const r = await rig({ intermediate: 1 }, { trustAnchor: false });
      const [int1, root] = r.server.ca.chain;
      const first = await enroll(r.server.port, r.store);
      if (!first.rep.ok) throw new Error(first.stderr);
      expect(first.rep.phases.map((p: any) => p.name)).toEqual(["edhoc", "sen", "crts"]);
      // The record holds the answer's CA certificates, not its RFC 6955 recipients; the enrollment keeps the issuer.
      expect(anchors(record(r.store, RECORDS.TRUST_ANCHORS))).toEqual([Buffer.from(int1), Buffer.from(root)]);
      expect(new X509Certificate(first.rep.ca_certificates_pem[0]).raw.equals(Buffer.from(int1))).toBe(true);
      expect(opensslVerifies(root, [int1], first.rep.certificate_pem)).toBe(true);
      // Re-enrollment: the record names the issuer, so no /crts; the path still runs up to the root.
      const second = await enroll(r.server.port, r.store);
      if (!second.rep.ok) throw new Error(second.stderr);
      expect(second.rep.phases.map((p: any) => p.name)).toEqual(["sren"]);
      // status reads the same record.
      for (const host of ["wasm3", "v8"] as const) {
        const st = await runCommand(host, [...B.hostArgs, "--store", r.store, "status", "--json"]);
        expect(JSON.parse(st.stdout).trust_anchors_pem.map((p: string) => new X509Certificate(p).raw.toString("hex"))).toEqual([int1, root].map((c) => Buffer.from(c).toString("hex")));
        expect((await runCommand(host, [...B.hostArgs, "--store", r.store, "status"])).stdout).toMatch(/\ntrust anchors: 2 certificate\(s\)\n/);
      }
    }, T);

    it("two intermediates, the root provisioned: the issuer is not in the record, so /crts, and the path runs leaf <- CA 2 <- CA 1 <- root", async () => {
      const r = await rig({ intermediate: 2 });
      const [int2, int1, root] = r.server.ca.chain;
      expect(new X509Certificate(int1).subject).toBe("CN=EST-oscore development intermediate CA");
      expect(new X509Certificate(int2).subject).toBe("CN=EST-oscore development intermediate CA 2");
      const { rep, stderr } = await enroll(r.server.port, r.store);
      if (!rep.ok) throw new Error(stderr);
      expect(rep.phases.map((p: any) => p.name)).toEqual(["edhoc", "sen", "crts"]);
      expect(new X509Certificate(rep.ca_certificates_pem[0]).raw.equals(Buffer.from(int2))).toBe(true);
      expect(anchors(record(r.store, RECORDS.TRUST_ANCHORS))).toEqual([int2, int1, root].map((c) => Buffer.from(c)));
      expect(opensslVerifies(root, [int2, int1], rep.certificate_pem)).toBe(true);
      expect(opensslVerifies(root, [int2], rep.certificate_pem)).toBe(false);
      const again2 = await enroll(r.server.port, r.store);
      expect(again2.rep).toMatchObject({ ok: true, resource: "sren", round_trips: 1 });
    }, T);

    for (const [flaw, msg] of [["not-ca", /is not a CA \(basicConstraints cA\)/], ["no-keycertsign", /may not sign certificates \(keyUsage without keyCertSign\)/],
      ["path-len", /allows fewer CAs below it \(pathLenConstraint\)/]] as const) {
      it(`an issuing intermediate that may not issue (${flaw}) is refused with the reason; nothing is stored`, async () => {
        const r = await rig({ intermediate: 2, intermediateFlaw: flaw });
        const { rep, stderr } = await enroll(r.server.port, r.store);
        expect(rep.error).toBe("E_EST_CHAIN");
        expect(stderr).toMatch(msg);
        // (The OSCORE context is new: the /sen answer verified under it.)
        expect(record(r.store, RECORDS.ENROLLMENT)).toBeUndefined();
        expect(anchors(record(r.store, RECORDS.TRUST_ANCHORS))).toEqual([Buffer.from(r.server.ca.chain[2])]); // the provisioned root only
        expect(record(r.store, LKG)).toBeUndefined();
        const [int2, int1, root] = r.server.ca.chain;
        const issued = r.server.events.find((e) => e.kind === "enroll")!.cert!;
        expect(opensslVerifies(root, [int2, int1], pemOf(issued))).toBe(false);
      }, T);
    }
  });

  describe("intermediate CAs through x5chain (RFC 9360) in EDHOC message_2", () => {
    for (const levels of [1, 2]) {
      it(`the server's certificate under ${levels} intermediate(s), the chain in ID_CRED_R: accepted against the provisioned root`, async () => {
        const r = await rig({ intermediate: levels, serverCred: "x5chain" }, { serverCred: "x5chain" });
        const { rep, stderr } = await enroll(r.server.port, r.store);
        if (!rep.ok) throw new Error(stderr);
        // message_2 carries the server's certificate and the intermediates (each about 440 bytes).
        expect(rep.edhoc_messages[1]).toBeGreaterThan(400 * (levels + 1));
      }, T);
    }

    it("an intermediate without keyCertSign in the x5chain: message_2 refused with the reason, nothing stored", async () => {
      const r = await rig({ intermediate: 2, intermediateFlaw: "no-keycertsign", serverCred: "x5chain" }, { serverCred: "x5chain" });
      const before = state(r.store);
      const { rep, stderr } = await enroll(r.server.port, r.store);
      expect(rep.error).toBe("E_EDHOC_CREDENTIAL");
      expect(stderr).toMatch(/the issuer of certificate 0 of the path \(0: the end entity\) may not sign certificates/);
      expect(state(r.store)).toBe(before);
    }, T);
  });

  describe("dates and extensions of the issued certificate", () => {
    for (const [mb, msg] of [["expired-cert", /certificate 0 of the path \(0: the end entity\) has expired/],
      ["future-cert", /certificate 0 of the path \(0: the end entity\) is not valid yet/],
      ["critical-ext", /carries a critical extension this device does not process/]] as const) {
      it(`${mb}: refused against the board's real time, nothing stored`, async () => {
        const r = await rig({ misbehave: mb });
        const { rep, stderr } = await enroll(r.server.port, r.store);
        expect(rep.error).toBe("E_EST_CHAIN");
        expect(stderr).toMatch(msg);
        expect(record(r.store, RECORDS.ENROLLMENT)).toBeUndefined();
        expect(record(r.store, LKG)).toBeUndefined();
      }, T);
    }

    it("the board's clock decides: a certificate valid only from tomorrow is accepted by a board whose clock reads two days ahead", async () => {
      const r = await rig({ misbehave: "future-cert" });
      const { rep, stderr } = await enroll(r.server.port, r.store, [], ["--real-time", String(Math.floor(Date.now() / 1000) + 2 * 86400 - 3600)]);
      if (!rep.ok) throw new Error(stderr);
    }, T);
  });

  describe("last-known-good time on a board without real time (--real-time none)", () => {
    it("is set by the first accepted certificate, moves forward, never back, persists, and refuses an expired certificate", async () => {
      const r = await rig();
      const none = ["--real-time", "none"];
      const nb = (rep: any) => Date.parse(rep.not_before) / 1000;
      const lkg = () => { const b = record(r.store, LKG); return b ? Number(b.readBigInt64BE(0)) : undefined; };
      expect(lkg()).toBeUndefined();
      const first = await enroll(r.server.port, r.store, [], none);
      if (!first.rep.ok) throw new Error(first.stderr);
      // The issued certificate's notBefore is the path's latest (the CA's is older).
      expect(lkg()).toBe(nb(first.rep));
      // A certificate valid only from tomorrow: not judged against a lower bound, accepted; the time moves to it.
      await again(r, { misbehave: "future-cert" });
      const future = await enroll(r.server.port, r.store, [], none);
      if (!future.rep.ok) throw new Error(future.stderr);
      expect(lkg()).toBe(nb(future.rep));
      expect(nb(future.rep)).toBeGreaterThan(nb(first.rep) + 86000);
      // A normal certificate (notBefore a minute ago) is still valid after the bound; the bound stays.
      await again(r, {});
      const normal = await enroll(r.server.port, r.store, [], none);
      if (!normal.rep.ok) throw new Error(normal.stderr);
      expect(lkg()).toBe(nb(future.rep));
      // A certificate that expired yesterday: its notAfter lies before the bound read from the key store.
      await again(r, { misbehave: "expired-cert" });
      const kept = record(r.store, RECORDS.ENROLLMENT)!;
      const expired = await enroll(r.server.port, r.store, [], none);
      expect(expired.rep.error).toBe("E_EST_CHAIN");
      expect(expired.stderr).toMatch(new RegExp(`has expired: notAfter \\d+ is before the time ${nb(future.rep)} `));
      expect(record(r.store, RECORDS.ENROLLMENT)!.equals(kept)).toBe(true);
      expect(lkg()).toBe(nb(future.rep));
    }, 2 * T);
  });
});
