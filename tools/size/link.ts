// Size probe: the runtime plus the link-format parser alone.
import { LinkIter, LinkParamIter } from "../../assembly/coap/linkformat";
export * from "./base";

const links = new LinkIter();
const params = new LinkParamIter();

export function probe_link(p: usize, n: i32): i32 {
  let st = links.findRtText(p, n, "ace.est");
  links.reset(p, n);
  while (links.next() > 0) {
    st += links.ctAt(0) + links.port + links.pathLen + (links.osc ? 1 : 0) + <i32>links.sz;
    params.reset(links.params, links.paramsLen);
    while (params.next() > 0) st += params.nameIs("rt") ? 1 : 0;
  }
  return st;
}
