"""The twin's ECS: moto records each RunTask (it runs nothing); this executor turns every task moto
records into a `docker run` of its task definition's image with exactly its command, environment and
the RunTask overrides, under its task role's credentials (STS AssumeRole), then marks the task STOPPED
with the container's exit code, so the flow that started it sees what ECS would report.

Two additions, both named: a substitute per container for what cannot exist inside that task here
(Athena for the dbt task: `athena_standin.DbtOnDuckDb`), and faults the twin injects (`kill`: every
task of a container gets SIGKILL, as a Spot interruption or the OOM killer would).
"""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass

from aws_twin.executor import MotoExecutor
from aws_twin.moto_aws import ACCOUNT, REGION, Moto


@dataclass
class Ran:
    task_arn: str
    image: str
    command: list[str]
    exit_code: int
    log_tail: str
    denied: list[str]


def local_image(image: str) -> str:
    """The ECR image a task definition names, as built here by `make images`."""
    return f"finlake/{image.rsplit('/', 1)[-1].split(':')[0].split('@')[0]}:local"


def docker_run(docker: str, image: str, command: list[str], env: dict[str, str], name: str,
               extra: list[str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess:  # fmt: skip
    cmd = [docker, "run", "--rm", "--name", name, "--network", "host", *(extra or [])]
    for k, v in env.items():
        cmd += ["-e", f"{k}={v}"]
    return subprocess.run(
        [*cmd, image, *command], capture_output=True, text=True, check=False, timeout=timeout
    )


class EcsExecutor(MotoExecutor):
    model_name = "ecs::task"  # tasks stay RUNNING until the executor stops them

    def __init__(self, moto: Moto, docker: str, extra_env: dict[str, str], substitutes: dict | None = None):
        super().__init__()
        self.moto, self.docker = moto, docker
        # Additions a task needs here only: the stand-ins' endpoints (moto, the FMP sandbox).
        self.extra_env = extra_env
        self.substitutes = substitutes or {}
        self.faults: dict[str, str] = {}  # container name -> "kill": every task of it while set
        self.ran: list[Ran] = []

    def pending(self):
        from moto.ecs.models import ecs_backends

        backend = ecs_backends[ACCOUNT][REGION]
        for tasks in list(backend.tasks.values()):
            for task in list(tasks.values()):
                yield task.task_arn, (backend, task)

    def execute(self, item) -> None:
        backend, task = item
        try:
            self._run(backend, task)
        except Exception as err:  # noqa: BLE001 - the twin's own failure ends the task, as ECS would
            self.ran.append(Ran(task.task_arn, "-", [], 1, f"twin executor: {type(err).__name__}: {err}", []))
            self._stopped(task, 1)

    def _run(self, backend, task) -> None:
        td = backend.describe_task_definition(task.task_definition_arn)
        container = td.container_definitions[0]
        override = next(
            (o for o in task.overrides.get("containerOverrides", []) if o.get("name") == container["name"]),
            {},
        )
        env = {e["name"]: e["value"] for e in container.get("environment", [])}
        env.update({e["name"]: e["value"] for e in override.get("environment", [])})
        creds = self.moto.assume(td.task_role_arn.rsplit("/", 1)[1]) if td.task_role_arn else self.moto.admin
        env.update(Moto.env_of(creds))
        env.update(self.extra_env)
        command = override.get("command") or container.get("command") or []
        substitute = self.substitutes.get(container["name"])
        prepared = substitute.prepare(env, command, creds) if substitute else None
        if prepared:
            env.update(prepared.env)
        name = f"twin-{task.task_arn.rsplit('/', 1)[-1]}"
        if self.faults.get(container["name"]) == "kill":
            threading.Thread(target=self._kill_when_up, args=(name,), daemon=True).start()
        denied: list[str] = []
        try:
            out = docker_run(self.docker, local_image(container["image"]), command, env, name,
                             prepared.docker_args if prepared else None)  # fmt: skip
            code = out.returncode
            if prepared and code == 0:
                denied = prepared.finish()
                code = 1 if denied else 0
        finally:
            if prepared:
                prepared.cleanup()
        tail = (out.stdout + out.stderr)[-1500:]
        self.ran.append(Ran(task.task_arn, local_image(container["image"]), command, code, tail, denied))
        self._stopped(task, code)

    def _kill_when_up(self, name: str) -> None:
        """SIGKILL to the container as soon as it exists (a Spot interruption or the OOM killer)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            cmd = [self.docker, "kill", "-s", "KILL", name]
            if subprocess.run(cmd, capture_output=True, check=False).returncode == 0:
                return
            time.sleep(0.05)

    @staticmethod
    def _stopped(task, code: int) -> None:
        task.containers[0].exitCode = code
        task.containers[0].last_status = "STOPPED"
        task.stopped_reason = "Essential container in task exited"
        task.status = "STOPPED"
