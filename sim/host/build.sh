#!/usr/bin/env bash
# Compiles the sim's JVM host (plain JDK, no jars) into sim/host/build/; does nothing when the classes are
# newer than every source. Usage: sim/host/build.sh [--force]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src="$here/src"
out="$here/build"
stamp="$out/.built"

up_to_date() {
  [ -f "$stamp" ] && [ -z "$(find "$src" "$here/build.sh" -newer "$stamp" -print -quit)" ]
}

[ "${1:-}" != "--force" ] && up_to_date && exit 0
command -v javac >/dev/null || {
  echo "build.sh: javac not found: install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }

# One build at a time (parallel test sessions may all call this).
exec 9>"$here/.build.lock"
flock 9
[ "${1:-}" != "--force" ] && up_to_date && exit 0

tmp=$(mktemp -d "$here/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
find "$src" -name '*.java' > "$tmp/sources"
javac --release 17 -encoding UTF-8 -Xlint:all,-serial -Werror -d "$tmp/classes" @"$tmp/sources"
touch "$tmp/classes/.built"
# Swapped in whole, so that a host started meanwhile never loads half a build.
rm -rf "$out.old"
if [ -d "$out" ]; then mv "$out" "$out.old"; fi
mv "$tmp/classes" "$out"
rm -rf "$out.old"
