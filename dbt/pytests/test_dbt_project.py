import json
import shutil
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, dbt, write_silver

GOLD = "gold/candidate/daily_portfolio_summary.parquet"
CONTRACT = REPO / "libs" / "schemas" / "generated" / "json-schema" / "daily_portfolio_summary.schema.json"
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "date": "DATE",
    "integer": "INTEGER",
    "double": "DOUBLE",
    "bigint": "BIGINT",
}


def duckdb_type(sql_type: str) -> str:
    """DuckDB's name for a contract type: `decimal(18,2)` is described as DECIMAL(18,2)."""
    return sql_type.upper() if sql_type.startswith("decimal(") else DUCKDB_TYPES[sql_type]


def gold(lake: Path, sql: str):
    return duckdb.connect().execute(sql.replace("GOLD", f"'{lake / GOLD}'")).fetchall()


def test_build_on_the_sample_passes_every_error_test_and_writes_gold(built_lake):
    lake, r = built_lake
    assert "ERROR=0" in r.stdout
    assert (lake / GOLD).is_file()
    counts = dict(gold(lake, "select portfolio_id, count(*) from GOLD group by 1"))
    assert set(counts) == {"P001", "P002", "P003", "P004"}
    # One row per trading date from the first holding on: P001 starts 2019-01-02, the sample ends 2020-12-31.
    assert counts["P001"] == 505


def test_gold_matches_an_independent_valuation_of_the_sample(built_lake):
    lake, _ = built_lake

    # The sandbox's JSON read as exact decimals: gold must equal exact arithmetic on FMP's digits.
    def closes(symbol: str) -> dict[str, Decimal]:
        text = (REPO / "tools" / "fmp-sandbox" / "data" / "eod" / f"{symbol}.json").read_text()
        return {r["date"]: r["close"] for r in json.loads(text, parse_float=Decimal)}

    aapl, amzn, goog = closes("AAPL"), closes("AMZN"), closes("GOOG")
    # P001 on 2019-06-03: 100 AAPL + 10 AMZN + 20 GOOG (bought that day).
    [(mv, pmv, pnl, n)] = gold(
        lake,
        "select market_value, prior_market_value, daily_pnl, positions_count from GOLD "
        "where portfolio_id='P001' and summary_date='2019-06-03'",
    )
    expected = 100 * aapl["2019-06-03"] + 10 * amzn["2019-06-03"] + 20 * goog["2019-06-03"]
    prior = 100 * aapl["2019-05-31"] + 10 * amzn["2019-05-31"] + 20 * goog["2019-05-31"]
    cents = Decimal("0.01")
    assert n == 3
    # Gold holds money as exact cents, rounded half away from zero once, from the unrounded sums.
    assert (type(mv), mv) == (Decimal, expected.quantize(cents, ROUND_HALF_UP))
    assert pmv == prior.quantize(cents, ROUND_HALF_UP)  # the same holdings on the previous trading date
    assert pnl == (expected - prior).quantize(cents, ROUND_HALF_UP)


def test_positions_without_a_close_carry_forward_then_go_stale(built_lake):
    lake, _ = built_lake
    # SPY's sample ends 2020-08-28; P002 holds it until 2020-08-31 (exclusive), so 08-28 is fresh.
    rows = dict(
        (str(d), (n, stale, mv))
        for d, n, stale, mv in gold(
            lake,
            "select summary_date, positions_count, stale_positions_count, market_value from GOLD "
            "where portfolio_id='P002' and summary_date between '2020-08-27' and '2020-09-01'",
        )
    )
    assert rows["2020-08-28"][1] == 0
    assert rows["2020-09-01"] == (0, 0, Decimal("0.00"))  # the holding ended: no positions, valued 0


def test_gold_columns_and_types_follow_the_contract(built_lake):
    lake, _ = built_lake
    contract = json.loads(CONTRACT.read_text())
    described = duckdb.connect().execute(f"describe select * from '{lake / GOLD}'").fetchall()
    got = [(name, typ) for name, typ, *_ in described]
    expected = [(name, duckdb_type(p["x-sql-type"])) for name, p in contract["properties"].items()]
    assert got == expected


def test_docs_generate_works_on_the_built_project(built_lake):
    lake, _ = built_lake
    dbt(lake, "docs", "generate", "--target", "local")
    catalog = json.loads((REPO / "dbt" / "target" / "catalog.json").read_text())
    assert "model.finlake.daily_portfolio_summary" in catalog["nodes"]


def test_a_failing_error_severity_test_fails_the_build(tmp_path):
    write_silver(
        tmp_path,
        datetime.now(UTC),
        mutate="union all select 'AAPL', date '2030-01-02', 1, 1, 1, -5, 1, null, null, null, 'bad', now()::timestamp, 'x', 2030, 1",
    )
    r = dbt(tmp_path, "build", "--target", "local", check=False)
    assert r.returncode != 0
    # The source test derived from the contract (close > 0) fails, on silver itself.
    assert "source_expect_column_values_to_be_between_silver_fmp_eod_prices_close" in r.stdout


def test_source_freshness_errors_when_silver_is_a_week_old(tmp_path):
    write_silver(tmp_path, datetime.now(UTC) - timedelta(days=8))
    prices = ("--select", "source:silver.fmp_eod_prices")
    r = dbt(tmp_path, "source", "freshness", "--target", "local", *prices, check=False)
    assert r.returncode != 0 and "ERROR STALE" in r.stdout
    write_silver(tmp_path, datetime.now(UTC) - timedelta(hours=2))
    dbt(tmp_path, "source", "freshness", "--target", "local", *prices)


def test_athena_targets_parse_without_a_connection(tmp_path):
    for target in ("dev", "staging", "prod"):
        r = dbt(tmp_path, "parse", "--target", target, env={"DBT_TARGET": target})
        assert r.returncode == 0


def test_slim_ci_selects_a_changed_staging_model_and_its_downstream_only(tmp_path):
    project = tmp_path / "dbt"
    shutil.copytree(
        REPO / "dbt", project, ignore=shutil.ignore_patterns("target", "logs", "state", "pytests")
    )
    state = tmp_path / "state"
    env = {"DBT_PROJECT_DIR": str(project), "DBT_PROFILES_DIR": str(project)}

    def ls(*extra):
        r = dbt(
            tmp_path,
            "ls",
            "--resource-type",
            "model",
            "--output",
            "name",
            "--project-dir",
            str(project),
            "--target-path",
            str(tmp_path / "t"),
            *extra,
            env=env,
        )
        return {
            line.strip()
            for line in r.stdout.splitlines()
            if line.strip() and not line.startswith("\x1b") and " " not in line.strip()
        }

    dbt(tmp_path, "parse", "--project-dir", str(project), "--target-path", str(state), env=env)
    sql = project / "models" / "staging" / "seed" / "stg_seed__portfolio_holdings.sql"
    sql.write_text(sql.read_text() + "\n-- a change\n")
    assert ls("--select", "state:modified+", "--state", str(state)) == {
        "stg_seed__portfolio_holdings",
        "int_portfolio_positions_valued",
        "daily_portfolio_summary",
    }


@pytest.mark.parametrize(
    ("bad_row", "failing_test"),
    [
        # P001 holds AAPL from 2019-01-02 on; a second AAPL holding inside that window would be valued twice.
        ("P001,AAPL,5,2019-06-03,", "assert_holdings_of_a_symbol_never_overlap"),
        ("P009,AAPL,5,2020-01-10,2020-01-10", "assert_holdings_end_after_they_start"),
        ("P009,AAPL,-5,2020-01-10,", "expect_column_values_to_be_between_portfolio_holdings_quantity"),
    ],
)
def test_bad_holdings_fail_a_named_test_and_build_no_gold(tmp_path, bad_row, failing_test):
    project = tmp_path / "dbt"
    shutil.copytree(
        REPO / "dbt", project, ignore=shutil.ignore_patterns("target", "logs", "state", "pytests")
    )
    seed = project / "seeds" / "portfolio_holdings.csv"
    seed.write_text(seed.read_text() + bad_row + "\n")
    write_silver(tmp_path, datetime.now(UTC))
    env = {"DBT_PROJECT_DIR": str(project), "DBT_PROFILES_DIR": str(project)}
    r = dbt(
        tmp_path, "build", "--target", "local", "--target-path", str(tmp_path / "t"), env=env, check=False
    )
    assert r.returncode != 0
    failed = [line for line in r.stdout.splitlines() if "FAIL" in line and failing_test in line]
    assert failed, r.stdout[-3000:]
    assert not (tmp_path / "gold" / "candidate" / "daily_portfolio_summary.parquet").exists()


def test_recency_warns_when_the_newest_row_is_older_than_its_contracts_interval(tmp_path):
    """expect_row_values_to_have_recent_data as dbt_expectations defines it: the newest value must be within
    `interval` days of the reference date (FINLAKE_AS_OF here, today by default). A warning: the gate stays open.
    """
    from conftest import SAMPLE

    write_silver(tmp_path, datetime.now(UTC))
    files = [str(p) for p in SAMPLE.glob("*.json")]
    (newest,) = duckdb.execute(
        "select max(cast(date as date)) from read_json(?, format='array')", [files]
    ).fetchone()
    test = "source_expect_row_values_to_have_recent_data_silver_fmp_eod_prices_trade_date__day__4"
    select = ("--select", "source:silver.fmp_eod_prices,test_name:expect_row_values_to_have_recent_data")
    fresh = dbt(tmp_path, "test", "--target", "local", *select, env={"FINLAKE_AS_OF": newest.isoformat()})
    assert test in fresh.stdout and "PASS=1 WARN=0" in fresh.stdout
    stale_day = (newest + timedelta(days=5)).isoformat()
    stale = dbt(tmp_path, "test", "--target", "local", *select, env={"FINLAKE_AS_OF": stale_day})
    assert stale.returncode == 0  # severity warn: the build goes on
    assert test in stale.stdout and "PASS=0 WARN=1" in stale.stdout
