// Test-only drivers of assembly/coap/message.ts for the codec test module (entry.ts). Not part of the product.
//
// coap-parse output (one line): {"type":T,"code":C,"mid":M,"token":HEX,"options":[{"n":N,"hex":HEX},...],
//   "payload":HEX,"unknown_critical":N}   (unknown_critical 0 when every critical option is known)
// coap-build input (flat JSON): {"type":T,"code":C,"mid":M,"token":HEX,"path":"/a/b?q","options":LIST,
//   "payload":HEX,"cap":N,"body":1} where LIST is "N=HEX,N=#DECIMAL,..." (#: a uint option), in any order; every
//   field but type/code/mid is optional; body 1 writes options and payload only (buildBody). Output:
//   {"hex":HEX,"canary":B} or {"error":NAME}. coap_parse_body parses such a body (parseBody).

import { OK, E_USAGE, E_MALFORMED } from "../../assembly/base/errors";
import { OPT_BLOCK1, OPT_BLOCK2 } from "../../assembly/numbers/coap";
import { hexValue } from "../../assembly/app/runtime";
import { output, flushOut } from "../../assembly/app/output";
import { fail } from "../common/text";
import { jsonPtr, jsonHex, jsonInt } from "../../assembly/app/json";
import { CoapMessage, CoapOptionIter, CoapBuilder, BlockValue, blockValue } from "../../assembly/coap/message";
import { outBuf, OUT_CAP, refused } from "./common";

const msg = new CoapMessage();
const iter = new CoapOptionIter();
const builder = new CoapBuilder();
const block = new BlockValue();

/** Parse a whole message, or with body=true only options and payload (CoapMessage.parseBody). */
export function coapParseJson(vector: bool, p: usize, n: i32, body: bool = false): i32 {
  const st = body ? msg.parseBody(p, n) : msg.parse(p, n);
  if (st < 0) return refused(vector, st);
  output.str("{\"type\":").dec(msg.type).str(",\"code\":").dec(msg.code).str(",\"mid\":").dec(msg.mid);
  output.str(",\"token\":\"").hex(msg.token, msg.tokenLen).str("\",\"options\":[");
  iter.reset(msg);
  let first = true;
  for (;;) {
    const r = iter.next();
    if (r < 0) return fail(r, "option iteration failed after a successful parse");
    if (r == 0) break;
    if (!first) output.byte(0x2c);
    first = false;
    output.str("{\"n\":").dec(iter.number).str(",\"hex\":\"").hex(iter.value, iter.valueLen).str("\"}");
  }
  output.str("],\"payload\":\"").hex(msg.payload, msg.payloadLen).str("\",\"unknown_critical\":");
  output.dec(msg.firstUnknownCritical()).str("}\n");
  flushOut();
  return OK;
}

/** Length of a JSON string value that json.ts left in place (it ends at the next quote). */
function strLen(p: usize): i32 {
  let n = 0;
  while (load<u8>(p + <usize>n) != 0x22) n++;
  return n;
}

function parseOptions(p: usize, n: i32): i32 {
  let i = 0;
  while (i < n) {
    let num = 0, digits = 0;
    while (i < n && load<u8>(p + <usize>i) >= 0x30 && load<u8>(p + <usize>i) <= 0x39) {
      num = num * 10 + <i32>load<u8>(p + <usize>i) - 0x30; i++; digits++;
      if (digits > 6) return fail(E_USAGE, "option number too long");
    }
    if (digits == 0 || i >= n || load<u8>(p + <usize>i) != 0x3d) return fail(E_USAGE, "options: expected N=");
    i++;
    let st = OK;
    if (i < n && load<u8>(p + <usize>i) == 0x23) { // '#': uint value in decimal
      i++;
      let v: u64 = 0, nd = 0;
      while (i < n && load<u8>(p + <usize>i) != 0x2c) {
        const d = <i32>load<u8>(p + <usize>i) - 0x30;
        if (d < 0 || d > 9 || ++nd > 10) return fail(E_USAGE, "options: bad uint");
        v = v * 10 + <u64>d; i++;
      }
      if (nd == 0 || v > 0xffffffff) return fail(E_USAGE, "options: bad uint");
      st = builder.addUint(num, <u32>v);
    } else {
      const start = i;
      let out = start;
      while (i < n && load<u8>(p + <usize>i) != 0x2c) {
        if (i + 1 >= n) return fail(E_USAGE, "options: odd hex");
        const hi = hexValue(<i32>load<u8>(p + <usize>i)), lo = hexValue(<i32>load<u8>(p + <usize>i + 1));
        if (hi < 0 || lo < 0) return fail(E_USAGE, "options: bad hex");
        store<u8>(p + <usize>out, <u8>((hi << 4) | lo));
        out++; i += 2;
      }
      st = builder.add(num, p + <usize>start, out - start);
    }
    if (st < 0) return st;
    if (i < n) i++; // ','
  }
  return OK;
}

export function coapBuildFromJson(vector: bool): i32 {
  const type = jsonInt("type"), code = jsonInt("code"), mid = jsonInt("mid");
  if (type < 0 || code < 0 || mid < 0) return fail(E_USAGE, "coap-build needs type, code and mid");
  builder.reset(type, code, mid);
  let st = OK;
  if (jsonPtr("token") != 0) {
    const n = jsonHex("token", 64);
    if (n < 0) return n;
    st = builder.setToken(jsonPtr("token"), n);
    if (st < 0) return refused(vector, st);
  }
  if (jsonPtr("path") != 0) {
    st = builder.addUriPath(jsonPtr("path"), strLen(jsonPtr("path")));
    if (st < 0) return refused(vector, st);
  }
  if (jsonPtr("options") != 0) {
    const op = jsonPtr("options");
    st = parseOptions(op, strLen(op));
    if (st == E_USAGE) return st;
    if (st < 0) return refused(vector, st);
  }
  if (jsonPtr("payload") != 0) {
    const n = jsonHex("payload", 2048);
    if (n < 0) return n;
    builder.setPayload(jsonPtr("payload"), n);
  }
  let cap = jsonInt("cap");
  if (cap < 0 || cap > OUT_CAP) cap = OUT_CAP;
  store<u8>(outBuf + <usize>cap, 0xa5);
  const len = jsonInt("body") == 1 ? builder.buildBody(outBuf, cap) : builder.build(outBuf, cap);
  const canary = load<u8>(outBuf + <usize>cap) == 0xa5;
  if (len < 0) {
    if (!vector) return fail(len, "build failed");
    output.str("{\"error\":\"E_BUFFER_TOO_SMALL\",\"canary\":").str(canary ? "true" : "false").str("}\n");
    flushOut();
    return OK;
  }
  if (vector) output.str("{\"hex\":\"").hex(outBuf, len).str("\",\"canary\":").str(canary ? "true" : "false").str("}\n");
  else output.hex(outBuf, len).byte(0x0a);
  flushOut();
  return OK;
}

function blockJson(key: string, number: i32): void {
  output.str(",\"").str(key).str("\":");
  const r = msg.block(number, block);
  if (r < 0) output.str("\"E_MALFORMED\"");
  else if (r == 0) output.str("null");
  else output.str("[").dec(block.num).str(",").str(block.more ? "1" : "0").str(",").dec(block.szx).str("]");
}
function numJson(key: string, v: i64): void {
  output.str(",\"").str(key).str("\":");
  if (v == E_MALFORMED) output.str("\"E_MALFORMED\""); else output.dec(v);
}

/** coap_info {hex} -> {"cf","accept","max_age","size1","size2","block1","block2"} from the named helpers
 *  (-1/null when absent, "E_MALFORMED" for a bad value; blocks as [NUM, M, SZX]). */
export function coapInfoOp(p: usize, n: i32): i32 {
  const st = msg.parse(p, n);
  if (st < 0) return refused(true, st);
  output.str("{\"ok\":true");
  numJson("cf", msg.contentFormat());
  numJson("accept", msg.accept());
  numJson("max_age", msg.maxAge());
  numJson("size1", msg.size1());
  numJson("size2", msg.size2());
  blockJson("block1", OPT_BLOCK1);
  blockJson("block2", OPT_BLOCK2);
  output.str("}\n");
  flushOut();
  return OK;
}

/** block_decode {hex} -> {"num","m","szx","size"}; block_encode {num, m, szx} -> {"value"}. */
export function blockOp(p: usize, n: i32): i32 {
  const st = block.decode(p, n);
  if (st < 0) return refused(true, st);
  output.str("{\"num\":").dec(block.num).str(",\"m\":").str(block.more ? "true" : "false");
  output.str(",\"szx\":").dec(block.szx).str(",\"size\":").dec(block.size()).str("}\n");
  flushOut();
  return OK;
}

export function blockEncodeOp(): i32 {
  const num = jsonInt("num"), m = jsonInt("m"), szx = jsonInt("szx");
  if (num < 0 || m < 0 || szx < 0) return fail(E_USAGE, "block_encode needs num, m, szx");
  const v = blockValue(<u32>num, m != 0, szx);
  if (v < 0) return refused(true, v);
  output.str("{\"value\":").dec(v).str("}\n");
  flushOut();
  return OK;
}
