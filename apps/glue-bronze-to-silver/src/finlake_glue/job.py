"""Bronze -> silver for FMP end-of-day prices: the Glue 5.0 job, runnable unchanged on local Spark.

    python -m finlake_glue.job --dataset fmp_eod_prices --bronze_uri /lake/bronze \
        --silver_uri /lake/silver --mode window --from 2019-01-01 --to 2020-12-31 --run_id RUN

Exit status: 0 the job succeeded (rejects do not fail it: they are data, reported and kept),
1 it failed, 2 bad arguments.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from finlake_glue import args as job_args
from finlake_glue import bronze, transform
from finlake_glue.contract import load_contract
from finlake_glue.logs import configure, log

SILVER_TABLE = "fmp_eod_prices"
LOG4J = Path(__file__).with_name("log4j2.properties")
OBJECT_REASONS = ("not_a_json_array", "invalid_json", "empty_object", "checksum_mismatch")


def spark_session(run_id: str) -> SparkSession:
    """Glue's session on Glue; a local-mode session of the same Spark version elsewhere."""
    try:
        from awsglue.context import GlueContext  # type: ignore[import-not-found]
        from pyspark.context import SparkContext

        spark = GlueContext(SparkContext.getOrCreate()).spark_session
    except ImportError:
        java_opts = f"-Dfinlake.run_id={run_id} -Dlog4j2.configurationFile=file:{LOG4J}"
        spark = (
            SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
            .appName(f"glue-bronze-to-silver:{run_id}")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            # Local mode talks to itself only: bind the driver to loopback.
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
            .config("spark.driver.extraJavaOptions", java_opts)
            .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "8"))
            .getOrCreate()
        )
    # Only the partitions this run writes are replaced; every other month stays as it was.
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    return spark


def _rejects_frame(object_rejects: DataFrame, row_rejects: DataFrame, rejected_at: datetime) -> DataFrame:
    return object_rejects.unionByName(row_rejects).withColumn("rejected_at", F.lit(rejected_at))


def run(spark: SparkSession, a: job_args.JobArgs, logger: logging.Logger) -> dict:
    started = time.monotonic()
    started_at = datetime.now(UTC)
    wire = transform.WireContract.from_contracts(
        load_contract("fmp_eod_wire_row"), load_contract(SILVER_TABLE)
    )
    rejects_contract = load_contract("fmp_eod_prices_rejects")
    silver_path = f"{a.silver_uri}/{SILVER_TABLE}"
    rejects_path = f"{a.silver_uri}/_rejects/{SILVER_TABLE}/run_id={a.run_id}"
    bounds = bronze.month_bounds(a.date_from, a.date_to) if a.mode == "window" else None

    listed = bronze.list_objects(spark, a.bronze_uri)
    chosen = bronze.select(listed, a.mode, bounds, a.symbols)
    log(
        logger,
        logging.INFO,
        "bronze objects selected",
        listed=len(listed),
        selected=len(chosen),
        mode=a.mode,
        months=[str(b) for b in bounds] if bounds else None,
    )
    summary: dict = {
        "run_id": a.run_id,
        "dataset": a.dataset,
        "mode": a.mode,
        "from": str(a.date_from) if a.date_from else None,
        "to": str(a.date_to) if a.date_to else None,
        "months": [str(b) for b in bounds] if bounds else None,
        "objects_listed": len(listed),
        "objects_read": len(chosen),
        "objects_rejected": 0,
        "rows_read": 0,
        "rows_valid": 0,
        "rows_rejected": 0,
        "rows_outside_window": 0,
        "duplicates_dropped": 0,
        "rows_written": 0,
        "rejected_by_reason": {},
        "partitions_written": [],
        "silver_path": silver_path,
        "rejects_path": rejects_path,
    }
    if chosen:
        objects = bronze.read_objects(spark, chosen).persist()
        bad_checksum = objects.where(~F.col("checksum_ok")).select(
            "source_object",
            F.lit(-1).alias("record_index"),
            F.lit(None).cast("string").alias("record"),
            F.lit("checksum_mismatch").alias("reject_reason"),
            F.col("object_symbol").alias("symbol"),
            F.lit(None).cast("date").alias("trade_date"),
        )
        records, object_rejects = transform.parse_objects(objects.where("checksum_ok"), wire)
        validated = transform.validate(records, wire).persist()
        silver_rows = transform.to_silver(validated, a.run_id, wire)
        if bounds:
            in_window = F.col("trade_date").between(F.lit(bounds[0]), F.lit(bounds[1]))
            summary["rows_outside_window"] = silver_rows.where(~in_window).count()
            silver_rows = silver_rows.where(in_window)
        valid = silver_rows.persist()
        deduped = transform.latest_per_key(valid)

        rejects = _rejects_frame(
            bad_checksum.unionByName(object_rejects), transform.record_rejects(validated), started_at
        )
        rejects = rejects.select(*[c for c in rejects_contract.column_names])
        rejects.coalesce(1).write.mode("overwrite").parquet(rejects_path)

        # One file per month partition, rows in key order: sensible file sizes, stable output.
        (
            deduped.repartition("year", "month")
            .sortWithinPartitions("symbol", "trade_date")
            .write.mode("overwrite")
            .partitionBy("year", "month")
            .parquet(silver_path)
        )
        reasons = {
            r["reject_reason"]: r["n"]
            for r in spark.read.parquet(rejects_path)
            .groupBy("reject_reason")
            .agg(F.count("*").alias("n"))
            .collect()
        }
        months = sorted((r["year"], r["month"]) for r in valid.select("year", "month").distinct().collect())
        n_valid = valid.count()
        n_written = deduped.count()
        summary.update(
            objects_rejected=sum(v for k, v in reasons.items() if k in OBJECT_REASONS),
            rows_read=records.count(),
            rows_valid=n_valid,
            rows_rejected=int(validated.where(F.col("reject_reason").isNotNull()).count()),
            duplicates_dropped=n_valid - n_written,
            rows_written=n_written,
            rejected_by_reason=dict(sorted(Counter(reasons).items())),
            partitions_written=[f"year={y}/month={m}" for y, m in months],
        )
        for df in (objects, validated, valid):
            df.unpersist()
    summary.update(
        status="succeeded",
        started_at=started_at.isoformat(),
        finished_at=datetime.now(UTC).isoformat(),
        duration_s=round(time.monotonic() - started, 3),
    )
    bronze.write_text(
        spark,
        f"{a.silver_uri}/_runs/{SILVER_TABLE}/run_id={a.run_id}.json",
        json.dumps(summary, indent=2) + "\n",
    )
    log(logger, logging.INFO, "run summary", **summary)
    return summary


def main(argv: list[str]) -> int:
    try:
        a = job_args.parse(argv)
    except job_args.ArgumentError as err:
        print(f"glue-bronze-to-silver: {err}\n\n{job_args.__doc__}", file=sys.stderr)
        return 2
    logger = configure(a.run_id)
    try:
        spark = spark_session(a.run_id)
        spark.sparkContext.setLogLevel(os.environ.get("SPARK_LOG_LEVEL", "WARN"))
        run(spark, a, logger)
        return 0
    except Exception:
        logger.exception("job failed", extra={"fields": {"status": "failed"}})
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
