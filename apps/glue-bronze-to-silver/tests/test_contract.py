import json

import pytest
from pyspark.sql import types as T

from finlake_glue.contract import contracts_dir, load_contract


def test_silver_schema_comes_from_the_generated_contract():
    contract = load_contract("fmp_eod_prices")
    schema = contract.spark_schema()
    fields = {f.name: f for f in schema.fields}
    assert list(fields)[:2] == ["symbol", "trade_date"]
    assert fields["trade_date"].dataType == T.DateType()
    assert fields["volume"].dataType == T.LongType()
    assert fields["ingested_at"].dataType == T.TimestampType()
    assert fields["close"].nullable is False
    assert fields["vwap"].nullable is True
    assert contract.primary_key == ("symbol", "trade_date")
    assert [p.name for p in contract.partition_by] == ["year", "month"]


def test_contract_matches_the_json_schema_file_column_for_column():
    doc = json.loads((contracts_dir() / "fmp_eod_prices.schema.json").read_text())
    assert load_contract("fmp_eod_prices").column_names == list(doc["properties"])


def test_wire_row_can_be_read_as_text_for_validation():
    schema = load_contract("fmp_eod_wire_row").spark_schema(as_text=True)
    assert all(f.dataType == T.StringType() for f in schema.fields)
    assert {"symbol", "date", "close", "changePercent"} <= set(schema.fieldNames())


def test_unknown_contract_names_the_known_ones():
    with pytest.raises(FileNotFoundError, match=r"known: .*fmp_eod_prices"):
        load_contract("no_such_table")


def test_contracts_dir_can_be_overridden(tmp_path, monkeypatch):
    monkeypatch.setenv("FINLAKE_CONTRACTS_DIR", str(tmp_path))
    assert contracts_dir() == tmp_path
