"""How each stage runs: one interface per stage, a local and an AWS implementation, chosen by
configuration (FINLAKE_RUNNER), never by forks in the flows.

- Ingestion: the fmp-ingester bundle as a subprocess, or an ECS RunTask of its task definition.
- Transform: the Glue script on local Spark as a subprocess, or Glue StartJobRun + polling.
Every stage gets the run id as PREFECT__FLOW_RUN_ID, so its log lines carry the master run's id.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from finlake_flows.settings import REPO, Settings

log = logging.getLogger(__name__)


class StageFailed(RuntimeError):
    """A stage ran and failed; the message says which, how, and where its details are."""


@dataclass(frozen=True)
class Window:
    date_from: date | None
    date_to: date | None

    def args(self) -> list[str]:
        out = []
        if self.date_from:
            out += ["--from", self.date_from.isoformat()]
        if self.date_to:
            out += ["--to", self.date_to.isoformat()]
        return out


class IngestionRunner(Protocol):
    def ingest(self, symbols: tuple[str, ...], window: Window, run_id: str) -> dict: ...


class TransformRunner(Protocol):
    def transform(self, date_from: date, date_to: date, run_id: str) -> dict: ...


def _run(cmd: list[str], env: dict[str, str], what: str) -> int:
    """Runs a stage process, relaying its (JSON) log lines as they come."""
    proc = subprocess.Popen(  # noqa: S603 - our own stage commands, arguments validated upstream
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        log.info("%s | %s", what, line.rstrip())
    return proc.wait()


class LocalIngestion:
    def __init__(self, settings: Settings):
        self.s = settings
        self.bundle = REPO / "apps" / "fmp-ingester" / "dist" / "main.js"

    def ingest(self, symbols: tuple[str, ...], window: Window, run_id: str) -> dict:
        if not self.bundle.is_file():
            raise StageFailed(f"{self.bundle} missing: build it with `npx nx build fmp-ingester`")
        env = {
            **os.environ,
            "FINLAKE_LAKE_ROOT": str(self.s.lake_root),
            "FMP_BASE_URL": self.s.fmp_base_url,
            "FMP_RATE_LIMIT_PER_MIN": str(self.s.fmp_rate_limit_per_min),
            "PREFECT__FLOW_RUN_ID": run_id,
        }
        if self.s.fmp_api_key:
            env["FMP_API_KEY"] = self.s.fmp_api_key
        cmd = [
            self.s.node,
            str(self.bundle),
            "--symbols",
            ",".join(symbols),
            *window.args(),
            "--run-id",
            run_id,
        ]
        code = _run(cmd, env, "fmp-ingester")
        manifest = (
            self.s.bronze
            / "_manifests"
            / "source=fmp"
            / "dataset=historical_price_eod"
            / f"run_id={run_id}.json"
        )
        summary = json.loads(manifest.read_text()) if manifest.is_file() else None
        if code != 0:
            detail = f"; {summary['failed']} failed units, see {manifest}" if summary else ""
            raise StageFailed(f"fmp-ingester exited {code}{detail}")
        if summary is None:
            raise StageFailed(f"fmp-ingester succeeded but wrote no manifest at {manifest}")
        return summary


class LocalTransform:
    def __init__(self, settings: Settings):
        self.s = settings

    def transform(self, date_from: date, date_to: date, run_id: str) -> dict:
        env = {**os.environ, "PREFECT__FLOW_RUN_ID": run_id}
        cmd = [
            str(self.s.python), "-m", "finlake_glue.job", "--dataset", "fmp_eod_prices",
            "--bronze_uri", str(self.s.bronze), "--silver_uri", str(self.s.silver),
            "--mode", "window", "--from", date_from.isoformat(), "--to", date_to.isoformat(), "--run_id", run_id,
        ]  # fmt: skip
        code = _run(cmd, env, "glue-bronze-to-silver")
        summary_file = self.s.silver / "_runs" / "fmp_eod_prices" / f"run_id={run_id}.json"
        if code != 0 or not summary_file.is_file():
            raise StageFailed(f"the bronze-to-silver job exited {code}; its log lines above say why")
        return json.loads(summary_file.read_text())


@dataclass(frozen=True)
class EcsTarget:
    cluster: str
    task_definition: str
    container: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]


class EcsIngestion:
    """Runs the connector as an ECS task (Fargate) and waits for it; its exit code decides."""

    def __init__(
        self, ecs, s3, target: EcsTarget, bronze_bucket: str, poll_s: float = 10, timeout_s: float = 3600
    ):
        self.ecs, self.s3, self.t, self.bucket = ecs, s3, target, bronze_bucket
        self.poll_s, self.timeout_s = poll_s, timeout_s

    def ingest(self, symbols: tuple[str, ...], window: Window, run_id: str) -> dict:
        resp = self.ecs.run_task(
            cluster=self.t.cluster,
            taskDefinition=self.t.task_definition,
            launchType="FARGATE",
            count=1,
            startedBy=f"prefect-{run_id}"[:36],
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": list(self.t.subnets),
                    "securityGroups": list(self.t.security_groups),
                    "assignPublicIp": "DISABLED",
                }
            },
            overrides={
                "containerOverrides": [
                    {
                        "name": self.t.container,
                        "command": ["--symbols", ",".join(symbols), *window.args(), "--run-id", run_id],
                        "environment": [{"name": "PREFECT__FLOW_RUN_ID", "value": run_id}],
                    }
                ]
            },
        )
        if resp.get("failures") or not resp.get("tasks"):
            raise StageFailed(f"ECS could not start the ingester: {resp.get('failures')}")
        arn = resp["tasks"][0]["taskArn"]
        deadline = time.monotonic() + self.timeout_s
        while True:
            task = self.ecs.describe_tasks(cluster=self.t.cluster, tasks=[arn])["tasks"][0]
            if task["lastStatus"] == "STOPPED":
                break
            if time.monotonic() > deadline:
                self.ecs.stop_task(cluster=self.t.cluster, task=arn, reason="timed out in Prefect")
                raise StageFailed(f"ingester task {arn} did not finish in {self.timeout_s} s; stopped it")
            time.sleep(self.poll_s)
        container = next(c for c in task["containers"] if c["name"] == self.t.container)
        if container.get("exitCode") != 0:
            why = container.get("reason") or task.get("stoppedReason")
            raise StageFailed(f"ingester task {arn} exited {container.get('exitCode')}: {why}")
        key = f"_manifests/source=fmp/dataset=historical_price_eod/run_id={run_id}.json"
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())


class GlueTransform:
    """Starts the Glue job with the argument contract and polls it to a terminal state."""

    TERMINAL_OK = frozenset({"SUCCEEDED"})
    TERMINAL_BAD = frozenset({"FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"})

    def __init__(self, glue, s3, job_name: str, bronze_uri: str, silver_uri: str, poll_s: float = 15):
        self.glue, self.s3, self.job = glue, s3, job_name
        self.bronze_uri, self.silver_uri, self.poll_s = bronze_uri, silver_uri, poll_s

    def transform(self, date_from: date, date_to: date, run_id: str) -> dict:
        run = self.glue.start_job_run(
            JobName=self.job,
            Arguments={
                "--dataset": "fmp_eod_prices",
                "--bronze_uri": self.bronze_uri,
                "--silver_uri": self.silver_uri,
                "--mode": "window",
                "--from": date_from.isoformat(),
                "--to": date_to.isoformat(),
                "--run_id": run_id,
            },
        )
        run_id_glue = run["JobRunId"]
        while True:
            state = self.glue.get_job_run(JobName=self.job, RunId=run_id_glue, PredecessorsIncluded=False)[
                "JobRun"
            ]
            status = state["JobRunState"]
            if status in self.TERMINAL_OK:
                break
            if status in self.TERMINAL_BAD:
                raise StageFailed(
                    f"Glue job {self.job} run {run_id_glue} ended {status}: {state.get('ErrorMessage', '')}"
                )
            time.sleep(self.poll_s)
        bucket, _, prefix = self.silver_uri.removeprefix("s3://").partition("/")
        key = "/".join(p for p in (prefix, f"_runs/fmp_eod_prices/run_id={run_id}.json") if p)
        return json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def ingestion_runner(settings: Settings) -> IngestionRunner:
    if settings.runner == "local":
        return LocalIngestion(settings)
    import boto3

    env = os.environ
    target = EcsTarget(
        cluster=env["FINLAKE_ECS_CLUSTER"],
        task_definition=env["FINLAKE_INGESTER_TASK_DEFINITION"],
        container=env.get("FINLAKE_INGESTER_CONTAINER", "fmp-ingester"),
        subnets=tuple(env["FINLAKE_ECS_SUBNETS"].split(",")),
        security_groups=tuple(env["FINLAKE_ECS_SECURITY_GROUPS"].split(",")),
    )
    bucket = env["FINLAKE_BRONZE_URI"].removeprefix("s3://").split("/")[0]
    return EcsIngestion(boto3.client("ecs"), boto3.client("s3"), target, bucket)


def transform_runner(settings: Settings) -> TransformRunner:
    if settings.runner == "local":
        return LocalTransform(settings)
    import boto3

    env = os.environ
    return GlueTransform(
        boto3.client("glue"),
        boto3.client("s3"),
        env["FINLAKE_GLUE_JOB_NAME"],
        env["FINLAKE_BRONZE_URI"],
        env["FINLAKE_SILVER_URI"],
    )


def dbt_build(settings: Settings, run_id: str, select: str | None = None) -> Path:
    """`dbt build` writing gold to this run's candidate folder; returns run_results.json's path."""
    target_path = settings.state / "dbt" / run_id
    env = {
        **os.environ,
        "FINLAKE_LAKE_ROOT": str(settings.lake_root),
        "FINLAKE_GOLD_CANDIDATE_DIR": str(settings.gold / "_candidates" / run_id),
        "PREFECT__FLOW_RUN_ID": run_id,
        "DBT_TARGET": os.environ.get("DBT_TARGET", "local" if settings.runner == "local" else "prod"),
    }
    cmd = ["bash", str(REPO / "dbt" / "scripts" / "dbt.sh"), "build", "--target-path", str(target_path)]
    if select:
        cmd += ["--select", select]
    _run(cmd, env, "dbt")  # the exit code is read through run_results.json by the quality gate
    return target_path / "run_results.json"
