#!/usr/bin/env bash
# Build the desktop simulator build/est-sim: fetch wasm3 if needed, build the native crypto provider (mbedTLS),
# then CMake (boards/posix).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/fetch-wasm3.sh
bash tools/build-mbedtls.sh host >/dev/null
cmake -S boards/posix -B build/posix -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
cmake --build build/posix --parallel 2 >/dev/null
cp build/posix/est-sim build/est-sim
