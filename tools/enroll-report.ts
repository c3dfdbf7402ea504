// The certificate of an enrollment report (what `est-sim enroll --json` prints), checked and made readable for
// the main job (tools/main.ts): DER X.509 with node:crypto, C509 (types 2 and 3) with tools/c509, each against
// the CA certificates the report carries (the issuer is picked by name, then its signature checked).
//
// Where the report carries the certificate (the hosts' JSON, docs/c509.md):
//   certificate_hex (+ certificate_format "der" | "c509")   the bytes as the device stored them
//   certificate_pem                                          a DER certificate as PEM (also read: C509 bytes
//                                                            wrapped so; the first byte tells: 0x30 is DER, a
//                                                            C509 certificate starts 0x8b (array) or 0x02 /
//                                                            0x03 (its type, unwrapped))
//   ca_certificates_hex / ca_certificates_pem                the CA certificates, DER or C509 alike (the hosts
//                                                            give every one as hex, the DER ones also as PEM)
//
// Deliberately not here: path validation beyond one issuer signature (validity, name constraints), the device's
// key (the server's tests check the key), printing anything but the certificate.

import { X509Certificate, type KeyObject } from "node:crypto";
import { C509Error, decodeCertificate, describeCertificate, hex, nameToDer, nameToString, subjectKey, verifyCertificate, type C509Certificate } from "./c509/index.js";
import { derItems, nameText } from "./server/pki.js";

export type CertFormat = "der" | "c509";

/** A certificate or CA certificate from the report, in whichever form it came. */
export interface ReportCert { format: CertFormat; bytes: Uint8Array; x509?: X509Certificate; c509?: C509Certificate }

/** The certificate's checked result: its format and bytes (for --json), a one-line check, and readable text. */
export interface CertificateCheck { format: CertFormat; bytes: Uint8Array; hex: string; check: string; text: string }

const fromPem = (pem: string) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64"));

/** Read one certificate's bytes: DER when it starts 0x30, C509 otherwise (throws C509Error / node errors). */
export function readCertificate(bytes: Uint8Array, claimed?: CertFormat): ReportCert {
  const format: CertFormat = claimed ?? (bytes[0] === 0x30 ? "der" : "c509");
  if (format === "der") return { format, bytes, x509: new X509Certificate(Buffer.from(bytes)) };
  return { format, bytes, c509: decodeCertificate(bytes) };
}

/** The report's certificate and CA certificates. Throws when the report has no certificate. */
export function reportCertificates(rep: Record<string, unknown>): { cert: ReportCert; cas: ReportCert[] } {
  const claimed = rep.certificate_format === "c509" || rep.certificate_format === "der" ? rep.certificate_format : undefined;
  const bytes = typeof rep.certificate_hex === "string" ? new Uint8Array(Buffer.from(rep.certificate_hex, "hex"))
    : typeof rep.certificate_pem === "string" ? fromPem(rep.certificate_pem) : undefined;
  if (!bytes || bytes.length === 0) throw new Error("the report carries no certificate");
  const cas = [
    ...((rep.ca_certificates_hex as string[] | undefined) ?? []).map((h) => new Uint8Array(Buffer.from(h, "hex"))),
    ...((rep.ca_certificates_pem as string[] | undefined) ?? []).map(fromPem),
  ].map((b) => readCertificate(b));
  return { cert: readCertificate(bytes, claimed), cas };
}

const keyOf = (c: ReportCert): KeyObject => (c.x509 ? c.x509.publicKey : subjectKey(c.c509!));
/** tbsCertificate's fields of a DER certificate ([0] version, serial, signature, issuer, validity, subject, ...). */
const tbsOf = (der: Uint8Array) => derItems(derItems(derItems(der)[0].value)[0].value);
/** Subject and issuer as DER Names (names are compared as bytes, RFC 5280 §7.1 preparation aside). */
const subjectDer = (c: ReportCert): Uint8Array => (c.x509 ? tbsOf(c.bytes)[5].der : nameToDer(c.c509!.subject));
const issuerDer = (c: ReportCert): Uint8Array => (c.x509 ? tbsOf(c.bytes)[3].der : c.c509!.issuer === null ? nameToDer(c.c509!.subject) : nameToDer(c.c509!.issuer));
const subjectOf = (c: ReportCert): string => (c.x509 ? c.x509.subject.replace(/\n/g, ", ") : nameToString(c.c509!.subject));

/**
 * Check the report's certificate against its CA certificates: an issuer whose subject is the certificate's
 * issuer, and its signature (node:crypto for DER, tools/c509 for C509: type 3 rebuilds the DER TBS). Throws
 * an Error saying what failed. The text is the PEM for DER, the library's description (and the CBOR) for C509.
 */
export function checkReportCertificate(rep: Record<string, unknown>): CertificateCheck {
  const { cert, cas } = reportCertificates(rep);
  const want = nameText(issuerDer(cert));
  const issuer = cas.find((ca) => Buffer.from(subjectDer(ca)).equals(Buffer.from(issuerDer(cert))));
  if (!issuer) throw new Error(`no CA certificate in the report is the issuer "${want}"`);
  let ok: boolean;
  try { ok = cert.x509 ? cert.x509.verify(keyOf(issuer)) : verifyCertificate(cert.c509!, keyOf(issuer)); } catch (e) { if (e instanceof C509Error) ok = false; else throw e; }
  if (!ok) throw new Error(`the issued certificate does not verify under "${want}" (${cert.x509 ? "node:crypto" : "tools/c509"})`);
  if (cert.x509) {
    const x = cert.x509;
    return { format: "der", bytes: cert.bytes, hex: hex(cert.bytes), text: x.toString().trimEnd(),
      check: `verified by node:crypto under "${want}"; subject "${subjectOf(cert)}", serial ${x.serialNumber}, valid to ${x.validTo}` };
  }
  const c = cert.c509!;
  const until = c.notAfter === null ? "no expiration" : new Date(c.notAfter * 1000).toISOString();
  return { format: "c509", bytes: cert.bytes, hex: hex(cert.bytes),
    text: `${describeCertificate(c)}\n  CBOR: ${hex(cert.bytes)}`,
    check: `C509 type ${c.type}, verified by tools/c509 under "${want}"; subject "${subjectOf(cert)}", serial ${hex(c.serial).toUpperCase()}, valid to ${until}` };
}
