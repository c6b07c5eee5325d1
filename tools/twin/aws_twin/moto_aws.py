"""moto on 127.0.0.1 with IAM enforcement on, provisioned as the rendered stack says.

The first three calls (unauthenticated) create an admin user; every later call needs credentials and,
with credentials from STS AssumeRole, is held to that role's policies, as AWS holds a task role.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

import boto3

from aws_twin.stack import Rendered

ACCOUNT = "123456789012"
REGION = "us-east-1"
ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _patch_moto() -> None:
    """moto 5.2.5: ECS RunTask in awsvpc mode reads an ENI's private_dns_name, which its model lacks."""
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface

    if not hasattr(NetworkInterface, "private_dns_name"):
        NetworkInterface.private_dns_name = property(  # type: ignore[attr-defined]
            lambda self: f"ip-{str(self.private_ip_address).replace('.', '-')}.ec2.internal"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Moto:
    endpoint: str
    admin: dict
    server: object
    arns: dict[str, str] = field(default_factory=dict)  # rendered (mock) ARN -> the stand-in's ARN

    @classmethod
    def start(cls) -> Moto:
        from moto import settings
        from moto.server import ThreadedMotoServer

        settings.INITIAL_NO_AUTH_ACTION_COUNT = 3
        _patch_moto()
        port = _free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        endpoint = f"http://127.0.0.1:{port}"
        boot = {"aws_access_key_id": "bootstrap", "aws_secret_access_key": "bootstrap"}
        iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, **boot)
        iam.create_user(UserName="twin-admin")
        iam.put_user_policy(
            UserName="twin-admin", PolicyName="admin", PolicyDocument=json.dumps(ADMIN_POLICY)
        )
        key = iam.create_access_key(UserName="twin-admin")["AccessKey"]
        admin = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
        return cls(endpoint, admin, server)

    def stop(self) -> None:
        self.server.stop()

    def client(self, service: str, creds: dict | None = None):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION, **(creds or self.admin))

    def remap(self, text: str) -> str:
        """A rendered document with every mocked ARN replaced by the provisioned resource's."""
        for mock, real in sorted(self.arns.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(mock, real)
        return text

    def assume(self, role_name: str) -> dict:
        """Credentials of a role, as ECS or Lambda hands them to the task (STS AssumeRole)."""
        c = self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role_name}", RoleSessionName="twin"
        )["Credentials"]
        return {
            "aws_access_key_id": c["AccessKeyId"],
            "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"],
        }

    @staticmethod
    def env_of(creds: dict) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
            "AWS_SESSION_TOKEN": creds.get("aws_session_token", ""),
            # What ECS (Fargate) and Lambda set in every container: the JS SDK reads the first, boto3 the second.
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
        }


# moto authorizes resources only for these services; for the others it checks the action against "*".
RESOURCE_AWARE = ("s3:", "sqs:", "iam:", "sts:")


def resource_unaware_statement(policy: dict) -> dict | None:
    """The rendered policy's actions of services moto cannot scope by resource, allowed on "*" so moto
    can let them through. Their resource scoping is checked by the twin itself (`allowed`) against the
    resources the twin really uses."""
    actions = sorted(
        {a for st in policy["Statement"] if st["Effect"] == "Allow" for a in _list(st["Action"])
         if not a.startswith(RESOURCE_AWARE)}
    )  # fmt: skip
    if not actions:
        return None
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}


def _list(v) -> list[str]:
    return v if isinstance(v, list) else [v]


def allowed(policy: dict, action: str, resource: str) -> bool:
    """IAM's decision for an action on a resource (no conditions), for what moto cannot decide."""

    def hit(st: dict) -> bool:
        return any(fnmatchcase(action, a) for a in _list(st["Action"])) and any(
            fnmatchcase(resource, r) for r in _list(st["Resource"])
        )

    statements = [st for st in policy["Statement"] if not st.get("Condition")]
    if any(st["Effect"] == "Deny" and hit(st) for st in statements):
        return False
    return any(st["Effect"] == "Allow" and hit(st) for st in statements)


def role_policy(moto: Moto, role_name: str) -> dict:
    """A provisioned role's rendered permissions as one document (the twin's own additions left out)."""
    iam = moto.client("iam")
    statements = []
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        if not name.endswith("-twin"):
            doc = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
            statements += doc["Statement"]
    return {"Version": "2012-10-17", "Statement": statements}


def _twin_trust(rendered: str, admin_arn: str) -> str:
    """The rendered trust policy, plus the twin itself: the twin plays the ECS and Lambda services that
    assume task and function roles in AWS (moto cannot act as a service principal). The permission
    policies stay exactly as rendered."""
    doc = json.loads(rendered)
    for statement in doc["Statement"]:  # moto reads only AWS principals: name the twin beside the service
        statement["Principal"] = {**statement.get("Principal", {}), "AWS": admin_arn}
    return json.dumps(doc)


def provision(moto: Moto, stack: Rendered, secret_values: dict[str, str]) -> None:
    """Buckets (bronze with EventBridge notifications), secrets with their rendered names, every rendered
    role with its rendered policy (mocked ARNs remapped)."""
    s3 = moto.client("s3")
    for bucket in stack.of_type("aws:s3/bucket:Bucket"):
        s3.create_bucket(Bucket=bucket["id"])
    s3.put_bucket_notification_configuration(
        Bucket=stack.bucket("bronze"), NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    sm = moto.client("secretsmanager")
    for secret in stack.of_type("aws:secretsmanager/secret:Secret"):
        name = secret["inputs"]["name"]
        arn = sm.create_secret(Name=name, SecretString=secret_values.get(name, "unset"))["ARN"]
        moto.arns[f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:{secret['name']}"] = arn
    from aws_twin.news_seams import provision_streams  # it imports Moto from here

    provision_streams(moto, stack)  # before the roles: their policies name the streams' ARNs
    iam = moto.client("iam")
    roles = stack.of_type("aws:iam/role:Role")
    for role in roles:
        name = role["inputs"].get("name") or role["name"]
        moto.arns[f"arn:aws:iam:{REGION}:{ACCOUNT}:{role['name']}"] = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    admin_arn = iam.get_user(UserName="twin-admin")["User"]["Arn"]
    for role in roles:
        name = role["inputs"].get("name") or role["name"]
        iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=_twin_trust(role["inputs"]["assumeRolePolicy"], admin_arn)
        )
        for policy in stack.of_type("aws:iam/rolePolicy:RolePolicy"):
            if policy["inputs"]["role"] == f"{role['name']}-id":
                document = moto.remap(policy["inputs"]["policy"])
                iam.put_role_policy(RoleName=name, PolicyName=policy["name"], PolicyDocument=document)
                unaware = resource_unaware_statement(json.loads(document))
                if unaware:
                    iam.put_role_policy(
                        RoleName=name, PolicyName=f"{policy['name']}-twin", PolicyDocument=json.dumps(unaware)
                    )
    _provision_network_and_ecs(moto, stack)
    _provision_glue(moto, stack)
    _provision_catalog(moto, stack)
    from aws_twin.lake_formation import provision_lake_formation  # it imports Moto from here

    provision_lake_formation(moto, stack)


def _provision_network_and_ecs(moto: Moto, stack: Rendered) -> None:
    """The private subnets and the tasks' security group (awsvpc tasks attach to them), the cluster, and
    every rendered task definition (its container definitions exactly, ARNs remapped)."""
    ec2 = moto.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [r for r in stack.of_type("aws:ec2/subnet:Subnet") if "-private-" in r["name"]]
    for i, subnet in enumerate(subnets):
        real = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{128 + i}.0/24")["Subnet"]["SubnetId"]
        moto.arns[subnet["id"]] = real
    for sg in stack.of_type("aws:ec2/securityGroup:SecurityGroup"):
        real = ec2.create_security_group(GroupName=sg["name"], Description="twin", VpcId=vpc)["GroupId"]
        moto.arns[sg["id"]] = real
    ecs = moto.client("ecs")
    for cluster in stack.of_type("aws:ecs/cluster:Cluster"):
        arn = ecs.create_cluster(clusterName=cluster["name"])["cluster"]["clusterArn"]
        moto.arns[f"arn:aws:ecs:{REGION}:{ACCOUNT}:{cluster['name']}"] = arn
    pending = stack.of_type("aws:ecs/taskDefinition:TaskDefinition")
    for td in pending:
        i = td["inputs"]
        extra = {"taskRoleArn": moto.remap(i["taskRoleArn"])} if i.get("taskRoleArn") else {}
        containers = json.loads(moto.remap(i["containerDefinitions"]))
        for c in containers:  # moto sums container memory even on Fargate (task-level memory suffices in AWS)
            c.setdefault("memory", int(i["memory"]))
        out = ecs.register_task_definition(
            **extra,
            family=i["family"],
            containerDefinitions=containers,
            executionRoleArn=moto.remap(i["executionRoleArn"]),
            networkMode=i["networkMode"],
            requiresCompatibilities=i["requiresCompatibilities"],
            cpu=i["cpu"],
            memory=i["memory"],
        )["taskDefinition"]["taskDefinitionArn"]
        moto.arns[f"arn:aws:ecs:{REGION}:{ACCOUNT}:{td['name']}"] = out


def _provision_glue(moto: Moto, stack: Rendered) -> None:
    """The artefacts the program uploads (the Glue script and its package zip, built from the same asset
    layout Pulumi zips; the dashboard's JSON), and the Glue job with its rendered default arguments."""
    s3 = moto.client("s3")
    for obj in stack.of_type("aws:s3/bucketObjectv2:BucketObjectv2"):
        i = obj["inputs"]
        body = i["content"].encode() if "content" in i else asset_bytes(i["source"])  # inline, or an asset
        s3.put_object(Bucket=i["bucket"], Key=i["key"], Body=body)
    glue = moto.client("glue")
    for job in stack.of_type("aws:glue/job:Job"):
        i = job["inputs"]
        glue.create_job(
            Name=i["name"],
            Role=moto.remap(i["roleArn"]),
            Command={"Name": i["command"]["name"], "ScriptLocation": i["command"]["scriptLocation"],
                     "PythonVersion": i["command"]["pythonVersion"]},
            DefaultArguments=i["defaultArguments"],
            GlueVersion=i["glueVersion"],
            WorkerType=i["workerType"],
            NumberOfWorkers=i["numberOfWorkers"],
        )  # fmt: skip


def _provision_catalog(moto: Moto, stack: Rendered) -> None:
    """The Glue databases and tables as rendered (the served gold table at its first location), and the
    Athena workgroup with its enforced results location."""
    glue = moto.client("glue")
    for db in stack.of_type("aws:glue/catalogDatabase:CatalogDatabase"):
        glue.create_database(
            DatabaseInput={"Name": db["inputs"]["name"], "Description": db["inputs"].get("description", "")}
        )
    for t in stack.of_type("aws:glue/catalogTable:CatalogTable"):
        i, sd = t["inputs"], t["inputs"]["storageDescriptor"]
        glue.create_table(
            DatabaseName=i["databaseName"],
            TableInput={
                "Name": i["name"], "Description": i.get("description", ""), "TableType": i["tableType"],
                "Parameters": i.get("parameters", {}),
                "PartitionKeys": [{"Name": k["name"], "Type": k["type"], "Comment": k.get("comment", "")} for k in i.get("partitionKeys", [])],
                "StorageDescriptor": {
                    "Columns": [{"Name": c["name"], "Type": c["type"], "Comment": c.get("comment", "")} for c in sd["columns"]],
                    "Location": sd["location"], "InputFormat": sd["inputFormat"], "OutputFormat": sd["outputFormat"],
                },
            },
        )  # fmt: skip
    athena = moto.client("athena")
    for wg in stack.of_type("aws:athena/workgroup:Workgroup"):
        out = wg["inputs"]["configuration"]["resultConfiguration"]["outputLocation"]
        athena.create_work_group(Name=wg["inputs"]["name"], Configuration={"ResultConfiguration": {"OutputLocation": out},
                                 "EnforceWorkGroupConfiguration": True})  # fmt: skip


def asset_bytes(source: dict) -> bytes:
    """A rendered Pulumi asset's content: a file's bytes, or an archive zipped as Pulumi zips it."""
    import io
    import zipfile
    from pathlib import Path

    if source.get("__pulumiAsset"):
        return Path(source["path"]).read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, part in source["assets"].items():
            path = Path(part["path"])
            if part.get("__pulumiAsset"):
                z.write(path, name)
                continue
            for f in sorted(path.rglob("*")):
                if f.is_file() and "__pycache__" not in f.parts:
                    z.write(f, f"{name}/{f.relative_to(path)}")
    return buf.getvalue()
