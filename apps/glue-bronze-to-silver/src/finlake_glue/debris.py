"""What a killed Spark write leaves in silver, and when it is safe to remove.

A write killed mid-way (SIGKILL, a lost executor, a Glue timeout) leaves `.spark-staging-<uuid>/` (dynamic
partition overwrite) or `_temporary/` inside the table's folder, with truncated Parquet files in it: any
reader that globs the folder fails, and on S3 the objects stay and cost. The next run sweeps them, but only
when no other writer of the table is alive, since a live writer's staging folder looks the same. Writers
announce themselves with a heartbeat lease (the contract's `lake.silver.writerLease`), rewritten every
HEARTBEAT_S; a lease older than STALE_S belongs to a dead run and is swept with the debris.
"""

from __future__ import annotations

import threading
import time

from pyspark.sql import SparkSession

from finlake_glue.bronze import hadoop_fs
from finlake_glue.contract import platform

HEARTBEAT_S = 10.0
STALE_S = 60.0
DEBRIS_PREFIXES = (".spark-staging-", "_temporary")


def _children(spark: SparkSession, uri: str) -> list:
    path, fs = hadoop_fs(spark, uri)
    return list(fs.listStatus(path)) if fs.exists(path) else []


class WriterLease:
    """This run's lease on the table, kept fresh by a thread while the run lives; removed on exit."""

    def __init__(self, spark: SparkSession, silver_uri: str, table: str, run_id: str,
                 heartbeat_s: float = HEARTBEAT_S, stale_s: float = STALE_S):  # fmt: skip
        layout = platform()["lake"]["silver"]["writerLease"]
        self.spark, self.heartbeat_s, self.stale_s = spark, heartbeat_s, stale_s
        self.uri = f"{silver_uri}/{layout.format(table=table, run_id=run_id)}"
        self.folder, self.name = self.uri.rsplit("/", 1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="writer-lease", daemon=True)

    def _touch(self) -> None:
        path, fs = hadoop_fs(self.spark, self.uri)
        out = fs.create(path, True)
        out.write(bytearray(str(time.time()).encode()))
        out.close()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            self._touch()

    def __enter__(self) -> WriterLease:
        self._touch()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(self.heartbeat_s + 5)
        path, fs = hadoop_fs(self.spark, self.uri)
        fs.delete(path, False)

    def others(self) -> tuple[list[str], list[str]]:
        """(live, stale) leases of other runs of this table."""
        now_ms, live, stale = time.time() * 1000, [], []
        for st in _children(self.spark, self.folder):
            name = st.getPath().getName()
            if name == self.name or name.startswith("."):  # its own, or a filesystem's checksum file
                continue
            (live if now_ms - st.getModificationTime() < self.stale_s * 1000 else stale).append(name)
        return live, stale


def sweep(spark: SparkSession, lease: WriterLease, folders: list[str]) -> dict:
    """Removes crash debris directly under each folder (and stale leases), unless another writer lives."""
    live, stale = lease.others()
    if live:
        return {"skipped_for_live_writers": sorted(live), "removed": []}
    removed = []
    for folder in folders:
        for st in _children(spark, folder):
            if st.isDirectory() and st.getPath().getName().startswith(DEBRIS_PREFIXES):
                path, fs = hadoop_fs(spark, st.getPath().toString())
                fs.delete(path, True)
                removed.append(st.getPath().toString())
    for name in stale:
        path, fs = hadoop_fs(spark, f"{lease.folder}/{name}")
        fs.delete(path, False)
    return {"skipped_for_live_writers": [], "removed": sorted(removed), "stale_leases": sorted(stale)}
