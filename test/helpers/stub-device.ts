// A stand-in for build/est-sim in the main job's tests (EST_SIM=..., tools/main.ts), for what the real device never
// reports: a C509 certificate that does not verify, or DER when C509 was asked for (the device refuses the first
// and sends the second only when the server takes no C509). It records its command line (STUB_LOG), hands `discover` to the real est-sim,
// and answers `enroll` with the report a C509-enrolling device would print: a certificate issued by the work
// folder's CA (type 2 unless STUB_TYPE=3), in certificate_hex with certificate_format "c509", and the CA as
// PEM. STUB_MODE=tamper flips a signature byte; STUB_MODE=der answers a DER certificate instead.
//
// Deliberately not here: any protocol: the server's C509 path is tested over EDHOC + OSCORE elsewhere
// (server-c509.test.ts); this checks only what main.ts does with the device's command line and report.

import { spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as c5 from "../../tools/c509/index.js";
import { Ca, toPem } from "../../tools/server/pki.js";
import { credentialCsr } from "../../tools/server/x509cred.js";
import { newKeyPair } from "../../tools/server/identity.js";
import { EST_SIM } from "./hosts.js";

const argv = process.argv.slice(2);
if (process.env.STUB_LOG) appendFileSync(process.env.STUB_LOG, JSON.stringify(argv) + "\n");
const cmd = argv.find((a) => a === "discover" || a === "enroll");
if (cmd !== "enroll") {
  const r = spawnSync(EST_SIM, argv, { encoding: "utf8" });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exit(r.status ?? 1);
}
const store = argv[argv.indexOf("--store") + 1];
const ca = Ca.openSync(join(dirname(store), "server", "ca"), { keyType: "p256" });
const key = newKeyPair(2, "sig");
const csr = credentialCsr("stub-device", 2, "sig", key.pub);
const mode = process.env.STUB_MODE ?? "";
const cert = mode === "der" ? ca.issue(csr, { validityDays: 30, subjectCn: "stub-device" }) : c5.encodeCertificate(ca.issueC509(csr, { validityDays: 30, subjectCn: "stub-device" }, process.env.STUB_TYPE === "3" ? 3 : 2).c509, "array");
if (mode === "tamper") cert[cert.length - 3] ^= 1;
const rep = {
  ok: true, resource: "sen", edhoc: true, combined: true, round_trips: 2, datagrams_up: 2, datagrams_down: 2, bytes_up: 0, bytes_down: 0,
  phases: [], csr_bytes: 0, certificate_bytes: cert.length,
  ...(mode === "der" ? { certificate_pem: toPem("CERTIFICATE", cert) } : { certificate_format: "c509", certificate_hex: c5.hex(cert) }),
  ca_certificates_pem: [toPem("CERTIFICATE", ca.certDer)],
};
if (process.env.STUB_LOG) appendFileSync(process.env.STUB_LOG, JSON.stringify({ certificate: c5.hex(cert) }) + "\n");
console.log(JSON.stringify(rep));
