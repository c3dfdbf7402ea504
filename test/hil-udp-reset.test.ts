// The HIL runner's udp board (tools/hil/run.ts UdpBoard) when a power cut's reset is still running as the next
// command starts: that command must wait for the reset and watch the boot it started, count what that boot did
// while the reset command was still running, and never count what the killed boot still sent. Nothing may
// crash.
//
// Before the fixes: the next run cleared the board's "booted" record while the reset was awaited, and the cut's
// continuation then failed ("Cannot set properties of undefined", tools/hil/run.ts:321); and the new boot was
// judged only from what the server did after the reset command returned, so a re-enrollment (one round trip)
// finished during the reset went unseen: "no outcome within 120000 ms" (test/hil-udp.test.ts, power-cut, on a
// loaded machine). Here the reset command waits for the test, so the order of events is fixed, not left to the
// machine's load. The "boards" are two UDP sockets (the killed boot's and the new boot's), the bridge is the
// runner's, the server a UDP socket that turns each datagram "kind|detail" into a server event.
import { createSocket, type Socket } from "node:dgram";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SlipBridge } from "../tools/hil/bridge.js";
import { UdpBoard } from "../tools/hil/run.js";
import { freePort } from "./helpers/hosts.js";

const bound = (): Promise<Socket> => new Promise((res) => { const s = createSocket("udp4"); s.bind(0, "127.0.0.1", () => res(s)); });
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`waited 10 s for ${what}`);
};

describe("udp HIL board: a power cut's reset racing the next run", () => {
  it("the next run waits for the reset, counts its boot's work done meanwhile, never the killed boot's; no unhandled rejection", async () => {
    const rejections: unknown[] = [];
    const onRej = (e: unknown) => rejections.push(e);
    process.on("unhandledRejection", onRej);
    const sockets: Socket[] = [];
    const bridge = new SlipBridge();
    try {
      const srv = await bound(); sockets.push(srv);
      const server = { events: [] as { kind: string; detail: string }[], stats: { datagramsIn: 0 } };
      srv.on("message", (m) => {
        server.stats.datagramsIn++;
        const [kind, detail] = m.toString("utf8").split("|");
        server.events.push({ kind, detail });
      });
      const gw = await freePort();
      await bridge.serveUdp(gw, "127.0.0.1", srv.address().port);
      const oldBoot = await bound(), newBoot = await bound(); sockets.push(oldBoot, newBoot);
      const send = (s: Socket, text: string) => new Promise<void>((r) => s.send(Buffer.from(text), gw, "127.0.0.1", () => r()));

      // The first reset is quick; the cut's reset says it started, then waits for the test's "go".
      const work = mkdtempSync(join(tmpdir(), "hil-reset-"));
      const [once, started, go] = ["reset-once", "started", "go"].map((f) => join(work, f));
      const reset = `if [ -e '${once}' ]; then touch '${started}'; while [ ! -e '${go}' ]; do sleep 0.01; done; else touch '${once}'; fi`;
      const board = new UdpBoard("127.0.0.1", reset, undefined, undefined, work, server as any, 50, false);
      // The killed boot asks something before the cut (the server has it when the power goes).
      const cut = async (_b: unknown, running: () => boolean) => {
        await send(oldBoot, "crts|the killed boot's first request");
        await until(() => server.events.length === 1, "the first request at the server");
        return running();
      };
      // The first run gives up after 500 ms, while the cut's reset still runs; the next run starts at once.
      const first = await board.run(["enroll"], bridge, cut as any, 500);
      expect(first.code).toBeUndefined();
      const second = board.run(["enroll"], bridge, undefined, 10_000);
      // During the reset: the killed boot still sends (the reset has not stopped it yet), then the new boot
      // re-enrolls; only then does the reset command return.
      await until(() => existsSync(started), "the cut's reset to start");
      await send(oldBoot, "enroll|/sren: late request of the killed boot");
      await send(newBoot, "enroll|/sren: the new boot's enrollment");
      await until(() => server.events.some((e) => /new boot/.test(e.detail)), "the new boot's request at the server");
      writeFileSync(go, "");
      const r = await second;
      expect(r.code, r.log).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ ok: true, source: "server", resource: "sren" });
      expect(r.log).toMatch(/new boot's enrollment/);
      expect(r.log).not.toMatch(/first request/);
      // The killed boot's late request never reached the server.
      expect(server.events.map((e) => e.detail)).toEqual(["the killed boot's first request", "/sren: the new boot's enrollment"]);
      await new Promise((res) => setTimeout(res, 50));
      expect(rejections).toEqual([]);
      board.close();
    } finally {
      process.off("unhandledRejection", onRej);
      bridge.close();
      for (const s of sockets) s.close();
    }
  }, 30_000);

  it("without a console a run that is to be cut is not judged from the server before the cut is decided", async () => {
    // Before: the server had issued and the board fell quiet for --quiet-ms before the cut's timer fired (or
    // before the cut's reset returned), so the run ended as "finished first" and the scenario counted one cut
    // fewer (test/hil-udp.test.ts: "10 power cycles (9 during the command)" on a loaded machine).
    const sockets: Socket[] = [];
    const bridge = new SlipBridge();
    try {
      const srv = await bound(); sockets.push(srv);
      const server = { events: [] as { kind: string; detail: string }[], stats: { datagramsIn: 0 } };
      srv.on("message", (m) => { server.stats.datagramsIn++; const [kind, detail] = m.toString("utf8").split("|"); server.events.push({ kind, detail }); });
      const gw = await freePort();
      await bridge.serveUdp(gw, "127.0.0.1", srv.address().port);
      const dev = await bound(); sockets.push(dev);
      const board = new UdpBoard("127.0.0.1", "true", undefined, undefined, mkdtempSync(join(tmpdir(), "hil-cut-")), server as any, 50, false);
      const cut = async (_b: unknown, running: () => boolean) => {
        await new Promise<void>((r) => dev.send(Buffer.from("enroll|/sen: issued before the cut"), gw, "127.0.0.1", () => r()));
        await until(() => server.events.length === 1, "the enrollment at the server");
        await new Promise((r) => setTimeout(r, 300)); // six quiet times: the cut comes late
        return running();
      };
      const r = await board.run(["enroll"], bridge, cut as any, 10_000);
      expect(r.cut).toBe(true);
      expect(r.code).toBeUndefined();
      board.close();
    } finally {
      bridge.close();
      for (const s of sockets) s.close();
    }
  }, 30_000);
});
