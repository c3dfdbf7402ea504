// A man in the middle on the server's side of the loopback path (EstServer's tamper hook rewrites the datagrams
// it sends) and a server that sends EAD: the device (wasm3) must refuse with a clear status, and its
// enrollment and OSCORE context records must stay byte for byte what they were.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStore } from "../host/node/store.js";
import { decode, encode, getUint, OPT } from "../tools/server/coap.js";
import { EstServer, type EstServerOptions } from "../tools/server/est.js";
import { provision, RECORDS } from "../tools/provision.js";
import { Ca, pkcs7CertsOnly } from "../tools/server/pki.js";
import { BUILDS, runCommand, tempDir } from "./helpers/hosts.js";

const T = 60_000;

// Every test runs for both builds of the device module (BUILDS in test/helpers/hosts.ts).
for (const B of BUILDS) describe(`${B.name}`, () => {

  function state(store: string): string {
    const keep = new Set<number>([RECORDS.ENROLLMENT, RECORDS.OSCORE_CTX, RECORDS.TRUST_ANCHORS, RECORDS.EDHOC_KEY, 0x10100, 0x10130, 0x10131]); // and the keys the board keeps (0x10000 + key id)
    return JSON.stringify(parseStore(new Uint8Array(readFileSync(store))).filter((r) => keep.has(r.id)).map((r) => [r.id, Buffer.from(r.raw).toString("hex")]));
  }

  async function setup(opts: Partial<EstServerOptions>) {
    const dir = tempDir("est-attack-");
    const server = await EstServer.start({ dir: join(dir, "server"), ...opts });
    const store = join(dir, "device.keystore");
    provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn });
    const enroll = async (extra: string[] = []) => {
      const r = await runCommand("wasm3", [...B.hostArgs, "--store", store, "enroll", "--json", "--ack-timeout", "200", "-B", "3", ...extra, `coap://127.0.0.1:${server.port}`], { timeoutMs: T });
      return { ...r, rep: JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") };
    };
    return { server, store, enroll };
  }

  /** A tamper hook that changes the first datagram `pick` selects, with `edit`, and passes the rest. */
  function once(pick: (d: Uint8Array) => boolean, edit: (d: Uint8Array) => Uint8Array | null) {
    let done = false;
    return (d: Uint8Array) => { if (!done && pick(d)) { done = true; return edit(d); } return d; };
  }
  const isEdhocMessage2 = (d: Uint8Array) => { try { return getUint(decode(d), OPT.CONTENT_FORMAT) === 64 && decode(d).code === 0x44; } catch { return false; } };
  const isOscoreResponse = (d: Uint8Array) => { try { return decode(d).options.some(([n]) => n === OPT.OSCORE); } catch { return false; } };

  describe("the device under attack (wasm3)", () => {
    it("a message_2 with one flipped bit in CIPHERTEXT_2: refused, nothing stored", async () => {
      // message_2 = 58 2b || G_Y (32) || CIPHERTEXT_2 (11): the last 11 bytes of the datagram.
      for (const at of [-1, -5, -11]) {
        const s = await setup({ tamper: once(isEdhocMessage2, (d) => { const x = Uint8Array.from(d); x[x.length + at] ^= 0x04; return x; }) });
        try {
          const before = state(s.store);
          const { rep, code } = await s.enroll();
          expect(code).toBe(1);
          expect(rep.error).toMatch(/^(E_CRYPTO_AUTH|E_MALFORMED|E_EDHOC_CREDENTIAL)$/);
          expect(state(s.store)).toBe(before);
          if (at === -1) {
            // Only MAC_2 changed, so C_R is known: the device tells the Responder with an EDHOC error message.
            // It travels as a NON request nobody waits for: give it up to 5 s on a busy machine.
            const sent = () => s.server.events.some((e) => /device sent an EDHOC error \(code 1: message_2 refused \(status -50\)\)/.test(e.detail));
            for (let i = 0; i < 100 && !sent(); i++) await new Promise((res) => setTimeout(res, 50));
            expect(sent()).toBe(true);
          }
        } finally { await s.server.stop(); }
      }
    }, T);

    it("a message_2 with a flipped bit in G_Y: refused (MAC or point check), nothing stored", async () => {
      const s = await setup({ tamper: once(isEdhocMessage2, (d) => { const x = Uint8Array.from(d); x[x.length - 45 + 2 + 10] ^= 0x01; return x; }) });
      try {
        const before = state(s.store);
        const { rep } = await s.enroll();
        expect(rep.ok).toBe(false);
        // Off the curve, or a different shared secret: PLAINTEXT_2 decrypts to garbage (malformed), its MAC fails,
        // or (about 1 in 10,000) the garbage parses and names a credential the device does not know.
        expect(rep.error).toMatch(/^(E_CRYPTO_AUTH|E_CRYPTO_POINT|E_MALFORMED|E_EDHOC_CREDENTIAL)$/);
        expect(state(s.store)).toBe(before);
      } finally { await s.server.stop(); }
    }, T);

    it("a replayed OSCORE response (an earlier response's ciphertext under the new token): dropped, times out, nothing stored", async () => {
      let first: Uint8Array | undefined;
      let replays = 0;
      const s = await setup({
        tamper: (d) => {
          if (!isOscoreResponse(d)) return d;
          if (!first) { first = decode(d).payload; return d; }
          const m = decode(d);
          m.payload = first; replays++;
          return encode(m);
        },
      });
      try {
        expect((await s.enroll()).rep.ok).toBe(true);
        const before = state(s.store);
        const { rep } = await s.enroll(); // /sren: every answer replaced by the old /sen answer
        expect(rep.ok).toBe(false);
        expect(rep.error).toBe("E_TIMEOUT");
        expect(replays).toBeGreaterThan(0);
        expect(state(s.store)).toBe(before);
      } finally { await s.server.stop(); }
    }, T);

    it("a flipped bit in the protected certificate response: dropped unseen, times out, nothing stored", async () => {
      const s = await setup({ tamper: (d) => { if (!isOscoreResponse(d)) return d; const x = Uint8Array.from(d); x[x.length - 20] ^= 0x10; return x; } });
      try {
        const before = state(s.store);
        const { rep } = await s.enroll();
        expect(rep.error).toBe("E_TIMEOUT");
        // EDHOC completed and the context was stored (it is the device's to keep); no enrollment was.
        const recs = parseStore(new Uint8Array(readFileSync(s.store)));
        expect(recs.find((r) => r.id === RECORDS.ENROLLMENT)).toBeUndefined();
        expect(JSON.parse(state(s.store)).filter(([id]: [number]) => id === RECORDS.ENROLLMENT)).toEqual(JSON.parse(before).filter(([id]: [number]) => id === RECORDS.ENROLLMENT));
      } finally { await s.server.stop(); }
    }, T);

    it("an unauthenticated /crts answer (a rogue CA's bundle without OSCORE) is dropped: no trust anchor, no enrollment stored", async () => {
      const rogue = await Ca.open(join(tempDir("est-rogue-"), "ca"), { keyType: "p256", subject: "EST-oscore development CA" });
      let oscoreResponses = 0, swapped = 0;
      const dir = tempDir("est-attack-");
      const server = await EstServer.start({
        dir: join(dir, "server"),
        tamper: (d) => {
          if (!isOscoreResponse(d) || ++oscoreResponses < 2) return d; // the first is the /sen answer
          const m = decode(d);
          swapped++;
          return encode({ ...m, code: 0x45, options: [[OPT.CONTENT_FORMAT, Uint8Array.of(0x01, 0x19)]], payload: pkcs7CertsOnly([rogue.certDer]) });
        },
      });
      const store = join(dir, "device.keystore");
      provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn, trustAnchor: false });
      try {
        const r = await runCommand("wasm3", [...B.hostArgs, "--store", store, "enroll", "--json", "--ack-timeout", "200", "-B", "3", `coap://127.0.0.1:${server.port}`], { timeoutMs: T });
        const rep = JSON.parse(r.stdout.trim());
        expect(rep.error).toBe("E_TIMEOUT");
        expect(swapped).toBeGreaterThan(0);
        const recs = parseStore(new Uint8Array(readFileSync(store)));
        expect(recs.find((x) => x.id === RECORDS.ENROLLMENT)).toBeUndefined();
        expect(recs.find((x) => x.id === RECORDS.TRUST_ANCHORS)).toBeUndefined();
      } finally { await server.stop(); }
    }, T);

    it("every single-bit flip of message_2 (one byte at a time, 45 bytes): each refused, nothing stored", async () => {
      let at = 0;
      const s = await setup({ tamper: (d) => { if (!isEdhocMessage2(d)) return d; const x = Uint8Array.from(d); x[x.length - 45 + at] ^= 1 << (at % 8); return x; } });
      try {
        const before = state(s.store);
        for (at = 0; at < 45; at++) {
          const { rep } = await s.enroll();
          expect(rep.ok).toBe(false);
          expect(rep.error).toMatch(/^(E_CRYPTO_AUTH|E_CRYPTO_POINT|E_MALFORMED|E_EDHOC_CREDENTIAL|E_TRUNCATED|E_TRAILING|E_NON_CANONICAL)$/);
          expect(state(s.store)).toBe(before);
        }
      } finally { await s.server.stop(); }
    }, 120_000);

    it("responses for another token are ignored: the exchange times out, nothing stored", async () => {
      const s = await setup({ tamper: (d) => { if (!isOscoreResponse(d)) return d; const m = decode(d); m.token = Uint8Array.from(m.token).map((b) => b ^ 0xff); return encode(m); } });
      try {
        const before = state(s.store);
        const { rep } = await s.enroll();
        expect(rep.error).toBe("E_TIMEOUT");
        expect(JSON.parse(state(s.store)).filter(([id]: [number]) => id === RECORDS.ENROLLMENT)).toEqual(JSON.parse(before).filter(([id]: [number]) => id === RECORDS.ENROLLMENT));
      } finally { await s.server.stop(); }
    }, T);

    it("an oversize /crts representation (64 KiB, announced with Size2): refused with E_LIMIT before it is fetched", async () => {
      const dir = tempDir("est-attack-");
      const server = await EstServer.start({ dir: join(dir, "server"), misbehave: "huge-crts" });
      const store = join(dir, "device.keystore");
      provision({ serverDir: join(dir, "server"), store, keyIn: B.keyIn, trustAnchor: false });
      try {
        const r = await runCommand("wasm3", [...B.hostArgs, "--store", store, "enroll", "--json", `coap://127.0.0.1:${server.port}`], { timeoutMs: T });
        const rep = JSON.parse(r.stdout.trim());
        expect(rep.error).toBe("E_LIMIT");
        expect(rep.phases.find((p: any) => p.name === "crts").datagrams_down).toBe(1); // stopped at the first block
        expect(parseStore(new Uint8Array(readFileSync(store))).find((x) => x.id === RECORDS.ENROLLMENT)).toBeUndefined();
      } finally { await server.stop(); }
    }, T);

    it("EAD_2: a non-critical item is passed over, a critical one ends the handshake", async () => {
      const ok = await setup({ ead2: Uint8Array.of(0x05, 0x41, 0x01) }); // label 5, value h'01'
      try { expect((await ok.enroll()).rep.ok).toBe(true); } finally { await ok.server.stop(); }
      const bad = await setup({ ead2: Uint8Array.of(0x24, 0x41, 0x01) }); // label -5: critical
      try {
        const before = state(bad.store);
        const { rep } = await bad.enroll();
        expect(rep.error).toBe("E_UNSUPPORTED");
        expect(state(bad.store)).toBe(before);
      } finally { await bad.server.stop(); }
    }, T);
  });
});
