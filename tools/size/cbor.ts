// Size probe: the runtime plus every CBOR encoder and decoder entry point (kept alive by exported wrappers).
import * as E from "../../assembly/cbor/encode";
import { CborReader } from "../../assembly/cbor/decode";
export * from "./base";

const r = new CborReader();

export function probe_cbor_decode(p: usize, n: i32, strict: bool): i32 {
  r.reset(p, n, strict);
  let st = r.peekType() | r.skip() | r.readInt(-24, 23) | r.readUint() | r.readBstr() | r.readTstr() | r.enterArray();
  st |= r.enterMap() | r.readTag() | r.readSimple() | r.readBool() | r.readFloat() | r.readBreak() | r.finish();
  return st + (r.readNull() ? 1 : 0) + (r.isBreak() ? 2 : 0) + <i32>r.value + r.size + r.count + r.itemLen;
}

export function probe_cbor_encode(b: usize, cap: i32, v: i64, p: usize, n: i32): i32 {
  let o = E.cborArray(b, cap, 0, 3);
  o = E.cborUint(b, cap, o, <u64>v);
  o = E.cborInt(b, cap, o, v);
  o = E.cborNint(b, cap, o, <u64>v);
  o = E.cborBstr(b, cap, o, p, n);
  o = E.cborTstr(b, cap, o, p, n);
  o = E.cborBstrHead(b, cap, o, n);
  o = E.cborText(b, cap, o, "Signature1");
  o = E.cborMap(b, cap, o, 1);
  o = E.cborTag(b, cap, o, 24);
  o = E.cborSimple(b, cap, o, n);
  o = E.cborBool(b, cap, o, n > 0);
  o = E.cborNull(b, cap, o);
  o = E.cborUndefined(b, cap, o);
  o = E.cborFloat(b, cap, o, <u64>v);
  o = E.cborRaw(b, cap, o, p, n);
  return E.cborWrapBstr(b, cap, 0, o);
}
