// The certificate's life cycle through est-sim's command line under both hosts (the module's `maintain` and
// `status`, est/life.ts, and how the hosts render them): the renewal time at two thirds of the validity or at
// --renew-at, maintain's four outcomes with the wall time given by --now, the refusals of bad values, and the
// same text and JSON under wasm3 and V8. Certificates are valid for two minutes (the server's validity option).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EstServer } from "../tools/server/est.js";
import { provision } from "../tools/provision.js";
import { HOSTS, runCommand, tempDir } from "./helpers/hosts.js";

describe("maintain and status on the command line", () => {
  let server: EstServer;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir("lifecycle-");
    server = await EstServer.start({ dir: join(dir, "server"), validityDays: 120 / 86400 });
  });
  afterAll(async () => { await server.stop(); });

  for (const host of HOSTS) {
    it(`${host}: maintain enrolls, does nothing, renews when due and starts over after notAfter`, async () => {
      const store = join(dir, `${host}.keystore`);
      const { kid } = provision({ serverDir: join(dir, "server"), store });
      const uri = `coap://127.0.0.1:${server.port}`;
      const run = async (args: string[]) => {
        const r = await runCommand(host, ["--store", store, ...args], { timeoutMs: 60_000 });
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout.trim().split("\n").pop()!);
      };
      const now = Math.floor(Date.now() / 1000);
      const first = await run(["maintain", "--json", "--now", String(now), uri]);
      expect(first).toMatchObject({ ok: true, action: "enroll", resource: "sen", edhoc: true });
      const nb = Date.parse(first.not_before) / 1000, na = Date.parse(first.not_after) / 1000;
      expect(Date.parse(first.renew_at) / 1000).toBe(nb + Math.floor((na - nb) * 2 / 3));
      const idle = await run(["maintain", "--json", "--now", String(now), uri]);
      expect(idle).toMatchObject({ ok: true, action: "none", enrolled: true, renew_at: first.renew_at });
      expect(idle.renewal_due).toBeUndefined();
      // --renew-at moves the renewal time: at 10% of the validity it is due already.
      const st = await run(["status", "--json", "--renew-at", "10", "--now", String(now)]);
      expect(Date.parse(st.renew_at) / 1000).toBe(nb + Math.floor((na - nb) / 10));
      expect(st.renewal_due).toBe(true);
      const renewed = await run(["maintain", "--json", "--now", String(Date.parse(first.renew_at) / 1000), uri]);
      expect(renewed).toMatchObject({ ok: true, action: "renew", resource: "sren", edhoc: false, round_trips: 1 });
      const expired = await run(["status", "--json", "--now", String(na + 1)]);
      expect(expired).toMatchObject({ enrolled: true, expired: true });
      // The device's clock is now past notAfter; the CA's is not. Its next certificate must be valid at the
      // device's time, or the device (rightly: pki/path.ts judges dates by it) refuses it as expired.
      (server as any).opts.validityDays = 1;
      const fresh = await run(["maintain", "--json", "--now", String(na + 1), uri]);
      (server as any).opts.validityDays = 120 / 86400;
      expect(fresh).toMatchObject({ ok: true, action: "reenroll", resource: "sen", edhoc: true });
      const mine = server.events.filter((e) => e.kid === kid && e.kind === "enroll").map((e) => /^\/(\w+):/.exec(e.detail)?.[1]);
      expect(mine).toEqual(["sen", "sren", "sen"]);
    });

    it(`${host}: refuses bad --renew-at and --now values`, async () => {
      for (const bad of [["--renew-at", "0"], ["--renew-at", "100"], ["--renew-at", "x"], ["--now", "-5"]]) {
        const r = await runCommand(host, ["--store", join(dir, "none.keystore"), "status", ...bad]);
        expect(r.code, bad.join(" ")).toBe(2);
        expect(r.stderr).toMatch(/--renew-at must be 1\.\.99|--now must be the time/);
      }
    });
  }

  it("renders maintain and status the same under both hosts", async () => {
    const store = join(dir, "same.keystore");
    provision({ serverDir: join(dir, "server"), store });
    await runCommand("wasm3", ["--store", store, "maintain", `coap://127.0.0.1:${server.port}`]);
    for (const args of [["status"], ["status", "--json"], ["status", "--now", "4000000000"], ["maintain", "--now", "1", `coap://127.0.0.1:${server.port}`]]) {
      const [a, b] = await Promise.all(HOSTS.map((h) => runCommand(h, ["--store", store, ...args])));
      expect(b.stdout, args.join(" ")).toBe(a.stdout);
      expect(b.code).toBe(a.code);
    }
    const text = (await runCommand("v8", ["--store", store, "status", "--now", "4000000000"])).stdout;
    expect(text).toMatch(/^enrolled: CN=\S+, valid \S+ to \S+, renews at \S+ \(expired\)\n(trust anchors: \d+ certificate\(s\)\n)?-----BEGIN CERTIFICATE-----/);
  });
});
