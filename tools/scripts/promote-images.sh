#!/usr/bin/env bash
# Copies image manifests between tags or registries, without rebuilding (same bytes, same digest):
#   promote-images.sh <from-registry> <from-tag> <to-registry> <to-tag> <repository...>
# Used by deploy.yml to give unchanged apps the new commit's tag, and to carry staging's images to prod.
# A target tag that already exists is left alone (tags are immutable).
set -euo pipefail
from_registry=${1:?usage: promote-images.sh <from-registry> <from-tag> <to-registry> <to-tag> <repo...>}
from_tag=${2:?missing from-tag}
to_registry=${3:?missing to-registry}
to_tag=${4:?missing to-tag}
shift 4
(( $# > 0 )) || { echo "name at least one repository" >&2; exit 2; }
for repo in "$@"; do
  target="$to_registry/finlake/$repo:$to_tag"
  if docker buildx imagetools inspect "$target" >/dev/null 2>&1; then
    echo "$target exists"
    continue
  fi
  docker buildx imagetools create --tag "$target" "$from_registry/finlake/$repo:$from_tag"
  echo "$target <- $from_registry/finlake/$repo:$from_tag"
done
