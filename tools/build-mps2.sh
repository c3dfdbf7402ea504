#!/usr/bin/env bash
# Build the firmware of the emulated board (QEMU mps2-an386, Cortex-M4F, held to nRF52840 limits):
# wasm3 + host/ + boards/mps2-an386 + build/client.wasm embedded -> build/mps2-an386.elf, and print the
# size of each component. Needs gcc-arm-none-eabi and libnewlib-arm-none-eabi (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/fetch-wasm3.sh
[ -f build/client.wasm ] || { echo "build-mps2: build/client.wasm missing (npm run build:wasm)" >&2; exit 1; }
CC=arm-none-eabi-gcc
ARCH=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
source tools/mcu-lto.sh  # LTO=1|0: LTOFLAGS, print_components
CFLAGS=("${ARCH[@]}" -Os -ffunction-sections -fdata-sections -std=gnu11 "${LTOFLAGS[@]}" ${EXTRA_CFLAGS:-})
W3=build/third_party/wasm3
# wasm3 tuned for RAM (each saves memory the module would otherwise not fit in):
#   d_m3CodePageAlignSize=1024 (wasm3's own choice for small targets): the code of one step of a command is
#     compiled after the last step's was dropped (est_host_limits_t.code_cache_bytes), and `else` blocks and
#     br_table targets each open a page of their own, so 4 KiB pages stood mostly empty: 4 KiB pages needed
#     about 12 KB more for the same code (README "RAM").  CODE_PAGE=4096 builds the old way, to compare.
#   d_m3MaxFunctionStackHeight=128: the compiler's per-function stack tables live in the runtime struct, and
#     a copy on the C stack while loading (2000 by default: ~11 KiB; 512: 3,120 B; 128: about 1.2 KiB). The
#     deepest function of the modules a board runs needs between 64 and 96. A function deeper than the limit
#     fails to compile with a clear error; the eager check build (COMPILE_EAGERLY=1) compiles every function of
#     a module, and test/board-mps2.test.ts runs it on each of them.
#   d_m3MaxDuplicateFunctionImpl=1: one name per function (the module exports none twice): 8 bytes per function.
# and for flash:
#   d_m3HasFloat=0: no floating-point operations (the modules have none: test/abi-sync.test.ts checks), which
#     also keeps the soft-float library out: about 25 KB of flash. W3_FLOAT=1 builds them in, to compare.
#   d_m3VerboseErrorMessages=0 (wasm3's own default for its small platforms): no formatted detail after an
#     error's fixed text (which the host prints, with its own context); about 0.7 KB.
W3FLAGS=(-Dd_m3CodePageAlignSize=${CODE_PAGE:-1024} -Dd_m3MaxFunctionStackHeight=${W3_STACK_HEIGHT:-128} -Dd_m3MaxDuplicateFunctionImpl=1 -Dd_m3HasFloat=${W3_FLOAT:-0} -Dd_m3VerboseErrorMessages=0)
# RAM_KIB overrides the nRF52840's 256 KiB, only to measure how much a command would need.
# COMPILE_EAGERLY=1 compiles every function at load (a check that all compile within the limits above).
ram=${RAM_KIB:-256}
suffix=""
[ "$ram" = 256 ] || suffix="-${ram}k"
BOARD_FLAGS=()
if [ "${COMPILE_EAGERLY:-0}" = 1 ]; then BOARD_FLAGS+=(-DBOARD_COMPILE_EAGERLY=1); suffix="$suffix-eager"; fi
source tools/mcu-crypto.sh  # CRYPTO=none|native: crypto_src, crypto_lib, module, suffix -native
suffix="$suffix${VARIANT:+-$VARIANT}"  # VARIANT=name: a separate build (e.g. with MODULE_WASM=another.wasm)
# APP=examples/mps2-sensor: an application's main.c instead of the test firmware's (boards/mps2-an386/main.c)
#   -> build/mps2-an386-sensor.elf (the folder name without "mps2-").
main_src=boards/mps2-an386/main.c
if [ -n "${APP:-}" ]; then main_src="$APP/main.c"; app=$(basename "$APP"); suffix="$suffix-${app#mps2-}"; fi
out=build/mps2$suffix
mkdir -p "$out"
rm -f "$out"/*.o
objs=()
for f in "$W3"/*.c; do
  o="$out/w3_$(basename "${f%.c}").o"
  # Third-party code: its warnings are not ours. d_m3LogOutput=0: no printf-based tracing in the firmware.
  $CC "${CFLAGS[@]}" -w -fno-strict-aliasing -Dd_m3LogOutput=0 "${W3FLAGS[@]}" -I"$W3" -c "$f" -o "$o"
  objs+=("$o")
done
for f in host/est_client.c host/est_host.c host/wasm_check.c host/est_render.c host/est_messages.c host/wasm3_ext.c host/est_crypto_imports.c "${crypto_src[@]}"; do
  o="$out/host_$(basename "${f%.c}").o"
  # EST_MESSAGES_DEVICE_ONLY: the message table without the texts only the simulator's module emits
  $CC "${CFLAGS[@]}" -Wall -Wextra -Wno-unused-parameter -DEST_MESSAGES_DEVICE_ONLY -Ihost/include -Iboards -Iboards/mps2-an386 -I"$W3" "${W3FLAGS[@]}" -c "$f" -o "$o"
  objs+=("$o")
done
for f in boards/common/*.c boards/mps2-an386/*.c; do
  [ "$f" = boards/mps2-an386/main.c ] && f=$main_src
  o="$out/board_$(basename "${f%.c}").o"
  nolto=(); case "$f" in */heap.c|*/syscalls.c) nolto=(-fno-lto) ;; */libc_small.c) nolto=(-fno-lto -fno-builtin -fno-tree-loop-distribute-patterns) ;; esac
  $CC "${CFLAGS[@]}" "${nolto[@]}" "${BOARD_FLAGS[@]}" -Wall -Wextra -Ihost/include -Iboards -Iboards/common -Iboards/mps2-an386 -c "$f" -o "$o"
  objs+=("$o")
done
$CC "${ARCH[@]}" -DMODULE_PATH="\"${MODULE_WASM:-$module}\"" -c boards/mps2-an386/module.S -o "$out/module.o"
objs+=("$out/module.o")
elf=build/mps2-an386${suffix}.elf
$CC "${ARCH[@]}" -Os "${LTOFLAGS[@]}" -T boards/mps2-an386/link.ld -Wl,--defsym=__ram_kib=$ram -nostartfiles --specs=nano.specs -Wl,--gc-sections \
  -Wl,-Map="$out/mps2-an386.map" "${objs[@]}" "${crypto_lib[@]}" -lm -o "$elf"
echo "build-mps2: $elf (RAM ${ram} KiB)"
arm-none-eabi-size "$elf"
print_components "$out"
