// The CSR attributes of /att (RFC 7030 §4.5, CsrAttrs ::= SEQUENCE OF AttrOrOID; EST-oscore draft §5): what
// the server wants in the CSR, where the device understands it. A challengePassword OID makes a password
// mandatory; signature and proof-of-possession algorithm OIDs say which proof the server takes (the first one
// listed that this device can give on its curve wins). Other items are counted and passed over.
//
// Deliberately not here: building the CSR (pki/csr.ts), choosing the key (est/enroll.ts).

import { OK, E_MALFORMED, E_EST_RESPONSE } from "../base/errors";
import { fail } from "../base/diag";
import { M_ATT_FORMAT, M_ATT_NOT_SEQUENCE, M_ATT_MALFORMED, M_ATT_ITEM } from "../base/msg";
import { CF_CSRATTRS } from "../numbers/coap";
import { DerReader, DER_SEQUENCE, DER_OID, derEquals, OID_ECDSA_SHA256, OID_ED25519, OID_DH_POP_SHA256 } from "../der/der";

/** What /att asked for. */
export class CsrAttrs {
  wantPassword: bool = false;
  /** 0: no preference understood; 1: a signature; 2: a DH proof of possession. */
  pop: i32 = 0;
  understood: i32 = 0;
  other: i32 = 0;
}

const OID_CHALLENGE_PW: StaticArray<u8> = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x07]; // 1.2.840.113549.1.9.7
const top = new DerReader(), inner = new DerReader();

/** Read a /att answer (payload p, n bytes, Content-Format cf) into a, for a device on EDHOC suite `suite`
 *  (0: Ed25519/X25519, 2: P-256). Returns OK or a status. */
export function csrAttrsParse(p: usize, n: i32, cf: i32, suite: i32, a: CsrAttrs): i32 {
  a.wantPassword = false; a.pop = 0; a.understood = 0; a.other = 0;
  if (cf != CF_CSRATTRS) return fail(E_EST_RESPONSE, M_ATT_FORMAT);
  const t = top.reset(p, n);
  if (t.expect(DER_SEQUENCE) != OK || t.finish() != OK) return fail(E_MALFORMED, M_ATT_NOT_SEQUENCE);
  const list = t.into(inner);
  while (!list.atEnd()) {
    if (list.read() != OK) return fail(E_MALFORMED, M_ATT_MALFORMED);
    if (list.tag == DER_OID) {
      if (derEquals(list.value, list.len, OID_CHALLENGE_PW)) { a.wantPassword = true; a.understood++; }
      else if (derEquals(list.value, list.len, OID_ECDSA_SHA256) && suite == 2) { if (a.pop == 0) a.pop = 1; a.understood++; }
      else if (derEquals(list.value, list.len, OID_ED25519) && suite == 0) { if (a.pop == 0) a.pop = 1; a.understood++; }
      else if (derEquals(list.value, list.len, OID_DH_POP_SHA256)) { if (a.pop == 0) a.pop = 2; a.understood++; }
      else a.other++;
    } else if (list.tag == DER_SEQUENCE) a.other++; // an Attribute with values: not used by this device
    else return fail(E_MALFORMED, M_ATT_ITEM);
  }
  return OK;
}
