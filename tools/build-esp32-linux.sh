#!/usr/bin/env bash
# Build boards/esp32's board code for Linux: board_esp32.c and module_source.c with the stand-ins for the
# ESP-IDF headers they use (boards/esp32/test/fake-idf), wasm3 and host/ -> build/esp32-linux/esp32-linux; and
# the example application on the est_client component -> build/esp32-linux/esp32-sensor (below).
#   esp32-linux MODULE command [args...]     (EST_FAKE_NVS=FILE: the NVS contents between "boots")
# -Werror: the board code must compile cleanly, as the ESP-IDF build would report it. Safe to run from several
# processes at once (a lock; the binary is replaced in one step).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/fetch-wasm3.sh
W3=build/third_party/wasm3
OUT=build/esp32-linux
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9
if [ ! -f "$OUT/libwasm3.a" ]; then
  objs=()
  for f in "$W3"/*.c; do
    o="$OUT/$(basename "${f%.c}").o"
    # Third-party code: its warnings are not ours.
    gcc -O2 -w -fno-strict-aliasing -Dd_m3MaxFunctionStackHeight=512 -I "$W3" -c "$f" -o "$o"
    objs+=("$o")
  done
  ar rcs "$OUT/libwasm3.a.tmp" "${objs[@]}"
  mv "$OUT/libwasm3.a.tmp" "$OUT/libwasm3.a"
fi
# CRYPTO=none (default): no crypto provider (caps() 0). CRYPTO=native: the mbedTLS provider built for the host
# (tools/build-mbedtls.sh host) stands in for ESP-IDF's mbedTLS (README: the ESP32 mapping) -> esp32-linux-native.
crypto=(host/crypto/none_provider.c)
name=esp32-linux
case "${CRYPTO:-none}" in
  none) ;;
  native) crypto=("$(bash tools/build-mbedtls.sh host)"); name=esp32-linux-native ;;
  *) echo "CRYPTO must be none or native" >&2; exit 2 ;;
esac
gcc -O1 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -Dd_m3MaxFunctionStackHeight=512 -pthread \
  -I boards/esp32/test/fake-idf -I boards/esp32 -I boards/common -I boards/common/sockets -I boards -I host/include -I "$W3" \
  boards/esp32/board_esp32.c boards/common/module_source.c boards/common/sockets/bsd_udp.c boards/esp32/test/fake_idf.c boards/esp32/test/main_linux.c \
  host/est_client.c host/est_host.c host/wasm_check.c host/est_render.c host/est_messages.c host/wasm3_ext.c host/est_crypto_imports.c "${crypto[@]}" "$OUT/libwasm3.a" -lm -o "$OUT/$name.tmp"
mv "$OUT/$name.tmp" "$OUT/$name"
# The example application (examples/esp32-sensor) on the est_client component (components/est_client), with
# the stand-ins for FreeRTOS tasks, the module partition (EST_FAKE_MODULE) and sdkconfig.h; it stops after
# EXAMPLE_READINGS readings (default 2) every EXAMPLE_REPORT_S seconds (default 2) -> esp32-sensor.
gcc -O1 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -Dd_m3MaxFunctionStackHeight=512 -pthread \
  -DCONFIG_EXAMPLE_READINGS="${EXAMPLE_READINGS:-2}" -DCONFIG_EXAMPLE_REPORT_S="${EXAMPLE_REPORT_S:-2}" \
  -I boards/esp32/test/fake-idf -I examples/esp32-sensor/main -I components/est_client/include -I boards/esp32 -I boards/common \
  -I boards/common/sockets -I boards -I host/include -I "$W3" \
  examples/esp32-sensor/main/app_main.c examples/esp32-sensor/test/network_linux.c boards/esp32/test/app_linux.c \
  components/est_client/est_client_esp32.c boards/esp32/board_esp32.c boards/common/module_source.c boards/common/sockets/bsd_udp.c \
  boards/esp32/test/fake_idf.c host/est_client.c host/est_host.c host/wasm_check.c host/est_render.c host/est_messages.c \
  host/wasm3_ext.c host/est_crypto_imports.c "${crypto[@]}" "$OUT/libwasm3.a" -lm -o "$OUT/esp32-sensor.tmp"
mv "$OUT/esp32-sensor.tmp" "$OUT/esp32-sensor"
