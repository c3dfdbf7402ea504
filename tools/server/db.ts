// The development server's state in one SQLite database (<dir>/server.db, through better-sqlite3): provisioned
// devices, OSCORE contexts with their replay windows, the CAs' serial counters and every certificate issued.
// docs/server-database.md gives the same schema for PostgreSQL.
//
// Every allocation of an identifier (a device's kid, a certificate serial, an OSCORE Recipient ID) is one
// IMMEDIATE transaction: SQLite lets one writer in at a time across processes, so two processes sharing the file
// (the server and a provisioning run, or two servers) never hand out the same value. WAL journal: readers do
// not wait for the writer; a committed write survives the process (an OS crash may lose the last commits, which
// the server's Echo option "loaded" covers for replay windows).
//
// Not here: the server's EDHOC keys and the CA keys (files of their own, mode 0600), EDHOC sessions in progress
// (memory only: a restart ends them and the device starts again).

import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** Schema version written to PRAGMA user_version. */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS devices (
  kid        TEXT PRIMARY KEY,            -- hex; the device's EDHOC kid (or PSK Sender ID)
  name       TEXT NOT NULL,               -- the provisioned identity: subject CN of its certificates
  method     INTEGER NOT NULL,            -- EDHOC method, -1 for a pre-shared OSCORE context
  suite      INTEGER NOT NULL,
  pub        TEXT NOT NULL,               -- hex public key as EDHOC uses it
  cred       TEXT NOT NULL,               -- hex CRED_I
  alt        TEXT,                        -- JSON [{suite, pub, cred}]: identities for other suites
  policy     TEXT,                        -- JSON {subjects?: string[], dns?: string[]}: what a CSR may ask for
  created_at INTEGER NOT NULL             -- ms since 1970
);
CREATE TABLE IF NOT EXISTS contexts (
  rid         TEXT PRIMARY KEY,           -- hex Recipient ID (C_R): unique among the server's contexts
  device_kid  TEXT,                       -- the device it authenticates (NULL: unknown)
  ms          TEXT NOT NULL, salt TEXT NOT NULL, sid TEXT NOT NULL,
  suite       INTEGER NOT NULL,
  psk         INTEGER NOT NULL DEFAULT 0,
  replay_top  INTEGER NOT NULL DEFAULT -1,
  replay_bits TEXT NOT NULL DEFAULT '0',  -- hex bitmap below replay_top
  used_at     INTEGER NOT NULL            -- ms since 1970 of the last accepted request (expiry)
);
CREATE INDEX IF NOT EXISTS contexts_device ON contexts(device_kid);
CREATE INDEX IF NOT EXISTS contexts_used ON contexts(used_at);
CREATE TABLE IF NOT EXISTS ca_serials (
  ca   TEXT PRIMARY KEY,                  -- hex subject key identifier of the issuing CA
  next INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS issued (
  ca         TEXT NOT NULL,
  serial     INTEGER NOT NULL,
  device_kid TEXT,                        -- NULL for certificates not issued to a device (server, CA)
  subject    TEXT NOT NULL,
  sha256     TEXT NOT NULL,
  der        BLOB NOT NULL,               -- DER; a natively signed C509 certificate: its array (first byte 0x8b)
  not_after  INTEGER NOT NULL,            -- ms since 1970
  issued_at  INTEGER NOT NULL,
  PRIMARY KEY (ca, serial)
);
CREATE INDEX IF NOT EXISTS issued_device ON issued(device_kid, issued_at);
`;

export interface DeviceRow { kid: string; name: string; method: number; suite: number; pub: string; cred: string; alt: string | null; policy: string | null; created_at: number }
export interface ContextRow { rid: string; device_kid: string | null; ms: string; salt: string; sid: string; suite: number; psk: number; replay_top: number; replay_bits: string; used_at: number }
export interface IssuedRow { ca: string; serial: number; device_kid: string | null; subject: string; sha256: string; der: Uint8Array; not_after: number; issued_at: number }

/** One open database. Owned by whoever opened it; close() when done (tests open and close many). */
export class ServerDb {
  private static cache = new Map<string, ServerDb>();
  private st: Record<string, Database.Statement> = {};

  private constructor(readonly file: string, readonly db: Database.Database) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 10000"); // another process's write transaction: wait, do not fail
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    const p = (k: string, sql: string) => { this.st[k] = db.prepare(sql); };
    p("device", "SELECT * FROM devices WHERE kid = ?");
    p("devices", "SELECT * FROM devices ORDER BY kid");
    p("putDevice", `INSERT INTO devices (kid, name, method, suite, pub, cred, alt, policy, created_at) VALUES (@kid, @name, @method, @suite, @pub, @cred, @alt, @policy, @created_at)
      ON CONFLICT(kid) DO UPDATE SET name = excluded.name, method = excluded.method, suite = excluded.suite, pub = excluded.pub, cred = excluded.cred, alt = excluded.alt, policy = excluded.policy`);
    p("context", "SELECT * FROM contexts WHERE rid = ?");
    p("putContext", `INSERT INTO contexts (rid, device_kid, ms, salt, sid, suite, psk, replay_top, replay_bits, used_at) VALUES (@rid, @device_kid, @ms, @salt, @sid, @suite, @psk, @replay_top, @replay_bits, @used_at)
      ON CONFLICT(rid) DO UPDATE SET device_kid = excluded.device_kid, ms = excluded.ms, salt = excluded.salt, sid = excluded.sid, suite = excluded.suite, psk = excluded.psk, replay_top = excluded.replay_top, replay_bits = excluded.replay_bits, used_at = excluded.used_at`);
    p("replay", "UPDATE contexts SET replay_top = ?, replay_bits = ?, used_at = ? WHERE rid = ?");
    p("dropContext", "DELETE FROM contexts WHERE rid = ?");
    p("deviceContexts", "SELECT rid FROM contexts WHERE device_kid = ?");
    p("expireContexts", "DELETE FROM contexts WHERE used_at < ? AND psk = 0 RETURNING rid");
    p("serial", "SELECT next FROM ca_serials WHERE ca = ?");
    p("putSerial", "INSERT INTO ca_serials (ca, next) VALUES (?, ?) ON CONFLICT(ca) DO UPDATE SET next = excluded.next");
    p("issue", "INSERT INTO issued (ca, serial, device_kid, subject, sha256, der, not_after, issued_at) VALUES (@ca, @serial, @device_kid, @subject, @sha256, @der, @not_after, @issued_at)");
    p("current", "SELECT * FROM issued WHERE device_kid = ? ORDER BY issued_at DESC, serial DESC LIMIT 1");
    p("bySha", "SELECT * FROM issued WHERE sha256 = ?");
    p("bySha16", "SELECT * FROM issued WHERE substr(sha256, 1, 16) = ? LIMIT 2");
  }

  /** The database of a server folder, opened once per process and folder. */
  static open(dir: string): ServerDb {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "server.db");
    let d = ServerDb.cache.get(file);
    if (!d || !d.db.open) { d = new ServerDb(file, new Database(file)); ServerDb.cache.set(file, d); }
    return d;
  }

  close(): void { ServerDb.cache.delete(this.file); if (this.db.open) this.db.close(); }

  /** Run f in one IMMEDIATE transaction (the write lock taken first: no other process allocates meanwhile). */
  tx<T>(f: () => T): T { return this.db.transaction(f).immediate(); }

  device(kid: string): DeviceRow | undefined { return this.st.device.get(kid) as DeviceRow | undefined; }
  devices(): DeviceRow[] { return this.st.devices.all() as DeviceRow[]; }
  putDevice(d: DeviceRow): void { this.st.putDevice.run(d); }
  /** Insert a device under a kid chosen by pick(taken) inside one transaction; pick returns the kid (hex). */
  addDeviceWithFreshKid(pick: (taken: Set<string>) => string, make: (kid: string) => DeviceRow, reserved: string[] = []): DeviceRow {
    return this.tx(() => {
      const taken = new Set<string>([...reserved, ...(this.db.prepare("SELECT kid FROM devices").pluck().all() as string[])]);
      const kid = pick(taken);
      if (taken.has(kid)) throw new Error(`kid ${kid} is already taken`);
      const row = make(kid);
      this.st.putDevice.run(row);
      return row;
    });
  }

  context(rid: string): ContextRow | undefined { return this.st.context.get(rid) as ContextRow | undefined; }
  hasContext(rid: string): boolean { return this.st.context.get(rid) !== undefined; }
  putContext(c: ContextRow): void { this.st.putContext.run(c); }
  /** Install a context and drop the device's older ones, in one transaction. Refuses (returns false) when the
   *  Recipient ID is held by another device's context. */
  installContext(c: ContextRow): { ok: boolean; dropped: string[] } {
    return this.tx(() => {
      const held = this.st.context.get(c.rid) as ContextRow | undefined;
      if (held && held.device_kid !== c.device_kid) return { ok: false, dropped: [] };
      const dropped = c.device_kid ? (this.st.deviceContexts.all(c.device_kid) as { rid: string }[]).map((r) => r.rid).filter((r) => r !== c.rid) : [];
      for (const r of dropped) this.st.dropContext.run(r);
      this.st.putContext.run(c);
      return { ok: true, dropped };
    });
  }
  saveReplay(rid: string, top: number, bits: string, at: number): void { this.st.replay.run(top, bits, at, rid); }
  dropContext(rid: string): void { this.st.dropContext.run(rid); }
  /** The Recipient IDs (hex) of a device's contexts. */
  deviceContextIds(kid: string): string[] { return (this.st.deviceContexts.all(kid) as { rid: string }[]).map((r) => r.rid); }
  dropAllContexts(): void { this.db.exec("DELETE FROM contexts"); }
  /** Delete EDHOC-made contexts unused since `before` (ms); returns their Recipient IDs. */
  expireContexts(before: number): string[] { return (this.st.expireContexts.all(before) as { rid: string }[]).map((r) => r.rid); }
  contextCount(): number { return this.db.prepare("SELECT count(*) FROM contexts").pluck().get() as number; }

  /** The next serial of a CA (identified by its key id), moved on in the same transaction: never reused. */
  nextSerial(ca: string, first: number): number {
    return this.tx(() => {
      const row = this.st.serial.get(ca) as { next: number } | undefined;
      const n = row ? row.next : first;
      this.st.putSerial.run(ca, n + 1);
      return n;
    });
  }
  recordIssued(r: IssuedRow): void { this.st.issue.run(r); }
  /** The certificate most recently issued to a device, or undefined. */
  currentCertificate(kid: string): IssuedRow | undefined { return this.st.current.get(kid) as IssuedRow | undefined; }
  issuedBySha256(sha: string): IssuedRow | undefined { return this.st.bySha.get(sha) as IssuedRow | undefined; }
  /** The certificate whose SHA-256 (hex) starts with these 16 hex digits; undefined when none or two do. */
  issuedByShortHash(h16: string): IssuedRow | undefined {
    const rows = this.st.bySha16.all(h16) as IssuedRow[];
    return rows.length === 1 ? rows[0] : undefined;
  }
}
