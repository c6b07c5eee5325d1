"""The Arrow side of the contracts, for the job's Arrow paths (the news stream, generated batch sources):
a table's Arrow schema from its contract, and Parquet to and from bytes (zones store bytes)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from finlake_glue.contract import load_contract

TYPES = {
    "string": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "double": pa.float64(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}


def arrow_schema(name: str) -> pa.Schema:
    """The contract's stored columns (partition columns live in the path), typed and with their nullability."""
    c = load_contract(name)
    return pa.schema([pa.field(col.name, TYPES[col.sql_type], nullable=col.nullable) for col in c.columns])


def parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def read_parquet(data: bytes, columns: list[str] | None = None) -> pa.Table:
    return pq.read_table(pa.BufferReader(data), columns=columns)
