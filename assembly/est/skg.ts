// The /skg and /skc answers (RFC 9148 §4.8, EST-oscore draft §5.3): multipart-core (RFC 8710)
// [284, PKCS#8 key, 281 (skg) or 287 (skc), certificate]. The key must be one this device can use, and the
// certificate must carry it.
//
// Deliberately not here: whether the device may ask for server-side key generation (est/enroll.ts decides
// that by policy before anything is sent).

import { OK, E_MALFORMED, E_EST_RESPONSE, E_EST_CERT_KEY, E_LIMIT } from "../base/errors";
import { fail, failWith } from "../base/diag";
import {
  M_SKG_FORMAT, M_SKG_PARTS, M_SKG_KEY_PART, M_SKG_KEY_PARSE, M_SKG_KEY_INVALID, M_SKG_CERT_PART, M_SKG_NO_CERT,
  M_CERT_TOO_BIG, M_CERT_PARSE, M_SKG_CERT_KEY,
} from "../base/msg";
import { CF_MULTIPART_CORE, CF_PKCS8, CF_PKCS7_CERTS_ONLY, CF_PKIX_CERT } from "../numbers/coap";
import { KeyPair, keyPairPublic } from "../pki/keys";
import { keyImport, wipe } from "../crypto/index";
import { Certificate, x509Parse, x509HasKey, pkcs7Certificates, pkcs8Parse } from "../pki/x509";
import { answerReader } from "./state";

const mp = answerReader; // shared with est/c509.ts (est/state.ts)
const spans = memory.data(4 * 8, 8);

/** Take a server-keygen answer (payload p, n bytes, Content-Format cf; skc: the certificate as 287, else 281)
 *  into key (imported to the board under keyId where it keeps keys) and the certificate (copied to cert, cap
 *  bytes; its length returned), parsed into c. */
export function skgTake(p: usize, n: i32, cf: i32, skc: bool, key: KeyPair, keyId: u32, cert: usize, cap: i32, c: Certificate): i32 {
  if (cf != CF_MULTIPART_CORE) return fail(E_EST_RESPONSE, M_SKG_FORMAT);
  mp.reset(p, n, true);
  if (mp.enterArray() != OK || mp.count != 4) return fail(E_MALFORMED, M_SKG_PARTS);
  if (mp.readInt(0, 65535) != OK || mp.value != CF_PKCS8 || mp.readBstr() != OK) return fail(E_EST_RESPONSE, M_SKG_KEY_PART);
  const raw = memory.data(32, 8);
  const kind = pkcs8Parse(mp.ptr, mp.size, raw);
  if (kind < 0) { wipe(raw, 32); return fail(kind, M_SKG_KEY_PARSE); }
  key.kind = kind;
  let st = keyImport(key.key, kind, raw, 32, keyId);
  wipe(raw, 32);
  if (st == OK) st = keyPairPublic(key);
  if (st != OK) return fail(st, M_SKG_KEY_INVALID);
  const want = skc ? CF_PKIX_CERT : CF_PKCS7_CERTS_ONLY;
  if (mp.readInt(0, 65535) != OK || mp.value != want || mp.readBstr() != OK || mp.finish() != OK) return fail(E_EST_RESPONSE, M_SKG_CERT_PART);
  let cp = mp.ptr, cl = mp.size;
  if (want == CF_PKCS7_CERTS_ONLY) {
    const k = pkcs7Certificates(cp, cl, spans, 4);
    if (k < 1) return fail(k < 0 ? k : E_EST_RESPONSE, M_SKG_NO_CERT);
    cp = <usize>load<u32>(spans); cl = load<i32>(spans + 4);
  }
  if (cl > cap) return failWith(E_LIMIT, M_CERT_TOO_BIG).int(cap).ret();
  memory.copy(cert, cp, <usize>cl);
  st = x509Parse(c, cert, cl);
  if (st != OK) return fail(st, M_CERT_PARSE);
  if (!x509HasKey(c, key.pub, key.pubLen)) return fail(E_EST_CERT_KEY, M_SKG_CERT_KEY);
  return cl;
}
