// The main job's certificate format (tools/main.ts --format der|c509, tools/enroll-report.ts):
//   - without --format the real device (est-sim) enrolls as before, and --json carries the certificate's bytes
//     and format ("der");
//   - --format c509: the real device (est-sim) enrolls a C509 certificate, which the job checks against the CA
//     with tools/c509 and prints as the library describes it; --json carries its bytes and format; run again, it
//     re-enrolls with /sren;
//   - a tampered C509 certificate, or a DER one when C509 was asked for, fails the job: a stand-in device
//     (test/helpers/stub-device.ts) reports them, since the real one refuses such certificates itself.
import { spawn } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as c5 from "../tools/c509/index.js";
import { checkReportCertificate } from "../tools/enroll-report.js";
import { Ca, toPem } from "../tools/server/pki.js";
import { credentialCsr } from "../tools/server/x509cred.js";
import { newKeyPair } from "../tools/server/identity.js";
import { ROOT, tempDir } from "./helpers/hosts.js";

const T = 120_000;

function main(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ["--import", "tsx", join(ROOT, "tools/main.ts"), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = "", stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}

/** An executable that runs the stand-in device, and the file it logs to. */
function stub(): { sim: string; log: string } {
  const d = tempDir("est-stub-");
  const sim = join(d, "est-sim-stub"), log = join(d, "argv.log");
  writeFileSync(sim, `#!/bin/sh\nexec "${process.execPath}" --import tsx "${join(ROOT, "test/helpers/stub-device.ts")}" "$@"\n`);
  chmodSync(sim, 0o755);
  writeFileSync(log, "");
  return { sim, log };
}

describe("npm start: the certificate format", () => {
  it("without --format: the real device enrolls DER as before; --json carries certificate_format \"der\" and the certificate's bytes", async () => {
    const work = tempDir("est-main-");
    const r = await main(["--work", work, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.certificate_format).toBe("der");
    expect(out.certificate_hex).toBe(Buffer.from(out.certificate_pem.replace(/-----[^-]+-----|\s/g, ""), "base64").toString("hex"));
    const human = await main(["--work", work]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/verified by node:crypto under "CN=EST-oscore development CA"/);
    expect(human.stdout).toMatch(/-----BEGIN CERTIFICATE-----/);
  }, T);

  it("--format c509: the real device enrolls a C509 certificate, verified and described; --json carries its bytes and format; again: /sren", async () => {
    const work = tempDir("est-main-");
    const r = await main(["--work", work, "--format", "c509"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/EDHOC message_3 \+ \/sen \(combined\)/);
    expect(r.stdout).toMatch(/certificate \(\d+ B, CSR \d+ B\): C509 type 2, verified by tools\/c509 under "CN=EST-oscore development CA"; subject "CN=device-[0-9a-f]+"/);
    expect(r.stdout).toContain("C509 certificate, type 2 (natively signed)");
    expect(r.stdout).not.toContain("BEGIN CERTIFICATE");
    const cbor = /CBOR: ([0-9a-f]+)/.exec(r.stdout)![1];
    const j = await main(["--work", work, "--format", "c509", "--json"]);
    expect(j.code, j.stderr).toBe(0);
    const out = JSON.parse(j.stdout);
    expect(out).toMatchObject({ ok: true, resource: "sren", round_trips: 1, certificate_format: "c509" });
    expect(out.certificate_hex).not.toBe(cbor); // a new certificate
    expect(c5.decodeCertificate(c5.unhex(out.certificate_hex)).type).toBe(2);
    expect(out.certificate_check).toMatch(/^C509 type 2, verified by tools\/c509/);
  }, T);

  it("fails on a C509 certificate whose signature is wrong, and on a DER one when C509 was asked for", async () => {
    const { sim, log } = stub();
    const work = tempDir("est-main-");
    const bad = await main(["--work", work, "--format", "c509"], { EST_SIM: sim, STUB_LOG: log, STUB_MODE: "tamper" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/does not verify under "CN=EST-oscore development CA" \(tools\/c509\)/);
    const der = await main(["--work", work, "--format", "c509"], { EST_SIM: sim, STUB_LOG: log, STUB_MODE: "der" });
    expect(der.code).toBe(1);
    expect(der.stderr).toMatch(/asked for a C509 certificate, the device enrolled DER/);
  }, T);
});

describe("the report's certificate (tools/enroll-report.ts)", () => {
  const dir = tempDir("est-report-");
  const root = Ca.openSync(join(dir, "root"), { keyType: "p256", subject: "Root" });
  const inter = Ca.openSync(join(dir, "int"), { keyType: "ed25519", subject: "Intermediate", issuer: root, db: root.db });
  const csr = credentialCsr("dev", 2, "sig", newKeyPair(2, "sig").pub);

  it("C509 of both types, in certificate_hex or wrapped in certificate_pem, checked against the issuer picked by name among DER and C509 CA certificates", () => {
    for (const type of [2, 3] as const) {
      const c = inter.issueC509(csr, { validityDays: 1, subjectCn: "dev" }, type).c509;
      const bytes = c5.encodeCertificate(c, type === 2 ? "array" : "sequence");
      const cas = { ca_certificates_pem: [toPem("CERTIFICATE", root.certDer), toPem("CERTIFICATE", inter.certDer)] };
      const a = checkReportCertificate({ certificate_hex: c5.hex(bytes), certificate_format: "c509", ...cas });
      expect(a).toMatchObject({ format: "c509", hex: c5.hex(bytes) });
      expect(a.check).toMatch(new RegExp(`C509 type ${type}, verified by tools/c509 under "CN=Intermediate"`));
      const b = checkReportCertificate({ certificate_pem: toPem("CERTIFICATE", bytes), ca_certificates_hex: [c5.hex(c5.encodeCertificate(c5.c509FromX509(inter.certDer)))] });
      expect(b.format).toBe("c509");
      // Only the root: the issuer is missing.
      expect(() => checkReportCertificate({ certificate_hex: c5.hex(bytes), ca_certificates_pem: [toPem("CERTIFICATE", root.certDer)] })).toThrow(/no CA certificate in the report is the issuer "CN=Intermediate"/);
    }
    const der = inter.issue(csr, { validityDays: 1, subjectCn: "dev" });
    expect(checkReportCertificate({ certificate_pem: toPem("CERTIFICATE", der), ca_certificates_pem: [toPem("CERTIFICATE", inter.certDer)] }).format).toBe("der");
  });
});
