#!/usr/bin/env bash
# `make images`: builds every deployable image from its Dockerfile on this machine, then reports each
# image's size against its base. Docker Hub is unreachable here, so the upstream bases the Dockerfiles
# pin by digest are replaced (build arguments) by equivalents built from Debian's packages
# (docker/local/build-bases.sh). Registries behind a TLS-inspecting proxy get the machine's CA bundle as
# the "ca" build secret. Unchanged inputs build nothing new (Docker's layer cache, npm/uv cache mounts).
#   images.sh [app ...]     default: every app image
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
eval "$(bash tools/scripts/docker-engine.sh env)"
# Debian's docker CLI builds with BuildKit without the buildx plugin.
docker=${FINLAKE_DOCKER_CLI:-}
if [[ -z $docker ]]; then
  if [[ -x /usr/bin/docker ]]; then docker=/usr/bin/docker; else docker=$(command -v docker); fi
fi
export DOCKER_BUILDKIT=1
ca=${FINLAKE_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}
bases=$(FINLAKE_DOCKER_CLI=$docker bash docker/local/build-bases.sh) || exit 1
NODE_IMAGE=$(sed -n 's/.*NODE_IMAGE=\([^ ]*\).*/\1/p' <<<"$bases")
PYTHON_IMAGE=$(sed -n 's/.*PYTHON_IMAGE=\([^ ]*\).*/\1/p' <<<"$bases")
[[ -n $NODE_IMAGE && -n $PYTHON_IMAGE ]] || { echo "images: build-bases.sh named no bases: $bases" >&2; exit 1; }

# app -> Dockerfile (the images the deploy workflow builds)
declare -A DOCKERFILES=(
  [fmp-ingester]=apps/fmp-ingester/Dockerfile
  [blocks-sync]=apps/blocks-sync/Dockerfile
  [news-producer]=apps/news-producer/Dockerfile
  [flows]=apps/flows/Dockerfile
  [dbt]=dbt/Dockerfile
  # Not deployed: the local development stack's image (docker-compose.yml; `make stack` builds it).
  [dev-stack]=docker/dev-stack/Dockerfile
)
apps=("$@")
[[ ${#apps[@]} -gt 0 ]] || apps=(fmp-ingester blocks-sync news-producer flows dbt)

build() { # tag dockerfile [build-arg ...]
  local tag=$1 file=$2; shift 2
  local args=(--network host --file "$file" --tag "$tag" --progress plain)
  [[ -f $ca ]] && args+=(--secret "id=ca,src=$ca")
  for a in "$@"; do args+=(--build-arg "$a"); done
  local started=$SECONDS
  if ! "$docker" build "${args[@]}" . >"$log_dir/${tag//[\/:]/_}.log" 2>&1; then
    tail -30 "$log_dir/${tag//[\/:]/_}.log" >&2
    echo "images: building $tag from $file failed; full log: $log_dir/${tag//[\/:]/_}.log" >&2
    exit 1
  fi
  echo "images: $tag built in $((SECONDS - started)) s" >&2
}
log_dir=$root/dist/images
mkdir -p "$log_dir"
build finlake/base:local docker/base/Dockerfile "NODE_IMAGE=$NODE_IMAGE"
build finlake/python-base:local docker/python/Dockerfile "PYTHON_IMAGE=$PYTHON_IMAGE"
for app in "${apps[@]}"; do
  [[ -n ${DOCKERFILES[$app]:-} ]] || { echo "images: no image named $app; known: ${!DOCKERFILES[*]}" >&2; exit 2; }
  build "finlake/$app:local" "${DOCKERFILES[$app]}" "NODE_IMAGE=$NODE_IMAGE" \
    BASE_IMAGE=finlake/base:local PYTHON_BASE=finlake/python-base:local
done

size() { "$docker" image inspect --format '{{.Size}}' "$1"; }
report=$log_dir/sizes.json
{
  echo '{'
  first=1
  for app in "${apps[@]}"; do
    base=finlake/base:local
    [[ ${DOCKERFILES[$app]} == apps/flows/Dockerfile || ${DOCKERFILES[$app]} == dbt/Dockerfile || $app == dev-stack ]] && base=finlake/python-base:local
    [[ $first == 1 ]] || echo ','
    first=0
    printf '  "%s": {"image": "finlake/%s:local", "bytes": %s, "base": "%s", "base_bytes": %s}' \
      "$app" "$app" "$(size "finlake/$app:local")" "$base" "$(size "$base")"
  done
  echo
  echo '}'
} >"$report"
# shellcheck disable=SC2016 # JavaScript template literals, not shell
node -e '
  const r = require(process.argv[1]);
  for (const [app, i] of Object.entries(r))
    console.log(`  ${app.padEnd(14)} ${(i.bytes / 1e6).toFixed(0).padStart(5)} MB  (base ${(i.base_bytes / 1e6).toFixed(0)} MB, +${((i.bytes - i.base_bytes) / 1e6).toFixed(0)} MB)`);
' "$report"
