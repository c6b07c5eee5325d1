"""The master flow end to end on the bundled sample: real sandbox, connector, Spark, dbt, Prefect."""

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import REPO

from finlake_flows import platform
from finlake_flows.flows import GateClosed, master_fmp_pipeline
from finlake_flows.publish import published_file

BRONZE_PREFIX = platform.dataset("fmp_eod_prices")["bronze_prefix"].rstrip("/")

SYMBOLS = ["AAPL", "AMZN", "GOOG", "^GSPC", "SPY", "FB", "NFLX"]


def gold_rows(lake: Path):
    return (
        duckdb.connect().execute(f"select * from '{published_file(lake / 'gold')}' order by all").fetchall()
    )


def test_master_flow_builds_and_publishes_gold_and_a_rerun_is_identical(pipeline_env, slack):
    lake = Path(pipeline_env["FINLAKE_LAKE_ROOT"])
    first = master_fmp_pipeline(date(2018, 1, 1), date(2020, 12, 31), SYMBOLS)
    assert first["gate"]["passed"] and first["published"]["run_id"] == first["run_id"]
    assert first["ingest"]["failed"] == 0 and first["transform"]["rows_written"] > 3000
    rows = gold_rows(lake)
    assert {r[0] for r in rows} == {"P001", "P002", "P003", "P004"}
    assert any("succeeded" in m["text"] for m in slack.messages)

    second = master_fmp_pipeline(date(2018, 1, 1), date(2020, 12, 31), SYMBOLS)
    assert second["run_id"] != first["run_id"]
    # The first build is full; the rerun builds its window's months as a batch and publishes the same rows.
    assert first["gate"]["gold_from"] is None and second["gate"]["gold_from"] == "2018-01-01"
    assert gold_rows(lake) == rows


def test_a_failing_error_test_halts_before_publishing_alerts_and_keeps_the_served_gold(
    pipeline_env, slack, tmp_path, monkeypatch
):
    lake = Path(pipeline_env["FINLAKE_LAKE_ROOT"])
    master_fmp_pipeline(date(2020, 1, 1), date(2020, 3, 31), SYMBOLS)
    served = published_file(lake / "gold").read_bytes()

    # Bad reference data: a negative holding, which an error-severity test rejects.
    project = tmp_path / "dbt"
    shutil.copytree(REPO / "dbt", project, ignore=shutil.ignore_patterns("target", "logs", "pytests"))
    seed = project / "seeds" / "portfolio_holdings.csv"
    seed.write_text(seed.read_text() + "P001,MSFT,-10,2020-01-02,\n")
    monkeypatch.setenv("DBT_PROJECT_DIR", str(project))
    slack.messages.clear()
    with pytest.raises(GateClosed, match="quality gate FAILED"):
        master_fmp_pipeline(date(2020, 1, 1), date(2020, 3, 31), SYMBOLS)
    assert published_file(lake / "gold").read_bytes() == served
    alert = "\n".join(m["text"] for m in slack.messages)
    assert "FAILED" in alert and "GateClosed" in alert and "expect_column_values_to_be_between" in alert
    # The copy's bad seed failed its own test, not the repo's.
    assert "expect_column_values_to_be_between_portfolio_holdings_quantity" in alert


def test_an_incremental_night_serves_what_a_full_build_serves(pipeline_env, tmp_path, monkeypatch):
    lake = Path(pipeline_env["FINLAKE_LAKE_ROOT"])
    master_fmp_pipeline(date(2019, 1, 1), date(2020, 6, 30), SYMBOLS)
    night = master_fmp_pipeline(date(2020, 7, 1), date(2020, 7, 15), SYMBOLS)
    assert night["gate"]["gold_from"] == "2020-07-01"
    batch = (
        lake
        / "gold"
        / platform.gold_candidate_prefix(night["run_id"])
        / "daily_portfolio_summary.batch.parquet"
    )
    [(first_day, n)] = (
        duckdb.connect().execute(f"select min(summary_date), count(*) from '{batch}'").fetchall()
    )
    assert str(first_day) >= "2020-07-01" and n < len(gold_rows(lake)) / 10  # the night's dates only
    incremental = gold_rows(lake)

    # A changed model (or holdings) makes the next run build everything: it serves the same rows.
    project = tmp_path / "dbt"
    shutil.copytree(REPO / "dbt", project, ignore=shutil.ignore_patterns("target", "logs", "pytests"))
    mart = project / "models" / "marts" / "daily_portfolio_summary.sql"
    mart.write_text(mart.read_text() + "\n-- changed\n")
    monkeypatch.setenv("DBT_PROJECT_DIR", str(project))
    full = master_fmp_pipeline(date(2020, 7, 1), date(2020, 7, 15), SYMBOLS)
    assert full["gate"]["gold_from"] is None
    assert gold_rows(lake) == incremental


def test_a_backfill_run_twice_changes_nothing(pipeline_env):
    from finlake_flows.flows import fmp_backfill

    lake = Path(pipeline_env["FINLAKE_LAKE_ROOT"])
    first = fmp_backfill(date(2018, 11, 1), date(2019, 2, 28), ["AAPL", "SPY", "FB"], max_concurrency=2)
    # Two symbol groups, one call per symbol (the range is far under the row cap), one silver run.
    assert first["ingest"]["units"] == 3 and first["ingest"]["http_attempts"] >= 3
    assert first["transform"]["rows_written"] > 0
    assert first["gate"]["passed"]
    bronze = sorted(p.relative_to(lake) for p in (lake / "bronze" / BRONZE_PREFIX).rglob("*.json"))
    silver = gold_rows(lake)
    second = fmp_backfill(date(2018, 11, 1), date(2019, 2, 28), ["AAPL", "SPY", "FB"], max_concurrency=2)
    assert second["gate"]["passed"]
    assert sorted(p.relative_to(lake) for p in (lake / "bronze" / BRONZE_PREFIX).rglob("*.json")) == bronze
    assert gold_rows(lake) == silver
    # Filling gaps over a wider range fetches only the months bronze does not hold.
    third = fmp_backfill(
        date(2018, 10, 1), date(2019, 2, 28), ["AAPL", "SPY", "FB"], max_concurrency=2, fill_gaps=True
    )
    assert third["ingest"]["units"] == 3  # 2018-10-01..2018-10-31 per symbol
    assert third["gate"]["passed"]
    # Every landed body has its sidecar: concurrent ingesters never sweep each other's in-flight writes.
    bodies = list((lake / "bronze" / BRONZE_PREFIX).rglob("*.json"))
    assert len(bodies) == 6 and all(Path(f"{p}.meta").is_file() for p in bodies)


def test_the_news_flows_feed_silver_and_the_master_pipeline_publishes_both_marts(pipeline_env):
    """The stream's real writer (producer -> local Kinesis -> local Firehose) lands news in bronze; the news
    flows clean and compact it; the nightly's dbt joins it with prices and publishes both marts."""
    import subprocess

    from finlake_flows.flows import news_compaction, news_stream_to_silver

    lake = Path(pipeline_env["FINLAKE_LAKE_ROOT"])

    def stream(clock: str) -> None:
        cli = [
            "node", str(REPO / "tools" / "cli" / "bin" / "finlake.mjs"), "news", "run", "--symbols", "AAPL,SPY",
            "--since", "2020-12-01", "--for", "6s", "--sandbox-clock", clock,
        ]  # fmt: skip
        run = subprocess.run(cli, capture_output=True, text=True, timeout=300, env={**os.environ})
        assert run.returncode == 0, run.stderr[-2000:]

    # The feed as of 10:00 New York on Dec 31, a batch; then as of after the close, another: the session
    # of Dec 31 gets a file from each batch (what compaction is for).
    stream("2020-12-31T15:00:00Z")
    first = news_stream_to_silver()
    assert first["objects_read"] > 0 and first["rows_written"] > 0
    # The sandbox's malformed items are in rejects with their reason, never in silver.
    assert first["rows_rejected"] > 0
    assert {"missing_url", "empty_title"} <= set(first["rejected_by_reason"])
    stream("2020-12-31T22:00:00Z")
    second = news_stream_to_silver()
    assert second["rows_written"] > 0 and second["already_in_silver"] > 0  # the feed repeats what it sent
    again = news_stream_to_silver()
    assert again["objects_read"] == 0 and again["rows_written"] == 0

    def silver():
        return duckdb.sql(
            f"select article_id from read_parquet('{lake}/silver/fmp_news/*/*.parquet') order by 1"
        ).fetchall()

    articles = silver()
    compacted = news_compaction()
    assert silver() == articles  # the same articles, each once, whatever was rewritten
    assert "2020-12-31" in compacted["days"]
    for day in compacted["days"].values():
        assert day["files_after"] == 1 and day["files_before"] >= 2

    report = master_fmp_pipeline(date(2020, 12, 1), date(2020, 12, 31), ["AAPL", "SPY"])
    assert report["gate"]["passed"] and "daily_symbol_news_price" in report["published"]["marts"]
    served = published_file(lake / "gold", "daily_symbol_news_price")
    [(rows, with_news, articles_counted)] = duckdb.sql(
        f"select count(*), count(*) filter (where has_news), sum(news_count) from '{served}'"
    ).fetchall()
    assert rows > 0 and with_news > 0
    # Every article in silver of a symbol with prices counts for exactly one served session.
    [(in_silver,)] = duckdb.sql(
        f"select count(*) from read_parquet('{lake}/silver/fmp_news/*/*.parquet', hive_partitioning=true) "
        f"where symbol in (select distinct symbol from '{served}') "
        "and session_date between '2020-12-01' and '2020-12-31'"
    ).fetchall()
    assert articles_counted == in_silver
