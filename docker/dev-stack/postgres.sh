#!/usr/bin/env bash
# The dev stack's PostgreSQL 15 (Prefect's database): initialised on the first start into the named volume,
# listening on 127.0.0.1:55432 only (trust authentication: nothing but this machine can reach it).
set -euo pipefail
data=/pgdata/15
if [[ ! -s $data/PG_VERSION ]]; then
  initdb --pgdata "$data" --username prefect --auth trust --encoding UTF8 >/dev/null
fi
exec postgres -D "$data" -c listen_addresses=127.0.0.1 -c port=55432 -c unix_socket_directories=/tmp
