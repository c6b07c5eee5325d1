"""Write-audit-publish for gold: dbt writes a candidate, the gate audits it, this publishes it.

Locally the served table is `<gold>/daily_portfolio_summary/daily_portfolio_summary.parquet`, replaced in
one atomic step (rename) so readers see the old version or the new one, never a mix; `_published.json`
records which run published it and `_history.jsonl` every publication, for a rollback.

On AWS dbt writes each run's candidate to its own location (the contract's `lake.gold.candidate`, a table
in the candidates database); publishing switches the served Glue table (owned by infra, schema from the
contract) to that location with one `UpdateTable`, atomic for every reader. Glue keeps the table's earlier
versions, so a rollback switches back to the previous version's location.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from finlake_flows import platform

TABLE = "daily_portfolio_summary"


def candidate_dir(gold: Path, run_id: str) -> Path:
    return gold / platform.gold_candidate_prefix(run_id)


def published_file(gold: Path) -> Path:
    return gold / TABLE / f"{TABLE}.parquet"


def _history(gold: Path) -> Path:
    return published_file(gold).parent / "_history.jsonl"


def publish(gold: Path, run_id: str, rows: int | None = None) -> dict:
    source = candidate_dir(gold, run_id) / f"{TABLE}.parquet"
    if not source.is_file():
        raise FileNotFoundError(
            f"no candidate to publish at {source}: dbt did not write gold for run {run_id}"
        )
    target = published_file(gold)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{run_id}.parquet"
    shutil.copyfile(source, tmp)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)  # atomic on one filesystem
    meta = {
        "table": TABLE,
        "run_id": run_id,
        "published_at": datetime.now(UTC).isoformat(),
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "rows": rows,
        "candidate": str(source),
    }
    meta_tmp = target.parent / f".tmp-{run_id}.json"
    meta_tmp.write_text(json.dumps(meta, indent=2) + "\n")
    os.replace(meta_tmp, target.parent / "_published.json")
    with _history(gold).open("a") as fh:
        fh.write(json.dumps(meta) + "\n")
    return meta


def rollback_local(gold: Path, to_run: str | None = None) -> dict:
    """Publishes an earlier run's candidate again: `to_run`, else the newest run before the current one."""
    history = _history(gold)
    runs = [json.loads(x)["run_id"] for x in history.read_text().splitlines()] if history.is_file() else []
    if to_run is None:
        earlier = [r for r in runs if runs and r != runs[-1]]
        if not earlier:
            raise LookupError("nothing to roll back to: gold has been published at most once")
        to_run = earlier[-1]
    elif to_run not in runs:
        raise LookupError(f"run {to_run} never published gold; published runs: {', '.join(runs) or 'none'}")
    return publish(gold, to_run)


@dataclass(frozen=True)
class GlueTablePublisher:
    """Switches the served Glue table between audited candidate locations."""

    glue: object
    database: str
    table: str = TABLE

    def candidate_location(self, gold_uri: str, run_id: str) -> str:
        return f"{gold_uri.rstrip('/')}/{platform.gold_candidate_prefix(run_id)}{self.table}/"

    def _table_input(self, current: dict, location: str, run_id: str) -> dict:
        keep = ("Name", "Description", "Owner", "Retention", "PartitionKeys", "TableType", "Parameters")
        out = {k: current[k] for k in keep if k in current}
        out["StorageDescriptor"] = {**current["StorageDescriptor"], "Location": location}
        out["Parameters"] = {
            **current.get("Parameters", {}),
            "finlake.published_run_id": run_id,
            "finlake.published_at": datetime.now(UTC).isoformat(),
        }
        return out

    def current(self) -> dict:
        return self.glue.get_table(DatabaseName=self.database, Name=self.table)["Table"]

    def publish(self, gold_uri: str, run_id: str) -> dict:
        location = self.candidate_location(gold_uri, run_id)
        table = self.current()
        self.glue.update_table(
            DatabaseName=self.database,
            TableInput=self._table_input(table, location, run_id),
            SkipArchive=False,
        )
        return {"table": f"{self.database}.{self.table}", "run_id": run_id, "location": location}

    def versions(self) -> list[dict]:
        """The table's versions, newest first: (version id, run id, location)."""
        out = []
        pages = self.glue.get_paginator("get_table_versions").paginate(
            DatabaseName=self.database, TableName=self.table
        )
        for v in (v for page in pages for v in page["TableVersions"]):
            t = v["Table"]
            out.append(
                {
                    "version": int(v["VersionId"]),
                    "run_id": t.get("Parameters", {}).get("finlake.published_run_id"),
                    "location": t["StorageDescriptor"]["Location"],
                }
            )
        return sorted(out, key=lambda v: -v["version"])

    def rollback(self, to_run: str | None = None) -> dict:
        versions = [v for v in self.versions() if v["run_id"]]
        if not versions:
            raise LookupError(f"{self.database}.{self.table} has never been published")
        current = versions[0]
        earlier = [v for v in versions[1:] if v["location"] != current["location"]]
        pick = next((v for v in earlier if v["run_id"] == to_run), None) if to_run else (earlier or [None])[0]
        if pick is None:
            known = ", ".join(v["run_id"] for v in earlier) or "none"
            raise LookupError(
                f"no earlier published version {to_run or ''} to roll back to; earlier runs: {known}"
            )
        table = self.current()
        self.glue.update_table(
            DatabaseName=self.database,
            TableInput=self._table_input(table, pick["location"], pick["run_id"]),
            SkipArchive=False,
        )
        return {
            "table": f"{self.database}.{self.table}",
            "run_id": pick["run_id"],
            "location": pick["location"],
        }
