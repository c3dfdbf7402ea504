#!/usr/bin/env bash
# Build the desktop simulator build/est-sim: fetch wasm3 if needed, build the native crypto provider (mbedTLS),
# then CMake (boards/posix); also the C API's test driver build/est-client-test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/fetch-wasm3.sh
bash tools/build-mbedtls.sh host >/dev/null
cmake -S boards/posix -B build/posix -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
cmake --build build/posix --parallel 2 >/dev/null
cp build/posix/est-sim build/est-sim
cp build/posix/est-client-test build/est-client-test
