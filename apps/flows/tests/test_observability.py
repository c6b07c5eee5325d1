"""The dashboard against a real Prometheus: Debian's prometheus scrapes the real endpoints (the flows'
exporter, the news producer, the serving API) while the news stream, the news flow and the nightly run;
then every PromQL expression of the generated dashboard is run over that window and must return series."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL

from finlake_flows import metrics, platform
from finlake_flows.flows import master_fmp_pipeline, news_stream_to_silver

REPO = Path(__file__).resolve().parents[3]
DASHBOARD = REPO / "tools" / "dashboards" / "generated" / "finlake-platform.json"
CLI = ["node", str(REPO / "tools" / "cli" / "bin" / "finlake.mjs")]
REPORT = REPO / "dist" / "test-reports" / "dashboard-series.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def wait_for(check, what: str, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def prometheus_panels() -> list[tuple[int, str, str]]:
    doc = json.loads(DASHBOARD.read_text())
    # A panel mixes data sources: its Prometheus targets are what runs here (CloudWatch ones are for AWS).
    return [
        (p["id"], p["title"], t["expr"])
        for p in doc["panels"]
        for t in p.get("targets", [])
        if t.get("datasource", {}).get("type") == "prometheus"
    ]


@pytest.fixture
def prometheus(tmp_path):
    binary = shutil.which("prometheus")
    if not binary:
        pytest.fail("prometheus is not installed: `make setup` installs Debian's prometheus package")
    ports = {"prometheus": free_port(), "exporter": free_port(), "producer": free_port(), "api": free_port()}
    config = tmp_path / "prometheus.yml"
    jobs = {
        "finlake-flows": ports["exporter"],
        "news-producer": ports["producer"],
        "serving-api": ports["api"],
    }
    config.write_text(
        json.dumps(  # JSON is YAML
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "scrape_configs": [
                    {"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
                    for job, port in jobs.items()
                ],
            }
        )
    )
    proc = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{ports['prometheus']}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{ports['prometheus']}"
    try:
        wait_for(lambda: get_json(f"{url}/api/v1/status/buildinfo")["status"] == "success", "prometheus")
        yield url, ports
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_every_dashboard_panel_returns_series_from_a_real_prometheus_after_a_pipeline_run(
    pipeline_env, prometheus
):
    url, ports = prometheus
    lake = Path(pipeline_env["FINLAKE_LAKE_ROOT"])
    started = time.time()
    exporter, _ = metrics.serve(ports["exporter"], lake, PREFECT_API_URL.value())
    api = None
    try:
        # The stream: the producer serves its metrics while it runs.
        run = subprocess.run(
            [*CLI, "news", "run", "--symbols", "AAPL,SPY", "--since", "2020-12-01", "--for", "8s",
             "--sandbox-clock", "2020-12-31T22:00:00Z"],
            capture_output=True, text=True, timeout=300, env={**os.environ, "HEALTH_PORT": str(ports["producer"])},
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        news_stream_to_silver()
        report = master_fmp_pipeline(date(2020, 12, 1), date(2020, 12, 31), ["AAPL", "SPY"])
        assert report["gate"]["passed"]
        # The run's figures were recorded for the exporter.
        assert list((lake / "_state" / "runs" / "master-fmp-pipeline").glob("*.json"))
        # `finlake logs <run-id>`: the run's lines across its stages, the stage processes' relayed ones included.
        from finlake_flows.run_logs import run_logs

        lines = [entry["message"] for entry in run_logs(report["run_id"])]
        for stage in ("fmp-ingester |", "glue-bronze-to-silver |", "dbt |"):
            assert any(stage in m for m in lines), f"no {stage} line in the run's logs"

        api = subprocess.Popen([*CLI, "serve", "--port", str(ports["api"])], env={**os.environ},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        base = f"http://127.0.0.1:{ports['api']}"
        wait_for(lambda: urllib.request.urlopen(f"{base}/healthz", timeout=2).status == 200, "the API")
        token = subprocess.run([*CLI, "token", "--sub", "obs", "--portfolios", "*"], capture_output=True,
                               text=True, check=True, env={**os.environ}).stdout.strip()  # fmt: skip
        asks = [
            "/v1/portfolios/P001/daily-summary?from=2020-12-01&to=2020-12-31",
            "/v1/symbols/AAPL/daily-news?from=2020-12-01&to=2020-12-31",
            "/v1/portfolios/P001/daily-summary?from=2020-12-31&to=2020-12-01",  # a 400
        ]
        # Requests over several scrapes, so rates and quantiles have two samples to work with.
        for _ in range(8):
            for path in asks:
                req = urllib.request.Request(base + path, headers={"authorization": f"Bearer {token}"})
                try:
                    urllib.request.urlopen(req, timeout=10).read()
                except urllib.error.HTTPError as err:
                    assert err.code == 400
            time.sleep(0.6)
        time.sleep(3)

        def up(job: str) -> bool:
            targets = get_json(f"{url}/api/v1/targets")["data"]["activeTargets"]
            return any(t["labels"]["job"] == job and t["lastScrape"] > "2000" for t in targets)

        for job in ("finlake-flows", "serving-api", "news-producer"):
            assert up(job), f"prometheus never scraped {job}"

        end = time.time()
        counts: dict[str, int] = {}
        empty = []
        for panel_id, title, expr in prometheus_panels():
            q = urllib.parse.urlencode({"query": expr, "start": started - 60, "end": end, "step": "1s"})
            body = get_json(f"{url}/api/v1/query_range?{q}")
            assert body["status"] == "success", f"panel {panel_id} {title}: {body}"
            n = len(body["data"]["result"])
            counts[f"{panel_id} {title} :: {expr}"] = n
            if n == 0:
                empty.append(f"panel {panel_id} {title}: {expr}")
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(json.dumps(counts, indent=2))
        assert not empty, "panels without series:\n" + "\n".join(empty)
        assert len(counts) == len(prometheus_panels()) > 0
        # Freshness covers every silver table and gold mart the run built.
        q = urllib.parse.urlencode({"query": metrics.names()["freshness"]["name"]})
        fresh = {r["metric"]["dataset"] for r in get_json(f"{url}/api/v1/query?{q}")["data"]["result"]}
        contract = platform.contract()
        assert fresh == {d["silverTable"] for d in contract["source_datasets"]} | set(contract["gold_marts"])
        # Every metric the platform defines was scraped under its contract name.
        scraped = set(get_json(f"{url}/api/v1/label/__name__/values")["data"])
        defined = [m for m in platform.contract()["metrics"].values() if isinstance(m, dict)]
        missing = [
            m["name"]
            for m in defined
            if (m["name"] + ("_bucket" if m["type"] == "histogram" else "")) not in scraped
        ]
        assert not missing, f"never scraped: {missing}"
    finally:
        exporter.shutdown()
        if api:
            api.terminate()
            api.wait(timeout=30)
