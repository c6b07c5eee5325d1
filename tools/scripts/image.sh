#!/usr/bin/env bash
# Builds one deployable image and (with IMAGE_PUSH=1) pushes it: `image.sh <repository> <Dockerfile>`.
# The `image` target of each container app calls it (never cached). Needs:
#   IMAGE_REGISTRY  the ECR registry host (<account>.dkr.ecr.<region>.amazonaws.com)
#   IMAGE_TAG       the commit SHA: tags are immutable, one commit = one image
# App images build FROM the newest published base image, resolved to its digest here.
set -euo pipefail
repo=${1:?usage: image.sh <repository> <Dockerfile>}
dockerfile=${2:?usage: image.sh <repository> <Dockerfile>}
: "${IMAGE_REGISTRY:?set IMAGE_REGISTRY to the ECR registry host}"
: "${IMAGE_TAG:?set IMAGE_TAG to the commit SHA}"
[[ "$IMAGE_TAG" =~ ^[0-9a-f]{7,40}$ ]] || { echo "IMAGE_TAG must be a commit SHA, got '$IMAGE_TAG'" >&2; exit 2; }
cd "$(dirname "$0")/../.."

newest_digest() {
  aws ecr describe-images --repository-name "$1" \
    --query 'sort_by(imageDetails,&imagePushedAt)[-1].imageDigest' --output text
}
args=(--file "$dockerfile" --tag "$IMAGE_REGISTRY/finlake/$repo:$IMAGE_TAG" --provenance=false --platform linux/arm64)
if grep -q '^ARG BASE_IMAGE' "$dockerfile"; then
  args+=(--build-arg "BASE_IMAGE=$IMAGE_REGISTRY/finlake/base@$(newest_digest finlake/base)")
fi
if grep -q '^ARG PYTHON_BASE' "$dockerfile"; then
  args+=(--build-arg "PYTHON_BASE=$IMAGE_REGISTRY/finlake/python-base@$(newest_digest finlake/python-base)")
fi
if [[ "${IMAGE_PUSH:-0}" == 1 ]]; then args+=(--push); else args+=(--load); fi
docker buildx build "${args[@]}" .
