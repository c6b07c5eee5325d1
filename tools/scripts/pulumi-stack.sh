#!/usr/bin/env bash
# One Pulumi operation on one stack, with the policy pack, from CI or a laptop:
#   pulumi-stack.sh preview <stack> [pulumi args...]   (writes the diff to dist/pulumi-preview-<stack>.txt)
#   pulumi-stack.sh up <stack> [pulumi args...]
# Needs the Pulumi CLI, AWS credentials, PULUMI_STATE_BUCKET, and `npx nx run infra:build` done.
set -euo pipefail
cmd=${1:?usage: pulumi-stack.sh preview|up <stack> [args...]}
stack=${2:?usage: pulumi-stack.sh preview|up <stack> [args...]}
shift 2
[[ "$stack" =~ ^(dev|staging|prod)$ ]] || { echo "stack must be dev, staging or prod, got '$stack'" >&2; exit 2; }
: "${PULUMI_STATE_BUCKET:?set PULUMI_STATE_BUCKET (the bootstrap stack output stateBucket)}"
root=$(cd "$(dirname "$0")/../.." && pwd)
[[ -f "$root/infra/dist/index.js" && -f "$root/infra/dist/policy/index.js" ]] \
  || { echo "infra is not built: run npx nx run infra:build" >&2; exit 1; }
cd "$root/infra"
pulumi login --non-interactive "s3://$PULUMI_STATE_BUCKET"
case "$cmd" in
  preview)
    mkdir -p "$root/dist"
    pulumi preview --stack "$stack" --policy-pack policy --diff --non-interactive --color never "$@" \
      | tee "$root/dist/pulumi-preview-$stack.txt"
    ;;
  up)
    pulumi up --stack "$stack" --policy-pack policy --yes --non-interactive --color never "$@"
    ;;
  *)
    echo "unknown operation '$cmd': preview or up" >&2
    exit 2
    ;;
esac
