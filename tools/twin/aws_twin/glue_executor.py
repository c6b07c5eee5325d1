"""The twin's Glue: moto records each StartJobRun (it runs nothing); this executor runs the job as Glue would
run it, from exactly the files the program uploaded (the script and the --extra-py-files zip, fetched from
S3 under the job's role), with the job's default arguments merged with the run's, on local Spark 3.5.

Spark here cannot reach moto's S3 (no S3 connector jars offline), so the job reads and writes a local mirror
of the same keys: bronze and silver are copied down, and silver put back up as the job left it (new files
uploaded, files its overwrite replaced deleted) with the job role's credentials, so the role must allow every
key the job really reads, writes and deletes.

A streamed dataset (`fmp_news`: Arrow, no Spark) runs against moto itself, as on Glue: S3 and its day
pointers (the Glue partitions' locations) under the job role's credentials, nothing mirrored.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aws_twin.executor import MotoExecutor
from aws_twin.moto_aws import ACCOUNT, REGION, Moto
from aws_twin.s3_mirror import get, local_keys, mirror_down, mirror_sync
from finlake_flows import platform

# What Glue itself consumes before the script starts (the script never sees them as its own arguments).
GLUE_SERVICE_ARGS = ("--job-language", "--extra-py-files", "--additional-python-modules")
# The declared source datasets' engines: a `python` one is the Arrow path that reads and writes S3 itself.
ENGINE = {d["silverTable"]: d["engine"] for d in platform.contract()["source_datasets"]}


@dataclass
class GlueRun:
    job: str
    arguments: dict[str, str]
    state: str
    log_tail: str
    denied: list[str]


class GlueExecutor(MotoExecutor):
    model_name = "glue::job_run"  # runs stay RUNNING until the executor ends them

    def __init__(self, moto: Moto):
        super().__init__()
        self.moto = moto
        self.ran: list[GlueRun] = []

    def pending(self):
        from moto.glue.models import glue_backends

        for job in list(glue_backends[ACCOUNT][REGION].jobs.values()):
            for run in list(job.job_runs):
                yield run.job_run_id, (job, run)

    def execute(self, item) -> None:
        job, run = item
        run.status = "RUNNING"
        run.status = self._run(job, run)

    def _run(self, job, run) -> str:
        from botocore.exceptions import ClientError

        creds = self.moto.assume(job.role.rsplit("/", 1)[1])
        s3 = self.moto.client("s3", creds)
        args = {**job.default_arguments, **(run.arguments or {})}
        denied: list[str] = []
        if ENGINE.get(args.get("--dataset", "")) == "python":
            return self._run_on_s3(job, args, creds)
        with tempfile.TemporaryDirectory(prefix="finlake-twin-glue-") as tmp:
            work = Path(tmp)
            try:
                script, zips = _fetch_code(s3, job, args, work)
                local = {zone: work / zone for zone in ("bronze", "silver")}
                for folder in local.values():
                    folder.mkdir()
                mirror_down(s3, args["--bronze_uri"], local["bronze"])
                # Silver as it is: a window run rewrites whole months, replacing what they held.
                mirror_down(s3, args["--silver_uri"], local["silver"])
                before = local_keys(local["silver"])
            except ClientError as err:
                self.ran.append(GlueRun(job.name, args, "FAILED", f"reading its inputs: {err}", [str(err)]))
                return "FAILED"
            zones = {f"--{zone}_uri": str(folder) for zone, folder in local.items()}
            glue_args = _script_args(args, zones)
            out = subprocess.run(
                [sys.executable, str(script), *glue_args],
                env={"PYTHONPATH": ":".join(zips), "PATH": "/usr/bin:/bin", "JAVA_HOME": _java_home(), "HOME": tmp},
                cwd=work, capture_output=True, text=True, check=False, timeout=900,
            )  # fmt: skip
            state = "SUCCEEDED" if out.returncode == 0 else "FAILED"
            if state == "SUCCEEDED":  # what the job wrote, put where it would have written it, as its role
                denied = mirror_sync(s3, local["silver"], args["--silver_uri"], before)
                state = "FAILED" if denied else state
            self.ran.append(GlueRun(job.name, args, state, (out.stdout + out.stderr)[-1500:], denied))
            return state

    def _run_on_s3(self, job, args: dict[str, str], creds: dict) -> str:
        from botocore.exceptions import ClientError

        with tempfile.TemporaryDirectory(prefix="finlake-twin-glue-") as tmp:
            work = Path(tmp)
            try:
                script, zips = _fetch_code(self.moto.client("s3", creds), job, args, work)
            except ClientError as err:
                self.ran.append(GlueRun(job.name, args, "FAILED", f"reading its code: {err}", [str(err)]))
                return "FAILED"
            env = {"PYTHONPATH": ":".join(zips), "PATH": "/usr/bin:/bin", "HOME": tmp,
                   "FINLAKE_AWS_ENDPOINT_URL": self.moto.endpoint, **Moto.env_of(creds)}  # fmt: skip
            out = subprocess.run([sys.executable, str(script), *_script_args(args)], env=env, cwd=work,
                                 capture_output=True, text=True, check=False, timeout=900)  # fmt: skip
            tail = (out.stdout + out.stderr)[-1500:]
            denied = [line for line in tail.splitlines() if "AccessDenied" in line]
            state = "SUCCEEDED" if out.returncode == 0 else "FAILED"
            self.ran.append(GlueRun(job.name, args, state, tail, denied))
            return state


def _fetch_code(s3, job, args: dict[str, str], work: Path) -> tuple[Path, list[str]]:
    """The job's script and its --extra-py-files zips, fetched from S3 under the job role, as Glue does."""
    script = work / "script.py"
    script.write_bytes(get(s3, job.command["ScriptLocation"]))
    zips = []
    for uri in filter(None, args.get("--extra-py-files", "").split(",")):
        (work / Path(uri).name).write_bytes(get(s3, uri))
        zips.append(str(work / Path(uri).name))
    return script, zips


def _script_args(args: dict[str, str], replace: dict[str, str] | None = None) -> list[str]:
    """The arguments the script sees: Glue's own (--enable-*, the service ones) removed, some replaced."""
    return [
        x
        for k, v in args.items()
        if not k.startswith("--enable-") and k not in GLUE_SERVICE_ARGS
        for x in (k, (replace or {}).get(k, v))
    ]


def _java_home() -> str:
    import os

    return os.environ.get("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
