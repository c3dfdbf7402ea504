// The IANA registries of the C509 draft (../shared/specs/c509-draft-latest.md, "IANA Considerations") as
// tables: value <-> OID (dotted) and, for algorithms, the complete DER AlgorithmIdentifier. Values are facts
// of the draft; the DER of the RSA PKCS#1 v1.5 entries is built from their OID and NULL parameters (the
// draft's figure prints their SEQUENCE length as 0x0B where 0x0D is right; see docs/c509.md).
//
// Deliberately not here: entries whose OID the draft leaves "TBD".

import { oidBytes, seq, tlv, T } from "./der.js";

// ---- Signature algorithms (C509 Signature Algorithms registry) ----------------------------------------------------
export interface AlgEntry { value: number; name: string; der: Uint8Array }

const algOid = (dotted: string, params?: Uint8Array) => seq(tlv(T.OID, oidBytes(dotted)), ...(params ? [params] : []));
const NULL = Uint8Array.of(0x05, 0x00);
export const SIG_ALGS: AlgEntry[] = [
  { value: -256, name: "RSASSA-PKCS1-v1_5 with SHA-1", der: algOid("1.2.840.113549.1.1.5", NULL) },
  { value: -255, name: "ECDSA with SHA-1", der: algOid("1.2.840.10045.4.1") },
  { value: 0, name: "ECDSA with SHA-256", der: algOid("1.2.840.10045.4.3.2") },
  { value: 1, name: "ECDSA with SHA-384", der: algOid("1.2.840.10045.4.3.3") },
  { value: 2, name: "ECDSA with SHA-512", der: algOid("1.2.840.10045.4.3.4") },
  { value: 3, name: "ECDSA with SHAKE128", der: algOid("1.3.6.1.5.5.7.6.32") },
  { value: 4, name: "ECDSA with SHAKE256", der: algOid("1.3.6.1.5.5.7.6.33") },
  { value: 5, name: "Unsigned", der: algOid("1.3.6.1.5.5.7.6.36") },
  { value: 8, name: "SM2 with SM3", der: algOid("1.2.156.10197.1.501") },
  { value: 12, name: "Ed25519", der: algOid("1.3.101.112") },
  { value: 13, name: "Ed448", der: algOid("1.3.101.113") },
  { value: 14, name: "PoP with SHA-256 and HMAC-SHA256", der: algOid("1.3.6.1.5.5.7.6.26") },
  { value: 15, name: "PoP with SHA-384 and HMAC-SHA384", der: algOid("1.3.6.1.5.5.7.6.27") },
  { value: 16, name: "PoP with SHA-512 and HMAC-SHA512", der: algOid("1.3.6.1.5.5.7.6.28") },
  { value: 23, name: "RSASSA-PKCS1-v1_5 with SHA-256", der: algOid("1.2.840.113549.1.1.11", NULL) },
  { value: 24, name: "RSASSA-PKCS1-v1_5 with SHA-384", der: algOid("1.2.840.113549.1.1.12", NULL) },
  { value: 25, name: "RSASSA-PKCS1-v1_5 with SHA-512", der: algOid("1.2.840.113549.1.1.13", NULL) },
  { value: 26, name: "RSASSA-PSS with SHA-256", der: pssDer(1, 32) },
  { value: 27, name: "RSASSA-PSS with SHA-384", der: pssDer(2, 48) },
  { value: 28, name: "RSASSA-PSS with SHA-512", der: pssDer(3, 64) },
  { value: 29, name: "RSASSA-PSS with SHAKE128", der: algOid("1.3.6.1.5.5.7.6.30") },
  { value: 30, name: "RSASSA-PSS with SHAKE256", der: algOid("1.3.6.1.5.5.7.6.31") },
];

/** RSASSA-PSS parameters as the registry lists them: hash = MGF1 hash = SHA-2 (NIST hash id 1..3), salt. */
function pssDer(h: number, salt: number): Uint8Array {
  const hashAlg = algOid(`2.16.840.1.101.3.4.2.${h}`, NULL);
  const params = seq(tlv(0xa0, hashAlg), tlv(0xa1, algOid("1.2.840.113549.1.1.8", hashAlg)), tlv(0xa2, tlv(T.INTEGER, Uint8Array.of(salt))));
  return seq(tlv(T.OID, oidBytes("1.2.840.113549.1.1.10")), params);
}

/** ECDSA-style signature values (r || s in C509, SEQUENCE of two INTEGERs in DER). */
export const ECDSA_SIG_VALUES = new Set([-255, 0, 1, 2, 3, 4, 8]);
/** The static-DH proof-of-possession algorithms (DhSigStatic signature values). */
export const DH_POP_SIG_VALUES = new Set([14, 15, 16]);

// ---- Public key algorithms ----------------------------------------------------------------------------------------
export interface PkEntry extends AlgEntry { curve?: string; nodeCurve?: string; coord?: number }
const ec = (curveOid: string) => algOid("1.2.840.10045.2.1", tlv(T.OID, oidBytes(curveOid)));

export const PK_ALGS: PkEntry[] = [
  { value: 0, name: "RSA", der: algOid("1.2.840.113549.1.1.1", NULL) },
  { value: 1, name: "EC P-256", der: ec("1.2.840.10045.3.1.7"), nodeCurve: "prime256v1", coord: 32 },
  { value: 2, name: "EC P-384", der: ec("1.3.132.0.34"), nodeCurve: "secp384r1", coord: 48 },
  { value: 3, name: "EC P-521", der: ec("1.3.132.0.35"), nodeCurve: "secp521r1", coord: 66 },
  { value: 6, name: "EC sm2p256v1", der: ec("1.2.156.10197.1.301"), nodeCurve: "SM2", coord: 32 },
  { value: 8, name: "X25519", der: algOid("1.3.101.110") },
  { value: 9, name: "X448", der: algOid("1.3.101.111") },
  { value: 12, name: "Ed25519", der: algOid("1.3.101.112") },
  { value: 13, name: "Ed448", der: algOid("1.3.101.113") },
  { value: 24, name: "EC brainpoolP256r1", der: ec("1.3.36.3.3.2.8.1.1.7"), nodeCurve: "brainpoolP256r1", coord: 32 },
  { value: 25, name: "EC brainpoolP384r1", der: ec("1.3.36.3.3.2.8.1.1.11"), nodeCurve: "brainpoolP384r1", coord: 48 },
  { value: 26, name: "EC brainpoolP512r1", der: ec("1.3.36.3.3.2.8.1.1.13"), nodeCurve: "brainpoolP512r1", coord: 64 },
  { value: 27, name: "EC FRP256v1", der: ec("1.2.250.1.223.101.256.1"), coord: 32 },
];

// ---- RDN attributes (value, OID); emailAddress and domainComponent are always IA5String ----------------------------
export const RDN_ATTRS: [number, string, string][] = [
  [0, "1.2.840.113549.1.9.1", "emailAddress"], [1, "2.5.4.3", "CN"], [2, "2.5.4.4", "SN"], [3, "2.5.4.5", "serialNumber"],
  [4, "2.5.4.6", "C"], [5, "2.5.4.7", "L"], [6, "2.5.4.8", "ST"], [7, "2.5.4.9", "street"], [8, "2.5.4.10", "O"],
  [9, "2.5.4.11", "OU"], [10, "2.5.4.12", "title"], [11, "2.5.4.15", "businessCategory"], [12, "2.5.4.17", "postalCode"],
  [13, "2.5.4.42", "GN"], [14, "2.5.4.43", "initials"], [15, "2.5.4.44", "generationQualifier"], [16, "2.5.4.46", "dnQualifier"],
  [17, "2.5.4.65", "pseudonym"], [18, "2.5.4.97", "organizationIdentifier"], [19, "1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL"],
  [20, "1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST"], [21, "1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC"],
  [22, "0.9.2342.19200300.100.1.25", "DC"], [25, "2.5.4.41", "name"], [26, "2.5.4.20", "telephoneNumber"],
  [27, "2.5.4.54", "dmdName"], [28, "0.9.2342.19200300.100.1.1", "UID"], [29, "1.2.840.113549.1.9.2", "unstructuredName"],
  [30, "1.2.840.113549.1.9.8", "unstructuredAddress"],
];
export const IA5_ONLY_ATTRS = new Set([0, 22]);

// ---- CR attributes -------------------------------------------------------------------------------------------------
export const CR_EXTENSION_REQUEST = { value: 0, oid: "1.2.840.113549.1.9.14" };
export const CR_CHALLENGE_PASSWORD = { value: 1, oid: "1.2.840.113549.1.9.7" };
export const CR_POSSESSION_STATEMENT = { value: 2, oid: "1.3.6.1.4.1.22112.2.1" };

// ---- Extensions ------------------------------------------------------------------------------------------------------
export const EXT = {
  SKI: 1, KEY_USAGE: 2, SAN: 3, BASIC_CONSTRAINTS: 4, CRL_DP: 5, CERT_POLICIES: 6, AKI: 7, EKU: 8, AIA: 9,
  SUBJECT_DIR_ATTRS: 24, IAN: 25, NAME_CONSTRAINTS: 26, POLICY_MAPPINGS: 27, POLICY_CONSTRAINTS: 28, FRESHEST_CRL: 29,
  INHIBIT_ANY_POLICY: 30, SIA: 31, IP_ADDR_BLOCKS: 32, AS_IDS: 33, IP_ADDR_BLOCKS_V2: 34, AS_IDS_V2: 35, OCSP_NO_CHECK: 36,
  PRECERT_SIGNING: 37, TLS_FEATURES: 38,
} as const;
export const EXT_OIDS: [number, string][] = [
  [1, "2.5.29.14"], [2, "2.5.29.15"], [3, "2.5.29.17"], [4, "2.5.29.19"], [5, "2.5.29.31"], [6, "2.5.29.32"],
  [7, "2.5.29.35"], [8, "2.5.29.37"], [9, "1.3.6.1.5.5.7.1.1"], [24, "2.5.29.9"], [25, "2.5.29.18"], [26, "2.5.29.30"],
  [27, "2.5.29.33"], [28, "2.5.29.36"], [29, "2.5.29.46"], [30, "2.5.29.54"], [31, "1.3.6.1.5.5.7.1.11"],
  [32, "1.3.6.1.5.5.7.1.7"], [33, "1.3.6.1.5.5.7.1.8"], [34, "1.3.6.1.5.5.7.1.28"], [35, "1.3.6.1.5.5.7.1.29"],
  [36, "1.3.6.1.5.5.7.48.1.5"], [37, "1.3.6.1.4.1.11129.2.4.3"], [38, "1.3.6.1.5.5.7.1.24"],
];

// ---- Smaller registries ------------------------------------------------------------------------------------------------
export const EKU: [number, string][] = [
  [0, "2.5.29.37.0"], [1, "1.3.6.1.5.5.7.3.1"], [2, "1.3.6.1.5.5.7.3.2"], [3, "1.3.6.1.5.5.7.3.3"], [4, "1.3.6.1.5.5.7.3.4"],
  [8, "1.3.6.1.5.5.7.3.8"], [9, "1.3.6.1.5.5.7.3.9"], [10, "1.3.6.1.5.2.3.4"], [11, "1.3.6.1.5.2.3.5"],
  [12, "1.3.6.1.5.5.7.3.21"], [13, "1.3.6.1.5.5.7.3.22"], [14, "1.3.6.1.5.5.7.3.35"], [15, "1.3.6.1.5.5.7.3.27"],
  [16, "1.3.6.1.5.5.7.3.28"], [17, "1.3.6.1.5.5.7.3.29"], [18, "1.3.6.1.5.5.7.3.32"], [19, "1.3.6.1.4.1.11129.2.4.4"],
  [20, "1.3.6.1.4.1.45605.1"],
];
export const CERT_POLICIES: [number, string][] = [
  [0, "2.5.29.32.0"], [1, "2.23.140.1.2.1"], [2, "2.23.140.1.2.2"], [3, "2.23.140.1.2.3"], [4, "2.23.140.1.1"],
  [7, "1.3.6.1.5.5.7.14.2"], [8, "1.3.6.1.5.5.7.14.3"], [24, "2.23.146.1.2.1.0"], [25, "2.23.146.1.2.1.1"],
  [26, "2.23.146.1.2.1.0.0.0.0.0"], [27, "2.23.146.1.2.1.2"], [28, "2.23.146.1.2.1.0.0.0"], [29, "2.23.146.1.2.1.3"],
  [30, "2.23.146.1.2.1.0.0.1.0"], [31, "2.23.146.1.2.1.4"], [32, "2.23.146.1.2.1.0.0.1.1"], [33, "2.23.146.1.2.1.5"],
  [34, "2.23.146.1.2.1.0.0.1.2"], [35, "2.23.146.1.2.1.6"], [36, "2.23.146.1.2.1.0.0.2.0"], [37, "2.23.146.1.2.1.7"],
  [38, "2.23.146.1.2.1.0.0.2.1"],
];
export const POLICY_QUALIFIERS: [number, string][] = [[1, "1.3.6.1.5.5.7.2.1"], [2, "1.3.6.1.5.5.7.2.2"]];
export const INFO_ACCESS: [number, string][] = [
  [1, "1.3.6.1.5.5.7.48.1"], [2, "1.3.6.1.5.5.7.48.2"], [3, "1.3.6.1.5.5.7.48.3"], [5, "1.3.6.1.5.5.7.48.5"],
  [10, "1.3.6.1.5.5.7.48.10"], [11, "1.3.6.1.5.5.7.48.11"], [13, "1.3.6.1.5.5.7.48.13"],
];
/** General names: -3 MACAddress, -2 SmtpUTF8Mailbox, -1 hardwareModuleName (otherNames), 0..8 RFC 5280 choices. */
export const GN_OTHER_NAMES: [number, string][] = [[-3, "1.3.6.1.5.5.7.8.12"], [-2, "1.3.6.1.5.5.7.8.9"], [-1, "1.3.6.1.5.5.7.8.4"]];

// ---- Lookups -----------------------------------------------------------------------------------------------------------
export function byValue<T extends [number, string, ...unknown[]]>(table: T[], v: number): string | undefined {
  return table.find((e) => e[0] === v)?.[1];
}
export function byOid<T extends [number, string, ...unknown[]]>(table: T[], dotted: string): number | undefined {
  return table.find((e) => e[1] === dotted)?.[0];
}
export const sigAlgByValue = (v: number) => SIG_ALGS.find((a) => a.value === v);
export const pkAlgByValue = (v: number) => PK_ALGS.find((a) => a.value === v);
const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
export const sigAlgByDer = (der: Uint8Array) => SIG_ALGS.find((a) => eq(a.der, der));
export const pkAlgByDer = (der: Uint8Array) => PK_ALGS.find((a) => eq(a.der, der));
