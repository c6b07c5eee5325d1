"""The nightly pipeline in its AWS shape: blocks from the blocks-sync image, a flow run of the `nightly`
deployment executed in the flows image as the ECS worker would start it (the pool's job variables, the
flow-run role, the auth string from its secret), stage tasks through moto ECS and Glue, dbt's candidate,
the gate, the publish switching the served Glue table, and the serving Lambda answering for it.

The twin plays the ECS worker's part itself (create the container from the job variables): prefect-aws's
worker would register a task definition and poll CloudWatch, which moto cannot run."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aws_twin.athena_standin import partitions, table_location
from aws_twin.ecs_executor import docker_run, local_image
from aws_twin.moto_aws import ACCOUNT, REGION, Moto, allowed, role_policy
from aws_twin.s3_mirror import mirror_down
from aws_twin.seams import Seam
from aws_twin.stack import Rendered
from finlake_flows import platform

NIGHTLY_WINDOW = {"date_from": "1999-11-01", "date_to": "2020-12-31"}  # the bundled sample's range
FAULT_WINDOW = {"date_from": "2020-01-01", "date_to": "2020-12-31"}
INCREMENT_WINDOW = {"date_from": "2020-12-01", "date_to": "2020-12-31"}  # a night that rewrote December


@dataclass
class FlowRun:
    id: str
    state: str
    exit_code: int
    log_tail: str


def sync_blocks(prefect, moto: Moto, stack: Rendered, docker: str, slack_url: str) -> Seam:
    """blocks-sync's image with its contract command, the deployer's credentials (admin here), against
    the server; then the Slack block is allowed its stand-in's private address (Slack itself is public)."""
    svc = platform.service("blocksSync")
    env = {"PREFECT_API_URL": prefect.url, "PREFECT_API_AUTH_STRING": prefect.auth,
           "FINLAKE_AWS_ENDPOINT_URL": moto.endpoint, **Moto.env_of(moto.admin)}  # fmt: skip
    args = ["--env", stack.stack, "--results-bucket", stack.outputs["artefactsBucket"]]
    # The image's entrypoint is the contract's command (under tini): a run passes the arguments only.
    out = docker_run(docker, f"finlake/{svc['image']}:local", args, env, "twin-blocks-sync")
    docs = prefect.post("/block_documents/filter", {"include_secrets": True})
    names = {d["name"] for d in docs}
    declared = {b["name"] for b in platform.contract()["prefect"]["blocks"].values()}
    slack = next((d for d in docs if d["name"] == platform.contract()["prefect"]["blocks"]["slackAlerts"]["name"]), None)  # fmt: skip
    ok = (
        out.returncode == 0
        and declared <= names
        and slack is not None
        and slack["data"].get("url") == slack_url
    )
    if slack:
        prefect.patch(f"/block_documents/{slack['id']}", {"data": {"allow_private_urls": True}, "merge_existing_data": True})  # fmt: skip
    return Seam("blocks-sync image (Secrets Manager values)", "Prefect server blocks",
                f"exit {out.returncode}, blocks {sorted(names)}, the Slack webhook from its secret",
                ok, "" if ok else (out.stdout + out.stderr)[-800:])  # fmt: skip


def run_flow_run(prefect, moto: Moto, stack: Rendered, docker: str, deployment: str, parameters: dict,
                 extra_env: dict[str, str]) -> FlowRun:  # fmt: skip
    d = platform.contract()["prefect"]["deployments"][deployment]
    dep = prefect.get(f"/deployments/name/{d['flow']}/{d['name']}")
    run = prefect.post(f"/deployments/{dep['id']}/create_flow_run", {"parameters": parameters})
    jv = json.loads(moto.remap(json.dumps(stack.outputs["flowRunJobVariables"])))
    # What the worker's task definition does: the auth string is a secret the execution role reads.
    execution_role = jv["execution_role_arn"].rsplit("/", 1)[1]
    secret_arn = jv["prefect_api_auth_string_secret_arn"]
    if not allowed(role_policy(moto, execution_role), "secretsmanager:GetSecretValue", secret_arn):
        raise RuntimeError(f"the ECS execution role {execution_role} may not read {secret_arn}")
    sm = moto.client("secretsmanager", moto.assume(execution_role))
    auth = sm.get_secret_value(SecretId=secret_arn)["SecretString"]
    env = {**jv["env"], "PREFECT_API_URL": prefect.url, "PREFECT_API_AUTH_STRING": auth,
           "PREFECT__FLOW_RUN_ID": run["id"], **Moto.env_of(moto.assume(jv["task_role_arn"].rsplit("/", 1)[1])),
           **extra_env}  # fmt: skip
    out = docker_run(docker, local_image(jv["image"]), platform.service("flowRun")["command"], env,
                     f"twin-flow-run-{run['id'][:8]}", timeout=1200)  # fmt: skip
    state = prefect.get(f"/flow_runs/{run['id']}")["state"]["type"]
    return FlowRun(run["id"], state, out.returncode, (out.stdout + out.stderr)[-2500:])


def served_location(moto: Moto, stack: Rendered) -> str:
    db, table = stack.outputs["goldTable"].split(".")
    return moto.client("glue").get_table(DatabaseName=db, Name=table)["Table"]["StorageDescriptor"][
        "Location"
    ]


def nightly_seams(prefect, moto: Moto, stack: Rendered, docker: str, ecs, athena, idp, extra_env) -> list[Seam]:  # fmt: skip
    from finlake_flows.publish import GlueTablePublisher

    seams = []
    before = served_location(moto, stack)
    run = run_flow_run(prefect, moto, stack, docker, "nightly", NIGHTLY_WINDOW, extra_env)
    stages = [r.image.split("/")[-1] for r in ecs.ran[-2:]]
    seams.append(Seam("Prefect nightly flow run (flows image, flow-run role)",
                      "ECS connector + Glue + ECS dbt + gate + publish",
                      f"flow run {run.state}, container exit {run.exit_code}, last stage tasks {stages}",
                      run.state == "COMPLETED" and run.exit_code == 0, "" if run.state == "COMPLETED" else run.log_tail))  # fmt: skip
    dbt = next((r for r in reversed(ecs.ran) if "dbt" in r.image), None)
    key = platform.artifact_key("dbtRunResults", run_id=run.id)
    bucket = stack.outputs["artefactsBucket"]
    try:
        results = json.loads(moto.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())["results"]
    except Exception:  # noqa: BLE001 - reported as a failed seam
        results = []
    passed = [r for r in results if r["status"] in ("pass", "success")]
    seams.append(Seam("dbt image on the DuckDB stand-in for Athena (dbt role)",
                      "artefacts run_results.json -> the flow's quality gate",
                      f"task exit {dbt.exit_code if dbt else 'never ran'}, {len(passed)} of {len(results)} nodes passed, candidate denied keys {dbt.denied if dbt else '-'}",
                      bool(dbt) and dbt.exit_code == 0 and len(results) > 0, dbt.log_tail if dbt and dbt.exit_code else ""))  # fmt: skip
    after = served_location(moto, stack)
    db, table = stack.outputs["goldTable"].split(".")
    publisher = GlueTablePublisher(moto.client("glue"), db, table)
    role_name = moto.remap(stack.outputs["flowRunJobVariables"]["task_role_arn"]).rsplit("/", 1)[1]
    policy = role_policy(moto, role_name)
    table_arn = f"arn:aws:glue:{REGION}:{ACCOUNT}:table/{db}/{table}"
    expected = publisher.candidate_location(
        stack.outputs["flowRunJobVariables"]["env"]["FINLAKE_GOLD_URI"], run.id
    )
    # Gold is partitioned by month on Athena: publish registers the candidate's month folders as the
    # served table's partitions (BatchCreatePartition / BatchUpdatePartition), each under this run's candidate.
    parts = partitions(moto, db, table) or {}
    under = all(loc.startswith(expected) for loc in parts.values())
    actions = (
        "glue:UpdateTable",
        "glue:BatchCreatePartition",
        "glue:BatchUpdatePartition",
        "glue:GetPartitions",
    )
    ok = (
        after == expected and after != before and len(parts) > 0 and under
        and all(allowed(policy, a, table_arn) for a in actions)
    )  # fmt: skip
    seams.append(Seam("the flow's publish (flow-run role, Glue partitions)", f"the served table {db}.{table} in Glue",
                      f"location {before} -> {after}; {len(parts)} month partitions, all under the run's candidate: {under}",
                      ok))  # fmt: skip
    if ok:  # the serving seam needs a published version
        seams += serving_seams(moto, stack, athena, idp, after)
    return seams


def serving_seams(moto: Moto, stack: Rendered, athena, idp, location: str) -> list[Seam]:
    import duckdb

    from aws_twin.lambdas import invoke

    api_fn = f"finlake-{stack.stack}-api"
    auth_fn = f"finlake-{stack.stack}-authorizer"
    stage = stack.of_type("aws:apigateway/stage:Stage")[0]["inputs"]["stageName"]  # as API Gateway names it
    method_arn = (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:twinapi/{stage}/GET/v1/portfolios/P001/daily-summary"
    )
    # A token that may read the restricted columns (the money amounts compared below); one without is asked too.
    restricted_scope = platform.contract()["governance"]["restrictedScope"]
    good = idp.token("analyst-1", ["P001"], scope=f"gold:read {restricted_scope}")
    answers = invoke(moto, stack, auth_fn, [
        {"type": "TOKEN", "authorizationToken": f"Bearer {good}", "methodArn": method_arn},
        {"type": "TOKEN", "authorizationToken": f"Bearer {idp.foreign_token('intruder')}", "methodArn": method_arn},
        {"type": "TOKEN", "authorizationToken": "Bearer not-a-jwt", "methodArn": method_arn},
    ], {"JWKS_URL": idp.jwks_url, "NODE_EXTRA_CA_CERTS": str(idp.ca)})  # fmt: skip
    allowed_ctx = answers[0].get("ok", {}).get("context")
    refused = [a.get("error") for a in answers[1:]]
    seams = [Seam("IdP token (RS256, JWKS over https)", "authorizer zip (Node 24, its role)",
                  f"a good token allowed with context {allowed_ctx}, a foreign key and garbage refused: {refused}",
                  bool(allowed_ctx) and refused == ["Unauthorized", "Unauthorized"])]  # fmt: skip
    if not allowed_ctx:
        return seams

    def event(path: str, query: dict, ctx: dict) -> dict:
        return {"resource": "/{proxy+}", "path": path, "httpMethod": "GET", "headers": {"accept": "application/json"},
                "multiValueHeaders": {}, "queryStringParameters": query, "multiValueQueryStringParameters": None,
                "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None, "body": None, "isBase64Encoded": False,
                "requestContext": {"resourcePath": "/{proxy+}", "httpMethod": "GET", "path": f"/{stage}{path}", "stage": stage,
                                   "requestId": "twin", "identity": {"sourceIp": "127.0.0.1"}, "authorizer": ctx}}  # fmt: skip

    window = {"from": "2020-12-01", "to": "2020-12-31"}
    plain_ctx = {**(allowed_ctx or {}), "scopes": "gold:read"}
    answers = invoke(moto, stack, api_fn, [
        event("/v1/portfolios/P001/daily-summary", window, allowed_ctx),
        event("/v1/portfolios/P002/daily-summary", window, allowed_ctx),
        event("/v1/portfolios/P001/daily-summary", window, plain_ctx),
    ])  # fmt: skip
    mine, other, plain = (a.get("ok") or {} for a in answers)
    plain_rows = json.loads(plain.get("body") or "{}").get("items") or []
    hidden = bool(plain_rows) and all("market_value" not in r and "daily_return" in r for r in plain_rows)
    body = json.loads(mine.get("body") or "{}")
    rows = body.get("items") or []
    # The same rows straight from the published Parquet: the API serves the version publish switched to.
    with tempfile.TemporaryDirectory() as tmp:
        mirror_down(moto.client("s3"), location, Path(tmp))
        want = duckdb.execute(
            "select cast(summary_date as varchar), market_value, daily_pnl from read_parquet(?) "
            "where portfolio_id = 'P001' and summary_date between date '2020-12-01' and date '2020-12-31' "
            "order by summary_date", [f"{tmp}/**/*.parquet"],
        ).fetchall()  # fmt: skip
    # Gold's amounts are exact decimals; the API answers them as JSON numbers, each the double nearest them.
    want = [(d, float(mv), None if pnl is None else float(pnl)) for d, mv, pnl in want]
    got = [(r["summary_date"], r["market_value"], r["daily_pnl"]) for r in rows]
    queries = [q for q in athena.ran if q.state == "SUCCEEDED"]
    seams.append(Seam("serving-api zip (Athena on the published table, authorizer context)", "API Gateway proxy answers",
                      f"P001 {mine.get('statusCode')} with {len(rows)} rows, equal to the published Parquet's {len(want)}: {got == want}, "
                      f"P002 {other.get('statusCode')} (not entitled), {len(queries)} Athena queries; "
                      f"without {restricted_scope} {len(plain_rows)} rows, money amounts left out: {hidden}",
                      mine.get("statusCode") == 200 and got == want and len(want) > 0 and other.get("statusCode") == 403
                      and hidden,
                      "" if mine.get("statusCode") == 200 else str(mine.get("body"))[:400] + str([q.error for q in athena.ran])[:400]))  # fmt: skip
    seams.append(news_route_seam(moto, stack, athena, lambda path, q: event(path, q, allowed_ctx)))
    return seams


def news_route_seam(moto: Moto, stack: Rendered, athena, event) -> Seam:
    """The second mart's route: the Lambda derives the news table from its GOLD_TABLE setting, Athena reads
    the location the flow's publish switched that table to, and the answer equals the published Parquet."""
    import duckdb

    from aws_twin.lambdas import invoke

    db, _ = stack.outputs["goldTable"].split(".")
    mart = platform.contract()["gold_marts"][1]
    location = table_location(moto, db, mart)
    with tempfile.TemporaryDirectory() as tmp:
        mirror_down(moto.client("s3"), location, Path(tmp))
        files = f"{tmp}/**/*.parquet"
        pick = duckdb.execute(
            "select symbol, cast(max(trade_date) - 30 as varchar), cast(max(trade_date) as varchar) "
            "from read_parquet(?) group by symbol order by symbol limit 1", [files]
        ).fetchone()  # fmt: skip
        if pick is None:
            return Seam("serving-api zip, news route (the second mart)", f"the served table {db}.{mart}",
                        f"the published location {location} holds no rows", False)  # fmt: skip
        symbol, first, last = pick
        want = duckdb.execute(
            "select cast(trade_date as varchar), cast(close_price as double), news_count from read_parquet(?) "
            "where symbol = ? and trade_date between cast(? as date) and cast(? as date) order by trade_date",
            [files, symbol, first, last],
        ).fetchall()  # fmt: skip
    [answer] = invoke(moto, stack, f"finlake-{stack.stack}-api", [
        event(f"/v1/symbols/{symbol}/daily-news", {"from": first, "to": last}),
    ])  # fmt: skip
    ok = answer.get("ok") or {}
    rows = json.loads(ok.get("body") or "{}").get("items") or []
    got = [(r["trade_date"], r["close_price"], r["news_count"]) for r in rows]
    return Seam("serving-api zip, news route (the second mart)", f"the served table {db}.{mart} via Athena",
                f"{symbol} {first}..{last}: {ok.get('statusCode')} with {len(rows)} rows, equal to the published "
                f"Parquet's {len(want)}: {got == want}",
                ok.get("statusCode") == 200 and got == want and len(want) > 0,
                "" if got == want else str(ok.get("body"))[:400] + str([q.error for q in athena.ran][-2:])[:400])  # fmt: skip


def increment_seam(prefect, moto: Moto, stack: Rendered, docker: str, extra_env) -> Seam:
    """The next night, after a full publish: dbt builds only the months the night rewrote (the dbt task saw
    the served gold's fingerprint equal its own), and publish replaces just those partitions."""
    db, table = stack.outputs["goldTable"].split(".")
    before = partitions(moto, db, table) or {}
    run = run_flow_run(prefect, moto, stack, docker, "nightly", INCREMENT_WINDOW, extra_env)
    after = partitions(moto, db, table) or {}
    key = platform.artifact_key("dbtBatch", run_id=run.id)
    try:
        built = json.loads(
            moto.client("s3").get_object(Bucket=stack.outputs["artefactsBucket"], Key=key)["Body"].read()
        )
    except Exception:  # noqa: BLE001 - reported as a failed seam
        built = {}
    changed = sorted(m for m in after if after[m] != before.get(m))
    ok = (
        run.state == "COMPLETED" and built.get("gold_from") == INCREMENT_WINDOW["date_from"]
        and changed == ["summary_month=2020-12"] and set(after) == set(before)
    )  # fmt: skip
    return Seam("the next nightly (dbt task: a batch over the served fingerprint)", "publish: the batch's months only",
                f"flow run {run.state}, dbt built from {built.get('gold_from')}, partitions replaced {changed} "
                f"of {len(after)}", ok, "" if run.state == "COMPLETED" else run.log_tail[-800:])  # fmt: skip


def fault_seam(prefect, moto: Moto, stack: Rendered, docker: str, ecs, slack, extra_env) -> Seam:
    """The connector task killed (SIGKILL) on every try: the flow fails with the exit code, alerts, and
    the served table stays where it was."""
    before = served_location(moto, stack)
    alerts = len(slack.messages)
    container = platform.service("fmpIngester")["container"]
    ecs.faults[container] = "kill"  # every try the flow makes of the stage
    try:
        run = run_flow_run(prefect, moto, stack, docker, "nightly", FAULT_WINDOW, extra_env)
    finally:
        ecs.faults.pop(container, None)
    new = [m.get("text", "") for m in slack.messages[alerts:]]
    after = served_location(moto, stack)
    ok = (
        run.state in ("FAILED", "CRASHED")
        and any("137" in m and "FAILED" in m for m in new)
        and after == before
    )
    return Seam("fmp-ingester task killed (SIGKILL) in the nightly", "the flow, Slack (stand-in), the served table",
                f"flow run {run.state}, {len(new)} alert(s) {[m[:90] for m in new]}, served table unchanged={after == before}",
                ok, "" if ok else run.log_tail[-800:])  # fmt: skip
