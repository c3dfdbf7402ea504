// EDHOC numbers (RFC 9528): methods, cipher suites and their parameters, EAD labels, error codes, KDF and
// exporter labels, and the CoAP transfer constants of Appendix A.2.
//
// Deliberately not here: the protocol logic (assembly/edhoc/), and suites the client cannot run are only
// described, not supported (edhocSuiteSupported says which are).

import {
  COSE_ALG_AES_CCM_16_64_128, COSE_ALG_AES_CCM_16_128_128, COSE_ALG_SHA_256, COSE_ALG_ES256, COSE_ALG_EDDSA,
  COSE_CRV_P256, COSE_CRV_X25519,
} from "./cose";

// ---- Methods (RFC 9528 §3.2): authentication of Initiator / Responder -----------------------------------------
export const EDHOC_METHOD_SIG_SIG: i32 = 0;
export const EDHOC_METHOD_SIG_STAT: i32 = 1;
export const EDHOC_METHOD_STAT_SIG: i32 = 2;
export const EDHOC_METHOD_STAT_STAT: i32 = 3;

/** Responder (methods 1, 3) or Initiator (methods 2, 3) authenticates with a static DH key (RFC 9528 §3.2). */
@inline export function edhocResponderStatic(method: i32): bool { return method == 1 || method == 3; }
@inline export function edhocInitiatorStatic(method: i32): bool { return method == 2 || method == 3; }

// ---- Cipher suites (RFC 9528 §3.6, §10.2) ---------------------------------------------------------------------
// A suite is (EDHOC AEAD, EDHOC hash, EDHOC MAC length, ECDH curve, signature alg, application AEAD,
// application hash). The client implements suites 0 and 2; 1 and 3 differ only in the 16-byte tags.
export const EDHOC_SUITE_0: i32 = 0; // AES-CCM-16-64-128, SHA-256, 8, X25519, EdDSA, AES-CCM-16-64-128, SHA-256
export const EDHOC_SUITE_1: i32 = 1; // AES-CCM-16-128-128, SHA-256, 16, X25519, EdDSA, AES-CCM-16-64-128, SHA-256
export const EDHOC_SUITE_2: i32 = 2; // AES-CCM-16-64-128, SHA-256, 8, P-256, ES256, AES-CCM-16-64-128, SHA-256
export const EDHOC_SUITE_3: i32 = 3; // AES-CCM-16-128-128, SHA-256, 16, P-256, ES256, AES-CCM-16-64-128, SHA-256

/** True for the suites whose parameters this file describes (0-3). */
@inline export function edhocSuiteKnown(s: i32): bool { return s >= 0 && s <= 3; }
/** EDHOC AEAD of suite s (0-3), as a COSE algorithm id. */
export function edhocSuiteAead(s: i32): i32 { return (s & 1) == 0 ? COSE_ALG_AES_CCM_16_64_128 : COSE_ALG_AES_CCM_16_128_128; }
/** EDHOC hash of suite s (0-3). */
export function edhocSuiteHash(s: i32): i32 { return COSE_ALG_SHA_256; }
/** EDHOC MAC length in bytes of suite s (0-3). */
export function edhocSuiteMacLength(s: i32): i32 { return (s & 1) == 0 ? 8 : 16; }
/** ECDH curve of suite s (0-3), as a COSE curve id. */
export function edhocSuiteCurve(s: i32): i32 { return s < 2 ? COSE_CRV_X25519 : COSE_CRV_P256; }
/** Signature algorithm of suite s (0-3). */
export function edhocSuiteSignature(s: i32): i32 { return s < 2 ? COSE_ALG_EDDSA : COSE_ALG_ES256; }
/** Application (OSCORE) AEAD and hash of suite s (0-3). */
export function edhocSuiteAppAead(s: i32): i32 { return COSE_ALG_AES_CCM_16_64_128; }
export function edhocSuiteAppHash(s: i32): i32 { return COSE_ALG_SHA_256; }
/** AES-CCM-16-* key and nonce lengths (RFC 9053 §4.2). */
export const EDHOC_AEAD_KEY_LENGTH: i32 = 16;
export const EDHOC_AEAD_NONCE_LENGTH: i32 = 13;
/** SHA-256 output length: hash_length of suites 0-3. */
export const EDHOC_HASH_LENGTH: i32 = 32;
/** Length of G_X, G_Y (x-coordinate only for P-256) for suites 0-3 (RFC 9528 §3.7). */
export const EDHOC_ECDH_PUBLIC_LENGTH: i32 = 32;

// ---- EAD (RFC 9528 §3.8) ----------------------------------------------------------------------------------------
/** Padding (RFC 9528 §3.8.1). A negative ead_label marks the item critical (RFC 9528 §3.8). */
export const EDHOC_EAD_PADDING: i32 = 0;

// ---- Error codes (RFC 9528 §6) ---------------------------------------------------------------------------------
export const EDHOC_ERR_SUCCESS: i32 = 0; // never sent (§6.1)
export const EDHOC_ERR_UNSPECIFIED: i32 = 1; // ERR_INFO: tstr (§6.2)
export const EDHOC_ERR_WRONG_SUITE: i32 = 2; // ERR_INFO: SUITES_R (§6.3)
export const EDHOC_ERR_UNKNOWN_CREDENTIAL: i32 = 3; // ERR_INFO: true (§6.4)

// ---- EDHOC_KDF labels (RFC 9528 §4.1.2 and the key schedule of §4.1) --------------------------------------------
export const EDHOC_KDF_KEYSTREAM_2: i32 = 0;
export const EDHOC_KDF_SALT_3E2M: i32 = 1;
export const EDHOC_KDF_MAC_2: i32 = 2;
export const EDHOC_KDF_K_3: i32 = 3;
export const EDHOC_KDF_IV_3: i32 = 4;
export const EDHOC_KDF_SALT_4E3M: i32 = 5;
export const EDHOC_KDF_MAC_3: i32 = 6;
export const EDHOC_KDF_PRK_OUT: i32 = 7;
export const EDHOC_KDF_K_4: i32 = 8;
export const EDHOC_KDF_IV_4: i32 = 9;
export const EDHOC_KDF_PRK_EXPORTER: i32 = 10;
export const EDHOC_KDF_KEY_UPDATE: i32 = 11;

// ---- Exporter labels (RFC 9528 §4.2.1, Appendix A.1) -------------------------------------------------------------
export const EDHOC_EXPORTER_OSCORE_MASTER_SECRET: i32 = 0;
export const EDHOC_EXPORTER_OSCORE_MASTER_SALT: i32 = 1;
/** OSCORE Master Salt length derived from EDHOC (RFC 9528 Appendix A.1). */
export const EDHOC_OSCORE_SALT_LENGTH: i32 = 8;

// ---- Over CoAP (RFC 9528 Appendix A.2) ----------------------------------------------------------------------------
/** message_1 is prefixed with the CBOR simple value true when sent in a CoAP request. */
export const EDHOC_MESSAGE_1_PREFIX: u8 = 0xf5;
