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


def test_on_ecs_each_final_flow_run_is_one_emf_line_with_flow_and_state(monkeypatch, capsys):
    monkeypatch.setenv("FINLAKE_RUNNER", "aws")

    @flow(name="metrics-probe-ecs", on_completion=[metrics.flow_run_hook], on_failure=[metrics.flow_run_hook])
    def probe(fail: bool):
        if fail:
            raise RuntimeError("probe")

    probe(False)
    with pytest.raises(RuntimeError):
        probe(True)
    docs = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith('{"_aws"')]
    name = M["flowRuns"]["name"]
    assert [(d["flow"], d["state"], d[name]) for d in docs] == [
        ("metrics-probe-ecs", "COMPLETED", 1),
        ("metrics-probe-ecs", "FAILED", 1),
    ]
    assert docs[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["flow", "state"]]


def test_finlake_logs_gathers_one_run_with_its_subflows_in_time_order(capsys):
    from prefect import get_run_logger, task
    from prefect.runtime import flow_run

    from finlake_flows import cli
    from finlake_flows.run_logs import run_logs

    @task
    def step():
        get_run_logger().info("task line")

    @flow(name="logs-probe-child")
    def child():
        get_run_logger().info("child line")
        step()

    @flow(name="logs-probe-parent")
    def parent():
        get_run_logger().info("parent line")
        child()
        return str(flow_run.id)

    rid = parent()
    parent()  # another run: none of its lines belong to the first
    messages = [line["message"] for line in run_logs(rid)]
    mine = [m for m in messages if m.endswith(" line")]
    assert mine == ["parent line", "child line", "task line"]
    assert cli.main(["logs", rid]) == 0
    assert "logs-probe" in capsys.readouterr().out
    assert cli.main(["logs", "not-a-run"]) == 1
    assert "is not a run id" in capsys.readouterr().err
    assert cli.main(["logs", "00000000-0000-0000-0000-000000000000"]) == 1
    assert "no flow run" in capsys.readouterr().err


def test_the_dbt_runner_relays_every_dbt_line_with_the_runs_flow_run_id(capsys):
    import os

    from finlake_flows import dbt_task

    code = dbt_task._relay(
        ["sh", "-c", "echo compiled; echo 'a warning' >&2; exit 1"], dict(os.environ), "run-7"
    )
    assert code == 1
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(x["service"], x["flow_run_id"], x["msg"]) for x in lines] == [
        ("dbt", "run-7", "compiled"),
        ("dbt", "run-7", "a warning"),
    ]
    assert dbt_task.main(["--run-id", "run-8"], env={}) == 78
    err = json.loads(capsys.readouterr().err.splitlines()[-1])
    assert err["flow_run_id"] == "run-8" and "missing environment" in err["msg"]
