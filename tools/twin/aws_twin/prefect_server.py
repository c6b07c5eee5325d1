"""A real Prefect server on 127.0.0.1 with basic auth on (as the stack runs it), and the deployment of
apps/flows/prefect.yaml with `prefect deploy` on the contract's pool, whose job template is built from the
rendered stack's job variables (what tools/scripts/prefect-deploy.sh does after `pulumi up`)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from aws_twin.moto_aws import _free_port
from aws_twin.stack import REPO

PREFECT = str(Path(sys.executable).parent / "prefect")


@dataclass
class PrefectServer:
    url: str
    auth: str
    home: tempfile.TemporaryDirectory
    proc: subprocess.Popen

    def env(self) -> dict[str, str]:
        return {**os.environ, "PREFECT_API_URL": self.url, "PREFECT_API_AUTH_STRING": self.auth,
                "PREFECT_HOME": self.home.name, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}  # fmt: skip

    def get(self, path: str):
        req = urllib.request.Request(self.url + path)
        req.add_header("Authorization", "Basic " + base64.b64encode(self.auth.encode()).decode())
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def post(self, path: str, body: dict):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST")
        req.add_header("Authorization", "Basic " + base64.b64encode(self.auth.encode()).decode())
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def patch(self, path: str, body: dict) -> None:
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="PATCH")
        req.add_header("Authorization", "Basic " + base64.b64encode(self.auth.encode()).decode())
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10):
            pass

    @classmethod
    def start(cls, auth: str) -> PrefectServer:
        home = tempfile.TemporaryDirectory(prefix="finlake-twin-prefect-")
        port = _free_port()
        env = {**os.environ, "PREFECT_HOME": home.name, "PREFECT_SERVER_API_AUTH_STRING": auth,
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false",
               "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port)}  # fmt: skip
        proc = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-services"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        server = cls(f"http://127.0.0.1:{port}/api", auth, home, proc)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server exited: {proc.stderr.read().decode()[-1500:]}")
            try:
                server.get("/health")
                return server
            except OSError:
                time.sleep(0.5)
        proc.kill()
        raise RuntimeError("prefect server did not answer /api/health in 90 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.home.cleanup()

    def deploy(self, env_name: str, pool: str, job_variables: dict) -> None:
        from finlake_flows.work_pool import base_job_template, ecs_deployments

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tpl:
            json.dump(base_job_template(job_variables), tpl)
        env = {**self.env(), "FINLAKE_ENV": env_name}
        for cmd, cwd in (
            (
                [
                    PREFECT,
                    "work-pool",
                    "create",
                    pool,
                    "--type",
                    "ecs",
                    "--overwrite",
                    "--base-job-template",
                    tpl.name,
                ],
                REPO,
            ),
            (
                [
                    PREFECT,
                    "--no-prompt",
                    "deploy",
                    *[f"--name={n}" for n in ecs_deployments()],
                    "--prefect-file",
                    "prefect.yaml",
                ],
                REPO / "apps" / "flows",
            ),
        ):
            out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
            if out.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd[1:4])} failed:\n{(out.stdout + out.stderr)[-2000:]}")
        os.unlink(tpl.name)
