#!/usr/bin/env bash
# Checks the system toolchain Finlake needs and says exactly what to install when something is missing.
# Usage: check-toolchain.sh [--all]   (--all also checks that `make setup` has installed the environments)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fail=0
ok() { printf '  ok   %s\n' "$1"; }
bad() { printf '  FAIL %s\n       -> %s\n' "$1" "$2" >&2; fail=1; }

echo "Finlake toolchain:"
want_node=$(cat "$root/.node-version")
[[ -x $root/.tools/node/bin/node ]] && PATH=$root/.tools/node/bin:$PATH
if command -v node >/dev/null 2>&1; then
  v=$(node -p 'process.versions.node')
  if [[ ${v%%.*} == "${want_node%%.*}" ]]; then ok "Node.js $v ($(command -v node))"; else bad "Node.js $v (need $want_node, as Lambda and the images run)" "run make setup: it installs Node $want_node into .tools/node from the npm registry"; fi
else
  bad "Node.js not found (make setup needs an npm to fetch the pinned Node $want_node)" "install any Node.js with npm (e.g. apt-get install nodejs npm), then run make setup"
fi
if command -v npm >/dev/null 2>&1; then
  v=$(npm --version)
  if [[ ${v%%.*} -ge 10 ]]; then ok "npm $v"; else bad "npm $v (need >= 10)" "npm install -g npm@11"; fi
fi

py=${FINLAKE_PYTHON:-}
if [[ -z $py ]]; then
  for c in python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1 && [[ $("$c" -c 'import sys;print("%d.%d"%sys.version_info[:2])' 2>/dev/null) == 3.11 ]]; then py=$(command -v "$c"); break; fi
  done
fi
if [[ -n $py ]]; then ok "Python 3.11 ($py)"; else bad "Python 3.11 not found (Glue 5.0 runs Python 3.11)" "install Python 3.11 (apt-get install python3.11 python3.11-venv, pyenv install 3.11, or brew install python@3.11); or set FINLAKE_PYTHON=/path/to/python3.11"; fi

if command -v java >/dev/null 2>&1; then
  jv=$(java -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -1)
  if [[ $jv == 17 ]]; then ok "Java $jv (Spark 3.5 local mode)"; else bad "Java ${jv:-unknown} found; Spark 3.5 as on Glue 5.0 needs Java 17" "install OpenJDK 17 (apt-get install openjdk-17-jdk-headless, or brew install openjdk@17) and put it first on PATH or set JAVA_HOME"; fi
else
  bad "Java not found; the Glue job runs on local Spark 3.5, which needs Java 17" "install OpenJDK 17: apt-get install openjdk-17-jdk-headless (Debian/Ubuntu) or brew install openjdk@17, then set JAVA_HOME"
fi

# javac builds the local Spark file-system shim (apps/glue-bronze-to-silver/localfs); the JDK, not only a JRE.
if command -v javac >/dev/null 2>&1; then
  ok "javac $(javac -version 2>&1 | awk '{print $2}') (local Spark file-system shim)"
else
  bad "javac not found: the JDK 17 is needed, not only the JRE" "install OpenJDK 17's JDK: apt-get install openjdk-17-jdk-headless (Debian/Ubuntu) or brew install openjdk@17"
fi

if [[ ${1:-} == --all ]]; then
  if [[ -x $root/.venv/bin/python ]]; then ok "Python environment (.venv)"; else bad "Python environment missing" "run: make setup"; fi
  if [[ -d $root/node_modules/nx ]]; then ok "Node dependencies (node_modules)"; else bad "Node dependencies missing" "run: make setup"; fi
fi
exit $fail
