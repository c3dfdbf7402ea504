# Sourced by the Cortex-M firmware builds (tools/build-mps2.sh, tools/build-nrf52840.sh): which crypto provider
# and which device module the firmware gets. Reads CRYPTO; sets crypto_src, crypto_lib and module, and appends to
# suffix and BOARD_FLAGS (both must exist).
# CRYPTO=none (default): the portable build, caps() 0, the module build/client.wasm does all its cryptography.
# CRYPTO=native: the native crypto provider (mbedTLS + p256-m, tools/build-mbedtls.sh m4) behind the crypto
#   import and the native-crypto module build/client-native.wasm (no cryptography of its own); the firmware
#   gets the suffix -native and BOARD_NATIVE_CRYPTO (boards/common/ram_256k.h: the module's memory).
crypto_src=(host/crypto/none_provider.c)
crypto_lib=()
module=build/client.wasm
case "${CRYPTO:-none}" in
  none) ;;
  native) crypto_src=(); crypto_lib=("$(bash tools/build-mbedtls.sh m4)"); suffix="$suffix-native"; module=build/client-native.wasm; BOARD_FLAGS+=(-DBOARD_NATIVE_CRYPTO=1) ;;
  *) echo "CRYPTO must be none or native" >&2; exit 2 ;;
esac
