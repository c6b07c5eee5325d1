"""JSON log lines carrying the run id (the Prefect flow_run_id), like every other Finlake service."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

SERVICE = "glue-bronze-to-silver"


class JsonFormatter(logging.Formatter):
    def __init__(self, base: dict[str, str]):
        super().__init__()
        self.base = base

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "level": record.levelname.lower(),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            **self.base,
            "msg": record.getMessage(),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            line.update(extra)
        if record.exc_info:
            line["err"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure(run_id: str) -> logging.Logger:
    base = {
        "service": SERVICE,
        "env": os.environ.get("FINLAKE_ENV", "local"),
        "version": os.environ.get("FINLAKE_VERSION", "0.0.0-dev"),
        "flow_run_id": os.environ.get("PREFECT__FLOW_RUN_ID", run_id),
        "run_id": run_id,
    }
    logger = logging.getLogger(SERVICE)
    logger.handlers.clear()
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(base))
    logger.addHandler(handler)
    logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    logger.propagate = False
    return logger


def log(logger: logging.Logger, level: int, msg: str, **fields: object) -> None:
    logger.log(level, msg, extra={"fields": fields})
