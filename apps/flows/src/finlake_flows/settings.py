"""Where the pipeline runs and what it touches, from the environment (validated once)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from finlake_flows import platform


def _repo_root() -> Path | None:
    """The checkout this runs from (local runs); None in an image, where nothing is read from a checkout."""
    configured = os.environ.get("FINLAKE_REPO_ROOT")
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        if (parent / "dbt" / "dbt_project.yml").is_file() and (parent / "apps" / "flows").is_dir():
            return parent
    return None


REPO = _repo_root() or Path.cwd()
SAMPLE_SYMBOLS = ("AAPL", "AMZN", "GOOG", "^GSPC", "SPY", "FB", "NFLX")
TICKER = re.compile(r"^\^?[A-Z0-9][A-Z0-9.\-]{0,14}$")


class SettingsError(ValueError):
    """A bad or missing setting; the message names the variable and the expected form."""


@dataclass(frozen=True)
class Settings:
    runner: str  # local | aws
    lake_root: Path
    symbols: tuple[str, ...]
    fmp_base_url: str
    fmp_api_key: str | None
    fmp_rate_limit_per_min: int
    slack_webhook_url: str | None
    slack_block: str | None
    python: Path
    node: str
    dbt_project: Path = REPO / "dbt"

    @property
    def bronze(self) -> Path:
        return self.lake_root / "bronze"

    @property
    def silver(self) -> Path:
        return self.lake_root / "silver"

    @property
    def gold(self) -> Path:
        return self.lake_root / "gold"

    @property
    def state(self) -> Path:
        return self.lake_root / "_state"


@dataclass(frozen=True)
class AwsSettings:
    """What a flow run needs to start the stages in AWS: exactly the variables the platform contract
    says infra sets for flow runs (services.flowRun.infraEnv), each required."""

    env: str
    region: str
    bronze_uri: str
    silver_uri: str
    gold_uri: str
    artifacts_uri: str
    gold_database: str
    gold_candidates_database: str
    cluster: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    ingester_task_definition: str
    dbt_task_definition: str
    glue_job_name: str
    slack_block: str
    # How often a flow run asks ECS and Glue whether a stage has ended (FINLAKE_STAGE_POLL_SECONDS).
    stage_poll_s: float = 10.0


def load_aws(env: dict[str, str] | None = None) -> AwsSettings:
    env = dict(os.environ if env is None else env)
    names = platform.service("flowRun")["infraEnv"]
    missing = [n for n in names if not env.get(n)]
    if missing:
        raise SettingsError(
            "FINLAKE_RUNNER=aws needs the flow-run environment that infra sets on the ECS work pool "
            f"(tools/scripts/prefect-deploy.sh); missing: {', '.join(missing)}"
        )
    if env["FINLAKE_RUNNER"] != "aws":
        raise SettingsError(f"FINLAKE_RUNNER={env['FINLAKE_RUNNER']!r}: the AWS settings are for aws")
    csv = lambda n: tuple(x for x in env[n].split(",") if x)  # noqa: E731
    poll = env.get("FINLAKE_STAGE_POLL_SECONDS", "10")
    try:
        poll_s = float(poll)
    except ValueError:
        poll_s = -1.0
    if not 0.1 <= poll_s <= 300:
        raise SettingsError(f"FINLAKE_STAGE_POLL_SECONDS={poll!r}: expected seconds from 0.1 to 300")
    return AwsSettings(
        env=env["FINLAKE_ENV"],
        region=env["AWS_REGION"],
        bronze_uri=env["FINLAKE_BRONZE_URI"],
        silver_uri=env["FINLAKE_SILVER_URI"],
        gold_uri=env["FINLAKE_GOLD_URI"],
        artifacts_uri=env["FINLAKE_ARTIFACTS_URI"],
        gold_database=env["FINLAKE_GOLD_DATABASE"],
        gold_candidates_database=env["FINLAKE_GOLD_CANDIDATES_DATABASE"],
        cluster=env["FINLAKE_ECS_CLUSTER"],
        subnets=csv("FINLAKE_ECS_SUBNETS"),
        security_groups=csv("FINLAKE_ECS_SECURITY_GROUPS"),
        ingester_task_definition=env["FINLAKE_INGESTER_TASK_DEFINITION"],
        dbt_task_definition=env["FINLAKE_DBT_TASK_DEFINITION"],
        glue_job_name=env["FINLAKE_GLUE_JOB_NAME"],
        slack_block=env["FINLAKE_SLACK_BLOCK"],
        stage_poll_s=poll_s,
    )


def load(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    problems: list[str] = []
    runner = env.get("FINLAKE_RUNNER", "local")
    if runner not in ("local", "aws"):
        problems.append(f"FINLAKE_RUNNER={runner!r}: expected local or aws")
    symbols = tuple(
        s.strip() for s in env.get("FINLAKE_SYMBOLS", ",".join(SAMPLE_SYMBOLS)).split(",") if s.strip()
    )
    bad = [s for s in symbols if not TICKER.match(s)]
    if bad or not symbols:
        problems.append(f"FINLAKE_SYMBOLS: {bad or 'empty'} are not tickers like AAPL, BRK.B or ^GSPC")
    rate = env.get("FMP_RATE_LIMIT_PER_MIN", "300")
    if not rate.isdigit() or not 1 <= int(rate) <= 3000:
        problems.append(f"FMP_RATE_LIMIT_PER_MIN={rate!r}: expected an integer from 1 to 3000")
    slack = env.get("FINLAKE_SLACK_WEBHOOK_URL") or None
    if slack and not re.match(r"^https?://", slack):
        problems.append("FINLAKE_SLACK_WEBHOOK_URL: expected an http(s) URL (a Slack incoming webhook)")
    if problems:
        raise SettingsError("invalid pipeline settings:\n  - " + "\n  - ".join(problems))
    return Settings(
        runner=runner,
        lake_root=Path(env.get("FINLAKE_LAKE_ROOT", str(REPO / ".lake"))).resolve(),
        symbols=symbols,
        fmp_base_url=env.get("FMP_BASE_URL", "https://financialmodelingprep.com"),
        fmp_api_key=env.get("FMP_API_KEY") or None,
        fmp_rate_limit_per_min=int(rate),
        slack_webhook_url=slack,
        slack_block=env.get("FINLAKE_SLACK_BLOCK") or None,
        python=Path(env.get("FINLAKE_PYTHON", str(REPO / ".venv" / "bin" / "python"))),
        node=env.get("FINLAKE_NODE", "node"),
        # dbt.sh reads the same variable: a copy of the project (tests, benchmarks) is used as a whole.
        dbt_project=Path(env.get("DBT_PROJECT_DIR", str(REPO / "dbt"))),
    )
