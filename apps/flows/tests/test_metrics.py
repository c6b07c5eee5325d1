"""The flows' metrics: run records, EMF lines, and the exporter's text over a real lake and Prefect API."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pytest
from prefect import flow
from prefect.settings import PREFECT_API_URL
from prometheus_client import CollectorRegistry, generate_latest

from finlake_flows import metrics, platform

M = platform.contract()["metrics"]


def exported(collector) -> str:
    registry = CollectorRegistry()
    registry.register(collector)
    return generate_latest(registry).decode()


def test_a_local_run_is_recorded_whole_and_an_ecs_run_as_emf_lines(tmp_path, capsys):
    rows = {"fmp_eod_prices": {"landed": 10, "written": 9, "rejected": 1}}
    metrics.record_run("master-fmp-pipeline", "r1", stage_seconds={"ingest": 1.5}, rows=rows,
                       gates={"daily_portfolio_summary": True}, runner="local", state=tmp_path)  # fmt: skip
    (path,) = (tmp_path / "runs").rglob("*.json")
    assert json.loads(path.read_text())["rows"] == rows
    assert not list((tmp_path / "runs").rglob(".*.tmp"))
    metrics.record_run("master-fmp-pipeline", "r2", stage_seconds={"ingest": 1.5}, rows=rows,
                       gates={"daily_portfolio_summary": False}, runner="aws", state=tmp_path)  # fmt: skip
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1 + 3 + 1
    for doc in lines:
        (spec,) = doc["_aws"]["CloudWatchMetrics"]
        assert spec["Namespace"] == M["namespace"]
        for m in spec["Metrics"]:
            assert m["Name"] in {M[k]["name"] for k in ("stageDuration", "rows", "gate")}
            assert isinstance(doc[m["Name"]], int | float)
        for dim in spec["Dimensions"][0]:
            assert dim in doc
    gate = next(d for d in lines if "mart" in d)
    assert gate[M["gate"]["name"]] == 0


def test_the_exporter_serves_rows_stages_gates_and_freshness_from_the_lake(tmp_path):
    state = tmp_path / "_state"
    for rid, landed, passed in (("a", 10, True), ("b", 5, False)):
        metrics.record_run("master-fmp-pipeline", rid, stage_seconds={"dbt": 2.0 if passed else 3.0},
                           rows={"fmp_eod_prices": {"landed": landed, "written": landed - 1, "rejected": 1}},
                           gates={"daily_portfolio_summary": passed}, runner="local", state=state)  # fmt: skip
    silver = tmp_path / "silver" / "fmp_eod_prices" / "year=2026"
    silver.mkdir(parents=True)
    duckdb.sql(
        f"copy (select date '2026-11-30' as trade_date, 'AAPL' as symbol) to '{silver}/part.parquet' (format parquet)"
    )
    now = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC).timestamp() + 3600
    text = exported(metrics.FinlakeCollector(tmp_path, None, now=lambda: now))
    assert f'{M["rows"]["name"]}{{dataset="fmp_eod_prices",outcome="landed"}} 15.0' in text
    assert f'{M["rows"]["name"]}{{dataset="fmp_eod_prices",outcome="rejected"}} 2.0' in text
    # The latest run wins a stage's duration and the gate.
    assert f'{M["stageDuration"]["name"]}{{flow="master-fmp-pipeline",stage="dbt"}} 3.0' in text
    assert f'{M["gate"]["name"]}{{mart="daily_portfolio_summary"}} 0.0' in text
    # The newest trade_date is 2026-11-30 (its day's end): a day and an hour before `now`.
    assert f'{M["freshness"]["name"]}{{dataset="fmp_eod_prices"}} 90000.0' in text


@flow(name="metrics-probe-ok")
def ok_flow():
    return 1


@flow(name="metrics-probe-fails")
def failing_flow():
    raise RuntimeError("probe")


def test_flow_runs_are_counted_by_flow_and_final_state_from_the_prefect_api(tmp_path):
    ok_flow()
    ok_flow()
    with pytest.raises(RuntimeError):
        failing_flow()
    text = exported(metrics.FinlakeCollector(tmp_path, PREFECT_API_URL.value()))
    assert f'{M["flowRuns"]["name"]}{{flow="metrics-probe-ok",state="COMPLETED"}} 2.0' in text
    assert f'{M["flowRuns"]["name"]}{{flow="metrics-probe-fails",state="FAILED"}} 1.0' in text
