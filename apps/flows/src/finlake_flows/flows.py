"""The platform's Prefect flows: ingestion, cleansing, modelling, the quality gate and publishing.

    master-fmp-pipeline = fmp-api-ingestion -> bronze-to-silver-fmp -> dbt build -> gate -> publish
    news-stream-to-silver (every few minutes) and news-compaction (daily) keep silver fmp_news current;
    the master's dbt build reads it and builds both marts behind the same gate.

Retries are on I/O tasks only (fetching, the Spark job, publishing, alerts); the gate is pure.
Every stage gets the master run's flow_run_id as its run id, so one id follows the data through
bronze sidecars, silver rows, dbt's log and gold's publication record.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.runtime import flow_run

from finlake_flows import metrics, notify, platform, publish, quality, runners, settings
from finlake_flows.records import IngestManifest, SilverRunSummary

I_O_RETRIES = {"retries": 3, "retry_delay_seconds": [2, 5, 15]}


class GateClosed(RuntimeError):
    """Gold failed an error-severity test: it was not published."""


def _alert_hook(verb: str):
    """A flow state hook that alerts Slack: Prefect calls it when the run fails (an exception in the flow)
    or crashes (the process was terminated, e.g. ECS stopping the task). The body is the error with the
    notes the flow added (its run report). It never raises: a hook's error would hide the run's."""

    def hook(flow_, flow_run_, state) -> None:
        err = state.result(raise_on_failure=False)
        body = "\n".join([str(err or state.message), *getattr(err, "__notes__", [])])
        subject = f"{flow_.name} {verb} ({flow_run_.id}): {type(err).__name__ if err else state.name}"
        for delay in (0, 2, 5):
            time.sleep(delay)
            try:
                notify.send(settings.load(), subject, body)
                return
            except Exception:
                logging.getLogger(__name__).exception("alert to Slack failed")

    return hook


# Every flow: Slack on failure or crash, and its final state as a metric (finlake_flows.metrics).
ALERTS: dict[str, Any] = {
    "on_completion": [metrics.flow_run_hook],
    "on_failure": [_alert_hook("FAILED"), metrics.flow_run_hook],
    "on_crashed": [_alert_hook("CRASHED"), metrics.flow_run_hook],
    "on_cancellation": [metrics.flow_run_hook],
}


def _run_id(explicit: str | None) -> str:
    return explicit or str(flow_run.id or f"local-{int(time.time())}")


@task(name="ingest-fmp", **I_O_RETRIES)
def ingest_task(
    symbols: list[str],
    date_from: date | None,
    date_to: date | None,
    run_id: str,
    rate_share: int = 1,
    handoff: str = "pipeline",
    fill_gaps: bool = False,
    table: str = runners.SILVER_TABLE,
) -> IngestManifest:
    """`rate_share` ingesters running at once split the FMP plan's rate between them; `table` says which
    declared source's endpoint to land (the prices' by default)."""
    s = settings.load()
    s = replace(s, fmp_rate_limit_per_min=max(1, s.fmp_rate_limit_per_min // rate_share))
    window = runners.Window(date_from, date_to, fill_gaps)
    return runners.ingestion_runner(s).ingest(tuple(symbols), window, run_id, handoff, table)


@task(name="read-manifest", **I_O_RETRIES)
def read_manifest_task(key: str) -> IngestManifest:
    return runners.ingestion_runner(settings.load()).read_manifest(key)


@task(name="bronze-to-silver", retries=2, retry_delay_seconds=[10, 30])
def transform_task(date_from: date, date_to: date, run_id: str) -> SilverRunSummary:
    s = settings.load()
    return runners.transform_runner(s).transform(date_from, date_to, run_id)


@task(name="dbt-build")
def dbt_task(run_id: str, gold_from: date | None = None, as_of: date | None = None) -> str:
    return str(runners.dbt_runner(settings.load()).build(run_id, gold_from=gold_from, as_of=as_of))


def gold_batch_start(window_from: date) -> date | None:
    """Where an incremental gold build starts for a run that rewrote silver from `window_from`'s month;
    None: build all of gold. On AWS the dbt task makes the final call (it has the models: runners.EcsDbt)."""
    s = settings.load()
    if s.runner != "local":
        return window_from.replace(day=1)
    return publish.batch_start(s.gold, publish.dbt_fingerprint(s.dbt_project), window_from)


@task(name="quality-gate")
def gate_task(run_results: str) -> quality.GateResult:
    return quality.evaluate(Path(run_results))


@task(name="publish-gold", **I_O_RETRIES)
def publish_task(run_id: str, built: dict | None = None) -> dict:
    """`built`: the dbt stage's result (its batch's `gold_from` and `dbt_fingerprint`), for the AWS publish;
    locally the candidate folder says it."""
    s = settings.load()
    if s.runner == "local":
        return publish.publish_marts(s.gold, run_id)
    import boto3

    aws = settings.load_aws()
    built = built or {}
    gold_from = date.fromisoformat(built["gold_from"]) if built.get("gold_from") else None
    return publish.publish_marts_glue(
        boto3.client("glue"), boto3.client("s3"), aws.gold_database, aws.gold_uri, run_id,
        gold_from, built.get("dbt_fingerprint"),
    )  # fmt: skip


@task(name="notify-slack", **I_O_RETRIES)
def notify_task(subject: str, body: str) -> bool:
    return notify.send(settings.load(), subject, body)


@flow(name="fmp-api-ingestion")
def fmp_api_ingestion(
    date_from: date | None = None,
    date_to: date | None = None,
    symbols: list[str] | None = None,
    run_id: str | None = None,
    handoff: str = "event",
) -> IngestManifest:
    """FMP end-of-day prices into bronze; dates default to the last completed NYSE trading day.
    On its own (`handoff="event"`) the bronze trigger cleans the batch; the pipelines pass "pipeline"."""
    rid = _run_id(run_id)
    syms = symbols or list(settings.load().symbols)
    return ingest_task(syms, date_from, date_to, rid, handoff=handoff)


@flow(name="bronze-to-silver-fmp")
def bronze_to_silver_fmp(
    date_from: date | None = None,
    date_to: date | None = None,
    run_id: str | None = None,
    manifest_key: str | None = None,
) -> SilverRunSummary:
    """The Glue job (locally: the same script on local Spark) for the months of [date_from, date_to],
    or of the batch a bronze run manifest describes (what the bronze trigger passes)."""
    if manifest_key:
        manifest = read_manifest_task(manifest_key)
        date_from, date_to = date.fromisoformat(manifest["from"]), date.fromisoformat(manifest["to"])
    if date_from is None or date_to is None:
        raise ValueError("give date_from and date_to, or the manifest_key of a landed batch")
    return transform_task(date_from, date_to, _run_id(run_id))


@flow(name="dbt-build-gold")
def dbt_build_gold(
    run_id: str | None = None, gold_from: date | None = None, as_of: date | None = None
) -> dict:
    """dbt build into this run's gold candidate (all of gold, or the dates from `gold_from` on), then the
    quality gate over run_results.json."""
    rid = _run_id(run_id)
    results = dbt_task(rid, gold_from, as_of)
    gate = gate_task(results)
    built = runners.dbt_runner(settings.load()).batch(rid)  # what dbt really built (a batch or all)
    return {
        "run_results": results,
        "gold_from": built["gold_from"],
        "dbt_fingerprint": built["dbt_fingerprint"],
        "passed": gate.passed,
        "gate": gate.summary(),
        "failures": gate.failures,
        "warnings": gate.warnings,
    }


def _report_text(report: dict) -> str:
    """The run report as text (Slack, logs, the failure's note). A stage the run did not reach says so."""
    window = f"{report['from']}..{report['to']}" if "from" in report else "not reached"
    lines = [f"run {report['run_id']} | window {window} | {report['duration_s']} s"]
    ingest, silver, gate = report.get("ingest"), report.get("transform"), report.get("gate")
    lines.append(
        f"ingest: {ingest['landed']}/{ingest['units']} units, {ingest['rows']} rows"
        if ingest
        else "ingest: not reached"
    )
    lines.append(
        f"silver: {silver['rows_written']} rows written, {silver['rows_rejected']} rejected, "
        f"{silver['objects_rejected']} objects rejected"
        if silver
        else "silver: not reached"
    )
    published = "yes" if report.get("published") else "no"
    lines.append(f"gold: {gate['gate']}; published: {published}" if gate else "gold: not reached")
    lines.append("stage seconds: " + ", ".join(f"{k} {v}" for k, v in report["stage_seconds"].items()))
    if gate and gate["failures"]:
        lines.append("failures: " + "; ".join(gate["failures"][:5]))
    return "\n".join(lines)


@flow(name="master-fmp-pipeline", **ALERTS)
def master_fmp_pipeline(
    date_from: date | None = None,
    date_to: date | None = None,
    symbols: list[str] | None = None,
    publish_gold: bool = True,
) -> dict[str, Any]:
    """Ingestion -> cleansing -> dbt -> quality gate -> publish, for a date window (default: the last
    completed trading day). Gold is published only when every error-severity test passed; otherwise
    the flow fails, alerts, and the served gold stays the last version that passed."""
    logger = get_run_logger()
    s = settings.load()
    rid = _run_id(None)
    started = time.monotonic()
    report: dict[str, Any] = {"run_id": rid, "flow": "master-fmp-pipeline", "stage_seconds": {}}

    def timed(name: str, fn, *args, **kwargs):
        t0 = time.monotonic()
        try:
            return fn(*args, **kwargs)
        finally:
            report["stage_seconds"][name] = round(time.monotonic() - t0, 1)

    try:
        syms = symbols or list(s.symbols)
        ingest = timed("ingest", fmp_api_ingestion, date_from, date_to, syms, rid, "pipeline")
        report.update(ingest={k: ingest[k] for k in ("units", "landed", "failed", "rows", "manifest_key")})
        window_from, window_to = date.fromisoformat(ingest["from"]), date.fromisoformat(ingest["to"])
        report.update({"from": window_from.isoformat(), "to": window_to.isoformat()})
        silver = timed("transform", bronze_to_silver_fmp, window_from, window_to, rid)
        report["transform"] = {
            k: silver[k]
            for k in ("rows_read", "rows_written", "rows_rejected", "objects_rejected", "rejected_by_reason")
        }
        gate = timed("dbt", dbt_build_gold, rid, gold_batch_start(window_from), window_to)
        report["gate"] = gate
        if not gate["passed"]:
            raise GateClosed(gate["gate"] + ": " + "; ".join(gate["failures"][:5]))
        if publish_gold:
            report["published"] = timed("publish", publish_task, rid, gate)
        report["duration_s"] = round(time.monotonic() - started, 1)
        report["peak_rss_mb"] = runners.peak_rss_mb()
        report["data"] = {
            "bronze": str(s.bronze),
            "silver": str(s.silver),
            "gold": str(publish.published_file(s.gold)),
        }
        logger.info("pipeline succeeded\n%s", _report_text(report))
        notify_task(f"master-fmp-pipeline succeeded ({rid})", _report_text(report))
        return report
    except Exception as err:
        report["duration_s"] = round(time.monotonic() - started, 1)
        report["error"] = str(err)
        logger.error("pipeline failed: %s\n%s", err, _report_text(report))
        err.add_note(_report_text(report))  # the failure hook's alert carries the run report
        raise
    finally:
        _record_pipeline_metrics(s, report)


PRICES_TABLE = next(d["silverTable"] for d in platform.contract()["source_datasets"] if d["kind"] == "batch")


def _record_pipeline_metrics(s: settings.Settings, report: dict[str, Any]) -> None:
    """The run's stage durations, rows per outcome and gate result, as metrics (finlake_flows.metrics)."""
    rows = {}
    if "ingest" in report:
        rows.setdefault(PRICES_TABLE, {})["landed"] = report["ingest"].get("rows") or 0
    if "transform" in report:
        t = report["transform"]
        rows.setdefault(PRICES_TABLE, {}).update(written=t["rows_written"], rejected=t["rows_rejected"])
    gate = report.get("gate")
    gates = {mart: bool(gate["passed"]) for mart in platform.contract()["gold_marts"]} if gate else {}
    newest = {}
    if report.get("published") and report.get("to"):
        # What was published reaches the window's last day: the row is as fresh as that day's end.
        end = datetime.combine(date.fromisoformat(report["to"]), dt_time.max, tzinfo=UTC).timestamp()
        newest = {dataset: end for dataset in (PRICES_TABLE, *platform.contract()["gold_marts"])}
    metrics.record_run(
        report["flow"], report["run_id"], stage_seconds=report["stage_seconds"], rows=rows, gates=gates,
        runner=s.runner, state=s.state, newest=newest,
    )  # fmt: skip


NEWS_TABLE = next(d["silverTable"] for d in platform.contract()["source_datasets"] if d["kind"] == "stream")


# The table's writer lock may be held by the other streamed job (a micro-batch vs the compaction): retry.
@task(name="news-job", retries=3, retry_delay_seconds=[30, 60, 120])
def news_job_task(mode: str, run_id: str) -> dict:
    return runners.transform_runner(settings.load()).stream(NEWS_TABLE, mode, run_id)


@flow(name="news-stream-to-silver", **ALERTS)
def news_stream_to_silver(full: bool = False) -> dict:
    """One micro-batch: every object Firehose landed in bronze since the last committed batch, validated
    (rejects with their reason), each article once across batches, into its session's day. A rerun after a
    crash redoes the uncommitted batch; `full` reads every landed object again (silver still holds each once).
    """
    started = time.monotonic()
    summary = news_job_task("full" if full else "stream", _run_id(None))
    s = settings.load()
    metrics.record_run(
        "news-stream-to-silver", summary.get("run_id") or _run_id(None),
        stage_seconds={"transform": round(time.monotonic() - started, 1)},
        rows={NEWS_TABLE: {"landed": summary["rows_read"], "written": summary["rows_written"],
                           "rejected": summary["rows_rejected"]}},
        gates={}, runner=s.runner, state=s.state,
    )  # fmt: skip
    get_run_logger().info(
        "news batch: %s objects, %s rows written, %s rejected, %s already in silver",
        summary["objects_read"], summary["rows_written"], summary["rows_rejected"], summary["already_in_silver"],
    )  # fmt: skip
    return summary


@flow(name="news-compaction", **ALERTS)
def news_compaction() -> dict:
    """Rewrites each day of silver fmp_news that holds several files into one, switching readers to it
    atomically; a day the stream is still writing is compacted again the next time."""
    started = time.monotonic()
    summary = news_job_task("compact", _run_id(None))
    s = settings.load()
    metrics.record_run(
        "news-compaction", _run_id(None), stage_seconds={"compact": round(time.monotonic() - started, 1)},
        rows={}, gates={}, runner=s.runner, state=s.state,
    )  # fmt: skip
    get_run_logger().info("news compaction: %s days rewritten", summary["days_compacted"])
    return summary


# The sources `nx g @finlake/workspace:source` added, on the job's contract-driven Arrow path: each is one
# deployment of this flow (libs/platform SOURCE_DEPLOYMENTS), registered by its declaration. A streamed one's
# producer is a service: the flow only rebuilds its silver table from what Firehose landed.
GENERATED_SOURCES = {
    d["silverTable"]: d["kind"] for d in platform.contract()["source_datasets"] if d["generated"]
}


@task(name="source-silver", retries=2, retry_delay_seconds=[10, 30])
def source_silver_task(dataset: str, run_id: str) -> dict:
    return runners.transform_runner(settings.load()).stream(dataset, "full", run_id)


@flow(name="source-to-silver", **ALERTS)
def source_to_silver(
    dataset: str,
    date_from: date | None = None,
    date_to: date | None = None,
    symbols: list[str] | None = None,
) -> dict:
    """A generated source into silver: a batch one's endpoint landed in bronze for the window (default: the
    last completed trading day), then its silver table rebuilt from bronze by the job's contract-driven path,
    bad rows in rejects with their reason. A streamed one is landed by its producer and Firehose: only the
    rebuild runs (the window does not apply)."""
    if dataset not in GENERATED_SOURCES:
        raise ValueError(
            f"dataset {dataset!r} is not a generated source; declared: "
            f"{', '.join(GENERATED_SOURCES) or 'none (nx g @finlake/workspace:source adds one)'}"
        )
    rid = _run_id(None)
    started = time.monotonic()
    s = settings.load()
    streamed = GENERATED_SOURCES[dataset] == "stream"
    manifest = (
        None if streamed else ingest_task(symbols or list(s.symbols), date_from, date_to, rid, table=dataset)
    )
    landed = time.monotonic()
    summary = source_silver_task(dataset, rid)
    # Streamed: what Firehose landed is what the rebuild read.
    manifest = manifest or {"rows": summary["rows_read"], "landed": summary["objects_read"]}
    metrics.record_run(
        "source-to-silver", rid,
        stage_seconds={"ingest": round(landed - started, 1), "transform": round(time.monotonic() - landed, 1)},
        rows={dataset: {"landed": manifest["rows"], "written": summary["rows_written"],
                        "rejected": summary["rows_rejected"]}},
        gates={}, runner=s.runner, state=s.state,
    )  # fmt: skip
    get_run_logger().info(
        "%s: %s objects landed, %s rows written, %s rejected %s",
        dataset, manifest["landed"], summary["rows_written"], summary["rows_rejected"], summary["rejected_by_reason"],
    )  # fmt: skip
    return summary


def symbol_groups(symbols: list[str], n: int) -> list[list[str]]:
    """`n` groups of about the same size (round robin, so each group spans the alphabet): a backfill's
    parallelism splits symbols, never dates, so every symbol's range stays as few calls as the row cap
    allows."""
    n = max(1, min(n, len(symbols)))
    return [symbols[i::n] for i in range(n)]


@flow(name="fmp-backfill", **ALERTS)
def fmp_backfill(
    date_from: date,
    date_to: date,
    symbols: list[str] | None = None,
    max_concurrency: int = 2,
    publish_gold: bool = True,
    fill_gaps: bool = False,
) -> dict[str, Any]:
    """Ingest a long range with the symbols split into `max_concurrency` groups (run at once, the FMP
    plan's rate shared between them; each plans its calls by the row cap, or with `fill_gaps` only what
    bronze does not hold), then one bronze-to-silver run over the whole months of the range (one Spark
    session; months are rewritten whole, so it is conflict-free), one dbt build, the gate and publish.
    Every step is idempotent, so running the same backfill twice changes nothing."""
    if date_from > date_to:
        raise ValueError(f"date_from {date_from} is after date_to {date_to}")
    if not 1 <= max_concurrency <= 8:
        raise ValueError("max_concurrency must be 1-8")
    logger = get_run_logger()
    s = settings.load()
    rid = _run_id(None)
    syms = symbols or list(s.symbols)
    groups = symbol_groups(syms, max_concurrency)
    started = time.monotonic()
    report: dict[str, Any] = {"run_id": rid, "flow": "fmp-backfill", "stage_seconds": {}}
    progress = create_progress_artifact(progress=0.0, description=f"fmp-backfill {date_from}..{date_to}")

    t0 = time.monotonic()
    ingests = ingest_task.map(
        groups,
        unmapped(date_from),
        unmapped(date_to),
        [f"{rid}-g{i}" for i in range(len(groups))],
        unmapped(len(groups)),
        unmapped("pipeline"),
        unmapped(fill_gaps),
    ).result()
    report["stage_seconds"]["ingest"] = round(time.monotonic() - t0, 1)
    report["ingest"] = {
        k: sum(i[k] for i in ingests) for k in ("units", "landed", "failed", "rows", "http_attempts")
    }
    update_progress_artifact(progress, progress=40.0)
    logger.info("backfill: %d symbols landed in %d groups", len(syms), len(groups))

    t0 = time.monotonic()
    silver = transform_task(date_from, date_to, rid)
    report["stage_seconds"]["transform"] = round(time.monotonic() - t0, 1)
    report["transform"] = {
        k: silver[k] for k in ("rows_read", "rows_written", "rows_rejected", "objects_rejected")
    }
    update_progress_artifact(progress, progress=70.0)

    t0 = time.monotonic()
    gate = dbt_build_gold(rid, gold_batch_start(date_from), date_to)
    report["stage_seconds"]["dbt"] = round(time.monotonic() - t0, 1)
    report["gate"] = gate
    if not gate["passed"]:
        raise GateClosed(gate["gate"] + ": " + "; ".join(gate["failures"][:5]))
    report["published"] = publish_task(rid, gate) if publish_gold else None
    update_progress_artifact(progress, progress=100.0)
    report["duration_s"] = round(time.monotonic() - started, 1)
    report["peak_rss_mb"] = runners.peak_rss_mb()
    return report
