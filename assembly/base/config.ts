// Fixed capacities of the module, in one place. Every buffer of the module is sized here and allocated once at
// start-up; nothing grows during a command. Buffers whose users never overlap share an arena (arena.ts).

/** Host-to-module input buffer: argv of a command, or one datagram with its source endpoint. The simulator
 *  module's (its `vector` lines carry kilobytes of hex); the device module needs one datagram and its
 *  endpoint (IO_PAYLOAD_OFFSET + COAP_MAX_DATAGRAM). */
export const IO_CAPACITY: i32 = 4096;
export const DEVICE_IO_CAPACITY: i32 = 24 + 1280;
/** Most arguments a command line may have (argv[0] included). */
export const MAX_ARGS: i32 = 32;

/** Seconds a certificate's notBefore may lie after the device's real time and still count as valid: a CA
 *  stamps a fresh certificate with its own clock, to the second, and the device's clock (or the host's --now,
 *  given in whole seconds) may be a little behind. docs/certificate-paths.md. */
export const NOT_BEFORE_GRACE_S: i64 = 60;
/** Scratch buffer for the simulator's command output before it is handed to board.out. */
export const OUT_CAPACITY: i32 = 1024;
/** The event record detailing the last failure, and one log record (base/diag.ts). */
export const ERROR_DETAIL_CAPACITY: i32 = 256;
export const LOG_CAPACITY: i32 = 256;
/** The result record of a device command (base/result.ts). */
export const RESULT_CAPACITY: i32 = 256;

// ---- Codecs (assembly/cbor, assembly/coap) ---------------------------------------------------------------

/** Most containers (arrays, maps, tags) a CBOR decoder walk may have open at once; one more -> E_TOO_DEEP.
 *  EDHOC and COSE structures need fewer than 6. Each level costs 9 bytes of static data in the skipper. */
export const CBOR_MAX_DEPTH: i32 = 16;
/** Most options one CoAP message built by CoapBuilder may carry (each costs 16 bytes of static data). */
export const COAP_MAX_BUILD_OPTIONS: i32 = 24;
/** Most Content-Format values a link-format `ct` attribute may list. */
export const LINK_MAX_CT: i32 = 8;

// ---- CoAP client (assembly/coap/client.ts) ----------------------------------------------------------------

/** Largest datagram the client builds or accepts (a 1024-byte block plus header and options fits). */
export const COAP_MAX_DATAGRAM: i32 = 1280;
/** A URI as given on the command line (coap/uri.ts keeps a copy). */
export const COAP_URI_CAPACITY: i32 = 512;
/** Room for a request payload of the simulator's coap command (sent block-wise when larger than a block). */
export const COAP_REQUEST_CAPACITY: i32 = 2048;
/** Room for a reassembled response representation; a larger one fails with E_LIMIT. The simulator module's,
 *  and the device module's: the largest answer of an enrollment is a /crts bundle (a CA, an intermediate, the
 *  RFC 6955 recipient certificates: about 2 KB), or message_2 with a certificate in it. */
export const COAP_RESPONSE_CAPACITY: i32 = 6144;
export const DEVICE_RESPONSE_CAPACITY: i32 = 3072;
/** A protected response fragmented with outer Block2 (RFC 8613 §4.1.3.4.2), reassembled whole in the tail of
 *  the response buffer: at most one datagram's worth, since its plaintext must fit COAP_MAX_DATAGRAM. */
export const COAP_OUTER_CAPACITY: i32 = 1280;
/** The plaintext of one OSCORE message (code, inner options, payload: a 1024-byte block and its options). */
export const OSCORE_PLAIN_CAPACITY: i32 = 1152;
/** Longest Echo option value repeated (RFC 9175 §2.2.1 recommends at most 40 bytes). */
export const COAP_ECHO_MAX: i32 = 40;
/** Transmission parameters (RFC 7252 §4.8 defaults). ACK_RANDOM_FACTOR is in thousandths. */
export const COAP_ACK_TIMEOUT_MS: i32 = 2000;
export const COAP_ACK_RANDOM_FACTOR_MILLI: i32 = 1500;
export const COAP_MAX_RETRANSMIT: i32 = 4;
/** Overall bound of one request, including block-wise transfers, separate responses and 5.03 waits. */
export const COAP_DEFAULT_DEADLINE_MS: i32 = 90000;
/** Message IDs of recent confirmable responses remembered to answer duplicates (RFC 7252 §4.5). */
export const COAP_DEDUP_SLOTS: i32 = 8;

// ---- EDHOC (assembly/edhoc) -------------------------------------------------------------------------------

/** The device's identity records and the Responder's credential, read into the arena by their real length:
 *  room for X.509 certificates both ways (x5chain: a credential and its ID_CRED each carry one; the server's
 *  CRED_R is its end-entity certificate, about 450 bytes). */
export const EDHOC_IDENTITY_CAPACITY: i32 = 2048;
/** PLAINTEXT_2: an x5chain ID_CRED_R carries whole certificates: the server's and up to two intermediate CAs'
 *  (about 1,350 bytes with the development CA's P-256 certificates). */
export const EDHOC_PT2_CAPACITY: i32 = 1450;
/** The Initiator's work buffer (contexts, Sig_structure; PLAINTEXT_3 at its end), and PLAINTEXT_3's share:
 *  context_2 and Sig_structure hold ID_CRED_R (the x5chain) and CRED_R (its first certificate again). */
export const EDHOC_WORK_CAPACITY: i32 = 1900;
export const EDHOC_PT3_CAPACITY: i32 = 700;
/** message_3, kept for the combined request (an x5chain ID_CRED_I carries a certificate), with room in front
 *  for C_R when it goes on its own (C_R || message_3, RFC 9528 Appendix A.2). */
export const EDHOC_M3_CAPACITY: i32 = 900;
export const EDHOC_M3_PREFIX: i32 = 16;
/** An EDHOC request's CBOR sequence other than message_3: true || message_1, C_R || an error message. */
export const EDHOC_REQUEST_CAPACITY: i32 = 96;

// ---- PKI and EST (assembly/pki, assembly/est) ---------------------------------------------------------------

/** The trust-anchor database record (pki/trust.ts): a root and an intermediate, or a few roots. */
export const TRUST_ANCHORS_CAPACITY: i32 = 1540;
/** A certificate the device receives (the issued one, a CA), a CSR it builds, the EST root path. */
export const EST_CERT_CAPACITY: i32 = 1536;
export const EST_CSR_CAPACITY: i32 = 1024;
export const EST_PATH_CAPACITY: i32 = 160;
/** The enrollment record: version, key kind, key, and the two certificates with their lengths (est/record.ts). */
export const ENROLLMENT_RECORD_CAPACITY: i32 = 38 + 2 * EST_CERT_CAPACITY;
/** The to-be-signed part of a CSR while it is signed. */
export const CSR_INFO_CAPACITY: i32 = 1400;

// ---- The arena (base/arena.ts): offsets of each owner's buffers ------------------------------------------

/** ARENA_HANDSHAKE: identity records | trust anchors | PLAINTEXT_2 | the Initiator's work buffer. */
export const ARENA_IDENTITY: i32 = 0;
export const ARENA_HANDSHAKE_TA: i32 = ARENA_IDENTITY + EDHOC_IDENTITY_CAPACITY;
export const ARENA_PT2: i32 = ARENA_HANDSHAKE_TA + TRUST_ANCHORS_CAPACITY;
export const ARENA_WORK: i32 = ARENA_PT2 + EDHOC_PT2_CAPACITY;
/** ARENA_ENROLLMENT and ARENA_STATUS: the enrollment record | trust anchors | the DER a C509 certificate stands
 *  for (its issuer Name, its type 3 tbsCertificate: est/c509.ts) (ARENA_RECIPIENT: at 0). */
export const ARENA_RECORD: i32 = 0;
export const ARENA_ENROLLMENT_TA: i32 = ENROLLMENT_RECORD_CAPACITY;
export const ARENA_C509_DER: i32 = ARENA_ENROLLMENT_TA + TRUST_ANCHORS_CAPACITY;
export const C509_DER_CAPACITY: i32 = 1280;
/** The arena's size: the largest owner's layout. */
export const ARENA_CAPACITY: i32 = ARENA_WORK + EDHOC_WORK_CAPACITY;
