import io
import json
import re
import tempfile
from datetime import date

import boto3
import pytest
from botocore.stub import Stubber

from finlake_flows import platform, publish, quality, work_pool
from finlake_flows.flows import symbol_groups
from finlake_flows.runners import (
    EcsDbt,
    EcsIngestion,
    EcsTaskRunner,
    GlueTransform,
    StageFailed,
    Window,
    ingester_args,
)
from finlake_flows.settings import REPO, SettingsError, load, load_aws


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


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, [["A", "B", "C", "D", "E"]]),
        (2, [["A", "C", "E"], ["B", "D"]]),
        (8, [["A"], ["B"], ["C"], ["D"], ["E"]]),  # never an empty group
    ],
)
def test_a_backfill_splits_symbols_not_dates(n, expected):
    groups = symbol_groups(["A", "B", "C", "D", "E"], n)
    assert groups == expected
    assert sorted(s for g in groups for s in g) == ["A", "B", "C", "D", "E"]


def test_settings_report_every_problem(monkeypatch):
    with pytest.raises(SettingsError) as err:
        load({"FINLAKE_RUNNER": "k8s", "FINLAKE_SYMBOLS": "AAPL,bad sym", "FMP_RATE_LIMIT_PER_MIN": "lots"})
    for name in ("FINLAKE_RUNNER", "FINLAKE_SYMBOLS", "FMP_RATE_LIMIT_PER_MIN"):
        assert name in str(err.value)


def aws_env(**over) -> dict:
    """Every variable the contract says infra sets on flow runs (as infra/components/flow-runs.ts does)."""
    env = {n: f"v-{n.lower()}" for n in platform.service("flowRun")["infraEnv"]}
    env.update(
        FINLAKE_RUNNER="aws", FINLAKE_ENV="staging", FINLAKE_BRONZE_URI="s3://bronze",
        FINLAKE_SILVER_URI="s3://s/v1", FINLAKE_ARTIFACTS_URI="s3://art", FINLAKE_ECS_SUBNETS="subnet-1,subnet-2",
        FINLAKE_ECS_SECURITY_GROUPS="sg-1", FINLAKE_INGESTER_TASK_DEFINITION="fmp-ingester:7",
        FINLAKE_DBT_TASK_DEFINITION="dbt:3", FINLAKE_ECS_CLUSTER="finlake", FINLAKE_GLUE_JOB_NAME="bronze-to-silver",
    )  # fmt: skip
    env.update(over)
    return env


def test_aws_settings_need_every_variable_infra_sets_and_name_the_missing():
    assert load_aws(aws_env()).subnets == ("subnet-1", "subnet-2")
    env = aws_env()
    del env["FINLAKE_GLUE_JOB_NAME"], env["FINLAKE_DBT_TASK_DEFINITION"]
    with pytest.raises(SettingsError, match="FINLAKE_DBT_TASK_DEFINITION, FINLAKE_GLUE_JOB_NAME"):
        load_aws(env)


@pytest.mark.parametrize("value", ["0", "-1", "301", "soon", "nan"])
def test_stage_poll_seconds_outside_the_range_are_refused_with_the_range(value):
    assert load_aws(aws_env()).stage_poll_s == 10.0
    assert load_aws(aws_env(FINLAKE_STAGE_POLL_SECONDS="0.5")).stage_poll_s == 0.5
    with pytest.raises(
        SettingsError, match=f"FINLAKE_STAGE_POLL_SECONDS='{value}': expected seconds from 0.1 to 300"
    ):
        load_aws(aws_env(FINLAKE_STAGE_POLL_SECONDS=value))


def _clients():
    ecs = boto3.client("ecs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return ecs, s3


def _dockerfile_cmd(path: str) -> list[str]:
    text = (REPO / path).read_text()
    return json.loads(re.search(r"^CMD (\[.*\])$", text, re.M)[1])


def _stopped(arn: str, container: str, code: int | None, reason: str = "") -> dict:
    return {"tasks": [{"taskArn": arn, "lastStatus": "STOPPED", "stoppedReason": reason,
                       "containers": [{"name": container, **({"exitCode": code} if code is not None else {})}]}]}  # fmt: skip


def test_ecs_override_runs_the_image_program_with_the_args_on_spot_first_capacity():
    """ECS replaces the image's CMD with the override: it must start with the Dockerfile's CMD."""
    tasks = EcsTaskRunner(None, load_aws(aws_env()))
    args = ingester_args(("AAPL", "MSFT"), Window(date(2024, 1, 2), date(2024, 1, 3)), "run-1", "pipeline")
    req = tasks.request("fmpIngester", "fmp-ingester:7", args, "run-1")
    [override] = req["overrides"]["containerOverrides"]
    image_cmd = _dockerfile_cmd("apps/fmp-ingester/Dockerfile")
    assert override["command"][: len(image_cmd)] == image_cmd
    assert override["command"][len(image_cmd) :] == args
    assert "launchType" not in req  # a launch type would bypass the capacity provider strategy
    assert req["capacityProviderStrategy"][0]["capacityProvider"] == "FARGATE_SPOT"
    dbt = tasks.request("dbt", "dbt:3", ["--run-id", "r"], "r")["overrides"]["containerOverrides"][0]
    assert dbt["command"][:3] == _dockerfile_cmd("dbt/Dockerfile")


def test_ecs_ingestion_reads_the_pipeline_manifest_the_connector_writes():
    ecs, s3 = _clients()
    arn = "arn:aws:ecs:us-east-1:1:task/finlake/abc"
    aws = load_aws(aws_env())
    with Stubber(ecs) as e, Stubber(s3) as s:
        e.add_response("run_task", {"tasks": [{"taskArn": arn}], "failures": []})
        e.add_response(
            "describe_tasks", {"tasks": [{"taskArn": arn, "lastStatus": "RUNNING", "containers": []}]}
        )
        e.add_response("describe_tasks", _stopped(arn, "fmp-ingester", 0))
        key = platform.manifest_key("fmp_eod_prices", "run-1", "pipeline")
        s.add_response("get_object", {"Body": io.BytesIO(b'{"units": 2}')}, {"Bucket": "bronze", "Key": key})
        out = EcsIngestion(EcsTaskRunner(ecs, aws, poll_s=0), s3).ingest(
            ("AAPL", "MSFT"), Window(date(2024, 1, 2), date(2024, 1, 3)), "run-1"
        )
        assert out == {"units": 2}


@pytest.mark.parametrize(
    ("code", "reason", "match"),
    [
        (3, "Essential container exited", "exited 3"),
        (None, "Spot interruption", "without an exit code: Spot"),
    ],
)
def test_ecs_stage_failures_name_the_exit_code_or_the_reason(code, reason, match):
    ecs, s3 = _clients()
    arn = "arn:aws:ecs:us-east-1:1:task/finlake/abc"
    with Stubber(ecs) as e:
        e.add_response("run_task", {"tasks": [{"taskArn": arn}], "failures": []})
        e.add_response("describe_tasks", _stopped(arn, "fmp-ingester", code, reason))
        runner = EcsIngestion(EcsTaskRunner(ecs, load_aws(aws_env()), poll_s=0), s3)
        with pytest.raises(StageFailed, match=match):
            runner.ingest(("AAPL",), Window(None, None), "run-1")


def test_ecs_dbt_reads_the_run_results_its_task_stored():
    ecs, s3 = _clients()
    arn = "arn:aws:ecs:us-east-1:1:task/finlake/dbt"
    with Stubber(ecs) as e, Stubber(s3) as s:
        e.add_response("run_task", {"tasks": [{"taskArn": arn}], "failures": []})
        e.add_response("describe_tasks", _stopped(arn, "dbt", 1))
        key = platform.artifact_key("dbtRunResults", run_id="run-1")
        s.add_response("get_object", {"Body": io.BytesIO(b'{"results": []}')}, {"Bucket": "art", "Key": key})
        batch = platform.artifact_key("dbtBatch", run_id="run-1")
        built = {"gold_from": None, "dbt_fingerprint": "fp"}
        s.add_response(
            "get_object", {"Body": io.BytesIO(json.dumps(built).encode())}, {"Bucket": "art", "Key": batch}
        )
        # No state folder given (a flow-run container, whose image folders are read-only): a temporary one.
        runner = EcsDbt(EcsTaskRunner(ecs, load_aws(aws_env()), poll_s=0), s3)
        out = runner.build("run-1")
        assert json.loads(out.read_text()) == {"results": []}
        assert runner.batch("run-1") == {**built, "base_run_id": None}  # what the task says it built
        assert out.is_relative_to(tempfile.gettempdir()) and not out.is_relative_to(REPO)
        out.unlink()


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        ("fp-1", ["--gold-from", "2020-12-01", "--served-fingerprint", "fp-1"]),
        (None, []),  # nothing served (or an unpartitioned table): the task builds all of gold
    ],
)
def test_ecs_dbt_asks_its_task_for_a_batch_with_the_served_fingerprint(served, expected, tmp_path):
    class Tasks:
        aws = load_aws(aws_env())

        def run(self, service, task_definition, args, run_id):
            self.args = args
            return 0

    class Publisher:
        def served_fingerprint(self):
            return served

    class S3:
        def get_object(self, Bucket, Key):
            return {"Body": io.BytesIO(b"{}")}

    tasks = Tasks()
    EcsDbt(tasks, S3(), Publisher(), state=tmp_path).build("run-1", gold_from=date(2020, 12, 1))
    assert tasks.args == ["--run-id", "run-1", *expected]


def test_glue_runner_passes_the_run_arguments_over_the_job_defaults_and_maps_failures():
    glue = boto3.client("glue", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    _, s3 = _clients()
    args = {"--mode": "window", "--from": "2024-01-01", "--to": "2024-01-31", "--run_id": "run-1"}
    with Stubber(glue) as g, Stubber(s3) as s:
        g.add_response(
            "start_job_run", {"JobRunId": "jr_1"}, {"JobName": "bronze-to-silver", "Arguments": args}
        )
        g.add_response("get_job_run", {"JobRun": {"JobRunState": "RUNNING"}})
        g.add_response("get_job_run", {"JobRun": {"JobRunState": "SUCCEEDED"}})
        key = "v1/" + platform.silver_run_summary_key("fmp_eod_prices", "run-1")
        s.add_response(
            "get_object", {"Body": io.BytesIO(b'{"rows_written": 5}')}, {"Bucket": "s", "Key": key}
        )
        runner = GlueTransform(glue, s3, load_aws(aws_env()), poll_s=0)
        assert runner.transform(date(2024, 1, 1), date(2024, 1, 31), "run-1") == {"rows_written": 5}
        g.add_response("start_job_run", {"JobRunId": "jr_2"})
        g.add_response("get_job_run", {"JobRun": {"JobRunState": "FAILED", "ErrorMessage": "OOM"}})
        with pytest.raises(StageFailed, match="ended FAILED: OOM"):
            runner.transform(date(2024, 1, 1), date(2024, 1, 31), "run-1")
        g.add_response("start_job_run", {"JobRunId": "jr_3"})
        g.add_response("get_job_run", {"JobRun": {"JobRunState": "RUNNING"}})
        g.add_response("batch_stop_job_run", {"SuccessfulSubmissions": [], "Errors": []})
        runner.timeout_s = 0
        with pytest.raises(StageFailed, match="did not finish"):
            runner.transform(date(2024, 1, 1), date(2024, 1, 31), "run-1")


def test_work_pool_template_sets_the_stack_job_variables_as_defaults():
    jv = {
        "cluster": "c",
        "capacity_provider_strategy": [{"capacityProvider": "FARGATE_SPOT"}],
        "env": {"A": "b"},
    }
    t = work_pool.base_job_template(jv)
    assert t["variables"]["properties"]["cluster"]["default"] == "c"
    assert t["variables"]["properties"]["env"]["default"] == {"A": "b"}
    with pytest.raises(ValueError, match="no job variables bogus"):
        work_pool.base_job_template({"bogus": 1})


def test_glue_publish_switches_the_served_table_and_rolls_back_to_the_previous_version():
    from moto import mock_aws

    with mock_aws():
        glue = boto3.client("glue", region_name="us-east-1")
        gold_db = platform.name("glueDatabase", env="staging", zone="gold")
        _served_table(glue, gold_db)
        pub = publish.GlueTablePublisher(glue, gold_db)
        with pytest.raises(LookupError, match="never been published"):
            pub.rollback()
        first = pub.publish("s3://gold", "run-1")
        assert (
            first["location"] == "s3://gold/" + platform.gold_candidate_prefix("run-1") + publish.TABLE + "/"
        )
        pub.publish("s3://gold", "run-2")
        table = pub.current()
        assert table["StorageDescriptor"]["Location"].endswith("run-2/daily_portfolio_summary/")
        assert table["StorageDescriptor"]["Columns"] == [{"Name": "nav", "Type": "double"}]
        assert table["Parameters"]["classification"] == "parquet"
        back = pub.rollback()
        assert (
            back["run_id"] == "run-1" and pub.current()["StorageDescriptor"]["Location"] == first["location"]
        )
        with pytest.raises(LookupError, match="earlier runs"):
            pub.rollback("run-9")


@pytest.fixture
def moto_gold():
    """moto's Glue and S3 with the served gold table partitioned as infra declares it: (glue, s3, database)."""
    from moto import mock_aws

    with mock_aws():
        glue = boto3.client("glue", region_name="us-east-1")
        s3 = boto3.client("s3", region_name="us-east-1")
        gold_db = platform.name("glueDatabase", env="staging", zone="gold")
        _served_table(glue, gold_db, ["summary_month"])
        s3.create_bucket(Bucket="gold")
        yield glue, s3, gold_db


def _served_table(glue, gold_db, partition_keys=()):
    """The served gold table as infra creates it from the contract (one owner: schema and partitioning),
    before any publish, in moto."""
    glue.create_database(DatabaseInput={"Name": gold_db})
    glue.create_table(
        DatabaseName=gold_db,
        TableInput={
            "Name": publish.TABLE,
            "TableType": "EXTERNAL_TABLE",
            "PartitionKeys": [{"Name": k, "Type": "string"} for k in partition_keys],
            "StorageDescriptor": {"Columns": [{"Name": "nav", "Type": "double"}], "Location": "s3://gold/x/"},
            "Parameters": {"classification": "parquet"},
        },
    )


def _candidate(s3, run_id, months):
    """What dbt-athena's CTAS leaves: one folder per month under the run's candidate location."""
    for m in months:
        key = f"{platform.gold_candidate_prefix(run_id)}{publish.TABLE}/summary_month={m}/part-0.parquet"
        s3.put_object(Bucket="gold", Key=key, Body=b"x")


def test_glue_publish_of_a_partitioned_table_replaces_the_batch_months_and_rolls_back_month_by_month(
    moto_gold,
):
    glue, s3, gold_db = moto_gold
    pub = publish.GlueTablePublisher(glue, gold_db, s3)
    assert pub.served_fingerprint() is None  # nothing served: the first build is full

    def served():  # month -> the run whose candidate it is served from
        return {
            m: next(r for r in ("r1", "r2", "r3") if f"/{platform.gold_candidate_prefix(r)}" in loc)
            for m, loc in pub.served_partitions().items()
        }

    _candidate(s3, "r1", ["2020-10", "2020-11", "2020-12"])
    r1 = pub.publish("s3://gold", "r1", None, "fp-1")
    assert r1["partitions_published"] == 3
    assert served() == {f"summary_month=2020-{m}": "r1" for m in ("10", "11", "12")}
    assert pub.served_fingerprint() == "fp-1"

    # The night's batch: December rebuilt, January new; October and November stay r1's.
    _candidate(s3, "r2", ["2020-12", "2021-01"])
    pub.publish("s3://gold", "r2", date(2020, 12, 1), "fp-1")
    assert served() == {
        "summary_month=2020-10": "r1",
        "summary_month=2020-11": "r1",
        "summary_month=2020-12": "r2",
        "summary_month=2021-01": "r2",
    }
    # A full build drops months it no longer has.
    _candidate(s3, "r3", ["2020-11", "2020-12", "2021-01"])
    r3 = pub.publish("s3://gold", "r3", None, "fp-2")
    assert r3["partitions_dropped"] == 1 and "summary_month=2020-10" not in served()

    assert pub.rollback()["run_id"] == "r2"
    assert served() == {
        "summary_month=2020-10": "r1",
        "summary_month=2020-11": "r1",
        "summary_month=2020-12": "r2",
        "summary_month=2021-01": "r2",
    }
    assert pub.served_fingerprint() == "fp-1"
    assert pub.rollback("r1")["run_id"] == "r1"
    assert served() == {f"summary_month=2020-{m}": "r1" for m in ("10", "11", "12")}
    with pytest.raises(LookupError, match="earlier runs: none"):
        pub.rollback()


def test_a_partitioned_publish_retried_after_a_crash_finishes_the_switch_it_recorded(moto_gold):
    class CrashOnce:
        """Glue that fails the first partition update, as a killed flow run would stop there."""

        def __init__(self, glue):
            self.glue, self.crashed = glue, False

        def __getattr__(self, name):
            return getattr(self.glue, name)

        def batch_update_partition(self, **kw):
            if not self.crashed:
                self.crashed = True
                raise ConnectionError("killed mid-publish")
            return self.glue.batch_update_partition(**kw)

    glue, s3, gold_db = moto_gold
    _candidate(s3, "r1", ["2020-11", "2020-12"])
    publish.GlueTablePublisher(glue, gold_db, s3).publish("s3://gold", "r1", None, "fp")
    _candidate(s3, "r2", ["2020-12"])
    flaky = publish.GlueTablePublisher(CrashOnce(glue), gold_db, s3)
    with pytest.raises(ConnectionError):
        flaky.publish("s3://gold", "r2", date(2020, 12, 1), "fp")
    done = flaky.publish("s3://gold", "r2", date(2020, 12, 1), "fp")  # the task's retry
    assert done["partitions_published"] == 1
    assert flaky.rollback()["run_id"] == "r1"  # the record of the first try: December back to r1
    r1 = platform.gold_candidate_prefix("r1")
    assert all(r1 in loc for loc in flaky.served_partitions().values())


def test_a_batch_is_refused_on_an_unpartitioned_table_and_an_empty_candidate_is_not_published(moto_gold):
    glue, s3, gold_db = moto_gold
    pub = publish.GlueTablePublisher(glue, gold_db, s3)
    with pytest.raises(ValueError, match="holds no summary_month partitions"):
        pub.publish("s3://gold", "r0", None, "fp")
    glue.create_table(
        DatabaseName=gold_db,
        TableInput={"Name": "flat", "StorageDescriptor": {"Columns": [], "Location": "s3://gold/f/"}},
    )
    flat = publish.GlueTablePublisher(glue, gold_db, s3, table="flat")
    with pytest.raises(ValueError, match="not partitioned: a batch from 2020-12-01"):
        flat.publish("s3://gold", "r1", date(2020, 12, 1), "fp")


def test_every_served_mart_is_published_or_none_is(tmp_path):
    gold = tmp_path / "gold"
    summary, news = publish.MARTS
    cand = publish.candidate_dir(gold, "r1")
    cand.mkdir(parents=True)
    (cand / f"{summary}.parquet").write_bytes(b"s1")
    # dbt built the summary but not the news mart: nothing is switched.
    with pytest.raises(FileNotFoundError, match=f"lacks {news}"):
        publish.publish_marts(gold, "r1")
    assert not publish.published_file(gold).exists()
    (cand / f"{news}.parquet").write_bytes(b"n1")
    meta = publish.publish_marts(gold, "r1")
    assert publish.published_file(gold, news).read_bytes() == b"n1"
    assert publish.published_file(gold).read_bytes() == b"s1"
    assert list(meta["marts"]) == [news] and meta["kept"] == []
    assert (
        json.loads((publish.published_file(gold, news).parent / "_published.json").read_text())["run_id"]
        == "r1"
    )
    # A run from before the news mart existed: a rollback to it keeps the news served as it is.
    old = publish.candidate_dir(gold, "r0")
    old.mkdir(parents=True)
    (old / f"{summary}.parquet").write_bytes(b"s0")
    with (publish.published_file(gold).parent / "_history.jsonl").open("a") as fh:
        fh.write(json.dumps({"run_id": "r0"}) + "\n")
    assert publish.rollback_local(gold, "r0")["kept"] == [news]
    assert publish.published_file(gold).read_bytes() == b"s0"
    assert publish.published_file(gold, news).read_bytes() == b"n1"


def test_local_rollback_republishes_an_earlier_candidate(tmp_path):
    gold = tmp_path / "gold"
    for run, body in (("r1", b"v1"), ("r2", b"v2")):
        cand = publish.candidate_dir(gold, run)
        cand.mkdir(parents=True)
        (cand / "daily_portfolio_summary.parquet").write_bytes(body)
        publish.publish(gold, run)
    assert publish.rollback_local(gold)["run_id"] == "r1"
    assert publish.published_file(gold).read_bytes() == b"v1"
    with pytest.raises(LookupError, match="never published"):
        publish.rollback_local(gold, "r9")


def test_rollback_command_serves_the_previous_local_version_and_says_when_there_is_none(
    tmp_path, monkeypatch, capsys
):
    from finlake_flows import cli

    monkeypatch.setenv("FINLAKE_LAKE_ROOT", str(tmp_path))
    monkeypatch.setenv("FINLAKE_RUNNER", "local")
    gold = tmp_path / "gold"
    assert cli.main(["rollback"]) == 1
    assert "nothing to roll back to" in capsys.readouterr().err
    for run, body in (("r1", b"v1"), ("r2", b"v2")):
        cand = publish.candidate_dir(gold, run)
        cand.mkdir(parents=True)
        (cand / "daily_portfolio_summary.parquet").write_bytes(body)
        publish.publish(gold, run)
    assert cli.main(["rollback"]) == 0
    assert json.loads(capsys.readouterr().out)["run_id"] == "r1"
    assert publish.published_file(gold).read_bytes() == b"v1"


def _gold_file(path, rows):
    """A gold Parquet file with the mart's key columns and a value, written by DuckDB (as dbt does)."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    values = ", ".join(f"('{p}', date '{d}', {v})" for p, d, v in rows)
    duckdb.connect().execute(
        f"copy (select * from (values {values}) t(portfolio_id, summary_date, market_value)) to '{path}' (format parquet)"
    )


def _served(gold):
    import duckdb

    q = f"select portfolio_id, cast(summary_date as varchar), market_value from '{publish.published_file(gold)}' order by all"
    return duckdb.connect().execute(q).fetchall()


def test_a_batch_publish_completes_the_served_version_and_a_retry_after_a_crash_finishes_it(tmp_path):
    gold = tmp_path / "gold"
    first = publish.candidate_dir(gold, "r1")
    first.mkdir(parents=True)
    _gold_file(first / "daily_portfolio_summary.parquet", [("P1", "2024-01-30", 1), ("P1", "2024-02-01", 2)])
    publish.write_batch(gold, first, None, "fp")
    publish.publish(gold, "r1")

    night = publish.candidate_dir(gold, "r2")
    night.mkdir(parents=True)
    publish.write_batch(gold, night, date(2024, 2, 1), "fp")
    _gold_file(
        night / "daily_portfolio_summary.parquet", [("P1", "2024-02-01", 20), ("P1", "2024-02-02", 30)]
    )
    # A crash after the audited batch was set aside and before the full version was written:
    (night / "daily_portfolio_summary.parquet").rename(night / "daily_portfolio_summary.batch.parquet")
    meta = publish.publish(gold, "r2")
    assert meta["gold_from"] == "2024-02-01" and meta["dbt_fingerprint"] == "fp"
    assert _served(gold) == [("P1", "2024-01-30", 1), ("P1", "2024-02-01", 20), ("P1", "2024-02-02", 30)]
    assert publish.batch_start(gold, "fp", date(2024, 2, 15)) == date(2024, 2, 1)
    assert publish.batch_start(gold, "changed models", date(2024, 2, 15)) is None


def test_a_batch_built_on_a_version_no_longer_served_is_refused(tmp_path):
    gold = tmp_path / "gold"
    for run in ("r1", "r2"):
        c = publish.candidate_dir(gold, run)
        c.mkdir(parents=True)
        _gold_file(c / "daily_portfolio_summary.parquet", [("P1", "2024-01-30", 1)])
    publish.write_batch(gold, publish.candidate_dir(gold, "r1"), None, "fp")
    publish.publish(gold, "r1")
    batch = publish.candidate_dir(gold, "r3")
    batch.mkdir(parents=True)
    publish.write_batch(gold, batch, date(2024, 2, 1), "fp")  # built on r1's version
    _gold_file(batch / "daily_portfolio_summary.parquet", [("P1", "2024-02-01", 5)])
    publish.publish(gold, "r2")  # another run published meanwhile
    served = _served(gold)
    with pytest.raises(RuntimeError, match="rerun the pipeline"):
        publish.publish(gold, "r3")
    assert _served(gold) == served
