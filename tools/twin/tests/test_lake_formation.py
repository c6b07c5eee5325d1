"""The staging stack's Lake Formation, rendered by the real program, applied to moto and read back."""

from __future__ import annotations

import json

import pytest
from aws_twin.lake_formation import column_access, column_tags, contract_sensitivities, gold_columns
from aws_twin.moto_aws import ACCOUNT, Moto, provision
from aws_twin.stack import REPO, render

GOVERNANCE = json.loads((REPO / "libs/platform/generated/platform.json").read_text())["governance"]
KEY = GOVERNANCE["lfTagKey"]


@pytest.fixture(scope="module")
def lake():
    stack = render("staging")
    moto = Moto.start()
    try:
        provision(moto, stack, {})
        yield moto, stack
    finally:
        moto.stop()


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def test_every_gold_column_carries_its_contract_sensitivity(lake):
    moto, stack = lake
    contract = contract_sensitivities(stack)
    marts = json.loads((REPO / "libs/platform/generated/platform.json").read_text())["gold_marts"]
    assert sorted(t.split(".", 1)[1] for t in gold_columns(stack)) == sorted(marts)
    assert column_tags(moto, stack, KEY) == contract
    assert "restricted" in contract.values() and "public" in contract.values()


def test_the_api_reads_every_gold_column_analysts_only_public_ones_and_nobody_else_any(lake):
    moto, stack = lake
    contract = contract_sensitivities(stack)
    access = column_access(moto, stack, KEY)
    api = role_arn("finlake-staging-serving-api")
    analyst = role_arn(GOVERNANCE["analystRole"].replace("{env}", "staging"))
    assert access.get(api) == set(contract)
    assert access.get(analyst) == {c for c, s in contract.items() if s == "public"}
    assert set(access) == {api, analyst}, f"unexpected readers of gold: {set(access) - {api, analyst}}"


def test_no_default_super_grant_and_the_deployer_stays_admin(lake):
    moto, _ = lake
    settings = moto.client("lakeformation").get_data_lake_settings()["DataLakeSettings"]
    assert settings["CreateTableDefaultPermissions"] == []
    assert settings["CreateDatabaseDefaultPermissions"] == []
    assert {"DataLakePrincipalIdentifier": f"arn:aws:iam::{ACCOUNT}:user/ci"} in settings["DataLakeAdmins"]


def test_gold_and_silver_are_registered_with_the_registrar_role(lake):
    moto, stack = lake
    registered = moto.client("lakeformation").list_resources()["ResourceInfoList"]
    assert sorted(r["ResourceArn"] for r in registered) == sorted(
        f"arn:aws:s3:::{stack.bucket(z)}" for z in ("gold", "silver")
    )
    assert {r["RoleArn"] for r in registered} == {role_arn("finlake-staging-lf-registrar")}
