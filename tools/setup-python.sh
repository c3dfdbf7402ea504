#!/usr/bin/env bash
# Create build/venv with the pinned Python packages of tools/interop/requirements.txt (hash-checked).
# Idempotent: does nothing when the venv already matches the requirements.
set -euo pipefail
cd "$(dirname "$0")/.."
req=tools/interop/requirements.txt
venv=build/venv
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$req"
echo "$want" > "$stamp"
echo "setup-python: $(ls "$venv"/lib/python3*/site-packages | grep -c dist-info) packages in $venv"
