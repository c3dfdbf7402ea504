#!/usr/bin/env bash
# Build the nRF52840 DK firmware (bare metal, no vendor SDK): wasm3 + host/ + boards/common + boards/nrf52840
# + build/client.wasm embedded -> build/nrf52840.elf and build/nrf52840.hex (Intel HEX for nrfjprog / pyOCD),
# and print the size of each component. Needs gcc-arm-none-eabi and libnewlib-arm-none-eabi (Debian).
#
# Shared with boards/mps2-an386 and compiled from there unchanged (they name no board peripheral):
#   heap.c     malloc/realloc/free between .bss and the stack (link.ld's __heap_start__ / __stack_limit__)
#   syscalls.c newlib stubs; _exit -> board_exit (board.c: EXIT frame, reset)
#   module.S   .incbin of the module into .rodata
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/fetch-wasm3.sh
CC=arm-none-eabi-gcc
ARCH=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
source tools/mcu-lto.sh  # LTO=1|0: LTOFLAGS, print_components
CFLAGS=("${ARCH[@]}" -Os -ffunction-sections -fdata-sections -std=gnu11 "${LTOFLAGS[@]}" ${EXTRA_CFLAGS:-})
W3=build/third_party/wasm3
# wasm3 tuned for RAM exactly as for mps2-an386 (see tools/build-mps2.sh for why each flag is there).
W3FLAGS=(-Dd_m3CodePageAlignSize=${CODE_PAGE:-1024} -Dd_m3MaxFunctionStackHeight=${W3_STACK_HEIGHT:-128} -Dd_m3MaxDuplicateFunctionImpl=1 -Dd_m3HasFloat=${W3_FLOAT:-0} -Dd_m3VerboseErrorMessages=0)
BOARD_FLAGS=()
suffix=""
if [ "${COMPILE_EAGERLY:-0}" = 1 ]; then BOARD_FLAGS+=(-DBOARD_COMPILE_EAGERLY=1); suffix="-eager"; fi
source tools/mcu-crypto.sh  # CRYPTO=none|native: crypto_src, crypto_lib, module, suffix -native
[ -f "$module" ] || { echo "build-nrf52840: $module missing (npm run build:wasm)" >&2; exit 1; }
out=build/nrf52840$suffix
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
  $CC "${CFLAGS[@]}" -Wall -Wextra -Wno-unused-parameter -DEST_MESSAGES_DEVICE_ONLY -Ihost/include -Iboards -Iboards/nrf52840 -I"$W3" "${W3FLAGS[@]}" -c "$f" -o "$o"
  objs+=("$o")
done
for f in boards/common/*.c boards/mps2-an386/heap.c boards/mps2-an386/syscalls.c boards/nrf52840/*.c; do
  o="$out/board_$(basename "${f%.c}").o"
  nolto=(); case "$f" in */heap.c|*/syscalls.c) nolto=(-fno-lto) ;; */libc_small.c) nolto=(-fno-lto -fno-builtin -fno-tree-loop-distribute-patterns) ;; esac
  $CC "${CFLAGS[@]}" "${nolto[@]}" "${BOARD_FLAGS[@]}" -Wall -Wextra -Ihost/include -Iboards -Iboards/common -Iboards/nrf52840 -c "$f" -o "$o"
  objs+=("$o")
done
$CC "${ARCH[@]}" -DMODULE_PATH="\"$module\"" -c boards/mps2-an386/module.S -o "$out/module.o"
objs+=("$out/module.o")
elf=build/nrf52840${suffix}.elf
hex=build/nrf52840${suffix}.hex
$CC "${ARCH[@]}" -Os "${LTOFLAGS[@]}" -T boards/nrf52840/link.ld -nostartfiles --specs=nano.specs -Wl,--gc-sections \
  -Wl,-Map="$out/nrf52840.map" "${objs[@]}" "${crypto_lib[@]}" -lm -o "$elf"
arm-none-eabi-objcopy -O ihex "$elf" "$hex"
echo "build-nrf52840: $elf, $hex"
arm-none-eabi-size "$elf"
print_components "$out"
