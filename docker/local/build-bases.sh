#!/usr/bin/env bash
# Builds, on a machine that cannot pull from Docker Hub, the stand-ins for the upstream bases the
# Dockerfiles name by digest: Debian bookworm (mmdebstrap, Debian's packages), Node (the pinned
# .tools/node) and Python 3.11 (Debian's). Each is tagged by a hash of its inputs and built only when
# that tag is missing. Prints the build arguments that select them:
#   NODE_IMAGE=... PYTHON_IMAGE=...
# Needs DOCKER_HOST (tools/scripts/docker-engine.sh), mmdebstrap, and `make setup` done.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/docker/local
mirror=${FINLAKE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Debian's docker CLI (BuildKit without the buildx plugin), else whatever `docker` is.
docker=${FINLAKE_DOCKER_CLI:-}
if [[ -z $docker ]]; then
  if [[ -x /usr/bin/docker ]]; then docker=/usr/bin/docker; else docker=$(command -v docker); fi
fi
hash() { cat "$@" | sha256sum | cut -c1-12; }
exists() { "$docker" image inspect "$1" >/dev/null 2>&1; }

command -v mmdebstrap >/dev/null || { echo "build-bases: mmdebstrap missing: run make setup (apt-get install mmdebstrap)" >&2; exit 3; }
[[ -x $root/.tools/node/bin/node ]] || { echo "build-bases: .tools/node missing: run make setup" >&2; exit 3; }

debian=finlake-local/debian:bookworm-$(echo "$mirror minbase ca-certificates tini v1" | sha256sum | cut -c1-12)
if ! exists "$debian"; then
  echo "build-bases: $debian (mmdebstrap of bookworm, ~40 s)" >&2
  mmdebstrap --quiet --variant=minbase --include=ca-certificates,tini \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    bookworm - "$mirror" | "$docker" import --change 'CMD ["bash"]' - "$debian" >/dev/null
fi
node=finlake-local/node:$(cat "$root/.node-version")-$(hash "$here/node.Dockerfile" <(echo "$debian"))
if ! exists "$node"; then
  echo "build-bases: $node" >&2
  "$docker" build --quiet --network host --file "$here/node.Dockerfile" --build-arg "DEBIAN_IMAGE=$debian" \
    --tag "$node" "$root/.tools/node" >/dev/null
fi
python=finlake-local/python:3.11-$(hash "$here/python.Dockerfile" <(echo "$debian"))
if ! exists "$python"; then
  echo "build-bases: $python" >&2
  "$docker" build --quiet --network host --file "$here/python.Dockerfile" --build-arg "DEBIAN_IMAGE=$debian" \
    --tag "$python" "$here" >/dev/null
fi
echo "NODE_IMAGE=$node PYTHON_IMAGE=$python"
