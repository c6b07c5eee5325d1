import io
import json
from datetime import date

import boto3
import pytest
from botocore.stub import Stubber

from finlake_flows import publish, quality
from finlake_flows.flows import backfill_windows
from finlake_flows.runners import EcsIngestion, EcsTarget, GlueTransform, StageFailed, Window
from finlake_flows.settings import SettingsError, load


def results(tmp_path, *rows):
    p = tmp_path / "run_results.json"
    p.write_text(json.dumps({"results": [{"unique_id": u, "status": s, "message": "m"} for u, s in rows]}))
    return p


def test_gate_closes_on_error_severity_failures_only(tmp_path):
    ok = quality.evaluate(
        results(
            tmp_path, ("model.finlake.a", "success"), ("test.finlake.t1", "pass"), ("test.finlake.t2", "warn")
        )
    )
    assert ok.passed and ok.tests_passed == 1 and len(ok.warnings) == 1
    bad = quality.evaluate(results(tmp_path, ("model.finlake.a", "success"), ("test.finlake.t1", "fail")))
    assert not bad.passed and "test.finlake.t1" in bad.failures[0]
    errored = quality.evaluate(
        results(tmp_path, ("model.finlake.a", "error"), ("test.finlake.t1", "skipped"))
    )
    assert not errored.passed and len(errored.failures) == 2
    assert not quality.evaluate(tmp_path / "missing.json").passed


def test_publish_replaces_the_served_file_atomically_and_records_the_run(tmp_path):
    gold = tmp_path / "gold"
    cand = publish.candidate_dir(gold, "r1")
    cand.mkdir(parents=True)
    (cand / "daily_portfolio_summary.parquet").write_bytes(b"v1")
    meta = publish.publish(gold, "r1")
    assert publish.published_file(gold).read_bytes() == b"v1"
    assert json.loads((gold / "daily_portfolio_summary" / "_published.json").read_text())["run_id"] == "r1"
    assert meta["sha256"]
    with pytest.raises(FileNotFoundError, match="no candidate to publish"):
        publish.publish(gold, "r2")
    assert publish.published_file(gold).read_bytes() == b"v1"
    assert not list((gold / "daily_portfolio_summary").glob(".tmp-*"))


def test_backfill_windows_are_calendar_years_without_shared_months():
    assert backfill_windows(date(2018, 6, 1), date(2020, 2, 3)) == [
        (date(2018, 6, 1), date(2018, 12, 31)),
        (date(2019, 1, 1), date(2019, 12, 31)),
        (date(2020, 1, 1), date(2020, 2, 3)),
    ]


def test_settings_report_every_problem(monkeypatch):
    with pytest.raises(SettingsError) as err:
        load({"FINLAKE_RUNNER": "k8s", "FINLAKE_SYMBOLS": "AAPL,bad sym", "FMP_RATE_LIMIT_PER_MIN": "lots"})
    for name in ("FINLAKE_RUNNER", "FINLAKE_SYMBOLS", "FMP_RATE_LIMIT_PER_MIN"):
        assert name in str(err.value)


TARGET = EcsTarget("finlake", "fmp-ingester:7", "fmp-ingester", ("subnet-1",), ("sg-1",))


def _clients():
    ecs = boto3.client("ecs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return ecs, s3


def test_ecs_runner_passes_parameters_and_run_id_and_reads_the_manifest():
    ecs, s3 = _clients()
    arn = "arn:aws:ecs:us-east-1:1:task/finlake/abc"
    with Stubber(ecs) as e, Stubber(s3) as s:
        e.add_response(
            "run_task",
            {"tasks": [{"taskArn": arn}], "failures": []},
            {
                "cluster": "finlake", "taskDefinition": "fmp-ingester:7", "launchType": "FARGATE", "count": 1,
                "startedBy": "prefect-run-1",
                "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}},
                "overrides": {"containerOverrides": [{
                    "name": "fmp-ingester",
                    "command": ["--symbols", "AAPL,MSFT", "--from", "2024-01-02", "--to", "2024-01-03", "--run-id", "run-1"],
                    "environment": [{"name": "PREFECT__FLOW_RUN_ID", "value": "run-1"}],
                }]},
            },
        )  # fmt: skip
        e.add_response(
            "describe_tasks", {"tasks": [{"taskArn": arn, "lastStatus": "RUNNING", "containers": []}]}
        )
        e.add_response(
            "describe_tasks",
            {
                "tasks": [
                    {
                        "taskArn": arn,
                        "lastStatus": "STOPPED",
                        "containers": [{"name": "fmp-ingester", "exitCode": 0}],
                    }
                ]
            },
        )
        s.add_response(
            "get_object",
            {"Body": io.BytesIO(b'{"units": 2, "landed": 2}')},
            {
                "Bucket": "bronze",
                "Key": "_manifests/source=fmp/dataset=historical_price_eod/run_id=run-1.json",
            },
        )
        out = EcsIngestion(ecs, s3, TARGET, "bronze", poll_s=0).ingest(
            ("AAPL", "MSFT"), Window(date(2024, 1, 2), date(2024, 1, 3)), "run-1"
        )
        assert out == {"units": 2, "landed": 2}


def test_ecs_runner_fails_when_the_task_fails():
    ecs, s3 = _clients()
    arn = "arn:aws:ecs:us-east-1:1:task/finlake/abc"
    with Stubber(ecs) as e:
        e.add_response("run_task", {"tasks": [{"taskArn": arn}], "failures": []})
        e.add_response(
            "describe_tasks",
            {"tasks": [{"taskArn": arn, "lastStatus": "STOPPED", "stoppedReason": "Essential container exited",
                        "containers": [{"name": "fmp-ingester", "exitCode": 3}]}]},
        )  # fmt: skip
        with pytest.raises(StageFailed, match="exited 3"):
            EcsIngestion(ecs, s3, TARGET, "bronze", poll_s=0).ingest(("AAPL",), Window(None, None), "run-1")


def test_glue_runner_starts_the_job_with_the_argument_contract_and_maps_failures():
    glue = boto3.client("glue", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    _, s3 = _clients()
    args = {
        "--dataset": "fmp_eod_prices", "--bronze_uri": "s3://b", "--silver_uri": "s3://s/v1", "--mode": "window",
        "--from": "2024-01-01", "--to": "2024-01-31", "--run_id": "run-1",
    }  # fmt: skip
    with Stubber(glue) as g, Stubber(s3) as s:
        g.add_response(
            "start_job_run", {"JobRunId": "jr_1"}, {"JobName": "bronze-to-silver", "Arguments": args}
        )
        g.add_response("get_job_run", {"JobRun": {"JobRunState": "RUNNING"}})
        g.add_response("get_job_run", {"JobRun": {"JobRunState": "SUCCEEDED"}})
        s.add_response(
            "get_object",
            {"Body": io.BytesIO(b'{"rows_written": 5}')},
            {"Bucket": "s", "Key": "v1/_runs/fmp_eod_prices/run_id=run-1.json"},
        )
        runner = GlueTransform(glue, s3, "bronze-to-silver", "s3://b", "s3://s/v1", poll_s=0)
        assert runner.transform(date(2024, 1, 1), date(2024, 1, 31), "run-1") == {"rows_written": 5}
        g.add_response("start_job_run", {"JobRunId": "jr_2"})
        g.add_response("get_job_run", {"JobRun": {"JobRunState": "FAILED", "ErrorMessage": "OOM"}})
        with pytest.raises(StageFailed, match="ended FAILED: OOM"):
            runner.transform(date(2024, 1, 1), date(2024, 1, 31), "run-1")
