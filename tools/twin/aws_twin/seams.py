"""The seams of the deployed shape, each run with the real writer against the real reader."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from botocore.exceptions import ClientError

from aws_twin.moto_aws import Moto, allowed
from aws_twin.stack import Rendered
from finlake_flows.runners import EcsTaskRunner, Window
from finlake_flows.settings import load_aws


@dataclass
class Seam:
    writer: str
    reader: str
    checked: str
    ok: bool
    detail: str = ""

    def line(self) -> str:
        mark = "pass" if self.ok else "FAIL"
        return f"{mark}  {self.writer} -> {self.reader}: {self.checked}{f' ({self.detail})' if self.detail else ''}"


def flow_run_env(moto: Moto, stack: Rendered) -> dict[str, str]:
    """The flow runs' environment exactly as infra sets it on the pool (the rendered job variables)."""
    env = {k: moto.remap(v) for k, v in stack.outputs["flowRunJobVariables"]["env"].items()}
    return env


def container_of(stack: Rendered, family: str) -> dict:
    td = stack.one("aws:ecs/taskDefinition:TaskDefinition", family=family)
    return json.loads(td["inputs"]["containerDefinitions"])[0]


def flow_run_credentials(moto: Moto, stack: Rendered) -> dict:
    """The flow-run role's credentials (what ECS hands a flow-run task): the flows' own runner code then
    starts and watches the stages under them, as in AWS."""
    logical = stack.outputs["flowRunJobVariables"]["task_role_arn"].rsplit(":", 1)[1]
    return moto.assume(_role_name(stack, logical))


def flow_aws_settings(moto: Moto, stack: Rendered):
    return load_aws({**flow_run_env(moto, stack), "FINLAKE_RUNNER": "aws"})


def _role_name(stack: Rendered, logical: str) -> str:
    role = next(r for r in stack.of_type("aws:iam/role:Role") if r["name"] == logical)
    return role["inputs"].get("name") or role["name"]


def run_connector_through_ecs(moto: Moto, stack: Rendered, handoff: str, run_id: str):
    """The flows' EcsIngestion against moto: RunTask (Spot-first strategy, the contract's command
    override) -> the twin's executor runs the image under the task role -> the exit code back."""
    from finlake_flows.runners import EcsIngestion, StageFailed

    creds = flow_run_credentials(moto, stack)
    ecs, s3, aws = moto.client("ecs", creds), moto.client("s3", creds), flow_aws_settings(moto, stack)
    try:
        manifest = EcsIngestion(EcsTaskRunner(ecs, aws, poll_s=0.5, timeout_s=600), s3).ingest(
            ("AAPL", "^GSPC"), Window(*_window()), run_id, handoff
        )
        return 0, manifest, ""
    except StageFailed as err:
        return 1, None, str(err)


def _window():
    from datetime import date

    return date(2020, 12, 1), date(2020, 12, 31)


def container_role(stack: Rendered, family: str) -> str:
    td = stack.one("aws:ecs/taskDefinition:TaskDefinition", family=family)
    mock = td["inputs"]["taskRoleArn"]  # arn:aws:iam:<region>:<account>:<logical name>
    return mock.rsplit(":", 1)[1]


def bronze_keys(moto: Moto, stack: Rendered) -> list[str]:
    s3 = moto.client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=stack.bucket("bronze"))
    return sorted(o["Key"] for p in pages for o in p.get("Contents", []))


def connector_seams(moto: Moto, stack: Rendered, executor) -> list[Seam]:
    seams = []
    code, manifest, error = run_connector_through_ecs(moto, stack, "event", "twin-ingest-1")
    keys = bronze_keys(moto, stack)
    ran = executor.ran[-1] if executor.ran else None
    detail = error or (ran.log_tail if ran and ran.exit_code else "")
    seams.append(
        Seam("the flow's RunTask (flow-run role) -> moto ECS -> fmp-ingester image (task role)",
             "bronze in S3 (IAM enforced) -> the flow reads the manifest",
             f"task exit {ran.exit_code if ran else 'never ran'}, {len(keys)} objects, manifest landed={manifest and manifest['landed']}",
             code == 0 and bool(manifest) and manifest["failed"] == 0, detail)
    )  # fmt: skip
    creds = moto.assume(container_role(stack, f"finlake-{stack.stack}-fmp-ingester"))
    try:
        moto.client("s3", creds).put_object(Bucket=stack.bucket("bronze"), Key="other/x.json", Body=b"{}")
        denied = False
    except ClientError as err:
        denied = err.response["Error"]["Code"] == "AccessDenied"
    seams.append(
        Seam("fmp-ingester task role", "S3 authorization", "a key outside its prefixes is denied", denied)
    )
    # A task that fails reaches the flow as a failed stage with its exit code: a rejected API key (exit 3).
    container = container_of(stack, f"finlake-{stack.stack}-fmp-ingester")
    secret = moto.remap(
        next(e["value"] for e in container["environment"] if e["name"] == "FMP_API_KEY_SECRET_ID")
    )
    sm = moto.client("secretsmanager")
    good = sm.get_secret_value(SecretId=secret)["SecretString"]
    sm.put_secret_value(SecretId=secret, SecretString="revoked-key")
    try:
        code, _, error = run_connector_through_ecs(moto, stack, "pipeline", "twin-bad-key")
    finally:
        sm.put_secret_value(SecretId=secret, SecretString=good)
    seams.append(
        Seam("fmp-ingester task (a rejected API key)", "the flow's ECS runner",
             f"a failed stage: {error[:70]}", code != 0 and "exited 3" in error)
    )  # fmt: skip
    # What moto cannot scope by resource, the twin checks itself: the secret the task reads is the one it may.
    role = container_role(stack, f"finlake-{stack.stack}-fmp-ingester")
    policy = moto.client("iam").get_role_policy(RoleName=role, PolicyName=role)["PolicyDocument"]
    secret = moto.remap(next(e["value"] for e in container_of(stack, f"finlake-{stack.stack}-fmp-ingester")["environment"]
                             if e["name"] == "FMP_API_KEY_SECRET_ID"))  # fmt: skip
    others = [a for a in moto.arns.values() if ":secret:" in a and a != secret]
    ok = allowed(policy, "secretsmanager:GetSecretValue", secret) and not any(
        allowed(policy, "secretsmanager:GetSecretValue", o) for o in others
    )
    seams.append(Seam("fmp-ingester task definition (FMP_API_KEY_SECRET_ID)", "its task role",
                      f"may read exactly that secret of {len(others) + 1}", ok))  # fmt: skip
    return seams


def event_rule_seam(moto: Moto, stack: Rendered, queue_url: str, expect_key: str) -> tuple[Seam, list[dict]]:
    sqs = moto.client("sqs")
    events = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        msgs = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        events += [json.loads(m["Body"]) for m in msgs]
        if not msgs and events:
            break
    keys = [e["detail"]["object"]["key"] for e in events]
    ok = keys == [expect_key]
    return Seam("S3 Object Created (every landed object)", "rendered EventBridge rule",
                f"{len(keys)} event(s) delivered: {keys}", ok), events  # fmt: skip


def wire_event_rule(moto: Moto, stack: Rendered) -> str:
    """The rendered rule on the default bus, its target an SQS queue the twin drains (the Lambda target's
    stand-in: moto does not run Node functions; the twin invokes the trigger's zip with what arrives)."""
    rule = stack.of_type("aws:cloudwatch/eventRule:EventRule")[0]
    events = moto.client("events")
    events.put_rule(Name=rule["name"], EventPattern=rule["inputs"]["eventPattern"], State="ENABLED")
    sqs = moto.client("sqs")
    url = sqs.create_queue(QueueName="twin-bronze-trigger")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_targets(Rule=rule["name"], Targets=[{"Id": "trigger", "Arn": arn}])
    return url
