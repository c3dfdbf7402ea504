// Provision a simulated device: make its EDHOC authentication key and CCS, register it with the development
// server's work folder, and write the device's key store (the records of assembly/base/store-ids.ts).
//
//   npx tsx tools/provision.ts --server-dir DIR --store FILE [--method 0..3] [--suite 0|2] [--name NAME]
//                              [--kid HEX [--replace]] [--no-trust-anchor] [--psk [--weak-rng]]
//                              [--device-cred ccs|kccs|x5t|x5chain|c5t|c5c] [--server-cred ...same]
//                              [--key-in record|board] [--allow-subject CN]... [--allow-dns NAME]...
//                              [--server-uri coap://HOST:PORT]
//
// The device trusts exactly the server credential that matches its method and suite; the CA certificate
// becomes its trust anchor unless --no-trust-anchor (then the device fetches /crts after EDHOC).
// Credentials by certificate: X.509 (x5t, x5chain; x509cred.ts) or C509 (c5t, c5c; c509cred.ts, natively
// signed by the same CA). With C509 the records are those of X.509 with C509 contents: CRED_x is the
// C509Certificate array, ID_CRED_x {22: c5t} or {25: c5c}; for a server identified by c5c the device gets
// the server's subject as a C509 Name (PEER_SUBJECT; its first byte is never 0x30, which a DER Name's is).
// --psk gives the device a pre-shared OSCORE context instead of an EDHOC identity; --weak-rng records that it
// has no good random source, the one case where it may ask the server to generate its key (/skg, /skc).
// --server-uri stores where the server is (record 0x0031), for the boards' boot path: a board with it enrolls
// and renews at power-on by itself (host/include/est_client.h est_client_stored_uri).

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { buildStore, parseStore } from "../host/node/store.js";
import { CRYPTO_KEY, CRYPTO_KEY_RECORD_BASE, CRYPTO_KEY_RECORD_FORMAT, CRYPTO_KEY_RECORD_LEN } from "../host/node/abi.js";
import { ServerState, ccs, deviceRow, hex, idCredKid, initiatorKind, newKeyPair, responderKind, unhex, type DevicePolicy } from "./server/identity.js";
import { type CredStyle, CRED_STYLES, serverCertificate, credOfCert, x5tOf, x5chainOf, subjectOf, edhocCertificate, pointOf } from "./server/x509cred.js";
import { c5cOf, c5tOf, credOfC509, edhocC509Certificate, serverC509Certificate } from "./server/c509cred.js";
import { encodeItem } from "./c509/index.js";

// Record ids: the same numbers as assembly/base/store-ids.ts (test/provision.test.ts checks the two lists agree).
export const RECORDS = {
  EDHOC_SETUP: 0x0020, EDHOC_KEY: 0x0100, CRED_I: 0x0101, ID_CRED_I: 0x0102, CRED_R: 0x0110, ID_CRED_R: 0x0111,
  PEER_KEY: 0x0112, ENROLLMENT: 0x0120, TRUST_ANCHORS: 0x0121, OSCORE_SEQ: 0x0200, OSCORE_CTX: 0x0210,
  DEVICE_POLICY: 0x0022, PEER_SUBJECT: 0x0113, TIME_LKG: 0x0030, SERVER_URI: 0x0031,
} as const;

export interface ProvisionOptions {
  serverDir: string;
  store: string;
  method?: number;
  suite?: number;
  name?: string;
  kid?: Uint8Array;
  trustAnchor?: boolean;
  /** The CA certificate (DER) to install as trust anchor; default: <serverDir>/ca/ca.der when it exists. */
  caDer?: Uint8Array;
  /** How the server identifies itself in EDHOC (must match its --server-cred): CCS by kid (default), X.509 by
   *  x5t (the device gets the certificate), or x5chain (the device gets the CA and the server's subject). */
  serverCred?: CredStyle;
  /** A second cipher suite the device also has an identity for (it offers `suite` first and falls back to this
   *  one when the server answers error code 2). */
  altSuite?: number;
  /** How the device identifies itself: CCS by kid (default), or a certificate from the CA by x5t or x5chain
   *  (X.509), c5t or c5c (C509, natively signed). */
  deviceCred?: CredStyle;
  /** A pre-shared OSCORE context instead of an EDHOC identity (EST-oscore draft §5.2). */
  psk?: boolean;
  /** The device has no cryptographically secure RNG (policy record; allows /skg and /skc with --psk). */
  weakRng?: boolean;
  /** Provision again under an explicit kid that a device already holds (that registration is replaced). */
  replace?: boolean;
  /** What the device's CSRs may ask for besides its name (tools/server/policy.ts): subject CNs, dNSNames. */
  policy?: DevicePolicy;
  /** Where the device's EDHOC private key goes: "record" (default), the key-store record any board reads (a
   *  board whose crypto provider keeps keys moves it into its key storage on first use and erases the record),
   *  or "board", straight into the board's key storage (the crypto provider's persistent-key record, as a
   *  factory injects a key into a secure element); only a board with native crypto can then use it. */
  keyIn?: "record" | "board";
  /** The server's EST URI for the boards' boot path (record SERVER_URI). */
  serverUri?: string;
}

/** The board's persistent-key record of a private key (host/include/est_crypto.h: format 1, type, 0, 0,
 *  32 bytes of key), under record CRYPTO_KEY_RECORD_BASE + id. */
function boardKeyRecord(type: number, priv: Uint8Array): Uint8Array {
  const r = new Uint8Array(CRYPTO_KEY_RECORD_LEN);
  r[0] = CRYPTO_KEY_RECORD_FORMAT; r[1] = type; r.set(priv, 4);
  return r;
}

/** The crypto provider's key type of an EDHOC authentication key. */
function edhocKeyType(suite: number, method: number): number {
  const dh = initiatorKind(method) === "dh";
  return suite === 2 ? (dh ? CRYPTO_KEY.P256_DH : CRYPTO_KEY.P256_ECDSA) : (dh ? CRYPTO_KEY.X25519_DH : CRYPTO_KEY.ED25519);
}

/**
 * A free kid: a one-byte CBOR-int value (0x00-0x17, 0x20-0x37) while one is free, so ID_CRED_I travels as one
 * byte; then random two-byte values, then three bytes, each checked against `taken` (hex kids in use).
 */
export function pickKid(taken: Set<string>): string {
  const one = [...Array(24).keys(), ...Array.from({ length: 24 }, (_, i) => 0x20 + i)].map((b) => hex(Uint8Array.of(b))).filter((k) => !taken.has(k));
  if (one.length > 0) return one[randomBytes(1)[0] % one.length];
  for (let len = 2; len <= 7; len++) {
    for (let i = 0; i < 64; i++) { const k = hex(new Uint8Array(randomBytes(len))); if (!taken.has(k)) return k; }
  }
  throw new Error("no free kid");
}

export interface Provisioned { kid: string; method: number; suite: number; name: string; records: number }

export function provision(o: ProvisionOptions): Provisioned {
  const method = o.method ?? 3, suite = o.suite ?? 2;
  if (![0, 1, 2, 3].includes(method)) throw new Error("--method must be 0, 1, 2 or 3");
  if (suite !== 0 && suite !== 2) throw new Error("--suite must be 0 or 2");
  const server = ServerState.open(o.serverDir);
  // The kid is chosen and registered in one database transaction (db.ts), so two provisioning runs at once
  // never hand out the same kid; an explicit --kid that another device holds is refused unless --replace.
  const serverKids = server.credentials.map((c) => c.kid);
  const pskRids = o.psk ? server.db.db.prepare("SELECT rid FROM contexts").pluck().all() as string[] : [];
  let kid!: Uint8Array;
  const name0 = o.name;
  const placeholder = (k: string) => deviceRow({ kid: k, name: name0 ?? `device-${k}`, method: -2, suite, pub: "", cred: "" });
  if (o.kid) {
    const k = hex(o.kid);
    if (serverKids.includes(k)) throw new Error(`--kid ${k} is one of the server's own kids`);
    if (!o.replace && server.db.device(k)) throw new Error(`--kid ${k} is already provisioned (give --replace to provision that device again)`);
    kid = o.kid;
  } else kid = unhex(server.db.addDeviceWithFreshKid(pickKid, placeholder, [...serverKids, ...pskRids]).kid);
  const name = o.name ?? `device-${hex(kid)}`;
  if (o.psk) return provisionPsk(o, server, kid, name, suite);
  const key = newKeyPair(suite, initiatorKind(method));
  let credI = ccs(name, key, kid), idCredI = idCredKid(kid);
  if (o.deviceCred === "x5t" || o.deviceCred === "x5chain") {
    const der = edhocCertificate(join(o.serverDir, "ca"), join(o.serverDir, "devices", `${hex(kid)}-edhoc.der`), name, suite, initiatorKind(method), pointOf(suite, initiatorKind(method), key.priv));
    credI = credOfCert(der);
    idCredI = o.deviceCred === "x5t" ? x5tOf(der) : x5chainOf(der);
  }
  if (o.deviceCred === "c5t" || o.deviceCred === "c5c") {
    const c509 = edhocC509Certificate(join(o.serverDir, "ca"), join(o.serverDir, "devices", `${hex(kid)}-edhoc.c509`), name, suite, initiatorKind(method), pointOf(suite, initiatorKind(method), key.priv));
    credI = credOfC509(c509);
    idCredI = o.deviceCred === "c5t" ? c5tOf(c509) : c5cOf(c509);
  }
  if (o.deviceCred === "kccs") idCredI = Uint8Array.from([0xa1, 0x0e, ...credI]); // {14: CCS}: the credential by value
  // The alternative suite: its own key and CCS under the same kid, records 8 ids above the first ones.
  let alt: { suite: number; priv: Uint8Array; pub: Uint8Array; cred: Uint8Array } | undefined;
  if (o.altSuite !== undefined) {
    if (o.altSuite === suite || (o.altSuite !== 0 && o.altSuite !== 2)) throw new Error("--alt-suite must be the other of 0 and 2");
    const k2 = newKeyPair(o.altSuite, initiatorKind(method));
    alt = { suite: o.altSuite, priv: k2.priv, pub: k2.pub, cred: ccs(name, k2, kid) };
  }
  server.addDevice({ kid: hex(kid), name, method, suite, pub: hex(key.pub), cred: hex(credI), alt: alt ? [{ suite: alt.suite, pub: hex(alt.pub), cred: hex(alt.cred) }] : undefined, policy: o.policy });
  const sc = server.credential(suite, responderKind(method));
  const records = new Map<number, Uint8Array>();
  if (existsSync(o.store)) for (const r of parseStore(new Uint8Array(readFileSync(o.store)))) records.set(r.id, r.raw.subarray(12)); // the record header is 12 bytes
  // A new identity invalidates everything derived from the old one.
  for (const id of [RECORDS.OSCORE_CTX, RECORDS.OSCORE_SEQ, RECORDS.ENROLLMENT, RECORDS.TRUST_ANCHORS]) records.delete(id);
  for (const id of [0x0130, 0x0131]) records.delete(CRYPTO_KEY_RECORD_BASE + id); // the enrolled keys the board kept
  records.set(RECORDS.EDHOC_SETUP, alt ? Uint8Array.of(method, suite, alt.suite) : Uint8Array.of(method, suite));
  for (const id of [0x0108, 0x0109, 0x010a, 0x0118, 0x0119, 0x011a, 0x011b]) records.delete(id);
  if (alt) {
    const sc2 = server.credential(alt.suite, responderKind(method));
    records.delete(CRYPTO_KEY_RECORD_BASE + RECORDS.EDHOC_KEY + 8);
    if (o.keyIn === "board") { records.delete(RECORDS.EDHOC_KEY + 8); records.set(CRYPTO_KEY_RECORD_BASE + RECORDS.EDHOC_KEY + 8, boardKeyRecord(edhocKeyType(alt.suite, method), alt.priv)); }
    else records.set(RECORDS.EDHOC_KEY + 8, alt.priv);
    records.set(RECORDS.CRED_I + 8, alt.cred);
    records.set(RECORDS.ID_CRED_I + 8, idCredKid(kid));
    records.set(RECORDS.CRED_R + 8, unhex(sc2.cred));
    records.set(RECORDS.ID_CRED_R + 8, idCredKid(unhex(sc2.kid)));
    records.set(RECORDS.PEER_KEY + 8, unhex(sc2.pub));
  }
  records.delete(CRYPTO_KEY_RECORD_BASE + RECORDS.EDHOC_KEY);
  if (o.keyIn === "board") { records.delete(RECORDS.EDHOC_KEY); records.set(CRYPTO_KEY_RECORD_BASE + RECORDS.EDHOC_KEY, boardKeyRecord(edhocKeyType(suite, method), key.priv)); }
  else records.set(RECORDS.EDHOC_KEY, key.priv);
  records.set(RECORDS.CRED_I, credI);
  records.set(RECORDS.ID_CRED_I, idCredI);
  for (const id of [RECORDS.CRED_R, RECORDS.ID_CRED_R, RECORDS.PEER_KEY, RECORDS.PEER_SUBJECT]) records.delete(id);
  if (o.serverCred === "x5t" || o.serverCred === "x5chain") {
    const der = serverCertificate(o.serverDir, sc);
    if (o.serverCred === "x5t") {
      records.set(RECORDS.CRED_R, credOfCert(der));
      records.set(RECORDS.ID_CRED_R, x5tOf(der));
      records.set(RECORDS.PEER_KEY, unhex(sc.pub));
    } else records.set(RECORDS.PEER_SUBJECT, subjectOf(der)); // CRED_R and the key come from the certificate
  } else if (o.serverCred === "c5t" || o.serverCred === "c5c") {
    const c509 = serverC509Certificate(o.serverDir, sc);
    if (o.serverCred === "c5t") {
      records.set(RECORDS.CRED_R, credOfC509(c509));
      records.set(RECORDS.ID_CRED_R, c5tOf(c509));
      records.set(RECORDS.PEER_KEY, unhex(sc.pub));
    } else records.set(RECORDS.PEER_SUBJECT, encodeItem(c509.subject)); // the C509 Name; CRED_R and the key come from the certificate
  } else {
    records.set(RECORDS.CRED_R, unhex(sc.cred));
    records.set(RECORDS.ID_CRED_R, o.serverCred === "kccs" ? Uint8Array.from([0xa1, 0x0e, ...unhex(sc.cred)]) : idCredKid(unhex(sc.kid)));
    records.set(RECORDS.PEER_KEY, unhex(sc.pub));
  }
  const caFile = join(o.serverDir, "ca", "ca.der");
  const ca = o.caDer ?? (existsSync(caFile) ? new Uint8Array(readFileSync(caFile)) : undefined);
  if ((o.trustAnchor !== false || o.serverCred === "x5chain" || o.serverCred === "c5c") && ca) records.set(RECORDS.TRUST_ANCHORS, Uint8Array.from([ca.length >> 8, ca.length & 0xff, ...ca]));
  if (o.serverUri) records.set(RECORDS.SERVER_URI, serverUriRecord(o.serverUri));
  const img = buildStore([...records].sort((a, b) => a[0] - b[0]).map(([id, data]) => ({ id, data })));
  writeFileSync(o.store + ".tmp", img, { mode: 0o600 });
  renameSync(o.store + ".tmp", o.store);
  return { kid: hex(kid), method, suite, name, records: records.size };
}

/** The server URI record: UTF-8, a coap:// URI of at most 255 bytes (the boards read it into 256 bytes). */
function serverUriRecord(uri: string): Uint8Array {
  const b = new TextEncoder().encode(uri);
  if (!uri.startsWith("coap://") || b.length > 255) throw new Error("--server-uri must be a coap:// URI of at most 255 bytes");
  return b;
}

function writeStore(path: string, records: Map<number, Uint8Array>): void {
  const img = buildStore([...records].sort((a, b) => a[0] - b[0]).map(([id, data]) => ({ id, data })));
  writeFileSync(path + ".tmp", img, { mode: 0o600 });
  renameSync(path + ".tmp", path);
}

/** A device with a pre-shared OSCORE context: random master secret and salt, one-byte Sender/Recipient IDs;
 *  the server gets the mirrored context in its database. */
function provisionPsk(o: ProvisionOptions, server: ServerState, kid: Uint8Array, name: string, suite: number): Provisioned {
  const ms = new Uint8Array(randomBytes(16)), salt = new Uint8Array(randomBytes(8));
  const sid = kid, rid = Uint8Array.of(kid[0] ^ 0x01); // distinct one-byte IDs
  server.addDevice({ kid: hex(kid), name, method: -1, suite, pub: "", cred: "", policy: o.policy });
  // The server's mirrored context: its Recipient ID is the device's Sender ID (the kid).
  const r = server.db.installContext({ rid: hex(sid), device_kid: hex(kid), ms: hex(ms), salt: hex(salt), sid: hex(rid), suite, psk: 1, replay_top: -1, replay_bits: "0", used_at: Date.now() });
  if (!r.ok) throw new Error(`the server holds another device's OSCORE context under Recipient ID ${hex(sid)}`);
  const records = new Map<number, Uint8Array>();
  records.set(RECORDS.OSCORE_CTX, Uint8Array.from([...ms, ...salt, sid.length, ...sid, rid.length, ...rid]));
  records.set(RECORDS.DEVICE_POLICY, Uint8Array.of(o.weakRng ? 1 : 0));
  const caFile = join(o.serverDir, "ca", "ca.der");
  const ca = o.caDer ?? (existsSync(caFile) ? new Uint8Array(readFileSync(caFile)) : undefined);
  if (o.trustAnchor !== false && ca) records.set(RECORDS.TRUST_ANCHORS, Uint8Array.from([ca.length >> 8, ca.length & 0xff, ...ca]));
  if (o.serverUri) records.set(RECORDS.SERVER_URI, serverUriRecord(o.serverUri));
  writeStore(o.store, records);
  return { kid: hex(kid), method: -1, suite, name, records: records.size };
}

/** A --device-cred / --server-cred value, checked. */
export function credStyle(flag: string, v: string): CredStyle {
  if (!(CRED_STYLES as readonly string[]).includes(v)) throw new Error(`${flag} ${CRED_STYLES.join("|")}`);
  return v as CredStyle;
}

function main(argv: string[]): void {
  const o: Partial<ProvisionOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    const need = () => { if (v === undefined) throw new Error(`${a} needs a value`); i++; return v; };
    if (a === "--server-dir") o.serverDir = need();
    else if (a === "--store") o.store = need();
    else if (a === "--method") o.method = Number(need());
    else if (a === "--suite") o.suite = Number(need());
    else if (a === "--name") o.name = need();
    else if (a === "--kid") o.kid = unhex(need());
    else if (a === "--no-trust-anchor") o.trustAnchor = false;
    else if (a === "--psk") o.psk = true;
    else if (a === "--key-in") { const k = need(); if (k !== "record" && k !== "board") throw new Error("--key-in record|board"); o.keyIn = k; }
    else if (a === "--alt-suite") o.altSuite = Number(need());
    else if (a === "--device-cred") o.deviceCred = credStyle(a, need());
    else if (a === "--server-cred") o.serverCred = credStyle(a, need());
    else if (a === "--weak-rng") o.weakRng = true;
    else if (a === "--replace") o.replace = true;
    else if (a === "--allow-subject") (o.policy ??= {}).subjects = [...(o.policy?.subjects ?? []), need()];
    else if (a === "--allow-dns") (o.policy ??= {}).dns = [...(o.policy?.dns ?? []), need()];
    else if (a === "--server-uri") o.serverUri = need();
    else if (a === "-h" || a === "--help") { console.log(`usage: provision --server-dir DIR --store FILE [--method 0..3] [--suite 0|2] [--name NAME] [--kid HEX [--replace]] [--no-trust-anchor] [--alt-suite 0|2] [--psk [--weak-rng]] [--device-cred ${CRED_STYLES.join("|")}] [--server-cred ${CRED_STYLES.join("|")}] [--key-in record|board] [--allow-subject CN]... [--allow-dns NAME]... [--server-uri URI]`); return; }
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.serverDir || !o.store) throw new Error("--server-dir and --store are required");
  const p = provision(o as ProvisionOptions);
  console.log(`provisioned ${p.name}: kid ${p.kid}, method ${p.method}, suite ${p.suite}, ${p.records} records in ${o.store}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/tools\//, "/tools/"))) {
  try { main(process.argv.slice(2)); } catch (e) { console.error(`provision: ${(e as Error).message}`); process.exit(2); }
}
