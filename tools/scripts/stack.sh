#!/usr/bin/env bash
# The local development stack (docker-compose.yml): `make stack` / `make stack-down`.
#   stack.sh up [--profile news]   build the image (cached), start every service, wait until healthy
#   stack.sh down [--volumes]      stop and remove the stack's containers (and its volumes), and the Docker
#                                  engine when `up` started it
#   stack.sh ps                    the services and their health
# Uses Compose v2 (`docker compose`) when the CLI has it, else Debian's docker-compose 1.29.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export FINLAKE_REPO=$root
project=${FINLAKE_STACK_PROJECT:-finlake}
state=$root/dist/stack
mkdir -p "$state"

docker_env() {
  local before=0
  [[ -n ${DOCKER_HOST:-} ]] && DOCKER_HOST=$DOCKER_HOST docker version >/dev/null 2>&1 && before=1
  eval "$(bash tools/scripts/docker-engine.sh env)"
  # Remember whether the engine was running before the stack, so `down` stops only what `up` started.
  if [[ ${1:-} == up && $before == 0 && ! -f $state/engine-started && -z $(docker ps -q 2>/dev/null) ]]; then
    touch "$state/engine-started"
  fi
}
compose() {
  if docker compose version >/dev/null 2>&1; then docker compose -p "$project" "$@"
  elif command -v docker-compose >/dev/null 2>&1; then docker-compose -p "$project" "$@"
  else echo "stack: no Docker Compose here: make setup installs Debian's docker-compose" >&2; exit 3; fi
}

case ${1:-} in
  up)
    shift
    docker_env up
    bash tools/scripts/images.sh dev-stack >"$state/images.log" 2>&1 || { tail -20 "$state/images.log" >&2; exit 1; }
    # The flows run the connector's bundle from the checkout (as `npx finlake` does).
    npx nx run fmp-ingester:build --outputStyle=static >"$state/build.log" 2>&1 || { tail -20 "$state/build.log" >&2; exit 1; }
    compose "$@" up -d
    services=$(compose "$@" ps --services)
    deadline=$((SECONDS + ${FINLAKE_STACK_WAIT_S:-300}))
    for svc in $services; do
      id=$(compose "$@" ps -q "$svc")
      [[ -n $id ]] || continue # a service of a profile not started
      while :; do
        health=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id")
        # The API becomes healthy after the first publish: its container running is enough here.
        [[ $health == healthy || ( $health == running && $svc != postgres && $svc != prefect-server ) ]] && break
        [[ $svc == serving-api && ( $health == starting || $health == unhealthy ) ]] && break
        if ((SECONDS > deadline)); then
          echo "stack: $svc is $health after ${FINLAKE_STACK_WAIT_S:-300} s; its log:" >&2
          compose logs --tail 30 "$svc" >&2
          exit 1
        fi
        sleep 1
      done
      printf '  %-16s %s\n' "$svc" "$health"
    done
    echo "stack: up (Prefect http://127.0.0.1:4200, API http://127.0.0.1:3000, Prometheus http://127.0.0.1:9090)"
    ;;
  down)
    shift
    docker_env down
    compose --profile news --profile grafana down --remove-orphans "$@"
    if [[ -f $state/engine-started ]]; then
      rm -f "$state/engine-started"
      bash tools/scripts/docker-engine.sh stop
    fi
    ;;
  ps)
    docker_env ps
    compose ps
    ;;
  *)
    echo "usage: stack.sh up [--profile news] | down [--volumes] | ps" >&2
    exit 2
    ;;
esac
