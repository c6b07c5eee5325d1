import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import row

from finlake_glue import args as job_args
from finlake_glue.job import main, run
from finlake_glue.logs import configure


def job(lake: Path, run_id="r1", mode="window", date_from="2020-01-01", date_to="2020-12-31", **extra):
    argv = [
        "--dataset",
        "fmp_eod_prices",
        "--bronze_uri",
        str(lake / "bronze"),
        "--silver_uri",
        str(lake / "silver"),
        "--run_id",
        run_id,
        "--mode",
        mode,
    ]
    if mode == "window":
        argv += ["--from", date_from, "--to", date_to]
    for k, v in extra.items():
        argv += [f"--{k}", v]
    return job_args.parse(argv)


def execute(spark, lake, **kw):
    a = job(lake, **kw)
    return run(spark, a, configure(a.run_id))


def silver_rows(spark, lake):
    df = spark.read.parquet(str(lake / "silver" / "fmp_eod_prices"))
    return sorted((r.asDict() for r in df.collect()), key=lambda r: (r["symbol"], r["trade_date"]))


def rejects(spark, lake, run_id="r1"):
    df = spark.read.parquet(str(lake / "silver" / "_rejects" / "fmp_eod_prices" / f"run_id={run_id}"))
    return {(r["record_index"], r["reject_reason"]) for r in df.collect()}, [r.asDict() for r in df.collect()]


def test_each_rejection_rule_lands_in_rejects_with_its_reason_and_good_rows_pass_untouched(
    spark, lake, bronze
):
    good = row(date="2020-01-02", o=10.0, h=12.5, low=9.5, c=11.25, volume=1234)
    cases = [
        ("missing_close", {k: v for k, v in row(date="2020-01-03").items() if k != "close"}),
        ("invalid_date", row(date="2020-02-30")),
        ("invalid_date", row(date="02/01/2020")),
        ("non_numeric_open", row(date="2020-01-06", o="abc")),
        ("non_numeric_vwap", row(date="2020-01-06", vwap="n/a")),
        ("non_positive_price", row(date="2020-01-07", o=0.0, low=0.0)),
        ("high_below_low", row(date="2020-01-08", h=8.0, low=9.0, o=8.5, c=8.5)),
        ("high_below_open_or_close", row(date="2020-01-09", h=11.0, c=11.5)),
        ("low_above_open_or_close", row(date="2020-01-10", low=10.5)),
        ("invalid_volume", row(date="2020-01-13", volume=-5)),
        ("invalid_volume", row(date="2020-01-14", volume=10.5)),
        ("invalid_symbol", row(symbol="aapl;--", date="2020-01-15")),
        ("symbol_mismatch", row(symbol="MSFT", date="2020-01-16")),
        # 10^13 does not fit the contract's DECIMAL(18,6): rejected by name, never a silent null.
        ("out_of_range_high", row(date="2020-01-17", h=1e13)),
    ]
    key = bronze.put("AAPL", "2020-01-01", "2020-01-31", [good] + [r for _, r in cases])
    summary = execute(spark, lake)

    [out] = silver_rows(spark, lake)
    assert out["symbol"] == "AAPL" and str(out["trade_date"]) == "2020-01-02"
    assert (out["open"], out["high"], out["low"], out["close"], out["volume"]) == (
        10.0,
        12.5,
        9.5,
        11.25,
        1234,
    )
    assert out["source_object"] == key and out["run_id"] == "r1"
    assert out["ingested_at"].isoformat().startswith("2021-01-01T00:00")
    got, full = rejects(spark, lake)
    assert got == {(i + 1, reason) for i, (reason, _) in enumerate(cases)}
    assert all(r["source_object"] == key for r in full)
    assert (
        json.loads(next(r for r in full if r["reject_reason"] == "non_numeric_open")["record"])["open"]
        == "abc"
    )
    assert summary["rows_read"] == 1 + len(cases)
    assert summary["rows_valid"] == 1 and summary["rows_rejected"] == len(cases)
    assert summary["rejected_by_reason"]["invalid_date"] == 2


def test_prices_are_stored_as_the_contracts_exact_decimals_from_fmps_text(spark, lake, bronze):
    # As a double, 1.2345675 is 1.23456749999...: rounding it would give ...67. From the text, half up: ...68.
    body = '[{"symbol":"AAPL","date":"2020-01-02","open":129.93,"high":131.1,"low":0.1,"close":1.2345675,'
    body += '"volume":10,"vwap":0.3,"change":-128.6954325,"changePercent":-99.05}]'
    bronze.put("AAPL", "2020-01-01", "2020-01-31", body)
    execute(spark, lake)
    [out] = silver_rows(spark, lake)
    schema = {f.name: f.dataType.simpleString() for f in spark.read.parquet(str(lake / "silver")).schema}
    assert {schema[c] for c in ("open", "high", "low", "close", "vwap", "change")} == {"decimal(18,6)"}
    assert schema["change_percent"] == "double"  # a ratio, not an amount
    assert (out["open"], out["low"], out["close"], out["vwap"], out["change"]) == (
        Decimal("129.930000"),
        Decimal("0.100000"),
        Decimal("1.234568"),
        Decimal("0.300000"),
        Decimal("-128.695433"),
    )


def test_a_whole_object_that_is_not_a_json_array_is_rejected_as_one_unit_and_the_job_goes_on(
    spark, lake, bronze
):
    bronze.put("AAPL", "2020-01-01", "2020-01-31", [row(date="2020-01-02")])
    bronze.put("MSFT", "2020-01-01", "2020-01-31", {"Error Message": "Limit Reach ."})
    bronze.put("GOOG", "2020-01-01", "2020-01-31", '[{"symbol":"GOOG","date":"2020-')
    tampered = bronze.put("AMZN", "2020-01-01", "2020-01-31", [row(symbol="AMZN")])
    (lake / "bronze" / tampered).write_text(json.dumps([row(symbol="AMZN", c=99.0, h=120)]))
    summary = execute(spark, lake)
    assert [r["symbol"] for r in silver_rows(spark, lake)] == ["AAPL"]
    _, full = rejects(spark, lake)
    by_symbol = {r["symbol"]: r["reject_reason"] for r in full}
    assert by_symbol == {"MSFT": "not_a_json_array", "GOOG": "invalid_json", "AMZN": "checksum_mismatch"}
    assert all(r["record_index"] == -1 for r in full)
    assert summary["objects_rejected"] == 3


def test_index_symbols_with_a_caret_survive_the_round_trip(spark, lake, bronze):
    key = bronze.put(
        "^GSPC", "2020-01-01", "2020-01-31", [row(symbol="^GSPC", o=3200.0, h=3250.0, low=3190.0, c=3240.0)]
    )
    execute(spark, lake)
    [out] = silver_rows(spark, lake)
    assert out["symbol"] == "^GSPC" and out["source_object"] == key


def test_duplicate_keys_across_objects_keep_the_latest_fetch(spark, lake, bronze):
    bronze.put(
        "AAPL",
        "2020-01-01",
        "2020-01-31",
        [row(date="2020-01-02", c=11.0)],
        fetched_at="2021-01-01T00:00:00Z",
    )
    newer = bronze.put(
        "AAPL",
        "2020-01-02",
        "2020-01-02",
        [row(date="2020-01-02", c=11.5)],
        fetched_at="2021-02-01T00:00:00Z",
    )
    bronze.put(
        "AAPL",
        "2019-12-01",
        "2020-01-15",
        [row(date="2020-01-02", c=10.5)],
        fetched_at="2020-12-01T00:00:00Z",
    )
    summary = execute(spark, lake)
    [out] = silver_rows(spark, lake)
    assert out["close"] == 11.5 and out["source_object"] == newer
    assert summary["duplicates_dropped"] == 2


def _files(root: Path):
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes()) for p in root.rglob("*.parquet")}


def test_idempotent_runs_and_reprocessing_one_month_leaves_the_other_months_alone(spark, lake, bronze):
    bronze.put(
        "AAPL", "2020-01-01", "2020-03-31", [row(date=d) for d in ("2020-01-02", "2020-02-03", "2020-03-02")]
    )
    bronze.put(
        "SPY", "2020-01-01", "2020-03-31", [row(symbol="SPY", date=d) for d in ("2020-01-02", "2020-02-03")]
    )
    execute(spark, lake, date_from="2020-01-01", date_to="2020-03-31")
    first = silver_rows(spark, lake)
    execute(spark, lake, date_from="2020-01-01", date_to="2020-03-31")
    assert silver_rows(spark, lake) == first  # same run id: identical rows, no duplicates
    silver = lake / "silver" / "fmp_eod_prices"
    before = _files(silver)

    summary = execute(spark, lake, run_id="r2", date_from="2020-02-10", date_to="2020-02-20")
    after = _files(silver)
    assert summary["partitions_written"] == ["year=2020/month=2"]
    untouched = {k: v for k, v in before.items() if "month=2/" not in k}
    assert untouched and all(after[k] == v for k, v in untouched.items())
    assert {k for k in after if "month=2/" in k} != {k for k in before if "month=2/" in k}
    rows = silver_rows(spark, lake)
    assert len(rows) == len(first) == 5
    assert {(r["symbol"], str(r["trade_date"])) for r in rows} == {
        (r["symbol"], str(r["trade_date"])) for r in first
    }
    assert {r["run_id"] for r in rows if r["trade_date"].month == 2} == {"r2"}
    assert summary["rows_outside_window"] == 3  # Jan and Mar rows of the objects read: not this run's months


def test_the_summary_is_written_beside_the_output(spark, lake, bronze):
    bronze.put("AAPL", "2020-01-01", "2020-01-31", [row(), row(date="2020-13-01")])
    summary = execute(spark, lake, run_id="sum1")
    written = json.loads((lake / "silver" / "_runs" / "fmp_eod_prices" / "run_id=sum1.json").read_text())
    assert written["status"] == "succeeded"
    assert (
        written["rows_read"] == 2
        and written["rows_valid"] == 1
        and written["rejected_by_reason"] == {"invalid_date": 1}
    )
    assert written["partitions_written"] == summary["partitions_written"] == ["year=2020/month=1"]


def test_an_empty_bronze_is_a_successful_run_that_writes_nothing(spark, lake):
    summary = execute(spark, lake)
    assert summary["objects_read"] == 0 and summary["rows_written"] == 0 and summary["status"] == "succeeded"


# A well-formed argument list up to the run id; each case below breaks one thing.
ZONES = ["--dataset", "fmp_eod_prices", "--bronze_uri", "/b", "--silver_uri", "/s"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "x"], "--bronze_uri is required"),
        (
            ["--dataset", "nope", "--bronze_uri", "/b", "--silver_uri", "/s", "--run_id", "r"],
            "--dataset 'nope'",
        ),
        (
            ["--dataset", "fmp_eod_prices", "--bronze_uri", "b", "--silver_uri", "/s", "--run_id", "r"],
            "absolute local path",
        ),
        ([*ZONES, "--run_id", "r"], "needs --from and --to"),
        ([*ZONES, "--run_id", "r", "--from", "2020-01-32", "--to", "2020-02-01"], "--from '2020-01-32'"),
        ([*ZONES, "--run_id", "../x", "--mode", "full"], "--run_id"),
        ([*ZONES, "--run_id", "r", "--mode", "full", "--bogus", "1"], "unknown argument"),
    ],
)
def test_bad_arguments_exit_2_with_what_was_wrong(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_local_runs_set_file_permissions_through_the_nio_shim_not_a_forked_chmod(spark, lake, bronze):
    # `make setup` compiles localfs/; without it every file and folder written costs a `chmod` process.
    hadoop_fs = spark.sparkContext._jsc.hadoopConfiguration().get("fs.file.impl")
    assert hadoop_fs == "finlake.localfs.NioPermissionsLocalFileSystem"
    bronze.put("AAPL", "2020-01-01", "2020-01-31", [row()])
    execute(spark, lake, run_id="perm1")
    partition = lake / "silver" / "fmp_eod_prices" / "year=2020" / "month=1"
    [data_file] = [p for p in partition.iterdir() if p.suffix == ".parquet"]
    # Hadoop's defaults under the usual umask 022: rw-r--r-- files, rwxr-xr-x folders.
    assert data_file.stat().st_mode & 0o777 == 0o644
    assert partition.stat().st_mode & 0o777 == 0o755


def test_the_run_summary_on_disk_is_the_contract_the_flows_read(spark, lake, bronze):
    """The flows type it with TypedDicts generated from the same contract (libs/schemas/src/records.ts)."""
    from jsonschema import Draft202012Validator, FormatChecker

    bronze.put("AAPL", "2020-01-01", "2020-01-31", [row(date="2020-01-02"), row(date="2020-01-40")])
    execute(spark, lake)
    summary = json.loads(next((lake / "silver" / "_runs").rglob("*.json")).read_text())
    generated = Path(__file__).resolve().parents[3] / "libs" / "schemas" / "generated" / "json-schema"
    schema = json.loads((generated / "silver_run_summary.schema.json").read_text())
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    assert [e.message for e in validator.iter_errors(summary)] == []
    assert summary["rows_rejected"] == 1
