#!/usr/bin/env bash
# Fetch the mbedTLS 3.5.1 sources (PSA Crypto API, p256-m, everest) from the crates.io package psa-crypto-sys
# 0.13.0 with cargo, verify the .crate's sha256 (pinned in host/crypto/psa-crypto-sys.pin) and unpack its
# vendor/ folder to build/third_party/mbedtls. The sources are never committed. Idempotent: does nothing when
# already unpacked.
#
# cargo downloads crates only as dependencies of a project, so a throwaway project under build/ depends on
# the pinned version; `cargo fetch` puts the .crate into a CARGO_HOME of our own under build/ (it also fetches
# the crate's small build-time dependencies, which nothing here uses). Debian 12's cargo (0.66) predates the
# sparse registry protocol (stable from cargo 1.68): it is asked for it with -Z sparse-registry, which that
# release enables through RUSTC_BOOTSTRAP=1, instead of cloning the whole crates.io index.
set -euo pipefail
cd "$(dirname "$0")/.."
pin=host/crypto/psa-crypto-sys.pin
dest=build/third_party/mbedtls
read -r name version hash < <(grep -v '^#' "$pin" | grep .)
want=${hash#sha256:}
if [ -f "$dest/.sha256" ] && [ "$(cat "$dest/.sha256")" = "$want" ] && [ -f "$dest/include/psa/crypto.h" ]; then
  exit 0
fi
cargo=$(command -v cargo || true)
[ -n "$cargo" ] || { [ -x "$HOME/.cargo/bin/cargo" ] && cargo="$HOME/.cargo/bin/cargo"; }
[ -n "$cargo" ] || { echo "fetch-mbedtls: cargo not found (Debian: apt-get install cargo; .ci/run installs it)" >&2; exit 1; }

proj=build/cargo-fetch
home=$PWD/build/cargo-home
mkdir -p "$proj/src" "$home"
cat > "$proj/Cargo.toml" <<TOML
[package]
name = "fetch-mbedtls"
version = "0.0.0"
edition = "2018"
publish = false

[dependencies]
$name = { version = "=$version", default-features = false }
TOML
: > "$proj/src/lib.rs"
rm -f "$proj/Cargo.lock"  # resolved afresh: only the pinned crate matters, and its hash is checked below
flags=()
env=(CARGO_HOME="$home")
cv=$("$cargo" --version | awk '{print $2}')
if [ "$(printf '%s\n1.68.0\n' "$cv" | sort -V | head -1)" != 1.68.0 ]; then
  flags=(-Z sparse-registry)
  env+=(RUSTC_BOOTSTRAP=1)
fi
(cd "$proj" && env "${env[@]}" "$cargo" "${flags[@]}" fetch --quiet)
crate=$(ls "$home"/registry/cache/*/"$name-$version.crate" 2>/dev/null | head -1)
[ -n "$crate" ] || { echo "fetch-mbedtls: cargo fetched no $name-$version.crate" >&2; exit 1; }
got=$(sha256sum "$crate" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
  echo "fetch-mbedtls: $crate has sha256 $got, expected $want; refusing to use it" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$crate" -C "$tmp" "$name-$version/vendor"
v="$tmp/$name-$version/vendor"
for f in include/psa/crypto.h library/psa_crypto.c 3rdparty/p256-m/p256-m/p256-m.c LICENSE; do
  [ -f "$v/$f" ] || { echo "fetch-mbedtls: the $name $version archive has no vendor/$f" >&2; exit 1; }
done
grep -q 'MBEDTLS_VERSION_STRING *"3.5.1"' "$v/include/mbedtls/build_info.h" || {
  echo "fetch-mbedtls: the archive does not carry mbedTLS 3.5.1" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
mv "$v/include" "$v/library" "$v/3rdparty" "$v/LICENSE" "$dest/"
echo "$want" > "$dest/.sha256"
echo "fetch-mbedtls: mbedTLS 3.5.1 sources in $dest ($(ls "$dest"/library/*.c | wc -l) C files)"
