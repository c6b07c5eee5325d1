"""The news path as Glue runs it: bronze and silver in S3, each day's pointer the Glue partition's location.
moto stands in for S3 and the Glue catalog (real boto3 calls); the table is declared as infra declares it,
from the contract (columns without the partition key, partitioned by session_date)."""

import gzip
import io
import json

import boto3
import pyarrow.parquet as pq
import pytest
from moto import mock_aws
from test_news import item, record

from finlake_glue import job, news
from finlake_glue.contract import load_contract, source_dataset

DB = "finlake_test_silver"


@pytest.fixture
def aws(monkeypatch):
    for k, v in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("FINLAKE_AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3, glue = boto3.client("s3"), boto3.client("glue")
        for b in ("bronze", "silver"):
            s3.create_bucket(Bucket=b)
        glue.create_database(DatabaseInput={"Name": DB})
        c = load_contract("fmp_news")
        glue.create_table(
            DatabaseName=DB,
            TableInput={
                "Name": "fmp_news",
                "TableType": "EXTERNAL_TABLE",
                "PartitionKeys": [{"Name": "session_date", "Type": "date"}],
                "StorageDescriptor": {
                    "Columns": [{"Name": col.name, "Type": col.sql_type} for col in c.columns],
                    "Location": "s3://silver/fmp_news/",
                    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                },
            },
        )
        yield s3, glue


def land(s3, n, lines, hour="15"):
    key = f"{source_dataset('fmp_news')['bronze_prefix']}year=2025/month=09/day=22/hour={hour}/d-1-{n:04d}.gz"
    s3.put_object(Bucket="bronze", Key=key, Body=gzip.compress(("\n".join(lines) + "\n").encode()))


def run(*extra):
    return job.main(
        ["--dataset", "fmp_news", "--bronze_uri", "s3://bronze", "--silver_uri", "s3://silver",
         "--silver_database", DB, *extra]
    )  # fmt: skip


def day_rows(s3, glue, day):
    """What Athena would read: the objects under the partition's location, nothing else."""
    p = glue.get_partition(DatabaseName=DB, TableName="fmp_news", PartitionValues=[day])["Partition"]
    location = p["StorageDescriptor"]["Location"]
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    rows = []
    for k in keys:
        rows += pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=k)["Body"].read())).to_pylist()
    return location, keys, rows


def test_batches_and_compaction_on_s3_switch_the_glue_partition(aws):
    s3, glue = aws
    for i in range(3):
        land(s3, i, [record(item(url=f"https://www.reuters.com/{i}-{j}")) for j in range(4)])
        assert run("--run_id", f"r{i}", "--mode", "stream") == 0
    # A repeated article and a bad one in a later batch: deduped against silver, rejected with its reason.
    land(s3, 9, [record(item(url="https://www.reuters.com/0-0")), record(item(title=" "))])
    assert run("--run_id", "r9") == 0
    summary = json.loads(
        s3.get_object(Bucket="silver", Key=news.open_layout("/x").summary("r9"))["Body"].read()
    )
    assert (summary["already_in_silver"], summary["rejected_by_reason"]) == (1, {"empty_title": 1})

    location, keys, rows = day_rows(s3, glue, "2025-09-22")
    assert "/_versions/fmp_news/session_date=2025-09-22/v=r0/" in location
    assert len(keys) == 3 and len(rows) == 12 == len({r["article_id"] for r in rows})
    # The partition keeps the table's formats (Athena reads it as Parquet).
    part = glue.get_partition(DatabaseName=DB, TableName="fmp_news", PartitionValues=["2025-09-22"])
    assert part["Partition"]["StorageDescriptor"]["InputFormat"].endswith("MapredParquetInputFormat")

    assert run("--run_id", "c1", "--mode", "compact") == 0
    location, keys, compacted = day_rows(s3, glue, "2025-09-22")
    assert location.endswith("/v=c-c1/") and len(keys) == 1
    assert sorted(r["article_id"] for r in compacted) == sorted(r["article_id"] for r in rows)
    # Only the current version is left in the bucket.
    left = s3.list_objects_v2(Bucket="silver", Prefix="_versions/").get("Contents", [])
    assert [o["Key"] for o in left] == keys
    # The lock is released.
    assert not s3.list_objects_v2(Bucket="silver", Prefix="_writers/").get("Contents")


def test_a_held_s3_lock_stops_a_second_writer(aws):
    _ = aws
    layout = news.open_layout("s3://silver", "s3://bronze", DB)
    with news.writer_lock(layout, "other"), pytest.raises(RuntimeError, match="being written by run other"):
        news.transform("s3://bronze", "s3://silver", "r1", silver_database=DB)


def test_news_on_s3_without_its_database_is_refused_with_the_reason(capsys):
    assert (
        job.main(
            [
                "--dataset",
                "fmp_news",
                "--bronze_uri",
                "s3://bronze",
                "--silver_uri",
                "s3://silver",
                "--run_id",
                "r",
            ]
        )
        == 2
    )
    assert "--silver_database is required for fmp_news on S3" in capsys.readouterr().err
