#!/usr/bin/env bash
# Prefect as code for one stack, from the stack's outputs (run by deploy.yml after `pulumi up`):
#   1. the ECS work pool the stack's worker polls, its base job template filled with the flow runs' job
#      variables (image, cluster, roles, network, Spot-first capacity, environment: infra's FlowRuns);
#   2. the deployments of apps/flows/prefect.yaml (generated from the platform contract) that run on that pool;
#   3. the blocks (apps/blocks-sync), with the Prefect auth string and the stack's results bucket.
# Usage: prefect-deploy.sh <dev|staging|prod>      (needs AWS credentials and the Pulumi CLI logged in)
set -euo pipefail
stack=${1:?usage: prefect-deploy.sh <dev|staging|prod>}
root=$(cd "$(dirname "$0")/../.." && pwd)
out() { (cd "$root/infra" && pulumi stack output "$1" --stack "$stack" "${@:2}"); }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

PREFECT_API_URL=$(out prefectApiUrl)
PREFECT_API_AUTH_STRING=$(aws secretsmanager get-secret-value --secret-id "$(out prefectAuthSecret)" \
  --query SecretString --output text)
export PREFECT_API_URL PREFECT_API_AUTH_STRING FINLAKE_ENV=$stack
pool=$(out workPool)
out flowRunJobVariables --json >"$work/job-variables.json"

"$root/.venv/bin/python" -m finlake_flows.work_pool "$work/job-variables.json" >"$work/base-job-template.json"
"$root/.venv/bin/prefect" work-pool create "$pool" --type ecs --overwrite \
  --base-job-template "$work/base-job-template.json"
names=()
for n in $("$root/.venv/bin/python" -m finlake_flows.work_pool --ecs-deployments); do names+=(--name "$n"); done
(cd "$root/apps/flows" && "$root/.venv/bin/prefect" --no-prompt deploy "${names[@]}" --prefect-file prefect.yaml)
node "$root/apps/blocks-sync/dist/main.js" --env "$stack" --results-bucket "$(out artefactsBucket)"
