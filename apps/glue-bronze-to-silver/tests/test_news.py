"""The news path of the job: validation, the trading session, dedupe across batches, compaction and faults."""

import gzip
import hashlib
import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from finlake_glue import news, sessions
from finlake_glue.contract import platform
from finlake_glue.news_store import LocalZone

RECORDED = (
    Path(__file__).resolve().parents[3]
    / "libs/schemas/src/testing/fmp-wire/stable_news_stock_AAPL-MSFT_limit1.json"
)


def item(symbol="AAPL", url=None, published="2025-09-22 10:00:00", title="AAPL beats estimates", **extra):
    it = {
        "symbol": symbol,
        "publishedDate": published,
        "publisher": "Reuters",
        "title": title,
        "site": "reuters.com",
        "text": "Summary.",
        "url": url if url is not None else f"https://www.reuters.com/{symbol.lower()}-{published[:10]}",
    }
    it.update(extra)
    return {k: v for k, v in it.items() if v is not ...}


def record(it, fetched="2025-09-22T15:00:00Z"):
    aid = hashlib.sha256(f"{it.get('symbol', '')}|{it.get('url', '')}".encode()).hexdigest()
    return json.dumps({"article_id": aid, "fetched_at": fetched, "item": json.dumps(it)})


class Stream:
    """Writes objects as the local Firehose delivery lands them (newline-delimited records, GZIP)."""

    def __init__(self, root: Path):
        self.bronze = root / "bronze"
        self.silver = root / "silver"
        self.n = 0

    def land(self, lines, hour="15"):
        self.n += 1
        prefix = platform()["stream_deliveries"][0]["landing_prefix"]
        path = (
            self.bronze
            / prefix
            / f"year=2025/month=09/day=22/hour={hour}/d-1-2025-09-22-{hour}-00-00-{self.n:04d}.gz"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
        return path

    def batch(self, run_id):
        return news.transform(str(self.bronze), str(self.silver), run_id)

    def rows(self):
        glob = f"{self.silver}/fmp_news/*/*.parquet"
        return duckdb.sql(
            f"select article_id, symbol, session_date, sentiment from read_parquet('{glob}', hive_partitioning=true)"
        ).fetchall()

    def rejects(self):
        rejects = self.silver / platform()["lake"]["silver"]["rejects"].format(table="fmp_news")
        return duckdb.sql(f"select reject_reason from read_parquet('{rejects}*/*.parquet')").fetchall()


@pytest.fixture
def stream(tmp_path):
    return Stream(tmp_path)


def test_publisheddate_is_new_york_time_per_the_recorded_answer():
    rec = json.loads(RECORDED.read_text())[0]
    local, utc = news._published(rec["publishedDate"])
    # Reuters puts the UTC publication date in the URL: it matches only when the stamp is New York time.
    assert utc.date().isoformat() in rec["url"]
    assert rec["publishedDate"][:10] not in rec["url"]
    # Monday 21:31 New York is after the close: the article counts for Tuesday's session.
    assert sessions.session_of(local.replace(tzinfo=None)) == date(2025, 9, 23)


@pytest.mark.parametrize(
    ("stamp", "session"),
    [
        ("2025-09-22 15:59:59", "2025-09-22"),  # before the close
        ("2025-09-22 16:00:00", "2025-09-23"),  # at the close: next session
        ("2025-09-20 11:00:00", "2025-09-22"),  # Saturday -> Monday
        ("2025-07-04 09:00:00", "2025-07-07"),  # Independence Day (Friday) -> Monday
        ("2025-12-31 18:00:00", "2026-01-02"),  # after the close before New Year's Day
    ],
)
def test_session_rollover(stamp, session):
    local, _ = news._published(stamp)
    assert sessions.session_of(local.replace(tzinfo=None)).isoformat() == session


def test_an_hour_that_does_not_exist_in_new_york_is_rejected():
    assert news._published("2025-03-09 02:30:00") is None  # clocks went from 02:00 to 03:00


def test_rejects_carry_named_reasons_and_valid_rows_are_typed(stream):
    stream.land(
        [
            record(item()),
            record(item(url=...)),
            record(item(title="  ")),
            record(item(published="22/09/2025 10:00:00")),
            record(item(symbol="not a ticker")),
            record(item(url="ftp://x")),
            "{not json",
            json.dumps(
                {"article_id": "0" * 64, "fetched_at": "2025-09-22T15:00:00Z", "item": json.dumps(item())}
            ),
        ]
    )
    s = stream.batch("r1")
    assert s["rows_written"] == 1
    assert s["rejected_by_reason"] == {
        "article_id_mismatch": 1,
        "empty_title": 1,
        "invalid_published_date": 1,
        "invalid_record_json": 1,
        "invalid_symbol": 1,
        "invalid_url": 1,
        "missing_url": 1,
    }
    (_aid, symbol, session, sentiment), *_ = stream.rows()
    assert symbol == "AAPL" and session == date(2025, 9, 22) and -1 <= sentiment <= 1


def test_a_repeated_article_is_kept_once_within_and_across_batches(stream):
    a, b = item(), item(url="https://www.reuters.com/other")
    stream.land([record(a), record(a, fetched="2025-09-22T15:01:00Z"), record(b)])
    assert stream.batch("r1")["rows_written"] == 2
    stream.land([record(a, fetched="2025-09-22T16:00:00Z")], hour="16")
    s = stream.batch("r2")
    assert (s["rows_written"], s["already_in_silver"]) == (0, 1)
    assert len(stream.rows()) == 2
    # A rerun of a committed batch changes nothing.
    assert stream.batch("r2")["rows_written"] == 0
    assert len(stream.rows()) == 2


def test_a_batch_killed_before_its_commit_loses_and_doubles_nothing(stream, monkeypatch):
    stream.land([record(item(url=f"https://www.reuters.com/{i}")) for i in range(5)])
    real = LocalZone.put

    def crash(zone, key, data):
        if "batches" in key:
            raise KeyboardInterrupt("killed")  # after the data files, before the ledger entry
        real(zone, key, data)

    monkeypatch.setattr(LocalZone, "put", crash)
    with pytest.raises(KeyboardInterrupt):
        stream.batch("r1")
    monkeypatch.setattr(LocalZone, "put", real)
    layout = news.open_layout(str(stream.silver), str(stream.bronze))
    assert layout.silver.get(layout.lock()) is None
    # The next batch (another run) takes the same objects: its dedupe counts what the killed one wrote.
    s = stream.batch("r2")
    assert s["objects_read"] == 1 and s["already_in_silver"] == 5
    assert len(stream.rows()) == 5


def test_compaction_rewrites_a_day_into_one_file_and_readers_never_see_a_partial_day(stream, monkeypatch):
    for i in range(6):
        stream.land([record(item(url=f"https://www.reuters.com/{i}-{j}")) for j in range(3)])
        stream.batch(f"r{i}")
    layout = news.open_layout(str(stream.silver), str(stream.bronze))
    before = sorted(r[0] for r in stream.rows())
    assert len(news.version_files(layout, news.current_version(layout, "2025-09-22"))) == 6

    # Killed after writing the new version, before the switch: readers still see the old day, whole.
    real = news.switch
    monkeypatch.setattr(news, "switch", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt("killed")))
    with pytest.raises(KeyboardInterrupt):
        news.compact(str(stream.silver), "c1")
    assert sorted(r[0] for r in stream.rows()) == before
    monkeypatch.setattr(news, "switch", real)

    report = news.compact(str(stream.silver), "c2")
    day = report["days"]["2025-09-22"]
    assert (day["files_before"], day["files_after"], day["rows"]) == (6, 1, 18)
    assert sorted(r[0] for r in stream.rows()) == before
    # The killed run's version and the old one are gone: one version left.
    versions = list((stream.silver / "_versions/fmp_news/session_date=2025-09-22").iterdir())
    assert len(versions) == 1
    # New batches append to the compacted version.
    stream.land([record(item(url="https://www.reuters.com/late"))])
    assert stream.batch("r9")["rows_written"] == 1
    assert len(stream.rows()) == 19


def test_a_live_writer_holds_the_table(stream):
    layout = news.open_layout(str(stream.silver), str(stream.bronze))
    with news.writer_lock(layout, "other"), pytest.raises(RuntimeError, match="being written by run other"):
        stream.batch("r1")


def test_the_job_rejects_a_window_mode_for_the_stream():
    from finlake_glue import args

    with pytest.raises(args.ArgumentError, match="streamed dataset takes stream, full or compact"):
        args.validate(
            {"dataset": "fmp_news", "bronze_uri": "/b", "silver_uri": "/s", "run_id": "r", "mode": "window"}
        )
    assert (
        args.validate({"dataset": "fmp_news", "bronze_uri": "/b", "silver_uri": "/s", "run_id": "r"}).mode
        == "stream"
    )
    with pytest.raises(args.ArgumentError, match="compact does not apply to fmp_eod_prices"):
        args.validate(
            {
                "dataset": "fmp_eod_prices",
                "bronze_uri": "/b",
                "silver_uri": "/s",
                "run_id": "r",
                "mode": "compact",
            }
        )


def test_session_calendar_refuses_years_it_does_not_hold():
    with pytest.raises(ValueError, match="outside the calendar"):
        sessions.is_trading_day(datetime(2101, 1, 3).date())
