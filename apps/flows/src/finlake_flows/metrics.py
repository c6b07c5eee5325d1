"""The platform's metrics from the flows' side, under the names of the platform contract (`metrics`).

- Every flow run's figures (stage durations, rows landed / written / rejected per dataset, the gate's
  result) are recorded once, when the run ends: locally as a run record under the lake's `_state/runs/`
  (what the exporter reads), on ECS as one CloudWatch EMF line in the flow's log (CloudWatch Logs makes
  it metrics: no agent, no extra call).
- The exporter (`python -m finlake_flows.metrics`) serves Prometheus text at scrape time: flow runs by flow
  and final state counted from the Prefect API (Prefect's own /api/metrics has no run outcomes), the run
  records, and each dataset's freshness (now minus its newest row) read from the lake.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from finlake_flows import platform

FINAL_STATES = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def names() -> dict:
    return platform.contract()["metrics"]


def _name(metric_id: str) -> str:
    return names()[metric_id]["name"]


def runs_dir(state: Path) -> Path:
    return state / "runs"


def record_run(
    flow: str,
    run_id: str,
    *,
    stage_seconds: dict,
    rows: dict,
    gates: dict,
    runner: str,
    state: Path,
    newest: dict | None = None,
) -> dict:
    """Records one finished run. `rows`: {dataset: {"landed"|"written"|"rejected": n}}; `gates`: {mart: bool};
    `newest`: {dataset: epoch seconds of its newest row} as the run left it (on ECS, the freshness metric:
    the exporter reads the lake itself). Never raises: losing a metric must not fail the run it describes."""
    record = {
        "flow": flow,
        "run_id": run_id,
        "finished_at": datetime.now(UTC).isoformat(),
        "stage_seconds": stage_seconds,
        "rows": rows,
        "gates": gates,
        "newest": newest or {},
    }
    try:
        if runner == "local":
            d = runs_dir(state) / flow
            d.mkdir(parents=True, exist_ok=True)
            tmp = d / f".{run_id}.json.tmp"
            tmp.write_text(json.dumps(record), encoding="utf-8")
            os.replace(tmp, d / f"{run_id}.json")  # a reader never sees half a record
        else:
            for line in emf_lines(record):
                print(json.dumps(line), flush=True)
    except Exception:
        import logging

        logging.getLogger(__name__).exception("recording the run's metrics failed")
    return record


def emf_doc(dimensions: dict, metric_id: str, value: float, unit: str, now_ms: int | None = None) -> dict:
    """One CloudWatch EMF document: one metric (what infra's metric filters match on) with its dimensions."""
    name = _name(metric_id)
    return {
        "_aws": {
            "Timestamp": now_ms if now_ms is not None else int(time.time() * 1000),
            "CloudWatchMetrics": [
                {"Namespace": names()["namespace"], "Dimensions": [list(dimensions)],
                 "Metrics": [{"Name": name, "Unit": unit}]}
            ],
        },
        **dimensions,
        name: value,
    }  # fmt: skip


def emf_lines(record: dict) -> list[dict]:
    """The run record as CloudWatch EMF documents under the platform's metric names."""
    now = int(time.time() * 1000)
    out = [
        emf_doc({"flow": record["flow"], "stage": stage}, "stageDuration", secs, "Seconds", now)
        for stage, secs in record["stage_seconds"].items()
    ]
    for dataset, outcomes in record["rows"].items():
        for outcome, n in outcomes.items():
            out.append(emf_doc({"dataset": dataset, "outcome": outcome}, "rows", n, "Count", now))
    for mart, passed in record["gates"].items():
        out.append(emf_doc({"mart": mart}, "gate", 1 if passed else 0, "None", now))
    for dataset, newest in record.get("newest", {}).items():
        out.append(emf_doc({"dataset": dataset}, "freshness", max(0.0, now / 1000 - newest), "Seconds", now))
    return out


def flow_run_emf(flow: str, state: str) -> dict:
    """One final flow run as an EMF document: finlake_flow_runs_total 1 with its flow and state."""
    return emf_doc({"flow": flow, "state": state}, "flowRuns", 1, "Count")


def flow_run_hook(flow_, flow_run_, state) -> None:
    """A Prefect state hook: on ECS, one EMF line per final flow run (flow, state). Locally the exporter
    counts runs from the Prefect API instead. Never raises (a hook's error would hide the run's)."""
    try:
        from finlake_flows import settings

        if settings.load().runner == "local":
            return
        doc = flow_run_emf(flow_.name, state.type.value)
        print(json.dumps(doc), flush=True)
    except Exception:
        import logging

        logging.getLogger(__name__).exception("recording the flow run's outcome failed")


def _records(state: Path) -> list[dict]:
    found = []
    for path in sorted(runs_dir(state).glob("*/*.json")):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return sorted(found, key=lambda r: r.get("finished_at", ""))


class FinlakeCollector:
    """A prometheus_client collector: everything is read when Prometheus scrapes, nothing is kept here."""

    def __init__(self, lake_root: Path, prefect_api_url: str | None, now=time.time):
        self.lake_root = lake_root
        self.prefect_api_url = prefect_api_url
        self.now = now

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        m = names()
        runs = CounterMetricFamily(
            m["flowRuns"]["name"], m["flowRuns"]["help"], labels=m["flowRuns"]["labels"]
        )
        for (flow, state), n in sorted(self.flow_run_counts().items()):
            runs.add_metric([flow, state], n)
        yield runs

        records = _records(self.lake_root / "_state")
        stage = GaugeMetricFamily(
            m["stageDuration"]["name"], m["stageDuration"]["help"], labels=m["stageDuration"]["labels"]
        )
        latest: dict[tuple[str, str], float] = {}
        rows: dict[tuple[str, str], float] = {}
        gates: dict[str, float] = {}
        for r in records:  # in time order: the latest run of a flow wins its stages and gates
            for s, secs in r["stage_seconds"].items():
                latest[(r["flow"], s)] = secs
            for dataset, outcomes in r["rows"].items():
                for outcome, n in outcomes.items():
                    rows[(dataset, outcome)] = rows.get((dataset, outcome), 0) + (n or 0)
            for mart, passed in r["gates"].items():
                gates[mart] = 1 if passed else 0
        for (flow, s), secs in sorted(latest.items()):
            stage.add_metric([flow, s], secs)
        yield stage
        counted = CounterMetricFamily(m["rows"]["name"], m["rows"]["help"], labels=m["rows"]["labels"])
        for (dataset, outcome), n in sorted(rows.items()):
            counted.add_metric([dataset, outcome], n)
        yield counted
        gate = GaugeMetricFamily(m["gate"]["name"], m["gate"]["help"], labels=m["gate"]["labels"])
        for mart, v in sorted(gates.items()):
            gate.add_metric([mart], v)
        yield gate

        fresh = GaugeMetricFamily(
            m["freshness"]["name"], m["freshness"]["help"], labels=m["freshness"]["labels"]
        )
        for dataset, newest in sorted(self.newest_rows().items()):
            fresh.add_metric([dataset], max(0.0, self.now() - newest))
        yield fresh

    def flow_run_counts(self) -> dict[tuple[str, str], int]:
        """Final flow runs per (flow name, state type), counted by the Prefect API."""
        if not self.prefect_api_url:
            return {}
        import httpx

        api = self.prefect_api_url.rstrip("/")
        counts: dict[tuple[str, str], int] = {}
        with httpx.Client(timeout=10) as http:
            flows = http.post(f"{api}/flows/filter", json={"limit": 200}).raise_for_status().json()
            for f in flows:
                for state in FINAL_STATES:
                    n = (
                        http.post(
                            f"{api}/flow_runs/count",
                            json={
                                "flows": {"id": {"any_": [f["id"]]}},
                                "flow_runs": {"state": {"type": {"any_": [state]}}},
                            },
                        )
                        .raise_for_status()
                        .json()
                    )
                    if n:
                        counts[(f["name"], state)] = n
        return counts

    def newest_rows(self) -> dict[str, float]:
        """Epoch seconds of each dataset's newest row, by the column its contract names as its event time
        (`x-event-time`): silver tables and gold marts. A date counts as the end of that day."""
        import duckdb

        contract = platform.contract()
        folders = {
            d["silverTable"]: self.lake_root / "silver" / d["silverTable"]
            for d in contract["source_datasets"]
        }
        folders |= {mart: self.lake_root / "gold" / mart for mart in contract["gold_marts"]}
        out: dict[str, float] = {}
        con = duckdb.connect()
        try:
            for dataset, folder in folders.items():
                column = event_time(dataset)
                # glob, not Path.rglob: a streamed table's day is a symlink to its current version (pointer switch)
                files = glob.glob(f"{glob.escape(str(folder))}/**/*.parquet", recursive=True)
                if not column or not files or not column.isidentifier():  # a contract's column name
                    continue
                try:
                    (newest,) = con.execute(
                        f'select max(cast("{column}" as timestamp)) from read_parquet(?, union_by_name=true)',  # noqa: S608
                        [files],
                    ).fetchone()
                except duckdb.Error:
                    continue
                if newest is not None:
                    if newest.time() == datetime.min.time():  # a date: as fresh as that day's end
                        newest = newest.replace(hour=23, minute=59, second=59)
                    out[dataset] = newest.replace(tzinfo=UTC).timestamp()
        finally:
            con.close()
        return out


def event_time(dataset: str) -> str | None:
    """The contract's event-time column of a dataset (libs/schemas' generated JSON Schema)."""
    for parent in Path(__file__).resolve().parents:
        path = parent / "libs" / "schemas" / "generated" / "json-schema" / f"{dataset}.schema.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8")).get("x-event-time")
    return None


def serve(port: int, lake_root: Path, prefect_api_url: str | None, host: str = "127.0.0.1"):
    from prometheus_client import CollectorRegistry, start_http_server

    registry = CollectorRegistry(auto_describe=True)
    registry.register(FinlakeCollector(lake_root, prefect_api_url))
    return start_http_server(port, addr=host, registry=registry)


def main(argv: list[str] | None = None) -> int:
    from finlake_flows import settings

    parser = argparse.ArgumentParser(description="Prometheus exporter of the flows' metrics")
    parser.add_argument("--port", type=int, default=names()["flows_exporter_port"])
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    s = settings.load()
    server, thread = serve(args.port, s.lake_root, os.environ.get("PREFECT_API_URL"), args.host)
    print(f"finlake flows exporter on http://{args.host}:{server.server_port}/metrics", flush=True)
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
