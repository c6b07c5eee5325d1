"""The bronze-to-silver transform for FMP end-of-day prices, as pure DataFrame functions.

Input: one row per bronze object (its URI, key, symbol and full text). Output: typed, validated
silver rows and rejects with a named reason. Nothing is dropped silently: every record ends in
silver, in rejects, or (window mode) in the counted `outside_window` set of rows that belong to
partitions this run does not rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.window import Window

from finlake_glue.contract import Contract

PRICE_FIELDS = ("open", "high", "low", "close")
REQUIRED_FIELDS = ("symbol", "date", *PRICE_FIELDS, "volume")
OPTIONAL_NUMERIC = ("vwap", "change", "changePercent")
BIGINT_MAX = 9.223372036854775e18


@dataclass(frozen=True)
class WireContract:
    """What the transform needs from the generated contracts (libs/schemas)."""

    wire_fields: tuple[str, ...]
    ticker_pattern: str
    silver_columns: tuple[str, ...]

    @classmethod
    def from_contracts(cls, wire: Contract, silver: Contract) -> WireContract:
        missing = [f for f in REQUIRED_FIELDS + OPTIONAL_NUMERIC if f not in wire.column_names]
        if missing:
            raise ValueError(f"the wire contract lacks fields the transform reads: {missing}")
        return cls(
            wire_fields=tuple(wire.column_names),
            ticker_pattern=wire.schema["properties"]["symbol"]["pattern"],
            silver_columns=tuple(silver.column_names),
        )


def parse_objects(objects: DataFrame, wire: WireContract) -> tuple[DataFrame, DataFrame]:
    """Splits each object's JSON array into records (raw text + every field as text).

    Fields are read as strings on purpose: Spark would turn a non-numeric price into a silent
    null; as text, validation can name what was wrong. Returns (records, object_rejects).
    """
    arr = F.from_json("text", T.ArrayType(T.StringType()))
    parsed = objects.withColumn("records", arr)
    first_char = F.substring(F.ltrim("text"), 1, 1)
    object_rejects = parsed.where(F.col("records").isNull()).select(
        "source_object",
        F.lit(-1).alias("record_index"),
        F.lit(None).cast("string").alias("record"),
        F.when(first_char == "{", "not_a_json_array")
        .when(F.length(F.trim("text")) == 0, "empty_object")
        .otherwise("invalid_json")
        .alias("reject_reason"),
        F.col("object_symbol").alias("symbol"),
        F.lit(None).cast("date").alias("trade_date"),
    )
    fields = T.StructType([T.StructField(f, T.StringType()) for f in wire.wire_fields])
    records = (
        parsed.where(F.col("records").isNotNull())
        .select(
            "source_object",
            "object_symbol",
            "ingested_at",
            F.posexplode("records").alias("record_index", "record"),
        )
        .withColumn("f", F.from_json("record", fields))
        .select("source_object", "object_symbol", "ingested_at", "record_index", "record", "f.*")
    )
    return records, object_rejects


def _numeric(name: str) -> Column:
    return F.col(name).cast("double")


def _is_non_numeric(name: str) -> Column:
    v = _numeric(name)
    return F.col(name).isNotNull() & (v.isNull() | F.isnan(v) | (F.abs(v) == float("inf")))


def reject_reason(wire: WireContract) -> Column:
    """The first rule a record breaks, by name; null when it passes them all."""
    o, h, low, c, vol = (_numeric(n) for n in (*PRICE_FIELDS, "volume"))
    rules: list[tuple[Column, str]] = [(F.col(f).isNull(), f"missing_{f}") for f in REQUIRED_FIELDS]
    rules += [
        (~F.col("symbol").rlike(wire.ticker_pattern), "invalid_symbol"),
        (F.col("symbol") != F.col("object_symbol"), "symbol_mismatch"),
        (
            ~F.col("date").rlike(r"^\d{4}-\d{2}-\d{2}$") | F.to_date("date", "yyyy-MM-dd").isNull(),
            "invalid_date",
        ),
    ]
    rules += [(_is_non_numeric(f), f"non_numeric_{f}") for f in (*PRICE_FIELDS, "volume", *OPTIONAL_NUMERIC)]
    rules += [
        ((o <= 0) | (h <= 0) | (low <= 0) | (c <= 0), "non_positive_price"),
        (h < low, "high_below_low"),
        (h < F.greatest(o, c), "high_below_open_or_close"),
        (low > F.least(o, c), "low_above_open_or_close"),
        ((vol < 0) | (vol != F.floor(vol)) | (vol > BIGINT_MAX), "invalid_volume"),
    ]
    expr = F.when(rules[0][0], rules[0][1])
    for cond, name in rules[1:]:
        expr = expr.when(cond, name)
    return expr


def validate(records: DataFrame, wire: WireContract) -> DataFrame:
    return records.withColumn("reject_reason", reject_reason(wire))


def record_rejects(validated: DataFrame) -> DataFrame:
    return validated.where(F.col("reject_reason").isNotNull()).select(
        "source_object",
        "record_index",
        "record",
        "reject_reason",
        F.coalesce(F.col("symbol"), F.col("object_symbol")).alias("symbol"),
        F.to_date("date", "yyyy-MM-dd").alias("trade_date"),
    )


def to_silver(validated: DataFrame, run_id: str, wire: WireContract) -> DataFrame:
    """Typed silver rows with their year/month partition columns, in the contract's column order."""
    rows = validated.where(F.col("reject_reason").isNull()).select(
        F.col("symbol"),
        F.to_date("date", "yyyy-MM-dd").alias("trade_date"),
        *(_numeric(f).alias(f) for f in PRICE_FIELDS),
        _numeric("volume").cast("bigint").alias("volume"),
        _numeric("vwap").alias("vwap"),
        _numeric("change").alias("change"),
        _numeric("changePercent").alias("change_percent"),
        F.col("source_object"),
        F.col("ingested_at"),
        F.lit(run_id).alias("run_id"),
    )
    return rows.select(*wire.silver_columns).withColumns(
        {"year": F.year("trade_date"), "month": F.month("trade_date")}
    )


def latest_per_key(silver: DataFrame) -> DataFrame:
    """One row per (symbol, trade_date): the most recently fetched wins (ties: the later object key)."""
    w = Window.partitionBy("symbol", "trade_date").orderBy(F.desc("ingested_at"), F.desc("source_object"))
    return silver.withColumn("_rank", F.row_number().over(w)).where("_rank = 1").drop("_rank")
