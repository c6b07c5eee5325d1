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

# The served marts, from the contract: the first is built in batches of months (and completed here); the
# others are rebuilt whole by every run and published as they were built.
MARTS: tuple[str, ...] = tuple(platform.contract()["gold_marts"])
TABLE = MARTS[0]
if TABLE != "daily_portfolio_summary":
    raise RuntimeError(f"the batch-built mart is {TABLE}; publish completes daily_portfolio_summary batches")


def candidate_dir(gold: Path, run_id: str) -> Path:
    return gold / platform.gold_candidate_prefix(run_id)


def published_file(gold: Path, table: str = TABLE) -> Path:
    return gold / platform.contract()["lake"]["gold"]["publishedFile"].format(mart=table)


def _history(gold: Path, table: str = TABLE) -> Path:
    return published_file(gold, table).parent / "_history.jsonl"


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
    return _serve(
        gold,
        TABLE,
        source,
        run_id,
        {"rows": rows, "gold_from": batch["gold_from"], "dbt_fingerprint": batch["dbt_fingerprint"]},
    )


def _serve(gold: Path, table: str, source: Path, run_id: str, extra: dict) -> dict:
    """Serves `source` as the mart's file in one atomic step (copy, fsync, rename), then records it."""
    target = published_file(gold, table)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{run_id}.parquet"
    shutil.copyfile(source, tmp)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)  # atomic on one filesystem
    meta = {
        "table": table,
        "run_id": run_id,
        "published_at": datetime.now(UTC).isoformat(),
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "candidate": str(source),
        **extra,
    }
    meta_tmp = target.parent / f".tmp-{run_id}.json"
    meta_tmp.write_text(json.dumps(meta, indent=2) + "\n")
    os.replace(meta_tmp, target.parent / "_published.json")
    with _history(gold, table).open("a") as fh:
        fh.write(json.dumps(meta) + "\n")
    return meta


def publish_marts(gold: Path, run_id: str, require_all: bool = True) -> dict:
    """Publishes every mart the run's dbt built: the batch-built summary (which may refuse, see `publish`),
    then each whole-built mart. Each mart's switch is atomic on its own; all candidates are checked first,
    so a run missing one publishes none. `require_all=False` (a rollback to a run from before a mart
    existed) keeps a mart the candidate lacks as it is served. The summary's record, with `marts`."""
    candidate = candidate_dir(gold, run_id)
    whole = [m for m in MARTS[1:] if (candidate / f"{m}.parquet").is_file()]
    missing = [m for m in MARTS[1:] if m not in whole]
    if missing and require_all:
        raise FileNotFoundError(
            f"run {run_id}'s candidate {candidate} lacks {', '.join(missing)}: dbt did not build every served "
            "mart; nothing was published (rerun dbt, or check the mart's model)"
        )
    meta = publish(gold, run_id)
    meta["marts"] = {
        m: _serve(gold, m, candidate / f"{m}.parquet", run_id, {"dbt_fingerprint": meta["dbt_fingerprint"]})[
            "sha256"
        ]
        for m in whole
    }
    meta["kept"] = missing
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
    return publish_marts(gold, to_run, require_all=False)


PUBLISHED_RUN = "finlake.published_run_id"
PUBLISHING_RUN = "finlake.publishing_run_id"
PREVIOUS = "finlake.previous_partitions"
FINGERPRINT = "finlake.dbt_fingerprint"
EVENT, EVENT_ID, RESTORED = "finlake.event", "finlake.event_id", "finlake.restored_event_id"
GLUE_BATCH = 100  # BatchCreatePartition / BatchUpdatePartition / BatchDeletePartition take at most 100


def _event_id() -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}-{os.urandom(4).hex()}"


def _chunks(items: list, n: int = GLUE_BATCH):
    return (items[i : i + n] for i in range(0, len(items), n))


@dataclass(frozen=True)
class GlueTablePublisher:
    """Publishes an audited candidate to the served Glue table (owned by infra, schema from the contract).

    Unpartitioned table: one UpdateTable switches its location, atomic for every reader. Partitioned (gold on
    Athena, by summary_month): the candidate's partition folders (what dbt-athena's CTAS wrote) replace the
    served table's partitions of the same months, created where new; a full build also drops months it no
    longer has. The months replaced and where they pointed before are recorded in the table's parameters
    first (a new table version), so a retried publish finishes the same switch and a rollback restores the
    months the last publish changed, one version at a time.
    """

    glue: object
    database: str
    s3: object | None = None  # lists a candidate's partitions (partitioned tables only)
    table: str = TABLE

    def candidate_location(self, gold_uri: str, run_id: str) -> str:
        return f"{gold_uri.rstrip('/')}/{platform.gold_candidate_prefix(run_id)}{self.table}/"

    def _table_input(self, current: dict, location: str, parameters: dict) -> dict:
        keep = ("Name", "Description", "Owner", "Retention", "PartitionKeys", "TableType", "Parameters")
        out = {k: current[k] for k in keep if k in current}
        out["StorageDescriptor"] = {**current["StorageDescriptor"], "Location": location}
        out["Parameters"] = {**current.get("Parameters", {}), **parameters}
        return out

    def _update(self, table: dict, location: str, parameters: dict) -> None:
        self.glue.update_table(
            DatabaseName=self.database,
            TableInput=self._table_input(table, location, parameters),
            SkipArchive=False,
        )

    def current(self) -> dict:
        return self.glue.get_table(DatabaseName=self.database, Name=self.table)["Table"]

    def served_fingerprint(self) -> str | None:
        """The dbt fingerprint the served version was built with: None before the first publish, and for an
        unpartitioned table (its publish swaps the whole table, so a batch could not complete it)."""
        table = self.current()
        params = table.get("Parameters", {})
        if not params.get(PUBLISHED_RUN) or not self.partition_keys(table):
            return None
        return params.get(FINGERPRINT) or None

    def partition_keys(self, table: dict | None = None) -> list[str]:
        return [k["Name"] for k in (table or self.current()).get("PartitionKeys", [])]

    def served_partitions(self) -> dict[str, str]:
        """The served table's partitions: `key=value/...` -> location."""
        keys = self.partition_keys()
        pages = self.glue.get_paginator("get_partitions").paginate(
            DatabaseName=self.database, TableName=self.table
        )
        return {
            "/".join(f"{k}={v}" for k, v in zip(keys, p["Values"], strict=True)): p["StorageDescriptor"][
                "Location"
            ]
            for page in pages
            for p in page["Partitions"]
        }

    def candidate_partitions(self, location: str, keys: list[str]) -> dict[str, str]:
        """The partition folders under a candidate location (`summary_month=2024-01/`) -> their locations."""
        if self.s3 is None:
            raise ValueError("publishing a partitioned table needs an S3 client to list the candidate")
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        found: dict[str, str] = {}
        todo = [prefix]
        for depth in range(len(keys)):
            level = []
            for pre in todo:
                pages = self.s3.get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=pre, Delimiter="/"
                )
                for cp in (c for page in pages for c in page.get("CommonPrefixes", [])):
                    name = cp["Prefix"][len(pre) :].rstrip("/")
                    if name.startswith(f"{keys[depth]}="):
                        level.append(cp["Prefix"])
            todo = level
        for pre in todo:
            found[pre[len(prefix) :].rstrip("/")] = f"s3://{bucket}/{pre}"
        return found

    def _storage(self, table: dict, location: str) -> dict:
        sd = {k: v for k, v in table["StorageDescriptor"].items() if k != "Location"}
        return {**sd, "Location": location}

    def _values(self, name: str) -> list[str]:
        return [part.split("=", 1)[1] for part in name.split("/")]

    def _apply(self, table: dict, target: dict[str, str | None]) -> None:
        """Makes each named partition point at its location, or drops it (None): idempotent upserts."""
        served = self.served_partitions()
        create = [n for n, loc in target.items() if loc and n not in served]
        update = [n for n, loc in target.items() if loc and n in served and served[n] != loc]
        drop = [n for n, loc in target.items() if loc is None and n in served]

        def inputs(names):
            return [
                {"Values": self._values(n), "StorageDescriptor": self._storage(table, target[n])}
                for n in names
            ]

        for part in _chunks(create):
            r = self.glue.batch_create_partition(
                DatabaseName=self.database, TableName=self.table, PartitionInputList=inputs(part)
            )
            if r.get("Errors"):
                raise RuntimeError(f"Glue refused partitions of {self.table}: {r['Errors'][:3]}")
        for part in _chunks(update):
            entries = [
                {"PartitionValueList": self._values(n), "PartitionInput": i}
                for n, i in zip(part, inputs(part), strict=True)
            ]
            r = self.glue.batch_update_partition(
                DatabaseName=self.database, TableName=self.table, Entries=entries
            )
            if r.get("Errors"):
                raise RuntimeError(f"Glue refused partition updates of {self.table}: {r['Errors'][:3]}")
        for part in _chunks(drop):
            r = self.glue.batch_delete_partition(
                DatabaseName=self.database,
                TableName=self.table,
                PartitionsToDelete=[{"Values": self._values(n)} for n in part],
            )
            if r.get("Errors"):
                raise RuntimeError(f"Glue refused to drop partitions of {self.table}: {r['Errors'][:3]}")

    def publish(
        self, gold_uri: str, run_id: str, gold_from: date | None = None, fingerprint: str | None = None
    ) -> dict:
        location = self.candidate_location(gold_uri, run_id)
        table = self.current()
        stamp = {
            PUBLISHED_RUN: run_id,
            "finlake.published_at": datetime.now(UTC).isoformat(),
            FINGERPRINT: fingerprint or "",
            EVENT: "publish",
            EVENT_ID: _event_id(),
        }
        keys = self.partition_keys(table)
        if not keys:
            if gold_from is not None:
                raise ValueError(
                    f"{self.database}.{self.table} is not partitioned: a batch from {gold_from} cannot replace"
                    " part of it; build all of gold (or deploy the partitioned table from infra)"
                )
            self._update(table, location, stamp)
            return {"table": f"{self.database}.{self.table}", "run_id": run_id, "location": location}
        params = table.get("Parameters", {})
        if params.get(PUBLISHING_RUN) == run_id and params.get(PUBLISHED_RUN) != run_id:
            previous = json.loads(params[PREVIOUS])  # a retry: the record of the first try stands
            target = json.loads(params["finlake.publishing_target"])
        else:
            new = self.candidate_partitions(location, keys)
            if not new:
                raise ValueError(
                    f"candidate {location} holds no {'/'.join(keys)} partitions: nothing to publish"
                )
            served = self.served_partitions()
            target = dict(new)
            if gold_from is None:  # a full build: months it no longer has leave the served table
                target |= {n: None for n in served if n not in new}
            previous = {n: served.get(n) for n in target}
            # The record first (its own table version): a crash from here on is finished by the retry.
            self._update(
                table,
                table["StorageDescriptor"]["Location"],
                {
                    PUBLISHING_RUN: run_id,
                    PREVIOUS: json.dumps(previous),
                    "finlake.publishing_target": json.dumps(target),
                },
            )
            table = self.current()
        self._apply(table, target)
        self._update(self.current(), location, stamp)
        changed = sorted(target)
        return {
            "table": f"{self.database}.{self.table}",
            "run_id": run_id,
            "location": location,
            "partitions_published": sum(1 for n in changed if target[n]),
            "partitions_dropped": sum(1 for n in changed if target[n] is None),
        }

    def versions(self) -> list[dict]:
        """The table's versions, newest first: (version id, run id, location, parameters)."""
        out = []
        pages = self.glue.get_paginator("get_table_versions").paginate(
            DatabaseName=self.database, TableName=self.table
        )
        for v in (v for page in pages for v in page["TableVersions"]):
            t = v["Table"]
            params = t.get("Parameters", {})
            out.append(
                {
                    "version": int(v["VersionId"]),
                    "run_id": params.get(PUBLISHED_RUN),
                    "location": t["StorageDescriptor"]["Location"],
                    "parameters": params,
                }
            )
        return sorted(out, key=lambda v: -v["version"])

    def served_stack(self) -> list[dict]:
        """What is served, as a stack of publishes (oldest first, the served one last): each publish pushes
        one, a rollback pops down to the version it restored. Built from the table's versions: every
        publish and rollback stamps a new `finlake.event_id` (a publish's record version carries the last)."""
        stack: list[dict] = []
        seen: set[str] = set()
        for v in reversed(self.versions()):
            event = v["parameters"].get(EVENT_ID)
            if not event or event in seen or not v["run_id"]:
                continue
            seen.add(event)
            if v["parameters"].get(EVENT) == "rollback":
                while stack and stack[-1]["parameters"].get(EVENT_ID) != v["parameters"].get(RESTORED):
                    stack.pop()
            else:
                stack.append(v)
        return stack

    def rollback(self, to_run: str | None = None) -> dict:
        stack = self.served_stack()
        if not stack:
            raise LookupError(f"{self.database}.{self.table} has never been published")
        earlier = stack[:-1]
        if to_run:
            pick = next((v for v in reversed(earlier) if v["run_id"] == to_run), None)
        else:
            pick = earlier[-1] if earlier else None
        if pick is None:
            known = ", ".join(dict.fromkeys(v["run_id"] for v in reversed(earlier))) or "none"
            raise LookupError(
                f"no earlier published version {to_run or ''} to roll back to; earlier runs: {known}"
            )
        table = self.current()
        if self.partition_keys(table):
            # Undo the publishes above the picked one, newest first: each restores the months it changed.
            for v in reversed(stack[stack.index(pick) + 1 :]):
                self._apply(table, json.loads(v["parameters"].get(PREVIOUS, "{}")))
        keep = {k: pick["parameters"][k] for k in (FINGERPRINT, PREVIOUS) if k in pick["parameters"]}
        self._update(
            table,
            pick["location"],
            {
                **keep,
                PUBLISHED_RUN: pick["run_id"],
                PUBLISHING_RUN: pick["run_id"],
                EVENT: "rollback",
                EVENT_ID: _event_id(),
                RESTORED: pick["parameters"][EVENT_ID],
            },
        )
        return {
            "table": f"{self.database}.{self.table}",
            "run_id": pick["run_id"],
            "location": pick["location"],
        }


def publish_marts_glue(
    glue, s3, database: str, gold_uri: str, run_id: str, gold_from: date | None, fingerprint: str | None
) -> dict:
    """On AWS, as `publish_marts` locally: the batch-built summary first (only it takes a batch), then each
    mart the run rebuilt whole, each switched by its own UpdateTable. The summary's result, with `marts`."""
    summary = GlueTablePublisher(glue, database, s3).publish(gold_uri, run_id, gold_from, fingerprint)
    summary["marts"] = {
        m: GlueTablePublisher(glue, database, s3, m).publish(gold_uri, run_id, None, fingerprint)["location"]
        for m in MARTS[1:]
    }
    return summary
