// The Glue job as Glue imports it: from the zip the program uploads (`--extra-py-files`), with no
// checkout around it. The zip is built from the same layout the GlueJob component hands Pulumi.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FMP_EOD_PRICES, bronzeDatasetPrefix } from '@finlake/platform';
import { readFileSync } from 'node:fs';
import { GLUE_PROVIDED, glueAdditionalModules, gluePackageLayout } from '../components/glue-job-layout.ts';

const REPO = join(import.meta.dirname, '..', '..');
const PYTHON = join(REPO, '.venv', 'bin', 'python');

// Zips each layout entry at its archive path, as pulumi.asset.AssetArchive does.
const ZIP = `
import json, sys, zipfile, pathlib
layout, out = json.loads(sys.argv[1]), sys.argv[2]
with zipfile.ZipFile(out, "w") as z:
    for path, src in layout.items():
        if "file" in src:
            z.write(src["file"], path)
        else:
            root = pathlib.Path(src["dir"])
            for f in sorted(root.rglob("*")):
                if f.is_file() and "__pycache__" not in f.parts:
                    z.write(f, f"{path}/{f.relative_to(root)}")
`;
// Imports the job from the zip only (a clean interpreter outside the repo) and loads what it reads.
const IMPORT = `
import sys
sys.path.insert(0, sys.argv[1])
import finlake_glue
assert finlake_glue.__file__.startswith(sys.argv[1]), finlake_glue.__file__
from finlake_glue.contract import load_contract, platform
from finlake_glue import bronze
print(load_contract("fmp_eod_prices").name, load_contract("fmp_eod_wire_row").name, bronze.DATASET_PREFIX)
`;

// Every third-party module the package imports, by the distribution that installs it, with the version
// installed here (the one the tests ran): what Glue must have for the job to import.
const IMPORTS = `
import ast, json, sys, zipfile, importlib.metadata as md
dists = md.packages_distributions()
needed = {}
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in z.namelist():
        if not name.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(z.read(name))):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            for m in mods:
                top = m.split(".")[0]
                if top in sys.stdlib_module_names or top == "finlake_glue" or top == "__future__":
                    continue
                for d in dists.get(top, [top]):
                    needed[d.lower()] = md.version(d) if d in dists.get(top, []) else None
print(json.dumps(needed))
`;

describe('the Glue package zip', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'finlake-glue-zip-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports and finds its contracts and the platform contract inside the zip', () => {
    const layout = gluePackageLayout({
      packageDir: join(REPO, 'apps', 'glue-bronze-to-silver', 'src', 'finlake_glue'),
      contractsDir: join(REPO, 'libs', 'schemas', 'generated', 'json-schema'),
      platformJson: join(REPO, 'libs', 'platform', 'generated', 'platform.json'),
    });
    const zip = join(dir, 'finlake_glue.zip');
    const built = spawnSync(PYTHON, ['-c', ZIP, JSON.stringify(layout), zip], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    const run = spawnSync(PYTHON, ['-I', '-c', IMPORT, zip], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(
      `fmp_eod_prices fmp_eod_wire_row ${bronzeDatasetPrefix(FMP_EOD_PRICES).replace(/\/$/, '')}`,
    );
  });

  it('has every module it imports on Glue: Glue brings Spark and boto3, the rest are --additional-python-modules at the versions tested here', () => {
    const zip = join(dir, 'finlake_glue.zip');
    const scan = spawnSync(PYTHON, ['-c', IMPORTS, zip], { encoding: 'utf8' });
    expect(scan.status, scan.stderr).toBe(0);
    const needed = JSON.parse(scan.stdout) as Record<string, string | null>;
    const pyproject = readFileSync(join(REPO, 'apps', 'glue-bronze-to-silver', 'pyproject.toml'), 'utf8');
    const pins = Object.fromEntries(
      glueAdditionalModules(pyproject)
        .split(',')
        .map((p) => p.split('==') as [string, string])
        .map(([n, v]) => [n.toLowerCase(), v]),
    );
    const provided = new Set<string>(GLUE_PROVIDED);
    expect(Object.keys(needed).length).toBeGreaterThan(2); // the scan sees pyarrow, vaderSentiment, ...
    for (const [dist, version] of Object.entries(needed)) {
      if (provided.has(dist)) continue;
      expect(pins[dist], `${dist} is imported by the job but not in --additional-python-modules`).toBe(
        version,
      );
    }
  });

  it('refuses a loose pin with the reason', () => {
    expect(() => glueAdditionalModules('dependencies = ["pyarrow>=18"]')).toThrow(/pinned with ==/);
  });
});
