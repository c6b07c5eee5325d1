#!/usr/bin/env bash
# Slim CI: build and test only what a change touched (state:modified+), deferring everything else
# to production's relations.
#   FINLAKE_ARTIFACTS_URI=s3://finlake-prod-artifacts  dbt/scripts/slim-ci.sh   # in AWS CI
#   DBT_STATE_DIR=path/with/manifest.json              dbt/scripts/slim-ci.sh   # locally
# The production manifest is what the last prod deploy published (publish-manifest.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${DBT_STATE_DIR:-$here/../state/prod}
if [[ -n ${FINLAKE_ARTIFACTS_URI:-} ]]; then
  mkdir -p "$state"
  # The key publish-manifest.sh writes after each production deploy (the platform contract's).
  key=$("$here/../../.venv/bin/python" -c 'from finlake_flows import platform; print(platform.artifact_key("dbtProdManifest"))')
  aws s3 cp "$FINLAKE_ARTIFACTS_URI/$key" "$state/manifest.json"
fi
if [[ ! -f $state/manifest.json ]]; then
  echo "slim-ci: no production manifest in $state; set FINLAKE_ARTIFACTS_URI or DBT_STATE_DIR" >&2
  exit 2
fi
exec bash "$here/dbt.sh" build --select state:modified+ --defer --favor-state --state "$state" "$@"
