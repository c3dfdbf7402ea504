// Test entry for the "crypto" import module (build/crypto-test.wasm, not part of the product): runs the script
// language of test/crypto/provider_test.c through the imports of assembly/crypto/provider.ts, so that
// test/crypto-provider.test.ts can run one script through the C provider directly, through est-sim's wasm3
// glue and through the Node host, and compare the answers line by line.
//
// `vector LINE` (one line per call, from `est-sim vectors` or the Node host's runVectors): the script line,
// answered by one output line (the result, then " HEX" for the bytes written; "ERR" for a line it cannot
// parse); the line may also come split into arguments (`vector sha256 616263`). `badptr`: every import once
// with a range outside linear memory, one "name status" line each. `roundtrip`: a self-contained pass over
// every kind of key, for a board that runs one command per boot.

import * as cp from "../../assembly/crypto/provider";
import { OK, E_UNKNOWN_COMMAND, E_CRYPTO_AUTH, E_CRYPTO_SIGNATURE, E_STORE_NOT_FOUND } from "../../assembly/base/errors";
import { registerCommands, argc, argIs, argPtr, argLen, hexValue } from "../../assembly/app/runtime";
import { output, flushOut } from "../../assembly/app/output";
import { fail } from "../common/text";

export {
  abi_version, io_buffer, io_capacity, start, on_datagram, on_timer, next_deadline, cancel,
  last_error, error_detail, error_detail_len, result, result_len, heap_top,
} from "../../assembly/app/runtime";

const BUF: i32 = 2048;
const b1 = memory.data(BUF, 16);
const b2 = memory.data(BUF, 16);
const b3 = memory.data(BUF, 16);
const b4 = memory.data(BUF, 16);
const out = memory.data(BUF + 16, 16);
const MAX_LINES: i32 = 8192;
const results = memory.data(MAX_LINES * 4, 4);
let nlines: i32 = 0;

// ---- Tokens of the current line ---------------------------------------------------------------------------
const MAX_TOK: i32 = 8;
const tokP = memory.data(MAX_TOK * 4, 4);
const tokL = memory.data(MAX_TOK * 4, 4);
let ntok: i32 = 0;

function tp(i: i32): usize { return <usize>load<u32>(tokP + <usize>(i << 2)); }
function tl(i: i32): i32 { return load<i32>(tokL + <usize>(i << 2)); }

/** Split p[0..n) at spaces; false for more than MAX_TOK tokens. */
function tokenize(p: usize, n: i32): bool {
  ntok = 0;
  let i = 0;
  while (i < n) {
    while (i < n && load<u8>(p + <usize>i) == 0x20) i++;
    if (i >= n) break;
    const s = i;
    while (i < n && load<u8>(p + <usize>i) != 0x20) i++;
    if (ntok == MAX_TOK) return false;
    store<u32>(tokP + <usize>(ntok << 2), <u32>(p + <usize>s));
    store<i32>(tokL + <usize>(ntok << 2), i - s);
    ntok++;
  }
  return true;
}

function is(i: i32, s: string): bool {
  if (tl(i) != s.length) return false;
  for (let k = 0; k < s.length; k++) if (<i32>load<u8>(tp(i) + <usize>k) != s.charCodeAt(k)) return false;
  return true;
}

/** Token i as hex ("-": empty) into dst; the byte count, or -1. */
function hex(i: i32, dst: usize): i32 {
  if (is(i, "-")) return 0;
  const n = tl(i), p = tp(i);
  if ((n & 1) != 0 || (n >> 1) > BUF) return -1;
  for (let k = 0; k < n; k += 2) {
    const hi = hexValue(<i32>load<u8>(p + <usize>k)), lo = hexValue(<i32>load<u8>(p + <usize>k + 1));
    if (hi < 0 || lo < 0) return -1;
    store<u8>(dst + <usize>(k >> 1), <u8>((hi << 4) | lo));
  }
  return n >> 1;
}

const BAD: i64 = i64.MIN_VALUE;

/** Token i as a decimal integer (optionally negative) or @N (the result of line N); BAD when neither. */
function num(i: i32): i64 {
  const p = tp(i), n = tl(i);
  let k = 0, neg = false, at = false;
  if (n > 0 && load<u8>(p) == 0x40) { at = true; k = 1; }
  else if (n > 0 && load<u8>(p) == 0x2d) { neg = true; k = 1; }
  if (k >= n || n - k > 12) return BAD;
  let v: i64 = 0;
  for (; k < n; k++) {
    const c = <i32>load<u8>(p + <usize>k) - 0x30;
    if (c < 0 || c > 9) return BAD;
    v = v * 10 + c;
  }
  if (at) return v < <i64>nlines && v < <i64>MAX_LINES ? <i64>load<i32>(results + <usize>(v << 2)) : BAD;
  return neg ? -v : v;
}

function answer(r: i32, p: usize, n: i32): i32 {
  output.dec(r);
  if (n > 0) output.byte(0x20).hex(p, n);
  output.byte(0x0a);
  flushOut();
  return r;
}

/** Run the current line; false when it cannot be parsed. */
function run(result: StaticArray<i32>): bool {
  if (ntok == 0) return false;
  memory.fill(out, 0xaa, <usize>(BUF + 16));
  const k = ntok - 1;
  let r: i32 = 0;
  if (is(0, "caps") && k == 0) {
    r = answer(cp.caps(), 0, 0);
  } else if (is(0, "random") && k == 1) {
    const n = num(1);
    if (n < 0 || n > BUF) return false;
    r = cp.random(out, <i32>n);
    answer(r, out, r == 0 ? <i32>n : 0);
  } else if (is(0, "sha256") && k == 1) {
    const n = hex(1, b1);
    if (n < 0) return false;
    r = cp.sha256(b1, n, out);
    answer(r, out, r == 0 ? 32 : 0);
  } else if (is(0, "sha256_begin") && k == 0) {
    r = answer(cp.sha256_begin(), 0, 0);
  } else if (is(0, "sha256_update") && k == 2) {
    const op = num(1), n = hex(2, b1);
    if (op == BAD || n < 0) return false;
    r = answer(cp.sha256_update(<i32>op, b1, n), 0, 0);
  } else if (is(0, "sha256_finish") && k == 1) {
    const op = num(1);
    if (op == BAD) return false;
    r = cp.sha256_finish(<i32>op, out);
    answer(r, out, r == 0 ? 32 : 0);
  } else if (is(0, "sha256_abort") && k == 1) {
    const op = num(1);
    if (op == BAD) return false;
    r = answer(cp.sha256_abort(<i32>op), 0, 0);
  } else if (is(0, "hmac") && k == 2) {
    const kl = hex(1, b1), n = hex(2, b2);
    if (kl < 0 || n < 0) return false;
    r = cp.hmac_sha256(b1, kl, b2, n, out);
    answer(r, out, r == 0 ? 32 : 0);
  } else if (is(0, "hkdf") && k == 4) {
    const sl = hex(1, b1), il = hex(2, b2), fl = hex(3, b3), n = num(4);
    if (sl < 0 || il < 0 || fl < 0 || n < 0 || n > BUF) return false;
    r = cp.hkdf_sha256(b1, sl, b2, il, b3, fl, out, <i32>n);
    answer(r, out, r == 0 ? <i32>n : 0);
  } else if (is(0, "hkdf_expand") && k == 3) {
    const pl = hex(1, b1), fl = hex(2, b2), n = num(3);
    if (pl < 0 || fl < 0 || n < 0 || n > BUF) return false;
    r = cp.hkdf_expand_sha256(b1, pl, b2, fl, out, <i32>n);
    answer(r, out, r == 0 ? <i32>n : 0);
  } else if ((is(0, "ccm_seal") || is(0, "ccm_open")) && (k == 5 || (k == 6 && is(6, "inplace")))) {
    const nl = hex(2, b2), al = hex(3, b3), dl = hex(4, b4), t = num(5);
    if (hex(1, b1) != 16 || nl < 0 || al < 0 || dl < 0 || t < 0 || t > 16) return false;
    const dst = k == 6 ? b4 : out;
    if (is(0, "ccm_seal")) {
      r = cp.aes_ccm_seal(b1, b2, nl, b3, al, b4, dl, dst, <i32>t);
      answer(r, dst, r > 0 ? r : 0);
    } else {
      r = cp.aes_ccm_open(b1, b2, nl, b3, al, b4, dl, dst, <i32>t);
      answer(r, dst, r >= 0 ? r : r == E_CRYPTO_AUTH && <i64>dl > t ? dl - <i32>t : 0);
    }
  } else if (is(0, "key_generate") && k == 2) {
    const t = num(1), id = num(2);
    if (t == BAD || id == BAD) return false;
    r = answer(cp.key_generate(<i32>t, <u32>id), 0, 0);
  } else if (is(0, "key_import") && k == 3) {
    const t = num(1), n = hex(2, b1), id = num(3);
    if (t == BAD || n < 0 || id == BAD) return false;
    r = answer(cp.key_import(<i32>t, b1, n, <u32>id), 0, 0);
  } else if (is(0, "key_open") && k == 1) {
    const id = num(1);
    if (id == BAD) return false;
    r = answer(cp.key_open(<u32>id), 0, 0);
  } else if (is(0, "key_public") && k == 2) {
    const h = num(1), cap = num(2);
    if (h == BAD || cap < 0 || cap > BUF) return false;
    r = cp.key_public(<i32>h, out, <i32>cap);
    answer(r, out, r > 0 ? r : 0);
  } else if ((is(0, "key_close") || is(0, "key_destroy")) && k == 1) {
    const h = num(1);
    if (h == BAD) return false;
    r = answer(is(0, "key_close") ? cp.key_close(<i32>h) : cp.key_destroy(<i32>h), 0, 0);
  } else if (is(0, "ecdh") && k == 2) {
    const h = num(1), n = hex(2, b1);
    if (h == BAD || n < 0) return false;
    r = cp.ecdh(<i32>h, b1, n, out);
    answer(r, out, r == 32 ? 32 : 0);
  } else if (is(0, "sign") && k == 2) {
    const h = num(1), n = hex(2, b1);
    if (h == BAD || n < 0) return false;
    r = cp.sign(<i32>h, b1, n, out);
    answer(r, out, r == 64 ? 64 : 0);
  } else if (is(0, "verify") && k == 4) {
    const t = num(1), pl = hex(2, b1), dl = hex(3, b2), sl = hex(4, b3);
    if (t == BAD || pl < 0 || dl < 0 || sl < 0) return false;
    r = answer(cp.verify(<i32>t, b1, pl, b2, dl, b3, sl), 0, 0);
  } else {
    return false;
  }
  result[0] = r;
  return true;
}

const lineResult = new StaticArray<i32>(1);

/** The tokens of a line split into arguments already (a board whose command line splits at spaces). */
function tokensFromArgs(): bool {
  if (argc() - 1 > MAX_TOK) return false;
  ntok = argc() - 1;
  for (let i = 0; i < ntok; i++) {
    store<u32>(tokP + <usize>(i << 2), <u32>argPtr(i + 1));
    store<i32>(tokL + <usize>(i << 2), argLen(i + 1));
  }
  return true;
}

function cmdVector(): i32 {
  let ok = argc() == 2 ? tokenize(argPtr(1), argLen(1)) : argc() > 2 && tokensFromArgs();
  lineResult[0] = 0;
  if (ok) ok = run(lineResult);
  if (!ok) { output.str("ERR\n"); flushOut(); }
  if (nlines < MAX_LINES) store<i32>(results + <usize>(nlines << 2), ok ? lineResult[0] : 0);
  nlines++;
  return OK;
}

function report(name: string, st: i32): void {
  output.str(name).byte(0x20).dec(st).byte(0x0a);
}

/** Every import with a range outside linear memory (the last 16 bytes of the address space), and with a
 *  negative length; each must answer E_BAD_POINTER (aes_ccm_*: E_CRYPTO_PARAM for a tag length over 16). */
function cmdBadPtr(): i32 {
  const X: usize = 0xfffffff0;
  const key = b1, nonce = b2;
  report("random", cp.random(X, 16));
  report("random_negative", cp.random(out, -1));
  report("sha256_in", cp.sha256(X, 16, out));
  report("sha256_out", cp.sha256(b1, 16, X));
  const op = cp.sha256_begin();
  report("sha256_update", cp.sha256_update(op, X, 16));
  report("sha256_finish", cp.sha256_finish(op, X));
  cp.sha256_abort(op);
  report("hmac_key", cp.hmac_sha256(X, 16, b2, 4, out));
  report("hmac_out", cp.hmac_sha256(b1, 16, b2, 4, X));
  report("hkdf_salt", cp.hkdf_sha256(X, 16, b2, 4, b3, 4, out, 32));
  report("hkdf_out", cp.hkdf_sha256(b1, 16, b2, 4, b3, 4, X, 32));
  report("hkdf_expand_info", cp.hkdf_expand_sha256(b1, 32, X, 4, out, 32));
  report("ccm_seal_key", cp.aes_ccm_seal(X, nonce, 13, b3, 0, b4, 16, out, 8));
  report("ccm_seal_out", cp.aes_ccm_seal(key, nonce, 13, b3, 0, b4, 16, <usize>(65536 * 2 - 20), 8));
  report("ccm_seal_tag_len", cp.aes_ccm_seal(key, nonce, 13, b3, 0, b4, 16, out, 17));
  report("ccm_open_ct", cp.aes_ccm_open(key, nonce, 13, b3, 0, X, 24, out, 8));
  report("ccm_open_out", cp.aes_ccm_open(key, nonce, 13, b3, 0, b4, 24, X, 8));
  report("key_import", cp.key_import(cp.KEY_TYPE_P256_DH, X, 32, 0));
  const h = cp.key_generate(cp.KEY_TYPE_P256_DH, 0);
  report("key_public", cp.key_public(h, X, 65));
  report("ecdh_peer", cp.ecdh(h, X, 65, out));
  report("ecdh_out", cp.ecdh(h, b1, 32, X));
  cp.key_close(h);
  report("sign", cp.sign(1, b1, 32, X));
  report("verify", cp.verify(cp.KEY_TYPE_P256_ECDSA, X, 65, b2, 32, b3, 64));
  output.str("still alive\n");
  flushOut();
  return OK;
}

function check(name: string, ok: bool): void {
  output.str(name).str(ok ? " ok\n" : " FAIL\n");
  flushOut();
}

function equal(a: usize, b: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}

/** One pass over every kind of key without the script's line references (for a board that runs one command
 *  per boot): ECDH both ways agrees (P-256 in all three peer forms, X25519), an ES256 signature verifies and
 *  a changed digest does not, a persistent key opens again with the same public key and is gone once
 *  destroyed. One "name ok|FAIL" line each. */
function cmdRoundtrip(): i32 {
  const pa = b1, pb = b2, za = b3, zb = b4;
  for (let t = 0; t < 2; t++) {
    const type = t == 0 ? cp.KEY_TYPE_P256_DH : cp.KEY_TYPE_X25519_DH, n = t == 0 ? 65 : 32;
    const a = cp.key_generate(type, 0), b = cp.key_generate(type, 0);
    const ok = a > 0 && b > 0 && cp.key_public(a, pa, 65) == n && cp.key_public(b, pb, 65) == n &&
      cp.ecdh(a, pb, n, za) == 32 && cp.ecdh(b, pa, n, zb) == 32 && equal(za, zb, 32);
    check(t == 0 ? "p256_ecdh" : "x25519_ecdh", ok);
    if (t == 0) {
      check("p256_ecdh_x_only", cp.ecdh(a, pb + 1, 32, zb) == 32 && equal(za, zb, 32));
      store<u8>(pb, 2 + (load<u8>(pb + 64) & 1));
      check("p256_ecdh_compressed", cp.ecdh(a, pb, 33, zb) == 32 && equal(za, zb, 32));
    }
    cp.key_close(a);
    cp.key_close(b);
  }
  const k = cp.key_generate(cp.KEY_TYPE_P256_ECDSA, 0);
  cp.sha256(b1, 100, za);
  const signed = k > 0 && cp.key_public(k, pa, 65) == 65 && cp.sign(k, za, 32, out) == 64;
  check("es256", signed && cp.verify(cp.KEY_TYPE_P256_ECDSA, pa, 65, za, 32, out, 64) == OK);
  store<u8>(za, load<u8>(za) ^ 1);
  check("es256_changed_digest", cp.verify(cp.KEY_TYPE_P256_ECDSA, pa, 65, za, 32, out, 64) == E_CRYPTO_SIGNATURE);
  cp.key_close(k);
  const p = cp.key_generate(cp.KEY_TYPE_P256_DH, 9);
  const pub1 = p > 0 && cp.key_public(p, pa, 65) == 65 && cp.key_close(p) == OK;
  const q = cp.key_open(9);
  check("persistent", pub1 && q > 0 && cp.key_public(q, pb, 65) == 65 && equal(pa, pb, 65));
  check("persistent_destroyed", cp.key_destroy(q) == OK && cp.key_open(9) == E_STORE_NOT_FOUND);
  return OK;
}

registerCommands((): i32 => {
  if (argIs(0, "roundtrip")) return cmdRoundtrip();
  if (argIs(0, "vector")) return cmdVector();
  if (argIs(0, "badptr")) return cmdBadPtr();
  return fail(E_UNKNOWN_COMMAND, "unknown crypto-test command");
});
