#!/usr/bin/env bash
# Measure what the CBOR codec, the CoAP message codec and the link-format parser add to a module built with the
# client's release flags: compile tools/size/base.ts (runtime only) and each probe (runtime + one codec, every
# entry point kept alive by exported wrappers), then print module, code-section and data-segment sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/size
section() { # $1 wasm, $2 section name -> size in bytes (from wasm-objdump -h)
  printf '%d' "$(wasm-objdump -h "$1" | sed -n "s/^ *$2 .*(size=\(0x[0-9a-f]*\)).*/\1/p")"
}
heap_base() { # static memory end (data segments plus memory.data buffers): where the start function puts the heap
  grep -B1 'global.set $~lib/rt/stub/offset' "$1" | sed -n 's/^ *i32.const \([0-9]*\)$/\1/p' | head -1
}
printf '%-6s %8s %8s %8s %10s\n' probe module code data heap_base
for p in base cbor coap link all; do
  npx asc "tools/size/$p.ts" --config asconfig.json --target release --outFile "build/size/$p.wasm" --textFile "build/size/$p.wat" >/dev/null 2>&1
  printf '%-6s %8d %8d %8d %10d\n' "$p" "$(stat -c %s "build/size/$p.wasm")" "$(section "build/size/$p.wasm" Code)" \
    "$(section "build/size/$p.wasm" Data)" "$(heap_base "build/size/$p.wat")"
done
