// The server as a registration authority (tools/server/upstream.ts) in front of a real RFC 7030 EST CA:
// GlobalSign's estserver v1.0.6 (built by tools/upstream-est/build.sh from the Go module proxy, pinned there),
// started here on loopback with a CA, TLS certificates and an RA client certificate made by openssl. A device
// (est-sim, wasm3) enrolls over EST-oscore; the server checks it and forwards: /sen as simpleenroll, /crts as
// cacerts, /sren as simplereenroll (or simpleenroll when configured so).
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EstServer, type EstServerOptions } from "../tools/server/est.js";
import { provision } from "../tools/provision.js";
import { Upstream } from "../tools/server/upstream.js";
import { ROOT, runCommand, tempDir } from "./helpers/hosts.js";

const T = 90_000;
const BIN = join(ROOT, "build/estserver");
const hasGo = spawnSync("go", ["version"]).status === 0;

function tcpPort(): Promise<number> {
  return new Promise((res) => { const s = createServer(); s.listen(0, "127.0.0.1", () => { const p = (s.address() as any).port; s.close(() => res(p)); }); });
}

describe.skipIf(!hasGo && !existsSync(BIN))("registration authority in front of GlobalSign's EST server (RFC 7030)", () => {
  const d = tempDir("est-upstream-");
  let est: ChildProcess | undefined;
  let url = "";
  const ssl = (...a: string[]) => execFileSync("openssl", a, { cwd: d, stdio: ["ignore", "ignore", "pipe"] });

  beforeAll(async () => {
    if (!existsSync(BIN)) execFileSync("bash", [join(ROOT, "tools/upstream-est/build.sh")], { stdio: "inherit" });
    // The upstream CA, its TLS server certificate (127.0.0.1) and two RA client certificates.
    ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=Upstream test CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    const leaf = (name: string, subj: string, ext: string) => {
      ssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subj);
      writeFileSync(join(d, `${name}.ext`), ext);
      ssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.pem`, "-days", "30", "-extfile", `${name}.ext`);
    };
    leaf("tls", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    leaf("ra", "/CN=est-oscore RA", "extendedKeyUsage=clientAuth\n");
    leaf("ra-dev", "/CN=est-oscore-device", "extendedKeyUsage=clientAuth\n");
    const port = await tcpPort();
    url = `https://127.0.0.1:${port}`;
    writeFileSync(join(d, "est.json"), JSON.stringify({
      mock_ca: { certificates: join(d, "ca.pem"), private_key: join(d, "ca.key") },
      tls: { listen_address: `127.0.0.1:${port}`, certificates: join(d, "tls.pem"), private_key: join(d, "tls.key"), client_cas: [join(d, "ca.pem")] },
      timeout: 30, log_file: join(d, "est.log"),
    }));
    est = spawn(BIN, ["-config", join(d, "est.json")], { stdio: "ignore" });
    const probe = new Upstream({ url, trustFile: join(d, "ca.pem") });
    for (let i = 0; i < 100; i++) { if ((await probe.cacerts()).ok) return; await new Promise((r) => setTimeout(r, 100)); }
    throw new Error("estserver did not come up");
  }, 180_000);
  afterAll(() => { est?.kill("SIGTERM"); });

  async function rig(upstream: Partial<NonNullable<EstServerOptions["upstream"]>> = {}, trustAnchor = true) {
    const dir = join(tempDir("est-ra-"), "server");
    const server = await EstServer.start({ dir, upstream: { url, trustFile: join(d, "ca.pem"), certFile: join(d, "ra.pem"), keyFile: join(d, "ra.key"), ...upstream } });
    const store = join(dir, "device.ks");
    // The upstream CA copies the CSR's subject: the registry allows this device the CN its CSR carries.
    provision({ serverDir: dir, store, trustAnchor, caDer: new Uint8Array(new X509Certificate(readFileSync(join(d, "ca.pem"))).raw), policy: { subjects: ["est-oscore-device"] } });
    return { server, store };
  }
  const enroll = async (port: number, store: string) => {
    const r = await runCommand("wasm3", ["--store", store, "enroll", "--json", "--ack-timeout", "500", `coap://127.0.0.1:${port}`], { timeoutMs: T });
    return { ...r, rep: JSON.parse(r.stdout.trim().split("\n").pop() || "{}") };
  };
  const upstreamCa = () => new X509Certificate(readFileSync(join(d, "ca.pem")));

  it("/sen is forwarded as simpleenroll: the device stores a certificate from the upstream CA", async () => {
    const { server, store } = await rig();
    try {
      const { rep, stderr } = await enroll(server.port, store);
      if (!rep.ok) throw new Error(stderr);
      const cert = new X509Certificate(rep.certificate_pem);
      expect(cert.verify(upstreamCa().publicKey)).toBe(true);
      expect(cert.issuer).toBe("CN=Upstream test CA");
      expect(server.events.some((e) => e.kind === "enroll" && /by the upstream CA/.test(e.detail))).toBe(true);
      expect(server.db.currentCertificate(server.state.devices()[0].kid)?.ca).toBe("upstream");
    } finally { await server.stop(); }
  }, T);

  it("/crts is forwarded as cacerts: a device without a trust anchor installs the upstream CA", async () => {
    const { server, store } = await rig({}, false);
    try {
      const { rep, stderr } = await enroll(server.port, store);
      if (!rep.ok) throw new Error(stderr);
      expect(new X509Certificate(rep.ca_certificates_pem[0]).raw.equals(upstreamCa().raw)).toBe(true);
      expect(server.events.some((e) => e.kind === "crts")).toBe(true);
    } finally { await server.stop(); }
  }, T);

  it("/sren is forwarded as simplereenroll; GlobalSign's server wants the TLS client certificate to name the CSR's subject", async () => {
    // With an RA certificate for another name it refuses (HTTP 403, its rule for renewals, RFC 7030 §3.3.2):
    // the device gets 4.03 and keeps its certificate.
    const a = await rig();
    try {
      expect((await enroll(a.server.port, a.store)).rep.ok).toBe(true);
      const no = await enroll(a.server.port, a.store);
      expect(no.rep.resource).toBe("sren");
      expect(no.code).toBe(1);
      expect(no.stderr).toMatch(/4\.03/);
      expect(a.server.events.some((e) => /upstream CA simplereenroll: HTTP 403/.test(e.detail))).toBe(true);
    } finally { await a.server.stop(); }
    // An RA certificate that names the device's subject: the renewal goes through.
    const b = await rig({ certFile: join(d, "ra-dev.pem"), keyFile: join(d, "ra-dev.key") });
    try {
      expect((await enroll(b.server.port, b.store)).rep.ok).toBe(true);
      const again = await enroll(b.server.port, b.store);
      if (!again.rep.ok) throw new Error(again.stderr);
      expect(again.rep.resource).toBe("sren");
      expect(new X509Certificate(again.rep.certificate_pem).verify(upstreamCa().publicKey)).toBe(true);
    } finally { await b.server.stop(); }
    // Or /sren forwarded as simpleenroll (reenrollVia), after the RA's own /sren check.
    const c = await rig({ reenrollVia: "simpleenroll" });
    try {
      expect((await enroll(c.server.port, c.store)).rep.ok).toBe(true);
      const again = await enroll(c.server.port, c.store);
      if (!again.rep.ok) throw new Error(again.stderr);
      expect(again.rep.resource).toBe("sren");
    } finally { await c.server.stop(); }
  }, 3 * T);

  it("a CSR subject the registry does not allow is refused by the RA (4.03) before anything is forwarded", async () => {
    const { server, store } = await rig();
    try {
      const r = await runCommand("wasm3", ["--store", store, "enroll", "--json", "--cn", "someone-else", `coap://127.0.0.1:${server.port}`], { timeoutMs: T });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/4\.03/);
      expect(readFileSync(join(d, "est.log"), "utf8")).not.toMatch(/someone-else/);
    } finally { await server.stop(); }
  }, T);
});
