import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from finlake_glue.contract import platform, source_dataset
from finlake_glue.job import spark_session


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the whole test session (starting one costs seconds)."""
    session = spark_session("pytest")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def row(symbol="AAPL", date="2020-01-02", o=10.0, h=12.0, low=9.0, c=11.0, volume=1000, **extra):
    r = {"symbol": symbol, "date": date, "open": o, "high": h, "low": low, "close": c, "volume": volume}
    if all(isinstance(x, int | float) for x in (o, h, low, c)) and o:
        r.update(
            {
                "change": round(c - o, 4),
                "changePercent": round((c - o) / o * 100, 5),
                "vwap": (o + h + low + c) / 4,
            }
        )
    r.update(extra)
    return r


class Bronze:
    """Writes bronze objects the way fmp-ingester lands them: body + `.meta` sidecar."""

    def __init__(self, root: Path):
        self.root = root

    def put(self, symbol, date_from, date_to, body, fetched_at="2021-01-01T00:00:00Z", meta=True) -> str:
        d = source_dataset("fmp_eod_prices")
        key = platform()["lake"]["bronze"]["object"].format(
            source=d["source"],
            dataset=d["dataset"],
            year=date_from[:4],
            symbol=symbol,
            **{"from": date_from, "to": date_to},
        )
        data = (
            body
            if isinstance(body, bytes)
            else (body if isinstance(body, str) else json.dumps(body, indent=2)).encode()
        )
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if meta:
            sidecar = {
                "fetched_at": fetched_at,
                "sha256": hashlib.sha256(data).hexdigest(),
                "run_id": "ingest",
            }
            (self.root / f"{key}.meta").write_text(json.dumps(sidecar))
        return key


@pytest.fixture
def lake(tmp_path):
    (tmp_path / "bronze").mkdir()
    return tmp_path


@pytest.fixture
def bronze(lake):
    return Bronze(lake / "bronze")


def now_iso():
    return datetime.now(UTC).isoformat()
