"""The dbt runner's entry point in its ECS task (the dbt image; infra's DbtRunner task definition):

    python -m finlake_flows.dbt_task --run-id RUN [--select SELECTOR]
                                     [--gold-from YYYY-MM-DD --served-fingerprint SHA256]

Builds this run's gold candidate on Athena (its own location under the gold bucket, the contract's
`lake.gold.candidate`; tables in the candidates database), then puts `run_results.json` in the artefacts bucket for the flow's quality gate.
Incremental: with `--gold-from`, only the dates from there on are built (a batch of months), and only when
the served gold was built by these same models and holdings (`--served-fingerprint` equals this image's
project's); otherwise everything. What was built goes beside the run results (`batch.json`) for publish.
Exit status: dbt's (0 all passed, 1 a model or test failed), 2 when the run results could not be stored.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

from finlake_flows import platform, publish

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def main(argv: list[str], env: dict[str, str] | None = None, s3=None) -> int:
    p = argparse.ArgumentParser(prog="dbt-task")
    p.add_argument("--run-id", required=True)
    p.add_argument("--select")
    p.add_argument("--gold-from", type=date.fromisoformat, help="first date of an incremental batch")
    p.add_argument("--served-fingerprint", default="", help="dbt fingerprint of the served gold")
    a = p.parse_args(argv)
    if not RUN_ID.match(a.run_id):
        p.error(f"--run-id {a.run_id!r}: 1-128 of A-Z a-z 0-9 _ . -")
    env = dict(os.environ if env is None else env)
    missing = [n for n in platform.service("dbt")["infraEnv"] if not env.get(n)]
    if missing:
        _say(
            a.run_id,
            f"dbt-task: missing environment (set by infra's DbtRunner): {', '.join(missing)}",
            "error",
        )
        return 78
    gold = env["FINLAKE_GOLD_URI"].rstrip("/")
    env["FINLAKE_GOLD_CANDIDATE_URI"] = f"{gold}/{platform.gold_candidate_prefix(a.run_id)}"
    env["PREFECT__FLOW_RUN_ID"] = a.run_id
    project = Path(env.get("DBT_PROJECT_DIR", "/app/dbt"))
    fingerprint = publish.dbt_fingerprint(project)
    # A batch only on top of gold these models built: a changed model or holding means all of gold.
    gold_from = a.gold_from if a.gold_from and a.served_fingerprint == fingerprint else None
    env["FINLAKE_GOLD_FROM"] = gold_from.isoformat() if gold_from else ""
    target_path = project / "target" / a.run_id
    cmd = ["dbt", "build", "--target", env["DBT_TARGET"], "--project-dir", str(project)]
    cmd += ["--profiles-dir", str(project), "--target-path", str(target_path)]
    if a.select:
        cmd += ["--select", a.select]
    code = _relay(cmd, env, a.run_id)
    results = target_path / "run_results.json"
    if not results.is_file():
        _say(a.run_id, f"dbt-task: dbt exited {code} without run_results.json", "error")
        return code or 2
    bucket, _, prefix = env["FINLAKE_ARTIFACTS_URI"].removeprefix("s3://").partition("/")

    def key(name: str) -> str:
        return "/".join(x for x in (prefix.strip("/"), platform.artifact_key(name, run_id=a.run_id)) if x)

    if s3 is None:
        import boto3

        s3 = boto3.client("s3")
    batch = {"gold_from": gold_from.isoformat() if gold_from else None, "dbt_fingerprint": fingerprint}
    try:
        s3.put_object(
            Bucket=bucket,
            Key=key("dbtBatch"),
            Body=json.dumps(batch).encode(),
            ContentType="application/json",
        )
        s3.put_object(
            Bucket=bucket, Key=key("dbtRunResults"), Body=results.read_bytes(), ContentType="application/json"
        )
    except Exception as err:  # noqa: BLE001 - report any failure to store the results as one line
        _say(a.run_id, f"dbt-task: could not store run results in s3://{bucket}/{prefix}: {err}", "error")
        return 2
    return code


def _say(run_id: str, msg: str, level: str = "info") -> None:
    """One JSON log line carrying the run's flow_run_id, like every other stage's (so CloudWatch Logs
    Insights gathers a run across log groups by it)."""
    stream = sys.stderr if level == "error" else sys.stdout
    print(
        json.dumps({"level": level, "service": "dbt", "flow_run_id": run_id, "msg": msg}),
        file=stream,
        flush=True,
    )


def _relay(cmd: list[str], env: dict[str, str], run_id: str) -> int:
    """Runs dbt, each of its lines relayed as one of ours (with the run's flow_run_id)."""
    proc = subprocess.Popen(  # noqa: S603 - fixed command, validated arguments
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        _say(run_id, line.rstrip())
    return proc.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
