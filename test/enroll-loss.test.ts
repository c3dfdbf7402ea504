// The device never stays stuck (issue 20), under wasm3 (build/est-sim) against the development server: an
// answer lost until the device sends its request again as a new message, after which the server either serves
// the repeated message_3 under the context it already made, or refuses the used session and the device runs
// EDHOC again (combined request and sequential flow); how often one message is retransmitted before it goes
// anew; one deadline for the whole command; a key store that cannot take the certificate, found out before
// anything is asked of the server; and the seed the issue named (--loss 40 --impair-seed 4).
//
// The losses are made by the server's tamper hook, which drops every copy of one answer by its message ID, so
// what happens does not depend on timing. Nothing here measures time (bench:server does).
import { statSync, readFileSync } from "node:fs";
import { createSocket } from "node:dgram";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decode, OPT, type Message } from "../tools/server/coap.js";
import { EstServer, type EstServerOptions } from "../tools/server/est.js";
import { provision } from "../tools/provision.js";
import { runCommand, tempDir } from "./helpers/hosts.js";

const T = 90_000;
const servers: EstServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.stop(); });

async function rig(opts: Partial<EstServerOptions> = {}) {
  const dir = tempDir("est-loss-");
  const server = await EstServer.start({ dir: join(dir, "server"), ...opts });
  servers.push(server);
  const store = join(dir, "device.keystore");
  provision({ serverDir: join(dir, "server"), store });
  return { server, store };
}

async function enroll(port: number, store: string, extra: string[] = [], hostOpts: string[] = []) {
  const r = await runCommand("wasm3", ["-v", ...hostOpts, "--store", store, "enroll", "--json", "--ack-timeout", "100", "-B", "30", ...extra, `coap://127.0.0.1:${port}`], { timeoutMs: T });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  let rep: any;
  try { rep = JSON.parse(line); } catch { throw new Error(`no JSON report (exit ${r.code}): ${r.stdout}\n${r.stderr}`); }
  return { ...r, rep };
}

/** A tamper hook that drops every copy of the first answer `pick` selects (the same message ID: the server's
 *  duplicate detection sends its cached answer again for each retransmission), and passes everything else. */
function dropFirstAnswer(pick: (m: Message) => boolean) {
  let mid = -1;
  const dropped = { count: 0 };
  const tamper = (d: Uint8Array) => {
    let m: Message;
    try { m = decode(d); } catch { return d; }
    if (mid < 0 && pick(m)) mid = m.mid;
    if (m.mid === mid && pick(m)) { dropped.count++; return null; }
    return d;
  };
  return { tamper, dropped };
}
const protectedAnswer = (m: Message) => m.type === 2 && m.options.some(([n]) => n === OPT.OSCORE);
/** The 2.04 to C_R || message_3 of the sequential flow: no OSCORE, no payload (message_2's 2.04 has one). */
const message3Answer = (m: Message) => m.type === 2 && m.code === 0x44 && m.payload.length === 0 && !m.options.some(([n]) => n === OPT.OSCORE);

const handshakes = (s: EstServer) => s.events.filter((e) => e.kind === "edhoc" && /handshake done/.test(e.detail)).length;
const repeats = (s: EstServer) => s.events.filter((e) => e.kind === "edhoc" && /message_3 repeated/.test(e.detail)).length;

describe("an answer lost until the request goes again as a new message (wasm3)", () => {
  it("combined request: the server serves the repeated message_3 under the context it made; one EDHOC run", async () => {
    // Before: the server refused the used session, and the device had to run EDHOC a second time.
    const d = dropFirstAnswer(protectedAnswer);
    const { server, store } = await rig({ tamper: d.tamper });
    const { rep, stderr } = await enroll(server.port, store);
    if (!rep.ok) throw new Error(stderr);
    expect(rep).toMatchObject({ resource: "sen", edhoc: true, combined: true });
    expect(d.dropped.count).toBeGreaterThanOrEqual(1);
    expect(stderr).toMatch(/no answer after \d+ transmissions; sending the request again/);
    expect(handshakes(server)).toBe(1);
    expect(repeats(server)).toBe(1);
    expect(stderr).not.toMatch(/running EDHOC again/);
  }, T);

  it("combined request, a server that refuses the used session: the device runs EDHOC again and enrolls", async () => {
    const d = dropFirstAnswer(protectedAnswer);
    const { server, store } = await rig({ tamper: d.tamper, repeatedCombined: "refuse" });
    const { rep, stderr } = await enroll(server.port, store);
    if (!rep.ok) throw new Error(stderr);
    expect(stderr).toMatch(/the server refused message_3 sent again \(EDHOC error 1\): its first copy used the session; running EDHOC again/);
    expect(handshakes(server)).toBe(2);
    expect(repeats(server)).toBe(0);
  }, T);

  it("sequential flow: the server answers the repeated C_R || message_3 with 2.04; one EDHOC run", async () => {
    // Before: "no EDHOC session for this C_R", and the device gave up.
    const d = dropFirstAnswer(message3Answer);
    const { server, store } = await rig({ tamper: d.tamper });
    const { rep, stderr } = await enroll(server.port, store, ["--sequential"]);
    if (!rep.ok) throw new Error(stderr);
    expect(rep).toMatchObject({ edhoc: true, combined: false });
    expect(d.dropped.count).toBeGreaterThanOrEqual(1);
    expect(handshakes(server)).toBe(1);
    expect(repeats(server)).toBe(1);
  }, T);

  it("sequential flow, a server that refuses the used session: the device runs EDHOC again and enrolls", async () => {
    // Before: the device reported the server's EDHOC error and stopped (exit 1), a certificate never asked for.
    const d = dropFirstAnswer(message3Answer);
    const { server, store } = await rig({ tamper: d.tamper, repeatedCombined: "refuse" });
    const { rep, stderr } = await enroll(server.port, store, ["--sequential"]);
    if (!rep.ok) throw new Error(stderr);
    expect(stderr).toMatch(/running EDHOC again/);
    expect(handshakes(server)).toBe(2);
  }, T);
});

describe("retransmission and the command's deadline (wasm3)", () => {
  it("a message is retransmitted twice, then the request goes as a new message; the command ends at its deadline", async () => {
    // Before: 4 retransmissions (one message's back-off spans 62-93 s at the default ACK_TIMEOUT, the whole of
    // a 90 s deadline), so at 40% loss both ways 4 or 5 of 20 seeds ran out of time (README "Measurements").
    const silent = createSocket("udp4");
    let received = 0;
    silent.on("message", () => { received++; });
    await new Promise<void>((res) => silent.bind(0, "127.0.0.1", () => res()));
    try {
      const { store } = await rig(); // a provisioned store; the device talks to the silent socket instead
      const r = await runCommand("wasm3", ["-v", "--store", store, "enroll", "--json", "--ack-timeout", "100", "-B", "4", `coap://127.0.0.1:${silent.address().port}`], { timeoutMs: T });
      const rep = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
      expect(rep).toMatchObject({ ok: false, error: "E_TIMEOUT", detail: "the command's deadline passed before a complete response" });
      expect(r.stderr).toMatch(/no answer after 3 transmissions; sending the request again/);
      expect(r.stderr).not.toMatch(/no answer after [45] transmissions/);
      expect(received).toBeGreaterThanOrEqual(4);
    } finally { silent.close(); }
  }, T);
});

describe("a key store that cannot take the certificate (wasm3)", () => {
  it("is found out before anything is sent: nothing issued, the store unchanged", async () => {
    const { server, store } = await rig();
    const before = readFileSync(store);
    const r = await runCommand("wasm3", ["--store-capacity", String(statSync(store).size), "--store", store, "enroll", "--json", `coap://127.0.0.1:${server.port}`], { timeoutMs: T });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_STORE_FULL \(the key store cannot be written \(E_STORE_FULL\): an issued certificate could not be kept, so nothing was asked of the server\)/);
    expect(server.stats.datagramsIn).toBe(0);
    expect(server.events.filter((e) => e.kind === "enroll")).toHaveLength(0);
    // The DRBG seed record rolls forward on every boot (crypto/drbg.ts); the file keeps its size.
    expect(readFileSync(store).length).toBe(before.length);
  }, T);
});

describe("40% loss both ways, the issue's seed 4 (wasm3)", () => {
  it("enrolls", async () => {
    // Before: the combined request's answers were lost, the device sent it again as a new message, the server
    // refused the used session, and the device gave up. Times are scaled down (--ack-timeout 300, not 2000),
    // with a deadline that leaves room for a busy machine.
    const { server, store } = await rig();
    const r = await runCommand("wasm3", ["-v", "--loss", "40", "--impair-seed", "4", "--store", store, "enroll", "--json", "--ack-timeout", "300", "-B", "80", `coap://127.0.0.1:${server.port}`], { timeoutMs: T + 30_000 });
    const rep = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
    if (!rep.ok) throw new Error(r.stderr);
    expect(rep).toMatchObject({ resource: "sen", edhoc: true });
  }, T + 30_000);
});
