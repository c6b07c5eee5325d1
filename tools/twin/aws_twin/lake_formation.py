"""Lake Formation as the rendered stack declares it, applied to moto, and the column access read back.

The stack's settings, registered locations, the sensitivity LF-Tag, its assignments to gold columns and
the grants by tag expression are applied with the real API calls (boto3 against moto). What moto then
holds is read back (GetDataLakeSettings, GetResourceLFTags, ListPermissions) and evaluated: who may
SELECT which gold column. The twin's test compares that with the contracts in libs/schemas.
"""

from __future__ import annotations

import json

from aws_twin.moto_aws import Moto
from aws_twin.stack import REPO, Rendered

T_SETTINGS = "aws:lakeformation/dataLakeSettings:DataLakeSettings"
T_LOCATION = "aws:lakeformation/resource:Resource"
T_TAG = "aws:lakeformation/lfTag:LfTag"
T_TAGS = "aws:lakeformation/resourceLfTags:ResourceLfTags"
T_GRANT = "aws:lakeformation/permissions:Permissions"


def _principal(arn: str) -> dict:
    return {"DataLakePrincipalIdentifier": arn}


def _resource(moto: Moto, i: dict) -> dict:
    """The LF resource of a rendered Permissions or ResourceLfTags (Pulumi's camelCase -> the API's)."""
    if i.get("lfTagPolicy"):
        p = i["lfTagPolicy"]
        return {
            "LFTagPolicy": {
                "ResourceType": p["resourceType"],
                "Expression": [{"TagKey": e["key"], "TagValues": e["values"]} for e in p["expressions"]],
            }
        }
    if i.get("tableWithColumns"):
        t = i["tableWithColumns"]
        return {
            "TableWithColumns": {
                "DatabaseName": t["databaseName"],
                "Name": t["name"],
                "ColumnNames": t["columnNames"],
            }
        }
    if i.get("table"):
        t = i["table"]
        table = {"DatabaseName": t["databaseName"]}
        table.update({"TableWildcard": {}} if t.get("wildcard") else {"Name": t["name"]})
        return {"Table": table}
    if i.get("database"):
        return {"Database": {"Name": i["database"]["name"]}}
    if i.get("dataLocation"):
        return {"DataLocation": {"ResourceArn": moto.remap(i["dataLocation"]["arn"])}}
    raise ValueError(f"rendered Lake Formation resource has no target the twin knows: {json.dumps(i)[:300]}")


def provision_lake_formation(moto: Moto, stack: Rendered) -> None:
    lf = moto.client("lakeformation")
    for s in stack.of_type(T_SETTINGS):
        i = s["inputs"]
        lf.put_data_lake_settings(
            DataLakeSettings={
                "DataLakeAdmins": [_principal(moto.remap(a)) for a in i["admins"]],
                "CreateDatabaseDefaultPermissions": i.get("createDatabaseDefaultPermissions", []),
                "CreateTableDefaultPermissions": i.get("createTableDefaultPermissions", []),
            }
        )
    for r in stack.of_type(T_LOCATION):
        i = r["inputs"]
        lf.register_resource(ResourceArn=moto.remap(i["arn"]), RoleArn=moto.remap(i["roleArn"]))
    for t in stack.of_type(T_TAG):
        lf.create_lf_tag(TagKey=t["inputs"]["key"], TagValues=t["inputs"]["values"])
    for r in stack.of_type(T_TAGS):
        i = r["inputs"]
        out = lf.add_lf_tags_to_resource(
            Resource=_resource(moto, i),
            LFTags=[{"TagKey": t["key"], "TagValues": [t["value"]]} for t in i["lfTags"]],
        )
        if out.get("Failures"):
            raise RuntimeError(f"{r['name']}: Lake Formation refused the tags: {out['Failures']}")
    for g in stack.of_type(T_GRANT):
        i = g["inputs"]
        lf.grant_permissions(
            Principal=_principal(moto.remap(i["principal"])),
            Resource=_resource(moto, i),
            Permissions=i["permissions"],
        )


def gold_columns(stack: Rendered) -> dict[str, list[str]]:
    """The served gold tables and their stored columns, as the catalog in moto holds them."""
    glue_tables = [t for t in stack.of_type("aws:glue/catalogTable:CatalogTable")]
    return {
        f"{t['inputs']['databaseName']}.{t['inputs']['name']}": [
            c["name"] for c in t["inputs"]["storageDescriptor"]["columns"]
        ]
        for t in glue_tables
        if t["inputs"].get("parameters", {}).get("finlake.zone") == "gold"
    }


def column_tags(moto: Moto, stack: Rendered, tag_key: str) -> dict[str, str]:
    """Each gold column's effective tag value, read back: its own tag, else its database's."""
    lf = moto.client("lakeformation")
    tags: dict[str, str] = {}
    for table, columns in gold_columns(stack).items():
        db, name = table.split(".", 1)
        got = lf.get_resource_lf_tags(
            Resource={"TableWithColumns": {"DatabaseName": db, "Name": name, "ColumnNames": columns}}
        )
        own = {
            c["Name"]: v for c in got.get("LFTagsOnColumns", []) for t in c["LFTags"] if t["TagKey"] == tag_key
            for v in t["TagValues"]
        }  # fmt: skip
        db_tags = lf.get_resource_lf_tags(Resource={"Database": {"Name": db}}).get("LFTagOnDatabase", [])
        inherited = next((t["TagValues"][0] for t in db_tags if t["TagKey"] == tag_key), None)
        for c in columns:
            value = own.get(c, inherited)
            if value is not None:
                tags[f"{table}.{c}"] = value
    return tags


def column_access(moto: Moto, stack: Rendered, tag_key: str) -> dict[str, set[str]]:
    """Principal ARN -> the gold columns (`db.table.column`) it may SELECT, from moto's permissions."""
    lf = moto.client("lakeformation")
    tags = column_tags(moto, stack, tag_key)
    tables = gold_columns(stack)
    access: dict[str, set[str]] = {}
    for p in lf.list_permissions()["PrincipalResourcePermissions"]:
        if not {"SELECT", "ALL"} & set(p["Permissions"]):
            continue
        who, res = p["Principal"]["DataLakePrincipalIdentifier"], p["Resource"]
        cols: set[str] = set()
        if "LFTagPolicy" in res and res["LFTagPolicy"]["ResourceType"] == "TABLE":
            exprs = res["LFTagPolicy"]["Expression"]
            cols = {
                c
                for c, v in tags.items()
                if all(e["TagKey"] != tag_key or v in e["TagValues"] for e in exprs)
            }
        for key in ("Table", "TableWithColumns"):
            if key in res:
                t = res[key]
                for table, columns in tables.items():
                    db, name = table.split(".", 1)
                    if t["DatabaseName"] == db and ("TableWildcard" in t or t.get("Name") == name):
                        cols |= {f"{table}.{c}" for c in t.get("ColumnNames") or columns}
        if cols:
            access.setdefault(who, set()).update(cols)
    return access


def contract_sensitivities(stack: Rendered) -> dict[str, str]:
    """`db.table.column` -> the sensitivity its contract states (libs/schemas' generated JSON Schema)."""
    out: dict[str, str] = {}
    for table, columns in gold_columns(stack).items():
        name = table.split(".", 1)[1]
        schema = json.loads((REPO / "libs/schemas/generated/json-schema" / f"{name}.schema.json").read_text())
        for c in columns:
            out[f"{table}.{c}"] = schema["properties"][c]["x-sensitivity"]
    return out
