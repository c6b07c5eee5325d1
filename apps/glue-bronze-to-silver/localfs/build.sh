#!/usr/bin/env bash
# Compiles the local-mode file system shim (NioPermissionsLocalFileSystem) against the Hadoop client jars
# PySpark ships, into build/finlake-localfs.jar. Called by `make setup`; skipped when up to date.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
jars=$("$root/.venv/bin/python" -c 'import pyspark, os; print(os.path.join(os.path.dirname(pyspark.__file__), "jars"))')
src="$here/src/finlake/localfs/NioPermissionsLocalFileSystem.java"
out="$here/build/finlake-localfs.jar"
if [[ -f "$out" && "$out" -nt "$src" && "$out" -nt "$jars/hadoop-client-api-3.3.4.jar" ]]; then exit 0; fi
command -v javac >/dev/null || { echo "javac not found: install the JDK 17 (npx finlake doctor says how); local Spark writes would fork chmod per file" >&2; exit 1; }
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac --release 17 -nowarn -cp "$jars/*" -d "$classes" "$src"
mkdir -p "$here/build"
jar --create --file "$out.tmp" -C "$classes" .
mv "$out.tmp" "$out"
echo "built $out"
