#!/usr/bin/env bash
# `make demo`: the platform's main job end to end on the bundled sample.
# The pipeline (ingest -> clean -> model -> serve) lands issue by issue; until the master
# flow exists this says what runs today and exits 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "Finlake demo"
echo "  The master pipeline (FMP sandbox -> bronze -> Spark silver -> dbt gold -> API) is not wired yet."
echo "  What runs today:"
echo "    npx finlake --help      the operator CLI"
echo "    npx finlake doctor      the toolchain check"
echo "    make test               every test of every project"
