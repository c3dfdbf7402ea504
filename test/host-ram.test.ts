// The two host mechanisms that let an enrollment fit a 256 KiB board (host/include/est_host.h), exercised under
// wasm3 on the desktop (est-sim --code-cache / --memory-limit) where a failure is quick to see:
//   - dropping wasm3's compiled code between calls into the module, so that each step of a command compiles
//     what it needs again: enrollments (first, with EDHOC and the combined request, and /sren) and the
//     sequential flow still complete, with the code dropped between the steps the module splits them into;
//   - allocating only part of the module's declared linear memory: enough is enough, too little is refused
//     with a message that names the limit, at load and never in the middle of a command.
// The emulated board runs the same host code in test/hil-qemu.test.ts, within the nRF52840's RAM.
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EstServer } from "../tools/server/est.js";
import { provision } from "../tools/provision.js";
import { readFileSync } from "node:fs";
import { NodeBoard } from "../host/node/board.js";
import { ModuleHost } from "../host/node/host.js";
import { FileStore } from "../host/node/store.js";
import { CLIENT_WASM, runCommand, tempDir } from "./helpers/hosts.js";

const T = 60_000;
/** What the board capabilities set (boards/mps2-an386/capabilities.h). */
const LIMIT = 48 * 1024;
const BOARD = ["--code-cache", "2048", "--memory-limit", String(LIMIT)];

describe("est-sim with a board's RAM settings", () => {
  let server: EstServer;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir("host-ram-");
    server = await EstServer.start({ dir: join(dir, "server") });
  });
  afterAll(async () => { await server.stop(); });

  async function enroll(store: string, host: string[], extra: string[] = []) {
    const res = await runCommand("wasm3", [...host, "--stats", "--store", store, "enroll", "--json", "--ack-timeout", "300", ...extra, `coap://127.0.0.1:${server.port}`], { timeoutMs: T });
    const rep = JSON.parse(res.stdout.trim().split("\n").pop() ?? "null");
    const stats = /code pages (\d+) \(at most (\d+)\), compiled code dropped (\d+) times/.exec(res.stderr);
    expect(stats, res.stderr).not.toBeNull();
    return { res, rep, pages: Number(stats![1]), peak: Number(stats![2]), drops: Number(stats![3]) };
  }

  function issued(rep: any): void {
    expect(rep.ok).toBe(true);
    expect(new X509Certificate(rep.certificate_pem).verify(new X509Certificate(server.ca.certPem).publicKey)).toBe(true);
  }

  it("enrolls and re-enrolls with the compiled code dropped between steps", async () => {
    const store = join(dir, "a.keystore");
    provision({ serverDir: join(dir, "server"), store });
    const first = await enroll(store, BOARD);
    issued(first.rep);
    expect(first.rep.round_trips).toBe(2);
    expect(first.rep.combined).toBe(true);
    // start, message_2's checks, message_3, the CSR, the protected request, the response, the checks of the
    // certificate: each heavy step ran in a call of its own, after the code of the one before was dropped.
    expect(first.drops).toBeGreaterThanOrEqual(5);
    const again = await enroll(store, BOARD);
    issued(again.rep);
    expect(again.rep.resource).toBe("sren");
    expect(again.rep.round_trips).toBe(1);
    expect(again.drops).toBeGreaterThanOrEqual(3);
  }, T);

  it("keeps every compiled function without a code cache limit, and then drops nothing", async () => {
    const store = join(dir, "b.keystore");
    provision({ serverDir: join(dir, "server"), store });
    const all = await enroll(store, []);
    issued(all.rep);
    expect(all.drops).toBe(0);
    // Dropping is what keeps the peak down: the whole command's code is more than any of its steps'.
    const store2 = join(dir, "b2.keystore");
    provision({ serverDir: join(dir, "server"), store: store2 });
    const dropped = await enroll(store2, BOARD);
    issued(dropped.rep);
    expect(dropped.peak).toBeLessThan(all.peak * 0.75);
  }, T);

  it("runs the sequential flow and a datagram-heavy lossy run with the code dropped", async () => {
    const store = join(dir, "c.keystore");
    provision({ serverDir: join(dir, "server"), store });
    const seq = await enroll(store, BOARD, ["--sequential"]);
    issued(seq.rep);
    expect(seq.rep.round_trips).toBe(3);
    const store2 = join(dir, "c2.keystore");
    provision({ serverDir: join(dir, "server"), store: store2 });
    const lossy = await enroll(store2, [...BOARD, "--loss", "20", "--impair-seed", "7"]);
    issued(lossy.rep);
  }, 2 * T);

  it("refuses a linear memory below the module's data, at load, naming the limit", async () => {
    const r = await runCommand("wasm3", ["--memory-limit", "16384", "--store", join(dir, "x.keystore"), "status"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/data segment out of bounds \(the board allocates 16384 bytes of linear memory\)/);
  });

  it("refuses a linear memory below the module's heap, at load, naming the limit", async () => {
    // Above the module's data (about 33 KB) but below its heap top (the buffers allocated at start-up).
    const r = await runCommand("wasm3", ["--memory-limit", "40000", "--store", join(dir, "x.keystore"), "status"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/40000 bytes of linear memory/);
  });

  it("holds the V8 host to the same limit at load (it cannot allocate less, so it checks the heap top)", async () => {
    const low = await runCommand("v8", ["--memory-limit", "40000", "--store", join(dir, "z.keystore"), "status"]);
    expect(low.code).toBe(3);
    expect(low.stderr).toMatch(/module needs \d+ bytes of linear memory; this board gives it 40000/);
    const ok = await runCommand("v8", [...BOARD, "--store", join(dir, "z.keystore"), "status"]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it("gives the device module what it needs with the board's limit (heap top below it)", async () => {
    const r = await runCommand("wasm3", [...BOARD, "--store", join(dir, "y.keystore"), "status"]);
    expect(r.code, r.stderr).toBe(0);
    const board = new NodeBoard({ store: new FileStore(join(dir, "y2.keystore")), out: () => {}, err: () => {} });
    const host = await ModuleHost.load(readFileSync(CLIENT_WASM), board);
    expect(host.heapTop()).toBeLessThanOrEqual(LIMIT);
    await board.close();
  });
});
