"""Lambda functions as Lambda runs them: only the zip's files (the folder the function's FileArchive
zips, as rendered), a clean Node 24 process, the handler signature, the function's rendered
environment and its role's credentials."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from aws_twin.moto_aws import Moto
from aws_twin.stack import REPO, Rendered

# The runtime's part: import the handler module, call handler(event, context) per event, keep the answers.
RUNTIME = """
const [handlerFile, handlerName] = process.env.TWIN_HANDLER.split('.');
const m = await import('./' + handlerFile + '.js');
const out = [];
for (const event of JSON.parse(process.argv[1])) {
  try { out.push({ ok: await m[handlerName](event, { awsRequestId: 'twin' }) }); }
  catch (err) { out.push({ error: String(err && err.message || err) }); }
}
(await import('node:fs')).writeFileSync('../result.json', JSON.stringify(out));
"""


def invoke(moto: Moto, stack: Rendered, function: str, events: list[dict], env: dict[str, str] | None = None) -> list[dict]:  # fmt: skip
    """Invokes one rendered function (by its name) on each event in one warm process, as Lambda reuses an
    execution environment; each answer is {"ok": result} or {"error": message}. `env` holds only what the
    stand-ins replace (endpoints on 127.0.0.1)."""
    fn = stack.one("aws:lambda/function:Function", name=function)
    i = fn["inputs"]
    run_env = {k: moto.remap(v) for k, v in i["environment"]["variables"].items()}
    run_env.update(Moto.env_of(moto.assume(moto.remap(i["role"]).rsplit("/", 1)[1])))
    run_env.update({"FINLAKE_AWS_ENDPOINT_URL": moto.endpoint, "AWS_MAX_ATTEMPTS": "2",
                    "PATH": os.environ["PATH"], "TWIN_HANDLER": i["handler"], **(env or {})})  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="finlake-lambda-") as tmp:
        task = shutil.copytree(i["code"]["path"], Path(tmp) / "task")
        node = REPO / ".tools" / "node" / "bin" / "node"
        out = subprocess.run(
            [str(node) if node.exists() else "node", "--input-type=module", "-e", RUNTIME, json.dumps(events)],
            cwd=task, env=run_env, capture_output=True, text=True, check=False, timeout=90,
        )  # fmt: skip
        if out.returncode != 0:
            raise RuntimeError(f"the {function} Lambda failed: {(out.stdout + out.stderr)[-1500:]}")
        return json.loads((Path(tmp) / "result.json").read_text())
