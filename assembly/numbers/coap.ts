// CoAP numbers (IANA "CoRE Parameters" registries) used by the client, in one place, each with the
// document section that defines it; plus the option properties that RFC 7252 §5.4.6 derives from the number.
//
// Deliberately not here: options and formats the client never sends or interprets (they still pass
// through the codec as plain numbers), and any behaviour (the transport decides what to do with them).

// ---- Message types (RFC 7252 §3, 2-bit T field) -------------------------------------------------------------
export const COAP_CON: i32 = 0;
export const COAP_NON: i32 = 1;
export const COAP_ACK: i32 = 2;
export const COAP_RST: i32 = 3;

/** Protocol version carried in every header (RFC 7252 §3: Ver MUST be 1). */
export const COAP_VERSION: i32 = 1;
/** Marks the end of the options and the start of a non-empty payload (RFC 7252 §3). */
export const COAP_PAYLOAD_MARKER: i32 = 0xff;
/** Longest token (RFC 7252 §3: TKL 9-15 are reserved and a message format error). */
export const COAP_MAX_TOKEN: i32 = 8;

// ---- Codes: class << 5 | detail (RFC 7252 §3, §12.1) --------------------------------------------------------
/** Builds a code from its class (0-7) and detail (0-31), as written "c.dd". */
@inline export function coapCode(cls: i32, detail: i32): i32 { return (cls << 5) | detail; }
/** Class (c of c.dd) and detail (dd) of a code. */
@inline export function coapCodeClass(code: i32): i32 { return code >> 5; }
@inline export function coapCodeDetail(code: i32): i32 { return code & 31; }

export const COAP_EMPTY: i32 = 0x00; // 0.00 Empty message (RFC 7252 §4.1)
// Methods (RFC 7252 §12.1.1; FETCH, PATCH, iPATCH: RFC 8132 §2.1, §3.1)
export const COAP_GET: i32 = 0x01;
export const COAP_POST: i32 = 0x02;
export const COAP_PUT: i32 = 0x03;
export const COAP_DELETE: i32 = 0x04;
export const COAP_FETCH: i32 = 0x05;
export const COAP_PATCH: i32 = 0x06;
export const COAP_IPATCH: i32 = 0x07;
// Responses (RFC 7252 §12.1.2; 2.31, 4.08 and 4.13 semantics: RFC 7959 §2.9; 4.01 + Echo: RFC 9175 §2.4)
export const COAP_CREATED: i32 = 0x41; // 2.01
export const COAP_DELETED: i32 = 0x42; // 2.02
export const COAP_VALID: i32 = 0x43; // 2.03
export const COAP_CHANGED: i32 = 0x44; // 2.04
export const COAP_CONTENT: i32 = 0x45; // 2.05
export const COAP_CONTINUE: i32 = 0x5f; // 2.31 (RFC 7959 §2.9.1)
export const COAP_BAD_REQUEST: i32 = 0x80; // 4.00
export const COAP_UNAUTHORIZED: i32 = 0x81; // 4.01
export const COAP_BAD_OPTION: i32 = 0x82; // 4.02
export const COAP_FORBIDDEN: i32 = 0x83; // 4.03
export const COAP_NOT_FOUND: i32 = 0x84; // 4.04
export const COAP_METHOD_NOT_ALLOWED: i32 = 0x85; // 4.05
export const COAP_NOT_ACCEPTABLE: i32 = 0x86; // 4.06
export const COAP_REQUEST_ENTITY_INCOMPLETE: i32 = 0x88; // 4.08 (RFC 7959 §2.9.2)
export const COAP_PRECONDITION_FAILED: i32 = 0x8c; // 4.12
export const COAP_REQUEST_ENTITY_TOO_LARGE: i32 = 0x8d; // 4.13 (RFC 7959 §2.9.3)
export const COAP_UNSUPPORTED_CONTENT_FORMAT: i32 = 0x8f; // 4.15
export const COAP_INTERNAL_SERVER_ERROR: i32 = 0xa0; // 5.00
export const COAP_NOT_IMPLEMENTED: i32 = 0xa1; // 5.01
export const COAP_BAD_GATEWAY: i32 = 0xa2; // 5.02
export const COAP_SERVICE_UNAVAILABLE: i32 = 0xa3; // 5.03 (with Max-Age: retry later, RFC 9148 §5)
export const COAP_GATEWAY_TIMEOUT: i32 = 0xa4; // 5.04
export const COAP_PROXYING_NOT_SUPPORTED: i32 = 0xa5; // 5.05

// ---- Option numbers (RFC 7252 §5.10, §12.2 unless noted) ---------------------------------------------------
export const OPT_IF_MATCH: i32 = 1;
export const OPT_URI_HOST: i32 = 3;
export const OPT_ETAG: i32 = 4;
export const OPT_IF_NONE_MATCH: i32 = 5;
export const OPT_OBSERVE: i32 = 6; // RFC 7641 §2
export const OPT_URI_PORT: i32 = 7;
export const OPT_LOCATION_PATH: i32 = 8;
export const OPT_OSCORE: i32 = 9; // RFC 8613 §2
export const OPT_URI_PATH: i32 = 11;
export const OPT_CONTENT_FORMAT: i32 = 12;
export const OPT_MAX_AGE: i32 = 14;
export const OPT_URI_QUERY: i32 = 15;
export const OPT_HOP_LIMIT: i32 = 16; // RFC 8768 §3
export const OPT_ACCEPT: i32 = 17;
export const OPT_LOCATION_QUERY: i32 = 20;
export const OPT_EDHOC: i32 = 21; // RFC 9668 §3.1
export const OPT_BLOCK2: i32 = 23; // RFC 7959 §2.1
export const OPT_BLOCK1: i32 = 27; // RFC 7959 §2.1
export const OPT_SIZE2: i32 = 28; // RFC 7959 §4
export const OPT_PROXY_URI: i32 = 35;
export const OPT_PROXY_SCHEME: i32 = 39;
export const OPT_SIZE1: i32 = 60;
export const OPT_ECHO: i32 = 252; // RFC 9175 §2.2.1
export const OPT_NO_RESPONSE: i32 = 258; // RFC 7967 §2
export const OPT_REQUEST_TAG: i32 = 292; // RFC 9175 §3.2.1

/** Largest option number the 16-bit option number space allows (RFC 7252 §12.2). */
export const OPT_MAX_NUMBER: i32 = 65535;

// Option properties encoded in the number itself (RFC 7252 §5.4.6):
/** Critical options have an odd number; an unrecognized critical option in a request makes it 4.02 and in a
 *  response makes it rejected (RFC 7252 §5.4.1). */
@inline export function optIsCritical(n: i32): bool { return (n & 1) != 0; }
/** Unsafe-to-forward options have bit 1 set. */
@inline export function optIsUnsafe(n: i32): bool { return (n & 2) != 0; }
/** Safe-to-forward options with bits 2-4 all set are not part of the cache key (NoCacheKey). */
@inline export function optIsNoCacheKey(n: i32): bool { return (n & 0x1e) == 0x1c; }

/** True for the options this client understands (sends, or interprets in responses). A critical option not
 *  in this list must make the transport reject the message (RFC 7252 §5.4.1). */
export function optIsKnown(n: i32): bool {
  switch (n) {
    case OPT_IF_MATCH: case OPT_URI_HOST: case OPT_ETAG: case OPT_IF_NONE_MATCH: case OPT_OBSERVE:
    case OPT_URI_PORT: case OPT_LOCATION_PATH: case OPT_OSCORE: case OPT_URI_PATH: case OPT_CONTENT_FORMAT:
    case OPT_MAX_AGE: case OPT_URI_QUERY: case OPT_HOP_LIMIT: case OPT_ACCEPT: case OPT_LOCATION_QUERY:
    case OPT_EDHOC: case OPT_BLOCK2: case OPT_BLOCK1: case OPT_SIZE2: case OPT_PROXY_URI:
    case OPT_PROXY_SCHEME: case OPT_SIZE1: case OPT_ECHO: case OPT_NO_RESPONSE: case OPT_REQUEST_TAG:
      return true;
  }
  return false;
}

/** Default Max-Age in seconds when the option is absent (RFC 7252 §5.10.5). */
export const COAP_DEFAULT_MAX_AGE: u32 = 60;
/** Default ports (RFC 7252 §6.1, §6.2). */
export const COAP_PORT: i32 = 5683;
export const COAPS_PORT: i32 = 5684;

// ---- Block-wise transfer (RFC 7959 §2.2) ---------------------------------------------------------------------
/** SZX 7 is reserved (BERT over reliable transports only, RFC 8323 §6); over UDP it is an error. */
export const BLOCK_SZX_RESERVED: i32 = 7;
/** Largest block number the 3-byte option value allows (20 bits). */
export const BLOCK_MAX_NUM: u32 = 0xfffff;

// ---- Content-Formats (IANA "CoAP Content-Formats") ----------------------------------------------------------
export const CF_TEXT_PLAIN: i32 = 0; // text/plain;charset=utf-8 (RFC 7252 §12.3)
export const CF_LINK_FORMAT: i32 = 40; // application/link-format (RFC 7252 §12.3, RFC 6690 §7.3)
export const CF_OCTET_STREAM: i32 = 42; // application/octet-stream (RFC 7252 §12.3)
export const CF_JSON: i32 = 50; // application/json (RFC 7252 §12.3)
export const CF_CBOR: i32 = 60; // application/cbor (RFC 8949 §9, IANA)
export const CF_MULTIPART_CORE: i32 = 62; // application/multipart-core (RFC 8710 §6, IANA)
export const CF_CBOR_SEQ: i32 = 63; // application/cbor-seq (RFC 8742 §6, IANA)
export const CF_EDHOC_CBOR_SEQ: i32 = 64; // application/edhoc+cbor-seq (RFC 9528 §10, IANA)
export const CF_CID_EDHOC_CBOR_SEQ: i32 = 65; // application/cid-edhoc+cbor-seq (RFC 9528 §10, IANA)
// EST over CoAP (RFC 9148 §8, IANA)
export const CF_PKCS7_SERVER_GENERATED_KEY: i32 = 280; // application/pkcs7-mime; smime-type=server-generated-key
export const CF_PKCS7_CERTS_ONLY: i32 = 281; // application/pkcs7-mime; smime-type=certs-only
export const CF_CMC_REQUEST: i32 = 282; // application/pkcs7-mime; smime-type=CMC-request (unused by EST-oscore)
export const CF_CMC_RESPONSE: i32 = 283; // application/pkcs7-mime; smime-type=CMC-response (unused)
export const CF_PKCS8: i32 = 284; // application/pkcs8
export const CF_CSRATTRS: i32 = 285; // application/csrattrs
export const CF_PKCS10: i32 = 286; // application/pkcs10
export const CF_PKIX_CERT: i32 = 287; // application/pkix-cert
// C509 (EST-oscore draft -11 §5.2.2, the C509 draft's "CoAP Content-Formats"): no numbers assigned yet, the
// drafts say TBDn. Defaults from the experimental range (RFC 7252 §12.3), 65000 + n for TBDn, the same as the
// server's (tools/server/formats.ts; test/c509-enroll.test.ts keeps them equal); `enroll --cf NAME=N` sets others.
export const CF_C509_CERT_DEFAULT: i32 = 65003; // application/cose-c509-cert, a COSE_C509 (TBD3)
export const CF_C509_PKCS10_DEFAULT: i32 = 65004; // application/cose-c509-pkcs10 (TBD4)
export const CF_C509_CERT_CHAIN_DEFAULT: i32 = 65015; // application/cose-c509-cert;usage=chain (TBD15): a c5u's target
export const CF_CERTHASH_C509_DEFAULT: i32 = 65017; // application/cose-certhash;usage=c509 (TBD17): a c5t

// ---- Well-known resources and resource types ----------------------------------------------------------------
// Listed here, not declared: a string constant in this file costs its bytes of static data in every module
// that imports the file (measured: ~260 bytes for these five), whether it is used or not. Declare them where
// they are sent.
//   /.well-known/core    resource discovery (RFC 6690 §4)
//   /.well-known/est     EST-coaps root (RFC 9148 §4.1); resource types ace.est.crts, ace.est.sen,
//                        ace.est.sren, ace.est.skg, ace.est.skc, ace.est.att (RFC 9148 §8)
//   /.well-known/edhoc   EDHOC resource, resource type core.edhoc (RFC 9528 Appendix A.2, registered in §10)
