// The module's panic handler: replaces AssemblyScript's abort (asconfig "use": abort=...). It reports the
// message and source location through board.panic, then traps. It imports nothing but the board ABI, so the
// compiler can reach it from any global initializer without a cycle.

import * as board from "./abi";

function asciiInto(s: string | null, dst: usize, cap: i32): i32 {
  if (s === null) return 0;
  const str = changetype<string>(s);
  let n = str.length;
  if (n > cap) n = cap;
  for (let i = 0; i < n; i++) {
    const c = <i32>str.charCodeAt(i);
    store<u8>(dst + <usize>i, <u8>(c < 0x80 ? c : 0x3f));
  }
  return n;
}

export function modulePanic(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const panicMsg = memory.data(128, 8);
  const panicFile = memory.data(96, 8);
  const ml = asciiInto(message, panicMsg, 128);
  const fl = asciiInto(fileName, panicFile, 96);
  board.panic(panicMsg, ml, panicFile, fl, <i32>line, <i32>column);
  unreachable();
}
