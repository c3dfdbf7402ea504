// The module ABI, version 2: what a host (a board) provides to the module, and what the module exports.
//
// This file and host/include/est_abi.h describe the same contract; test/abi-sync.test.ts checks that their
// import names, signatures, export names and constants agree, and that build/client.wasm really has them.
//
// Rules of the boundary
// - Flat: integers and (pointer, length) pairs into the module's linear memory. Pointers are byte offsets.
// - Sans-I/O: no call blocks. The host starts a command, then feeds datagrams and timer expiries until the
//   command's status is no longer PENDING (see the exports below).
// - Every host function checks each (pointer, length) against linear memory before touching it and returns
//   E_BAD_POINTER (or, for the void `log`, ignores the call) instead of trapping.
// - Statuses are the codes of assembly/errors.ts: 0 ok, negative errors; functions that return a length
//   return it as a non-negative i32.
//
// Deliberately not here: threads, blocking reads, file systems, a heap shared with the host.

/** ABI version the module implements; the host refuses a module whose abi_version() differs. */
export const ABI_VERSION: u32 = 2;

// ---- Addresses -------------------------------------------------------------------------------------------
// A UDP endpoint crosses the boundary as bytes:
//   IPv4: [4][port hi][port lo][a b c d]                     (7 bytes)
//   IPv6: [6][port hi][port lo][16 address bytes]             (19 bytes)
//   IPv6 with scope: the 19 bytes followed by a u32 scope id (big-endian, 23 bytes)
export const ADDR_V4_LEN: i32 = 7;
export const ADDR_V6_LEN: i32 = 19;
export const ADDR_V6_SCOPED_LEN: i32 = 23;
export const ADDR_MAX_LEN: i32 = 23;
/** Where a received datagram's payload starts in io_buffer (the endpoint starts at offset 0). */
export const IO_PAYLOAD_OFFSET: i32 = 24;

// ---- Log levels ------------------------------------------------------------------------------------------
/** Diagnostics a command was asked for (e.g. `coap -v`): printed whatever the host's log level. */
export const LOG_ALWAYS: i32 = 0;
export const LOG_ERROR: i32 = 1;
export const LOG_WARN: i32 = 2;
export const LOG_INFO: i32 = 3;
export const LOG_DEBUG: i32 = 4;
export const LOG_TRACE: i32 = 5;

// ---- Key store -------------------------------------------------------------------------------------------
/** Largest record id a board must accept (ids 0..STORE_MAX_ID). */
export const STORE_MAX_ID: u32 = 0xffff;
/** Largest record a board must accept, in bytes. */
export const STORE_MAX_RECORD: i32 = 4096;

// ---- Imports: module "board" -----------------------------------------------------------------------------

/** Send one UDP datagram. addr: an encoded endpoint (above). Returns 0, E_NET_ADDRESS, E_NET_SEND,
 *  E_NET_TOO_BIG or E_BAD_POINTER. Fire and forget: success means handed to the network stack. */
@external("board", "udp_send")
export declare function udp_send(addr_ptr: usize, addr_len: i32, data_ptr: usize, data_len: i32): i32;

/** Resolve a host name (UTF-8, no NUL) to an encoded endpoint with the given port, written to out.
 *  Returns the endpoint length, E_NET_RESOLVE, E_BUFFER_TOO_SMALL, E_UNSUPPORTED or E_BAD_POINTER.
 *  IP literals must be accepted by every board; names only where the board has a resolver. */
@external("board", "udp_resolve")
export declare function udp_resolve(name_ptr: usize, name_len: i32, port: i32, out_ptr: usize, out_cap: i32): i32;

/** Fill len bytes with output of the board's entropy source. Returns 0, E_RNG or E_BAD_POINTER. */
@external("board", "rng_fill")
export declare function rng_fill(ptr: usize, len: i32): i32;

/** Read record `id` into out. Returns its length, E_STORE_NOT_FOUND, E_STORE_CORRUPT (checksum failed),
 *  E_BUFFER_TOO_SMALL (cap < length; nothing copied), E_STORE_ID, E_STORE_IO or E_BAD_POINTER. */
@external("board", "store_read")
export declare function store_read(id: u32, out_ptr: usize, out_cap: i32): i32;

/** Replace record `id` atomically: after a power cut the old or the new record is there, never a mix.
 *  Returns 0, E_STORE_FULL, E_STORE_TOO_LARGE, E_STORE_ID, E_STORE_IO or E_BAD_POINTER. */
@external("board", "store_write")
export declare function store_write(id: u32, ptr: usize, len: i32): i32;

/** Remove record `id` atomically. Removing an absent record succeeds. Returns 0, E_STORE_ID or E_STORE_IO. */
@external("board", "store_erase")
export declare function store_erase(id: u32): i32;

/** Monotonic clock in milliseconds since an arbitrary origin (never goes back, not wall time). */
@external("board", "clock_ms")
export declare function clock_ms(): i64;

/** Real (wall-clock) time in seconds since 1970-01-01T00:00:00Z (UTC), or E_UNSUPPORTED when the board does
 *  not know it (no real-time clock, or one not set yet). The module judges certificate dates by it, and by a
 *  last-known-good time in the key store where the board has none (pki/time.ts). */
@external("board", "real_time_s")
export declare function real_time_s(): i64;

/** Log one event record (base/diag.ts: a message id and its arguments) at a level (LOG_*). The host renders
 *  its text from the message table; the board decides where it goes and what it drops. */
@external("board", "log")
export declare function log(level: i32, ptr: usize, len: i32): void;

/** Read the next bytes of the command's input stream (on a desktop: the file named by the command's
 *  -f/--payload-file option; absent: empty). Returns the number of bytes read, 0 at the end, or E_BAD_POINTER. */
@external("board", "in_read")
export declare function in_read(ptr: usize, cap: i32): i32;

/** in_seek whence: from the start of the input stream, or from its end (offset <= 0). */
export const IN_SEEK_SET: i32 = 0;
export const IN_SEEK_END: i32 = 2;

/** Move the read position of the command's input stream to `offset` bytes from its start (IN_SEEK_SET) or its
 *  end (IN_SEEK_END: offset 0 gives the stream's size), so that the module can read a large input piece by
 *  piece and read a piece again. Returns the new position, E_UNSUPPORTED (a stream that cannot seek, e.g. a
 *  pipe; an absent input is an empty stream that can), E_USAGE (a position before the start, an unknown
 *  whence) or E_LIMIT (a position beyond 2^31 - 1). */
@external("board", "in_seek")
export declare function in_seek(offset: i32, whence: i32): i32;

/** Write command output (UTF-8 text or data, the board adds nothing): stdout on a desktop (or the file named
 *  by the command's -o/--out option), the console UART on a board. Returns 0 or E_BAD_POINTER. */
@external("board", "out")
export declare function out(ptr: usize, len: i32): i32;

/** Report a fatal module bug (the AssemblyScript abort) just before the module executes `unreachable`.
 *  message and file are UTF-8; the host prints "module panic: MESSAGE at FILE:LINE:COL". */
@external("board", "panic")
export declare function panic(msg_ptr: usize, msg_len: i32, file_ptr: usize, file_len: i32, line: i32, col: i32): void;

// ---- Exports (implemented in assembly/runtime.ts, re-exported by every entry file) ------------------------
//
// abi_version() -> u32                 ABI_VERSION.
// io_buffer() -> ptr                   A module-owned buffer the host writes inputs into.
// io_capacity() -> i32                 Its size in bytes.
// start(argv_len: i32) -> i32          Start a command. io_buffer holds argv: argv_len bytes of UTF-8
//                                      strings, each terminated by NUL (argv[0] is the command name).
//                                      Returns OK (done), PENDING (running) or an error.
// on_datagram(addr_len, data_len) -> i32
//                                      A datagram arrived: io_buffer holds the source endpoint (addr_len
//                                      bytes) at offset 0 and the payload (data_len bytes) at offset
//                                      IO_PAYLOAD_OFFSET. Returns the command's status, as start does. With no
//                                      command running: E_NO_COMMAND.
// on_timer() -> i32                    The clock reached next_deadline(). Returns the command's status.
// next_deadline() -> i64               Absolute clock_ms() time of the next timer, or -1 for none.
// cancel() -> i32                      Abort the running command; returns E_CANCELLED (or E_NO_COMMAND).
// last_error() -> i32                  Status of the last command that failed (0 if none).
// error_detail() -> ptr                The event record detailing the last error (base/diag.ts) ...
// error_detail_len() -> i32            ... and its length.
// result() -> ptr                      The result record of the last command (base/result.ts), once it ended ...
// result_len() -> i32                  ... and its length (0: the command wrote none).
// heap_top() -> u32                    Current end of allocated heap, for tests of allocation growth.
