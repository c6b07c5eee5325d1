"""Finlake Prefect flows."""

import os

# No telemetry from any Prefect server these processes start (the temporary local API included), as the
# deployed server has it (PREFECT_SERVER_ANALYTICS_ENABLED=false in infra): an offline machine logs an
# ERROR for every failed send otherwise.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
