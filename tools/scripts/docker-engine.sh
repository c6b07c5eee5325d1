#!/usr/bin/env bash
# The Docker engine the image and twin targets use: a running one when there is (DOCKER_HOST or the
# default socket), else dockerd started here with its data under FINLAKE_DOCKER_ROOT and stopped again by
# `stop` (only what this script started). The default is a per-user cache outside the checkout (like npm's):
# a fresh clone reuses the image layers an earlier one built (every build still runs from its Dockerfile;
# Docker's cache keys on the inputs), and deleting a checkout never meets the engine's mounts.
#   eval "$(docker-engine.sh env)"   start if needed; print DOCKER_HOST for this shell
#   docker-engine.sh stop            stop the engine this script started (no-op otherwise)
set -euo pipefail
state=${FINLAKE_DOCKER_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/finlake/docker}
sock=$state/docker.sock
pidfile=$state/dockerd.pid

reachable() { DOCKER_HOST=$1 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

need() {
  command -v docker >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 && return 0
  echo "docker-engine: no Docker engine here: run make setup (it installs Debian's docker.io), or apt-get install docker.io" >&2
  exit 3
}

case ${1:-env} in
  env)
    need
    if [[ -n ${DOCKER_HOST:-} ]] && reachable "$DOCKER_HOST"; then echo "export DOCKER_HOST=$DOCKER_HOST"; exit 0; fi
    if reachable "unix://$sock"; then echo "export DOCKER_HOST=unix://$sock"; exit 0; fi
    mkdir -p "$state/data" "$state/exec"
    # No bridge and no iptables: every container runs with host networking (traffic stays on 127.0.0.1).
    nohup dockerd --data-root "$state/data" --exec-root "$state/exec" --pidfile "$pidfile" \
      --host "unix://$sock" --bridge=none --iptables=false --ip-masq=false >"$state/dockerd.log" 2>&1 &
    for _ in $(seq 1 100); do
      reachable "unix://$sock" && { echo "export DOCKER_HOST=unix://$sock"; exit 0; }
      sleep 0.2
    done
    echo "docker-engine: dockerd did not start; its log: $state/dockerd.log" >&2
    tail -5 "$state/dockerd.log" >&2 || true
    exit 3
    ;;
  stop)
    if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      pid=$(cat "$pidfile")
      kill "$pid"
      for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    # Leave no debris: dockerd keeps a network-namespace mount (and, if killed, overlay mounts) under its
    # folders; a checkout with mounts left in it cannot be deleted.
    if [[ -d $state ]]; then
      awk -v s="$state/" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
        umount -l "$m" 2>/dev/null || true
      done
    fi
    ;;
  *)
    echo "usage: docker-engine.sh env|stop" >&2
    exit 2
    ;;
esac
