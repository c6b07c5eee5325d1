"""Write-audit-publish for gold: dbt writes a candidate, the gate audits it, this publishes it.

Locally the served table is `<gold>/daily_portfolio_summary/daily_portfolio_summary.parquet`, replaced in
one atomic step (rename) so readers see the old version or the new one, never a mix; `_published.json`
records which run published it and `_history.jsonl` every publication, for a rollback.

Incremental gold: when a run's dbt built only a batch of dates (`_batch.json` in its candidate folder says
from which date), publishing first completes the candidate into a full version (the served version's rows
before the batch, then the batch, in key order) and keeps the batch beside it; so every published version is
whole, and a rollback serves one as it was.

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
from datetime import UTC, date, datetime
from pathlib import Path

from finlake_flows import platform

TABLE = "daily_portfolio_summary"


def candidate_dir(gold: Path, run_id: str) -> Path:
    return gold / platform.gold_candidate_prefix(run_id)


def published_file(gold: Path) -> Path:
    return gold / TABLE / f"{TABLE}.parquet"


def _history(gold: Path) -> Path:
    return published_file(gold).parent / "_history.jsonl"


BATCH_FILE = "_batch.json"
FINGERPRINTED = ("models", "macros", "seeds", "tests", "dbt_project.yml")


def dbt_fingerprint(project: Path) -> str:
    """sha256 over what decides gold's rows: the models, macros, seeds (holdings), tests and project file.
    A change to any of them (holdings changed in the past, a model rewritten) means a full build."""
    h = hashlib.sha256()
    for entry in FINGERPRINTED:
        root = project / entry
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for f in (f for f in files if f.is_file()):  # a missing project file counts as absent
            h.update(f.relative_to(project).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def write_batch(gold: Path, candidate: Path, gold_from: date | None, fingerprint: str) -> None:
    """Records, in the candidate folder, what dbt builds: a batch from `gold_from` on top of the version
    served now (`base_run_id`), or everything; and the fingerprint of the models and holdings it used."""
    served = current(gold)
    doc = {
        "gold_from": gold_from.isoformat() if gold_from else None,
        "base_run_id": served["run_id"] if served and gold_from else None,
        "dbt_fingerprint": fingerprint,
    }
    (candidate / BATCH_FILE).write_text(json.dumps(doc) + "\n")


def read_batch(candidate: Path) -> dict:
    f = candidate / BATCH_FILE
    empty = {"gold_from": None, "base_run_id": None, "dbt_fingerprint": None}
    return {**empty, **json.loads(f.read_text())} if f.is_file() else empty


def current(gold: Path) -> dict | None:
    """The served version's record (`_published.json`), or None before the first publish."""
    f = published_file(gold).parent / "_published.json"
    return json.loads(f.read_text()) if f.is_file() and published_file(gold).is_file() else None


def batch_start(gold: Path, fingerprint: str, window_from: date) -> date | None:
    """Where this run's gold batch starts: the first day of the earliest silver month the run rewrote (every
    date a changed close can move is on or after it), when the served version was built by the same models
    and holdings; None (build everything) before the first publish or after such a change."""
    served = current(gold)
    if served is None or served.get("dbt_fingerprint") != fingerprint:
        return None
    return window_from.replace(day=1)


def _complete(gold: Path, candidate: Path, gold_from: date) -> None:
    """Turns a batch candidate into a full version: served rows before the batch + the batch, key order."""
    import duckdb  # dbt-duckdb's engine: only the local publish needs it

    full = candidate / f"{TABLE}.parquet"
    batch = candidate / f"{TABLE}.batch.parquet"
    served = published_file(gold)
    if not served.is_file():
        raise FileNotFoundError(f"run built a batch from {gold_from}, but no gold is served to complete it")
    tmp = candidate / f".tmp-{TABLE}.parquet"
    con = duckdb.connect()
    target = str(tmp).replace("'", "''")  # COPY's target cannot be a parameter; our own path, quoted
    # Values are parameters; the target is our own quoted path.
    sql = (
        "copy (select * from (select * from read_parquet($served) where summary_date < $from "  # noqa: S608
        "union all select * from read_parquet($batch)) order by portfolio_id, summary_date) "
        f"to '{target}' (format parquet)"
    )
    con.execute(
        sql,
        {"served": str(served), "from": gold_from, "batch": str(batch)},
    )
    con.close()
    os.replace(tmp, full)


def publish(gold: Path, run_id: str, rows: int | None = None) -> dict:
    candidate = candidate_dir(gold, run_id)
    source = candidate / f"{TABLE}.parquet"
    batch = read_batch(candidate)
    if not source.is_file() and not (candidate / f"{TABLE}.batch.parquet").is_file():
        raise FileNotFoundError(
            f"no candidate to publish at {source}: dbt did not write gold for run {run_id}"
        )
    if batch["gold_from"]:
        batch_file = candidate / f"{TABLE}.batch.parquet"
        if not batch_file.is_file():
            os.replace(source, batch_file)  # keep what the gate audited
        if not source.is_file():
            served = current(gold)
            if served is None or served["run_id"] != batch["base_run_id"]:
                raise RuntimeError(
                    f"run {run_id} built a gold batch from {batch['gold_from']} on top of run "
                    f"{batch['base_run_id']}'s version, but {served['run_id'] if served else 'nothing'} is served "
                    "now; rerun the pipeline so its batch is built on what is served"
                )
            _complete(gold, candidate, date.fromisoformat(batch["gold_from"]))
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
        "gold_from": batch["gold_from"],
        "dbt_fingerprint": batch["dbt_fingerprint"],
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
