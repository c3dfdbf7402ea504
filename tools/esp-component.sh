#!/usr/bin/env bash
# Pack components/est_client as a self-contained ESP-IDF component archive with Espressif's IDF Component
# Manager (compote, pinned in tools/interop/requirements.txt and installed into build/venv by
# tools/setup-python.sh). The component's folder is staged with the sources it builds from in the repository
# under src/ (its CMakeLists.txt takes them from there): the shared host and the C API (host/), the ESP32
# board (boards/esp32, boards/common), wasm3 v0.5.0 with its licence (from the pinned pywasm3 source archive,
# tools/fetch-wasm3.sh) and the device module build/client.wasm. Then `compote component pack`, which checks
# the manifest, writes build/esp-component/dist/est_client_VERSION.tgz. Works offline.
#   bash tools/esp-component.sh            -> prints the archive's path
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/fetch-wasm3.sh >/dev/null
bash tools/setup-python.sh >/dev/null
[ -f build/client.wasm ] || { echo "esp-component: build/client.wasm is missing (npm run build:wasm)" >&2; exit 1; }
out=build/esp-component
stage=$out/est_client
rm -rf "$out"
mkdir -p "$stage/src/host/include" "$stage/src/host/crypto" "$stage/src/boards/esp32" "$stage/src/boards/common/sockets" "$stage/src/wasm3"
cp -r components/est_client/. "$stage/"
cp host/est_client.c host/est_host.c host/wasm_check.c host/est_render.c host/est_messages.c host/wasm3_ext.c \
   host/est_crypto_imports.c "$stage/src/host/"
cp host/include/*.h "$stage/src/host/include/"
cp host/crypto/none_provider.c "$stage/src/host/crypto/"
cp boards/board.h "$stage/src/boards/"
cp boards/esp32/board_esp32.c boards/esp32/board_esp32.h boards/esp32/capabilities.h "$stage/src/boards/esp32/"
cp boards/common/module_source.c boards/common/module_source.h "$stage/src/boards/common/"
cp boards/common/sockets/bsd_udp.c boards/common/sockets/bsd_udp.h "$stage/src/boards/common/sockets/"
cp build/third_party/wasm3/*.c build/third_party/wasm3/*.h "$stage/src/wasm3/"
tar -xzf build/dl/pywasm3-0.5.0.tar.gz -O pywasm3-0.5.0/LICENSE > "$stage/src/wasm3/LICENSE"
cp build/client.wasm "$stage/src/client.wasm"
version=$(sed -n 's/^version: "\(.*\)"$/\1/p' components/est_client/idf_component.yml)
(cd "$stage" && ../../venv/bin/compote component pack --name est_client --dest-dir ../dist >&2)
archive="$out/dist/est_client_$version.tgz"
[ -f "$archive" ] || { echo "esp-component: compote wrote no $archive" >&2; exit 1; }
echo "$archive"
