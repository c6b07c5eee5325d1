"""The twin's ECS: moto records each RunTask (it runs nothing); this executor turns every task moto
records into a `docker run` of its task definition's image with exactly its command, environment and
the RunTask overrides, under its task role's credentials (STS AssumeRole), then marks the task STOPPED
with the container's exit code, so the flow that started it sees what ECS would report.
"""

from __future__ import annotations

import subprocess
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


class EcsExecutor(MotoExecutor):
    model_name = "ecs::task"  # tasks stay RUNNING until the executor stops them

    def __init__(self, moto: Moto, docker: str, extra_env: dict[str, str]):
        super().__init__()
        self.moto, self.docker = moto, docker
        # Additions a task needs here only: the stand-ins' endpoints (moto, the FMP sandbox).
        self.extra_env = extra_env
        self.ran: list[Ran] = []

    def pending(self):
        from moto.ecs.models import ecs_backends

        backend = ecs_backends[ACCOUNT][REGION]
        for tasks in list(backend.tasks.values()):
            for task in list(tasks.values()):
                yield task.task_arn, (backend, task)

    def execute(self, item) -> None:
        self._run(*item)

    def _run(self, backend, task) -> None:
        td = backend.describe_task_definition(task.task_definition_arn)
        container = td.container_definitions[0]
        override = next(
            (o for o in task.overrides.get("containerOverrides", []) if o.get("name") == container["name"]),
            {},
        )
        env = {e["name"]: e["value"] for e in container.get("environment", [])}
        env.update({e["name"]: e["value"] for e in override.get("environment", [])})
        if td.task_role_arn:
            env.update(Moto.env_of(self.moto.assume(td.task_role_arn.rsplit("/", 1)[1])))
        env.update(self.extra_env)
        # The ECR image the task definition names, as built here by make images.
        repository = container["image"].rsplit("/", 1)[-1].split(":")[0].split("@")[0]
        image = f"finlake/{repository}:local"
        command = override.get("command") or container.get("command") or []
        cmd = [self.docker, "run", "--rm", "--network", "host"]
        for k, v in env.items():
            cmd += ["-e", f"{k}={v}"]
        out = subprocess.run(
            [*cmd, image, *command], capture_output=True, text=True, check=False, timeout=900
        )
        tail = (out.stdout + out.stderr)[-1500:]
        self.ran.append(Ran(task.task_arn, image, command, out.returncode, tail))
        task.containers[0].exitCode = out.returncode
        task.containers[0].last_status = "STOPPED"
        task.stopped_reason = "Essential container in task exited"
        task.status = "STOPPED"
