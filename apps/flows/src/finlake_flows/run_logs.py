"""Every log line of one run, across the services it ran: the flow, its subflows and tasks, and the stage
processes (connector, Glue job, dbt) whose JSON lines the runners relay into the run's log. Read from the
Prefect API (the local one under the lake when no PREFECT_API_URL is set). In AWS the same run is
gathered by CloudWatch Logs Insights on `flow_run_id` (docs/observability.md)."""

from __future__ import annotations

import json
import sys
from uuid import UUID


def run_and_subflow_ids(client, run_id: UUID) -> list[UUID]:
    """The run and every flow run below it (a subflow's parent task run belongs to its parent's run)."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    ids, frontier = [run_id], [run_id]
    while frontier:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=frontier))
        )
        frontier = [c.id for c in children if c.id not in ids]
        ids += frontier
    return ids


def run_logs(run_id: str) -> list[dict]:
    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    try:
        rid = UUID(run_id)
    except ValueError:
        raise LookupError(
            f"{run_id!r} is not a run id (a flow run's UUID, as alerts and run reports name it)"
        ) from None
    with get_client(sync_client=True) as client:
        try:
            names = {rid: client.read_flow_run(rid).name}
        except Exception as err:  # noqa: BLE001 - the API's 404
            raise LookupError(f"no flow run {run_id} in this Prefect API: {err}") from None
        ids = run_and_subflow_ids(client, rid)
        for i in ids:
            names.setdefault(i, client.read_flow_run(i).name)
        out, offset = [], 0
        while True:
            page = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)),
                sort=LogSort.TIMESTAMP_ASC, limit=200, offset=offset,
            )  # fmt: skip
            out += [
                {"timestamp": log.timestamp.isoformat(), "level": log.level, "flow_run": names.get(log.flow_run_id),
                 "flow_run_id": str(log.flow_run_id), "logger": log.name, "message": log.message}
                for log in page
            ]  # fmt: skip
            if len(page) < 200:
                return out
            offset += 200


def print_run_logs(run_id: str, as_json: bool = False) -> int:
    try:
        lines = run_logs(run_id)
    except LookupError as err:
        print(f"finlake-flows: logs: {err}", file=sys.stderr)
        return 1
    import logging

    for line in lines:
        if as_json:
            print(json.dumps(line))
        else:
            level = logging.getLevelName(line["level"])
            print(f"{line['timestamp']} {level:<7} {line['flow_run']} | {line['message']}")
    return 0
