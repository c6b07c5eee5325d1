"""The twin's ECS: moto records each RunTask (it runs nothing); this executor turns every task moto
records into a `docker run` of its task definition's image with exactly its command, environment and
the RunTask overrides, under its task role's credentials (STS AssumeRole), then marks the task STOPPED
with the container's exit code, so the flow that started it sees what ECS would report.
"""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field

from aws_twin.moto_aws import ACCOUNT, REGION, Moto


@dataclass
class Ran:
    task_arn: str
    image: str
    command: list[str]
    exit_code: int
    log_tail: str


@dataclass
class EcsExecutor:
    moto: Moto
    docker: str
    # Additions a task needs here only: the stand-ins' endpoints (moto, the FMP sandbox).
    extra_env: dict[str, str]
    ran: list[Ran] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> EcsExecutor:
        from moto.moto_api import state_manager

        # Tasks stay RUNNING until the executor says otherwise (moto would otherwise advance them).
        state_manager.set_transition(
            model_name="ecs::task", transition={"progression": "manual", "times": 10**9}
        )
        self._thread = threading.Thread(target=self._loop, name="twin-ecs", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)

    def _loop(self) -> None:
        from moto.ecs.models import ecs_backends

        seen: set[str] = set()
        while not self._stop.is_set():
            backend = ecs_backends[ACCOUNT][REGION]
            for tasks in list(backend.tasks.values()):
                for task in list(tasks.values()):
                    if task.task_arn in seen:
                        continue
                    seen.add(task.task_arn)
                    self._run(backend, task)
            time.sleep(0.2)

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
