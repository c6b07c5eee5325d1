#!/usr/bin/env bash
# Publishes the dbt manifest of what production now runs, where slim CI (slim-ci.sh) reads it:
# s3://<artefacts bucket>/<the contract's dbtProdManifest key>. Run by deploy.yml after the prod deploy.
# Usage: publish-manifest.sh prod
set -euo pipefail
stack=${1:?usage: publish-manifest.sh <stack>}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
key=$("$root/.venv/bin/python" -c 'from finlake_flows import platform; print(platform.artifact_key("dbtProdManifest"))')
bucket=$(cd "$root/infra" && pulumi stack output artefactsBucket --stack "$stack")
target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
DBT_TARGET=$stack bash "$here/dbt.sh" parse --target "$stack" --target-path "$target"
aws s3 cp "$target/manifest.json" "s3://$bucket/$key"
