// Status codes: the one table every layer of the module returns from.
//
// 0 is success, 1 means "still running" (a command waits for a datagram or a timer), every other value is
// negative and names one failure. Ranges are reserved per layer so a number alone says where it came from.
// The same table is mirrored in host/include/est_abi.h (EST_E_*), and test/abi-sync.test.ts keeps the two equal:
// change both or neither. Numbers are part of the ABI; never reuse a retired one.
//
// Format rule (the sync test parses it): one `export const NAME: i32 = VALUE; // message` per line.

export const OK: i32 = 0; // success
export const PENDING: i32 = 1; // command running: waiting for a datagram or a timer

// -1 .. -19: module runtime and host boundary
export const E_INTERNAL: i32 = -1; // internal error (a bug)
export const E_USAGE: i32 = -2; // bad command line or argument
export const E_UNKNOWN_COMMAND: i32 = -3; // no such command
export const E_BUFFER_TOO_SMALL: i32 = -4; // output does not fit the buffer given
export const E_BAD_POINTER: i32 = -5; // the host rejected a pointer/length outside linear memory
export const E_BUSY: i32 = -6; // a command is already running
export const E_NO_COMMAND: i32 = -7; // event delivered while no command runs
export const E_UNSUPPORTED: i32 = -8; // the board does not provide this capability
export const E_RNG: i32 = -9; // random source failed
export const E_CANCELLED: i32 = -10; // command cancelled by the host

// -20 .. -29: key store
export const E_STORE_NOT_FOUND: i32 = -20; // no record with that id
export const E_STORE_CORRUPT: i32 = -21; // record (or the store) failed its integrity check
export const E_STORE_FULL: i32 = -22; // not enough room for the record
export const E_STORE_IO: i32 = -23; // the storage medium failed
export const E_STORE_ID: i32 = -24; // record id out of range
export const E_STORE_TOO_LARGE: i32 = -25; // record larger than the maximum record size

// -30 .. -39: network
export const E_NET_SEND: i32 = -30; // datagram could not be sent
export const E_NET_ADDRESS: i32 = -31; // malformed or unusable address
export const E_NET_RESOLVE: i32 = -32; // host name did not resolve
export const E_TIMEOUT: i32 = -33; // no answer before the deadline
export const E_NET_TOO_BIG: i32 = -34; // datagram larger than the board's MTU

// -40 .. -49: decoding of untrusted input (shared by every decoder)
export const E_MALFORMED: i32 = -40; // input does not follow the encoding rules
export const E_TRUNCATED: i32 = -41; // input ends inside an item
export const E_TOO_DEEP: i32 = -42; // nesting beyond the configured depth
export const E_NON_CANONICAL: i32 = -43; // valid encoding but not the required deterministic form
export const E_TRAILING: i32 = -44; // bytes left over after the expected item
export const E_LIMIT: i32 = -45; // item larger than a configured limit

// -50 .. -59: cryptography
export const E_CRYPTO_AUTH: i32 = -50; // authentication tag or MAC did not verify
export const E_CRYPTO_KEY: i32 = -51; // invalid key (bad length, scalar out of range)
export const E_CRYPTO_POINT: i32 = -52; // invalid public key or curve point
export const E_CRYPTO_SIGNATURE: i32 = -53; // signature did not verify
export const E_CRYPTO_PARAM: i32 = -54; // invalid algorithm parameter (nonce or tag length)

// -60 .. -69: CoAP exchanges
export const E_COAP_RESET: i32 = -60; // the peer answered with a Reset message
export const E_COAP_BAD_OPTION: i32 = -61; // a response carries an unrecognized critical option
export const E_COAP_RESPONSE: i32 = -62; // the server answered with an error code (4.xx or 5.xx)
export const E_COAP_BLOCK: i32 = -63; // block-wise transfer broke RFC 7959 (wrong block number or size, 4.08)
export const E_COAP_URI: i32 = -64; // malformed or unsupported URI

// EDHOC, OSCORE, identity
export const E_EDHOC_ERROR: i32 = -70; // the EDHOC peer sent an error message or broke the handshake
export const E_EDHOC_CREDENTIAL: i32 = -71; // the EDHOC peer's credential is not the one provisioned
export const E_OSCORE_UNPROTECTED: i32 = -72; // the server answered without OSCORE protection
export const E_OSCORE_REPLAY: i32 = -73; // an OSCORE message replays one already accepted
export const E_IDENTITY: i32 = -74; // the key store lacks the identity this command needs (provision the device)

// EST
export const E_EST_RESPONSE: i32 = -80; // the EST server's answer is not what the request asked for
export const E_EST_CERT_KEY: i32 = -81; // the issued certificate does not carry the requested public key
export const E_EST_CHAIN: i32 = -82; // the certificate does not chain to a trust anchor
export const E_EST_REFUSED: i32 = -83; // the operation is refused by policy (e.g. server key generation with a good RNG)

/** Short, stable name of a status, for logs and --json output. Unknown codes give "E_?". */
export function statusName(code: i32): string {
  switch (code) {
    case OK: return "OK";
    case PENDING: return "PENDING";
    case E_INTERNAL: return "E_INTERNAL";
    case E_USAGE: return "E_USAGE";
    case E_UNKNOWN_COMMAND: return "E_UNKNOWN_COMMAND";
    case E_BUFFER_TOO_SMALL: return "E_BUFFER_TOO_SMALL";
    case E_BAD_POINTER: return "E_BAD_POINTER";
    case E_BUSY: return "E_BUSY";
    case E_NO_COMMAND: return "E_NO_COMMAND";
    case E_UNSUPPORTED: return "E_UNSUPPORTED";
    case E_RNG: return "E_RNG";
    case E_CANCELLED: return "E_CANCELLED";
    case E_STORE_NOT_FOUND: return "E_STORE_NOT_FOUND";
    case E_STORE_CORRUPT: return "E_STORE_CORRUPT";
    case E_STORE_FULL: return "E_STORE_FULL";
    case E_STORE_IO: return "E_STORE_IO";
    case E_STORE_ID: return "E_STORE_ID";
    case E_STORE_TOO_LARGE: return "E_STORE_TOO_LARGE";
    case E_NET_SEND: return "E_NET_SEND";
    case E_NET_ADDRESS: return "E_NET_ADDRESS";
    case E_NET_RESOLVE: return "E_NET_RESOLVE";
    case E_TIMEOUT: return "E_TIMEOUT";
    case E_NET_TOO_BIG: return "E_NET_TOO_BIG";
    case E_MALFORMED: return "E_MALFORMED";
    case E_TRUNCATED: return "E_TRUNCATED";
    case E_TOO_DEEP: return "E_TOO_DEEP";
    case E_NON_CANONICAL: return "E_NON_CANONICAL";
    case E_TRAILING: return "E_TRAILING";
    case E_LIMIT: return "E_LIMIT";
    case E_CRYPTO_AUTH: return "E_CRYPTO_AUTH";
    case E_CRYPTO_KEY: return "E_CRYPTO_KEY";
    case E_CRYPTO_POINT: return "E_CRYPTO_POINT";
    case E_CRYPTO_SIGNATURE: return "E_CRYPTO_SIGNATURE";
    case E_CRYPTO_PARAM: return "E_CRYPTO_PARAM";
    case E_COAP_RESET: return "E_COAP_RESET";
    case E_COAP_BAD_OPTION: return "E_COAP_BAD_OPTION";
    case E_COAP_RESPONSE: return "E_COAP_RESPONSE";
    case E_COAP_BLOCK: return "E_COAP_BLOCK";
    case E_COAP_URI: return "E_COAP_URI";
    case E_EDHOC_ERROR: return "E_EDHOC_ERROR";
    case E_EDHOC_CREDENTIAL: return "E_EDHOC_CREDENTIAL";
    case E_OSCORE_UNPROTECTED: return "E_OSCORE_UNPROTECTED";
    case E_OSCORE_REPLAY: return "E_OSCORE_REPLAY";
    case E_IDENTITY: return "E_IDENTITY";
    case E_EST_RESPONSE: return "E_EST_RESPONSE";
    case E_EST_CERT_KEY: return "E_EST_CERT_KEY";
    case E_EST_CHAIN: return "E_EST_CHAIN";
    case E_EST_REFUSED: return "E_EST_REFUSED";
  }
  return "E_?";
}
