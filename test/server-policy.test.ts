// The server's identity policy (tools/server/policy.ts) with a real device (est-sim, wasm3): the certificate's
// names come from the registry, a CSR may ask only for what the registry allows, /sren only for a device whose
// current certificate this server issued. And the intermediate CA option: root -> intermediate -> device.
// Each of these was served before (any subject or dNSName, /sren from anyone; no intermediate).
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseStore } from "../host/node/store.js";
import { EstServer, type EstServerOptions } from "../tools/server/est.js";
import { provision, RECORDS, type ProvisionOptions } from "../tools/provision.js";
import { runCommand, tempDir } from "./helpers/hosts.js";

const T = 60_000;
const servers: EstServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.stop(); });

async function rig(opts: Partial<EstServerOptions> = {}, prov: Partial<ProvisionOptions> = {}) {
  const dir = tempDir("est-policy-");
  const server = await EstServer.start({ dir: join(dir, "server"), ...opts });
  servers.push(server);
  const store = join(dir, "device.keystore");
  const p = provision({ serverDir: join(dir, "server"), store, ...prov });
  return { server, dir, store, p };
}
async function enroll(port: number, store: string, extra: string[] = [], hostOpts: string[] = []) {
  const r = await runCommand("wasm3", [...hostOpts, "--store", store, "enroll", "--json", "--ack-timeout", "300", ...extra, `coap://127.0.0.1:${port}`], { timeoutMs: T });
  return { ...r, rep: JSON.parse(r.stdout.trim().split("\n").pop() || "{}") };
}
const enrollment = (store: string) => parseStore(new Uint8Array(readFileSync(store))).find((x) => x.id === RECORDS.ENROLLMENT);
const san = (pem: string) => new X509Certificate(pem).subjectAltName;

describe("identity policy", () => {
  it("the subject is the registered name, whatever CN the CSR asks for (another device's, the CA's)", async () => {
    const r = await rig({}, { name: "sensor-17" });
    for (const cn of ["est-oscore-device", "sensor-18", "EST-oscore development CA"]) {
      const { rep, stderr } = await enroll(r.server.port, r.store, ["--edhoc", "--cn", cn]);
      if (!rep.ok) throw new Error(stderr);
      expect(new X509Certificate(rep.certificate_pem).subject).toBe("CN=sensor-17");
    }
  }, T);

  it("a subject the registry allows is honoured; with csrSubject \"refuse\" any other one gets 4.03 and nothing is stored", async () => {
    const r = await rig({ csrSubject: "refuse" }, { name: "sensor-17", policy: { subjects: ["sensor-17.alias"] } });
    const ok = await enroll(r.server.port, r.store, ["--cn", "sensor-17.alias"]);
    if (!ok.rep.ok) throw new Error(ok.stderr);
    expect(new X509Certificate(ok.rep.certificate_pem).subject).toBe("CN=sensor-17.alias");
    const before = enrollment(r.store);
    const no = await enroll(r.server.port, r.store, ["--edhoc", "--cn", "sensor-18"]);
    expect(no.code).toBe(1);
    expect(no.stderr).toMatch(/4\.03/);
    expect(enrollment(r.store)).toEqual(before);
    expect(r.server.events.some((e) => e.kind === "refused" && /CN=sensor-18 is not one the registry allows/.test(e.detail))).toBe(true);
  }, T);

  it("a dNSName the registry does not allow is refused with 4.03; an allowed one is issued; the registry's by default", async () => {
    const r = await rig({}, { policy: { dns: ["s17.example.net", "alt.example.net"] } });
    const bad = await enroll(r.server.port, r.store, ["--dns", "www.example.com"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/4\.03/);
    expect(enrollment(r.store)).toBeUndefined();
    const good = await enroll(r.server.port, r.store, ["--dns", "alt.example.net"]);
    if (!good.rep.ok) throw new Error(good.stderr);
    expect(san(good.rep.certificate_pem)).toBe("DNS:alt.example.net");
    const dflt = await enroll(r.server.port, r.store, ["--edhoc"]);
    if (!dflt.rep.ok) throw new Error(dflt.stderr);
    expect(san(dflt.rep.certificate_pem)).toBe("DNS:s17.example.net, DNS:alt.example.net");
    // A device with no dNSNames in the registry gets none, and may ask for none.
    const plain = await rig();
    const p = await enroll(plain.server.port, plain.store, ["--dns", "s17.example.net"]);
    expect(p.code).toBe(1);
  }, T);

  it("/sren is refused (4.03) for a device whose current certificate this server did not issue", async () => {
    // The device enrolled with server A; server B has it registered too, but never issued to it.
    const a = await rig();
    expect((await enroll(a.server.port, a.store)).rep.ok).toBe(true);
    const bDir = join(tempDir("est-policy-b-"), "server");
    const b = await EstServer.start({ dir: bDir });
    servers.push(b);
    // B gets what EDHOC needs from A (the server credentials the device trusts, the device's registration), not
    // the record of A's issued certificates.
    b.state.addDevice(a.server.state.devices()[0]);
    writeFileSync(join(bDir, "server.json"), readFileSync(join(a.dir, "server", "server.json")));
    await b.stop(); servers.pop();
    const b2 = await EstServer.start({ dir: bDir });
    servers.push(b2);
    // B gives the device the C_R under which A holds the device's context (each server draws C_R at random, so
    // this also happened by chance). Back at A, the device's stored context (B's) then names A's older one:
    // A answers 4.00 "Decryption failed" (RFC 8613 §8.2), and the device runs EDHOC again.
    const aRids = a.server.db.deviceContextIds(a.server.state.devices()[0].kid);
    expect(aRids.length).toBe(1);
    b2.newCR = () => Buffer.from(aRids[0], "hex");
    const before = enrollment(a.store);
    const res = await enroll(b2.port, a.store);
    expect(res.code).toBe(1);
    expect(res.rep.resource).toBe("sren");
    expect(res.stderr).toMatch(/4\.03/);
    expect(enrollment(a.store)).toEqual(before);
    expect(b2.events.some((e) => /re-enrollment \(\/sren\) is only for a device whose current certificate this server issued/.test(e.detail))).toBe(true);
    // Back at A, which issued the current certificate, /sren works.
    const again = await enroll(a.server.port, a.store, [], ["-v"]);
    if (!again.rep.ok) throw new Error(again.stderr);
    expect(again.rep).toMatchObject({ ok: true, resource: "sren" });
    expect(again.stderr).toMatch(/refused the stored context \(Decryption failed\); running EDHOC/);
  }, T);
});

describe("an intermediate CA", () => {
  it("issues root -> intermediate -> device; /crts serves the chain; openssl verifies the path", async () => {
    const r = await rig({ intermediate: true }, { trustAnchor: false });
    const { rep, stderr } = await enroll(r.server.port, r.store);
    if (!rep.ok) throw new Error(stderr);
    const cert = new X509Certificate(rep.certificate_pem);
    const chain = r.server.ca.chain.map((d) => new X509Certificate(d));
    expect(chain).toHaveLength(2);
    expect(chain[0].subject).toBe("CN=EST-oscore development intermediate CA");
    expect(cert.checkIssued(chain[0])).toBe(true);
    expect(cert.verify(chain[0].publicKey)).toBe(true);
    expect(chain[0].verify(chain[1].publicKey)).toBe(true);
    expect(chain[0].ca).toBe(true);
    // The device took the intermediate from /crts as the certificate's issuer.
    expect(new X509Certificate(rep.ca_certificates_pem[0]).subject).toBe("CN=EST-oscore development intermediate CA");
    const d = tempDir("est-chain-");
    writeFileSync(join(d, "root.pem"), chain[1].toString());
    writeFileSync(join(d, "int.pem"), chain[0].toString());
    writeFileSync(join(d, "leaf.pem"), cert.toString());
    expect(execFileSync("openssl", ["verify", "-CAfile", join(d, "root.pem"), "-untrusted", join(d, "int.pem"), join(d, "leaf.pem")], { encoding: "utf8" })).toMatch(/OK/);
  }, T);
});
