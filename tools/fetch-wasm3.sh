#!/usr/bin/env bash
# Fetch the wasm3 v0.5.0 interpreter sources from the pywasm3 0.5.0 source distribution on PyPI, verify the
# archive's sha256 (pinned in host/wasm3/pywasm3.requirements.txt) and unpack its wasm3/ folder to
# build/third_party/wasm3. The sources are never committed. Idempotent: does nothing when already unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."
req=host/wasm3/pywasm3.requirements.txt
dest=build/third_party/wasm3
want=$(grep -o 'sha256:[0-9a-f]*' "$req" | cut -d: -f2)
if [ -f "$dest/.sha256" ] && [ "$(cat "$dest/.sha256")" = "$want" ] && [ -f "$dest/wasm3.h" ]; then
  exit 0
fi
dl=build/dl
mkdir -p "$dl"
archive="$dl/pywasm3-0.5.0.tar.gz"
if [ ! -f "$archive" ] || [ "$(sha256sum "$archive" | cut -d' ' -f1)" != "$want" ]; then
  rm -f "$archive"
  # --no-binary: the source distribution, not a wheel; --require-hashes via the requirements file.
  python3 -m pip download --quiet --no-deps --no-binary :all: --require-hashes -r "$req" -d "$dl"
fi
got=$(sha256sum "$archive" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
  echo "fetch-wasm3: $archive has sha256 $got, expected $want; refusing to use it" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$archive" -C "$tmp" pywasm3-0.5.0/wasm3
for f in wasm3.h m3_env.c m3_compile.c m3_exec.h; do
  if [ ! -f "$tmp/pywasm3-0.5.0/wasm3/$f" ]; then
    echo "fetch-wasm3: the pywasm3 0.5.0 archive has no wasm3/$f; it does not carry usable interpreter sources" >&2
    exit 1
  fi
done
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tmp/pywasm3-0.5.0/wasm3" "$dest"
echo "$want" > "$dest/.sha256"
echo "fetch-wasm3: wasm3 v0.5.0 sources in $dest ($(ls "$dest"/*.c | wc -l) C files)"
