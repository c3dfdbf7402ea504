// The development server's OSCORE (tools/server/oscore-server.ts) against RFC 8613 Appendix C, from the server
// side: it must verify the RFC's protected requests and produce the RFC's protected responses byte for byte;
// then replays and tampering, which must be refused without moving the replay window.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decode, encode } from "../tools/server/coap.js";
import { deriveContext, protectRequest, protectResponse, unprotectRequest } from "../tools/server/oscore-server.js";
import { ROOT } from "./helpers/hosts.js";

const vec = JSON.parse(readFileSync(join(ROOT, "test/vectors/oscore-rfc8613-appendix-c.json"), "utf8"));
const u = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("server OSCORE: RFC 8613 Appendix C", () => {
  expect(vec.source).toMatch(/RFC 8613/);
  // C.8 (a response with its own Partial IV) is left out: this server always answers with the request's nonce.
  for (const c of vec.cases.filter((x: any) => x.expect.protected_request)) {
    it(`${c.name}: keys, request verified, response protected exactly`, () => {
      // The server's context mirrors the client's: its Sender ID is the client's Recipient ID.
      const server = deriveContext({ masterSecret: u(c.ms), masterSalt: u(c.salt), senderId: u(c.rid), recipientId: u(c.sid), idContext: c.idc ? u(c.idc) : undefined });
      if (c.expect.sender_key) {
        expect(hex(server.recipientKey)).toBe(c.expect.sender_key);
        expect(hex(server.senderKey)).toBe(c.expect.recipient_key);
        expect(hex(server.commonIv)).toBe(c.expect.common_iv);
      }
      const inner = unprotectRequest(server, decode(u(c.expect.protected_request)));
      expect(hex(encode(inner))).toBe(hex(u(c.request)));
      if (!c.expect.protected_response) return; // C.5, C.6: the RFC gives requests only
      const resp = decode(u(c.response));
      const prot = protectResponse(server, resp, decode(u(c.expect.protected_request)));
      prot.type = resp.type; prot.mid = resp.mid;
      expect(hex(encode(prot))).toBe(c.expect.protected_response);
    });
  }
});

describe("server OSCORE: refusals", () => {
  const c = vec.cases[0];
  const mk = () => deriveContext({ masterSecret: u(c.ms), masterSalt: u(c.salt), senderId: u(c.rid), recipientId: u(c.sid) });
  const client = deriveContext({ masterSecret: u(c.ms), masterSalt: u(c.salt), senderId: u(c.sid), recipientId: u(c.rid) });
  const req = decode(u(c.request));

  it("refuses a replayed request, and accepts an older one still inside the window once", () => {
    const s = mk();
    unprotectRequest(s, protectRequest(client, req, 5));
    expect(() => unprotectRequest(s, protectRequest(client, req, 5))).toThrow(/replayed/);
    unprotectRequest(s, protectRequest(client, req, 3)); // out of order, inside the window
    expect(() => unprotectRequest(s, protectRequest(client, req, 3))).toThrow(/replayed/);
    unprotectRequest(s, protectRequest(client, req, 100));
    expect(() => unprotectRequest(s, protectRequest(client, req, 60))).toThrow(/replayed/); // below the window
  });

  it("refuses a flipped bit anywhere in the ciphertext or the kid, and the window does not move", () => {
    const s = mk();
    const good = protectRequest(client, req, 7);
    for (let i = 0; i < good.payload.length; i++) {
      const bad = { ...good, payload: Uint8Array.from(good.payload) };
      bad.payload[i] ^= 0x01;
      expect(() => unprotectRequest(s, bad)).toThrow(/authentication failed/);
    }
    expect(s.replayTop).toBe(-1);
    unprotectRequest(s, good); // the genuine request still goes through
    expect(s.replayTop).toBe(7);
  });
});
