"""Bronze -> silver for FMP end-of-day prices: the Glue 5.0 job, runnable unchanged on local Spark.

    python -m finlake_glue.job --dataset fmp_eod_prices --bronze_uri /lake/bronze \
        --silver_uri /lake/silver --mode window --from 2019-01-01 --to 2020-12-31 --run_id RUN

Exit status: 0 the job succeeded (rejects do not fail it: they are data, reported and kept),
1 it failed, 2 bad arguments.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pyspark.sql import DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from finlake_glue import args as job_args
from finlake_glue import bronze, debris, transform
from finlake_glue.contract import load_contract, platform
from finlake_glue.logs import configure, log

SILVER_TABLE = "fmp_eod_prices"
LOG4J = Path(__file__).with_name("log4j2.properties")
# Local runs only (see localfs/): the project's build output, absent inside a Glue job.
LOCALFS_JAR = Path(__file__).resolve().parents[2] / "localfs" / "build" / "finlake-localfs.jar"


def spark_session(run_id: str) -> SparkSession:
    """Glue's session on Glue; a local-mode session of the same Spark version elsewhere."""
    try:
        from awsglue.context import GlueContext  # type: ignore[import-not-found]
        from pyspark.context import SparkContext

        spark = GlueContext(SparkContext.getOrCreate()).spark_session
    except ImportError:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
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
            # Local mode: as many shuffle partitions as cores (AQE coalesces further).
            .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "2"))
            # A local tree of a few hundred folders lists faster on the driver than as a Spark job.
            .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "4096")
            # Commit task output straight to its final directory: fewer renames on a local disk.
            .config("spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version", "2")
            # No .crc sidecar per local file (S3 has none either); halves the files a local write makes.
            # With the shim built by `make setup`, permissions are set through NIO instead of a forked
            # `chmod` per file and directory (PySpark ships no libhadoop): ~10 ms per file saved.
            .config("spark.driver.extraClassPath", str(LOCALFS_JAR) if LOCALFS_JAR.exists() else "")
            .config(
                "spark.hadoop.fs.file.impl",
                (
                    "finlake.localfs.NioPermissionsLocalFileSystem"
                    if LOCALFS_JAR.exists()
                    else "org.apache.hadoop.fs.RawLocalFileSystem"
                ),
            )
            .config("spark.hadoop.fs.file.impl.disable.cache", "true")
            .getOrCreate()
        )
    # Only the partitions this run writes are replaced; every other month stays as it was.
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    return spark


@dataclass(frozen=True)
class Plan:
    """What one run reads and where it writes: the contracts, the chosen bronze objects, the paths."""

    wire: transform.WireContract
    rejects_columns: list[str]
    silver_path: str
    rejects_path: str
    bounds: tuple | None
    listed: list
    chosen: list


@dataclass(frozen=True)
class SilverWrite:
    """What the silver write observed as the records streamed through it (one pass, nothing cached)."""

    validated: DataFrame
    stats: dict
    reasons: dict[str, int]
    written: int
    months: list[tuple[int, int]]


def select(spark: SparkSession, a: job_args.JobArgs, logger: logging.Logger) -> Plan:
    """The contracts, the silver and rejects paths from the platform contract, and the bronze objects
    this run's mode and window choose."""
    wire = transform.WireContract.from_contracts(
        load_contract("fmp_eod_wire_row"), load_contract(SILVER_TABLE)
    )
    layout = platform()["lake"]["silver"]
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
    return Plan(
        wire=wire,
        rejects_columns=load_contract("fmp_eod_prices_rejects").column_names,
        silver_path=f"{a.silver_uri}/{layout['table'].format(table=SILVER_TABLE).rstrip('/')}",
        rejects_path=f"{a.silver_uri}/{layout['rejects'].format(table=SILVER_TABLE)}run_id={a.run_id}",
        bounds=bounds,
        listed=listed,
        chosen=chosen,
    )


def write_silver(spark: SparkSession, plan: Plan, a: job_args.JobArgs) -> SilverWrite:
    """Parse, validate and write the window's months (dynamic overwrite: only those partitions), counting
    records, valid rows, rows outside the window and each reject reason on the way."""
    wire, bounds = plan.wire, plan.bounds
    objects = bronze.read_objects(spark, plan.chosen)
    validated = transform.validate(transform.parse_objects(objects, wire), wire)
    in_window = F.col("trade_date").between(F.lit(bounds[0]), F.lit(bounds[1])) if bounds else F.lit(True)
    reason_names = transform.reason_names(wire)
    seen = Observation("validated")
    observed = validated.observe(
        seen,
        F.sum(F.when(F.col("record_index") >= 0, 1).otherwise(0)).alias("records"),
        F.sum(F.when(F.col("reject_reason").isNull(), 1).otherwise(0)).alias("valid"),
        F.sum(F.when(F.col("reject_reason").isNull() & ~in_window, 1).otherwise(0)).alias("outside"),
        *(F.sum(F.when(F.col("reject_reason") == r, 1).otherwise(0)).alias(r) for r in reason_names),
    )
    written_obs = Observation("silver_write")
    # One file per month partition, rows in key order: sensible file sizes, stable output.
    (
        transform.latest_per_key(transform.to_silver(observed, a.run_id, wire).where(in_window))
        .observe(
            written_obs,
            F.count(F.lit(1)).alias("rows"),
            # yyyymm as an integer per row (String.format per row would cost ~1 s per million), joined
            # into one string at the end: py4j hands arrays back as opaque Java objects.
            F.array_join(
                F.transform(F.collect_set(F.col("year") * 100 + F.col("month")), lambda m: m.cast("string")),
                ",",
            ).alias("months"),
        )
        .write.mode("overwrite")
        .partitionBy("year", "month")
        .parquet(plan.silver_path)
    )
    stats = seen.get
    months = sorted(divmod(int(m), 100) for m in (written_obs.get["months"] or "").split(",") if m)
    return SilverWrite(
        validated=validated,
        stats=stats,
        reasons={r: stats[r] for r in reason_names if stats[r]},
        written=written_obs.get["rows"],
        months=months,
    )


def write_rejects(spark: SparkSession, plan: Plan, silver: SilverWrite, started_at: datetime) -> None:
    """Every rejected record or object with its reason and raw text. Rejects are rare, so they take a
    second pass only when there are any; written even when empty, so a rerun under the same run id
    replaces its earlier rejects."""
    validated, reasons = silver.validated, silver.reasons
    rejects = (
        transform.record_rejects(validated)
        if reasons
        else validated.limit(0).transform(transform.record_rejects)
    )
    holders = (
        {
            r["source_object"]
            for r in rejects.where("record_index >= 0").select("source_object").distinct().collect()
        }
        if reasons
        else set()
    )
    holders_text = (
        bronze.read_objects(spark, [o for o in plan.chosen if o.key in holders]).select(
            "source_object", "text"
        )
        if holders
        else None
    )
    rejects = transform.with_raw_records(rejects, holders_text).withColumn("rejected_at", F.lit(started_at))
    rejects.select(*plan.rejects_columns).coalesce(1).write.mode("overwrite").parquet(plan.rejects_path)


def counts(silver: SilverWrite) -> dict:
    """The run summary's counts from what the silver write observed."""
    stats, reasons = silver.stats, silver.reasons
    n_valid = stats["valid"] - stats["outside"]
    return {
        "objects_rejected": sum(v for k, v in reasons.items() if k in transform.OBJECT_REASONS),
        "rows_read": stats["records"],
        "rows_valid": n_valid,
        "rows_rejected": sum(v for k, v in reasons.items() if k not in transform.OBJECT_REASONS),
        "rows_outside_window": stats["outside"],
        "duplicates_dropped": n_valid - silver.written,
        "rows_written": silver.written,
        "rejected_by_reason": dict(sorted(reasons.items())),
        "partitions_written": [f"year={y}/month={m}" for y, m in silver.months],
    }


def write_summary(spark: SparkSession, a: job_args.JobArgs, summary: dict) -> None:
    layout = platform()["lake"]["silver"]
    bronze.write_text(
        spark,
        f"{a.silver_uri}/{layout['runSummary'].format(table=SILVER_TABLE, run_id=a.run_id)}",
        json.dumps(summary, indent=2) + "\n",
    )


def run(spark: SparkSession, a: job_args.JobArgs, logger: logging.Logger) -> dict:
    """Under this run's writer lease: select -> sweep crash debris -> write silver -> write rejects -> the
    run summary (what the flow reads)."""
    # The reject rules are one CASE over ~30 conditions on aliased casts; joining the rejects to their
    # raw text makes Spark infer constraints from every alias, which grows exponentially (minutes and
    # a 2 GB heap for a 14-row test). The job filters explicitly, so inference has nothing to add.
    # A runtime SQL setting: it applies to Glue's session as to the local one.
    spark.conf.set("spark.sql.constraintPropagation.enabled", "false")
    with debris.WriterLease(spark, a.silver_uri, SILVER_TABLE, a.run_id) as lease:
        return _run(spark, a, logger, lease)


def _run(spark: SparkSession, a: job_args.JobArgs, logger: logging.Logger, lease: debris.WriterLease) -> dict:
    started = time.monotonic()
    started_at = datetime.now(UTC)
    timings: dict[str, float] = {}
    mark = time.monotonic()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        timings[name] = round(now - mark, 3)
        mark = now

    plan = select(spark, a, logger)
    # Before writing: what a killed run left in the folders this run writes (see debris.py).
    swept = debris.sweep(spark, lease, [plan.silver_path, plan.rejects_path.rsplit("/", 1)[0]])
    if swept["removed"] or swept["skipped_for_live_writers"]:
        log(logger, logging.WARNING, "crash debris", **swept)
    summary: dict = {
        "run_id": a.run_id,
        "dataset": a.dataset,
        "mode": a.mode,
        "from": str(a.date_from) if a.date_from else None,
        "to": str(a.date_to) if a.date_to else None,
        "months": [str(b) for b in plan.bounds] if plan.bounds else None,
        "objects_listed": len(plan.listed),
        "objects_read": len(plan.chosen),
        "objects_rejected": 0,
        "rows_read": 0,
        "rows_valid": 0,
        "rows_rejected": 0,
        "rows_outside_window": 0,
        "duplicates_dropped": 0,
        "rows_written": 0,
        "rejected_by_reason": {},
        "partitions_written": [],
        "silver_path": plan.silver_path,
        "rejects_path": plan.rejects_path,
        "debris_removed": swept["removed"],
    }
    if plan.chosen:
        lap("list_s")
        silver = write_silver(spark, plan, a)
        lap("parse_validate_write_s")
        write_rejects(spark, plan, silver, started_at)
        lap("rejects_s")
        summary.update(counts(silver))
    summary.update(
        status="succeeded",
        started_at=started_at.isoformat(),
        finished_at=datetime.now(UTC).isoformat(),
        duration_s=round(time.monotonic() - started, 3),
        timings=timings,
    )
    write_summary(spark, a, summary)
    log(logger, logging.INFO, "run summary", **summary)
    return summary


def main(argv: list[str]) -> int:
    try:
        a = job_args.parse(argv)
    except job_args.ArgumentError as err:
        print(f"glue-bronze-to-silver: {err}\n\n{job_args.__doc__}", file=sys.stderr)
        return 2
    logger = configure(a.run_id)
    if job_args.ENGINE[a.dataset] == "python":
        try:
            if job_args.KIND[a.dataset] == "stream" and a.dataset not in job_args.GENERATED:
                from finlake_glue import news  # the streamed dataset's Arrow path: no Spark session

                if a.mode == "compact":
                    summary = news.compact(a.silver_uri, a.run_id, silver_database=a.silver_database)
                else:
                    summary = news.transform(a.bronze_uri, a.silver_uri, a.run_id, a.mode, a.silver_database)
            else:
                # A generated source, batch or streamed: its module under finlake_glue/sources (the contract path).
                module = importlib.import_module(f"finlake_glue.sources.{a.dataset}")
                summary = module.transform(a.bronze_uri, a.silver_uri, a.run_id, a.mode)
            log(logger, logging.INFO, "run summary", **summary)
            return 0
        except Exception:
            logger.exception("job failed", extra={"fields": {"status": "failed"}})
            return 1
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
