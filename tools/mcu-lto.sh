# Sourced by the Cortex-M firmware builds (tools/build-mps2.sh, tools/build-nrf52840.sh): link-time
# optimization, and the flash report that goes with it. Sets LTO and LTOFLAGS; defines print_components.
# LTO=1 (default): link-time optimization across wasm3, host/, the board and the crypto provider (tools/
#   build-mbedtls.sh m4 builds it the same way), in one partition: for the native-crypto build about 8.4 KB
#   less flash, 3.6% fewer instructions and 0.9 KB less stack in an enrollment (README "Measurements").
#   heap.c and syscalls.c stay out of it (-fno-lto): their only callers are newlib's objects, which join the
#   link after the optimization dropped what nothing in it called. Nor does boards/common/libc_small.c, which
#   stands in for newlib functions (and is compiled without builtins). LTO=0 compiles object by object.
LTO=${LTO:-1}
LTOFLAGS=()
if [ "$LTO" = 1 ]; then LTOFLAGS=(-flto -flto-partition=one); fi

# print_components DIR: the flash of each component (text + data of the object files that went in); with
# LTO the objects hold no code yet, so only the module's is known.
print_components() {
  if [ "$LTO" = 1 ]; then
    arm-none-eabi-size -t "$1"/module.o | tail -1 | awk '{printf "  module   text %7d; the rest is one link-time-optimized unit (LTO=0 prints each component)\n", $1}'
    return
  fi
  for part in w3_ host_ board_ module; do
    arm-none-eabi-size -t "$1"/${part}*.o | tail -1 | awk -v p="$part" '{printf "  %-8s text %7d  data %5d  bss %6d\n", p, $1, $2, $3}'
  done
}
