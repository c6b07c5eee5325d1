"""`npx finlake twin`: the platform's deployed shape, run here with the real artifacts on both sides of
every seam, against stand-ins for what cannot exist here (AWS: moto with IAM enforcement; FMP: the sandbox).
Prints one line per seam (writer -> reader: what was checked) and exits 1 when any failed, 3 when a
stand-in (the Docker engine, an image) is missing.

    python -m aws_twin [--stack staging]      (cwd tools/twin; needs `make images`)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from aws_twin.seams import Seam, connector_seams, event_rule_seam, wire_event_rule
from aws_twin.stack import REPO, render

AUTH = "finlake:twin-auth-secret"


def _need(what: str, ok: bool, how: str) -> None:
    if not ok:
        print(f"twin: {what} is missing: {how}", file=sys.stderr)
        sys.exit(3)


def _sandbox():
    from aws_twin.news_seams import NEWS_CLOCK

    node = REPO / ".tools" / "node" / "bin" / "node"
    proc = subprocess.Popen(
        [str(node) if node.exists() else "node", str(REPO / "tools" / "cli" / "bin" / "finlake.mjs"),
         "sandbox", "fmp", "--port", "0", "--api-key", "twin-fmp-key",
         "--news-clock", NEWS_CLOCK.strftime("%Y-%m-%dT%H:%M:%SZ")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    return proc, json.loads(proc.stdout.readline())["url"]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="finlake twin", description=__doc__.split("\n\n")[0])
    p.add_argument("--stack", default="staging", choices=["dev", "staging", "prod"])
    a = p.parse_args(argv)
    docker = "/usr/bin/docker" if Path("/usr/bin/docker").exists() else "docker"
    engine_script = str(REPO / "tools" / "scripts" / "docker-engine.sh")
    was_running = subprocess.run([docker, "version"], capture_output=True, check=False).returncode == 0
    engine = subprocess.run(["bash", engine_script, "env"], capture_output=True, text=True, check=False)
    _need(
        "a Docker engine",
        engine.returncode == 0,
        engine.stderr.strip() or "make setup installs Debian's docker.io",
    )
    os.environ["DOCKER_HOST"] = engine.stdout.strip().removeprefix("export DOCKER_HOST=")
    try:
        return _twin(a, docker)
    except RuntimeError as err:  # a stand-in or the program refused: one paragraph, no traceback
        print(f"twin: FAIL {err}", file=sys.stderr)
        return 1
    finally:
        if not was_running:  # stop what we started
            subprocess.run(["bash", engine_script, "stop"], check=False)


def _twin(a, docker: str) -> int:
    image = subprocess.run(
        [docker, "image", "inspect", "finlake/fmp-ingester:local"], capture_output=True, check=False
    )
    _need("the images", image.returncode == 0, "make images")
    for target in ("bronze-event-trigger:build", "api-authorizer:build", "serving-api:build-lambda"):
        out = subprocess.run(
            ["npx", "nx", "run", target, "--outputStyle=static"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        _need(f"the {target} zip", out.returncode == 0, out.stdout[-500:])

    from aws_twin.athena_standin import AthenaExecutor, DbtOnDuckDb
    from aws_twin.ecs_executor import EcsExecutor
    from aws_twin.glue_executor import GlueExecutor
    from aws_twin.lambdas import invoke
    from aws_twin.moto_aws import Moto, provision
    from aws_twin.news_seams import news_seams
    from aws_twin.pipeline import fault_seam, increment_seam, nightly_seams, sync_blocks
    from aws_twin.prefect_server import PrefectServer
    from aws_twin.seams import flow_run_credentials
    from aws_twin.standins import IdentityProvider, SlackWebhook
    from finlake_flows import platform
    from finlake_flows.work_pool import ecs_deployments

    started = time.monotonic()
    stack = render(a.stack)
    api_auth = stack.one("aws:lambda/function:Function", name=f"finlake-{a.stack}-authorizer")["inputs"][
        "environment"
    ]["variables"]
    moto = Moto.start()
    prefect = PrefectServer.start(AUTH)
    sandbox, sandbox_url = _sandbox()
    slack, idp = SlackWebhook(), IdentityProvider(api_auth["JWT_ISSUER"], api_auth["JWT_AUDIENCE"])
    seams: list[Seam] = []
    executors: list = []  # stopped in `finally`, whatever happened

    def running_executor(executor):
        executors.append(executor.start())
        return executor

    def secret(service: str, name: str) -> str:
        return platform.contract()["secrets"]["template"].format(env=a.stack, service=service, name=name)

    try:
        provision(moto, stack, {secret("fmp", "api_key"): "twin-fmp-key",
                                secret("prefect", "api_auth_string"): AUTH,
                                secret("slack", "webhook_url"): slack.url})  # fmt: skip
        jv = {**stack.outputs["flowRunJobVariables"]}
        jv["env"] = {k: moto.remap(v) for k, v in jv["env"].items()}
        prefect.deploy(a.stack, stack.outputs["workPool"], jv)
        deployments = prefect.post("/deployments/filter", {})
        pools = {d["work_pool_name"] for d in deployments}
        seams.append(Seam("prefect.yaml (prefect deploy)", "Prefect server (basic auth)",
                          f"{len(deployments)} deployments on {sorted(pools)}",
                          len(deployments) == len(ecs_deployments()) and pools == {stack.outputs["workPool"]}))  # fmt: skip
        seams.append(sync_blocks(prefect, moto, stack, docker, slack.url))
        queue = wire_event_rule(moto, stack)
        endpoints = {
            "FINLAKE_AWS_ENDPOINT_URL": moto.endpoint,
            "AWS_ENDPOINT_URL": moto.endpoint,
            "AWS_MAX_ATTEMPTS": "2",
        }
        ecs = running_executor(EcsExecutor(moto, docker, {"FMP_BASE_URL": sandbox_url, **endpoints},
                                           {platform.service("dbt")["container"]: DbtOnDuckDb(moto)}))  # fmt: skip
        glue_executor = running_executor(GlueExecutor(moto))
        api_role = moto.remap(
            stack.one("aws:lambda/function:Function", name=f"finlake-{a.stack}-api")["inputs"]["role"]
        )
        athena = running_executor(AthenaExecutor(moto, api_role.rsplit("/", 1)[1]))
        seams += connector_seams(moto, stack, ecs)
        manifest = platform.manifest_key("fmp_eod_prices", "twin-ingest-1", "event")
        seam, events = event_rule_seam(moto, stack, queue, manifest)
        seams.append(seam)
        trigger = f"finlake-{a.stack}-bronze-trigger"
        # The rule's event; when it delivered none, the one S3 would have sent, so the Lambda's side still runs.
        detail = {"bucket": {"name": stack.bucket("bronze")}, "object": {"key": manifest}}
        event = (
            events[0] if events else {"detail-type": "Object Created", "source": "aws.s3", "detail": detail}
        )
        first, again = (
            invoke(moto, stack, trigger, [event], {"PREFECT_API_URL": prefect.url})[0] for _ in range(2)
        )
        runs = prefect.post("/flow_runs/filter", {})
        on_event = platform.contract()["prefect"]["deployments"]["bronzeToSilverOnEvent"]["name"]
        ours = [r for r in runs if r.get("parameters", {}).get("manifest_key") == manifest]
        status = [(x.get("ok") or {}).get("status", x.get("error")) for x in (first, again)]
        seams.append(Seam("the rule's event -> bronze-trigger zip (Node 24, role credentials)",
                          f"Prefect {on_event}",
                          f"first {status[0]}, redelivery {status[1]}, {len(ours)} flow run(s)",
                          status == ["created", "duplicate"] and len(ours) == 1))  # fmt: skip
        flow_env = {**endpoints, "FINLAKE_STAGE_POLL_SECONDS": "1"}
        seams += nightly_seams(prefect, moto, stack, docker, ecs, athena, idp, flow_env)
        seams.append(increment_seam(prefect, moto, stack, docker, flow_env))
        seams.append(fault_seam(prefect, moto, stack, docker, ecs, slack, flow_env))
        seams += news_seams(
            moto, stack, docker, sandbox_url, endpoints, glue_executor, flow_run_credentials(moto, stack)
        )
    finally:
        for running in executors:
            running.stop()
        sandbox.kill()
        slack.stop()
        idp.stop()
        prefect.stop()
        moto.stop()
    for s in seams:
        print(s.line())
    failed = [s for s in seams if not s.ok]
    print(f"twin: {len(seams) - len(failed)} of {len(seams)} seams hold ({time.monotonic() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    import logging

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    sys.exit(main(sys.argv[1:]))
