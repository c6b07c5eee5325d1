import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session", autouse=True)
def prefect_backend():
    """One temporary Prefect API for the whole session (not one per test)."""
    with prefect_test_harness(server_startup_timeout=60):
        yield


class SlackStandIn:
    """A Slack incoming-webhook stand-in on 127.0.0.1: records every POSTed JSON body, answers `ok`."""

    def __init__(self):
        self.messages: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                outer.messages.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/XXXX"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def slack():
    s = SlackStandIn()
    yield s
    s.close()


@pytest.fixture(scope="session")
def fmp_sandbox():
    """The FMP sandbox as its own process (the real HTTP stand-in the connector talks to)."""
    proc = subprocess.Popen(
        [
            "node",
            str(REPO / "tools" / "cli" / "bin" / "finlake.mjs"),
            "sandbox",
            "fmp",
            "--port",
            "0",
            "--rate-per-min",
            "3000",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    info = json.loads(line)
    yield info
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def pipeline_env(tmp_path, fmp_sandbox, slack, monkeypatch):
    env = {
        "FINLAKE_LAKE_ROOT": str(tmp_path / "lake"),
        "FMP_API_KEY": fmp_sandbox["api_key"],
        "FMP_BASE_URL": fmp_sandbox["url"],
        "FMP_RATE_LIMIT_PER_MIN": "3000",
        "FINLAKE_SLACK_WEBHOOK_URL": slack.url,
        "FINLAKE_RUNNER": "local",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("DBT_PROJECT_DIR", raising=False)
    return env


def bundle_built() -> bool:
    return (REPO / "apps" / "fmp-ingester" / "dist" / "main.js").is_file() and bool(os.environ.get("PATH"))
