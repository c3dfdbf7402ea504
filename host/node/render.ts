// The Node host's renderer of what the module reports as numbers (the same rules as host/est_render.c, and a
// test holds the two to the same text): event records (a failure's detail, a log line) through the message
// table generated from assembly/base/messages.txt, and the result record of a device command as the report
// text, the PEM, or the JSON object.
import { E, RESULT, statusName } from "./abi.js";
import { MESSAGES } from "./messages.js";

const le64 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset + o, 8).getBigInt64(0, true);
const le32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset + o, 4).getUint32(0, true);
const le16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** The reason phrase of a CoAP code (RFC 7252 §12.1.2), "" for a code without one. */
export function codeReason(code: number): string {
  return ({
    0x41: "Created", 0x42: "Deleted", 0x43: "Valid", 0x44: "Changed", 0x45: "Content", 0x5f: "Continue",
    0x80: "Bad Request", 0x81: "Unauthorized", 0x82: "Bad Option", 0x83: "Forbidden", 0x84: "Not Found",
    0x85: "Method Not Allowed", 0x86: "Not Acceptable", 0x88: "Request Entity Incomplete", 0x89: "Conflict",
    0x8c: "Precondition Failed", 0x8d: "Request Entity Too Large", 0x8f: "Unsupported Content-Format",
    0xa0: "Internal Server Error", 0xa1: "Not Implemented", 0xa2: "Bad Gateway", 0xa3: "Service Unavailable",
    0xa4: "Gateway Timeout", 0xa5: "Proxying Not Supported",
  } as Record<number, string>)[code] ?? "";
}

/** "4.04 Not Found" */
export function codeText(code: number): string {
  const c = `${code >> 5}.${String(code & 31).padStart(2, "0")}`;
  const r = codeReason(code);
  return r ? `${c} ${r}` : c;
}

/** Key-store records by id (assembly/base/store-ids.ts), for {k}. */
const RECORDS: Record<number, string> = {
  0x0010: "DRBG seed", 0x0020: "EDHOC setup (method, suite)", 0x0022: "device policy", 0x0100: "device EDHOC key",
  0x0101: "device credential CRED_I", 0x0102: "device ID_CRED_I", 0x0110: "server credential CRED_R",
  0x0111: "server ID_CRED_R", 0x0112: "server public key", 0x0113: "server subject name", 0x0120: "enrollment",
  0x0121: "trust anchors", 0x0200: "OSCORE sequence numbers", 0x0210: "OSCORE context",
};
export function recordName(id: number): string {
  if (RECORDS[id]) return RECORDS[id];
  if (id >= 0x0108 && id <= 0x011f && RECORDS[id - 8]) return RECORDS[id - 8] + " (second suite)";
  return `record ${id}`;
}

/** Bytes as text: printable ASCII as it is, anything else as \xNN. */
export function safeText(b: Uint8Array): string {
  let s = "";
  for (const c of b) s += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : "\\x" + c.toString(16).padStart(2, "0");
  return s;
}

const OPTION_NAMES: Record<number, string> = {
  1: "If-Match", 3: "Uri-Host", 4: "ETag", 5: "If-None-Match", 6: "Observe", 7: "Uri-Port", 8: "Location-Path",
  9: "OSCORE", 11: "Uri-Path", 12: "Content-Format", 14: "Max-Age", 15: "Uri-Query", 17: "Accept", 20: "Location-Query",
  21: "EDHOC", 23: "Block2", 27: "Block1", 28: "Size2", 35: "Proxy-Uri", 39: "Proxy-Scheme", 60: "Size1", 252: "Echo",
  258: "No-Response", 292: "Request-Tag",
};
const TEXT_OPTIONS = new Set([3, 8, 11, 15, 20, 35, 39]);

function uintOf(v: Uint8Array): number { let n = 0; for (const b of v) n = n * 256 + b; return n; }

/** The OSCORE option value (RFC 8613 §6.1) as its parts: flags, Partial IV, kid context, kid. */
function oscoreOption(v: Uint8Array): string {
  if (v.length === 0) return "{}";
  const flags = v[0], n = flags & 7;
  const parts = [`flags=0x${flags.toString(16).padStart(2, "0")}`];
  let i = 1;
  if (n > 0) { parts.push(`piv=${hex(v.subarray(i, i + n))}`); i += n; }
  if (flags & 0x10 && i < v.length) { const s = v[i]; parts.push(`kidctx=${hex(v.subarray(i + 1, i + 1 + s))}`); i += 1 + s; }
  if (flags & 0x08) parts.push(`kid=${hex(v.subarray(i))}`);
  return "{" + parts.join(",") + "}";
}

/** A CoAP message's header and options (the bytes before its payload) as one line: type, code, MID, token
 *  and each option by name. Stops with "..." where the bytes end inside an option. */
export function coapSummary(b: Uint8Array): string {
  if (b.length < 4) return "...";
  const t = (b[0] >> 4) & 3, tkl = b[0] & 15;
  let s = ["CON", "NON", "ACK", "RST"][t] + " " + `${b[1] >> 5}.${String(b[1] & 31).padStart(2, "0")}` + ` mid=${(b[2] << 8) | b[3]}`;
  if (tkl > 8 || 4 + tkl > b.length) return s + " ...";
  if (tkl > 0) s += ` token=${hex(b.subarray(4, 4 + tkl))}`;
  let i = 4 + tkl, num = 0;
  while (i < b.length && b[i] !== 0xff) {
    let d = b[i] >> 4, l = b[i] & 15;
    i++;
    if (d === 13) { if (i >= b.length) return s + " ..."; d = b[i++] + 13; } else if (d === 14) { if (i + 1 >= b.length) return s + " ..."; d = ((b[i] << 8) | b[i + 1]) + 269; i += 2; }
    if (l === 13) { if (i >= b.length) return s + " ..."; l = b[i++] + 13; } else if (l === 14) { if (i + 1 >= b.length) return s + " ..."; l = ((b[i] << 8) | b[i + 1]) + 269; i += 2; }
    if (d === 15 || l === 15 || i + l > b.length) return s + " ...";
    num += d;
    const v = b.subarray(i, i + l);
    i += l;
    let val: string;
    if (num === 23 || num === 27) { const x = uintOf(v); val = `${x >>> 4}/${(x >> 3) & 1}/${16 << (x & 7)}`; }
    else if (num === 9) val = oscoreOption(v);
    else if (TEXT_OPTIONS.has(num)) val = safeText(v);
    else if (num === 252 || num === 4 || num === 1 || num === 292 || v.length > 4) val = hex(v);
    else val = String(uintOf(v));
    s += ` ${OPTION_NAMES[num] ?? "opt" + num}=${val}`;
  }
  return s;
}

/** Render an event record (u16 id, then one field per placeholder) as text. */
export function renderEvent(rec: Uint8Array): string {
  if (rec.length < 2) return "";
  const id = le16(rec, 0);
  const m = MESSAGES.get(id);
  let pos = 2;
  const takeInt = (): bigint | null => { if (pos + 8 > rec.length) return null; const v = le64(rec, pos); pos += 8; return v; };
  const takeBytes = (): Uint8Array | null => {
    if (pos + 2 > rec.length) return null;
    const n = le16(rec, pos);
    if (pos + 2 + n > rec.length) return null;
    const v = rec.subarray(pos + 2, pos + 2 + n); pos += 2 + n; return v;
  };
  if (!m) {
    // A newer module than this table: the id and the raw arguments.
    return `message ${id}` + (rec.length > 2 ? ` [${hex(rec.subarray(2))}]` : "");
  }
  let out = "";
  let last = 0;
  for (const ph of m.text.matchAll(/\{([dcekxslm])\}/g)) {
    out += m.text.slice(last, ph.index);
    last = ph.index! + ph[0].length;
    const k = ph[1];
    if ("dcek".includes(k)) {
      const v = takeInt();
      if (v === null) { out += "?"; continue; }
      const n = Number(v);
      out += k === "d" ? v.toString() : k === "c" ? codeText(n) : k === "e" ? statusName(n) : recordName(n);
    } else {
      const v = takeBytes();
      if (v === null) { out += "?"; continue; }
      if (v.length === 0 && (k === "s" || k === "x")) { out = out.replace(/(: | )$/, ""); continue; }
      out += k === "x" ? hex(v) : k === "s" ? safeText(v) : k === "l" ? Array.from(v).join(", ") : coapSummary(v);
    }
  }
  return out + m.text.slice(last);
}

// ---- The result record of a device command ----------------------------------------------------------------

export interface Phase { name: string; round_trips: number; datagrams_up: number; datagrams_down: number; bytes_up: number; bytes_down: number; ms: number }
export interface Result {
  command: number;
  status: number;
  flags: number;
  resource?: number;
  edhocSizes?: [number, number, number];
  csrBytes?: number;
  phases: Phase[];
  cert?: Uint8Array;
  cas: Uint8Array[];
  certFormat?: number;
  notBefore?: number;
  notAfter?: number;
  renewAt?: number;
  keyId?: number;
  subject?: Uint8Array;
}

const PHASE_NAMES = ["?", "edhoc", "att", "crts", "sen", "sren", "skg", "skc"];
const RESOURCES = ["?", "sen", "sren", "skg", "skc"];

/** Decode a result record; references resolve in `mem` (the module's linear memory). Items of unknown tags and
 *  references outside memory are skipped. */
export function decodeResult(rec: Uint8Array, mem: Uint8Array): Result {
  const r: Result = { command: 0, status: E.INTERNAL, flags: 0, phases: [], cas: [] };
  let i = 0;
  while (i + 3 <= rec.length) {
    const tag = rec[i], n = le16(rec, i + 1), v = rec.subarray(i + 3, i + 3 + n);
    i += 3 + n;
    if (v.length < n) break;
    const ref = (): Uint8Array | undefined => {
      if (n < 8) return undefined;
      const p = le32(v, 0), l = le32(v, 4);
      return p + l <= mem.length ? mem.slice(p, p + l) : undefined;
    };
    switch (tag) {
      case RESULT.COMMAND: r.command = v[0]; break;
      case RESULT.STATUS: r.status = new DataView(v.buffer, v.byteOffset, 4).getInt32(0, true); break;
      case RESULT.FLAGS: r.flags = le32(v, 0); break;
      case RESULT.RESOURCE: r.resource = v[0]; break;
      case RESULT.EDHOC_SIZES: r.edhocSizes = [le16(v, 0), le16(v, 2), le16(v, 4)]; break;
      case RESULT.CSR_BYTES: r.csrBytes = le32(v, 0); break;
      case RESULT.PHASE: r.phases.push({
        name: PHASE_NAMES[v[0]] ?? "?", round_trips: le32(v, 1), datagrams_up: le32(v, 5), datagrams_down: le32(v, 9),
        bytes_up: le32(v, 13), bytes_down: le32(v, 17), ms: le32(v, 21),
      }); break;
      case RESULT.CERT: r.cert = ref(); break;
      case RESULT.CA: { const c = ref(); if (c) r.cas.push(c); break; }
      case RESULT.NOT_AFTER: r.notAfter = Number(le64(v, 0)); break;
      case RESULT.NOT_BEFORE: r.notBefore = Number(le64(v, 0)); break;
      case RESULT.RENEW_AT: r.renewAt = Number(le64(v, 0)); break;
      case RESULT.KEY_ID: r.keyId = le32(v, 0); break;
      case RESULT.SUBJECT: r.subject = ref(); break;
      case RESULT.CERT_FORMAT: r.certFormat = v[0]; break;
    }
  }
  return r;
}

/** PEM (RFC 7468): base64 in 64-column lines between BEGIN and END lines. */
export function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Seconds since 1970 as ISO 8601 UTC, "2027-11-22T12:22:48Z". */
export function isoTime(s: number): string {
  return new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const ATTRS: Record<string, string> = {
  "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.5": "serialNumber",
  "1.2.840.113549.1.9.1": "emailAddress", "0.9.2342.19200300.100.1.1": "UID", "0.9.2342.19200300.100.1.25": "DC",
};

/** A DER Name as "CN=x, O=y" (attributes in their order; unknown types as dotted OIDs). Malformed: hex. */
export function nameText(der: Uint8Array): string {
  const tlv = (b: Uint8Array, o: number): [number, number, number] | null => {
    if (o + 2 > b.length) return null;
    let len = b[o + 1], h = 2;
    if (len & 0x80) { const k = len & 0x7f; if (k < 1 || k > 2 || o + 2 + k > b.length) return null; len = 0; for (let j = 0; j < k; j++) len = len * 256 + b[o + 2 + j]; h += k; }
    if (o + h + len > b.length) return null;
    return [b[o], o + h, len];
  };
  const oidText = (b: Uint8Array): string => {
    const parts = [Math.floor(b[0] / 40), b[0] % 40];
    let v = 0;
    for (const c of b.subarray(1)) { v = v * 128 + (c & 0x7f); if (!(c & 0x80)) { parts.push(v); v = 0; } }
    return parts.join(".");
  };
  const top = tlv(der, 0);
  if (!top || top[0] !== 0x30) return hex(der);
  const out: string[] = [];
  let o = top[1];
  const end = top[1] + top[2];
  while (o < end) {
    const set = tlv(der, o);
    if (!set || set[0] !== 0x31) return hex(der);
    let p = set[1];
    while (p < set[1] + set[2]) {
      const seq = tlv(der, p);
      const oid = seq && tlv(der, seq[1]);
      const val = oid && tlv(der, oid[1] + oid[2]);
      if (!seq || !oid || !val || oid[0] !== 0x06) return hex(der);
      const type = oidText(der.subarray(oid[1], oid[1] + oid[2]));
      out.push(`${ATTRS[type] ?? type}=${safeText(der.subarray(val[1], val[1] + val[2]))}`);
      p = seq[1] + seq[2];
    }
    o = set[1] + set[2];
  }
  return out.join(", ");
}

/** The report of a device command: what goes to the command output and what goes to the log (LOG_ALWAYS
 *  lines), given the record and the failure's detail text. */
/** What `maintain` did, from its record: "none" (a status record), "enroll", "reenroll" (from scratch, the
 *  certificate had expired) or "renew" (/sren); undefined for a record of another command. */
export function maintainAction(r: Result): string | undefined {
  if (!(r.flags & RESULT.FLAG_MAINTAIN)) return undefined;
  if (r.command === RESULT.CMD_STATUS) return "none";
  return r.flags & RESULT.FLAG_EXPIRED ? "reenroll" : r.resource === RESULT.RES_SREN ? "renew" : "enroll";
}

export function renderResult(r: Result, detail: string): { out: string; log: string[] } {
  const json = (r.flags & RESULT.FLAG_JSON) !== 0;
  const action = maintainAction(r);
  if (r.command === RESULT.CMD_STATUS) {
    const enrolled = (r.flags & RESULT.FLAG_ENROLLED) !== 0;
    const state = r.flags & RESULT.FLAG_EXPIRED ? " (expired)" : r.flags & RESULT.FLAG_DUE ? " (renewal due)" : "";
    if (json) {
      const o: Record<string, unknown> = { ok: r.status === E.OK };
      if (r.status !== E.OK) { o.error = statusName(r.status); o.detail = detail; }
      if (action) o.action = action;
      o.enrolled = enrolled;
      if (enrolled && r.subject) o.subject = nameText(r.subject);
      if (enrolled && r.notBefore !== undefined) o.not_before = isoTime(r.notBefore);
      if (enrolled && r.notAfter !== undefined) o.not_after = isoTime(r.notAfter);
      if (r.renewAt !== undefined) o.renew_at = isoTime(r.renewAt);
      if (r.flags & RESULT.FLAG_EXPIRED) o.expired = true;
      if (r.flags & RESULT.FLAG_DUE) o.renewal_due = true;
      if (enrolled && r.keyId) o.key_id = r.keyId;
      if (enrolled && r.cert) certJson(o, r.cert, r.certFormat === 1);
      if (r.status === E.OK) o.trust_anchors_pem = r.cas.map((c) => pem("CERTIFICATE", c));
      return { out: JSON.stringify(o) + "\n", log: [] };
    }
    if (r.status !== E.OK) return { out: "", log: [] };
    const anchors = r.cas.length > 0 ? `trust anchors: ${r.cas.length} certificate(s)\n` : "";
    if (!enrolled) return { out: "not enrolled\n" + anchors, log: [] };
    let t = `enrolled: ${r.subject ? nameText(r.subject) : "?"}`;
    if (r.notBefore !== undefined && r.notAfter !== undefined) t += `, valid ${isoTime(r.notBefore)} to ${isoTime(r.notAfter)}`;
    if (r.renewAt !== undefined) t += `, renews at ${isoTime(r.renewAt)}`;
    return { out: t + state + "\n" + anchors + (r.cert ? certText(r.cert, r.certFormat === 1) : ""), log: [] };
  }
  const res = RESOURCES[r.resource ?? 0] ?? "?";
  const edhoc = (r.flags & RESULT.FLAG_EDHOC) !== 0;
  const sum = (k: keyof Phase) => r.phases.reduce((s, p) => s + (p[k] as number), 0);
  if (json) {
    const o: Record<string, unknown> = { ok: r.status === E.OK };
    if (r.status !== E.OK) { o.error = statusName(r.status); o.detail = detail; }
    if (action) o.action = action;
    o.resource = res;
    o.edhoc = edhoc;
    o.combined = (r.flags & RESULT.FLAG_COMBINED) !== 0;
    if (r.edhocSizes) o.edhoc_messages = r.edhocSizes;
    o.csr_bytes = r.csrBytes ?? 0;
    o.certificate_bytes = r.cert?.length ?? 0;
    o.round_trips = sum("round_trips");
    o.datagrams_up = sum("datagrams_up");
    o.datagrams_down = sum("datagrams_down");
    o.bytes_up = sum("bytes_up");
    o.bytes_down = sum("bytes_down");
    o.phases = r.phases;
    if (r.status === E.OK && r.cert) {
      if (r.subject) o.subject = nameText(r.subject);
      if (r.notBefore !== undefined) o.not_before = isoTime(r.notBefore);
      if (r.notAfter !== undefined) o.not_after = isoTime(r.notAfter);
      if (r.renewAt !== undefined) o.renew_at = isoTime(r.renewAt);
      certJson(o, r.cert, r.certFormat === 1);
      // The CA certificates: DER ones as PEM, every one as hex (a C509 enrollment's may be C509 or DER).
      o.ca_certificates_pem = r.cas.filter((c) => c[0] === 0x30).map((c) => pem("CERTIFICATE", c));
      o.ca_certificates_hex = r.cas.map((c) => hex(c));
    }
    return { out: JSON.stringify(o) + "\n", log: [] };
  }
  const log = r.phases.map((p) => `${p.name === "edhoc" ? "edhoc" : "est /" + p.name}: ${p.round_trips} round trips, ${p.datagrams_up} datagrams up (${p.bytes_up} bytes), ${p.datagrams_down} down (${p.bytes_down} bytes), ${p.ms} ms`);
  if (r.status !== E.OK || !r.cert) return { out: "", log };
  let line = `enrolled: ${sum("round_trips")} round trips in all; certificate of ${r.cert.length} bytes stored`;
  if (r.subject) line += `; subject ${nameText(r.subject)}`;
  if (r.notAfter !== undefined) line += `, valid to ${isoTime(r.notAfter)}`;
  if (r.renewAt !== undefined) line += `, renews at ${isoTime(r.renewAt)}`;
  log.push(line);
  return { out: certText(r.cert, r.certFormat === 1), log };
}

/** The certificate in JSON: its format, its bytes as hex, and a DER one also as PEM (est_render.c's order). */
function certJson(o: Record<string, unknown>, cert: Uint8Array, c509: boolean): void {
  o.certificate_format = c509 ? "c509" : "der";
  o.certificate_hex = hex(cert);
  if (!c509) o.certificate_pem = pem("CERTIFICATE", cert);
}

/** The certificate on the command output: PEM for DER, "C509 certificate: " and its CBOR in hex for C509. */
function certText(cert: Uint8Array, c509: boolean): string {
  return c509 ? `C509 certificate: ${hex(cert)}\n` : pem("CERTIFICATE", cert);
}
