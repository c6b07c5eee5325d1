"""The quality gate: read dbt's run_results.json and decide whether gold may be published."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class GateResult:
    passed: bool
    models_ok: int
    tests_passed: int
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        head = "passed" if self.passed else "FAILED"
        return f"quality gate {head}: {self.tests_passed} tests passed, {len(self.warnings)} warnings, {len(self.failures)} failures"


def evaluate(run_results: Path) -> GateResult:
    """Error-severity failures (dbt status `fail` or `error`) close the gate; `warn` does not.

    A model or seed that errored closes it too: its tests were skipped, so nothing vouches for gold.
    """
    if not run_results.is_file():
        return GateResult(False, 0, 0, failures=[f"{run_results} missing: dbt did not finish"])
    doc = json.loads(run_results.read_text())
    failures, warnings = [], []
    models_ok = tests_passed = 0
    for r in doc.get("results", []):
        uid, status = r.get("unique_id", "?"), r.get("status")
        kind = uid.split(".", 1)[0]
        if status in ("fail", "error", "runtime error"):
            failures.append(f"{uid}: {status} {(r.get('message') or '')[:200]}")
        elif status == "warn":
            warnings.append(f"{uid}: {(r.get('message') or '')[:200]}")
        elif status == "skipped":
            failures.append(f"{uid}: skipped (an upstream node failed)")
        elif kind in ("model", "seed", "snapshot"):
            models_ok += 1
        elif kind in ("test", "unit_test"):
            tests_passed += 1
    return GateResult(not failures, models_ok, tests_passed, warnings, failures)
