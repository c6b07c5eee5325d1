"""Dataset contracts for the Glue job, read from the JSON Schema that libs/schemas generates.

The TypeScript definitions in libs/schemas are the single source; this module never restates a
column. Locally the schemas are read from libs/schemas/generated/json-schema; on Glue they ship
beside the script (--extra-files) and FINLAKE_CONTRACTS_DIR points at them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from pyspark.sql import types as T

SPARK_TYPES: dict[str, T.DataType] = {
    "string": T.StringType(),
    "date": T.DateType(),
    "timestamp": T.TimestampType(),
    "double": T.DoubleType(),
    "bigint": T.LongType(),
    "integer": T.IntegerType(),
    "boolean": T.BooleanType(),
}
DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")


def spark_type(sql_type: str) -> T.DataType:
    """The Spark type of a contract type; `decimal(p,s)` is Spark's DecimalType(p, s)."""
    if m := DECIMAL.match(sql_type):
        return T.DecimalType(int(m[1]), int(m[2]))
    if sql_type not in SPARK_TYPES:
        raise ValueError(f"unknown x-sql-type {sql_type!r}; regenerate libs/schemas")
    return SPARK_TYPES[sql_type]


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    nullable: bool
    description: str


@dataclass(frozen=True)
class Contract:
    name: str
    zone: str
    primary_key: tuple[str, ...]
    partition_by: tuple[Column, ...]
    columns: tuple[Column, ...]
    schema: dict

    def spark_schema(self, *, as_text: bool = False, with_partitions: bool = False) -> T.StructType:
        """The Spark schema. `as_text` types every column as string, for reading raw JSON
        without Spark silently nulling values it cannot cast (validation then names the reason)."""
        cols = self.columns + (self.partition_by if with_partitions else ())
        return T.StructType(
            [
                T.StructField(c.name, T.StringType() if as_text else spark_type(c.sql_type), c.nullable)
                for c in cols
            ]
        )

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


_PACKAGE = Path(__file__).resolve().parent
# On Glue the package is imported from its zip (--extra-py-files): package data is read through
# importlib.resources, which reads inside the zip, never through file paths.
_PACKAGED = resources.files("finlake_glue")


def _checkouts() -> list[Path]:
    """Where a checkout may be: FINLAKE_REPO_ROOT (the package installed elsewhere, as in the dev stack's
    image, reading the checkout's generated files), then the folders above this package."""
    configured = os.environ.get("FINLAKE_REPO_ROOT")
    return ([Path(configured)] if configured else []) + list(_PACKAGE.parents)


def contracts_dir() -> Traversable:
    """On Glue the contracts travel inside the job's package zip (`finlake_glue/contracts/`, put there
    by infra's GlueJob); in a checkout they are libs/schemas' generated files."""
    configured = os.environ.get("FINLAKE_CONTRACTS_DIR")
    if configured:
        return Path(configured)
    if (_PACKAGED / "contracts").is_dir():
        return _PACKAGED / "contracts"
    for parent in _checkouts():
        candidate = parent / "libs" / "schemas" / "generated" / "json-schema"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "dataset contracts not found: set FINLAKE_CONTRACTS_DIR to the folder holding <name>.schema.json "
        "(on Glue they ship inside finlake_glue.zip, as infra/components/glue-job.ts packs it)"
    )


@cache
def platform() -> dict:
    """The platform contract (libs/platform/generated/platform.json): bronze and silver key layouts.
    Packaged beside this module on Glue, the generated file in a checkout."""
    candidates = [_PACKAGED / "platform.json"] + [
        p / "libs" / "platform" / "generated" / "platform.json" for p in _checkouts()
    ]
    for path in candidates:
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError("platform.json not found beside finlake_glue or under libs/platform/generated")


def source_dataset(silver_table: str) -> dict:
    for d in platform()["source_datasets"]:
        if d["silverTable"] == silver_table:
            return d
    raise KeyError(f"no source dataset builds silver table {silver_table!r}")


def _column(name: str, prop: dict, required: set[str]) -> Column:
    sql_type = str(prop.get("x-sql-type"))
    try:
        spark_type(sql_type)
    except ValueError as e:
        raise ValueError(f"column {name}: {e}") from None
    nullable = bool(prop.get("x-nullable")) or name not in required
    return Column(name, sql_type, nullable, prop.get("description", ""))


@cache
def load_contract(name: str) -> Contract:
    folder = contracts_dir()
    path = folder / f"{name}.schema.json"
    if not path.is_file():
        known = sorted(
            p.name.removesuffix(".schema.json") for p in folder.iterdir() if p.name.endswith(".schema.json")
        )
        raise FileNotFoundError(f"no contract {name!r} in {folder}; known: {', '.join(known)}")
    doc = json.loads(path.read_text(encoding="utf-8"))
    required = set(doc.get("required", []))
    columns = tuple(_column(n, p, required) for n, p in doc["properties"].items())
    partitions = tuple(
        Column(p["name"], p["sqlType"], False, p.get("description", ""))
        for p in doc.get("x-partition-by", [])
    )
    return Contract(
        name=doc["title"],
        zone=doc["x-zone"],
        primary_key=tuple(doc["x-primary-key"]),
        partition_by=partitions,
        columns=columns,
        schema=doc,
    )
