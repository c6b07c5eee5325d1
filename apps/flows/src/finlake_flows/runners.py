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
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from finlake_flows import platform, publish
from finlake_flows.records import IngestManifest, SilverRunSummary
from finlake_flows.settings import REPO, AwsSettings, Settings, load_aws

SILVER_TABLE = "fmp_eod_prices"

log = logging.getLogger(__name__)


class StageFailed(RuntimeError):
    """A stage ran and failed; the message says which, how, and where its details are."""


@dataclass(frozen=True)
class Window:
    """What to fetch: a date window, or (fill_gaps) only the parts of it bronze does not hold yet."""

    date_from: date | None
    date_to: date | None
    fill_gaps: bool = False

    def args(self) -> list[str]:
        out = []
        if self.date_from:
            out += ["--from", self.date_from.isoformat()]
        if self.date_to:
            out += ["--to", self.date_to.isoformat()]
        if self.fill_gaps:
            out.append("--fill-gaps")
        return out


class IngestionRunner(Protocol):
    def ingest(
        self,
        symbols: tuple[str, ...],
        window: Window,
        run_id: str,
        handoff: str = "pipeline",
        table: str = SILVER_TABLE,
    ) -> IngestManifest: ...

    def read_manifest(self, key: str) -> IngestManifest: ...


class TransformRunner(Protocol):
    def transform(self, date_from: date, date_to: date, run_id: str) -> SilverRunSummary: ...

    def stream(self, dataset: str, mode: str, run_id: str) -> dict:
        """A streamed dataset's job run: `stream` (one micro-batch of what landed since the last),
        `full` (every landed object again) or `compact` (rewrite each day's small files); its summary."""
        ...


_peak_rss_kb: dict[str, int] = {}
_peak_lock = threading.Lock()


def peak_rss_mb() -> dict[str, int]:
    """The largest resident set each local stage's process tree reached in this Python process, in MiB
    (summed over the tree: Spark's JVM is a child of the job's Python), and this process's own (the flow,
    Prefect): what a machine must hold."""
    with _peak_lock:
        out = {what: kb // 1024 for what, kb in _peak_rss_kb.items()}
    out["flow"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return out


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _tree_rss_kb(root: int) -> int:
    """Resident set of a process and all its descendants, from /proc (0 where /proc is absent)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * _PAGE_KB
    total, frontier = 0, [root]
    while frontier:
        pid = frontier.pop()
        total += rss.get(pid, 0)
        frontier.extend(children.get(pid, []))
    return total


def _run(cmd: list[str], env: dict[str, str], what: str) -> int:
    """Runs a stage process, relaying its (JSON) log lines as they come; records its tree's peak RSS."""
    proc = subprocess.Popen(  # noqa: S603 - our own stage commands, arguments validated upstream
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stdout is not None
    # Inside a flow or task the lines go to its run's log (what `finlake logs <run-id>` gathers), whatever
    # the logging configuration; outside one, to this module's logger.
    try:
        from prefect import get_run_logger

        relay = get_run_logger()
    except Exception:  # noqa: BLE001 - prefect's MissingContextError: not in a run
        relay = log
    try:
        for line in proc.stdout:
            relay.info("%s | %s", what, line.rstrip())
        code = proc.wait()
    finally:
        done.set()
        sampler.join()
    with _peak_lock:
        _peak_rss_kb[what] = max(_peak_rss_kb.get(what, 0), peak[0])
    return code


class LocalIngestion:
    def __init__(self, settings: Settings):
        self.s = settings
        self.bundle = REPO / "apps" / "fmp-ingester" / "dist" / "main.js"

    def ingest(
        self,
        symbols: tuple[str, ...],
        window: Window,
        run_id: str,
        handoff: str = "pipeline",
        table: str = SILVER_TABLE,
    ) -> IngestManifest:
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
        cmd = [self.s.node, str(self.bundle), *ingester_args(symbols, window, run_id, handoff, table)]
        code = _run(cmd, env, "fmp-ingester")
        manifest = self.s.bronze / platform.manifest_key(table, run_id, handoff)
        summary = json.loads(manifest.read_text()) if manifest.is_file() else None
        if code != 0:
            detail = f"; {summary['failed']} failed units, see {manifest}" if summary else ""
            raise StageFailed(f"fmp-ingester exited {code}{detail}")
        if summary is None:
            raise StageFailed(f"fmp-ingester succeeded but wrote no manifest at {manifest}")
        return summary

    def read_manifest(self, key: str) -> IngestManifest:
        return json.loads((self.s.bronze / key).read_text())


def ingester_args(
    symbols: tuple[str, ...], window: Window, run_id: str, handoff: str, table: str = SILVER_TABLE
) -> list[str]:
    """The connector's arguments. `--handoff pipeline`: the calling flow cleans the batch itself, so the
    bronze trigger's rule (which matches event manifests only) does not start a second run. `--dataset` is
    the declared source's endpoint (the connector's default is the prices')."""
    dataset = [] if table == SILVER_TABLE else ["--dataset", platform.dataset(table)["dataset"]]
    return [
        "--symbols",
        ",".join(symbols),
        *window.args(),
        "--run-id",
        run_id,
        "--handoff",
        handoff,
        *dataset,
    ]


class LocalTransform:
    def __init__(self, settings: Settings):
        self.s = settings

    def transform(self, date_from: date, date_to: date, run_id: str) -> SilverRunSummary:
        window = ["--mode", "window", "--from", date_from.isoformat(), "--to", date_to.isoformat()]
        return self._job(SILVER_TABLE, window, run_id)

    def stream(self, dataset: str, mode: str, run_id: str) -> dict:
        return self._job(dataset, ["--mode", mode], run_id)

    def _job(self, table: str, args: list[str], run_id: str) -> dict:
        """The job's argument contract: the dataset and zones, the run's own arguments, the run id."""
        cmd = [
            str(self.s.python), "-m", "finlake_glue.job", "--dataset", table,
            "--bronze_uri", str(self.s.bronze), "--silver_uri", str(self.s.silver), *args, "--run_id", run_id,
        ]  # fmt: skip
        code = _run(cmd, {**os.environ, "PREFECT__FLOW_RUN_ID": run_id}, "glue-bronze-to-silver")
        summary_file = self.s.silver / platform.silver_run_summary_key(table, run_id)
        if code != 0 or not summary_file.is_file():
            raise StageFailed(
                f"the bronze-to-silver job ({table}) exited {code}; its log lines above say why"
            )
        return json.loads(summary_file.read_text())


class EcsTaskRunner:
    """Runs one service's ECS task (Spot-first capacity, the service's full command + the run's
    arguments) and waits for it to stop, to a deadline. Returns the container's exit code."""

    def __init__(self, ecs, aws: AwsSettings, poll_s: float = 10, timeout_s: float = 3600):
        self.ecs, self.aws, self.poll_s, self.timeout_s = ecs, aws, poll_s, timeout_s

    def request(self, service: str, task_definition: str, args: list[str], run_id: str) -> dict:
        """The RunTask request (a pure function of its inputs, so tests can read the seam)."""
        return dict(
            cluster=self.aws.cluster,
            taskDefinition=task_definition,
            # A launchType would bypass the capacity provider strategy: name the strategy instead.
            capacityProviderStrategy=[dict(s) for s in platform.contract()["batch_capacity_strategy"]],
            count=1,
            startedBy=f"prefect-{run_id}"[:36],
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": list(self.aws.subnets),
                    "securityGroups": list(self.aws.security_groups),
                    "assignPublicIp": "DISABLED",
                }
            },
            overrides={
                "containerOverrides": [
                    {
                        "name": platform.service(service)["container"],
                        "command": platform.command_override(service, args),
                        "environment": [{"name": "PREFECT__FLOW_RUN_ID", "value": run_id}],
                    }
                ]
            },
        )

    def run(self, service: str, task_definition: str, args: list[str], run_id: str) -> int:
        resp = self.ecs.run_task(**self.request(service, task_definition, args, run_id))
        if resp.get("failures") or not resp.get("tasks"):
            raise StageFailed(f"ECS could not start {service}: {resp.get('failures')}")
        arn = resp["tasks"][0]["taskArn"]
        deadline = time.monotonic() + self.timeout_s
        while True:
            task = self.ecs.describe_tasks(cluster=self.aws.cluster, tasks=[arn])["tasks"][0]
            if task["lastStatus"] == "STOPPED":
                break
            if time.monotonic() > deadline:
                self.ecs.stop_task(cluster=self.aws.cluster, task=arn, reason="timed out in Prefect")
                raise StageFailed(f"{service} task {arn} did not finish in {self.timeout_s} s; stopped it")
            time.sleep(self.poll_s)
        container = next(c for c in task["containers"] if c["name"] == platform.service(service)["container"])
        code = container.get("exitCode")
        if code is None:
            why = container.get("reason") or task.get("stoppedReason")
            raise StageFailed(f"{service} task {arn} stopped without an exit code: {why}")
        return int(code)


def _s3_json(s3, uri: str, key: str) -> dict:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    full = "/".join(p for p in (prefix.strip("/"), key) if p)
    return json.loads(s3.get_object(Bucket=bucket, Key=full)["Body"].read())


class EcsIngestion:
    """Runs the connector as an ECS task and waits for it; its exit code decides, its manifest reports."""

    def __init__(self, tasks: EcsTaskRunner, s3):
        self.tasks, self.s3 = tasks, s3

    def ingest(
        self,
        symbols: tuple[str, ...],
        window: Window,
        run_id: str,
        handoff: str = "pipeline",
        table: str = SILVER_TABLE,
    ) -> IngestManifest:
        aws = self.tasks.aws
        args = ingester_args(symbols, window, run_id, handoff, table)
        code = self.tasks.run("fmpIngester", aws.ingester_task_definition, args, run_id)
        if code != 0:
            raise StageFailed(f"the fmp-ingester task exited {code}; its log group says why")
        return _s3_json(self.s3, aws.bronze_uri, platform.manifest_key(table, run_id, handoff))

    def read_manifest(self, key: str) -> IngestManifest:
        return _s3_json(self.s3, self.tasks.aws.bronze_uri, key)


class GlueTransform:
    """Starts the Glue job with the argument contract and polls it to a terminal state, to a deadline."""

    TERMINAL_OK = frozenset({"SUCCEEDED"})
    TERMINAL_BAD = frozenset({"FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"})

    def __init__(self, glue, s3, aws: AwsSettings, poll_s: float = 15, timeout_s: float = 3 * 3600):
        self.glue, self.s3, self.aws = glue, s3, aws
        self.poll_s, self.timeout_s = poll_s, timeout_s

    def transform(self, date_from: date, date_to: date, run_id: str) -> SilverRunSummary:
        # The zones and the dataset are the job's default arguments (infra); these are the run's own.
        arguments = {"--mode": "window", "--from": date_from.isoformat(), "--to": date_to.isoformat()}
        return self._job(arguments, SILVER_TABLE, run_id)

    def stream(self, dataset: str, mode: str, run_id: str) -> dict:
        # The same job, its default --dataset overridden for this run.
        return self._job({"--dataset": dataset, "--mode": mode}, dataset, run_id)

    def _job(self, arguments: dict[str, str], table: str, run_id: str) -> dict:
        job = self.aws.glue_job_name
        run = self.glue.start_job_run(JobName=job, Arguments={**arguments, "--run_id": run_id})
        glue_run = run["JobRunId"]
        deadline = time.monotonic() + self.timeout_s
        while True:
            state = self.glue.get_job_run(JobName=job, RunId=glue_run, PredecessorsIncluded=False)["JobRun"]
            status = state["JobRunState"]
            if status in self.TERMINAL_OK:
                break
            if status in self.TERMINAL_BAD:
                raise StageFailed(
                    f"Glue job {job} run {glue_run} ended {status}: {state.get('ErrorMessage', '')}"
                )
            if time.monotonic() > deadline:
                self.glue.batch_stop_job_run(JobName=job, JobRunIds=[glue_run])
                raise StageFailed(
                    f"Glue job {job} run {glue_run} did not finish in {self.timeout_s} s; stopped it"
                )
            time.sleep(self.poll_s)
        return _s3_json(self.s3, self.aws.silver_uri, platform.silver_run_summary_key(table, run_id))


def ingestion_runner(settings: Settings) -> IngestionRunner:
    if settings.runner == "local":
        return LocalIngestion(settings)
    import boto3

    aws = load_aws()
    return EcsIngestion(EcsTaskRunner(boto3.client("ecs"), aws, aws.stage_poll_s), boto3.client("s3"))


def transform_runner(settings: Settings) -> TransformRunner:
    if settings.runner == "local":
        return LocalTransform(settings)
    import boto3

    aws = load_aws()
    return GlueTransform(boto3.client("glue"), boto3.client("s3"), aws, aws.stage_poll_s)


class DbtRunner(Protocol):
    def build(
        self, run_id: str, select: str | None = None, gold_from: date | None = None, as_of: date | None = None
    ) -> Path:
        """`gold_from`: build gold's dates from there on only (an incremental batch); None: all of it.
        `as_of`: the date recency tests measure against (the run's window end); None: today."""
        ...

    def batch(self, run_id: str) -> dict:
        """What the run built (`gold_from`: None for all of gold) and the models' `dbt_fingerprint`."""
        ...


class LocalDbt:
    """`dbt build` on DuckDB, gold into this run's candidate folder; returns run_results.json's path.
    Every run shares one target folder, so dbt's partial parsing carries over from run to run; the run's
    artefacts are copied to its own folder afterwards. (One read-write process per DuckDB file: local
    dbt builds never overlap.)"""

    def __init__(self, settings: Settings):
        self.s = settings

    def build(
        self, run_id: str, select: str | None = None, gold_from: date | None = None, as_of: date | None = None
    ) -> Path:
        shared = self.s.state / "dbt" / "target"
        run_dir = self.s.state / "dbt" / run_id
        candidate = self.s.gold / platform.gold_candidate_prefix(run_id)
        candidate.mkdir(parents=True, exist_ok=True)
        publish.write_batch(self.s.gold, candidate, gold_from, publish.dbt_fingerprint(self.s.dbt_project))
        env = {
            **os.environ,
            "FINLAKE_LAKE_ROOT": str(self.s.lake_root),
            "FINLAKE_GOLD_CANDIDATE_DIR": str(candidate),
            "FINLAKE_GOLD_FROM": gold_from.isoformat() if gold_from else "",
            # Recency tests measure against the window the run asked for (a backfill of 2020 is recent then).
            "FINLAKE_AS_OF": as_of.isoformat() if as_of else "",
            "PREFECT__FLOW_RUN_ID": run_id,
            "DBT_TARGET": "local",
        }
        cmd = ["bash", str(REPO / "dbt" / "scripts" / "dbt.sh"), "build", "--target-path", str(shared)]
        if select:
            cmd += ["--select", select]
        (shared / "run_results.json").unlink(missing_ok=True)  # never read an earlier run's results
        _run(cmd, env, "dbt")  # the exit code is read through run_results.json by the quality gate
        run_dir.mkdir(parents=True, exist_ok=True)
        for name in ("run_results.json", "manifest.json"):
            if (shared / name).is_file():
                shutil.copyfile(shared / name, run_dir / name)
        return run_dir / "run_results.json"

    def batch(self, run_id: str) -> dict:
        return publish.read_batch(self.s.gold / platform.gold_candidate_prefix(run_id))


class EcsDbt:
    """dbt in its own ephemeral ECS task (the dbt image); its run_results.json comes back through the
    artefacts bucket, where the task puts it, for the gate to read. The copy goes to a temporary
    folder: a flow-run container's image folders are not writable."""

    def __init__(self, tasks: EcsTaskRunner, s3, publisher=None, state: Path | None = None):
        self.tasks, self.s3, self.publisher = tasks, s3, publisher
        self.state = state or Path(tempfile.gettempdir()) / "finlake"

    def build(
        self, run_id: str, select: str | None = None, gold_from: date | None = None, as_of: date | None = None
    ) -> Path:
        # `as_of` is not sent: the nightly asks for the last trading day, so recency is measured from today.
        # A batch is asked for with the served gold's fingerprint: the dbt task, which has the models,
        # builds it only if they are the ones that built the served gold (see finlake_flows.dbt_task).
        aws = self.tasks.aws
        args = ["--run-id", run_id, *(["--select", select] if select else [])]
        served = self.publisher.served_fingerprint() if gold_from and self.publisher else None
        if gold_from and served:
            args += ["--gold-from", gold_from.isoformat(), "--served-fingerprint", served]
        code = self.tasks.run("dbt", aws.dbt_task_definition, args, run_id)
        out = self.state / "dbt" / run_id / "run_results.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            results = _s3_json(
                self.s3, aws.artifacts_uri, platform.artifact_key("dbtRunResults", run_id=run_id)
            )
            batch = _s3_json(self.s3, aws.artifacts_uri, platform.artifact_key("dbtBatch", run_id=run_id))
        except Exception as err:
            raise StageFailed(f"the dbt task exited {code} and left no run_results.json ({err})") from err
        out.write_text(json.dumps(results))
        (out.parent / publish.BATCH_FILE).write_text(json.dumps(batch))
        return out

    def batch(self, run_id: str) -> dict:
        return publish.read_batch(self.state / "dbt" / run_id)


def dbt_runner(settings: Settings) -> DbtRunner:
    if settings.runner == "local":
        return LocalDbt(settings)
    import boto3

    aws = load_aws()
    publisher = publish.GlueTablePublisher(boto3.client("glue"), aws.gold_database, boto3.client("s3"))
    return EcsDbt(EcsTaskRunner(boto3.client("ecs"), aws, aws.stage_poll_s), boto3.client("s3"), publisher)
