// EDHOC error messages (RFC 9528 §6): error = (ERR_CODE: int, ERR_INFO: any). The device builds code 1 (an
// unspecified error with a short diagnostic) when it refuses message_2, and reads what a Responder sends:
// code 1 with its diagnostic, code 2 with SUITES_R (wrong selected cipher suite, §6.3), code 3 (unknown
// credential referenced, §6.4).
//
// Deliberately not here: sending or receiving (session code in channel.ts), what the device does next.

import { OK, E_EDHOC_ERROR, E_LIMIT } from "../base/errors";
import { fail, failWith } from "../base/diag";
import { M_EDHOC_ERROR_MALFORMED, M_EDHOC_ERROR_1, M_EDHOC_ERROR_2, M_EDHOC_ERROR_3, M_EDHOC_ERROR_OTHER } from "../base/msg";
import { EDHOC_ERR_UNSPECIFIED, EDHOC_ERR_WRONG_SUITE, EDHOC_ERR_UNKNOWN_CREDENTIAL } from "../numbers/edhoc";
import { CborReader, MT_ARRAY } from "../cbor/decode";

/** One reader for every error message: a `new` per call would never be freed (stub runtime) and would grow
 *  the module's memory with every error message (found by the edhoc_err fuzz target). */
const reader = new CborReader();
/** The diagnostic the device sends: "message_2 refused (status -NN)". */
const REFUSED: StaticArray<u8> = [0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x5f, 0x32, 0x20, 0x72, 0x65, 0x66, 0x75, 0x73, 0x65, 0x64];

/** An EDHOC error message code 1 into out after `prefix` (C_R's wire form, Appendix A.2): "message_2 refused
 *  (status -NN)". Returns its length or E_LIMIT. */
export function edhocErrorRefusal(out: usize, cap: i32, prefix: usize, prefixLen: i32, status: i32): i32 {
  if (prefixLen + 48 > cap) return E_LIMIT;
  memory.copy(out, prefix, <usize>prefixLen);
  let o = prefixLen;
  store<u8>(out + <usize>(o++), <u8>EDHOC_ERR_UNSPECIFIED);
  const head = o++;
  for (let i = 0; i < REFUSED.length; i++) store<u8>(out + <usize>(o++), REFUSED[i]);
  const tail = " (status ";
  for (let i = 0; i < tail.length; i++) store<u8>(out + <usize>(o++), <u8>tail.charCodeAt(i));
  let v = status < 0 ? -status : status;
  if (status < 0) store<u8>(out + <usize>(o++), 0x2d);
  let div = 1;
  while (v / div >= 10) div *= 10;
  while (div > 0) { store<u8>(out + <usize>(o++), <u8>(0x30 + (v / div) % 10)); div /= 10; }
  store<u8>(out + <usize>(o++), 0x29);
  store<u8>(out + <usize>head, <u8>(0x60 + (o - head - 1))); // tstr head (< 24 bytes)
  return o;
}

/** Whether an EDHOC error message is code 2 with SUITES_R (an int or an array) containing `suite`. */
export function edhocErrorOffers(p: usize, n: i32, suite: i32): bool {
  const r = reader;
  r.reset(p, n, false);
  if (r.readInt() != OK || r.value != EDHOC_ERR_WRONG_SUITE) return false;
  if (r.peekType() == MT_ARRAY) {
    if (r.enterArray() != OK) return false;
    const k = r.count;
    for (let i = 0; i < k; i++) { if (r.readInt() != OK) return false; if (<i32>r.value == suite) return true; }
    return false;
  }
  return r.readInt() == OK && <i32>r.value == suite;
}

/** The ERR_CODE of an error message, or -1 when it does not start with an integer. */
export function edhocErrorCode(p: usize, n: i32): i32 {
  reader.reset(p, n, false);
  return reader.readInt(-65536, 65535) == OK ? <i32>reader.value : -1;
}

/** Report an error message from the Responder as the failure of the command: E_EDHOC_ERROR with the code and
 *  what it carries (the diagnostic of code 1, the suites of code 2). */
export function edhocErrorReport(p: usize, n: i32): i32 {
  const r = reader;
  r.reset(p, n, false);
  if (r.readInt(-65536, 65535) != OK) return fail(E_EDHOC_ERROR, M_EDHOC_ERROR_MALFORMED);
  const code = <i32>r.value;
  if (code == EDHOC_ERR_UNSPECIFIED) {
    if (r.readTstr() == OK) return failWith(E_EDHOC_ERROR, M_EDHOC_ERROR_1).bytes(r.ptr, r.size < 120 ? r.size : 120).ret();
    return failWith(E_EDHOC_ERROR, M_EDHOC_ERROR_1).bytes(0, 0).ret();
  }
  if (code == EDHOC_ERR_WRONG_SUITE) {
    // The suites as a list of integers (an int or an array of them).
    const e = failWith(E_EDHOC_ERROR, M_EDHOC_ERROR_2);
    const suites = memory.data(16, 4);
    let k = 0;
    if (r.peekType() == MT_ARRAY) {
      if (r.enterArray() == OK) {
        const c = r.count;
        for (let i = 0; i < c && k < 16 && r.readInt(0, 255) == OK; i++) store<u8>(suites + <usize>(k++), <u8>r.value);
      }
    } else if (r.readInt(0, 255) == OK) store<u8>(suites + <usize>(k++), <u8>r.value);
    return e.bytes(suites, k).ret();
  }
  if (code == EDHOC_ERR_UNKNOWN_CREDENTIAL) return fail(E_EDHOC_ERROR, M_EDHOC_ERROR_3);
  return failWith(E_EDHOC_ERROR, M_EDHOC_ERROR_OTHER).int(code).ret();
}
