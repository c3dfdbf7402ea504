// Size probe: the runtime plus the CoAP message codec (kept alive by exported wrappers).
import { CoapMessage, CoapOptionIter, CoapBuilder, BlockValue, blockValue, blockSzx } from "../../assembly/coap/message";
export * from "./base";

const msg = new CoapMessage();
const it = new CoapOptionIter();
const b = new CoapBuilder();
const blk = new BlockValue();

export function probe_coap(p: usize, n: i32, out: usize, cap: i32): i32 {
  let st = msg.parse(p, n) | msg.find(11) | msg.getUint(12) | msg.firstUnknownCritical();
  it.reset(msg);
  while (it.next() > 0) st += it.number;
  st |= blk.decode(msg.value, msg.valueLen) | blk.size() | blockValue(blk.num, blk.more, blk.szx) | blockSzx(n);
  b.reset(0, 1, n);
  st |= b.setToken(p, 8) | b.add(11, p, n) | b.addUint(12, <u32>n) | b.addUriPath(p, n) | b.setPayload(p, n);
  st |= msg.parseBody(p, n) | b.buildBody(out, cap);
  return st | b.build(out, cap);
}
