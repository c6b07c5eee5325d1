"""Finding and reading bronze objects, through Hadoop's FileSystem so the same code lists s3:// on
Glue and file:// locally."""

from __future__ import annotations

import json
import re
from calendar import monthrange
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from finlake_glue.contract import source_dataset

# The bronze layout is the platform contract's (the connector writes it, infra's policies cover it).
DATASET_PREFIX = source_dataset("fmp_eod_prices")["bronze_prefix"].rstrip("/")
OBJECT_NAME = re.compile(r"^(?P<symbol>.+)_(?P<from>\d{4}-\d{2}-\d{2})_(?P<to>\d{4}-\d{2}-\d{2})\.json$")
KEY_IN_URI = rf"^.*?/({re.escape(DATASET_PREFIX)}/.*)$"


@dataclass(frozen=True)
class BronzeObject:
    uri: str
    key: str
    symbol: str | None
    window_from: date | None
    window_to: date | None
    has_meta: bool


def hadoop_fs(spark: SparkSession, uri: str):
    """(Hadoop Path, its FileSystem) for a URI: local files, and S3 on Glue."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path, path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def list_objects(spark: SparkSession, bronze_uri: str) -> list[BronzeObject]:
    """Every data object (`*.json`) under the dataset prefix. Spark's file index lists the tree in
    one call (in parallel for large trees) and skips hidden `.tmp-*` files; sidecars are not data."""
    root = f"{bronze_uri}/{DATASET_PREFIX}"
    path, fs = hadoop_fs(spark, root)
    if not fs.exists(path):
        return []
    # Spark hands back URIs, percent-encoded (^GSPC -> %5EGSPC); the readers want plain paths.
    files = {unquote(u) for u in spark.read.option("recursiveFileLookup", "true").text(root).inputFiles()}
    out = []
    for uri in sorted(files):
        if not uri.endswith(".json"):
            continue
        key = uri[uri.index(DATASET_PREFIX) :]
        name = key.rsplit("/", 1)[-1]
        symbol = next((s[len("symbol=") :] for s in key.split("/") if s.startswith("symbol=")), None)
        m = OBJECT_NAME.match(name)
        out.append(
            BronzeObject(
                uri=uri,
                key=key,
                symbol=symbol,
                window_from=date.fromisoformat(m["from"]) if m else None,
                window_to=date.fromisoformat(m["to"]) if m else None,
                has_meta=f"{uri}.meta" in files,
            )
        )
    return out


def month_bounds(date_from: date, date_to: date) -> tuple[date, date]:
    """The window widened to whole months: silver partitions are months, rewritten whole."""
    last = monthrange(date_to.year, date_to.month)[1]
    return date_from.replace(day=1), date_to.replace(day=last)


def select(
    objects: list[BronzeObject], mode: str, bounds: tuple[date, date] | None, symbols: tuple[str, ...]
) -> list[BronzeObject]:
    """Objects whose window overlaps the month bounds (all in full mode); an object whose name does
    not carry its window is always read, so it is never missed."""
    chosen = []
    for o in objects:
        if symbols and o.symbol not in symbols:
            continue
        if mode == "window" and bounds and o.window_from and o.window_to:
            if o.window_to < bounds[0] or o.window_from > bounds[1]:
                continue
        chosen.append(o)
    return chosen


def read_objects(spark: SparkSession, objects: list[BronzeObject]) -> DataFrame:
    """One row per object: source_object (its key), object_symbol, ingested_at, text, and whether its
    bytes still match the sidecar's sha256."""
    text = (
        spark.read.text([o.uri for o in objects], wholetext=True)
        .select(
            F.regexp_extract(F.url_decode(F.col("_metadata.file_path")), KEY_IN_URI, 1).alias(
                "source_object"
            ),
            F.col("_metadata.file_modification_time").alias("modified_at"),
            F.col("value").alias("text"),
        )
        .withColumn("object_symbol", F.regexp_extract("source_object", r"(?:^|/)symbol=([^/]+)/", 1))
    )
    # Sidecars are tiny: read them on the driver (in parallel) and broadcast, rather than run a
    # Spark read and a join for a few hundred bytes per object.
    metas = read_sidecars(spark, [o for o in objects if o.has_meta])
    meta = (
        spark.createDataFrame(
            [(k, v.get("fetched_at"), v.get("sha256")) for k, v in metas.items()],
            "source_object string, fetched_at_text string, sha256 string",
        )
        .withColumn("fetched_at", F.to_timestamp("fetched_at_text"))
        .drop("fetched_at_text")
    )
    text = text.join(F.broadcast(meta), "source_object", "left")
    # The fetch time from the sidecar; a bronze object without one falls back to its write time.
    return text.withColumns(
        {
            "ingested_at": F.coalesce("fetched_at", "modified_at"),
            "checksum_ok": F.col("sha256").isNull()
            | (F.sha2(F.encode("text", "UTF-8"), 256) == F.col("sha256")),
        }
    ).drop("fetched_at", "modified_at")


def read_sidecars(spark: SparkSession, objects: list[BronzeObject]) -> dict[str, dict]:
    """The `.meta` sidecar of each object, by object key; a sidecar that is not valid JSON counts as
    missing (the object then falls back to its write time, and its checksum is not verified)."""

    def one(o: BronzeObject) -> tuple[str, dict]:
        try:
            doc = json.loads(read_text(spark, f"{o.uri}.meta"))
            return o.key, doc if isinstance(doc, dict) else {}
        except ValueError:
            return o.key, {}

    with ThreadPoolExecutor(max_workers=16) as pool:
        return dict(pool.map(one, objects))


def read_text(spark: SparkSession, uri: str) -> str:
    """A small file's text through Hadoop FS (s3:// on Glue, file:// locally)."""
    if uri.startswith("file:"):
        return Path(uri.removeprefix("file://").removeprefix("file:")).read_text(encoding="utf-8")
    path, fs = hadoop_fs(spark, uri)
    stream = fs.open(path)
    try:
        jvm = spark.sparkContext._jvm
        return jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


def write_text(spark: SparkSession, uri: str, text: str) -> None:
    """Writes a small text file through Hadoop FS (local: temp + rename; S3: one PUT)."""
    path, fs = hadoop_fs(spark, uri)
    jvm = spark.sparkContext._jvm
    tmp = jvm.org.apache.hadoop.fs.Path(f"{uri}.tmp")
    is_local = uri.startswith("file:")
    target = tmp if is_local else path
    out = fs.create(target, True)
    try:
        out.write(bytearray(text.encode("utf-8")))
    finally:
        out.close()
    if is_local:
        fs.delete(path, False)
        fs.rename(tmp, path)
