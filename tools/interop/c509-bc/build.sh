#!/usr/bin/env bash
# Builds the BouncyCastle C509 harness into build/c509-bc: fetches bcprov, bcutil and bcpkix 1.87 from Maven
# Central with mvn (pom.xml pins them; Maven checks the repository's SHA-1 strictly), checks each jar's SHA-256
# against jars.sha256, and compiles C509Bc.java with javac. Does nothing when the build is up to date.
# Needs a JDK 17+ and Maven (Debian 12: default-jdk-headless, maven). Run: bash tools/interop/c509-bc/build.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$root/build/c509-bc"
lib="$out/lib"
stamp="$out/classes/C509Bc.class"
if [ -f "$stamp" ] && [ "$stamp" -nt "$here/C509Bc.java" ] && [ "$stamp" -nt "$here/pom.xml" ] && (cd "$lib" && sha256sum --quiet -c "$here/jars.sha256") 2>/dev/null; then
  exit 0
fi
mkdir -p "$lib" "$out/classes"
mvn -q -B --strict-checksums -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib" -DincludeScope=runtime
(cd "$lib" && sha256sum --quiet -c "$here/jars.sha256") || { echo "c509-bc: a BouncyCastle jar does not have the pinned SHA-256" >&2; exit 1; }
javac -encoding UTF-8 -Xlint:-options --release 17 -cp "$lib/*" -d "$out/classes" "$here/C509Bc.java"
