// The ABI as the Node host sees it: the status table of assembly/base/errors.ts (keys without the E_ prefix),
// the constants of assembly/base/abi.ts and those of the "crypto" import (assembly/crypto/provider.ts,
// host/include/est_crypto.h). test/abi-sync.test.ts checks this file against both the
// AssemblyScript and the C header, so the three cannot drift apart.

export const ABI_VERSION = 2;
export const IMPORT_MODULE = "board";
export const ADDR_V4_LEN = 7;
export const ADDR_V6_LEN = 19;
export const ADDR_V6_SCOPED_LEN = 23;
export const ADDR_MAX_LEN = 23;
export const IO_PAYLOAD_OFFSET = 24;
export const STORE_MAX_ID = 0xffff;
export const STORE_MAX_RECORD = 4096;
export const LOG_ALWAYS = 0, LOG_ERROR = 1, LOG_WARN = 2, LOG_INFO = 3, LOG_DEBUG = 4, LOG_TRACE = 5;
/** in_seek whence: from the start of the input stream, from its end. */
export const IN_SEEK_SET = 0, IN_SEEK_END = 2;

export const E = {
  OK: 0, // success
  PENDING: 1, // command running: waiting for a datagram or a timer
  INTERNAL: -1, // internal error (a bug)
  USAGE: -2, // bad command line or argument
  UNKNOWN_COMMAND: -3, // no such command
  BUFFER_TOO_SMALL: -4, // output does not fit the buffer given
  BAD_POINTER: -5, // the host rejected a pointer/length outside linear memory
  BUSY: -6, // a command is already running
  NO_COMMAND: -7, // event delivered while no command runs
  UNSUPPORTED: -8, // the board does not provide this capability
  RNG: -9, // random source failed
  CANCELLED: -10, // command cancelled by the host
  STORE_NOT_FOUND: -20, // no record with that id
  STORE_CORRUPT: -21, // record (or the store) failed its integrity check
  STORE_FULL: -22, // not enough room for the record
  STORE_IO: -23, // the storage medium failed
  STORE_ID: -24, // record id out of range
  STORE_TOO_LARGE: -25, // record larger than the maximum record size
  NET_SEND: -30, // datagram could not be sent
  NET_ADDRESS: -31, // malformed or unusable address
  NET_RESOLVE: -32, // host name did not resolve
  TIMEOUT: -33, // no answer before the deadline
  NET_TOO_BIG: -34, // datagram larger than the board's MTU
  MALFORMED: -40, // input does not follow the encoding rules
  TRUNCATED: -41, // input ends inside an item
  TOO_DEEP: -42, // nesting beyond the configured depth
  NON_CANONICAL: -43, // valid encoding but not the required deterministic form
  TRAILING: -44, // bytes left over after the expected item
  LIMIT: -45, // item larger than a configured limit
  CRYPTO_AUTH: -50, // authentication tag or MAC did not verify
  CRYPTO_KEY: -51, // invalid key (bad length, scalar out of range)
  CRYPTO_POINT: -52, // invalid public key or curve point
  CRYPTO_SIGNATURE: -53, // signature did not verify
  CRYPTO_PARAM: -54, // invalid algorithm parameter (nonce or tag length)
  COAP_RESET: -60, // the peer answered with a Reset message
  COAP_BAD_OPTION: -61, // a response carries an unrecognized critical option
  COAP_RESPONSE: -62, // the server answered with an error code (4.xx or 5.xx)
  COAP_BLOCK: -63, // block-wise transfer broke RFC 7959 (wrong block number or size, 4.08)
  COAP_URI: -64, // malformed or unsupported URI
  EDHOC_ERROR: -70, // the EDHOC peer sent an error message or broke the handshake
  EDHOC_CREDENTIAL: -71, // the EDHOC peer's credential is not the one provisioned
  OSCORE_UNPROTECTED: -72, // the server answered without OSCORE protection
  OSCORE_REPLAY: -73, // an OSCORE message replays one already accepted
  IDENTITY: -74, // the key store lacks the identity this command needs (provision the device)
  EST_RESPONSE: -80, // the EST server's answer is not what the request asked for
  EST_CERT_KEY: -81, // the issued certificate does not carry the requested public key
  EST_CHAIN: -82, // the certificate does not chain to a trust anchor
  EST_REFUSED: -83, // the operation is refused by policy (e.g. server key generation with a good RNG)
} as const;

const NAMES = new Map<number, string>(Object.entries(E).map(([k, v]) => [v, k === "OK" || k === "PENDING" ? k : "E_" + k]));

/** Stable name of a status ("E_STORE_FULL"), or "E_?" for an unknown code: the same as est_status_name(). */
export function statusName(code: number): string {
  return NAMES.get(code) ?? "E_?";
}

/** Imports of module "board": name -> signature in wasm3 notation (i = i32, I = i64, v = void). */
export const IMPORTS: Record<string, string> = {
  udp_send: "i(iiii)",
  udp_resolve: "i(iiiii)",
  rng_fill: "i(ii)",
  store_read: "i(iii)",
  store_write: "i(iii)",
  store_erase: "i(i)",
  clock_ms: "I()",
  real_time_s: "I()",
  log: "v(iii)",
  in_read: "i(ii)",
  in_seek: "i(ii)",
  out: "i(ii)",
  panic: "v(iiiiii)",
};

/** Exports every module must have: name -> signature. */
export const EXPORTS: Record<string, string> = {
  _start: "v()",
  abi_version: "i()",
  io_buffer: "i()",
  io_capacity: "i()",
  start: "i(i)",
  on_datagram: "i(ii)",
  on_timer: "i()",
  next_deadline: "I()",
  cancel: "i()",
  last_error: "i()",
  error_detail: "i()",
  error_detail_len: "i()",
  result: "i()",
  result_len: "i()",
  heap_top: "i()",
};

/** Tags and values of the result record (assembly/base/result.ts, EST_RESULT_* in est_abi.h). */
export const RESULT = {
  COMMAND: 1, STATUS: 2, FLAGS: 3, RESOURCE: 4, EDHOC_SIZES: 5, CSR_BYTES: 6, PHASE: 7, CERT: 8, CA: 9, NOT_AFTER: 10,
  SUBJECT: 11, CERT_FORMAT: 12, RENEW_AT: 13, NOT_BEFORE: 14, KEY_ID: 15,
  CMD_ENROLL: 1, CMD_STATUS: 2,
  FLAG_JSON: 1, FLAG_EDHOC: 2, FLAG_COMBINED: 4, FLAG_ENROLLED: 8, FLAG_MAINTAIN: 16, FLAG_EXPIRED: 32, FLAG_DUE: 64,
  RES_SEN: 1, RES_SREN: 2, RES_SKG: 3, RES_SKC: 4,
  PHASE_EDHOC: 1, PHASE_ATT: 2, PHASE_CRTS: 3, PHASE_SEN: 4, PHASE_SREN: 5, PHASE_SKG: 6, PHASE_SKC: 7,
} as const;

// ---- The "crypto" import module (host/include/est_crypto.h, assembly/crypto/provider.ts) ---------------------

export const CRYPTO_IMPORT_MODULE = "crypto";

/** Imports of module "crypto": name -> signature (all i32). */
export const CRYPTO_IMPORTS: Record<string, string> = {
  caps: "i()",
  random: "i(ii)",
  sha256: "i(iii)",
  sha256_begin: "i()",
  sha256_update: "i(iii)",
  sha256_finish: "i(ii)",
  sha256_abort: "i(i)",
  hmac_sha256: "i(iiiii)",
  hkdf_sha256: "i(iiiiiiii)",
  hkdf_expand_sha256: "i(iiiiii)",
  aes_ccm_seal: "i(iiiiiiiii)",
  aes_ccm_open: "i(iiiiiiiii)",
  key_generate: "i(ii)",
  key_import: "i(iiii)",
  key_open: "i(i)",
  key_public: "i(iii)",
  key_close: "i(i)",
  key_destroy: "i(i)",
  ecdh: "i(iiii)",
  sign: "i(iiii)",
  verify: "i(iiiiiii)",
};

/** Bits of caps(). */
export const CRYPTO_CAP = {
  RANDOM: 1, SHA256: 2, HMAC_HKDF: 4, AES_CCM: 8, P256: 16, X25519: 32, ED25519: 64, PERSISTENT_KEYS: 128,
} as const;

/** Key types (the module's KEY_* kinds of assembly/est/csr.ts). */
export const CRYPTO_KEY = { P256_ECDSA: 1, ED25519: 2, P256_DH: 3, X25519_DH: 4 } as const;

export const CRYPTO_MAX_KEYS = 8;
export const CRYPTO_MAX_HASH_OPS = 4;
export const CRYPTO_KEY_MAX_ID = 0xffff;
/** Persistent key N lives in key-store record CRYPTO_KEY_RECORD_BASE + N (above STORE_MAX_ID). */
export const CRYPTO_KEY_RECORD_BASE = 0x00010000;
export const STORE_BOARD_MAX_ID = CRYPTO_KEY_RECORD_BASE + CRYPTO_KEY_MAX_ID;
export const CRYPTO_KEY_RECORD_FORMAT = 1;
export const CRYPTO_KEY_RECORD_LEN = 36;
