"""A killed write's debris in silver is swept by the next run, but never while another writer lives."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import row
from test_job import execute, silver_rows

TABLE = "fmp_eod_prices"


def _debris(lake: Path) -> list[Path]:
    """What a killed write leaves: a staging folder with a truncated part file, and a rejects _temporary."""
    staged = (
        lake / "silver" / TABLE / ".spark-staging-dead" / "year=2020" / "month=1" / "part-0.snappy.parquet"
    )
    temp = lake / "silver" / "_rejects" / TABLE / "_temporary" / "0" / "part-0.snappy.parquet"
    for f in (staged, temp):
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"PAR1\x15\x04")  # the first bytes of a Parquet file, cut off
    return [staged.parents[2], temp.parents[1]]


def _lease(lake: Path, run_id: str, age_s: float = 0.0) -> Path:
    lease = lake / "silver" / "_writers" / TABLE / f"run_id={run_id}"
    lease.parent.mkdir(parents=True, exist_ok=True)
    lease.write_text("x")
    then = time.time() - age_s
    os.utime(lease, (then, then))
    return lease


def test_the_next_run_sweeps_a_killed_writes_debris_and_readers_see_only_silver(spark, lake, bronze):
    bronze.put("AAPL", "2020-01-01", "2020-01-31", [row(date="2020-01-02")])
    debris = _debris(lake)
    summary = execute(spark, lake)
    assert not any(d.exists() for d in debris)
    assert sorted(summary["debris_removed"]) == sorted(f"file:{d}" for d in debris)
    # A reader globbing the table's folder now finds only silver's own files.
    assert all(".spark-staging" not in str(p) for p in (lake / "silver" / TABLE).rglob("*.parquet"))
    assert [r["trade_date"].isoformat() for r in silver_rows(spark, lake)] == ["2020-01-02"]
    assert not (lake / "silver" / "_writers" / TABLE / "run_id=r1").exists()  # its own lease is gone


def test_a_live_writers_lease_keeps_the_sweep_off_and_a_stale_one_does_not(spark, lake, bronze):
    bronze.put("AAPL", "2020-01-01", "2020-01-31", [row(date="2020-01-02")])
    debris = _debris(lake)
    _lease(lake, "busy")  # heartbeat just now: its staging folder may be the one we see
    assert execute(spark, lake)["debris_removed"] == []
    assert all(d.exists() for d in debris)
    stale = _lease(lake, "busy", age_s=600)  # no heartbeat for 10 minutes: that run is dead
    assert len(execute(spark, lake, run_id="r2")["debris_removed"]) == 2
    assert not stale.exists() and not any(d.exists() for d in debris)


def test_a_job_killed_mid_write_leaves_debris_the_next_run_removes(spark, lake, bronze):
    for i, symbol in enumerate(["AAPL", "AMZN", "GOOG", "SPY"]):
        for month in range(1, 13):
            days = [f"2020-{month:02d}-{d:02d}" for d in range(1, 29)]
            bronze.put(symbol, f"2020-{month:02d}-01", f"2020-{month:02d}-28",
                       [row(symbol=symbol, date=d, c=11.0 - i / 10) for d in days])  # fmt: skip
    argv = ["--dataset", TABLE, "--bronze_uri", str(lake / "bronze"), "--silver_uri", str(lake / "silver"),
            "--run_id", "killed", "--mode", "window", "--from", "2020-01-01", "--to", "2020-12-31"]  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "finlake_glue.job", *argv], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    table = lake / "silver" / TABLE
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith(".spark-staging-") for p in table.glob(".*")):
            os.killpg(proc.pid, signal.SIGKILL)  # the driver and its JVM, mid-write
            break
        time.sleep(0.02)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "the job finished before it could be killed mid-write"
    assert any(p.name.startswith(".spark-staging-") for p in table.glob(".*"))
    # A minute later (its lease stopped beating), the next run cleans up and writes the window whole.
    dead = lake / "silver" / "_writers" / TABLE / "run_id=killed"
    os.utime(dead, (time.time() - 600, time.time() - 600))
    summary = execute(spark, lake, run_id="after")
    assert summary["debris_removed"] and not any(
        p.name.startswith(".spark-staging-") for p in table.glob(".*")
    )
    assert summary["rows_written"] == 4 * 12 * 28 == len(silver_rows(spark, lake))
