// tools/serial-bridge.ts, the way an nRF52840 DK on its USB port reaches the network in docs/app-developer.md,
// run against QEMU behind a pty (tools/hil/qemu-serial-board.sh: the mps2-an386 firmware in --console mode
// speaks the DK's SLIP console and runs the same boards/common/mcu_client.c). The key store names the server
// (provision --server-uri), so the board enrolls at boot by itself; the bridge carries its datagrams, prints
// its log, and sends one command at HELLO.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseStore } from "../host/node/store.js";
import { EstServer } from "../tools/server/est.js";
import { provision } from "../tools/provision.js";
import { buildFlashImage, intelHex } from "../tools/hil/flash-image.js";
import { ROOT } from "./helpers/hosts.js";

const ELF = join(ROOT, "build/mps2-an386.elf");
const why = spawnSync("qemu-system-arm", ["--version"]).status !== 0 ? "qemu-system-arm is not installed"
  : spawnSync("arm-none-eabi-objcopy", ["--version"]).status !== 0 ? "arm-none-eabi-objcopy is not installed"
  : !existsSync(ELF) ? "the firmware is not built (npm run build:mps2)" : "";
const BOARD = join(ROOT, "tools/hil/qemu-serial-board.sh");

describe.skipIf(why !== "")(`serial-bridge with a board behind a pty${why ? ` — skipped: ${why}` : ""}`, () => {
  let dir = "";
  let server: EstServer | undefined;
  afterAll(async () => {
    await server?.stop();
    if (!dir) return;
    spawnSync("bash", [BOARD, "down", dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("carries the boot-time enrollment and a command's answer", async () => {
    dir = mkdtempSync(join(tmpdir(), "serial-bridge-"));
    expect(spawnSync("bash", [BOARD, "up", dir]).status).toBe(0);
    server = await EstServer.start({ dir: join(dir, "server") });
    const store = join(dir, "device.keystore");
    const { kid } = provision({ serverDir: join(dir, "server"), store, serverUri: `coap://127.0.0.1:${server.port}` });
    const recs = parseStore(new Uint8Array(readFileSync(store))).map((r) => ({ id: r.id, data: r.raw.subarray(12) }));
    writeFileSync(join(dir, "store.hex"), intelHex(buildFlashImage(recs)));
    expect(spawnSync("bash", [BOARD, "flash", dir, join(dir, "store.hex")]).status).toBe(0);
    const bridge = spawn("npx", ["tsx", "tools/serial-bridge.ts", join(dir, "tty"), "--command", "status --json", "--once"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    bridge.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    bridge.stderr.setEncoding("utf8").on("data", (d) => (err += d));
    const code = new Promise<number | null>((r) => bridge.on("close", r));
    // The board starts once the bridge has the port open (it says so), so that no frame goes unread.
    await new Promise<void>((r) => { const t = setInterval(() => { if (/<-> UDP/.test(err)) { clearInterval(t); r(); } }, 20); });
    expect(spawnSync("bash", [BOARD, "reset", dir]).status).toBe(0);
    const timer = setTimeout(() => bridge.kill("SIGKILL"), 90_000);
    expect(await code, err).toBe(0);
    clearTimeout(timer);
    expect(err).toMatch(/serial-bridge: mps2-an386 is up; sending: status --json/);
    expect(JSON.parse(out.trim())).toMatchObject({ ok: true, enrolled: true });
    expect(server.events.filter((e) => e.kid === kid && e.kind === "enroll").length).toBe(1);
    // The board's log came through the bridge: the boot path enrolled before it took the command.
    expect(err).toMatch(/board: est-board: boot: maintain enrolled \(OK\), enrolled, renews at \S+Z/);
  }, 120_000);
});
