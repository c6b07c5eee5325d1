"""The ECS work pool's base job template for one stack: prefect-aws's default template with the
defaults of its variables set to the stack's flow-run job variables (infra's FlowRuns output).

    python -m finlake_flows.work_pool job-variables.json > base-job-template.json
    python -m finlake_flows.work_pool --ecs-deployments     the deployment names that run on the ECS pool
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from finlake_flows import platform


def base_job_template(job_variables: dict, default: dict | None = None) -> dict:
    if default is None:
        from prefect_aws.workers.ecs_worker import ECSWorker

        default = ECSWorker.get_default_base_job_template()
    template = json.loads(json.dumps(default))
    props = template["variables"]["properties"]
    unknown = sorted(set(job_variables) - set(props))
    if unknown:
        raise ValueError(
            f"the ECS worker has no job variables {', '.join(unknown)}; check prefect-aws's version"
        )
    for name, value in job_variables.items():
        props[name]["default"] = value
    return template


def ecs_deployments() -> list[str]:
    """The deployments that run on the environment's ECS pool (the local one is for a workstation)."""
    return [d["name"] for d in platform.contract()["prefect"]["deployments"].values() if d["pool"] == "ecs"]


def main(argv: list[str]) -> int:
    if argv == ["--ecs-deployments"]:
        print(" ".join(ecs_deployments()))
        return 0
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(base_job_template(json.loads(Path(argv[0]).read_text())), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
