"""Bronze -> silver for the streamed FMP news, and the compaction of its days. Arrow, not Spark: a few
thousand small records a day do not pay for a Spark session (the same package runs it as the Glue job's
`--dataset fmp_news` and locally).

    python -m finlake_glue.job --dataset fmp_news --bronze_uri /lake/bronze --silver_uri /lake/silver --run_id R
    python -m finlake_glue.news compact --silver_uri /lake/silver --run_id R [--days 2025-09-22,...]

Each micro-batch takes the Firehose objects no earlier batch consumed, validates every record against the
contract (a failure is a reject with a named reason, never a drop), derives the trading session and a
sentiment score, drops articles silver already holds (article_id), and appends one file per touched
session day to that day's current version. Compaction rewrites a day's files into one file in a new
version and switches the day's pointer; readers see the old version or the new, never a mix:

    silver/fmp_news/session_date=D            -> a symlink to the day's current version (locally)
    Glue partition fmp_news(session_date=D)    .Location = the day's current version (on S3, news_store)
    silver/_versions/fmp_news/session_date=D/v=<version>/part-<run>.parquet

A batch is committed by its ledger entry (the contract's `silver.streamBatches`: the bronze keys it consumed),
written last: a killed batch left files named for its run, which its rerun replaces and any other batch's
dedupe already counts, so nothing is lost or doubled.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa

from finlake_glue import args as job_args
from finlake_glue import news_store, sessions
from finlake_glue.arrow_tables import arrow_schema, parquet_bytes, read_parquet
from finlake_glue.contract import load_contract, platform, source_dataset
from finlake_glue.news_store import DayPointers, Zone

TABLE = "fmp_news"
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ARTICLE_ID = re.compile(r"^[0-9a-f]{64}$")
URL = re.compile(r"^https?://[^\s/]+\.[^\s/]+(/\S*)?$")


@dataclass(frozen=True)
class Layout:
    """The news table's keys in its zones (the platform contract's templates), and its day pointers."""

    silver: Zone
    pointers: DayPointers
    bronze: Zone | None = None  # compaction reads silver only

    @property
    def landing(self) -> str:
        return source_dataset(TABLE)["bronze_prefix"]

    @property
    def table(self) -> str:
        return platform()["lake"]["silver"]["table"].format(table=TABLE)

    def version_dir(self, day: str, version: str) -> str:
        return platform()["lake"]["silver"]["partitionVersion"].format(
            table=TABLE, partition=f"session_date={day}", version=version
        )

    def batch_doc(self, run_id: str) -> str:
        return platform()["lake"]["silver"]["streamBatches"].format(table=TABLE, name=run_id)

    def rejects(self, run_id: str) -> str:
        return platform()["lake"]["silver"]["rejects"].format(table=TABLE) + f"run_id={run_id}/"

    def summary(self, run_id: str) -> str:
        return platform()["lake"]["silver"]["runSummary"].format(table=TABLE, run_id=run_id)

    def lock(self) -> str:
        return platform()["lake"]["silver"]["writerLease"].format(table=TABLE, run_id="lock")


def open_layout(silver_uri: str, bronze_uri: str | None = None, silver_database: str | None = None) -> Layout:
    """Local paths: symlinked days. S3: the Glue catalog's partitions of `<silver_database>.fmp_news`."""
    silver = news_store.open_zone(silver_uri)
    bronze = news_store.open_zone(bronze_uri) if bronze_uri else None
    if isinstance(silver, news_store.LocalZone):
        return Layout(
            silver,
            news_store.SymlinkPointers(silver, platform()["lake"]["silver"]["table"].format(table=TABLE)),
            bronze,
        )
    if not silver_database:
        raise ValueError(
            f"{TABLE} on S3 needs --silver_database: its days are the Glue partitions' locations"
        )
    glue = news_store.client("glue")
    return Layout(silver, news_store.GluePartitionPointers(glue, silver, silver_database, TABLE), bronze)


def _read_parquet(zone: Zone, key: str, columns: list[str] | None = None) -> pa.Table:
    return read_parquet(zone.get(key) or b"", columns)


@contextmanager
def writer_lock(layout: Layout, run_id: str, stale_after_s: float = 3600) -> Iterator[None]:
    """One writer of the table at a time (a micro-batch and a compaction must not interleave on a day)."""
    with news_store.writer_lock(layout.silver, layout.lock(), run_id, TABLE, stale_after_s):
        yield


# --- reading and validating -------------------------------------------------------------------------


def consumed_keys(layout: Layout) -> set[str]:
    """Every bronze object an earlier committed batch consumed."""
    folder = layout.batch_doc("x").rsplit("/", 1)[0] + "/"
    keys: set[str] = set()
    for key in layout.silver.keys(folder):
        if key.endswith(".json"):
            keys.update(json.loads(layout.silver.get(key) or b"{}")["bronze_objects"])
    return keys


def landed_objects(layout: Layout) -> list[str]:
    """Firehose's objects (`*.gz`) under the dataset's landing prefix, as bronze keys, in key order."""
    assert layout.bronze is not None, "reading bronze needs a layout with its bronze zone"
    return [k for k in layout.bronze.keys(layout.landing) if k.endswith(".gz")]


def _reason(record: dict, item: object, ticker: re.Pattern) -> str | None:
    if not isinstance(item, dict):
        return "item_not_an_object"
    symbol, url, title, stamp = (item.get(k) for k in ("symbol", "url", "title", "publishedDate"))
    if not isinstance(symbol, str) or not symbol:
        return "missing_symbol"
    if not ticker.match(symbol):
        return "invalid_symbol"
    if url in (None, ""):
        return "missing_url"
    if not isinstance(url, str) or not URL.match(url):
        return "invalid_url"
    if not isinstance(title, str) or not title.strip():
        return "empty_title"
    if not isinstance(stamp, str) or not stamp:
        return "missing_published_date"
    if not STAMP.match(stamp):
        return "invalid_published_date"
    if not ARTICLE_ID.match(str(record.get("article_id", ""))):
        return "invalid_article_id"
    if record["article_id"] != hashlib.sha256(f"{symbol}|{url}".encode()).hexdigest():
        return "article_id_mismatch"
    return None


def _published(stamp: str) -> tuple[datetime, datetime] | None:
    """(New York local, UTC) of FMP's stamp; None for an impossible time (a date that does not exist, or
    the hour skipped when clocks go forward)."""
    try:
        local = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=sessions.exchange_zone())
    except ValueError:
        return None
    utc = local.astimezone(UTC)
    if utc.astimezone(sessions.exchange_zone()).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return local, utc


def _fetched(text: object) -> datetime | None:
    try:
        d = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        return d.astimezone(UTC) if d.tzinfo else None
    except ValueError:
        return None


@dataclass
class Parsed:
    rows: list[dict]
    rejects: list[dict]
    records: int


def parse_objects(layout: Layout, keys: list[str], run_id: str) -> Parsed:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    ticker = re.compile(load_contract(TABLE).schema["properties"]["symbol"]["pattern"])
    rows: list[dict] = []
    rejects: list[dict] = []
    records = 0
    now = datetime.now(UTC)

    def reject(key: str, index: int, raw: str | None, reason: str, article_id: object = None) -> None:
        rejects.append(
            {
                "source_object": key,
                "record_index": index,
                "record": raw,
                "reject_reason": reason,
                "article_id": article_id if isinstance(article_id, str) else None,
                "rejected_at": now,
            }
        )

    for key in keys:
        try:
            text = gzip.decompress(layout.bronze.get(key) or b"").decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError):
            records += 1
            reject(key, -1, None, "unreadable_object")
            continue
        for index, line in enumerate(text.splitlines()):
            if not line.strip():
                continue
            records += 1
            try:
                record = json.loads(line)
                item = json.loads(record["item"]) if isinstance(record, dict) else None
            except (ValueError, KeyError, TypeError):
                reject(key, index, line, "invalid_record_json")
                continue
            reason = _reason(record, item, ticker)
            when = _published(item["publishedDate"]) if reason is None else None
            fetched = _fetched(record.get("fetched_at"))
            if reason is None and when is None:
                reason = "invalid_published_date"
            if reason is None and fetched is None:
                reason = "invalid_fetched_at"
            if reason is not None:
                reject(key, index, line, reason, record.get("article_id"))
                continue
            local, utc = when
            title, summary = item["title"].strip(), item.get("text")
            score = analyzer.polarity_scores(f"{title}. {summary}" if isinstance(summary, str) else title)
            rows.append(
                {
                    "article_id": record["article_id"],
                    "symbol": item["symbol"],
                    "published_at": utc,
                    "title": title,
                    "publisher": item.get("publisher") if isinstance(item.get("publisher"), str) else None,
                    "site": item.get("site") if isinstance(item.get("site"), str) else None,
                    "url": item["url"],
                    "text": summary if isinstance(summary, str) else None,
                    "sentiment": float(score["compound"]),
                    "ingested_at": fetched,
                    "source_object": key,
                    "run_id": run_id,
                    "session_date": sessions.session_of(local.replace(tzinfo=None)).isoformat(),
                }
            )
    return Parsed(rows, rejects, records)


# --- the table's days -------------------------------------------------------------------------------


def current_version(layout: Layout, day: str) -> str | None:
    return layout.pointers.get(day)


def switch(layout: Layout, day: str, version: str) -> None:
    """Points the day at a version in one atomic operation (a symlink's rename, a Glue partition update)."""
    layout.pointers.set(day, version)


def version_files(layout: Layout, version: str | None) -> list[str]:
    return [k for k in layout.silver.keys(version) if k.endswith(".parquet")] if version else []


def day_ids(layout: Layout, version: str | None, except_file: str) -> set[str]:
    ids: set[str] = set()
    for key in version_files(layout, version):
        if not key.endswith("/" + except_file):
            ids.update(_read_parquet(layout.silver, key, ["article_id"]).column(0).to_pylist())
    return ids


def transform(
    bronze_uri: str, silver_uri: str, run_id: str, mode: str = "stream", silver_database: str | None = None
) -> dict:
    layout = open_layout(silver_uri, bronze_uri, silver_database)
    started = time.monotonic()
    with writer_lock(layout, run_id):
        done = layout.batch_doc(run_id)
        if layout.silver.get(done) is not None:  # this run already committed: a rerun changes nothing
            return json.loads(layout.silver.get(layout.summary(run_id)) or b"{}")
        consumed = set() if mode == "full" else consumed_keys(layout)
        keys = [k for k in landed_objects(layout) if k not in consumed]
        parsed = parse_objects(layout, keys, run_id)
        # Within the batch, one row per article: the first fetch (then the first object) wins.
        parsed.rows.sort(key=lambda r: (r["ingested_at"], r["source_object"]))
        by_day: dict[str, dict[str, dict]] = {}
        for r in parsed.rows:
            by_day.setdefault(r.pop("session_date"), {}).setdefault(r["article_id"], r)
        schema = arrow_schema(TABLE)
        part = f"part-{run_id}.parquet"
        written, already = 0, 0
        for day, rows in sorted(by_day.items()):
            version = current_version(layout, day)
            held = day_ids(layout, version, part)
            new = [r for aid, r in rows.items() if aid not in held]
            already += len(rows) - len(new)
            if not new:
                continue
            if version is None:
                version = layout.version_dir(day, run_id)
            layout.silver.put(version + part, parquet_bytes(pa.Table.from_pylist(new, schema=schema)))
            if current_version(layout, day) != version:
                switch(layout, day, version)
            written += len(new)
        layout.silver.put(
            layout.rejects(run_id) + "rejects.parquet",
            parquet_bytes(pa.Table.from_pylist(parsed.rejects, schema=arrow_schema("fmp_news_rejects"))),
        )
        reasons = Counter(r["reject_reason"] for r in parsed.rejects)
        summary = {
            "run_id": run_id,
            "dataset": TABLE,
            "mode": mode,
            "objects_read": len(keys),
            "rows_read": parsed.records,
            "rows_valid": len(parsed.rows),
            "rows_rejected": len(parsed.rejects),
            "duplicates_dropped": len(parsed.rows) - written,
            "already_in_silver": already,
            "rows_written": written,
            "rejected_by_reason": dict(sorted(reasons.items())),
            "partitions_written": [f"session_date={d}" for d in sorted(by_day)],
            "status": "succeeded",
            "duration_s": round(time.monotonic() - started, 3),
        }
        layout.silver.put(layout.summary(run_id), (json.dumps(summary, indent=2) + "\n").encode())
        # Last: the ledger entry commits the batch (its bronze objects are consumed from now on).
        layout.silver.put(done, json.dumps({"run_id": run_id, "bronze_objects": keys}).encode())
        return summary


def compact(
    silver_uri: str,
    run_id: str,
    days: list[str] | None = None,
    min_files: int = 2,
    silver_database: str | None = None,
) -> dict:
    """Rewrites each day with at least `min_files` files into one file in a new version, then switches the
    day's pointer and removes the day's other versions. Rows are deduplicated again and ordered by
    publication."""
    layout = open_layout(silver_uri, None, silver_database)
    started = time.monotonic()
    report: dict[str, dict] = {}
    with writer_lock(layout, run_id):
        for day in layout.pointers.days():
            if days and day not in days:
                continue
            files = version_files(layout, current_version(layout, day))
            if len(files) < min_files:
                continue
            table = pa.concat_tables([_read_parquet(layout.silver, f) for f in files])
            # One row per article (the first fetch wins, as in a batch), in publication order.
            rows: dict[str, dict] = {}
            for r in sorted(table.to_pylist(), key=lambda r: (r["ingested_at"], r["source_object"])):
                rows.setdefault(r["article_id"], r)
            merged = pa.Table.from_pylist(
                sorted(rows.values(), key=lambda r: (r["published_at"], r["article_id"])), schema=table.schema
            )
            new = layout.version_dir(day, f"c-{run_id}")
            layout.silver.put(new + "part-0.parquet", parquet_bytes(merged))
            switch(layout, day, new)
            report[day] = {
                "files_before": len(files),
                "bytes_before": sum(layout.silver.size(f) for f in files),
                "files_after": 1,
                "bytes_after": layout.silver.size(new + "part-0.parquet"),
                "rows": merged.num_rows,
            }
            # Every other version of the day is unreachable now: the old one, and any a killed run left.
            day_versions = new.rstrip("/").rsplit("/", 1)[0] + "/"
            for key in layout.silver.keys(day_versions):
                if not key.startswith(new):
                    layout.silver.delete(key)
        summary = {
            "run_id": run_id,
            "dataset": TABLE,
            "mode": "compact",
            "days_compacted": len(report),
            "days": report,
            "status": "succeeded",
            "duration_s": round(time.monotonic() - started, 3),
        }
        # The run's summary, where the flows read every run's (its own run id: never a batch's).
        layout.silver.put(layout.summary(run_id), (json.dumps(summary, indent=2) + "\n").encode())
    return summary


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="finlake_glue.news", description="Compacts the news table's days.")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compact")
    c.add_argument("--silver_uri", required=True)
    c.add_argument("--run_id", required=True)
    c.add_argument("--days", default="")
    c.add_argument("--min_files", type=int, default=2)
    c.add_argument("--silver_database", default=None, help="S3 only: the Glue database of the day partitions")
    a = parser.parse_args(argv)
    days = [d for d in a.days.split(",") if d]
    bad = [d for d in days if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", d)]
    problems = [f"--days: {', '.join(bad)} not YYYY-MM-DD"] if bad else []
    if a.min_files < 2:
        problems.append(f"--min_files {a.min_files}: a day needs at least 2 files to be worth rewriting")
    if not job_args.URI.match(a.silver_uri):
        problems.append(
            f"--silver_uri {a.silver_uri!r} must be s3://bucket[/prefix] or an absolute local path"
        )
    if not job_args.RUN_ID.match(a.run_id):
        problems.append("--run_id must be 1-128 of A-Z a-z 0-9 _ . - starting alphanumeric")
    if problems:
        print("finlake_glue.news: " + "; ".join(problems), file=sys.stderr)
        return 2
    print(json.dumps(compact(a.silver_uri, a.run_id, days or None, a.min_files, a.silver_database), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
