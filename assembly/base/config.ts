// Fixed capacities of the module, in one place. Every buffer of the module is sized here and allocated once at
// start-up; nothing grows during a command. Buffers whose users never overlap share an arena (arena.ts).

/** Host-to-module input buffer: argv of a command, or one datagram with its source endpoint. */
export const IO_CAPACITY: i32 = 4096;
/** Most arguments a command line may have (argv[0] included). */
export const MAX_ARGS: i32 = 32;
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
/** Room for a reassembled response representation; a larger one fails with E_LIMIT. */
export const COAP_RESPONSE_CAPACITY: i32 = 6144;
/** Room for a protected response fragmented with outer Block2 (RFC 8613 §4.1.3.4.2), reassembled whole. */
export const COAP_OUTER_CAPACITY: i32 = 1600;
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

/** A credential or an ID_CRED map: a CCS, or an X.509 certificate (x5chain, x5t) in a CBOR byte string. */
export const EDHOC_CRED_CAPACITY: i32 = 1100;
/** PLAINTEXT_2: an x5chain ID_CRED_R carries a whole certificate. */
export const EDHOC_PT2_CAPACITY: i32 = 1200;
/** The Initiator's work buffer (contexts, Sig_structure; PLAINTEXT_3 at its end), and PLAINTEXT_3's share. */
export const EDHOC_WORK_CAPACITY: i32 = 2400;
export const EDHOC_PT3_CAPACITY: i32 = 1200;
/** message_3, kept for the combined request (an x5chain ID_CRED_I carries a certificate). */
export const EDHOC_M3_CAPACITY: i32 = 1250;
/** An EDHOC request's CBOR sequence: true || message_1, C_R || message_3, C_R || error. */
export const EDHOC_REQUEST_CAPACITY: i32 = 1300;

// ---- PKI and EST (assembly/pki, assembly/est) ---------------------------------------------------------------

/** The trust-anchor database record (pki/trust.ts). */
export const TRUST_ANCHORS_CAPACITY: i32 = 1540;
/** The enrollment record: key, certificate, CA certificate (est/record.ts). */
export const ENROLLMENT_RECORD_CAPACITY: i32 = 3200;
/** A CSR the device builds, a certificate it receives, the EST root path. */
export const EST_CSR_CAPACITY: i32 = 1024;
export const EST_CERT_CAPACITY: i32 = 1536;
export const EST_PATH_CAPACITY: i32 = 160;
