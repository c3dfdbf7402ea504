// An RFC 7030 (EST over HTTPS) client for the server's registration-authority mode: the EST-oscore server checks
// the device (EDHOC, OSCORE, proof of possession, identity policy) and forwards the CSR to an existing EST CA:
// /sen -> POST /.well-known/est/simpleenroll, /sren -> POST simplereenroll (or simpleenroll, see reenrollVia),
// /crts -> GET cacerts. Bodies are base64 (RFC 7030 §4: Content-Transfer-Encoding: base64); answers are
// PKCS#7 certs-only, whose certificates are taken out here.
//
// The RA authenticates itself to the CA with a TLS client certificate (RFC 7030 §3.3.2) and checks the CA's
// TLS certificate against the configured trust anchors. Not here: full CMC, server-side key generation through
// the CA, CSR attributes from the CA.

import { request } from "node:https";
import { readFileSync } from "node:fs";
import { derItems } from "./pki.js";

export interface UpstreamOptions {
  /** Base URL of the EST CA, e.g. https://127.0.0.1:8443 (the /.well-known/est/ path is appended). */
  url: string;
  /** PEM file(s) with the CA certificates that the EST CA's TLS certificate must chain to. */
  trustFile: string;
  /** The RA's TLS client certificate (PEM chain) and key (PEM). */
  certFile?: string;
  keyFile?: string;
  /** How /sren is forwarded: simplereenroll (default, RFC 7030 §4.2.2) or simpleenroll (for a CA that wants the
   *  certificate being renewed on the TLS connection, which an RA does not hold). */
  reenrollVia?: "simplereenroll" | "simpleenroll";
  /** Optional additional path segment (RFC 7030 §3.2.2 label). */
  label?: string;
  /** Give up on the CA after this many ms (default 20,000). */
  timeoutMs?: number;
}

/** An answer of the CA: certificates, or an HTTP status to map (with Retry-After seconds for 202/503). */
export type UpstreamResult = { ok: true; certs: Uint8Array[] } | { ok: false; status: number; retryAfter?: number; text: string };

export class Upstream {
  private ca: string; private cert?: string; private key?: string;
  constructor(readonly o: UpstreamOptions) {
    this.ca = readFileSync(o.trustFile, "utf8");
    if (o.certFile) this.cert = readFileSync(o.certFile, "utf8");
    if (o.keyFile) this.key = readFileSync(o.keyFile, "utf8");
  }

  private path(op: string): string { return `/.well-known/est/${this.o.label ? `${this.o.label}/` : ""}${op}`; }

  private call(method: "GET" | "POST", op: string, body?: Uint8Array): Promise<UpstreamResult> {
    const u = new URL(this.path(op), this.o.url);
    const payload = body ? Buffer.from(Buffer.from(body).toString("base64").replace(/(.{64})/g, "$1\r\n"), "ascii") : undefined;
    return new Promise((resolve) => {
      const req = request(u, {
        method, ca: this.ca, cert: this.cert, key: this.key, timeout: this.o.timeoutMs ?? 20_000,
        headers: payload ? { "Content-Type": "application/pkcs10", "Content-Transfer-Encoding": "base64", "Content-Length": payload.length } : {},
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("latin1");
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            const ra = Number(res.headers["retry-after"]);
            resolve({ ok: false, status, retryAfter: Number.isFinite(ra) ? ra : undefined, text: text.trim().slice(0, 200) });
            return;
          }
          try { resolve({ ok: true, certs: pkcs7Certificates(new Uint8Array(Buffer.from(text.replace(/\s+/g, ""), "base64"))) }); }
          catch (e) { resolve({ ok: false, status: 502, text: `the CA's answer is not a PKCS#7 certs-only: ${(e as Error).message}` }); }
        });
      });
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", (e) => resolve({ ok: false, status: 502, text: `cannot reach the CA: ${e.message}` }));
      req.end(payload);
    });
  }

  cacerts(): Promise<UpstreamResult> { return this.call("GET", "cacerts"); }
  simpleenroll(csr: Uint8Array): Promise<UpstreamResult> { return this.call("POST", "simpleenroll", csr); }
  reenroll(csr: Uint8Array): Promise<UpstreamResult> { return this.call("POST", this.o.reenrollVia ?? "simplereenroll", csr); }
}

/** The certificates of a CMS SignedData certs-only (RFC 5652 §5.1: ContentInfo { signedData, [0] SignedData }). */
export function pkcs7Certificates(der: Uint8Array): Uint8Array[] {
  const [ci] = derItems(der);
  if (!ci || ci.tag !== 0x30) throw new Error("not a ContentInfo");
  const [oid, explicit] = derItems(ci.value);
  if (Buffer.from(oid.der).toString("hex") !== "06092a864886f70d010702" || explicit?.tag !== 0xa0) throw new Error("not SignedData");
  const [sd] = derItems(explicit.value);
  const certs = derItems(sd.value).find((t) => t.tag === 0xa0);
  return certs ? derItems(certs.value).filter((t) => t.tag === 0x30).map((t) => Uint8Array.from(t.der)) : [];
}
