// The enroll command's C509 options (app/device.ts hands each argument here first):
//
//   --format der|c509     the certificate format (DER, the default; est/c509.ts)
//   --csr-type 2|3        the C509 CSR's type: natively signed (2, the default) or over the DER it stands for (3)
//   --no-accept           send no Accept: the server answers multipart-core with the c5t / c5u references
//   --cf NAME=N           a C509 Content-Format number: NAME cert (TBD3), pkcs10 (TBD4), chain (TBD15) or
//                         c5t (TBD17), N 0..65535 (defaults in numbers/coap.ts, the server's in formats.ts;
//                         the server's --cf also takes the TBD names, the device only these four, to stay small)
//
// Deliberately not here: what the options do (est/), the other enroll options (app/device.ts).

import { E_USAGE } from "../base/errors";
import { fail } from "../base/diag";
import { M_ENROLL_FORMAT, M_ENROLL_CSR_TYPE, M_ENROLL_CF } from "../base/msg";
import {
  CF_C509_CERT_DEFAULT, CF_C509_PKCS10_DEFAULT, CF_C509_CERT_CHAIN_DEFAULT, CF_CERTHASH_C509_DEFAULT,
} from "../numbers/coap";
import { enrollOptions } from "../est/state";
import { FORMAT_DER, FORMAT_C509 } from "../est/c509";
import { argc, argIs, argPtr, argLen, argUint } from "./runtime";

/** Back to the defaults (each enroll command starts from them). */
export function c509ArgsReset(): void {
  const o = enrollOptions;
  o.format = FORMAT_DER; o.csrType = 2; o.noAccept = false;
  o.cfCert = CF_C509_CERT_DEFAULT; o.cfPkcs10 = CF_C509_PKCS10_DEFAULT;
  o.cfChain = CF_C509_CERT_CHAIN_DEFAULT; o.cfC5t = CF_CERTHASH_C509_DEFAULT;
}

/** Argument i, if it is a C509 option: the index of its last argument (i, or i + 1 with a value); 0 when it
 *  is not one of these options; a status (E_USAGE, reported) for a bad value. */
export function c509Arg(i: i32): i32 {
  const o = enrollOptions, v = i + 1, has = v < argc();
  if (argIs(i, "--no-accept")) { o.noAccept = true; return i; }
  if (argIs(i, "--format") && has) {
    if (argIs(v, "c509")) o.format = FORMAT_C509; else if (argIs(v, "der")) o.format = FORMAT_DER;
    else return fail(E_USAGE, M_ENROLL_FORMAT);
    return v;
  }
  if (argIs(i, "--csr-type") && has) {
    const t = argUint(v);
    if (t != 2 && t != 3) return fail(E_USAGE, M_ENROLL_CSR_TYPE);
    o.csrType = <i32>t;
    return v;
  }
  if (argIs(i, "--cf") && has) return cfSetting(v) ? v : fail(E_USAGE, M_ENROLL_CF);
  return 0;
}

/** NAME=N of --cf into enrollOptions. Whether it was one. */
function cfSetting(i: i32): bool {
  const p = argPtr(i), n = argLen(i);
  let eq = 0;
  while (eq < n && load<u8>(p + <usize>eq) != 0x3d) eq++;
  if (eq == 0 || n - eq < 2 || n - eq > 6) return false;
  let v = 0;
  for (let k = eq + 1; k < n; k++) {
    const d = <i32>load<u8>(p + <usize>k) - 0x30;
    if (d < 0 || d > 9) return false;
    v = v * 10 + d;
  }
  if (v > 65535) return false;
  const o = enrollOptions;
  if (nameIs(p, eq, "cert")) o.cfCert = v;
  else if (nameIs(p, eq, "pkcs10")) o.cfPkcs10 = v;
  else if (nameIs(p, eq, "chain")) o.cfChain = v;
  else if (nameIs(p, eq, "c5t")) o.cfC5t = v;
  else return false;
  return true;
}

/** Whether the n bytes at p are the ASCII string s. */
function nameIs(p: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  for (let k = 0; k < n; k++) if (<i32>load<u8>(p + <usize>k) != s.charCodeAt(k)) return false;
  return true;
}
