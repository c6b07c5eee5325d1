// The seams, run as AWS would: the connector's real program (the bundle its image runs) lands bronze
// from the FMP sandbox over HTTP, and the keys it really wrote go through the policies and the event rule
// that the staging program really renders (under mocks). A role that may not write a key the connector
// writes, or a rule that fires per object / never fires, fails here.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { bronzeWriterPrefixes, GENERATED_SOURCES, parseManifestKey } from '@finlake/platform';
import type { Statement } from '../components/iam.ts';
import { deniedKeys, isAllowed, matchesEventPattern, s3ObjectCreatedEvent } from '../components/seams.ts';
import { ofType, parseJson, runUnderMocks, stackConfig, type Recorded } from './harness.ts';

const REPO = join(import.meta.dirname, '..', '..');
const BUNDLE = join(REPO, 'apps', 'fmp-ingester', 'dist', 'main.js');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** The generated batch sources of FMP (`nx g @finlake/workspace:source`): none here; the generator's e2e runs this spec in a copy with one. */
const GENERATED_FMP = GENERATED_SOURCES.filter((d) => d.kind === 'batch' && d.source === 'fmp');

let lake: string;
let written: string[];
/** Per generated source, the keys its run landed. */
let generatedWritten: Map<string, string[]>;
let resources: Recorded[];
let stop: () => void;

beforeAll(async () => {
  expect(spawnSync(process.execPath, [BUNDLE, '--help']).status, `${BUNDLE}: npx nx build fmp-ingester`).toBe(
    0,
  );
  const sandbox = spawn(
    process.execPath,
    [
      join(REPO, 'tools', 'cli', 'bin', 'finlake.mjs'),
      'sandbox',
      'fmp',
      '--port',
      '0',
      '--api-key',
      'seam-key',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  stop = () => {
    sandbox.stdout?.destroy();
    sandbox.kill('SIGKILL');
  };
  const first = await new Promise<string>((resolve) =>
    createInterface({ input: sandbox.stdout! }).once('line', resolve),
  );
  const { url } = JSON.parse(first) as { url: string };
  lake = mkdtempSync(join(tmpdir(), 'finlake-seams-'));
  const land = (args: string[]) => {
    const run = spawnSync(process.execPath, [BUNDLE, ...args], {
      env: {
        ...process.env,
        FINLAKE_LAKE_ROOT: lake,
        FMP_BASE_URL: url,
        FMP_API_KEY: 'seam-key',
        FMP_RATE_LIMIT_PER_MIN: '3000',
      },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
  };
  for (const [handoff, runId] of [
    ['event', 'seam-event-1'],
    ['pipeline', 'seam-pipeline-1'],
  ])
    land([
      '--symbols',
      'AAPL,^GSPC',
      '--from',
      '2019-12-20',
      '--to',
      '2020-01-10',
      '--handoff',
      handoff!,
      '--run-id',
      runId!,
    ]);
  written = walk(join(lake, 'bronze'));
  // Each generated source lands its own endpoint through the same program (its keys told apart by a diff).
  generatedWritten = new Map();
  for (const d of GENERATED_FMP) {
    const before = new Set(walk(join(lake, 'bronze')));
    land([
      '--dataset',
      d.dataset,
      '--symbols',
      'AAPL',
      '--from',
      '2020-11-02',
      '--to',
      '2020-12-31',
      '--run-id',
      `seam-${d.dataset}-1`,
    ]);
    generatedWritten.set(
      d.dataset,
      walk(join(lake, 'bronze')).filter((k) => !before.has(k)),
    );
  }
  ({ resources } = await runUnderMocks(
    'staging',
    () => import('../index.ts'),
    stackConfig('staging', { 'finlake:fmpApiKey': 'k' }),
    ['finlake:fmpApiKey'],
  ));
}, 180_000);

afterAll(() => {
  stop?.();
  if (lake) rmSync(lake, { recursive: true, force: true });
});

const policyOf = (role: string) =>
  parseJson<{ Statement: Statement[] }>(
    resources.find((r) => r.type === 'aws:iam/rolePolicy:RolePolicy' && r.name === role)!.inputs.policy,
  ).Statement;
const bronze = () =>
  ofType(resources, 'aws:s3/bucket:Bucket').find((b) => b.name === 'finlake-staging-lake-bronze')!.id!;

describe('the connector`s real keys through the rendered staging stack', () => {
  it('lands data, sidecars and one manifest per run', () => {
    // Two symbols, one window: the second run rewrites the same two keys (a key is a function of the unit).
    expect(written.filter((k) => k.endsWith('.json.meta'))).toHaveLength(2);
    expect(written.filter((k) => k.endsWith('.json') && !parseManifestKey(k))).toHaveLength(2);
    expect(written.map(parseManifestKey).filter(Boolean)).toHaveLength(2);
  });

  it('its task role may put every key it wrote, and nothing outside its prefixes', () => {
    const arn = `arn:aws:s3:::${bronze()}`;
    const policy = policyOf('finlake-staging-fmp-ingester-task');
    expect(deniedKeys(policy, arn, 's3:PutObject', written)).toEqual([]);
    expect(deniedKeys(policy, arn, 's3:PutObject', ['source=news/x.json', 'other/x.json'])).toHaveLength(2);
  });

  it('the Glue job may read every data object, and a flow run the manifest its pipeline reads', () => {
    const arn = `arn:aws:s3:::${bronze()}`;
    expect(deniedKeys(policyOf('finlake-staging-glue-role'), arn, 's3:GetObject', written)).toEqual([]);
    const pipelineManifest = written.find((k) => parseManifestKey(k)?.handoff === 'pipeline')!;
    expect(
      isAllowed(policyOf('finlake-staging-flow-runs-task'), {
        action: 's3:GetObject',
        resource: `${arn}/${pipelineManifest}`,
      }),
    ).toBe(true);
  });

  it('the bronze rule fires once per event-handoff batch: for its manifest, and for no other key', () => {
    const rule = ofType(resources, 'aws:cloudwatch/eventRule:EventRule')[0]!;
    const pattern = parseJson(rule.inputs.eventPattern);
    const fired = written.filter((k) => matchesEventPattern(pattern, s3ObjectCreatedEvent(bronze(), k)));
    expect(fired).toEqual(written.filter((k) => parseManifestKey(k)?.handoff === 'event'));
    expect(fired).toHaveLength(1);
  });
});

describe.skipIf(GENERATED_FMP.length === 0)(
  'each generated source`s real keys through the rendered staging stack',
  () => {
    it.each(GENERATED_FMP.map((d) => [d.silverTable, d] as const))(
      '%s: the connector`s task role may put every key, the Glue job read them, and both stay inside its prefixes',
      (_, d) => {
        const keys = generatedWritten.get(d.dataset)!;
        expect(keys.filter((k) => k.endsWith('.json.meta')).length).toBeGreaterThan(0);
        expect(keys.map(parseManifestKey).filter(Boolean)).toHaveLength(1);
        const arn = `arn:aws:s3:::${bronze()}`;
        expect(deniedKeys(policyOf('finlake-staging-fmp-ingester-task'), arn, 's3:PutObject', keys)).toEqual(
          [],
        );
        const data = keys.filter((k) => !parseManifestKey(k));
        expect(deniedKeys(policyOf('finlake-staging-glue-role'), arn, 's3:GetObject', data)).toEqual([]);
        // Its keys are under its own prefixes, not another dataset's: the role scoping means something.
        const own = bronzeWriterPrefixes(d);
        expect(keys.filter((k) => !own.some((p) => k.startsWith(p)))).toEqual([]);
      },
    );
  },
);
