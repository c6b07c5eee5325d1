import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Every name that crosses a boundary is defined once, in libs/platform; consumers import it (TS) or
// read the generated platform.json (Python, shell). This fails when a consumer spells one by hand.
const root = join(import.meta.dirname, '..', '..', '..');
const q = `['"\`/]`;
const SPELLED: [string, RegExp][] = [
  ['a run-manifest key', new RegExp(`${q}_manifests/`)],
  ['a bronze source prefix', /source=fmp\b/],
  ['the bronze dataset name', new RegExp(`${q}historical_price_eod${q}`)],
  ['a gold candidate key', new RegExp(`${q}_candidates/`)],
  ['a silver rejects key', new RegExp(`${q}_rejects/`)],
  ['a silver run-summary key', new RegExp(`${q}_runs/`)],
  ['a secret name', /\/(api_key|webhook_url|api_auth_string|database_url)\b/],
  ['a Prefect block name', new RegExp(`${q}(slack-alerts|finlake-results|finlake-aws)${q}`)],
  ['a Prefect deployment name', new RegExp(`bronze-to-silver-on-event|${q}nightly-local${q}`)],
  ['a work pool name', /finlake-\$\{[^}]+\}-ecs|finlake-(dev|staging|prod)-ecs/],
  [
    'a Glue database name',
    /finlake_\$\{[^}]+\}_(bronze|silver|gold)|finlake_(dev|staging|prod)_(bronze|silver|gold)/,
  ],
  ['an artefact key', /glue\/bronze_to_silver\/|dbt\/runs\/|dbt\/prod\/manifest/],
];
// Files that may spell a name, and why.
const ALLOWED: Record<string, string> = {
  'libs/lake/src/lake.spec.ts': 'tests the generic key helpers with example partitions',
  'dbt/profiles.yml': "a manual dbt run's default candidate folder (runners always set it from the contract)",
  'dbt/scripts/dbt.sh':
    "a manual dbt run's default candidate folder (runners always set it from the contract)",
};

describe('contract names', () => {
  it('are spelled only in libs/platform: every consumer imports them', () => {
    const files = execFileSync('git', ['ls-files', 'apps', 'libs', 'infra', 'tools', 'dbt', '.github'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => /\.(ts|mts|mjs|py|sh|yml|yaml|sql)$/.test(f) || f.endsWith('Makefile'))
      .filter((f) => !f.startsWith('libs/platform/') && !f.includes('/generated/'))
      .filter(
        (f) => f !== 'apps/flows/prefect.yaml' && f !== 'tools/workspace-checks/test/contract-names.spec.ts',
      )
      .filter((f) => !(f in ALLOWED));
    const found: string[] = [];
    for (const f of files) {
      const lines = readFileSync(join(root, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const [what, re] of SPELLED)
          if (re.test(line)) found.push(`${f}:${i + 1}: ${what}: ${line.trim()}`);
      });
    }
    expect(found, 'import the name from @finlake/platform (Python: finlake_*.platform)').toEqual([]);
  });
});
