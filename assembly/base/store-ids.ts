// Key-store record ids used by the module (0 .. STORE_MAX_ID of abi.ts). Provisioning tools write the same
// ids (tools/ mirror this list). Ranges: 0x0000-0x00ff device identity and configuration, 0x0100-0x01ff
// credentials and trust anchors, 0x0200-0x02ff OSCORE contexts and sequence-number records,
// 0xff00-0xffff reserved for tests and diagnostics.

/** Scratch record used by `selftest`; erased again before the command ends. */
export const STORE_ID_SELFTEST: u32 = 0xffff;

/** 32 bytes drawn from the DRBG at its last instantiation, mixed into the next one (crypto/drbg.ts). */
export const STORE_ID_DRBG_SEED: u32 = 0x0010;

/** OSCORE Sender Sequence Number limits (oscore/seq.ts): one record per security context, from this id on. */
export const STORE_ID_OSCORE_SEQ: u32 = 0x0200;

// ---- EDHOC identity (written by provisioning: tools/provision.ts) ---------------------------------------

/** Two bytes: the EDHOC method (0..3) and the cipher suite the device offers (0 or 2). */
export const STORE_ID_EDHOC_SETUP: u32 = 0x0020;
/** The device's EDHOC authentication private key: a static DH key (methods 2, 3) or a signature key
 *  (methods 0, 1: Ed25519 seed or P-256 scalar), 32 bytes. */
export const STORE_ID_EDHOC_KEY: u32 = 0x0100;
/** CRED_I and ID_CRED_I (a CBOR map, e.g. {4: kid}) of the device. */
export const STORE_ID_CRED_I: u32 = 0x0101;
export const STORE_ID_ID_CRED_I: u32 = 0x0102;
/** The one Responder the device accepts: CRED_R, ID_CRED_R, and its authentication public key (32-byte
 *  x-coordinate or Ed25519 key, or a 65-byte uncompressed P-256 point for ES256). */
export const STORE_ID_CRED_R: u32 = 0x0110;
export const STORE_ID_ID_CRED_R: u32 = 0x0111;
export const STORE_ID_PEER_KEY: u32 = 0x0112;

// ---- OSCORE and EST state (written by the module) ---------------------------------------------------------

/** The OSCORE context EDHOC last established: master secret (16), salt (8), Sender ID and Recipient ID
 *  (each a length byte and the bytes). Its sequence numbers are record STORE_ID_OSCORE_SEQ. */
export const STORE_ID_OSCORE_CTX: u32 = 0x0210;
/** The enrollment: enrolled private key, certificate and the CA certificates it chains to, in one record so
 *  that a power cut leaves either the old or the new enrollment (est/state.ts gives the layout). */
export const STORE_ID_ENROLLMENT: u32 = 0x0120;
/** Trust anchors installed by provisioning (DER certificates, each prefixed by a 2-byte length). */
export const STORE_ID_TRUST_ANCHORS: u32 = 0x0121;
/** The EST server's URI (UTF-8), written by provisioning (--server-uri) for the boards' boot path: read by the
 *  firmware C API (host/est_client.c est_client_stored_uri), not by the module, which gets it on the command line. */
export const STORE_ID_SERVER_URI: u32 = 0x0031;
/** Device policy flags (provisioning): bit 0 = no cryptographically secure RNG (allows /skg and /skc when the
 *  device has a pre-shared OSCORE context instead of EDHOC; EST-oscore draft §5.2). */
export const STORE_ID_DEVICE_POLICY: u32 = 0x0022;
/** The server's subject Name (DER), when it identifies itself with an X.509 certificate sent in EDHOC (x5chain):
 *  then there is no CRED_R / ID_CRED_R / PEER_KEY record, and the certificate must come from the trust anchor. */
export const STORE_ID_PEER_SUBJECT: u32 = 0x0113;

// ---- Keys the board keeps (crypto/key.ts), by key id; the board stores them apart from these records ---------

/** The device's EDHOC key, once the board holds it: the same number as the record it came from
 *  (STORE_ID_EDHOC_KEY, + 8 for the alternative suite), which is erased after the move. */
export const KEY_ID_EDHOC: u32 = 0x0100;
/** The enrolled key: the enrollment record (version 2) names one of the two; a new enrollment makes its key
 *  under the other, and erases the old one only after the new record is written. */
export const KEY_ID_ENROLL_A: u32 = 0x0130;
export const KEY_ID_ENROLL_B: u32 = 0x0131;

/** The last-known-good time (pki/time.ts): 8 bytes, seconds since 1970 big-endian; the latest notBefore of a
 *  certificate whose path verified. Certificate dates are judged by it where the board has no real time. */
export const STORE_ID_TIME_LKG: u32 = 0x0030;
