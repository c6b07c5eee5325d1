"""Bronze -> silver for a source added with `npx nx g @finlake/workspace:source`, in Arrow, driven by its
contracts alone (the wire item `<table>_wire_item`, the silver table `<table>`, `<table>_rejects`): a batch
source as the connector lands it (JSON arrays, a `.meta` sidecar per body), a streamed one as Firehose lands
it (GZIP, one producer record per line).

Each wire row is checked against the wire contract (a failure is a reject with a named reason:
`missing_<field>`, `invalid_<field>`), typed into the silver columns (of the same name, or the one whose
`x-wire-name` names it), stamped with its lineage (`ingested_at` the fetch time, `source_object`, `run_id`),
and deduplicated on the silver primary key (the latest fetch wins). The table is rebuilt whole from bronze
(`--mode full`) and replaced in one atomic put, so a reader sees the old table or the new one, and a rerun
gives the same table.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections import Counter
from datetime import UTC, date, datetime

import pyarrow as pa

from finlake_glue.arrow_tables import arrow_schema, parquet_bytes
from finlake_glue.contract import load_contract, platform, source_dataset
from finlake_glue.news_store import open_zone

LINEAGE = ("ingested_at", "source_object", "run_id")


def _typed(value: object, sql_type: str) -> object:
    """The value as the column's type, or raises ValueError: JSON numbers for doubles (not booleans),
    ISO dates for dates, strings for strings."""
    if sql_type == "string":
        if not isinstance(value, str):
            raise ValueError
        return value
    if sql_type == "double":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError
        return float(value)
    if sql_type in ("integer", "bigint"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError
        return value
    if sql_type == "boolean":
        if not isinstance(value, bool):
            raise ValueError
        return value
    if sql_type == "date":
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    raise ValueError(f"no rule for {sql_type}")


def _reason(item: object, wire) -> str | None:
    if not isinstance(item, dict):
        return "row_not_an_object"
    for col in wire.columns:
        value = item.get(col.name)
        if value is None:
            if not col.nullable:
                return f"missing_{col.name}"
            continue
        try:
            _typed(value, col.sql_type)
        except ValueError:
            return f"invalid_{col.name}"
        pattern = wire.schema["properties"][col.name].get("pattern")
        if pattern and isinstance(value, str) and not re.search(pattern, value):
            return f"invalid_{col.name}"
    return None


def _silver_row(item: dict, target) -> dict:
    """The silver columns of a valid wire row, typed: each read from its wire field (the column's own name, or
    the `x-wire-name` the contract declares when the API spells it otherwise, e.g. adjDividend)."""
    row = {}
    for c in target.columns:
        if c.name in LINEAGE:
            continue
        value = item.get(target.schema["properties"][c.name].get("x-wire-name", c.name))
        row[c.name] = None if value is None else _typed(value, c.sql_type)
    return row


def _fetched_at(sidecar: bytes | None) -> datetime | None:
    """The fetch time the connector's sidecar records (UTC); None when the sidecar is not one."""
    try:
        stamp = json.loads(sidecar or b"")["fetched_at"]
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return when if when.tzinfo else None


def _when(stamp: object) -> datetime | None:
    """An ISO instant with its offset (UTC), or None."""
    try:
        when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if isinstance(stamp, str) else None
    except ValueError:
        return None
    return when if when and when.tzinfo else None


def _connector_objects(bronze, keys: list[str], sidecar: str):
    """A batch source's objects as the connector lands them: a JSON array per body, committed by its `.meta`
    sidecar (written last). Yields (key, reason the whole object is rejected or None, its rows), each row
    (index, item, fetched_at, reason or None)."""
    present = set(keys)
    for key in (k for k in keys if k.endswith(".json") and f"{k}{sidecar}" in present):
        fetched = _fetched_at(bronze.get(f"{key}{sidecar}"))
        try:
            body = json.loads(bronze.get(key) or b"")
        except ValueError:
            body = None
        if fetched is None or not isinstance(body, list):
            yield key, "invalid_sidecar" if fetched is None else "body_not_a_json_array", []
        else:
            yield key, None, [(index, item, fetched, None) for index, item in enumerate(body)]


def _stream_row(index: int, line: str) -> tuple:
    try:
        record = json.loads(line)
        item, fetched = json.loads(record["item"]), _when(record["fetched_at"])
    except (ValueError, KeyError, TypeError):
        item, fetched = None, None
    return (index, line, None, "invalid_record") if fetched is None else (index, item, fetched, None)


def _stream_objects(bronze, keys: list[str]):
    """A streamed source's objects as Firehose lands them: GZIP, one producer record per line
    (`{"record_id", "fetched_at", "item"}`, the item as the API sent it, as JSON text). Yields as above; a line
    that is not such a record is rejected as `invalid_record` (kept as its text), an object that is not GZIP
    as `invalid_gzip`."""
    for key in (k for k in keys if k.endswith(".gz")):
        try:
            lines = gzip.decompress(bronze.get(key) or b"").decode("utf-8").splitlines()
        except (OSError, EOFError, UnicodeDecodeError):
            yield key, "invalid_gzip", []
            continue
        yield key, None, [_stream_row(index, line) for index, line in enumerate(lines)]


def transform(table: str, bronze_uri: str, silver_uri: str, run_id: str, mode: str = "full") -> dict:
    if mode != "full":
        raise ValueError(f"{table} is rebuilt whole from bronze: --mode full (got {mode})")
    started = time.monotonic()
    bronze, silver = open_zone(bronze_uri), open_zone(silver_uri)
    wire, target = load_contract(f"{table}_wire_item"), load_contract(table)
    layout = platform()["lake"]
    source = source_dataset(table)
    keys = bronze.keys(source["bronze_prefix"])
    objects = (
        _stream_objects(bronze, keys)
        if source["kind"] == "stream"
        else _connector_objects(bronze, keys, layout["bronze"]["sidecarSuffix"])
    )
    rows: dict[tuple, dict] = {}
    rejects: list[dict] = []
    read = objects_read = 0
    now = datetime.now(UTC)

    def reject(key: str, index: int, record: str | None, reason: str) -> None:
        rejects.append({"source_object": key, "record_index": index, "record": record,
                        "reject_reason": reason, "rejected_at": now})  # fmt: skip

    for key, whole, items in objects:
        objects_read += 1
        if whole:  # the whole object, kept with its reason
            read += 1
            reject(key, -1, None, whole)
            continue
        for index, item, fetched, reason in items:
            read += 1
            if reason:  # not a record at all: kept as it arrived
                reject(key, index, item, reason)
                continue
            reason = _reason(item, wire)
            if reason:
                reject(key, index, json.dumps(item), reason)
                continue
            row = _silver_row(item, target)
            row.update({"ingested_at": fetched, "source_object": key, "run_id": run_id})
            pk = tuple(row[k] for k in target.primary_key)
            # The latest fetch of a key wins (a later answer corrects an earlier one).
            if pk not in rows or rows[pk]["ingested_at"] <= fetched:
                rows[pk] = row
    data = sorted(rows.values(), key=lambda r: tuple(str(r[k]) for k in target.primary_key))
    silver.put(
        f"{layout['silver']['table'].format(table=table)}data.parquet", _parquet(data, arrow_schema(table))
    )
    rejects_key = layout["silver"]["rejects"].format(table=table) + f"run_id={run_id}/rejects.parquet"
    silver.put(rejects_key, _parquet(rejects, arrow_schema(f"{table}_rejects")))
    reasons = Counter(r["reject_reason"] for r in rejects)
    summary = {
        "run_id": run_id,
        "dataset": table,
        "mode": mode,
        "objects_read": objects_read,
        "rows_read": read,
        "rows_written": len(data),
        "rows_rejected": len(rejects),
        "duplicates_dropped": read - len(rejects) - len(data),
        "rejected_by_reason": dict(sorted(reasons.items())),
        "status": "succeeded",
        "duration_s": round(time.monotonic() - started, 3),
    }
    silver.put(
        layout["silver"]["runSummary"].format(table=table, run_id=run_id),
        json.dumps(summary, indent=2).encode(),
    )
    return summary


def _parquet(rows: list[dict], schema: pa.Schema) -> bytes:
    return parquet_bytes(pa.Table.from_pylist(rows, schema=schema))
