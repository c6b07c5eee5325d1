#!/usr/bin/env bash
# Installs everything the project needs from its lockfiles, and nothing when they have not changed.
#   node_modules  <- package-lock.json (npm ci)
#   .venv         <- uv.lock           (uv sync --frozen, with a pinned uv in .tools/uv)
# A stamp per environment records the hash of the inputs that built it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
UV_VERSION=0.13.9

bash tools/scripts/check-toolchain.sh

hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

# --- Node ---------------------------------------------------------------------------------
node_hash=$(hash_of package-lock.json)
if [[ -f node_modules/.finlake-stamp && $(cat node_modules/.finlake-stamp) == "$node_hash" ]]; then
  echo "bootstrap: node_modules up to date"
else
  echo "bootstrap: installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$node_hash" > node_modules/.finlake-stamp
fi

# --- Python -------------------------------------------------------------------------------
py=${FINLAKE_PYTHON:-$(command -v python3.11 || command -v python3)}
uv=.tools/uv/bin/uv
if [[ ! -x $uv || $($uv --version 2>/dev/null | cut -d' ' -f2) != "$UV_VERSION" ]]; then
  echo "bootstrap: installing uv $UV_VERSION into .tools/uv"
  rm -rf .tools/uv
  "$py" -m venv .tools/uv
  .tools/uv/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
py_hash=$(hash_of uv.lock pyproject.toml apps/*/pyproject.toml)
if [[ -f .venv/.finlake-stamp && $(cat .venv/.finlake-stamp) == "$py_hash" ]]; then
  echo "bootstrap: .venv up to date"
else
  echo "bootstrap: installing the Python environment (uv sync --frozen)"
  UV_PYTHON_DOWNLOADS=never $uv sync --frozen --python "$py" --quiet
  echo "$py_hash" > .venv/.finlake-stamp
fi

# The local Spark runs' file-system shim (a few lines of Java against PySpark's Hadoop jars; no-op when
# up to date). See apps/glue-bronze-to-silver/localfs.
bash apps/glue-bronze-to-silver/localfs/build.sh
