// The firmware C API (host/include/est_client.h) and its Node mirror (host/node/client.ts): one script
// (test/client/client_test.c, test/client/script.ts) takes a freshly provisioned device through its life
// against the development server, with certificates valid for three minutes and the wall time moved by the
// script: maintain enrolls, does nothing while not due, renews with /sren once due, enrolls from scratch
// after notAfter; status, certificate and key access; application requests to /sensor under OSCORE;
// cancel; the task helper; the API's refusals (busy, configuration, payload size). Both hosts must give the
// same events and statuses, and what they report must be what the server issued.
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EstServer } from "../tools/server/est.js";
import { provision } from "../tools/provision.js";
import { CLIENT_WASM, ROOT, tempDir } from "./helpers/hosts.js";
import { clientScript } from "./client/script.js";

const DRIVER = join(ROOT, "build/est-client-test");

function runDriver(store: string, uri: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const c = spawn(DRIVER, [CLIENT_WASM, store, uri], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    c.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    c.stderr.setEncoding("utf8").on("data", (d) => (err += d));
    const t = setTimeout(() => c.kill("SIGKILL"), 120_000);
    c.on("error", reject);
    c.on("close", (code) => { clearTimeout(t); code === 0 ? resolve(out.trim().split("\n")) : reject(new Error(`est-client-test exited ${code}: ${err}\n${out}`)); });
  });
}

describe("the C API and its Node mirror through a device's life", () => {
  let server: EstServer;
  let dir: string;
  const runs: Record<string, any[]> = {};
  const kids: Record<string, string> = {};

  beforeAll(async () => {
    dir = tempDir("client-api-");
    // Two-minute certificates, until the device's clock jumps past the first one's notAfter: from the third
    // CSR of a run on, a day, so that the certificate it then gets is valid at the device's time (it judges
    // the dates of what it receives by it: pki/path.ts).
    let csrs = 0;
    server = await EstServer.start({ dir: join(dir, "server"), validityDays: 120 / 86400,
      onCsr: () => { if (++csrs === 3) (server as any).opts.validityDays = 1; } });
    const uri = `coap://127.0.0.1:${server.port}`;
    for (const host of ["wasm3", "v8"]) {
      csrs = 0; (server as any).opts.validityDays = 120 / 86400;
      const store = join(dir, `${host}.keystore`);
      kids[host] = provision({ serverDir: join(dir, "server"), store }).kid;
      const lines = host === "wasm3" ? await runDriver(store, uri) : await clientScript(CLIENT_WASM, store, uri);
      runs[host] = lines.map((l) => JSON.parse(l));
    }
  }, 300_000);
  afterAll(async () => { await server?.stop(); });

  const checks = (h: string) => Object.fromEntries(runs[h].filter((l) => l.check).map((l) => [l.check, l.value]));
  const events = (h: string) => runs[h].filter((l) => l.event);
  const status = (h: string, label: string) => runs[h].find((l) => l.status === label);

  for (const h of ["wasm3", "v8"]) {
    it(`${h}: refuses what the API rules out, with the documented statuses`, () => {
      const c = checks(h);
      expect(c.config_percent_100).toBe(-1001);    // EST_CLIENT_E_CONFIG
      expect(c.start_without_uri).toBe(-1001);
      expect(c.step_idle).toBe(-7);                // EST_E_NO_COMMAND
      expect(c.request_payload_too_long).toBe(-45); // EST_E_LIMIT
      expect(c.request_bad_path).toBe(-1001);
      expect(c.certificate_small_buffer).toBe(-4); // EST_E_BUFFER_TOO_SMALL, with the length told
      expect(c.key_export_small_scratch).toBe(-4);
      expect(c.cancel).toBe(-10);                  // EST_E_CANCELLED
      expect(c.task_returned).toBe(1);
    });

    it(`${h}: maintain enrolls, waits, renews when due, enrolls from scratch after expiry`, () => {
      const ev = events(h).map((e) => `${e.event}:${e.action}:${e.status}`);
      expect(ev).toEqual([
        "maintain:enrolled:0", "request:none:0", "request:none:0", "request:none:-62", "maintain:none:0",
        "maintain:renewed:0", "maintain:reenrolled:0", "renew:renewed:0", "enroll:none:-10", "maintain:none:0",
      ]);
      // Non-blocking: the first enrollment took several steps, and while it ran the API refused a second
      // operation and a status query; a maintain with nothing due ends in its start.
      const stepped = runs[h].filter((l) => l.stepped);
      expect(stepped.map((s) => s.status)).toEqual([0, 0, 0, 0]);
      expect(stepped[0].steps).toBeGreaterThanOrEqual(2);
      expect(stepped[0].busy_refused).toBe(1);
      expect(stepped[1].steps).toBe(0);
      expect(stepped[2].busy_refused).toBe(1);
      // What the server did for this device: /sen, /sren, /sen after a new EDHOC, /sren.
      const mine = server.events.filter((e) => e.kid === kids[h]);
      expect(mine.filter((e) => e.kind === "enroll").map((e) => /^\/(\w+):/.exec(e.detail)?.[1])).toEqual(["sen", "sren", "sen", "sren"]);
      expect(mine.filter((e) => e.kind === "edhoc").length).toBe(2);
    });

    it(`${h}: status tells enrolled, notAfter and the renewal at two thirds of the validity`, () => {
      expect(status(h, "fresh")).toMatchObject({ result: 0, enrolled: 0, certificate_len: 0, next_run_s: 600 });
      const s = status(h, "enrolled");
      expect(s).toMatchObject({ result: 0, enrolled: 1, expired: 0, renewal_due: 0, key_id: 0 });
      expect(s.renew_at).toBe(s.not_before + Math.floor((s.not_after - s.not_before) * 2 / 3));
      expect(s.next_run_s).toBeGreaterThan(0);
      expect(s.next_run_s).toBeLessThanOrEqual(s.renew_at + 1 - s.not_before);
      expect(events(h)[0]).toMatchObject({ not_after: s.not_after, renew_at: s.renew_at });
      expect(status(h, "due")).toMatchObject({ renewal_due: 1, expired: 0, next_run_s: 0 });
      expect(status(h, "expired")).toMatchObject({ expired: 1, renewal_due: 1 });
      expect(status(h, "reenrolled")).toMatchObject({ enrolled: 1, expired: 0, renewal_due: 0 });
      expect(s.subject).toBe(`CN=${server.state.devices().find((d) => d.kid === kids[h])!.name}`);
    });

    it(`${h}: hands out the certificate the server issued and the key it certifies`, () => {
      const der = Buffer.from(runs[h].find((l) => l.certificate !== undefined).certificate, "hex");
      expect(der.length).toBe(status(h, "enrolled").certificate_len);
      expect(checks(h).certificate_small_len).toBe(der.length);
      const cert = new X509Certificate(der);
      expect(cert.verify(new X509Certificate(server.ca.certPem).publicKey)).toBe(true);
      expect(server.events.some((e) => e.kind === "enroll" && e.cert && Buffer.from(e.cert).equals(der))).toBe(true);
      const k = runs[h].find((l) => l.key_type !== undefined);
      expect(k.key_type).toBe(1); // EST_CRYPTO_KEY_P256_ECDSA
      const spki = cert.publicKey.export({ format: "der", type: "spki" });
      expect(Buffer.from(spki.subarray(spki.length - 65)).equals(Buffer.from(p256.getPublicKey(Buffer.from(k.key, "hex"), false)))).toBe(true);
    });

    it(`${h}: sends application requests under OSCORE and returns the answers`, () => {
      const req = events(h).filter((e) => e.event === "request");
      expect(req.map((e) => e.response)).toEqual(["stored 6 bytes", "t=21.5", ""]);
      expect(checks(h).request_get_len).toBe(6);
      expect(checks(h).request_missing).toBe(-62); // EST_E_COAP_RESPONSE (4.04)
      expect(server.events.filter((e) => e.kind === "sensor" && e.kid === kids[h]).map((e) => e.detail)).toEqual(["reading t=21.5"]);
    });
  }

  it("gives the same events and statuses under both hosts", () => {
    // Everything but what differs by nature: times, names, certificates (an ECDSA signature varies in length),
    // keys and step counts.
    const shape = (h: string) => runs[h].map((l) => {
      const o = { ...l };
      for (const k of ["not_before", "not_after", "renew_at", "next_run_s", "subject", "certificate", "certificate_len", "key", "steps", "value"]) if (k in o && !(k === "value" && l.check !== "certificate_small_len")) o[k] = typeof o[k];
      return o;
    });
    expect(shape("v8")).toEqual(shape("wasm3"));
  });
});
