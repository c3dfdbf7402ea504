// Test-only drivers of assembly/coap/linkformat.ts for the codec test module (entry.ts). Not part of the product.
//
// link-parse output (one line): [{"target":S,"host":S|null,"port":N|null,"path":S,"rt":S|null,"if":S|null,
//   "ct":[N...],"sz":N|null,"osc":BOOL,"attrs":[[NAME,VALUE|true],...]},...]   (VALUE raw, quotes removed)
// link_find {hex: document, prefix: "ace.est"} -> {"found":false} or {"found":true,"path":S,"ct":[..],"osc":B,"rt":S}

import { OK, E_USAGE } from "../../assembly/base/errors";
import { output, flushOut } from "../../assembly/app/output";
import { fail } from "../common/text";
import { jsonPtr } from "../../assembly/app/json";
import { LinkIter, LinkParamIter } from "../../assembly/coap/linkformat";
import { refused } from "./common";

const links = new LinkIter();
const attrs = new LinkParamIter();

function str(p: usize, n: i32): void { output.byte(0x22).json(p, n).byte(0x22); }
function strOrNull(p: usize, n: i32): void { if (n < 0) output.str("null"); else str(p, n); }
function ctList(): void {
  output.byte(0x5b);
  for (let i = 0; i < links.ctCount; i++) { if (i > 0) output.byte(0x2c); output.dec(links.ctAt(i)); }
  output.byte(0x5d);
}

export function linkParseJson(vector: bool, p: usize, n: i32): i32 {
  // Validate the whole document first so a failure prints nothing but the status.
  links.reset(p, n);
  for (;;) {
    const r = links.next();
    if (r < 0) return refused(vector, r);
    if (r == 0) break;
    attrs.reset(links.params, links.paramsLen);
    for (;;) { const a = attrs.next(); if (a < 0) return refused(vector, a); if (a == 0) break; }
  }
  links.reset(p, n);
  output.byte(0x5b);
  let first = true;
  while (links.next() == 1) {
    if (!first) output.byte(0x2c);
    first = false;
    output.str("{\"target\":"); str(links.target, links.targetLen);
    output.str(",\"host\":"); strOrNull(links.host, links.hasHost ? links.hostLen : -1);
    output.str(",\"port\":"); if (links.port < 0) output.str("null"); else output.dec(links.port);
    output.str(",\"path\":"); str(links.path, links.pathLen);
    output.str(",\"rt\":"); strOrNull(links.rt, links.rtLen);
    output.str(",\"if\":"); strOrNull(links.iface, links.ifaceLen);
    output.str(",\"ct\":"); ctList();
    output.str(",\"sz\":"); if (links.sz < 0) output.str("null"); else output.dec(links.sz);
    output.str(",\"osc\":").str(links.osc ? "true" : "false").str(",\"attrs\":[");
    attrs.reset(links.params, links.paramsLen);
    let fa = true;
    while (attrs.next() == 1) {
      if (!fa) output.byte(0x2c);
      fa = false;
      output.byte(0x5b); str(attrs.name, attrs.nameLen); output.byte(0x2c);
      if (attrs.hasValue) str(attrs.value, attrs.valueLen); else output.str("true");
      output.byte(0x5d);
    }
    output.str("]}");
  }
  output.str("]\n");
  flushOut();
  return OK;
}

export function linkFindOp(p: usize, n: i32): i32 {
  const pp = jsonPtr("prefix");
  if (pp == 0) return fail(E_USAGE, "link_find needs prefix");
  let pl = 0;
  while (load<u8>(pp + <usize>pl) != 0x22) pl++;
  const r = links.findRt(p, n, pp, pl);
  if (r < 0) return refused(true, r);
  if (r == 0) { output.str("{\"found\":false}\n"); flushOut(); return OK; }
  output.str("{\"found\":true,\"path\":"); str(links.path, links.pathLen);
  output.str(",\"ct\":"); ctList();
  output.str(",\"osc\":").str(links.osc ? "true" : "false").str(",\"rt\":"); str(links.rt, links.rtLen);
  output.str("}\n");
  flushOut();
  return OK;
}
