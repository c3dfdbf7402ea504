// Fixed capacities of the module, in one place. Every buffer in the module is sized here and allocated once
// at start-up; nothing grows during a command. The whole module lives in two 64 KiB pages of linear memory
// (128 KiB: EDHOC, OSCORE and EST state did not fit one page beside the 16 KB of message text).

/** Host-to-module input buffer: argv of a command, or one datagram with its source endpoint. */
export const IO_CAPACITY: i32 = 4096;
/** Most arguments a command line may have (argv[0] included). */
export const MAX_ARGS: i32 = 32;
/** Scratch buffer for formatting command output before it is handed to board.out. */
export const OUT_CAPACITY: i32 = 1024;
/** Room for the detail text of the last error. */
export const ERROR_DETAIL_CAPACITY: i32 = 256;
/** Scratch buffer for one log line. */
export const LOG_CAPACITY: i32 = 256;

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
/** Room for a request payload (sent block-wise when larger than the block size). */
export const COAP_REQUEST_CAPACITY: i32 = 2048;
/** Room for a reassembled response representation; a larger one fails with E_LIMIT. */
export const COAP_RESPONSE_CAPACITY: i32 = 6144;
/** Transmission parameters (RFC 7252 §4.8 defaults). ACK_RANDOM_FACTOR is in thousandths. */
export const COAP_ACK_TIMEOUT_MS: i32 = 2000;
export const COAP_ACK_RANDOM_FACTOR_MILLI: i32 = 1500;
export const COAP_MAX_RETRANSMIT: i32 = 4;
/** Overall bound of one request, including block-wise transfers, separate responses and 5.03 waits. */
export const COAP_DEFAULT_DEADLINE_MS: i32 = 90000;
/** Message IDs of recent confirmable responses remembered to answer duplicates (RFC 7252 §4.5). */
export const COAP_DEDUP_SLOTS: i32 = 8;
