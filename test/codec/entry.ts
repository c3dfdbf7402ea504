// Codec test module (build/codec-test.wasm): exposes the CBOR codec, the CoAP message codec and the
// link-format parser as commands, so tests drive them through both hosts exactly as the client would run
// them. Not part of the product.
//
// Commands:
//   cbor-decode HEX [--strict]   diagnostic notation of the item(s) (see cbor-tools.ts), or fails with the status
//   cbor-reencode HEX            deterministic re-encoding, as hex
//   coap-parse HEX               JSON {type, code, mid, token, options:[{n, hex}], payload}
//   coap-build JSON              hex of a message built from a flat JSON description (see coap-tools.ts)
//   link-parse TEXT              JSON list of the links in a link-format document
//   arena-trip                   the arena's owner tag (assembly/base/arena.ts) tripped on purpose: one line per
//                                step (a take by a second owner refused with the failure it records, the holder's
//                                bytes intact; a release by a non-holder ignored; the holder's release wipes)
//   vector JSON                  one JSON line per request, for `est-sim vectors`: ops cbor_decode, cbor_check,
//                                cbor_reencode, cbor_wrap, coap_parse, coap_parse_body, coap_info, coap_build, block_decode, block_encode,
//                                link_parse, link_find (see vectorOp and the *-tools.ts files)

import "../../assembly/crypto/soft"; // the module's own crypto provider (crypto/index.ts)
import { OK, E_USAGE, E_UNKNOWN_COMMAND, statusName } from "../../assembly/base/errors";
import { registerCommands, argc, argIs, argPtr, argLen, argHex } from "../../assembly/app/runtime";
import { output, flushOut } from "../../assembly/app/output";
import { fail } from "../common/text";
import { failBytes } from "../common/text";
import { jsonParse, jsonPtr, jsonIs, jsonHex, jsonInt } from "../../assembly/app/json";
import { CborReader } from "../../assembly/cbor/decode";
import { cborWrapBstr } from "../../assembly/cbor/encode";
import { diagSequence, reencodeItem } from "./cbor-tools";
import { text, outBuf, OUT_CAP, refused, textOut } from "./common";
import { coapParseJson, coapBuildFromJson, coapInfoOp, blockOp, blockEncodeOp } from "./coap-tools";
import { linkParseJson, linkFindOp } from "./link-tools";
import { arenaTake, arenaRelease, arenaOwner, ARENA_FREE, ARENA_HANDSHAKE, ARENA_ENROLLMENT } from "../../assembly/base/arena";
import { ARENA_CAPACITY } from "../../assembly/base/config";
import { lastStatus, clearFailure } from "../../assembly/base/diag";

export {
  abi_version, io_buffer, io_capacity, start, on_datagram, on_timer, next_deadline, cancel,
  last_error, error_detail, error_detail_len, result, result_len, heap_top,
} from "../../assembly/app/runtime";

const INPUT_CAP: i32 = 2048;
const input = memory.data(INPUT_CAP, 16);
const reader = new CborReader();

function cborDecode(vector: bool, p: usize, n: i32, strict: bool): i32 {
  reader.reset(p, n, strict);
  text.reset();
  const st = diagSequence(reader, text);
  if (st < 0) return refused(vector, st);
  return textOut(vector, "diag");
}

/** Re-encode every item of the sequence; cap limits the output (a canary byte after it must survive). */
function cborReencode(vector: bool, p: usize, n: i32, cap: i32): i32 {
  reader.reset(p, n, false);
  store<u8>(outBuf + <usize>cap, 0xa5);
  let off = 0;
  while (!reader.atEnd()) {
    off = reencodeItem(reader, outBuf, cap, off, 0);
    if (off < 0) break;
  }
  const canary = load<u8>(outBuf + <usize>cap) == 0xa5;
  if (off < 0) {
    if (!vector) return fail(off, statusName(off));
    output.str("{\"error\":\"").str(statusName(off)).str("\",\"canary\":").str(canary ? "true" : "false").str("}\n");
    flushOut();
    return OK;
  }
  if (vector) output.str("{\"out\":\"").hex(outBuf, off).str("\",\"canary\":").str(canary ? "true" : "false").str("}\n");
  else output.hex(outBuf, off).byte(0x0a);
  flushOut();
  return OK;
}

/** Skip every item with CborReader.skip (the other walk of the decoder): {"items":N} or the status. */
function cborCheck(p: usize, n: i32, strict: bool): i32 {
  reader.reset(p, n, strict);
  let items = 0;
  while (!reader.atEnd()) {
    const st = reader.skip();
    if (st < 0) return refused(true, st);
    items++;
  }
  output.str("{\"items\":").dec(items).str("}\n");
  flushOut();
  return OK;
}

/** The first n bytes of outBuf wrapped as one byte string in place (cborWrapBstr): {"out","canary"}. */
function cborWrapOut(cap: i32, n: i32): i32 {
  store<u8>(outBuf + <usize>cap, 0xa5);
  const end = cborWrapBstr(outBuf, cap, 0, n);
  const canary = load<u8>(outBuf + <usize>cap) == 0xa5;
  if (end < 0) output.str("{\"error\":\"").str(statusName(end)).str("\",\"canary\":");
  else output.str("{\"out\":\"").hex(outBuf, end).str("\",\"canary\":");
  output.str(canary ? "true" : "false").str("}\n");
  flushOut();
  return OK;
}

function vectorOp(): i32 {
  if (argc() != 2) return fail(E_USAGE, "usage: vector JSON");
  let st = jsonParse(argPtr(1), argLen(1));
  if (st != OK) return st;
  if (jsonPtr("op") == 0) return fail(E_USAGE, "missing field: op");
  const strict = jsonInt("strict") == 1;
  if (jsonIs("op", "cbor_decode") || jsonIs("op", "cbor_check") || jsonIs("op", "cbor_reencode") ||
      jsonIs("op", "coap_parse") || jsonIs("op", "coap_parse_body") || jsonIs("op", "cbor_wrap") || jsonIs("op", "coap_info") || jsonIs("op", "block_decode") || jsonIs("op", "link_parse") ||
      jsonIs("op", "link_find")) {
    const n = jsonHex("hex", INPUT_CAP);
    if (n < 0) return n;
    const p = jsonPtr("hex");
    if (jsonIs("op", "cbor_decode")) return cborDecode(true, p, n, strict);
    if (jsonIs("op", "cbor_check")) return cborCheck(p, n, strict);
    if (jsonIs("op", "cbor_reencode")) {
      let cap = jsonInt("cap");
      if (cap < 0 || cap > OUT_CAP) cap = OUT_CAP;
      return cborReencode(true, p, n, cap);
    }
    if (jsonIs("op", "coap_parse")) return coapParseJson(true, p, n);
    if (jsonIs("op", "coap_parse_body")) return coapParseJson(true, p, n, true);
    if (jsonIs("op", "cbor_wrap")) {
      let cap = jsonInt("cap");
      if (cap < 0 || cap > OUT_CAP) cap = OUT_CAP;
      if (n > cap) return refused(true, E_USAGE);
      memory.copy(outBuf, p, <usize>n);
      return cborWrapOut(cap, n);
    }
    if (jsonIs("op", "coap_info")) return coapInfoOp(p, n);
    if (jsonIs("op", "block_decode")) return blockOp(p, n);
    if (jsonIs("op", "link_parse")) return linkParseJson(true, p, n);
    return linkFindOp(p, n);
  }
  if (jsonIs("op", "coap_build")) return coapBuildFromJson(true);
  if (jsonIs("op", "block_encode")) return blockEncodeOp();
  fail(E_UNKNOWN_COMMAND, "unknown op");
  return E_UNKNOWN_COMMAND;
}

function hexArg(i: i32): i32 {
  const n = argHex(i, input, INPUT_CAP);
  if (n < 0) return fail(E_USAGE, "argument is not hex (or longer than 2048 bytes)");
  return n;
}

/** `arena-trip`: the handshake takes the arena and marks it; the enrollment's take is refused (0, E_INTERNAL
 *  recorded) and the mark survives; the enrollment's release does nothing; the handshake may take it again; its
 *  release wipes the whole arena and frees it, after which the enrollment gets it. */
function arenaTrip(): i32 {
  const a = arenaTake(ARENA_HANDSHAKE);
  memory.fill(a, 0xa5, ARENA_CAPACITY);
  output.str("take handshake: ").str(a != 0 ? "ok" : "refused").byte(0x0a);
  clearFailure();
  const b = arenaTake(ARENA_ENROLLMENT);
  output.str("take enrollment while the handshake holds it: ").str(b == 0 ? "refused " : "GIVEN ").str(statusName(lastStatus())).byte(0x0a);
  clearFailure();
  arenaRelease(ARENA_ENROLLMENT);
  output.str("release by the enrollment: owner ").dec(arenaOwner()).str(", mark ").str(load<u8>(a + <usize>(ARENA_CAPACITY - 1)) == 0xa5 ? "intact" : "LOST").byte(0x0a);
  output.str("take handshake again: ").str(arenaTake(ARENA_HANDSHAKE) == a ? "ok" : "refused").byte(0x0a);
  arenaRelease(ARENA_HANDSHAKE);
  let zero = true;
  for (let i = 0; i < ARENA_CAPACITY; i++) if (load<u8>(a + <usize>i) != 0) { zero = false; break; }
  output.str("release by the handshake: owner ").dec(arenaOwner()).str(zero ? ", wiped" : ", NOT WIPED").byte(0x0a);
  output.str("take enrollment: ").str(arenaTake(ARENA_ENROLLMENT) == a ? "ok" : "refused").byte(0x0a);
  arenaRelease(ARENA_ENROLLMENT);
  output.str("free: ").str(arenaOwner() == ARENA_FREE ? "yes" : "no").byte(0x0a);
  flushOut();
  return OK;
}

function dispatch(): i32 {
  if (argIs(0, "vector")) return vectorOp();
  if (argIs(0, "arena-trip") && argc() == 1) return arenaTrip();
  if (argIs(0, "cbor-decode") && (argc() == 2 || (argc() == 3 && argIs(2, "--strict")))) {
    const n = hexArg(1);
    return n < 0 ? n : cborDecode(false, input, n, argc() == 3);
  }
  if (argIs(0, "cbor-reencode") && argc() == 2) {
    const n = hexArg(1);
    return n < 0 ? n : cborReencode(false, input, n, OUT_CAP);
  }
  if (argIs(0, "coap-parse") && argc() == 2) {
    const n = hexArg(1);
    return n < 0 ? n : coapParseJson(false, input, n);
  }
  if (argIs(0, "coap-build") && argc() == 2) {
    const st = jsonParse(argPtr(1), argLen(1));
    return st != OK ? st : coapBuildFromJson(false);
  }
  if (argIs(0, "link-parse") && argc() == 2) return linkParseJson(false, argPtr(1), argLen(1));
  failBytes(E_UNKNOWN_COMMAND, "unknown command or wrong arguments: ", argPtr(0), argLen(0) < 64 ? argLen(0) : 64);
  return E_UNKNOWN_COMMAND;
}

registerCommands(dispatch);
