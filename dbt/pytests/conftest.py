"""Fixtures for the dbt project's tests: a throwaway lake whose silver holds the bundled real sample."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
DBT = REPO / "dbt" / "scripts" / "dbt.sh"
SAMPLE = REPO / "tools" / "fmp-sandbox" / "data" / "eod"
CONTRACTS = REPO / "libs" / "schemas" / "generated" / "json-schema"


def write_silver(lake: Path, ingested_at: datetime, mutate: str | None = None) -> None:
    """Silver `fmp_eod_prices` as Parquet (year=/month=), in the contract's columns, from the sample.

    A fixture writer, not the platform's transform (that is the Spark job): dbt's tests need silver
    that exists without starting Spark.
    """
    silver = json.loads((CONTRACTS / "fmp_eod_prices.schema.json").read_text())["properties"]

    def prices(*names: str) -> str:
        # The contract's types (exact decimals), as the Glue job writes them.
        return ", ".join(f"cast({n} as {silver[n]['x-sql-type']}) as {n}" for n in names)

    out = lake / "silver" / "fmp_eod_prices"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    con = duckdb.connect()
    files = [str(p) for p in SAMPLE.glob("*.json")]
    con.execute(
        f"""
        copy (
          select symbol, cast(date as date) as trade_date, {prices("open", "high", "low", "close")},
                 cast(volume as bigint) as volume, {prices("vwap", "change")}, changePercent as change_percent,
                 'fixture/' || symbol || '.json' as source_object,
                 cast(? as timestamp) as ingested_at, 'fixture' as run_id,
                 year(cast(date as date)) as year, month(cast(date as date)) as month
          from read_json(?, format='array')
          {mutate or ''}
        ) to '{out}' (format parquet, partition_by (year, month))
        """,
        [ingested_at.replace(tzinfo=None), files],
    )


def dbt(lake: Path, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    full_env = {
        **os.environ,
        "FINLAKE_LAKE_ROOT": str(lake),
        "FINLAKE_GOLD_CANDIDATE_DIR": str(lake / "gold" / "candidate"),
        **(env or {}),
    }
    r = subprocess.run(["bash", str(DBT), *args], env=full_env, capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed ({r.returncode}):\n{r.stdout[-4000:]}\n{r.stderr[-2000:]}"
        )
    return r


@pytest.fixture(scope="session")
def built_lake(tmp_path_factory):
    """One `dbt build` on the sample, shared by the tests that only read its results."""
    lake = tmp_path_factory.mktemp("lake")
    write_silver(lake, datetime.now(UTC))
    r = dbt(lake, "build", "--target", "local")
    return lake, r


def run_results(project_target: Path) -> dict:
    return json.loads((project_target / "run_results.json").read_text())
