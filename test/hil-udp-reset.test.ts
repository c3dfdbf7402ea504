// The HIL runner's udp board (tools/hil/run.ts UdpBoard) when a power cut's reset is still running as the next
// command starts: that command must wait for the reset and watch the boot it started, and nothing may crash.
// Before the fix, the next run cleared the board's "booted" record while the reset was awaited, and the cut's
// continuation then failed ("Cannot set properties of undefined", tools/hil/run.ts:321), which crashed
// test/hil-udp.test.ts once on a loaded machine. Here the reset command is made slow on purpose so the order of
// events is fixed, not left to the machine's load.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UdpBoard } from "../tools/hil/run.js";

describe("udp HIL board: a power cut's reset racing the next run", () => {
  it("the next run waits for the reset and takes its boot; no unhandled rejection", async () => {
    const rejections: unknown[] = [];
    const onRej = (e: unknown) => rejections.push(e);
    process.on("unhandledRejection", onRej);
    try {
      const server = { events: [] as { kind: string; detail: string }[] };
      const bridge = { stats: { up: 0, down: 0, bytesUp: 0, bytesDown: 0, droppedUp: 0, droppedDown: 0, badFrames: 0, corruptedDown: 0, conUp: 0 } };
      const work = mkdtempSync(join(tmpdir(), "hil-reset-"));
      // The first run resets the board (the first reset is quick), cuts its power 50 ms later (that reset takes
      // 1.5 s) and gives up after 500 ms, while the cut's reset still runs; a datagram of the killed boot reaches
      // the server 100 ms into that reset.
      const flag = join(work, "reset-once");
      const board = new UdpBoard("127.0.0.1", `if [ -e '${flag}' ]; then sleep 1.5; else touch '${flag}'; fi`, undefined, undefined, work, server as any, 50, false);
      const cut = async (_b: unknown, running: () => boolean) => {
        await new Promise((r) => setTimeout(r, 50));
        if (!running()) return false;
        setTimeout(() => server.events.push({ kind: "crts", detail: "late request of the killed boot" }), 100);
        return true;
      };
      const first = await board.run(["enroll"], bridge as any, cut as any, 500);
      expect(first.code).toBeUndefined();
      // The next run starts at once: it must wait for the reset, then count from after it (the late request of
      // the killed boot is not this boot's outcome). The board never enrolls here, so it times out.
      const t = performance.now();
      const second = await board.run(["enroll"], bridge as any, undefined, 100);
      expect(performance.now() - t).toBeGreaterThanOrEqual(200); // it waited for the rest of the reset
      expect(second.code).toBeUndefined();
      expect(second.log).not.toMatch(/late request/);
      await new Promise((r) => setTimeout(r, 50));
      expect(rejections).toEqual([]);
      board.close();
    } finally { process.off("unhandledRejection", onRej); }
  }, 20_000);
});
