"""Times the Spark job against the DuckDB baseline on the same bronze files; prints one JSON object.

    python bench_transform.py --bronze DIR --work DIR --label 100k

Spark is timed on a warm session (the JVM start is reported on its own line: on Glue it is paid
once per job, not per row); DuckDB in-process. Both write the same partitioned Parquet.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import duckdb
from duckdb_baseline import transform as duckdb_transform

from finlake_glue import args as job_args
from finlake_glue.contract import load_contract
from finlake_glue.job import run, spark_session
from finlake_glue.logs import configure


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bronze", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--label", required=True)
    a = p.parse_args()
    work = Path(a.work)
    pattern = load_contract("fmp_eod_wire_row").schema["properties"]["symbol"]["pattern"]

    def fresh(name: str) -> Path:
        shutil.rmtree(work / name, ignore_errors=True)
        (work / name).mkdir(parents=True)
        return work / name

    duck_times = []
    for _ in range(2):
        out = fresh("duckdb")
        t0 = time.perf_counter()
        duck = duckdb_transform(Path(a.bronze), out / "fmp_eod_prices", "bench", pattern)
        duck_times.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    spark = spark_session("bench")
    spark.sparkContext.setLogLevel("ERROR")
    startup_s = time.perf_counter() - t0
    logger = configure("bench")
    logger.setLevel("WARNING")
    spark_times, timings = [], []
    for _ in range(2):  # cold: the first job of a fresh JVM (as on Glue); warm: the same job again
        out = fresh("spark")
        args = job_args.parse(
            [
                "--dataset",
                "fmp_eod_prices",
                "--bronze_uri",
                a.bronze,
                "--silver_uri",
                str(out),
                "--run_id",
                "bench",
                "--mode",
                "full",
            ]
        )
        t0 = time.perf_counter()
        summary = run(spark, args, logger)
        spark_times.append(time.perf_counter() - t0)
        timings.append(summary["timings"])
    spark.stop()
    # The two implementations must agree row for row on what silver holds, or the timing means nothing.
    cols = "symbol, trade_date, open, high, low, close, volume, vwap, change, change_percent, source_object"
    read = "read_parquet('{}/fmp_eod_prices/**/*.parquet', hive_partitioning = true)"
    con = duckdb.connect()
    differ = con.execute(
        f"""select (select count(*) from (select {cols} from {read.format(work / 'spark')}
                    except all select {cols} from {read.format(work / 'duckdb')})),
                   (select count(*) from (select {cols} from {read.format(work / 'duckdb')}
                    except all select {cols} from {read.format(work / 'spark')}))"""
    ).fetchone()
    print(
        json.dumps(
            {
                "label": a.label,
                "rows": duck["rows_read"],
                "duckdb_cold_s": round(duck_times[0], 3),
                "duckdb_warm_s": round(duck_times[1], 3),
                "spark_cold_s": round(spark_times[0], 3),
                "spark_warm_s": round(spark_times[1], 3),
                "spark_startup_s": round(startup_s, 3),
                "spark_timings": timings,
                "duckdb_rows": duck,
                "spark_rows": {k: summary[k] for k in ("rows_read", "rows_rejected", "rows_written")},
                "rows_only_in_spark": differ[0],
                "rows_only_in_duckdb": differ[1],
            }
        )
    )


if __name__ == "__main__":
    main()
