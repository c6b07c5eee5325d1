"""The news stream's deployed shape: the producer's image under its task role puts FMP news on the rendered
Kinesis stream; the Firehose delivery (the local one, under the rendered Firehose role) lands it in bronze;
the Glue job's streamed path (under the Glue role) builds silver on S3 and switches the day partitions in the
catalog; a compaction run rewrites each day and switches again. Every step reads what the one before wrote.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aws_twin.ecs_executor import local_image
from aws_twin.moto_aws import ACCOUNT, REGION, Moto, allowed, role_policy
from aws_twin.seams import Seam, container_of, container_role
from aws_twin.stack import REPO, Rendered
from finlake_flows import platform

# The sandbox's news feed is frozen here (a Tuesday, 12:00 in New York) so the two producer runs' windows fall
# on the same sessions whatever the hour: run 1 (4 h) lands on Tuesday's session, run 2 (28 h) on Monday's and
# again on Tuesday's, so the compaction always has a day of two files. Against the real clock the runs could
# straddle 16:00 New York and give every day one file.
NEWS_CLOCK = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


def provision_streams(moto: Moto, stack: Rendered) -> None:
    """The rendered Kinesis streams (before the roles, whose policies name their ARNs)."""
    kinesis = moto.client("kinesis")
    for s in stack.of_type("aws:kinesis/stream:Stream"):
        i = s["inputs"]
        if i.get("streamModeDetails", {}).get("streamMode") == "ON_DEMAND":
            kinesis.create_stream(StreamName=i["name"], StreamModeDetails={"StreamMode": "ON_DEMAND"})
        else:
            kinesis.create_stream(StreamName=i["name"], ShardCount=int(i["shardCount"]))
        arn = kinesis.describe_stream_summary(StreamName=i["name"])["StreamDescriptionSummary"]["StreamARN"]
        moto.arns[f"arn:aws:kinesis:{REGION}:{ACCOUNT}:{s['name']}"] = arn


def _stream(stack: Rendered) -> dict:
    return stack.of_type("aws:kinesis/stream:Stream")[0]


def _role_trusting(stack: Rendered, service: str) -> str:
    for role in stack.of_type("aws:iam/role:Role"):
        if service in role["inputs"]["assumeRolePolicy"] and "news" in role["name"]:
            return role["inputs"].get("name") or role["name"]
    raise LookupError(f"no news role trusted by {service} in the rendered stack")


def stream_records(moto: Moto, name: str) -> list[dict]:
    kinesis = moto.client("kinesis")
    out = []
    for shard in kinesis.list_shards(StreamName=name)["Shards"]:
        it = kinesis.get_shard_iterator(
            StreamName=name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )
        iterator = it["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            out += [{"key": r["PartitionKey"], **json.loads(r["Data"])} for r in page["Records"]]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return out


def run_producer(moto: Moto, stack: Rendered, docker: str, sandbox_url: str, endpoints: dict,
                 producer: str, since_hours: int) -> tuple[int, str]:  # fmt: skip
    """The producer's task as ECS runs it (its command, rendered environment, task role), until its first
    checkpoint is in bronze; then ECS's stop: SIGTERM, and the stop timeout before SIGKILL."""
    family = f"finlake-{stack.stack}-news-producer"
    container = container_of(stack, family)
    env = {e["name"]: moto.remap(e["value"]) for e in container["environment"]}
    env.update(Moto.env_of(moto.assume(container_role(stack, family))))
    # The twin's additions: its stand-ins, a first watermark within the sandbox's feed, a free health port.
    since = (NEWS_CLOCK - timedelta(hours=since_hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    env.update({**endpoints, "FMP_BASE_URL": sandbox_url, "NEWS_SINCE": since, "NEWS_POLL_INTERVAL_MS": "1000",
                "HEALTH_PORT": "0", "PRODUCER_NAME": producer})  # fmt: skip
    name = "twin-news-producer"
    cmd = [docker, "run", "--rm", "--name", name, "--network", "host"]
    for k, v in env.items():
        cmd += ["-e", f"{k}={v}"]
    proc = subprocess.Popen([*cmd, local_image(container["image"]), *container["command"]],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    s3 = moto.client("s3")
    bronze = env["FINLAKE_BRONZE_URI"].removeprefix("s3://")
    key = platform.contract()["lake"]["bronze"]["checkpoint"].format(
        source="fmp", dataset="news", producer=producer
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if s3.list_objects_v2(Bucket=bronze, Prefix=key).get("KeyCount"):
            break
        time.sleep(0.5)
    subprocess.run(
        [docker, "stop", "-t", str(container["stopTimeout"]), name], capture_output=True, check=False
    )
    try:
        out, _ = proc.communicate(timeout=container["stopTimeout"] + 15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return proc.returncode, out[-1500:]


def deliver(moto: Moto, stack: Rendered, state: str) -> dict:
    """The Firehose delivery under the rendered Firehose role: reads the stream from where it left off
    (`state`), lands bronze."""
    creds = moto.assume(_role_trusting(stack, "firehose.amazonaws.com"))
    d = stack.of_type("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")[0]["inputs"]
    node = REPO / ".tools" / "node" / "bin" / "node"
    env = {"PATH": "/usr/bin:/bin", **Moto.env_of(creds), "FINLAKE_AWS_ENDPOINT_URL": moto.endpoint,
           "FINLAKE_BRONZE_URI": f"s3://{stack.bucket('bronze')}", "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE": "1"}  # fmt: skip
    out = subprocess.run(
        [str(node) if node.exists() else "node", "--import", "tsx", "-C", "@finlake/source",
         str(REPO / "tools" / "stream-local" / "src" / "deliver.ts"),
         "--stream", _stream(stack)["inputs"]["name"], "--delivery", d["name"], "--idle-ms", "2000", "--state", state],
        cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    if out.returncode != 0:
        return {"error": out.stderr[-800:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def glue_run(moto: Moto, stack: Rendered, flow_creds: dict, mode: str, run_id: str) -> tuple[str, dict | str]:
    """The flows' own Glue runner (the news flows' stage) under the flow-run role: StartJobRun with the run's
    arguments, polled to its end, then the run's summary read from silver."""
    from aws_twin.seams import flow_aws_settings
    from finlake_flows.runners import GlueTransform, StageFailed

    runner = GlueTransform(moto.client("glue", flow_creds), moto.client("s3", flow_creds),
                           flow_aws_settings(moto, stack), poll_s=0.5, timeout_s=600)  # fmt: skip
    try:
        return "SUCCEEDED", runner.stream("fmp_news", mode, run_id)
    except StageFailed as err:
        return "FAILED", str(err)


def silver_days(moto: Moto, stack: Rendered) -> dict[str, tuple[str, list[dict]]]:
    """What Athena reads of silver fmp_news: per registered partition, its location's Parquet rows."""
    import pyarrow.parquet as pq

    glue, s3 = moto.client("glue"), moto.client("s3")
    db = f"finlake_{stack.stack}_silver"
    days = {}
    for p in glue.get_partitions(DatabaseName=db, TableName="fmp_news")["Partitions"]:
        location = p["StorageDescriptor"]["Location"]
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        rows: list[dict] = []
        for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            rows += pq.read_table(io.BytesIO(body), columns=["article_id"]).to_pylist()
        days[p["Values"][0]] = (location, rows)
    return days


def _producer_seam(moto: Moto, stack: Rendered, code: int, tail: str, records: list[dict], run: str) -> Seam:
    family = f"finlake-{stack.stack}-news-producer"
    env = {e["name"]: e["value"] for e in container_of(stack, family)["environment"]}
    symbols = set(env["NEWS_SYMBOLS"].split(","))
    items = [(r, json.loads(r["item"])) for r in records]
    keyed = all(r["key"] in symbols for r in records)
    ids_ok = all(
        r["article_id"] == hashlib.sha256(f"{i.get('symbol')}|{i.get('url')}".encode()).hexdigest()
        for r, i in items if isinstance(i, dict) and i.get("url")
    )  # fmt: skip
    policy = role_policy(moto, container_role(stack, family))
    stream = _stream(stack)["inputs"]["name"]
    arn = moto.remap(f"arn:aws:kinesis:{REGION}:{ACCOUNT}:{_stream(stack)['name']}")
    scoped = allowed(policy, "kinesis:PutRecords", arn) and not allowed(
        policy, "kinesis:PutRecords", arn.replace(stream, f"{stream}-other")
    )
    return Seam(f"news-producer image, {run} (task role, SIGTERM at ECS's stop)", f"Kinesis {stream}",
                f"exit {code}, {len(records)} records keyed by symbol, ids sha256(symbol|url), role scoped to the stream",
                code == 0 and bool(records) and keyed and ids_ok and scoped, "" if code == 0 else tail)  # fmt: skip


def news_seams(moto: Moto, stack: Rendered, docker: str, sandbox_url: str, endpoints: dict, glue_executor,
               flow_creds: dict) -> list[Seam]:  # fmt: skip
    """Two producer runs (the second a new producer from further back: its older articles are new to silver,
    its newer ones duplicates), each delivered and batched into silver, then a compaction."""
    seams: list[Seam] = []
    stream = _stream(stack)["inputs"]["name"]
    arn = moto.remap(f"arn:aws:kinesis:{REGION}:{ACCOUNT}:{_stream(stack)['name']}")
    firehose_policy = role_policy(moto, _role_trusting(stack, "firehose.amazonaws.com"))
    seen = 0
    batches = []
    positions = tempfile.TemporaryDirectory(prefix="finlake-twin-firehose-")
    for n, (producer, hours) in enumerate((("news-producer", 4), ("news-producer-backfill", 28)), start=1):
        code, tail = run_producer(moto, stack, docker, sandbox_url, endpoints, producer, hours)
        records = stream_records(moto, stream)
        seams.append(_producer_seam(moto, stack, code, tail, records[seen:], f"run {n}"))
        delivered = deliver(moto, stack, str(Path(positions.name) / "positions.json"))
        want = len(records) - seen
        seams.append(Seam(f"Firehose delivery, run {n} (Firehose role)", "bronze in S3 (IAM enforced)",
                          f"{delivered.get('records')} of {want} records in {delivered.get('objects')} GZIP objects",
                          delivered.get("records") == want and allowed(firehose_policy, "kinesis:GetRecords", arn),
                          delivered.get("error", "")))  # fmt: skip
        seen = len(records)
        state, summary = glue_run(moto, stack, flow_creds, "stream", f"twin-news-{n}")
        tail = glue_executor.ran[-1].log_tail if glue_executor.ran else ""
        batches.append((state, summary if state == "SUCCEEDED" else f"{summary} {tail}"))
    positions.cleanup()
    records = stream_records(moto, stream)
    days = silver_days(moto, stack)
    ids = [r["article_id"] for _, rows in days.values() for r in rows]
    in_versions = all("/_versions/fmp_news/" in loc for loc, _ in days.values())
    ok = all(state == "SUCCEEDED" for state, _ in batches)
    done = [b for s, b in batches if s == "SUCCEEDED" and isinstance(b, dict)]
    again = sum(b["already_in_silver"] for b in done)
    # Every record is accounted for: read by a batch, then written once, rejected, or already in silver.
    read, written, rejected = (
        sum(b[k] for b in done) for k in ("rows_read", "rows_written", "rows_rejected")
    )
    seams.append(Seam("the news flows' Glue stage -> Glue job fmp_news, two micro-batches (Glue role, on S3)",
                      "Glue partitions of silver fmp_news",
                      f"{[s for s, _ in batches]}, {len(days)} day partitions at their versions, {len(ids)} rows = "
                      f"{len(set(ids))} distinct of {read} records read, {rejected} rejected, {again} already in silver",
                      ok and bool(days) and in_versions and len(ids) == len(set(ids)) == written
                      and read == len(records) and rejected > 0
                      and set(ids) <= {r["article_id"] for r in records},
                      "" if ok else next(t for s, t in batches if s != "SUCCEEDED")))  # fmt: skip

    files = {d: _files(moto, loc) for d, (loc, _) in days.items()}
    state, _ = glue_run(moto, stack, flow_creds, "compact", "twin-news-c1")
    after = silver_days(moto, stack)
    same = sorted(r["article_id"] for _, rows in after.values() for r in rows) == sorted(ids)
    many = [d for d, n in files.items() if n >= 2]
    switched = all(after[d][0].rstrip("/").endswith("v=c-twin-news-c1") and _files(moto, after[d][0]) == 1
                   for d in many)  # fmt: skip
    seams.append(Seam("Glue job fmp_news compaction", "the day partitions' locations",
                      f"{state}, {len(many)} days of 2+ files each switched to one compacted file, rows unchanged",
                      state == "SUCCEEDED" and bool(many) and same and switched))  # fmt: skip
    return seams


def _files(moto: Moto, location: str) -> int:
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    return moto.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount", 0)
