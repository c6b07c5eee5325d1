"""Command line for the flows (what `npx finlake pipeline` and `npx finlake backfill` call).

    python -m finlake_flows.cli pipeline [--from D] [--to D] [--symbols A,B] [--no-publish]
    python -m finlake_flows.cli backfill --from D --to D [--concurrency N]
    python -m finlake_flows.cli source TABLE [--from D] [--to D] [--symbols A,B]   a declared source into silver
    python -m finlake_flows.cli rollback [--to-run RUN]      serve an earlier published gold version again
    python -m finlake_flows.cli logs RUN_ID [--json]          every log line of one run, its subflows and stages

Runs Prefect without a server (a temporary local API) unless PREFECT_API_URL points at one.
Exit status: 0 succeeded, 1 the flow failed (the quality gate included), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from finlake_flows.settings import TICKER, SettingsError, load


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _symbols(value: str) -> list[str]:
    out = [s.strip() for s in value.split(",") if s.strip()]
    bad = [s for s in out if not TICKER.match(s)]
    if bad or not out:
        raise argparse.ArgumentTypeError(f"{bad or 'empty'}: expected tickers like AAPL,BRK.B,^GSPC")
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="finlake-flows", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("pipeline", help="run master-fmp-pipeline once")
    run.add_argument("--from", dest="date_from", type=_date)
    run.add_argument("--to", dest="date_to", type=_date)
    run.add_argument("--symbols", type=_symbols)
    run.add_argument("--no-publish", action="store_true")
    back = sub.add_parser("backfill", help="run fmp-backfill over a date range")
    back.add_argument("--from", dest="date_from", type=_date, required=True)
    back.add_argument("--to", dest="date_to", type=_date, required=True)
    back.add_argument("--symbols", type=_symbols)
    back.add_argument("--concurrency", type=int, default=2, help="symbol groups ingested at once (1-8)")
    back.add_argument("--fill-gaps", action="store_true", help="fetch only what bronze does not hold yet")
    src = sub.add_parser("source", help="run source-to-silver for a declared batch source (a generated one)")
    src.add_argument("dataset", help="its silver table, e.g. fmp_dividends")
    src.add_argument("--from", dest="date_from", type=_date)
    src.add_argument("--to", dest="date_to", type=_date)
    src.add_argument("--symbols", type=_symbols)
    roll = sub.add_parser("rollback", help="serve an earlier published version of gold again")
    roll.add_argument(
        "--to-run", help="the run whose gold to serve (default: the version before the current one)"
    )
    logs = sub.add_parser(
        "logs", help="every log line of one run (its subflows and stage processes), in order"
    )
    logs.add_argument("run_id", help="the run id (the flow run's id, as alerts and reports name it)")
    logs.add_argument("--json", action="store_true", help="one JSON object per line")
    a = p.parse_args(argv)
    if a.command == "rollback":
        return _rollback(a.to_run)
    if getattr(a, "date_from", None) and getattr(a, "date_to", None) and a.date_from > a.date_to:
        p.error(f"--from {a.date_from} is after --to {a.date_to}")
    try:
        s = load()
    except SettingsError as err:
        print(err, file=sys.stderr)
        return 2
    # Prefect without a server keeps its state under the lake, not in the user's home.
    os.environ.setdefault("PREFECT_HOME", str(s.state / "prefect"))
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "finlake_flows")
    if a.command == "logs":
        from finlake_flows.run_logs import print_run_logs

        return print_run_logs(a.run_id, as_json=a.json)

    from finlake_flows.flows import GENERATED_SOURCES, fmp_backfill, master_fmp_pipeline, source_to_silver

    if a.command == "source" and a.dataset not in GENERATED_SOURCES:
        declared = ", ".join(GENERATED_SOURCES) or "none (nx g @finlake/workspace:source adds one)"
        print(f"finlake-flows: {a.dataset!r} is not a generated source; declared: {declared}",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        if a.command == "source":
            report = source_to_silver(a.dataset, a.date_from, a.date_to, a.symbols)
        elif a.command == "pipeline":
            report = master_fmp_pipeline(a.date_from, a.date_to, a.symbols, not a.no_publish)
        else:
            report = fmp_backfill(a.date_from, a.date_to, a.symbols, a.concurrency, fill_gaps=a.fill_gaps)
    except Exception as err:  # noqa: BLE001 - the process boundary: report any failure as exit 1
        print(f"finlake-flows: {a.command} failed: {err}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2, default=str))
    return 0


def _rollback(to_run: str | None) -> int:
    """Locally: republish an earlier run's candidate (atomic replace). On AWS (FINLAKE_RUNNER=aws): switch
    the served Glue table back to an earlier version's location (UpdateTable)."""
    from finlake_flows import publish

    try:
        s = load()
        if s.runner == "local":
            done = publish.rollback_local(s.gold, to_run)
        else:
            import boto3

            from finlake_flows.settings import load_aws

            aws = load_aws()
            done = publish.GlueTablePublisher(boto3.client("glue"), aws.gold_database).rollback(to_run)
    except (SettingsError, LookupError, FileNotFoundError) as err:
        print(f"finlake-flows: rollback: {err}", file=sys.stderr)
        return 1
    print(json.dumps(done, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
