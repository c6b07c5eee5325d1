"""Write-audit-publish for gold: dbt writes a candidate, the gate audits it, this publishes it.

The served table is `<gold>/daily_portfolio_summary/daily_portfolio_summary.parquet`, replaced in
one atomic step (rename on a local disk) so readers see the old version or the new one, never a mix;
`_published.json` beside it records which run published what.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

TABLE = "daily_portfolio_summary"


def candidate_dir(gold: Path, run_id: str) -> Path:
    return gold / "_candidates" / run_id


def published_file(gold: Path) -> Path:
    return gold / TABLE / f"{TABLE}.parquet"


def publish(gold: Path, run_id: str, rows: int | None = None) -> dict:
    source = candidate_dir(gold, run_id) / f"{TABLE}.parquet"
    if not source.is_file():
        raise FileNotFoundError(
            f"no candidate to publish at {source}: dbt did not write gold for run {run_id}"
        )
    target = published_file(gold)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{run_id}.parquet"
    shutil.copyfile(source, tmp)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)  # atomic on one filesystem
    meta = {
        "table": TABLE,
        "run_id": run_id,
        "published_at": datetime.now(UTC).isoformat(),
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "rows": rows,
        "candidate": str(source),
    }
    meta_tmp = target.parent / f".tmp-{run_id}.json"
    meta_tmp.write_text(json.dumps(meta, indent=2) + "\n")
    os.replace(meta_tmp, target.parent / "_published.json")
    return meta
