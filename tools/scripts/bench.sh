#!/usr/bin/env bash
# `make bench`: performance targets, each as a ratio against a baseline measured in the same run.
# Builds what the benchmarks run (the deployable bundles), then runs them; results: dist/bench/*.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx nx run-many -t build -p fmp-ingester serving-api --outputStyle=static >/dev/null
npx finlake bench "$@"
