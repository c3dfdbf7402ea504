// Identities of the development server and of provisioned devices: EDHOC authentication keys, their CWT Claims
// Sets (CCS, RFC 8392 / RFC 9528 §3.5.2) identified by kid, and the server's work folder that holds them.
//
//   <dir>/server.json        the server's four EDHOC credentials: one per suite (0, 2) and per kind of
//                            authentication (signature for methods 0/2, static DH for methods 1/3)
//   <dir>/server.db          the registry of provisioned devices (db.ts): CRED_I and public key, method,
//                            suite, and the names its certificates may carry (policy.ts)
//   <dir>/ca/                the CA (pki.ts)
//
// Key kinds: suite 0 uses Ed25519 (signature) and X25519 (DH); suite 2 uses P-256 for both.

import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cBstr, cInt, cMap, cTstr } from "./cbor.js";
import { ServerDb, type DeviceRow } from "./db.js";

export type AuthKind = "sig" | "dh";
export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
export const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

/** The authentication kind of each party for an EDHOC method (RFC 9528 §3.2). */
export function initiatorKind(method: number): AuthKind { return method === 2 || method === 3 ? "dh" : "sig"; }
export function responderKind(method: number): AuthKind { return method === 1 || method === 3 ? "dh" : "sig"; }

export interface KeyPair {
  suite: number;
  kind: AuthKind;
  /** Private key: P-256 scalar, Ed25519 seed or X25519 scalar (32 bytes). */
  priv: Uint8Array;
  /** Public key as EDHOC uses it: P-256 DH -> x-coordinate (32); P-256 signature -> uncompressed point
   *  (65); Ed25519 / X25519 -> 32 bytes. */
  pub: Uint8Array;
  /** Coordinates for the COSE key. */
  x: Uint8Array;
  y?: Uint8Array;
}

export function newKeyPair(suite: number, kind: AuthKind, priv?: Uint8Array): KeyPair {
  if (suite === 2) {
    const d = priv ?? p256.utils.randomSecretKey();
    const pt = p256.getPublicKey(d, false);
    const x = pt.slice(1, 33), y = pt.slice(33, 65);
    return { suite, kind, priv: d, pub: kind === "dh" ? x : pt, x, y };
  }
  if (suite !== 0) throw new Error(`cipher suite ${suite} is not supported (0 or 2)`);
  const d = priv ?? new Uint8Array(randomBytes(32));
  const pub = kind === "dh" ? x25519.getPublicKey(d) : ed25519.getPublicKey(d);
  return { suite, kind, priv: d, pub, x: pub };
}

/** COSE_Key of a key pair with its kid (RFC 9052 §7, RFC 9053 §7). */
export function coseKey(k: KeyPair, kid: Uint8Array): number[] {
  if (k.suite === 2) return [...cMap(5), ...cInt(1), ...cInt(2), ...cInt(2), ...cBstr(kid), ...cInt(-1), ...cInt(1), ...cInt(-2), ...cBstr(k.x), ...cInt(-3), ...cBstr(k.y!)];
  return [...cMap(4), ...cInt(1), ...cInt(1), ...cInt(2), ...cBstr(kid), ...cInt(-1), ...cInt(k.kind === "dh" ? 4 : 6), ...cInt(-2), ...cBstr(k.x)];
}

/** CCS = {2: subject, 8: {1: COSE_Key}} (RFC 9528 §3.5.2, as in RFC 9529 trace 2). */
export function ccs(subject: string, k: KeyPair, kid: Uint8Array): Uint8Array {
  return Uint8Array.from([...cMap(2), ...cInt(2), ...cTstr(subject), ...cInt(8), ...cMap(1), ...cInt(1), ...coseKey(k, kid)]);
}

/** ID_CRED = {4: kid}. */
export const idCredKid = (kid: Uint8Array) => Uint8Array.from([...cMap(1), ...cInt(4), ...cBstr(kid)]);

export interface Credential { suite: number; kind: AuthKind; kid: string; priv: string; pub: string; cred: string }
export interface Device {
  kid: string; name: string; method: number; suite: number; pub: string; cred: string;
  /** Identities for the device's other cipher suites (same kid). */
  alt?: { suite: number; pub: string; cred: string }[];
  /** What a CSR of this device may ask for beyond its name (policy.ts): more subject CNs, dNSNames. */
  policy?: DevicePolicy;
}

/** The registry's allowance for one device: subject CNs besides its name, and the dNSNames its certificates
 *  may carry (issued by default when its CSR asks for none). */
export interface DevicePolicy { subjects?: string[]; dns?: string[] }

export function deviceRow(d: Device): DeviceRow {
  return { kid: d.kid, name: d.name, method: d.method, suite: d.suite, pub: d.pub, cred: d.cred, alt: d.alt ? JSON.stringify(d.alt) : null, policy: d.policy ? JSON.stringify(d.policy) : null, created_at: Date.now() };
}
export function deviceOfRow(r: DeviceRow): Device {
  const d: Device = { kid: r.kid, name: r.name, method: r.method, suite: r.suite, pub: r.pub, cred: r.cred };
  if (r.alt) d.alt = JSON.parse(r.alt);
  if (r.policy) d.policy = JSON.parse(r.policy);
  return d;
}

/** The server's work folder: its credentials, and the device registry in its database. */
export class ServerState {
  constructor(readonly dir: string, readonly credentials: Credential[], readonly db: ServerDb) {}

  /** Open the folder, creating the server's credentials on first use. */
  static open(dir: string): ServerState {
    mkdirSync(join(dir, "devices"), { recursive: true });
    const db = ServerDb.open(dir);
    const f = join(dir, "server.json");
    if (existsSync(f)) return new ServerState(dir, JSON.parse(readFileSync(f, "utf8")).credentials, db);
    // kids 0x0a..0x0d: one byte, so the compact ID_CRED_R is a one-byte CBOR integer (RFC 9528 §3.5.3.2).
    const creds: Credential[] = [];
    let kid = 0x0a;
    for (const suite of [0, 2]) for (const kind of ["sig", "dh"] as AuthKind[]) {
      const k = newKeyPair(suite, kind);
      const kidB = Uint8Array.of(kid++);
      creds.push({ suite, kind, kid: hex(kidB), priv: hex(k.priv), pub: hex(k.pub), cred: hex(ccs(`est-oscore-server-s${suite}-${kind}`, k, kidB)) });
    }
    // wx: a second process creating the folder at the same moment keeps the first one's credentials.
    try { writeFileSync(f, JSON.stringify({ credentials: creds }, null, 1) + "\n", { mode: 0o600, flag: "wx" }); }
    catch { return new ServerState(dir, JSON.parse(readFileSync(f, "utf8")).credentials, db); }
    return new ServerState(dir, creds, db);
  }

  credential(suite: number, kind: AuthKind): Credential {
    const c = this.credentials.find((x) => x.suite === suite && x.kind === kind);
    if (!c) throw new Error(`no server credential for suite ${suite} (${kind})`);
    return c;
  }

  /** Register a device under its kid (replacing a device registered under the same kid). */
  addDevice(d: Device): void { this.db.putDevice(deviceRow(d)); }

  device(kid: Uint8Array): Device | undefined {
    const r = this.db.device(hex(kid));
    return r ? deviceOfRow(r) : undefined;
  }

  devices(): Device[] { return this.db.devices().map(deviceOfRow); }
}
