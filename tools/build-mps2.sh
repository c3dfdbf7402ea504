#!/usr/bin/env bash
# Build the firmware of the emulated board (QEMU mps2-an386, Cortex-M4F, held to nRF52840 limits):
# wasm3 + host/ + boards/mps2-an386 + build/client.wasm embedded -> build/mps2-an386.elf, and print the
# size of each component. Needs gcc-arm-none-eabi and libnewlib-arm-none-eabi (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/fetch-wasm3.sh
[ -f build/client.wasm ] || { echo "build-mps2: build/client.wasm missing (npm run build:wasm)" >&2; exit 1; }
out=build/mps2
mkdir -p "$out"
CC=arm-none-eabi-gcc
ARCH=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
CFLAGS=("${ARCH[@]}" -Os -ffunction-sections -fdata-sections -std=gnu11)
W3=build/third_party/wasm3
objs=()
for f in "$W3"/*.c; do
  o="$out/w3_$(basename "${f%.c}").o"
  # Third-party code: its warnings are not ours. d_m3LogOutput=0: no printf-based tracing in the firmware.
  $CC "${CFLAGS[@]}" -w -fno-strict-aliasing -Dd_m3LogOutput=0 -Dd_m3CodePageAlignSize=4096 -I"$W3" -c "$f" -o "$o"
  objs+=("$o")
done
for f in host/est_host.c host/wasm_check.c; do
  o="$out/host_$(basename "${f%.c}").o"
  $CC "${CFLAGS[@]}" -Wall -Wextra -Wno-unused-parameter -Ihost/include -Iboards -Iboards/mps2-an386 -I"$W3" -c "$f" -o "$o"
  objs+=("$o")
done
for f in boards/mps2-an386/*.c; do
  o="$out/board_$(basename "${f%.c}").o"
  $CC "${CFLAGS[@]}" -Wall -Wextra -Ihost/include -Iboards -Iboards/mps2-an386 -c "$f" -o "$o"
  objs+=("$o")
done
$CC "${ARCH[@]}" -DMODULE_PATH="\"build/client.wasm\"" -c boards/mps2-an386/module.S -o "$out/module.o"
objs+=("$out/module.o")
# RAM_KIB overrides the nRF52840's 256 KiB, only to measure how much a command would need.
ram=${RAM_KIB:-256}
elf=build/mps2-an386.elf
[ "$ram" = 256 ] || elf=build/mps2-an386-${ram}k.elf
$CC "${ARCH[@]}" -T boards/mps2-an386/link.ld -Wl,--defsym=__ram_kib=$ram -nostartfiles --specs=nano.specs -Wl,--gc-sections \
  -Wl,-Map="$out/mps2-an386.map" "${objs[@]}" -lm -o "$elf"
echo "build-mps2: $elf (RAM ${ram} KiB)"
arm-none-eabi-size "$elf"
# Flash by component (text + data of the object files that went in).
for part in w3_ host_ board_ module; do
  arm-none-eabi-size -t "$out"/${part}*.o | tail -1 | awk -v p="$part" '{printf "  %-8s text %7d  data %5d  bss %6d\n", p, $1, $2, $3}'
done
