"""Compaction's effect on a reader: one session day written as N micro-batch files (as N batches append
them), a DuckDB scan of that day timed over the small files, then compacted into one file by the job's
compaction and scanned again. Prints JSON for tools/bench."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from finlake_glue import news
from finlake_glue.arrow_tables import arrow_schema


def scan(silver: Path, day: str, repeats: int = 3) -> float:
    """Best of `repeats`: a fresh connection each time (no cache), the day's rows aggregated."""
    glob = f"{silver}/fmp_news/session_date={day}/*.parquet"
    best = float("inf")
    for _ in range(repeats):
        con = duckdb.connect()
        t = time.perf_counter()
        con.execute(
            f"select count(*), avg(sentiment), count(distinct symbol) from read_parquet('{glob}')"
        ).fetchall()
        best = min(best, time.perf_counter() - t)
        con.close()
    return best


def main(files: int, rows_per_file: int) -> dict:
    root = Path(tempfile.mkdtemp(prefix="bench-compaction-"))
    layout = news.open_layout(str(root / "silver"))
    day = "2025-09-22"
    version = layout.silver.path(layout.version_dir(day, "seed"))
    version.mkdir(parents=True)
    schema = arrow_schema("fmp_news")
    t0 = datetime(2025, 9, 22, 13, tzinfo=UTC)
    for f in range(files):
        rows = [
            {
                "article_id": f"{f:032x}{i:032x}",
                "symbol": f"SYN{(f * rows_per_file + i) % 500:04d}",
                "published_at": t0 + timedelta(seconds=f),
                "title": f"headline {f}-{i}",
                "publisher": "Reuters",
                "site": "reuters.com",
                "url": f"https://www.reuters.com/{f}-{i}",
                "text": "x" * 200,
                "sentiment": ((f + i) % 200) / 100 - 1,
                "ingested_at": t0 + timedelta(seconds=f),
                "source_object": f"bronze/{f}.gz",
                "run_id": f"r{f}",
            }
            for i in range(rows_per_file)
        ]
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), version / f"part-r{f}.parquet")
    news.switch(layout, day, layout.version_dir(day, "seed"))
    before_files = list(version.glob("*.parquet"))
    small = scan(layout.silver.root, day)
    t = time.perf_counter()
    report = news.compact(str(layout.silver.root), "bench")["days"][day]
    compact_s = time.perf_counter() - t
    large = scan(layout.silver.root, day)
    return {
        "files_before": len(before_files),
        "bytes_before": report["bytes_before"],
        "files_after": report["files_after"],
        "bytes_after": report["bytes_after"],
        "rows": report["rows"],
        "scan_small_files_s": small,
        "scan_compacted_s": large,
        "compaction_s": compact_s,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
