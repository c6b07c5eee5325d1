#!/usr/bin/env bash
# `make bench`: performance targets, each as a ratio against a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "bench: no benchmarks are registered yet (they arrive with tools/bench)"
