"""The staging stack as the Pulumi program renders it (infra/render), read as data."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Rendered:
    stack: str
    resources: list[dict]
    outputs: dict

    def of_type(self, type_: str) -> list[dict]:
        return [r for r in self.resources if r["type"] == type_]

    def one(self, type_: str, **inputs) -> dict:
        found = [r for r in self.of_type(type_) if all(r["inputs"].get(k) == v for k, v in inputs.items())]
        if len(found) != 1:
            raise LookupError(f"rendered stack has {len(found)} {type_} with {inputs}, expected one")
        return found[0]

    def role_policy(self, role_name: str) -> dict:
        return json.loads(
            self.one("aws:iam/rolePolicy:RolePolicy", role=f"{role_name}-id")["inputs"]["policy"]
        )

    def bucket(self, zone: str) -> str:
        return next(
            r["id"]
            for r in self.of_type("aws:s3/bucket:Bucket")
            if r["name"] == f"finlake-{self.stack}-lake-{zone}"
        )


def render(stack: str) -> Rendered:
    node = REPO / ".tools" / "node" / "bin" / "node"
    cmd = [str(node) if node.exists() else "node", "--conditions=@finlake/source", "--import", "tsx"]
    out = subprocess.run(
        [*cmd, str(REPO / "infra" / "render" / "main.ts"), stack],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"rendering the {stack} stack failed:\n{out.stderr[-2000:]}")
    doc = json.loads(out.stdout)
    return Rendered(doc["stack"], doc["resources"], doc["outputs"])
