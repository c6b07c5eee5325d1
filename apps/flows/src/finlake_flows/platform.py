"""The platform contract (libs/platform) as the flows read it: names and key layouts shared with infra
and the TypeScript services, from the generated platform.json (never restated here)."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _locations() -> list[Path]:
    configured = os.environ.get("FINLAKE_PLATFORM_JSON")
    if configured:
        return [Path(configured)]
    # Packaged beside this module in the wheel (the flows image); in a checkout, the generated file.
    return [_HERE / "platform.json"] + [
        p / "libs" / "platform" / "generated" / "platform.json" for p in _HERE.parents
    ]


@cache
def contract() -> dict:
    for path in _locations():
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(
        "platform.json not found: run `npx nx run platform:generate`, or set FINLAKE_PLATFORM_JSON"
    )


def dataset(silver_table: str) -> dict:
    for d in contract()["source_datasets"]:
        if d["silverTable"] == silver_table:
            return d
    raise KeyError(f"no source dataset builds silver table {silver_table!r}")


def manifest_key(silver_table: str, run_id: str, handoff: str) -> str:
    d = dataset(silver_table)
    return contract()["lake"]["bronze"]["manifest"].format(
        source=d["source"], dataset=d["dataset"], handoff=handoff, run_id=run_id
    )


def silver_run_summary_key(table: str, run_id: str) -> str:
    return contract()["lake"]["silver"]["runSummary"].format(table=table, run_id=run_id)


def gold_candidate_prefix(run_id: str) -> str:
    return contract()["lake"]["gold"]["candidate"].format(run_id=run_id)


def artifact_key(name: str, **values: str) -> str:
    return contract()["artifacts"][name].format(**values)


def service(name: str) -> dict:
    return contract()["services"][name]


def command_override(name: str, args: list[str]) -> list[str]:
    """ECS replaces the image's CMD with an override: repeat the service's command, then the args."""
    return [*service(name)["command"], *args]


def name(template: str, **values: str) -> str:
    return contract()["names"][template].format(**values)
