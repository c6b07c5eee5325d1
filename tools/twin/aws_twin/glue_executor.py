"""The twin's Glue: moto records each StartJobRun (it runs nothing); this executor runs the job as Glue would
run it, from exactly the files the program uploaded (the script and the --extra-py-files zip, fetched from
S3 under the job's role), with the job's default arguments merged with the run's, on local Spark 3.5.

Spark here cannot reach moto's S3 (no S3 connector jars offline), so the job reads and writes a local mirror
of the same keys: bronze is copied down and silver copied back up with the job role's credentials, so the
role must allow every key the job really reads and writes.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aws_twin.executor import MotoExecutor
from aws_twin.moto_aws import ACCOUNT, REGION, Moto


@dataclass
class GlueRun:
    job: str
    arguments: dict[str, str]
    state: str
    log_tail: str
    denied: list[str]


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _get(s3, uri: str) -> bytes:
    bucket, key = _split(uri)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


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
        with tempfile.TemporaryDirectory(prefix="finlake-twin-glue-") as tmp:
            work = Path(tmp)
            try:
                script = work / "script.py"
                script.write_bytes(_get(s3, job.command["ScriptLocation"]))
                zips = []
                for uri in args.get("--extra-py-files", "").split(","):
                    if uri:
                        z = work / Path(uri).name
                        z.write_bytes(_get(s3, uri))
                        zips.append(str(z))
                local = {}
                for zone in ("bronze", "silver"):
                    bucket, prefix = _split(args[f"--{zone}_uri"])
                    local[zone] = work / zone
                    local[zone].mkdir()
                    if zone == "bronze":
                        for page in s3.get_paginator("list_objects_v2").paginate(
                            Bucket=bucket, Prefix=prefix
                        ):
                            for o in page.get("Contents", []):
                                dest = local[zone] / o["Key"][len(prefix) :].lstrip("/")
                                dest.parent.mkdir(parents=True, exist_ok=True)
                                dest.write_bytes(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read())
            except ClientError as err:
                self.ran.append(GlueRun(job.name, args, "FAILED", f"reading its inputs: {err}", [str(err)]))
                return "FAILED"
            glue_args = [
                x
                for k, v in args.items()
                if not k.startswith("--enable-") and k not in ("--job-language", "--extra-py-files")
                for x in (k, str(local[k[2:-4]]) if k in ("--bronze_uri", "--silver_uri") else v)
            ]
            out = subprocess.run(
                [sys.executable, str(script), *glue_args],
                env={"PYTHONPATH": ":".join(zips), "PATH": "/usr/bin:/bin", "JAVA_HOME": _java_home(), "HOME": tmp},
                cwd=work, capture_output=True, text=True, check=False, timeout=900,
            )  # fmt: skip
            state = "SUCCEEDED" if out.returncode == 0 else "FAILED"
            if state == "SUCCEEDED":  # what the job wrote, put where it would have written it, as its role
                bucket, prefix = _split(args["--silver_uri"])
                for f in sorted(local["silver"].rglob("*")):
                    if not f.is_file() or f.name.startswith(".") or f.name.endswith(".crc"):
                        continue
                    key = "/".join(p for p in (prefix, str(f.relative_to(local["silver"]))) if p)
                    try:
                        s3.put_object(Bucket=bucket, Key=key, Body=f.read_bytes())
                    except ClientError:
                        denied.append(key)
                state = "FAILED" if denied else state
            self.ran.append(GlueRun(job.name, args, state, (out.stdout + out.stderr)[-1500:], denied))
            return state


def _java_home() -> str:
    import os

    return os.environ.get("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
