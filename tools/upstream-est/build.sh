#!/usr/bin/env bash
# Build GlobalSign's RFC 7030 EST server (github.com/globalsign/est v1.0.6, pinned with its dependencies in go.mod
# and go.sum here) into build/estserver, for the registration-authority test (test/server-upstream.test.ts).
# The sources come from the Go module proxy into Go's module cache; nothing of them is kept in the project.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../build/estserver"
if ! command -v go >/dev/null; then echo "upstream-est: no go toolchain" >&2; exit 1; fi
mkdir -p "$(dirname "$out")"
cd "$here"
GOFLAGS=-mod=readonly go build -o "$out" github.com/globalsign/est/cmd/estserver
"$out" -version
