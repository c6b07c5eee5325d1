#!/usr/bin/env bash
# `make demo`: the platform's main job end to end on the bundled real sample, offline:
# FMP sandbox -> fmp-ingester -> bronze -> Spark (the Glue job) -> silver -> dbt on DuckDB -> quality
# gate -> published gold. Then a short report and, on a TTY (unless DEMO_SERVE=0), the gold API.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export FINLAKE_LAKE_ROOT=${FINLAKE_LAKE_ROOT:-$root/.lake}
export FINLAKE_SYMBOLS=${FINLAKE_SYMBOLS:-AAPL,AMZN,GOOG,^GSPC,SPY,FB,NFLX}
from=${DEMO_FROM:-1999-11-01}
to=${DEMO_TO:-2020-12-31}
mkdir -p "$FINLAKE_LAKE_ROOT"
log_dir=$FINLAKE_LAKE_ROOT/_state/demo
mkdir -p "$log_dir"

echo "== building the connector bundle"
npx nx run fmp-ingester:build --outputStyle=static >"$log_dir/build.log" 2>&1 || { cat "$log_dir/build.log"; exit 1; }

echo "== starting the FMP sandbox (bundled real sample) on 127.0.0.1"
node tools/cli/bin/finlake.mjs sandbox fmp --port 0 --rate-per-min 3000 >"$log_dir/sandbox.out" 2>"$log_dir/sandbox.err" &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  [[ -s $log_dir/sandbox.out ]] && break
  kill -0 $sandbox_pid 2>/dev/null || { cat "$log_dir/sandbox.err"; exit 1; }
  sleep 0.1
done
url=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]).url)' "$log_dir/sandbox.out")
export FMP_BASE_URL=$url FMP_API_KEY=sandbox-key FMP_RATE_LIMIT_PER_MIN=3000
echo "   $url"

# The stream: FMP news (the sandbox's feed, its clock at the sample's last day) -> producer -> local Kinesis ->
# local Firehose -> bronze, then one silver micro-batch, so tonight's dbt joins news with prices.
news_symbols=${DEMO_NEWS_SYMBOLS:-AAPL,AMZN,GOOG,SPY}
echo "== streaming FMP news for $news_symbols (producer -> Kinesis -> Firehose -> bronze, 15 s)"
node tools/cli/bin/finlake.mjs news run --symbols "$news_symbols" --since 2020-12-01 --for 15s \
  --sandbox-clock 2020-12-31T22:00:00Z >"$log_dir/news.log" 2>&1 || { tail -20 "$log_dir/news.log"; exit 1; }
tail -1 "$log_dir/news.log" | sed 's/^/   /'
node tools/cli/bin/finlake.mjs transform news >"$log_dir/news-silver.log" 2>&1 || { tail -20 "$log_dir/news-silver.log"; exit 1; }

echo "== running master-fmp-pipeline for $FINLAKE_SYMBOLS, $from..$to (Prefect without a server)"
started=$(date +%s)
if ! .venv/bin/python -m finlake_flows.cli pipeline --from "$from" --to "$to" >"$log_dir/report.json" 2>"$log_dir/pipeline.log"; then
  tail -30 "$log_dir/pipeline.log"
  echo "demo: the pipeline failed; full log: $log_dir/pipeline.log" >&2
  exit 1
fi
elapsed=$(( $(date +%s) - started ))

.venv/bin/python - "$log_dir/report.json" "$elapsed" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
i, t, g = r["ingest"], r["transform"], r["gate"]
print(f"""
== report (run {r['run_id']}, {sys.argv[2]} s end to end, {r['duration_s']} s in the flow)
   ingest     {i['landed']}/{i['units']} units landed, {i['rows']} rows        ({r['stage_seconds'].get('ingest')} s)
   silver     {t['rows_written']} rows, {t['rows_rejected']} rows rejected, {t['objects_rejected']} objects rejected  ({r['stage_seconds'].get('transform')} s)
   gold       {g['gate']}  ({r['stage_seconds'].get('dbt')} s)
   published  {r['data']['gold']}
   bronze     {r['data']['bronze']}
   silver     {r['data']['silver']}
   logs       {sys.argv[1].rsplit('/', 1)[0]}/pipeline.log""")
PY
.venv/bin/python - "$log_dir/report.json" "$FINLAKE_LAKE_ROOT" <<'PY'
import json, sys
import duckdb
r, lake = json.load(open(sys.argv[1])), sys.argv[2]
silver = duckdb.sql(f"select count(*), count(distinct symbol), min(session_date), max(session_date) from read_parquet('{lake}/silver/fmp_news/*/*.parquet', hive_partitioning=true)").fetchone()
from pathlib import Path
from finlake_flows.publish import published_file
mart = published_file(Path(lake) / "gold", "daily_symbol_news_price")
rows = duckdb.sql(f"select symbol, trade_date, close_price, round(daily_return, 4), news_count, round(avg_sentiment, 3), first_headline from read_parquet('{mart}') where has_news order by trade_date desc, symbol limit 4").fetchall()
print(f"   news       {silver[0]} articles in silver for {silver[1]} symbols, sessions {silver[2]}..{silver[3]}")
print(f"   news mart  daily_symbol_news_price (published: {mart}), latest sessions with news:")
for s in rows:
    print(f"              {s[0]:5} {s[1]} close {s[2]} return {s[3]} news {s[4]} sentiment {s[5]}  {s[6]!r}")
PY
echo
token=$(node tools/cli/bin/finlake.mjs token --sub demo --portfolios P001,P002 --restricted)
port=${DEMO_PORT:-3000}
cat <<EOT
Example requests (a dev token for P001 and P002 that may read money amounts; without --restricted a token gets
the rows without market_value, prior_market_value and daily_pnl; mint others with: npx finlake token --sub alice --portfolios P001):
  curl -s http://127.0.0.1:$port/healthz
  curl -s -H "authorization: Bearer $token" "http://127.0.0.1:$port/v1/portfolios/P001/daily-summary?from=2020-12-01&to=2020-12-31&limit=5"
  curl -s -H "authorization: Bearer $token" "http://127.0.0.1:$port/v1/daily-portfolio-summary?date=2020-12-31"
  curl -s -H "authorization: Bearer $token" "http://127.0.0.1:$port/v1/symbols/AAPL/daily-news?from=2020-12-01&to=2020-12-31&limit=5"
  OpenAPI: http://127.0.0.1:$port/openapi.json   docs: http://127.0.0.1:$port/docs
EOT
if [[ -t 1 && ${DEMO_SERVE:-1} != 0 ]]; then
  echo "== serving the gold API on http://127.0.0.1:$port (Ctrl-C to stop)"
  kill $sandbox_pid 2>/dev/null || true
  exec node tools/cli/bin/finlake.mjs serve --port "$port"
fi
echo "(no TTY or DEMO_SERVE=0: not starting the API; run: npx finlake serve --port $port)"
