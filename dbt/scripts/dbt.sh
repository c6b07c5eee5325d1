#!/usr/bin/env bash
# Runs dbt from the repo's locked environment against this project and its committed profiles.yml.
# Locally the lake is FINLAKE_LAKE_ROOT (default <repo>/.lake); the Athena targets read their
# locations from the environment (see profiles.yml) and need no connection for parse/compile/ls.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export FINLAKE_LAKE_ROOT=${FINLAKE_LAKE_ROOT:-$root/.lake}
export DBT_PROFILES_DIR=${DBT_PROFILES_DIR:-$root/dbt}
export DBT_PROJECT_DIR=${DBT_PROJECT_DIR:-$root/dbt}
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
export FINLAKE_GOLD_CANDIDATE_DIR=${FINLAKE_GOLD_CANDIDATE_DIR:-$FINLAKE_LAKE_ROOT/gold/_candidates/manual}
# DuckDB creates files, not folders: make the ones the local target writes into.
mkdir -p "$FINLAKE_LAKE_ROOT/warehouse" "$FINLAKE_GOLD_CANDIDATE_DIR"
exec "${FINLAKE_DBT:-$root/.venv/bin/dbt}" "$@"
