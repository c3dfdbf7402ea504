// A man in the middle on the device's side of the loopback path: a UDP proxy between the device (wasm3) and the
// development server that rewrites what the device sends. (test/enroll-attacks.test.ts rewrites what the
// server sends.) Each attack must end the enrollment with a clear status and leave the device's records byte
// for byte as they were.
import { createSocket, type RemoteInfo } from "node:dgram";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildStore, parseStore } from "../host/node/store.js";
import { decode } from "../tools/server/coap.js";
import { EstServer } from "../tools/server/est.js";
import { provision, RECORDS } from "../tools/provision.js";
import { BUILDS, runCommand, tempDir } from "./helpers/hosts.js";

// Every test runs for both builds of the device module (BUILDS in test/helpers/hosts.ts).
for (const B of BUILDS) describe(`${B.name}`, () => {

  const T = 60_000;


  function state(store: string): string {
    const keep = new Set<number>([RECORDS.ENROLLMENT, RECORDS.OSCORE_CTX, RECORDS.OSCORE_SEQ, RECORDS.TRUST_ANCHORS, RECORDS.EDHOC_KEY, 0x10100, 0x10130, 0x10131]); // and the keys the board keeps (0x10000 + key id)
    return JSON.stringify(parseStore(new Uint8Array(readFileSync(store))).filter((r) => keep.has(r.id)).map((r) => [r.id, Buffer.from(r.raw).toString("hex")]));
  }

  /** A UDP proxy: the device talks to it, it talks to the server; `up` may rewrite or drop what the device sends. */
  async function proxy(serverPort: number, up: (d: Uint8Array) => Uint8Array | null) {
    const front = createSocket("udp4"), back = createSocket("udp4");
    let device: RemoteInfo | undefined;
    front.on("message", (m, r) => { device = r; const out = up(new Uint8Array(m)); if (out) back.send(out, serverPort, "127.0.0.1"); });
    back.on("message", (m) => { if (device) front.send(m, device.port, device.address); });
    await new Promise<void>((r) => front.bind(0, "127.0.0.1", r));
    await new Promise<void>((r) => back.bind(0, "127.0.0.1", r));
    return { port: front.address().port, close: () => { front.close(); back.close(); } };
  }

  async function setup(up: (d: Uint8Array) => Uint8Array | null) {
    const dir = tempDir("est-mitm-");
    const server = await EstServer.start({ dir: join(dir, "server") });
    const store = join(dir, "device.keystore");
    provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn });
    const p = await proxy(server.port, up);
    const enroll = async () => {
      const r = await runCommand("wasm3", [...B.hostArgs, "--store", store, "enroll", "--json", "--ack-timeout", "200", "-B", "3", `coap://127.0.0.1:${p.port}`], { timeoutMs: T });
      return { ...r, rep: JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") };
    };
    return { server, store, enroll, stop: async () => { p.close(); await server.stop(); } };
  }

  const payloadOf = (d: Uint8Array) => { try { return decode(d).payload; } catch { return new Uint8Array(0); } };
  /** message_1 over CoAP (RFC 9528 A.2): the payload is CBOR true (0xf5), then METHOD, SUITES_I, G_X, C_I. */
  const isMessage1 = (d: Uint8Array) => { const p = payloadOf(d); return p[0] === 0xf5 && p[1] <= 3; };
  /** Rewrite the first datagram `pick` selects with `edit` (the payload's index, counted from the payload). */
  function once(pick: (d: Uint8Array) => boolean, edit: (d: Uint8Array, payloadAt: number) => void) {
    let done = false;
    return (d: Uint8Array) => {
      if (done || !pick(d)) return d;
      done = true;
      const x = Uint8Array.from(d);
      edit(x, x.length - payloadOf(d).length);
      return x;
    };
  }

  describe("a man in the middle on the device's uplink (wasm3)", () => {
    it("a cipher-suite downgrade in message_1 (SUITES_I 2 -> 0): the server answers for suite 0, the device refuses, nothing stored", async () => {
      let rewritten = false;
      const s = await setup(once(isMessage1, (x, at) => { expect(x[at + 2]).toBe(0x02); x[at + 2] = 0x00; rewritten = true; }));
      try {
        const before = state(s.store);
        const { rep, code } = await s.enroll();
        expect(rewritten).toBe(true);
        expect(code).toBe(1);
        expect(rep.ok).toBe(false);
        expect(rep.error).toMatch(/^(E_CRYPTO_AUTH|E_MALFORMED|E_EDHOC_CREDENTIAL|E_CRYPTO_POINT|E_EDHOC_ERROR)$/);
        expect(state(s.store)).toBe(before);
        // The server did run suite 0 with the rewritten message_1: the attack reached it, the device caught it.
        expect(s.server.events.some((e) => e.kind === "enroll")).toBe(false);
      } finally { await s.stop(); }
    }, T);

    it("a flipped bit in message_1's G_X: the transcripts differ, message_2 is refused, nothing stored", async () => {
      for (const off of [4, 20, 35]) {
        const s = await setup(once(isMessage1, (x, at) => { x[at + off] ^= 0x10; }));
        try {
          const before = state(s.store);
          const { rep, code } = await s.enroll();
          expect(code).toBe(1);
          expect(rep.error).toMatch(/^(E_CRYPTO_AUTH|E_MALFORMED|E_EDHOC_CREDENTIAL|E_CRYPTO_POINT|E_EDHOC_ERROR|E_COAP_RESPONSE|E_TIMEOUT)$/);
          expect(state(s.store)).toBe(before);
          expect(s.server.events.some((e) => e.kind === "enroll")).toBe(false);
        } finally { await s.stop(); }
      }
    }, T);

    it("a flipped bit in the combined request (message_3 + the OSCORE-protected /sen): the server refuses it, the device reports it, nothing stored", async () => {
      // The combined request is the first POST with a payload that is not message_1 (found by what it is: a
      // late answer can bring message_1 twice); flip a bit in its payload, at its start (message_3) and at its end
      // (the OSCORE ciphertext's tag).
      for (const pos of ["start", "end"] as const) {
        let n = 0;
        const s = await setup((d) => {
          const p = payloadOf(d);
          if (p.length === 0 || isMessage1(d) || ++n !== 1) return d;
          const x = Uint8Array.from(d);
          x[pos === "start" ? x.length - p.length + 1 : x.length - 1] ^= 0x01;
          return x;
        });
        try {
          const before = state(s.store);
          const { rep, code } = await s.enroll();
          expect(n).toBeGreaterThanOrEqual(1);
          expect(code).toBe(1);
          expect(rep.ok).toBe(false);
          expect(typeof rep.error).toBe("string");
          expect(state(s.store)).toBe(before);
          expect(s.server.events.some((e) => e.kind === "enroll")).toBe(false);
          // The altered message_3 did not replace anything: the next enrollment runs EDHOC again and succeeds.
          const again = await s.enroll();
          expect(again.rep.ok).toBe(true);
          expect(again.rep.resource).toBe("sen");
        } finally { await s.stop(); }
      }
    }, T);
  });

  describe("OSCORE sequence numbers of a context from EDHOC", () => {
    it("a sequence-number record of another context (a power cut right after the context was stored) makes the context start at its floor: no number is reused", async () => {
      const s = await setup((d) => d);
      try {
        const first = await s.enroll();
        expect(first.rep.ok).toBe(true);
        // The context was stored with its floor (the combined request used number 0 in memory) and no limit of
        // its own yet. Plant a sequence-number record of another context: another tag, a limit of 0.
        const recs = parseStore(new Uint8Array(readFileSync(s.store))).map((r) => ({ id: r.id, data: Uint8Array.from(r.raw.subarray(12)) }));
        const ctx = recs.find((r) => r.id === RECORDS.OSCORE_CTX)!;
        const tag = ctx.data.subarray(ctx.data.length - 12, ctx.data.length - 8);
        expect(Buffer.from(ctx.data.subarray(ctx.data.length - 8)).readBigUInt64BE()).toBe(1n); // floor: number 0 was used
        const foreign = new Uint8Array(12);
        foreign.set(tag, 8);
        foreign[8] ^= 0xff;
        const others = recs.filter((r) => r.id !== RECORDS.OSCORE_SEQ);
        writeFileSync(s.store, buildStore([...others, { id: RECORDS.OSCORE_SEQ, data: foreign }]));
        // /sren under the stored context: were its numbers to restart at 0, the server's replay window would
        // refuse the request (the first enrollment used 0); starting at the floor, it is accepted.
        const again = await s.enroll();
        expect(again.rep.ok).toBe(true);
        expect(again.rep.resource).toBe("sren");
        expect(again.rep.edhoc).toBe(false); // a refused (replayed) number would have sent the device back to EDHOC
        const after = parseStore(new Uint8Array(readFileSync(s.store))).find((r) => r.id === RECORDS.OSCORE_SEQ)!;
        expect(Buffer.from(after.raw.subarray(12 + 8))).toEqual(Buffer.from(tag)); // now its own limit, under its tag
        expect(Buffer.from(after.raw.subarray(12, 12 + 8)).readBigUInt64BE()).toBe(33n); // floor 1 + 32 reserved
      } finally { await s.stop(); }
    }, T);
  });
});
