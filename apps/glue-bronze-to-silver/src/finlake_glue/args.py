"""The job's argument contract, the same on AWS Glue and locally.

On Glue the arguments arrive as job parameters (`--bronze_uri s3://...`) and are read with
awsglue's getResolvedOptions; locally the same names are parsed with argparse. Names use
underscores because Glue job parameters do.

    --dataset     fmp_eod_prices | fmp_news           (the silver table to build: a declared source dataset)
    --bronze_uri  s3://bucket/prefix | /path/bronze    (the bronze zone root)
    --silver_uri  s3://bucket/prefix | /path/silver    (the silver zone root)
    --mode        window | full | stream | compact     (window: bronze objects overlapping the
                                                         months of [from, to]; full: all of them;
                                                         stream, a streamed dataset's default: the
                                                         objects no earlier batch consumed; compact,
                                                         streamed only: rewrite each day's small files)
    --from, --to  YYYY-MM-DD                           (required in window mode)
    --run_id      the Prefect flow_run_id              (lineage column, log field, rejects partition)
    --symbols     optional comma-separated filter of bronze symbol= partitions
    --silver_database  the Glue database of silver (a streamed dataset on S3: its day partitions' locations
                       are the pointers the job switches; infra sets it)
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import date

from finlake_glue.contract import platform

# The declared source datasets (libs/platform): the job builds any of them, by its engine.
DATASETS = tuple(d["silverTable"] for d in platform()["source_datasets"])
ENGINE = {d["silverTable"]: d["engine"] for d in platform()["source_datasets"]}
KIND = {d["silverTable"]: d["kind"] for d in platform()["source_datasets"]}
# Sources added by `nx g @finlake/workspace:source` (batch or streamed): each has its module under
# finlake_glue/sources, on the contract-driven Arrow path (batch_json).
GENERATED = frozenset(d["silverTable"] for d in platform()["source_datasets"] if d["generated"])
MODES = ("window", "full", "stream", "compact")
STREAM_ONLY = ("stream", "compact")
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
URI = re.compile(r"^(s3a?://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?|file:/.+|/.+)$")
REQUIRED = ["dataset", "bronze_uri", "silver_uri", "run_id"]
OPTIONAL = ["mode", "from", "to", "symbols", "silver_database"]


class ArgumentError(ValueError):
    """A bad job argument: the message says which and what is expected."""


@dataclass(frozen=True)
class JobArgs:
    dataset: str
    bronze_uri: str
    silver_uri: str
    run_id: str
    mode: str
    date_from: date | None
    date_to: date | None
    symbols: tuple[str, ...]
    silver_database: str | None = None


def _date(name: str, value: str | None, problems: list[str]) -> date | None:
    if value in (None, ""):
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"--{name} {value!r} is not a calendar date in the form YYYY-MM-DD")
        return None


def _uri(name: str, value: str | None, problems: list[str]) -> str:
    if not value:
        return ""
    if not URI.match(value):
        problems.append(f"--{name} {value!r} must be s3://bucket[/prefix] or an absolute local path")
        return ""
    return ("file://" + value if value.startswith("/") else value).rstrip("/")


def validate(raw: dict[str, str | None]) -> JobArgs:
    """Checks every argument and reports every problem at once."""
    problems = [f"--{name} is required" for name in REQUIRED if not raw.get(name)]
    dataset = raw.get("dataset") or ""
    if dataset and dataset not in DATASETS:
        problems.append(f"--dataset {dataset!r} is not one of {', '.join(DATASETS)}")
    # A generated source (batch or streamed) is rebuilt whole on the contract path: full only. The news
    # stream has its own path (micro-batches, day pointers, compaction).
    arrow_batch = dataset in GENERATED
    streamed = KIND.get(dataset) == "stream" and not arrow_batch
    mode = raw.get("mode") or ("stream" if streamed else "full" if arrow_batch else "window")
    if mode not in MODES:
        problems.append(f"--mode {mode!r} is not one of {', '.join(MODES)}")
    elif arrow_batch and mode != "full":
        problems.append(
            f"--mode {mode} does not apply to {dataset}: it is rebuilt whole from bronze (--mode full)"
        )
    elif (mode in STREAM_ONLY) != streamed and mode != "full":
        problems.append(
            f"--mode {mode} does not apply to {dataset}: "
            + ("a streamed dataset takes stream, full or compact" if streamed else "use window or full")
        )
    run_id = raw.get("run_id") or ""
    if run_id and not RUN_ID.match(run_id):
        problems.append("--run_id must be 1-128 of A-Z a-z 0-9 _ . - starting alphanumeric")
    bronze_uri = _uri("bronze_uri", raw.get("bronze_uri"), problems)
    silver_uri = _uri("silver_uri", raw.get("silver_uri"), problems)
    date_from = _date("from", raw.get("from"), problems)
    date_to = _date("to", raw.get("to"), problems)
    if mode == "window" and (not raw.get("from") or not raw.get("to")):
        problems.append("--mode window needs --from and --to (or use --mode full)")
    if date_from and date_to and date_from > date_to:
        problems.append(f"--from {date_from} is after --to {date_to}")
    symbols = tuple(s.strip() for s in (raw.get("symbols") or "").split(",") if s.strip())
    problems += [
        f"--symbols: {s!r} is not a ticker like AAPL, BRK.B or ^GSPC"
        for s in symbols
        if not re.fullmatch(r"\^?[A-Z0-9][A-Z0-9.\-]{0,14}", s)
    ]
    silver_database = raw.get("silver_database") or None
    if silver_database and not re.fullmatch(r"[a-z0-9_]{1,255}", silver_database):
        problems.append(f"--silver_database {silver_database!r} is not a Glue database name (a-z 0-9 _)")
    if streamed and silver_uri.startswith("s3") and not silver_database:
        problems.append(
            f"--silver_database is required for {dataset} on S3: its days are the Glue partitions' locations"
        )
    if problems:
        raise ArgumentError("; ".join(problems))
    return JobArgs(
        dataset, bronze_uri, silver_uri, run_id, mode, date_from, date_to, symbols, silver_database
    )


def parse(argv: list[str]) -> JobArgs:
    """Glue's resolver when running on Glue, argparse otherwise; the same names either way."""
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found]
    except ImportError:
        getResolvedOptions = None
    if getResolvedOptions is not None:
        # Glue only resolves the names it is asked for; optional ones are asked for when present.
        present = [n for n in OPTIONAL if f"--{n}" in argv]
        resolved = getResolvedOptions(["job", *argv], REQUIRED + present)
        return validate({n: resolved.get(n) for n in REQUIRED + OPTIONAL})
    parser = argparse.ArgumentParser(prog="glue-bronze-to-silver", description=__doc__.split("\n\n")[0])
    for name in REQUIRED + OPTIONAL:
        parser.add_argument(f"--{name}", dest=name)

    def fail(message: str) -> None:
        raise ArgumentError(message)

    parser.error = fail  # type: ignore[method-assign]
    ns, unknown = parser.parse_known_args(argv)
    # Glue adds its own --JOB_NAME / --job-bookmark-option etc.; anything else is a mistake.
    stray = [a for a in unknown if a.startswith("--") and not a.startswith(("--JOB_", "--job-", "--TempDir"))]
    if stray:
        raise ArgumentError(f"unknown argument(s): {', '.join(stray)}")
    return validate(vars(ns))
