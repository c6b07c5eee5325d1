"""The same bronze-to-silver transform in DuckDB, as the performance baseline for the Spark job.

Same input files, same rules (a reason per rejected row), same latest-fetch dedupe, same
year/month-partitioned Parquet output. Used by tools/bench only: the platform's transform is the
PySpark job (one implementation on Glue and locally).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from finlake_glue.bronze import DATASET_PREFIX

PRICES = ("open", "high", "low", "close")
# As the silver contract types them: prices exact decimals from the JSON text, the rest doubles.
PRICE_TYPE = "decimal(18,6)"
DECIMALS = (*PRICES, "vwap", "change")


def _num(c: str) -> str:
    return f"try_cast({c} as double)"


def _stored(c: str) -> str:
    return f"try_cast({c} as {PRICE_TYPE})" if c in DECIMALS else _num(c)


def _non_numeric(c: str) -> str:
    return f"({c} is not null and (try_cast({c} as double) is null or isnan(try_cast({c} as double)) or isinf(try_cast({c} as double))))"


def reason_sql(ticker_pattern: str) -> str:
    o, h, low, c = (_stored(x) for x in PRICES)
    v = _num("volume")
    rules = [(f"{f} is null", f"missing_{f}") for f in ("symbol", "date", *PRICES, "volume")]
    rules += [
        (f"not regexp_full_match(symbol, '{ticker_pattern.strip('^$')}')", "invalid_symbol"),
        ("symbol <> object_symbol", "symbol_mismatch"),
        (
            "try_strptime(date, '%Y-%m-%d') is null or not regexp_full_match(date, '\\d{4}-\\d{2}-\\d{2}')",
            "invalid_date",
        ),
    ]
    rules += [
        (_non_numeric(f), f"non_numeric_{f}") for f in (*PRICES, "volume", "vwap", "change", "changePercent")
    ]
    rules += [(f"{f} is not null and {_stored(f)} is null", f"out_of_range_{f}") for f in DECIMALS]
    rules += [
        (f"{o} <= 0 or {h} <= 0 or {low} <= 0 or {c} <= 0", "non_positive_price"),
        (f"{h} < {low}", "high_below_low"),
        (f"{h} < greatest({o}, {c})", "high_below_open_or_close"),
        (f"{low} > least({o}, {c})", "low_above_open_or_close"),
        (f"{v} < 0 or {v} <> floor({v}) or {v} > 9.2e18", "invalid_volume"),
    ]
    return "case " + " ".join(f"when {cond} then '{name}'" for cond, name in rules) + " end"


def transform(bronze: Path, silver: Path, run_id: str, ticker_pattern: str) -> dict:
    silver.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set threads to 2")
    glob = f"{bronze}/{DATASET_PREFIX}/**/*.json"
    cols = {f: "VARCHAR" for f in ("symbol", "date", *PRICES, "volume", "change", "changePercent", "vwap")}
    con.execute(
        f"""
        create temp table records as
        select *, regexp_extract(filename, '({DATASET_PREFIX}/.*)$', 1) as source_object,
               regexp_extract(filename, 'symbol=([^/]+)/', 1) as object_symbol
        from read_json(?, format='array', columns={cols!r}, filename=true)
        """,
        [glob],
    )
    con.execute(
        f"""
        create temp table meta as
        select regexp_extract(filename, '({DATASET_PREFIX}/.*)\\.meta$', 1) as source_object,
               cast(fetched_at as timestamptz) as ingested_at
        from read_json(?, columns={{'fetched_at': 'VARCHAR'}}, filename=true)
        """,
        [f"{bronze}/{DATASET_PREFIX}/**/*.json.meta"],
    )
    con.execute(
        f"create temp table validated as select r.*, m.ingested_at, {reason_sql(ticker_pattern)} as reject_reason from records r left join meta m using (source_object)"
    )
    rejected = con.execute("select count(*) from validated where reject_reason is not null").fetchone()[0]
    con.execute(
        f"""
        copy (
          select symbol, cast(date as date) as trade_date,
                 {_stored('open')} as open, {_stored('high')} as high, {_stored('low')} as low,
                 {_stored('close')} as close, cast({_num('volume')} as bigint) as volume,
                 {_stored('vwap')} as vwap, {_stored('change')} as change,
                 {_num('changePercent')} as change_percent, source_object, ingested_at, '{run_id}' as run_id,
                 year(cast(date as date)) as year, month(cast(date as date)) as month
          from validated where reject_reason is null
          qualify row_number() over (partition by symbol, date order by ingested_at desc, source_object desc) = 1
          order by symbol, trade_date
        ) to '{silver}' (format parquet, partition_by (year, month), overwrite_or_ignore)
        """
    )
    written = con.execute(f"select count(*) from read_parquet('{silver}/**/*.parquet')").fetchone()[0]
    read = con.execute("select count(*) from records").fetchone()[0]
    return {"rows_read": read, "rows_rejected": rejected, "rows_written": written}
