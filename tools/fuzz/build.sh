#!/usr/bin/env bash
# Build one libFuzzer binary per decoder: build/fuzz.wasm (test/fuzz/entry.ts) -> C (wasm2c, Debian wabt) ->
# clang with -fsanitize=fuzzer,address. Outputs build/fuzz/<target>.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v clang >/dev/null || { echo "fuzz: clang is not installed (apt-get install clang)" >&2; exit 1; }
RT=/usr/share/wabt/wasm2c
[ -f "$RT/wasm-rt-impl.c" ] || RT=/usr/src/wasm2c
npx asc test/fuzz/entry.ts --target fuzz
out=build/fuzz
mkdir -p "$out"
wasm2c build/fuzz.wasm -o "$out/fuzz.c"
# Explicit bounds checks (no guard-page signal handler, which would fight AddressSanitizer), and a wasm trap
# aborts, so that libFuzzer records it as a crash (wasm2c would otherwise longjmp to a buffer nobody set).
FLAGS=(-O1 -g -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -I"$out" -Itools/fuzz -I"$RT" -I/usr/include)
clang "${FLAGS[@]}" -fsanitize=fuzzer-no-link,address -c "$out/fuzz.c" -o "$out/fuzz.o"
clang "${FLAGS[@]}" -fsanitize=address -include tools/fuzz/trap.h -c "$RT/wasm-rt-impl.c" -o "$out/wasm-rt-impl.o"
# The "board" imports (deterministic stubs; panic aborts) and the trap handler.
clang "${FLAGS[@]}" -fsanitize=address -c tools/fuzz/board.c -o "$out/board.o"
# The "crypto" imports: a board without native crypto (caps 0), so the module's own crypto is fuzzed.
clang "${FLAGS[@]}" -fsanitize=address -c tools/fuzz/crypto.c -o "$out/crypto.o"
for t in $(bash tools/fuzz/targets.sh); do
  extra=()
  [ "$t" = store ] && extra=(-DFUZZ_STORE)
  clang "${FLAGS[@]}" "${extra[@]}" -fsanitize=fuzzer,address -DTARGET="Z_fuzzZ_fuzz_$t" tools/fuzz/harness.c "$out/fuzz.o" "$out/board.o" "$out/crypto.o" "$out/wasm-rt-impl.o" -lm -o "$out/$t"
done
echo "fuzz: built $(bash tools/fuzz/targets.sh | wc -w) targets in $out"
