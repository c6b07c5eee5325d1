"""The flows' alerts come from Prefect state hooks: a stage killed with SIGKILL fails the run and alerts;
a run terminated from outside (SIGTERM, as ECS stops a task or a worker goes away) crashes and alerts."""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile

import pytest
from prefect import flow

from finlake_flows import flows, runners


@pytest.fixture
def alerting(slack, monkeypatch):
    monkeypatch.setenv("FINLAKE_SLACK_WEBHOOK_URL", slack.url)
    monkeypatch.setenv("FINLAKE_RUNNER", "local")
    slack.messages.clear()
    return slack


@flow(name="stage-killed-probe", **flows.ALERTS)
def stage_killed() -> None:
    # A real stage process, killed as the OOM killer or a Spot interruption would kill it.
    code = runners._run(["bash", "-c", "kill -KILL $$"], dict(os.environ), "probe-stage")
    if code != 0:
        err = runners.StageFailed(f"the probe stage exited {code}")
        err.add_note("stage seconds: probe 0.0")
        raise err


# Run in its own process: after reporting the crash, Prefect re-raises the signal and the process ends.
TERMINATED = """
import os, signal, time
from prefect import flow
from finlake_flows import flows

@flow(name="terminated-probe", **flows.ALERTS)
def terminated():
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)

terminated()
"""


def test_a_stage_killed_with_sigkill_fails_the_run_and_the_failure_hook_alerts_with_the_report(alerting):
    state = stage_killed(return_state=True)
    assert state.is_failed()
    [alert] = [m["text"] for m in alerting.messages]
    assert "stage-killed-probe FAILED" in alert and "StageFailed" in alert
    assert "exited -9" in alert and "stage seconds: probe" in alert  # the note the flow added


def test_a_run_terminated_from_outside_crashes_and_the_crash_hook_alerts(alerting):
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)  # its own temporary API: the session's harness is this process's
    # Output to a file, not a pipe: the temporary API server the child starts may outlive it for a moment.
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", TERMINATED], env=env, stdout=log, stderr=log, start_new_session=True
        )
        try:
            code = proc.wait(timeout=180)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # and whatever it started
        log.seek(0)
        output = log.read()
    assert code != 0, output[-2000:]
    alerts = [m["text"] for m in alerting.messages]
    assert len(alerts) == 1 and "terminated-probe CRASHED" in alerts[0], output[-2000:]
