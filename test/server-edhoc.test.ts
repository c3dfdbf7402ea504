// The development server's EDHOC Responder (tools/server/responder.ts) against RFC 9529 traces 1 and 2 from the
// Responder's side (its Y, R and C_R injected): message_2 byte for byte, then the RFC's message_3 verified
// to the RFC's PRK_out and OSCORE parameters. Then refusals: a wrong suite (error code 2 with SUITES_R, as
// in the trace's first attempt), a modified message_3, an unknown Initiator.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { EdhocResponder, ephemeralPrivate, ephemeralPublic } from "../tools/server/responder.js";
import { ROOT } from "./helpers/hosts.js";

const t2 = JSON.parse(readFileSync(join(ROOT, "test/vectors/edhoc-rfc9529-trace2.json"), "utf8"));
const t1 = JSON.parse(readFileSync(join(ROOT, "test/vectors/edhoc-rfc9529-trace1.json"), "utf8"));
// RFC 9529 §2 (trace 1, method 0, suite 0): the Responder's ephemeral Y and its Ed25519 signing key SK_R.
const Y1 = "e69c23fbf81bc435942446837fe827bf206c8fa10a39db47449e5a813421e1e8";
const SK_R1 = "ef140ff900b0ab03f0c08d879cbbd4b31ea71e6e7ee7ffcb7e7955777a332799";
const u = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
// RFC 9529 §3 (trace 2): the Responder's ephemeral Y, static R, C_R = -8 (0x27), and the Initiator's G_I x.
const Y = "e2f4126777205e853b437d6eaca1e1f753cdcc3e2c69fa884b0a1a640977e418";
const R = "72cc4761dbd4c78f758931aa589d348d1ef874a7e303ede2f140dcf3e6aa4aac";
const G_I_X = "ac75e9ece3e50bfc8ed60399889522405c47bf16df96660a41298cb4307f7eb6";

function responder(over: Partial<ConstructorParameters<typeof EdhocResponder>[0]> = {}) {
  return new EdhocResponder({
    methods: [3], suites: [2], cR: u("27"), staticKey: u(R), credR: u(t2.input.cred_r), idCredR: u(t2.input.id_cred_r),
    lookupCredI: (id) => (hex(id) === t2.input.id_cred_i ? { credI: u(t2.input.cred_i), publicKey: u(G_I_X) } : null),
    ephemeral: u(Y), ...over,
  });
}

describe("EDHOC Responder: RFC 9529 trace 1 (method 0, suite 0, X.509 by x5t, signatures)", () => {
  it("answers message_1 with the trace's message_2 and verifies its message_3 to its PRK_out and OSCORE keys", () => {
    const r = new EdhocResponder({
      methods: [0], suites: [0], cR: u(t1.expect.c_r), staticKey: u(SK_R1), credR: u(t1.input.cred_r), idCredR: u(t1.input.id_cred_r),
      lookupCredI: (id) => (hex(id) === t1.input.id_cred_i ? { credI: u(t1.input.cred_i), publicKey: ed25519.getPublicKey(u(t1.input.i_key)) } : null),
      ephemeral: u(Y1),
    });
    const m2 = r.message1(u(t1.expect.message_1));
    expect("message2" in m2 && hex(m2.message2)).toBe(t1.input.message_2);
    const out = r.message3(u(t1.expect.message_3));
    expect(hex(out.prkOut)).toBe(t1.expect.prk_out);
    expect(hex(out.oscoreMasterSecret)).toBe(t1.expect.oscore_secret);
    expect(hex(out.oscoreMasterSalt)).toBe(t1.expect.oscore_salt);
  });
});

describe("EDHOC Responder: RFC 9529 trace 2 (method 3, suite 2)", () => {
  it("answers the trace's message_1 with its message_2, byte for byte", () => {
    const r = responder().message1(u(t2.expect.message_1));
    expect("message2" in r && hex(r.message2)).toBe(t2.input.message_2);
  });

  it("verifies the trace's message_3 to its PRK_out, OSCORE secret and salt, and C_I", () => {
    const r = responder();
    r.message1(u(t2.expect.message_1));
    const out = r.message3(u(t2.expect.message_3));
    expect(hex(out.prkOut)).toBe(t2.expect.prk_out);
    expect(hex(out.oscoreMasterSecret)).toBe(t2.expect.oscore_secret);
    expect(hex(out.oscoreMasterSalt)).toBe(t2.expect.oscore_salt);
    expect(hex(out.cI)).toBe("37");
    expect(hex(out.idCredI)).toBe(t2.input.id_cred_i);
  });

  it("answers SUITES_I = 6 with error code 2 and SUITES_R = 2, as in the trace's first attempt", () => {
    // RFC 9529 §3: the first message_1 offers only suite 6; the Responder's error message is 02 02.
    const m1 = Buffer.from(t2.expect.message_1, "hex");
    const first = Buffer.concat([Buffer.from([0x03, 0x06]), m1.subarray(4)]);
    const r = responder().message1(first);
    expect("error" in r && hex(r.error)).toBe("0202");
  });

  it("refuses a downgrade: SUITES_I [2, 6] selects 6 although the Initiator prefers 2, which the Responder supports", () => {
    // §5.2.3: a supported suite listed before the selected one means the selection was tampered with.
    const m1 = Buffer.from(t2.expect.message_1, "hex"); // 03 82 06 02 ...
    const swapped = Buffer.concat([Buffer.from([0x03, 0x82, 0x02, 0x06]), m1.subarray(4)]);
    const r = responder({ suites: [2, 6] }).message1(swapped);
    expect("error" in r && Buffer.from(r.error).toString("hex")).toBe("02820206");
  });

  it("refuses every single-bit change of message_3, and an unknown Initiator", () => {
    const m3 = u(t2.expect.message_3);
    for (let i = 1; i < m3.length; i++) {
      const r = responder();
      r.message1(u(t2.expect.message_1));
      const bad = Uint8Array.from(m3); bad[i] ^= 0x80;
      expect(() => r.message3(bad)).toThrow(/decrypt/);
    }
    const r = responder({ lookupCredI: () => null });
    r.message1(u(t2.expect.message_1));
    expect(() => r.message3(m3)).toThrow(/unknown Initiator/);
  });

  it("refuses out-of-order use and malformed message_1s with an error, never a crash", () => {
    expect(() => responder().message3(u(t2.expect.message_3))).toThrow(/out of order/);
    for (const m of ["", "03", "0302", "03025820", "030258208af6", "ff"]) expect(() => responder().message1(u(m))).toThrow();
  });
});

describe("EDHOC Responder: ephemeral P-256 keys", () => {
  it("are always 32 bytes and match their G_Y under @noble (node:crypto drops leading zero bytes of a scalar)", () => {
    // One scalar in 256 starts with a zero byte: 2,000 keys meet one with probability 1 - (255/256)^2000 > 0.9996.
    for (let i = 0; i < 2000; i++) {
      const y = ephemeralPrivate(2);
      expect(y.length).toBe(32);
      if (y[0] === 0) expect(Buffer.from(ephemeralPublic(2, y)).toString("hex")).toBe(Buffer.from(p256.getPublicKey(y, true).subarray(1)).toString("hex"));
    }
  });
});
