"""The contract-driven Arrow path's own rules (generated sources run it end to end in
tools/workspace-plugin/test/source-e2e.spec.ts): typing by the contract's types, and the sidecar it trusts."""

from datetime import UTC, date, datetime

import pytest

from finlake_glue import batch_json


@pytest.mark.parametrize(
    ("value", "sql_type", "typed"),
    [("AAPL", "string", "AAPL"), (1, "double", 1.0), (2.5, "double", 2.5), (3, "integer", 3),
     ("2020-12-01", "date", date(2020, 12, 1)), (True, "boolean", True)],
)  # fmt: skip
def test_values_are_typed_by_the_contract(value, sql_type, typed):
    assert batch_json._typed(value, sql_type) == typed


@pytest.mark.parametrize(
    ("value", "sql_type"),
    [
        (True, "double"),
        ("1.5", "double"),
        (1.5, "integer"),
        ("01/12/2020", "date"),
        (3, "string"),
        (1, "boolean"),
    ],
)
def test_a_value_of_another_type_is_refused(value, sql_type):
    with pytest.raises(ValueError):
        batch_json._typed(value, sql_type)


def test_the_fetch_time_comes_from_a_valid_sidecar_only():
    assert batch_json._fetched_at(b'{"fetched_at": "2020-12-01T15:00:00Z"}') == datetime(
        2020, 12, 1, 15, tzinfo=UTC
    )
    for bad in (
        None,
        b"",
        b"not json",
        b"[]",
        b"{}",
        b'{"fetched_at": 5}',
        b'{"fetched_at": "2020-12-01T15:00:00"}',
    ):
        assert batch_json._fetched_at(bad) is None, bad


def test_a_silver_column_reads_the_wire_field_its_contract_names():
    from finlake_glue.contract import Column, Contract

    properties = {
        "symbol": {"x-sql-type": "string"},
        "adj_dividend": {"x-sql-type": "double", "x-wire-name": "adjDividend"},
        "record_date": {"x-sql-type": "date", "x-wire-name": "recordDate", "x-nullable": True},
        "run_id": {"x-sql-type": "string"},
    }
    columns = tuple(Column(n, p["x-sql-type"], p.get("x-nullable", False), "") for n, p in properties.items())
    target = Contract("t", "silver", ("symbol",), (), columns, {"properties": properties})
    row = batch_json._silver_row({"symbol": "AAPL", "adjDividend": 0.82, "adj_dividend": 9.0}, target)
    # The declared wire name wins over a field that happens to share the column's name; lineage is not read.
    assert row == {"symbol": "AAPL", "adj_dividend": 0.82, "record_date": None}
    assert batch_json._silver_row({"symbol": "AAPL", "adjDividend": 1, "recordDate": "2020-12-01"}, target)[
        "record_date"
    ] == date(2020, 12, 1)


class _Zone:
    def __init__(self, objects: dict[str, bytes]):
        self.objects = objects

    def get(self, key: str) -> bytes | None:
        return self.objects.get(key)


def test_a_streamed_object_yields_its_records_and_names_what_is_not_one():
    import gzip
    import json

    good = {
        "record_id": "x",
        "fetched_at": "2020-12-01T15:00:00.000Z",
        "item": json.dumps({"symbol": "AAPL"}),
    }
    lines = [
        json.dumps(good),
        "not json",
        json.dumps({**good, "fetched_at": "yesterday"}),
        json.dumps({"item": "{}"}),
    ]
    zone = _Zone({"a.gz": gzip.compress("\n".join(lines).encode()), "b.gz": b"plain text", "c.json": b"[]"})
    objects = list(batch_json._stream_objects(zone, ["a.gz", "b.gz", "c.json"]))
    assert [(key, whole) for key, whole, _ in objects] == [("a.gz", None), ("b.gz", "invalid_gzip")]
    rows = objects[0][2]
    assert rows[0] == (0, {"symbol": "AAPL"}, datetime(2020, 12, 1, 15, tzinfo=UTC), None)
    # What is not a producer record is kept as it arrived, with the reason.
    assert rows[1:] == [(1, "not json", None, "invalid_record"), (2, lines[2], None, "invalid_record"),
                        (3, lines[3], None, "invalid_record")]  # fmt: skip
