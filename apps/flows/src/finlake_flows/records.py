# Generated from libs/schemas by `npx nx run schemas:generate`. Do not edit.
"""The run records stages write and the flows read, typed (see libs/schemas/src/records.ts)."""

from typing import Literal, NotRequired, TypedDict

# One (symbol, window) unit of a connector run and what became of it.
IngestManifestOutcomes = TypedDict(
    "IngestManifestOutcomes",
    {
        "symbol": str,
        "from": str,
        "to": str,
        "status": Literal["landed", "failed", "skipped"],
        "keys": list[str],
        "rows": int,
        "attempts": int,
        "http_status": NotRequired[int],
        "error": NotRequired[str],
    },
)


# What a connector run landed in bronze: every unit and its outcome.
IngestManifest = TypedDict(
    "IngestManifest",
    {
        "run_id": str,
        "dataset": str,
        "from": str,
        "to": str,
        "symbols": int,
        "units": int,
        "landed": int,
        "failed": int,
        "skipped": int,
        "rows": int,
        "http_attempts": int,
        "fatal": NotRequired[str],
        "handoff": Literal["event", "pipeline"],
        "started_at": str,
        "finished_at": str,
        "manifest_key": str,
        "outcomes": list[IngestManifestOutcomes],
    },
)


# What one bronze-to-silver run read, wrote and rejected.
SilverRunSummary = TypedDict(
    "SilverRunSummary",
    {
        "run_id": str,
        "dataset": str,
        "mode": Literal["window", "full"],
        "from": str | None,
        "to": str | None,
        "months": list[str] | None,
        "objects_listed": int,
        "objects_read": int,
        "objects_rejected": int,
        "rows_read": int,
        "rows_valid": int,
        "rows_rejected": int,
        "rows_outside_window": int,
        "duplicates_dropped": int,
        "rows_written": int,
        "rejected_by_reason": dict[str, int],
        "partitions_written": list[str],
        "silver_path": str,
        "rejects_path": str,
        "debris_removed": list[str],
        "status": Literal["succeeded"],
        "started_at": str,
        "finished_at": str,
        "duration_s": float,
        "timings": dict[str, float],
    },
)
