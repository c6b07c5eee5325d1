"""Athena's stand-in: DuckDB over a mirror of the locations the Glue catalog (moto) names.

Athena cannot exist here and moto runs no query, so:
- the dbt task (the dbt image, exactly its command) builds on its `local` DuckDB target instead of Athena:
  the silver table's location is read from the catalog and mirrored with the dbt role's credentials, and
  the candidate dbt writes is put at this run's candidate location with the same credentials (so the role
  must allow both), in the layout dbt-athena's CTAS writes: one folder per partition of the mart's contract
  (`summary_month=YYYY-MM/`, the value derived as dbt's `gold_partition_column` derives it on Athena).
- each query moto records (the serving Lambda's) runs on DuckDB: every `database.table` it names is
  resolved through the catalog, as Athena does: an unpartitioned table to its location, a partitioned one to
  its registered partitions' locations (the published months), mirrored with the caller role's credentials;
  the rows are handed back through GetQueryResults as Athena would (ExecutionParameters substituted as
  literal text, a header row, every value a string).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aws_twin.executor import MotoExecutor
from aws_twin.moto_aws import ACCOUNT, REGION, Moto
from aws_twin.s3_mirror import mirror_down, mirror_up
from finlake_flows import platform

REPO = Path(__file__).resolve().parents[3]
# DuckDB's spelling of the partition values dbt derives on Athena (dbt/macros/gold_partition.sql).
PARTITION_VALUES = {"summary_month": "strftime(summary_date, '%Y-%m')"}


def mart_partitions(mart: str) -> list[str]:
    contract = json.loads(
        (REPO / "libs" / "schemas" / "generated" / "json-schema" / f"{mart}.schema.json").read_text()
    )
    return [p["name"] for p in contract["x-partition-by"]]


TABLE_REF = re.compile(r"\bfrom\s+([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)
ATHENA_TYPES = {"VARCHAR": "varchar", "DOUBLE": "double", "BIGINT": "bigint", "INTEGER": "integer",
                "DATE": "date", "BOOLEAN": "boolean", "HUGEINT": "bigint", "FLOAT": "float"}  # fmt: skip


def table_location(moto: Moto, database: str, table: str) -> str:
    """Where the catalog says a table's data is now (what Athena reads)."""
    t = moto.client("glue").get_table(DatabaseName=database, Name=table)["Table"]
    return t["StorageDescriptor"]["Location"]


def partitions(moto: Moto, database: str, table: str) -> dict[str, str] | None:
    """A partitioned table's registered partitions, `key=value/...` -> location (None: unpartitioned),
    read as the flows' publisher reads them."""
    from finlake_flows.publish import GlueTablePublisher

    publisher = GlueTablePublisher(moto.client("glue"), database, table=table)
    return publisher.served_partitions() if publisher.partition_keys() else None


@dataclass
class Prepared:
    """What a substitute adds to one task's `docker run`, and what it does after a clean exit."""

    docker_args: list[str]
    env: dict[str, str]
    finish: Callable[[], list[str]]  # the keys the role was denied
    cleanup: Callable[[], None] = field(default=lambda: None)


class DbtOnDuckDb:
    """The dbt task's Athena, for the ECS executor (see the module's docstring)."""

    def __init__(self, moto: Moto):
        self.moto = moto

    def prepare(self, env: dict[str, str], command: list[str], creds: dict) -> Prepared:
        s3 = self.moto.client("s3", creds)
        run_id = command[command.index("--run-id") + 1]
        tmp = Path(tempfile.mkdtemp(prefix="finlake-twin-dbt-"))
        lake = tmp / "lake"
        for table in platform.contract()["source_datasets"]:  # every silver table dbt reads
            name = table["silverTable"]
            mirror_down(
                s3, table_location(self.moto, env["FINLAKE_SILVER_DATABASE"], name), lake / "silver" / name
            )
        candidate = lake / "gold" / platform.gold_candidate_prefix(run_id)
        candidate.mkdir(parents=True)
        (lake / "warehouse").mkdir()  # DuckDB creates the database file, not its folder
        for d in [lake, *lake.rglob("*")]:  # the image runs as a non-root user
            d.chmod(0o777 if d.is_dir() else 0o666)

        def finish() -> list[str]:
            import duckdb

            uri = f"{env['FINLAKE_GOLD_URI'].rstrip('/')}/{platform.gold_candidate_prefix(run_id)}"
            out = tmp / "upload"
            for mart in platform.contract()["gold_marts"]:
                keys = mart_partitions(mart)
                for f in candidate.glob(f"{mart}.parquet"):
                    (out / mart).mkdir(parents=True, exist_ok=True)
                    if not keys:
                        shutil.copy(f, out / mart / f.name)
                        continue
                    derived = ", ".join(f"{PARTITION_VALUES[k]} as {k}" for k in keys)
                    duckdb.execute(
                        f"copy (select *, {derived} from read_parquet('{f}')) to '{out / mart}' "  # noqa: S608
                        f"(format parquet, partition_by ({', '.join(keys)}), overwrite_or_ignore)"
                    )
            return mirror_up(s3, out, uri) if out.exists() else ["(dbt wrote no candidate)"]

        return Prepared(
            docker_args=["-v", f"{lake}:/twin-lake"],
            env={"DBT_TARGET": "local", "FINLAKE_LAKE_ROOT": "/twin-lake",
                 "FINLAKE_GOLD_CANDIDATE_DIR": f"/twin-lake/gold/{platform.gold_candidate_prefix(run_id)}"},
            finish=finish,
            cleanup=lambda: shutil.rmtree(tmp, ignore_errors=True),
        )  # fmt: skip


@dataclass
class Query:
    sql: str
    state: str
    rows: int
    error: str = ""


class AthenaExecutor(MotoExecutor):
    """Runs each query moto records on DuckDB (see the module's docstring). moto does not hand a model
    the caller's identity, so the executor reads as the role it is given (the serving function's)."""

    model_name = "athena::execution"

    def __init__(self, moto: Moto, role: str):
        super().__init__()
        self.moto, self.role = moto, role
        self.ran: list[Query] = []

    def pending(self):
        from moto.athena.models import athena_backends

        backend = athena_backends[ACCOUNT][REGION]
        for execution in list(backend.executions.values()):
            yield execution.id, (backend, execution)

    def execute(self, item) -> None:
        import duckdb
        from moto.athena.models import QueryResults

        backend, execution = item
        sql = execution.query
        try:
            with tempfile.TemporaryDirectory(prefix="finlake-twin-athena-") as tmp:
                db = duckdb.connect()
                s3 = self.moto.client("s3", self.moto.assume(self.role))
                for schema, table in sorted(set(TABLE_REF.findall(sql))):
                    local = Path(tmp) / schema / table
                    parts = partitions(self.moto, schema, table)
                    for folder, location in (parts or {"": table_location(self.moto, schema, table)}).items():
                        mirror_down(s3, location, local / folder)
                    db.execute(f"create schema if not exists {schema}")
                    db.execute(f"create view {schema}.{table} as select * from "  # noqa: S608 - catalog names
                               f"read_parquet('{local}/**/*.parquet', union_by_name = true, "
                               f"hive_partitioning = {'true' if parts else 'false'})")  # fmt: skip
                text = sql
                for p in execution.execution_parameters or []:  # literal text, as Athena substitutes
                    text = text.replace("?", p, 1)
                cur = db.execute(text)
                names = [d[0] for d in cur.description]
                types = [ATHENA_TYPES.get(str(d[1]).split("(")[0], "varchar") for d in cur.description]
                data = cur.fetchall()
            header = {"Data": [{"VarCharValue": n} for n in names]}
            rows = [header] + [
                {"Data": [{} if v is None else {"VarCharValue": str(v)} for v in row]} for row in data
            ]
            info = [
                {"Name": n, "Label": n, "Type": t, "Nullable": "UNKNOWN"}
                for n, t in zip(names, types, strict=True)
            ]
            backend.query_results[execution.id] = QueryResults(rows=rows, column_info=info)
            self.ran.append(Query(sql, "SUCCEEDED", len(data)))
            execution.status = "SUCCEEDED"
        except Exception as err:  # noqa: BLE001 - any failure is the query's, reported as Athena would
            self.ran.append(Query(sql, "FAILED", 0, str(err)[:300]))
            execution.status = "FAILED"
