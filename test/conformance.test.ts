// Conformance of the device to RFC 9668, RFC 9528, RFC 9175 and RFC 8613 where a server (or something on the
// path) does what the development server never does by itself: each case scripts that behaviour — a UDP
// proxy in front of the server that answers for it or rewrites its answers, a hook on the server, or a board
// whose random source and clock are fixed — so that the case is deterministic. Each fails on the code before
// the fix it covers (docs/conformance.md lists them):
//   - C_R equal to C_I in message_2: the Initiator aborts with an EDHOC error (RFC 9668 §4, RFC 9528 §3.3.2);
//   - C_I is never the Recipient ID of the context the device holds (RFC 9668 §4);
//   - a 4.01 with Echo answering message_1: message_1 again with the Echo value (RFC 9175 §2.4, RFC 9528 A.2);
//   - an EDHOC error in the 4.00 answer to the combined request is reported as the EDHOC error (RFC 9668 §3.3.1),
//     code 3 (unknown credential, RFC 9528 §6.4) with advice of its own, on the combined and sequential paths;
//   - a pre-shared-context device refused with "Replay detected" is told so, not to provision itself;
//   - an outer Max-Age on a protected response does not stand in for the inner one (RFC 8613 §4.1.3.1);
//   - the -v trace shows the OSCORE option as flags, Partial IV and kid (both hosts' renderers);
// and the development server's side of one requirement: discovery links carry "osc" (EST-oscore -11 §4.1).
import { createSocket, type RemoteInfo } from "node:dgram";
import { copyFileSync, cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOG_INFO } from "../host/node/abi.js";
import { NodeBoard } from "../host/node/board.js";
import { ModuleHost } from "../host/node/host.js";
import { FileStore, buildStore, parseStore, STORE_DEFAULT_CAPACITY } from "../host/node/store.js";
import { BAD_REQUEST, OPT, UNAUTHORIZED, ACK, decode, encode, getOption, uintBytes, type Message } from "../tools/server/coap.js";
import { EstServer, type EstServerOptions } from "../tools/server/est.js";
import { provision, RECORDS, type ProvisionOptions } from "../tools/provision.js";
import { CLIENT_WASM, HOSTS, runCommand, tempDir } from "./helpers/hosts.js";

const T = 60_000;
const CF_EDHOC = 64;

interface Rig { server: EstServer; dir: string; store: string; url: string; stop: () => Promise<void> }

async function rig(opts: Partial<EstServerOptions> = {}, prov: Partial<ProvisionOptions> = {}): Promise<Rig> {
  const dir = tempDir("est-conform-");
  const server = await EstServer.start({ dir: join(dir, "server"), ...opts });
  const store = join(dir, "device.keystore");
  provision({ serverDir: join(dir, "server"), store, ...prov });
  return { server, dir, store, url: `coap://127.0.0.1:${server.port}`, stop: () => server.stop() };
}

// Nothing is lost on the way here: a long ACK timeout keeps an answer that a busy machine delays from being
// sent again, which the tests that count messages would see.
async function enroll(store: string, url: string, extra: string[] = [], host: "wasm3" | "v8" = "wasm3") {
  const r = await runCommand(host, ["--store", store, "enroll", "--json", "--ack-timeout", "2000", ...extra, url], { timeoutMs: T - 5000 });
  let rep: any = {};
  try { rep = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}"); } catch { /* no report: the assertions say so */ }
  return { ...r, rep };
}

/** The records an enrollment may change (the DRBG seed rolls forward on every run by design). */
function state(store: string): string {
  const keep = new Set<number>([RECORDS.ENROLLMENT, RECORDS.OSCORE_CTX, RECORDS.OSCORE_SEQ, RECORDS.TRUST_ANCHORS]);
  return JSON.stringify(parseStore(new Uint8Array(readFileSync(store))).filter((r) => keep.has(r.id)).map((r) => [r.id, Buffer.from(r.raw).toString("hex")]));
}

/**
 * A UDP proxy in front of the server. `up` sees each datagram from the device and returns what to forward (or
 * null), or answers itself through `answer`; `down` may rewrite what the server sends back.
 */
async function proxy(serverPort: number, up: (m: Message, raw: Uint8Array, answer: (r: Message) => void) => Uint8Array | null,
  down: (raw: Uint8Array) => Uint8Array = (d) => d) {
  const front = createSocket("udp4"), back = createSocket("udp4");
  let device: RemoteInfo | undefined;
  front.on("message", (d, r) => {
    device = r;
    let m: Message;
    try { m = decode(new Uint8Array(d)); } catch { back.send(d, serverPort, "127.0.0.1"); return; }
    const out = up(m, new Uint8Array(d), (a) => front.send(encode(a), r.port, r.address));
    if (out) back.send(out, serverPort, "127.0.0.1");
  });
  back.on("message", (d) => { if (device) front.send(down(new Uint8Array(d)), device.port, device.address); });
  await new Promise<void>((r) => front.bind(0, "127.0.0.1", r));
  await new Promise<void>((r) => back.bind(0, "127.0.0.1", r));
  return { url: `coap://127.0.0.1:${front.address().port}`, close: () => { front.close(); back.close(); } };
}

/** message_1 over CoAP (RFC 9528 A.2): payload CBOR true, then METHOD, SUITES_I, G_X, C_I. */
const isMessage1 = (m: Message) => m.payload[0] === 0xf5 && m.payload.length > 30;
/** The C_I of a message_1 payload (method 3, suite 2: 0xf5 03 02 58 20 <32 bytes> C_I). */
const cIOf = (m: Message) => m.payload[m.payload.length - 1];
const reply = (m: Message, code: number, options: [number, Uint8Array][] = [], payload = new Uint8Array(0)): Message =>
  ({ type: ACK, code, mid: m.mid, token: m.token, options, payload });

describe("connection identifiers (RFC 9668 §4)", () => {
  it("a message_2 whose C_R equals C_I is refused with an EDHOC error (code 1) sent to the Responder; nothing is stored", async () => {
    const r = await rig();
    // The server picks C_R = C_I (the development server never does: it excludes C_I, tools/server/est.ts newCR).
    r.server.newCR = (cI: Uint8Array) => Uint8Array.from(cI);
    try {
      const before = state(r.store);
      const { code, rep, stderr } = await enroll(r.store, r.url);
      expect(code, stderr).toBe(1);
      expect(rep).toMatchObject({ ok: false, error: "E_EDHOC_ERROR" });
      expect(stderr).toMatch(/C_R equal to C_I/);
      expect(state(r.store)).toBe(before);
      // The device told the Responder (an EDHOC error message with C_R in front, RFC 9528 A.2), which dropped
      // the session; no context was made, nothing issued.
      await new Promise((res) => setTimeout(res, 200));
      expect(r.server.events.some((e) => e.kind === "refused" && /the device sent an EDHOC error \(code 1: message_2 refused/.test(e.detail))).toBe(true);
      expect(r.server.events.some((e) => e.kind === "edhoc" || e.kind === "enroll")).toBe(false);
    } finally { await r.stop(); }
  }, T);

  // A board whose random source gives the same byte sequence in every run (a fixed-seed xorshift: message IDs
  // and tokens still differ from one exchange to the next) and whose clock stands still until the module first
  // waits for the network: the module's DRBG (seeded from these and the key store's seed record) then gives the
  // same output in every run from the same key store, so the C_I a run draws is known in advance.
  const FIXED_MS = 1_000_000n;
  class FixedBoard extends NodeBoard {
    private t0 = -1;
    private x = 0x2545f491;
    override rngFill(out: Uint8Array): number {
      for (let i = 0; i < out.length; i++) { this.x ^= this.x << 13; this.x ^= this.x >>> 17; this.x ^= this.x << 5; out[i] = this.x & 0xff; }
      return 0;
    }
    override clockMs(): bigint { return this.t0 < 0 ? FIXED_MS : FIXED_MS + BigInt(Math.round(performance.now() - this.t0)); }
    override wait(deadline: bigint) {
      if (this.t0 < 0) {
        if (deadline <= FIXED_MS) return Promise.resolve("timeout" as const); // a step due at once: no time passes
        this.t0 = performance.now();
      }
      return super.wait(deadline);
    }
  }
  /** Enroll under V8 on a FixedBoard; returns "ok" or the failure with its detail and log. */
  async function fixedEnroll(store: string, url: string): Promise<string> {
    let log = "";
    const board = new FixedBoard({ store: new FileStore(store, STORE_DEFAULT_CAPACITY), logLevel: LOG_INFO, out: () => {}, err: (t) => (log += t) });
    try {
      const host = await ModuleHost.load(new Uint8Array(readFileSync(CLIENT_WASM)), board);
      const st = await host.run(["enroll", "--edhoc", "--ack-timeout", "2000", url]);
      return st === 0 ? "ok" : `status ${st}: ${host.errorDetail()}\n${log}`;
    } finally { await board.close(); }
  }

  it("v8: C_I is never the Recipient ID of the context the device holds (the random source fixed, so the clash is forced)", async () => {
    const r = await rig();
    const cIs: number[] = [];
    // Each run through a proxy of its own: with the random source fixed, every run uses the same message IDs,
    // which the server would take for duplicates if they came from the same address and port.
    const run = async (store: string) => {
      const p = await proxy(r.server.port, (m, raw) => { if (isMessage1(m)) cIs.push(cIOf(m)); return raw; });
      try { return await fixedEnroll(store, p.url); } finally { p.close(); }
    };
    try {
      const fresh = join(r.dir, "fresh.keystore");
      copyFileSync(r.store, fresh);
      // Two runs from the same key store draw the same C_I: the random source is fixed.
      for (let i = 0; i < 2; i++) {
        const s = join(r.dir, `run${i}.keystore`);
        copyFileSync(fresh, s);
        expect(await run(s)).toBe("ok");
      }
      expect(cIs).toHaveLength(2);
      expect(cIs[1]).toBe(cIs[0]);
      // The context of the first run has that C_I as its Recipient ID (RFC 9528 A.1). Give it to a device whose
      // key store is otherwise the fresh one: the same draw would pick that C_I again; the device must not.
      const ran = parseStore(new Uint8Array(readFileSync(join(r.dir, "run0.keystore"))));
      const ctx = ran.filter((x) => x.id === RECORDS.OSCORE_CTX || x.id === RECORDS.OSCORE_SEQ);
      expect(ctx.map((x) => x.id)).toContain(RECORDS.OSCORE_CTX);
      const held = join(r.dir, "held.keystore");
      const base = parseStore(new Uint8Array(readFileSync(fresh))).map((x) => ({ id: x.id, data: x.raw.subarray(12) }));
      writeFileSync(held, buildStore([...base, ...ctx.map((x) => ({ id: x.id, data: x.raw.subarray(12) }))]));
      expect(await run(held)).toBe("ok");
      expect(cIs).toHaveLength(3);
      expect(cIs[2]).not.toBe(cIs[0]);
    } finally { await r.stop(); }
  }, T);
});

describe("Echo (RFC 9175) on message_1", () => {
  it("a 4.01 with Echo answering message_1 (no OSCORE yet): message_1 is sent again with the Echo value, once", async () => {
    const r = await rig();
    const ECHO = Uint8Array.from([0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8]);
    const m1s: Message[] = [];
    const p = await proxy(r.server.port, (m, raw, answer) => {
      if (!isMessage1(m)) return raw;
      m1s.push(m);
      const echo = getOption(m, OPT.ECHO);
      if (echo && Buffer.from(echo).equals(ECHO)) return raw; // freshness shown: on to the server
      answer(reply(m, UNAUTHORIZED, [[OPT.ECHO, ECHO]]));
      return null;
    });
    try {
      const { code, rep, stderr } = await enroll(r.store, p.url);
      expect(code, stderr).toBe(0);
      expect(rep).toMatchObject({ ok: true, resource: "sen", round_trips: 3 });
      expect(m1s).toHaveLength(2);
      expect(getOption(m1s[0], OPT.ECHO)).toBeUndefined();
      expect(Buffer.from(getOption(m1s[1], OPT.ECHO)!).equals(ECHO)).toBe(true);
      expect(Buffer.from(m1s[1].payload).equals(Buffer.from(m1s[0].payload))).toBe(true); // the same message_1
      expect(m1s[1].mid).not.toBe(m1s[0].mid); // a new request, not a retransmission
    } finally { p.close(); await r.stop(); }
  }, T);
});

describe("EDHOC errors from the server", () => {
  it("an EDHOC error in the 4.00 answer to the combined request is reported as that error (RFC 9668 §3.3.1), nothing stored", async () => {
    const r = await rig();
    const text = "scripted: message_3 refused";
    const err = Uint8Array.from([0x01, 0x78, text.length, ...Buffer.from(text)]);
    const p = await proxy(r.server.port, (m, raw, answer) => {
      if (getOption(m, OPT.EDHOC) === undefined) return raw;
      answer(reply(m, BAD_REQUEST, [[OPT.CONTENT_FORMAT, uintBytes(CF_EDHOC)]], err));
      return null;
    });
    try {
      const before = state(r.store);
      const { code, rep, stderr } = await enroll(r.store, p.url);
      expect(code).toBe(1);
      expect(rep).toMatchObject({ ok: false, error: "E_EDHOC_ERROR" });
      expect(stderr).toContain(`the Responder sent EDHOC error 1: ${text}`);
      expect(stderr).not.toMatch(/without OSCORE/);
      expect(state(r.store)).toBe(before);
    } finally { p.close(); await r.stop(); }
  }, T);

  for (const flow of ["combined", "sequential"] as const) {
    it(`error code 3 from a server that does not know the device's credential (${flow}): a report that says so`, async () => {
      // Server B is a copy of server A's folder taken before the device was registered with A: the same server
      // credential and CA, but no such device. Its Responder answers message_3 with error code 3 (RFC 9528 §6.4).
      const dir = tempDir("est-conform-unknown-");
      const a = join(dir, "a"), b = join(dir, "b");
      provision({ serverDir: a, store: join(dir, "other.keystore") });
      cpSync(a, b, { recursive: true });
      const store = join(dir, "device.keystore");
      provision({ serverDir: a, store });
      const server = await EstServer.start({ dir: b });
      try {
        const before = state(store);
        const { code, rep, stderr } = await enroll(store, `coap://127.0.0.1:${server.port}`, flow === "sequential" ? ["--sequential"] : []);
        expect(code).toBe(1);
        expect(rep).toMatchObject({ ok: false, error: "E_EDHOC_ERROR" });
        expect(stderr).toMatch(/EDHOC error 3 \(unknown credential referenced\): the server does not know this device's credential; register the device with the server/);
        expect(state(store)).toBe(before);
      } finally { await server.stop(); }
    }, T);
  }

  it("a pre-shared-context device refused with 4.01 \"Replay detected\": says so, never \"provision the device\"", async () => {
    const r = await rig({}, { psk: true });
    try {
      const old = join(r.dir, "before.keystore");
      copyFileSync(r.store, old);
      expect((await enroll(r.store, r.url)).code).toBe(0);
      // The key store as it was: its sequence numbers are behind the server's replay window now.
      copyFileSync(old, r.store);
      const { code, rep, stderr } = await enroll(r.store, r.url);
      expect(code).toBe(1);
      expect(rep).toMatchObject({ ok: false, error: "E_OSCORE_UNPROTECTED" });
      expect(stderr).toMatch(/refused the request under the pre-shared OSCORE context: 4\.01 Unauthorized:? Replay detected/);
      expect(stderr).not.toMatch(/provision/i);
    } finally { await r.stop(); }
  }, T);
});

describe("outer and inner options stay apart (RFC 8613 §4.1)", () => {
  it("an outer Max-Age of an hour on a protected 5.03 does not replace the inner Max-Age of 1 s", async () => {
    // Manual approval: the server answers /sen with a protected 5.03 and inner Max-Age 1 until approved. A proxy
    // (or the server's socket, here) adds an outer Max-Age of 3600 s to every protected response.
    const r = await rig({
      manualApproval: true, approvalMaxAge: 1,
      tamper: (d) => {
        const m = decode(d);
        if (getOption(m, OPT.OSCORE) === undefined) return d;
        return encode({ ...m, options: [...m.options, [OPT.MAX_AGE, uintBytes(3600)]].sort((x, y) => x[0] - y[0]) });
      },
    });
    try {
      const kid = r.server.state.devices()[0].kid;
      setTimeout(() => r.server.approve(kid), 1500);
      const { code, rep, stderr } = await enroll(r.store, r.url, ["-B", "30"]);
      expect(code, stderr).toBe(0);
      expect(rep.ok).toBe(true);
      expect(r.server.events.filter((e) => /approval/.test(e.detail)).length).toBeGreaterThanOrEqual(1);
    } finally { await r.stop(); }
  }, T);
});

describe("the development server's discovery (EST-oscore -11 §4.1)", () => {
  it("links every EST resource with the osc attribute (REQUIRED), and the EDHOC resource with rt=core.edhoc", async () => {
    const r = await rig();
    try {
      const res = await runCommand("wasm3", ["--store", join(r.dir, "d.keystore"), "discover", "--json", r.url], { timeoutMs: T - 5000 });
      expect(res.code, res.stderr).toBe(0);
      const found = JSON.parse(res.stdout).resources as { path: string; rt: string; osc: boolean }[];
      expect(found.map((x) => x.rt).sort()).toEqual(["ace.est.att", "ace.est.crts", "ace.est.sen", "ace.est.skc", "ace.est.skg", "ace.est.sren"]);
      expect(found.every((x) => x.osc)).toBe(true);
      const all = await runCommand("wasm3", ["--store", join(r.dir, "d.keystore"), "coap", "get", `${r.url}/.well-known/core`], { timeoutMs: T - 5000 });
      expect(all.stdout).toMatch(/<\/\.well-known\/edhoc>;rt="core\.edhoc"/);
    } finally { await r.stop(); }
  }, T);
});

describe("the -v trace", () => {
  for (const host of HOSTS) {
    it(`${host}: shows the OSCORE option as flags, Partial IV and kid`, async () => {
      const r = await rig();
      try {
        const { code, stderr } = await enroll(r.store, r.url, ["-v"], host);
        expect(code, stderr).toBe(0);
        const kid = r.server.events.find((e) => e.kind === "edhoc")!.detail.match(/C_R ([0-9a-f]+)/)![1];
        // The combined request: Partial IV 0, kid = C_R (the device's Sender ID); the response: empty option.
        expect(stderr).toMatch(new RegExp(`^-> CON 0\\.02 mid=\\d+ token=[0-9a-f]+ OSCORE=\\{flags=0x09,piv=00,kid=${kid}\\} EDHOC=0 `, "m"));
        expect(stderr).toMatch(/^<- ACK 2\.04 mid=\d+ token=[0-9a-f]+ OSCORE=\{\} /m);
      } finally { await r.stop(); }
    }, T);
  }
});
