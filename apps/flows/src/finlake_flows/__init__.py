"""Finlake Prefect flows."""

import os

# No telemetry from any Prefect server these processes start (the temporary local API included), as the
# deployed server has it (PREFECT_SERVER_ANALYTICS_ENABLED=false in infra): an offline machine logs an
# ERROR for every failed send otherwise.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The temporary local API imports its server for ~5 s of CPU; on a busy 2-core machine the default 20 s to
# come up is not always enough, and a run must not fail for that.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
