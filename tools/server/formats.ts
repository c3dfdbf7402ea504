// CoAP Content-Format numbers of the tools side, in one place: the assigned ones EST-oscore uses (RFC 7252,
// RFC 8710, RFC 9148, RFC 9528) and the C509 ones that have no number yet (EST-oscore draft -11 §5.2.2 and
// the C509 draft's "CoAP Content-Formats" section say TBD). For those, defaults from the range RFC 7252 §12.3
// reserves for experimental use (65000-65535): 65000 + n for the draft's placeholder TBDn, so a number on
// the wire tells which placeholder it stands for. They can be changed per server (EstServerOptions
// .contentFormats, est-server --cf NAME=N) and by the environment (EST_CF_C509_CERT=N and so on, below);
// options win over the environment, the environment over the defaults. docs/c509.md has the table and the
// reasons. The device has its own copy of the assigned numbers (assembly/numbers/coap.ts).
//
// Deliberately not here: the media types' semantics (est.ts, c509-est.ts), and any number for an EST
// function the server does not serve (/skc has no CBOR form; /att's C509 template is not served yet, its
// number is only reserved so nothing else takes it).

/** Assigned numbers (IANA CoAP Content-Formats registry). */
export const CF = {
  TEXT: 0, LINK: 40, CBOR: 60, MULTIPART: 62, EDHOC: 64, CID_EDHOC: 65,
  PKCS7_CERTS: 281, PKCS8: 284, CSRATTRS: 285, PKCS10: 286, PKIX_CERT: 287,
} as const;

/** The C509 Content-Formats EST-oscore draft -11 names (with the C509 draft's placeholders, which -11 follows). */
export interface C509Formats {
  /** application/cose-c509-cert, TBD3: a COSE_C509 (one certificate as a byte string, or an array of them). */
  cert: number;
  /** application/cose-c509-cert;usage=chain, TBD15: a COSE_C509 that is an ordered chain (what c5u points to). */
  certChain: number;
  /** application/cose-c509-pkcs10, TBD4: a C509CertificationRequest (types 2 and 3). */
  pkcs10: number;
  /** application/cose-c509-crtemplate, TBD19 (/att): reserved, not served. */
  crtemplate: number;
  /** application/cose-c509-privkey, TBD10 (/skg): reserved, not served. */
  privkey: number;
  /** application/cose-certhash, TBD16: a COSE_CertHash with no statement about what was hashed. Reserved. */
  certhash: number;
  /** application/cose-certhash;usage=c509, TBD17: a COSE_CertHash over ~C509Certificate (a c5t). */
  certhashC509: number;
}

/** One row of the table: the draft's placeholder, the media type as EST-oscore -11 (and the C509 text in
 *  shared/specs) writes it, and BouncyCastle 1.87's name for it (draft -20; "" when it has none). */
export interface C509FormatInfo { key: keyof C509Formats; tbd: string; mediaType: string; bcMediaType: string; env: string }

export const C509_FORMAT_TABLE: C509FormatInfo[] = [
  { key: "cert", tbd: "TBD3", mediaType: "application/cose-c509-cert", bcMediaType: "application/cose-c509+cbor", env: "EST_CF_C509_CERT" },
  { key: "pkcs10", tbd: "TBD4", mediaType: "application/cose-c509-pkcs10", bcMediaType: "application/cose-c509-pkcs10+cbor", env: "EST_CF_C509_PKCS10" },
  { key: "privkey", tbd: "TBD10", mediaType: "application/cose-c509-privkey", bcMediaType: "application/cose-c509-privkey+cbor", env: "EST_CF_C509_PRIVKEY" },
  { key: "certChain", tbd: "TBD15", mediaType: "application/cose-c509-cert;usage=chain", bcMediaType: "application/cose-c509+cbor;usage=chain", env: "EST_CF_C509_CERT_CHAIN" },
  { key: "certhash", tbd: "TBD16", mediaType: "application/cose-certhash", bcMediaType: "", env: "EST_CF_CERTHASH" },
  { key: "certhashC509", tbd: "TBD17", mediaType: "application/cose-certhash;usage=c509", bcMediaType: "", env: "EST_CF_CERTHASH_C509" },
  { key: "crtemplate", tbd: "TBD19", mediaType: "application/cose-c509-crtemplate", bcMediaType: "application/cose-c509-crtemplate+cbor", env: "EST_CF_C509_CRTEMPLATE" },
];

/** The defaults: 65000 + n for TBDn. */
export const C509_FORMAT_DEFAULTS: Readonly<C509Formats> = Object.freeze(
  Object.fromEntries(C509_FORMAT_TABLE.map((r) => [r.key, 65000 + Number(r.tbd.slice(3))])) as unknown as C509Formats,
);

/**
 * The C509 Content-Formats to use: `over` (server options) wins over the environment, which wins over the
 * defaults. Throws an Error naming the setting when a number is not an integer in 0..65535, is one of the
 * assigned numbers in CF, or is given to two media types.
 */
export function c509Formats(over: Partial<C509Formats> = {}, env: NodeJS.ProcessEnv = process.env): C509Formats {
  const out = { ...C509_FORMAT_DEFAULTS } as C509Formats;
  for (const r of C509_FORMAT_TABLE) {
    const e = env[r.env];
    if (e !== undefined && e !== "") {
      if (!/^\d+$/.test(e.trim())) throw new Error(`${r.env}=${e}: not a Content-Format number`);
      out[r.key] = Number(e.trim());
    }
    const o = over[r.key];
    if (o !== undefined) out[r.key] = o;
  }
  const assigned = new Set<number>(Object.values(CF));
  const seen = new Map<number, string>();
  for (const r of C509_FORMAT_TABLE) {
    const v = out[r.key];
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`${r.key} (${r.tbd}): ${v} is not a Content-Format number (0..65535)`);
    if (assigned.has(v)) throw new Error(`${r.key} (${r.tbd}): ${v} is an assigned Content-Format (${Object.entries(CF).find(([, n]) => n === v)![0]})`);
    if (seen.has(v)) throw new Error(`${r.key} (${r.tbd}) and ${seen.get(v)} both set to ${v}`);
    seen.set(v, `${r.key} (${r.tbd})`);
  }
  return out;
}

/** Parse "NAME=N" (NAME a key of C509Formats or its TBD placeholder, e.g. cert=65100 or TBD3=65100). */
export function parseFormatSetting(s: string): Partial<C509Formats> {
  const m = /^([A-Za-z0-9]+)=(\d+)$/.exec(s);
  const row = m && C509_FORMAT_TABLE.find((r) => r.key === m[1] || r.tbd.toLowerCase() === m[1].toLowerCase());
  if (!m || !row) throw new Error(`--cf ${s}: expected NAME=N with NAME one of ${C509_FORMAT_TABLE.map((r) => `${r.key} (${r.tbd})`).join(", ")}`);
  return { [row.key]: Number(m[2]) };
}
