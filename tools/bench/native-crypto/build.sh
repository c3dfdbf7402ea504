#!/usr/bin/env bash
# Build the native-crypto benchmark firmware for QEMU's mps2-an386: tools/bench/native-crypto/bench_main.c, the
# provider library (tools/build-mbedtls.sh m4) and the board's own startup, semihosting, clock, heap and key
# store (boards/mps2-an386, boards/common) -> build/bench-native-crypto.elf. Same flags as tools/build-mps2.sh.
set -euo pipefail
cd "$(dirname "$0")/../../.."
lib=$(bash tools/build-mbedtls.sh m4)  # X25519=everest: the HACL* X25519 variant
CC=arm-none-eabi-gcc
ARCH=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
out=build/bench-native-crypto
mkdir -p "$out"
objs=()
for f in tools/bench/native-crypto/bench_main.c boards/mps2-an386/startup.c boards/mps2-an386/board.c boards/mps2-an386/heap.c \
         boards/mps2-an386/syscalls.c boards/mps2-an386/flash.c boards/common/flash_store.c boards/common/slip_net.c; do
  o="$out/$(basename "${f%.c}").o"
  $CC "${ARCH[@]}" -Os -ffunction-sections -fdata-sections -std=gnu11 -Wall -Wextra -Ihost/include -Iboards -Iboards/common \
    -Iboards/mps2-an386 -c "$f" -o "$o"
  objs+=("$o")
done
$CC "${ARCH[@]}" -T boards/mps2-an386/link.ld -Wl,--defsym=__ram_kib=256 -nostartfiles --specs=nano.specs -Wl,--gc-sections \
  -Wl,-Map="$out/bench.map" "${objs[@]}" "$lib" -lm -o build/bench-native-crypto.elf
echo build/bench-native-crypto.elf
