// C509 test module (build/c509-test.wasm): exposes the device's C509 code (assembly/pki/c509*.ts) through the
// vector runner, so tests drive it under both hosts and compare it with tools/c509 and BouncyCastle. Not part
// of the product. One request per line (est-sim vectors / host/node/vectors.ts), one JSON answer each:
//   {"op":"c509_parse","hex"}            -> the parsed fields (hex / decimal), or {"error"}
//   {"op":"c509_tbs_der","hex"}          -> {"der"}: the rebuilt DER tbsCertificate of a type 3 certificate
//   {"op":"c509_verify","cert","issuer"} -> {"status"}: c509VerifyIssued (issuer = cert for a trust anchor)
//   {"op":"c509_has_key","cert","pub"}   -> {"match"}
//   {"op":"c509_csr","type","kind","key","cn",["dns"],["recipient"]} -> {"pub","csr"} or {"error"}

import "../../assembly/crypto/soft";
import { keyImport, wipe } from "../../assembly/crypto/index"; // the module's own crypto provider (crypto/index.ts)
import { OK, E_USAGE, E_UNKNOWN_COMMAND, statusName } from "../../assembly/base/errors";
import { registerCommands, argc, argIs, argPtr, argLen } from "../../assembly/app/runtime";
import { output, flushOut } from "../../assembly/app/output";
import { fail } from "../common/text";
import { jsonParse, jsonIs, jsonHex, jsonInt, jsonPtr } from "../../assembly/app/json";
import { C509Cert, c509Parse, c509TbsDer, c509VerifyIssued, c509HasKey, C509_TBS_DER_MAX } from "../../assembly/pki/c509";
import { c509CsrBuild, C509_CSR_MAX, C509_CSR_SCRATCH_MAX, C509_CSR_NAME_MAX } from "../../assembly/pki/c509-csr";
import { csrSpec } from "../../assembly/pki/csr";
import { keyPairPublic } from "../../assembly/pki/keys";

export {
  abi_version, io_buffer, io_capacity, start, on_datagram, on_timer, next_deadline, cancel,
  last_error, error_detail, error_detail_len, result, result_len, heap_top,
} from "../../assembly/app/runtime";

const CERT_MAX: i32 = 1024;
const certBuf = memory.data(CERT_MAX, 8);
const issuerBuf = memory.data(CERT_MAX, 8);
const der = memory.data(C509_TBS_DER_MAX, 8);
const csrOut = memory.data(C509_CSR_MAX, 8);
const scratch = memory.data(C509_CSR_SCRATCH_MAX, 8);
const a = new C509Cert(), b = new C509Cert();

function field(key: string, dst: usize, cap: i32): i32 {
  const n = jsonHex(key, cap);
  if (n < 0) return n;
  memory.copy(dst, jsonPtr(key), <usize>n);
  return n;
}

function answer(st: i32): i32 {
  output.str("{\"error\":\"").str(statusName(st)).str("\"}\n");
  flushOut();
  return OK;
}

function parseOp(): i32 {
  const n = field("hex", certBuf, CERT_MAX);
  if (n < 0) return answer(n);
  const st = c509Parse(a, certBuf, n);
  if (st != OK) return answer(st);
  output.str("{\"type\":").dec(a.type).str(",\"serial\":\"").hex(a.serial, a.serialLen)
    .str("\",\"sig_alg\":").dec(a.sigAlg).str(",\"issuer\":\"").hex(a.issuer, a.issuerLen)
    .str("\",\"not_before\":").dec(<i64>a.notBefore).str(",\"not_after\":").dec(<i64>a.notAfter)
    .str(",\"subject\":\"").hex(a.subject, a.subjectLen).str("\",\"pk_alg\":").dec(a.pkAlg)
    .str(",\"key\":\"").hex(a.key, a.keyLen).str("\",\"exts\":\"").hex(a.exts, a.extsLen)
    .str("\",\"tbs\":\"").hex(a.tbs, a.tbsLen).str("\",\"sig\":\"").hex(a.sig, a.sigLen)
    .str("\",\"is_ca\":").str(a.isCa ? "true" : "false").str(",\"path_len\":").dec(a.pathLen)
    .str(",\"key_usage\":").dec(a.keyUsage).str(",\"unknown_critical\":").str(a.unknownCritical ? "true" : "false").str("}\n");
  flushOut();
  return OK;
}

function tbsOp(): i32 {
  const n = field("hex", certBuf, CERT_MAX);
  if (n < 0) return answer(n);
  let st = c509Parse(a, certBuf, n);
  if (st != OK) return answer(st);
  let cap = jsonInt("cap");
  if (cap < 0 || cap > C509_TBS_DER_MAX) cap = C509_TBS_DER_MAX;
  st = c509TbsDer(a, der, cap);
  if (st < 0) return answer(st);
  output.str("{\"der\":\"").hex(der, st).str("\"}\n");
  flushOut();
  return OK;
}

function verifyOp(): i32 {
  const n = field("cert", certBuf, CERT_MAX);
  if (n < 0) return answer(n);
  const m = field("issuer", issuerBuf, CERT_MAX);
  if (m < 0) return answer(m);
  let st = c509Parse(a, certBuf, n);
  if (st != OK) return answer(st);
  st = c509Parse(b, issuerBuf, m);
  if (st != OK) return answer(st);
  st = c509VerifyIssued(a, b, der, C509_TBS_DER_MAX);
  output.str("{\"status\":\"").str(statusName(st)).str("\"}\n");
  flushOut();
  return OK;
}

function hasKeyOp(): i32 {
  const n = field("cert", certBuf, CERT_MAX);
  if (n < 0) return answer(n);
  const m = field("pub", issuerBuf, 65);
  if (m < 0) return answer(m);
  const st = c509Parse(a, certBuf, n);
  if (st != OK) return answer(st);
  output.str("{\"match\":").str(c509HasKey(a, issuerBuf, m) ? "true" : "false").str("}\n");
  flushOut();
  return OK;
}

function csrOp(): i32 {
  const s = csrSpec, k = s.key;
  const type = jsonInt("type");
  k.kind = jsonInt("kind");
  const raw = memory.data(32, 8);
  if (field("key", raw, 32) != 32) return fail(E_USAGE, "c509_csr: key is 32 bytes");
  const ki = keyImport(k.key, k.kind, raw, 32, 0);
  wipe(raw, 32);
  if (ki != OK) return answer(ki);
  s.cnLen = field("cn", s.cn, C509_CSR_NAME_MAX);
  s.dnsLen = jsonPtr("dns") == 0 ? 0 : field("dns", s.dns, C509_CSR_NAME_MAX);
  if (jsonPtr("recipient") != 0 && field("recipient", s.recipient, 32) != 32) return fail(E_USAGE, "c509_csr: recipient is 32 bytes");
  let st = keyPairPublic(k);
  if (st != OK) return answer(st);
  let cap = jsonInt("cap");
  if (cap < 0 || cap > C509_CSR_MAX) cap = C509_CSR_MAX;
  st = c509CsrBuild(s, type, csrOut, cap, scratch, C509_CSR_SCRATCH_MAX);
  if (st < 0) return answer(st);
  output.str("{\"pub\":\"").hex(k.pub, k.pubLen).str("\",\"csr\":\"").hex(csrOut, st).str("\"}\n");
  flushOut();
  return OK;
}

function dispatch(): i32 {
  if (!argIs(0, "vector") || argc() != 2) {
    fail(E_UNKNOWN_COMMAND, "usage: vector JSON");
    return E_UNKNOWN_COMMAND;
  }
  const st = jsonParse(argPtr(1), argLen(1));
  if (st != OK) return st;
  if (jsonIs("op", "c509_parse")) return parseOp();
  if (jsonIs("op", "c509_tbs_der")) return tbsOp();
  if (jsonIs("op", "c509_verify")) return verifyOp();
  if (jsonIs("op", "c509_has_key")) return hasKeyOp();
  if (jsonIs("op", "c509_csr")) return csrOp();
  fail(E_UNKNOWN_COMMAND, "unknown op");
  return E_UNKNOWN_COMMAND;
}

registerCommands(dispatch);
