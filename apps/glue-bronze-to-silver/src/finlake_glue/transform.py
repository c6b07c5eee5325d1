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
    # Silver columns stored as exact decimals (prices), by wire field: cast from the wire's text.
    decimals: tuple[tuple[str, T.DecimalType], ...] = ()

    @classmethod
    def from_contracts(cls, wire: Contract, silver: Contract) -> WireContract:
        missing = [f for f in REQUIRED_FIELDS + OPTIONAL_NUMERIC if f not in wire.column_names]
        if missing:
            raise ValueError(f"the wire contract lacks fields the transform reads: {missing}")
        silver_types = {f.name: f.dataType for f in silver.spark_schema().fields}
        return cls(
            wire_fields=tuple(wire.column_names),
            ticker_pattern=wire.schema["properties"]["symbol"]["pattern"],
            silver_columns=tuple(silver.column_names),
            decimals=tuple(
                (field, t)
                for field, col in NUMERIC.items()
                if isinstance(t := silver_types.get(col), T.DecimalType)
            ),
        )


OBJECT_REASONS = ("checksum_mismatch", "empty_object", "not_a_json_array", "invalid_json")


def parse_objects(objects: DataFrame, wire: WireContract) -> DataFrame:
    """Splits each object's JSON array into records, in one parse.

    Every field is read as text on purpose: Spark would turn a non-numeric price into a silent null;
    as text, validation can name what was wrong. An object that is not a JSON array (or whose bytes
    no longer match its sidecar checksum) becomes one record with `object_reason` set and
    record_index -1, so it is rejected as a unit and never silently skipped. The raw text of a
    rejected record is recovered afterwards (`with_raw_records`), for rejected records only.
    """
    fields = T.StructType([T.StructField(f, T.StringType()) for f in wire.wire_fields])
    records = F.from_json("text", T.ArrayType(fields))
    first_char = F.substring(F.ltrim("text"), 1, 1)
    object_reason = (
        F.when(~F.col("checksum_ok"), "checksum_mismatch")
        .when(F.length(F.trim("text")) == 0, "empty_object")
        # Spark reads a lone object as a one-element array, so look at the first byte, not the parse.
        .when(first_char != "[", "not_a_json_array")
        .when(F.col("records").isNull(), "invalid_json")
    )
    exploded = (
        objects.withColumn("records", records)
        .withColumn("object_reason", object_reason)
        .select(
            "source_object",
            "object_symbol",
            "ingested_at",
            "object_reason",
            F.posexplode_outer(F.when(F.col("object_reason").isNull(), F.col("records"))).alias("pos", "f"),
        )
        # An empty array `[]` is a valid empty answer: it explodes to one null row, dropped here.
        .where(F.col("object_reason").isNotNull() | F.col("f").isNotNull())
    )
    return exploded.select(
        "source_object",
        "object_symbol",
        "ingested_at",
        "object_reason",
        F.coalesce("pos", F.lit(-1)).alias("record_index"),
        "f.*",
    )


def with_raw_records(rejects: DataFrame, holders_text: DataFrame | None) -> DataFrame:
    """Adds each rejected record's raw JSON text, from the text of the objects that hold rejects.

    `holders_text` has (source_object, text) for those objects only (None when no record was
    rejected), so the raw text costs a re-read of the few objects with rejects, not of all bronze.
    """
    if holders_text is None:
        return rejects.withColumn("record", F.lit(None).cast("string"))
    raw = holders_text.select("source_object", F.from_json("text", T.ArrayType(T.StringType())).alias("raw"))
    return (
        rejects.join(F.broadcast(raw), "source_object", "left")
        .withColumn(
            "record",
            F.when(F.col("record_index") >= 0, F.element_at("raw", F.col("record_index") + 1)),
        )
        .drop("raw")
    )


NUMERIC = {
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "volume": "volume",
    "vwap": "vwap",
    "change": "change",
    "changePercent": "change_percent",
}


def typed(records: DataFrame, wire: WireContract) -> DataFrame:
    """Adds each field cast once (`n_<column>`, `n_trade_date`), so rules and output reuse the casts.

    A field silver stores as a decimal is cast from the wire's text to that decimal (exact: FMP's
    digits, never a binary double in between), and the rules check the value silver will hold. The
    double cast stays to tell text that is not a number from a number too large for the decimal.
    """
    casts = {f"n_{col}": F.col(field).cast("double") for field, col in NUMERIC.items()}
    casts |= {f"d_{NUMERIC[field]}": F.col(field).cast(t) for field, t in wire.decimals}
    # A plain cast (no formatter per row); the `invalid_date` rule pins the text to YYYY-MM-DD first, and
    # an impossible date (2021-02-30) casts to null.
    casts["n_trade_date"] = F.col("date").cast("date")
    return records.withColumns(casts)


def _is_non_numeric(field: str) -> Column:
    v = F.col(f"n_{NUMERIC[field]}")
    return F.col(field).isNotNull() & (v.isNull() | F.isnan(v) | (F.abs(v) == float("inf")))


def _rules(wire: WireContract) -> list[tuple[Column, str]]:
    """The record rules in the order they are checked, each with its reject reason."""
    stored = {field: F.col(f"d_{NUMERIC[field]}") for field, _ in wire.decimals}
    o, h, low, c = (stored.get(f, F.col(f"n_{f}")) for f in PRICE_FIELDS)
    vol = F.col("n_volume")
    rules: list[tuple[Column, str]] = [(F.col(f).isNull(), f"missing_{f}") for f in REQUIRED_FIELDS]
    rules += [
        (~F.col("symbol").rlike(wire.ticker_pattern), "invalid_symbol"),
        (F.col("symbol") != F.col("object_symbol"), "symbol_mismatch"),
        (~F.col("date").rlike(r"^\d{4}-\d{2}-\d{2}$") | F.col("n_trade_date").isNull(), "invalid_date"),
    ]
    rules += [(_is_non_numeric(f), f"non_numeric_{f}") for f in (*PRICE_FIELDS, "volume", *OPTIONAL_NUMERIC)]
    # A number the decimal cannot hold (beyond its integer digits) would otherwise become a silent null.
    rules += [(F.col(f).isNotNull() & d.isNull(), f"out_of_range_{f}") for f, d in stored.items()]
    rules += [
        ((o <= 0) | (h <= 0) | (low <= 0) | (c <= 0), "non_positive_price"),
        (h < low, "high_below_low"),
        (h < F.greatest(o, c), "high_below_open_or_close"),
        (low > F.least(o, c), "low_above_open_or_close"),
        ((vol < 0) | (vol != F.floor(vol)) | (vol > BIGINT_MAX), "invalid_volume"),
    ]
    return rules


def reason_names(wire: WireContract) -> list[str]:
    """Every reason a record or object can be rejected for."""
    return [*OBJECT_REASONS, *dict.fromkeys(name for _, name in _rules(wire))]


def reject_reason(wire: WireContract) -> Column:
    """The first rule a record breaks, by name; null when it passes them all. Expects `typed` columns."""
    rules = _rules(wire)
    expr = F.when(rules[0][0], rules[0][1])
    for cond, name in rules[1:]:
        expr = expr.when(cond, name)
    return expr


def validate(records: DataFrame, wire: WireContract) -> DataFrame:
    """One slim row per record: typed values and `reject_reason` (the object's reason first, else
    the first rule broken)."""
    t = typed(records, wire)
    reason = F.coalesce(F.col("object_reason"), reject_reason(wire))
    return t.withColumn("reject_reason", reason).select(
        "source_object",
        "ingested_at",
        "record_index",
        F.coalesce(F.col("symbol"), F.col("object_symbol")).alias("symbol"),
        F.col("n_trade_date").alias("trade_date"),
        *(F.col(f"n_{c}") for c in NUMERIC.values()),
        *(F.col(f"d_{NUMERIC[f]}") for f, _ in wire.decimals),
        "reject_reason",
    )


def record_rejects(validated: DataFrame) -> DataFrame:
    return validated.where(F.col("reject_reason").isNotNull()).select(
        "source_object", "record_index", "reject_reason", "symbol", "trade_date"
    )


def to_silver(validated: DataFrame, run_id: str, wire: WireContract) -> DataFrame:
    """Typed silver rows with their year/month partition columns, in the contract's column order."""
    stored = {NUMERIC[f] for f, _ in wire.decimals}

    def value(c: str) -> Column:
        return F.col(f"d_{c}" if c in stored else f"n_{c}").alias(c)

    rows = validated.where(F.col("reject_reason").isNull()).select(
        "symbol",
        "trade_date",
        *(value(c) for c in ("open", "high", "low", "close")),
        F.col("n_volume").cast("bigint").alias("volume"),
        *(value(c) for c in ("vwap", "change", "change_percent")),
        "source_object",
        "ingested_at",
        F.lit(run_id).alias("run_id"),
    )
    return rows.select(*wire.silver_columns).withColumns(
        {"year": F.year("trade_date"), "month": F.month("trade_date")}
    )


def latest_per_key(silver: DataFrame) -> DataFrame:
    """One row per (symbol, trade_date), the most recently fetched (ties: the later object key),
    hash-partitioned by (year, month) in key order, ready to write one file per month.

    One shuffle does both: the key determines its month, so duplicates already share a partition
    and the window needs only a local sort.
    """
    w = Window.partitionBy("year", "month", "symbol", "trade_date").orderBy(
        F.desc("ingested_at"), F.desc("source_object")
    )
    return (
        silver.repartition("year", "month")
        .withColumn("_rank", F.row_number().over(w))
        .where("_rank = 1")
        .drop("_rank")
        .sortWithinPartitions("year", "month", "symbol", "trade_date")
    )
