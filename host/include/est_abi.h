/*
 * est_abi.h - the module ABI, version 2, as seen from C.
 *
 * The WebAssembly module (build/client.wasm) imports the functions listed in EST_ABI_IMPORTS from the import
 * module "board" and exports the functions listed in EST_ABI_EXPORTS. assembly/base/abi.ts describes the same
 * contract from the module's side; test/abi-sync.test.ts checks that the two files and the built module agree
 * (names, signatures, status codes, constants). Change both files together.
 *
 * Rules of the boundary:
 *  - Integers and (pointer, length) pairs into linear memory only; pointers are byte offsets (u32).
 *  - Sans-I/O: the host calls start(), then on_datagram()/on_timer() until the status is not EST_PENDING.
 *  - Every host function checks each (pointer, length) against linear memory first and returns
 *    EST_E_BAD_POINTER instead of trapping (the void functions log and panic ignore bad ranges).
 *  - After linking, the host calls the export "_start" once, before anything else.
 */
#ifndef EST_ABI_H
#define EST_ABI_H

#include <stddef.h>
#include <stdint.h>

#define EST_ABI_VERSION 2u
#define EST_ABI_IMPORT_MODULE "board"

/* ---- Addresses (see assembly/base/abi.ts) --------------------------------------------------------------------
 * IPv4: [4][port hi][port lo][a b c d]; IPv6: [6][port hi][port lo][16 bytes]; IPv6 scoped: + u32 scope BE. */
#define EST_ADDR_V4_LEN 7
#define EST_ADDR_V6_LEN 19
#define EST_ADDR_V6_SCOPED_LEN 23
#define EST_ADDR_MAX_LEN 23
#define EST_IO_PAYLOAD_OFFSET 24 /* a received payload starts here in io_buffer; the endpoint at 0 */

/* ---- Log levels ------------------------------------------------------------------------------------- */
#define EST_LOG_ALWAYS 0 /* diagnostics a command was asked for (e.g. coap -v): printed at any host log level */
#define EST_LOG_ERROR 1
#define EST_LOG_WARN 2
#define EST_LOG_INFO 3
#define EST_LOG_DEBUG 4
#define EST_LOG_TRACE 5

/* ---- Key store ------------------------------------------------------------------------------------- */
#define EST_STORE_MAX_ID 0xffffu   /* record ids 0..EST_STORE_MAX_ID */
#define EST_STORE_MAX_RECORD 4096  /* largest record every board must accept, bytes */

/* ---- Input stream (in_seek whence) ------------------------------------------------------------------ */
#define EST_IN_SEEK_SET 0 /* offset from the start of the stream */
#define EST_IN_SEEK_END 2 /* offset (<= 0) from its end */

/* ---- Status codes (assembly/base/errors.ts) ----------------------------------------------------------------
 * 0 ok, 1 still running, negative: an error. The numbers are part of the ABI. */
#define EST_OK 0
#define EST_PENDING 1
#define EST_E_INTERNAL (-1)
#define EST_E_USAGE (-2)
#define EST_E_UNKNOWN_COMMAND (-3)
#define EST_E_BUFFER_TOO_SMALL (-4)
#define EST_E_BAD_POINTER (-5)
#define EST_E_BUSY (-6)
#define EST_E_NO_COMMAND (-7)
#define EST_E_UNSUPPORTED (-8)
#define EST_E_RNG (-9)
#define EST_E_CANCELLED (-10)
#define EST_E_STORE_NOT_FOUND (-20)
#define EST_E_STORE_CORRUPT (-21)
#define EST_E_STORE_FULL (-22)
#define EST_E_STORE_IO (-23)
#define EST_E_STORE_ID (-24)
#define EST_E_STORE_TOO_LARGE (-25)
#define EST_E_NET_SEND (-30)
#define EST_E_NET_ADDRESS (-31)
#define EST_E_NET_RESOLVE (-32)
#define EST_E_TIMEOUT (-33)
#define EST_E_NET_TOO_BIG (-34)
#define EST_E_MALFORMED (-40)
#define EST_E_TRUNCATED (-41)
#define EST_E_TOO_DEEP (-42)
#define EST_E_NON_CANONICAL (-43)
#define EST_E_TRAILING (-44)
#define EST_E_LIMIT (-45)
#define EST_E_CRYPTO_AUTH (-50)
#define EST_E_CRYPTO_KEY (-51)
#define EST_E_CRYPTO_POINT (-52)
#define EST_E_CRYPTO_SIGNATURE (-53)
#define EST_E_CRYPTO_PARAM (-54)
#define EST_E_COAP_RESET (-60)
#define EST_E_COAP_BAD_OPTION (-61)
#define EST_E_COAP_RESPONSE (-62)
#define EST_E_COAP_BLOCK (-63)
#define EST_E_COAP_URI (-64)
#define EST_E_EDHOC_ERROR (-70)
#define EST_E_EDHOC_CREDENTIAL (-71)
#define EST_E_OSCORE_UNPROTECTED (-72)
#define EST_E_OSCORE_REPLAY (-73)
#define EST_E_IDENTITY (-74)
#define EST_E_EST_RESPONSE (-80)
#define EST_E_EST_CERT_KEY (-81)
#define EST_E_EST_CHAIN (-82)
#define EST_E_EST_REFUSED (-83)

/* ---- Imports: module "board" -------------------------------------------------------------------------
 * X(name, wasm3 signature, C prototype comment). Signature letters: i = i32, I = i64, v = void.
 *
 * udp_send(addr_ptr, addr_len, data_ptr, data_len) -> status
 *     Send one datagram to an encoded endpoint. Fire and forget.
 * udp_resolve(name_ptr, name_len, port, out_ptr, out_cap) -> endpoint length | status
 *     Resolve a host name or IP literal (UTF-8) to an encoded endpoint with the given port.
 * rng_fill(ptr, len) -> status
 *     Fill with bytes from the board's entropy source.
 * store_read(id, out_ptr, out_cap) -> record length | status
 *     EST_E_STORE_NOT_FOUND, EST_E_STORE_CORRUPT (checksum), EST_E_BUFFER_TOO_SMALL (nothing copied).
 * store_write(id, ptr, len) -> status
 *     Replace a record atomically (old or new after a power cut, never a mix).
 * store_erase(id) -> status
 *     Remove a record atomically; an absent record is not an error.
 * clock_ms() -> i64
 *     Monotonic milliseconds from an arbitrary origin.
 * real_time_s() -> i64
 *     Real time in seconds since 1970-01-01T00:00:00Z, or EST_E_UNSUPPORTED when the board does not know it.
 * log(level, ptr, len)
 *     One UTF-8 log message without newline.
 * in_read(ptr, cap) -> bytes read | status
 *     The command's input stream (desktop: the file of the command's -f/--payload-file option); 0 at the end.
 * in_seek(offset, whence) -> new position | status
 *     Move the input stream's read position to offset from its start (EST_IN_SEEK_SET) or its end
 *     (EST_IN_SEEK_END; offset 0 gives the size). EST_E_UNSUPPORTED for a stream that cannot seek (a pipe;
 *     an absent input is an empty stream that can), EST_E_USAGE for a position before the start or an unknown
 *     whence, EST_E_LIMIT for a position beyond 2^31 - 1.
 * out(ptr, len) -> status
 *     Command output (stdout, or the file of the command's -o/--out option; console), passed through unchanged.
 * panic(msg_ptr, msg_len, file_ptr, file_len, line, col)
 *     The module hit a bug and executes `unreachable` next; the host reports message and location.
 */
#define EST_ABI_IMPORTS(X)                         \
  X(udp_send, "i(iiii)")                           \
  X(udp_resolve, "i(iiiii)")                       \
  X(rng_fill, "i(ii)")                             \
  X(store_read, "i(iii)")                          \
  X(store_write, "i(iii)")                         \
  X(store_erase, "i(i)")                           \
  X(clock_ms, "I()")                               \
  X(real_time_s, "I()")                            \
  X(log, "v(iii)")                                 \
  X(in_read, "i(ii)")                              \
  X(in_seek, "i(ii)")                              \
  X(out, "i(ii)")                                  \
  X(panic, "v(iiiiii)")

/* ---- Exports --------------------------------------------------------------------------------------------
 * _start()                           run module initialisation (once, after linking)
 * abi_version() -> i32               must equal EST_ABI_VERSION
 * io_buffer() -> ptr                 module-owned input buffer; io_capacity() -> its size
 * start(argv_len) -> status          io_buffer holds argv as NUL-terminated UTF-8 strings
 * on_datagram(addr_len, data_len) -> status
 *                                    io_buffer holds the endpoint at 0, the payload at EST_IO_PAYLOAD_OFFSET
 * on_timer() -> status               the clock reached next_deadline()
 * next_deadline() -> i64             absolute clock_ms() of the next timer, -1 when none
 * cancel() -> status                 abort the running command (EST_E_CANCELLED)
 * last_error() -> status             error of the last failed command, 0 when none
 * error_detail() -> ptr, error_detail_len() -> i32
 *                                    the event record detailing the last error (est_render_event)
 * result() -> ptr, result_len() -> i32
 *                                    the result record of the last command, 0 bytes when it wrote none
 * heap_top() -> i32                  current end of the module's heap (for allocation tests)
 */
#define EST_ABI_EXPORTS(X)                         \
  X(_start, "v()")                                 \
  X(abi_version, "i()")                            \
  X(io_buffer, "i()")                              \
  X(io_capacity, "i()")                            \
  X(start, "i(i)")                                 \
  X(on_datagram, "i(ii)")                          \
  X(on_timer, "i()")                               \
  X(next_deadline, "I()")                          \
  X(cancel, "i()")                                 \
  X(last_error, "i()")                             \
  X(error_detail, "i()")                           \
  X(error_detail_len, "i()")                       \
  X(result, "i()")                                 \
  X(result_len, "i()")                             \
  X(heap_top, "i()")

/* ---- Event records (assembly/base/diag.ts) ---------------------------------------------------------------
 * A failure's detail and every log line leave the module as u16 message id (little-endian) followed by one
 * field per placeholder of the message's text: {d} {c} {e} {k} an i64 LE; {x} {s} {l} {m} a u16 LE length and
 * the bytes. The texts come from assembly/base/messages.txt (host/est_messages.c is generated from it). */
typedef struct {
  uint16_t id;
  uint16_t text; /* offset of its text in est_message_texts */
} est_message_t;
/* in id order; built with EST_MESSAGES_DEVICE_ONLY (the Cortex-M boards), without the messages only the
 * simulator's module (build/sim.wasm) emits, which a board would print as their numbers */
extern const est_message_t est_messages[];
extern const uint32_t est_messages_count;
/* The texts, NUL-terminated and byte-pair coded for a board's flash: a byte no text holds (0x80-0xff, then
 * 0x01-0x1f, then 0x7f: the i-th of them) stands for the two bytes of est_message_pairs[i], each a plain byte
 * or a code again. Placeholders are never coded. est_render_event() expands them. */
extern const char est_message_texts[];
extern const uint8_t est_message_pairs[][2];
extern const uint32_t est_message_pair_count;
/* The renderer's stack for expanding one code; tools/gen-messages.ts reads it here and checks every text. */
#define EST_MESSAGE_CODE_DEPTH 32

/* ---- Result records (assembly/base/result.ts) --------------------------------------------------------------
 * Items u8 tag | u16 LE length | value (LE numbers); a reference is u32 offset | u32 length in linear memory. */
#define EST_RESULT_COMMAND 1
#define EST_RESULT_STATUS 2
#define EST_RESULT_FLAGS 3
#define EST_RESULT_RESOURCE 4
#define EST_RESULT_EDHOC_SIZES 5
#define EST_RESULT_CSR_BYTES 6
#define EST_RESULT_PHASE 7
#define EST_RESULT_CERT 8
#define EST_RESULT_CA 9
#define EST_RESULT_NOT_AFTER 10
#define EST_RESULT_SUBJECT 11
#define EST_RESULT_CERT_FORMAT 12
#define EST_RESULT_RENEW_AT 13
#define EST_RESULT_NOT_BEFORE 14
#define EST_RESULT_KEY_ID 15
#define EST_RESULT_CMD_ENROLL 1
#define EST_RESULT_CMD_STATUS 2
#define EST_RESULT_FLAG_JSON 1u
#define EST_RESULT_FLAG_EDHOC 2u
#define EST_RESULT_FLAG_COMBINED 4u
#define EST_RESULT_FLAG_ENROLLED 8u
#define EST_RESULT_FLAG_MAINTAIN 16u
#define EST_RESULT_FLAG_EXPIRED 32u
#define EST_RESULT_FLAG_DUE 64u
#define EST_RESULT_RES_SEN 1
#define EST_RESULT_RES_SREN 2
#define EST_RESULT_RES_SKG 3
#define EST_RESULT_RES_SKC 4
#define EST_RESULT_PHASE_EDHOC 1
#define EST_RESULT_PHASE_ATT 2
#define EST_RESULT_PHASE_CRTS 3
#define EST_RESULT_PHASE_SEN 4
#define EST_RESULT_PHASE_SREN 5
#define EST_RESULT_PHASE_SKG 6
#define EST_RESULT_PHASE_SKC 7

/** Stable name of a status code ("EST_E_STORE_FULL" -> "E_STORE_FULL"), or "E_?" for an unknown one. */
const char *est_status_name(int32_t status);

/** Render an event record as text into out (always NUL-terminated; cut at cap). Returns the text's length. */
size_t est_render_event(const uint8_t *rec, size_t len, char *out, size_t cap);

/** A DER Name as text ("CN=x, O=y"; hex when it does not parse) into out (NUL-terminated, cut at cap).
 *  Returns the text's length. */
size_t est_render_name(const uint8_t *der, size_t n, char *out, size_t cap);
/** Seconds since 1970 as ISO 8601 UTC ("2027-11-22T12:22:48Z") into out (NUL-terminated, cut at cap). */
void est_render_time(int64_t t, char *out, size_t cap);

/** Where a rendered report goes: the command output (text or JSON) and log lines (at EST_LOG_ALWAYS). */
typedef struct {
  void (*out)(void *ctx, const char *text, size_t len);
  void (*log)(void *ctx, const char *line, size_t len);
  void *ctx;
} est_report_sink_t;

/** Render a result record whose references point into mem (mem_size bytes): the report of a device command,
 *  as text lines and PEM, or as one JSON object (the record's JSON flag). detail is the failure's rendered
 *  detail (NUL-terminated; "" on success). The same text as host/node/render.ts. */
void est_render_result(const uint8_t *rec, size_t len, const uint8_t *mem, size_t mem_size, const char *detail,
                       const est_report_sink_t *sink);

#endif /* EST_ABI_H */
