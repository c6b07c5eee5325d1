"""Where the pipeline runs and what it touches, from the environment (validated once)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
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
    )
