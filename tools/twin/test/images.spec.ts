// The deployable images, built from their Dockerfiles here and run in a real engine (host networking:
// every connection stays on 127.0.0.1), each checked where it meets its neighbours.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { DEPLOYMENTS, FMP_EOD_PRICES, SERVICES, commandOverride, manifestKey } from '@finlake/platform';
import { buildImages, docker, REPO, startSandbox } from './support.ts';

const IMAGES = ['fmp-ingester', 'blocks-sync', 'flows', 'dbt'].map((app) => `finlake/${app}:local`);

beforeAll(() => buildImages());

describe('the images', () => {
  it.each(IMAGES)('%s runs as a non-root user', (image) => {
    const user = docker(['image', 'inspect', '--format', '{{.Config.User}}', image]).stdout.trim();
    expect(user).toMatch(/^(node|finlake)$/);
    const uid = docker(['run', '--rm', '--network', 'host', '--entrypoint', 'id', image, '-u']);
    expect(uid.stdout.trim(), uid.stderr).not.toBe('0');
  });

  it('the flows image health-checks its worker', () => {
    const hc = docker([
      'image',
      'inspect',
      '--format',
      '{{json .Config.Healthcheck}}',
      'finlake/flows:local',
    ]);
    expect(JSON.parse(hc.stdout).Test.join(' ')).toMatch(/8080\/health/);
  });
});

describe('fmp-ingester: the RunTask override runs the program (finding 3) and lands bronze', () => {
  let lake: string;
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  beforeAll(async () => {
    sandbox = await startSandbox('image-key');
    lake = mkdtempSync(join(tmpdir(), 'finlake-image-lake-'));
    chmodSync(lake, 0o777); // the container's user writes here
  });
  afterAll(() => {
    sandbox?.stop();
    if (lake) rmSync(lake, { recursive: true, force: true });
  });

  it('as ECS runs it: the image with its command replaced by the flows` override', () => {
    const args = [
      '--symbols',
      'AAPL',
      '--from',
      '2020-12-01',
      '--to',
      '2020-12-31',
      '--run-id',
      'img-1',
      '--handoff',
      'pipeline',
    ];
    const run = docker([
      'run', '--rm', '--network', 'host', '-v', `${lake}:/lake`,
      '-e', 'FINLAKE_LAKE_ROOT=/lake', '-e', `FMP_BASE_URL=${sandbox.url}`, '-e', 'FMP_API_KEY=image-key',
      'finlake/fmp-ingester:local', ...commandOverride(SERVICES.fmpIngester, args),
    ]); // prettier-ignore
    expect(run.status, run.stderr).toBe(0);
    const keys = readdirSync(join(lake, 'bronze'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(join(lake, 'bronze'), join(e.parentPath, e.name)));
    expect(keys).toContain(manifestKey(FMP_EOD_PRICES, 'img-1', 'pipeline'));
    expect(
      JSON.parse(
        readFileSync(join(lake, 'bronze', manifestKey(FMP_EOD_PRICES, 'img-1', 'pipeline')), 'utf8'),
      ),
    ).toMatchObject({
      landed: 1,
      failed: 0,
    });
  });

  it('the old override (arguments only) does not start the program', () => {
    const run = docker([
      'run',
      '--rm',
      '--network',
      'host',
      'finlake/fmp-ingester:local',
      '--symbols',
      'AAPL',
    ]);
    expect(run.status).not.toBe(0);
  });
});

describe('flows: the worker type and every deployment entrypoint load in the image (finding 5)', () => {
  it('has the ECS worker and loads each prefect.yaml entrypoint from /app', () => {
    const prefectYaml = parse(readFileSync(join(REPO, 'apps', 'flows', 'prefect.yaml'), 'utf8')) as {
      deployments: { entrypoint: string }[];
      pull: { 'prefect.deployments.steps.set_working_directory': { directory: string } }[];
    };
    const entrypoints = prefectYaml.deployments.map((d) => d.entrypoint);
    expect(entrypoints).toEqual(Object.values(DEPLOYMENTS).map((d) => d.entrypoint));
    const script = [
      'import sys',
      'from prefect.flows import load_flow_from_entrypoint',
      'from prefect_aws.workers.ecs_worker import ECSWorker',
      'from finlake_flows import platform, settings',
      'assert ECSWorker.type == "ecs"',
      'for e in sys.argv[1:]: print(load_flow_from_entrypoint(e).name)',
      'print(platform.contract()["prefect"]["work_pools"]["ecs"])',
    ].join('\n');
    const dir = prefectYaml.pull[0]!['prefect.deployments.steps.set_working_directory'].directory;
    const run = docker([
      'run',
      '--rm',
      '--network',
      'host',
      '-w',
      dir,
      'finlake/flows:local',
      'python',
      '-c',
      script,
      ...entrypoints,
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      ...Object.values(DEPLOYMENTS).map((d) => d.flow),
      'finlake-{env}-ecs',
    ]);
  });
});

describe('dbt: the runner image parses the project for an Athena target (finding 9)', () => {
  it('runs the contract`s command and dbt parses the project in the image', () => {
    const help = docker([
      'run',
      '--rm',
      '--network',
      'host',
      'finlake/dbt:local',
      ...SERVICES.dbt.command,
      '--help',
    ]);
    expect(help.status, help.stderr).toBe(0);
    const parseRun = docker([
      'run', '--rm', '--network', 'host', '-e', 'DBT_TARGET=staging', '-e', 'FINLAKE_GOLD_CANDIDATE_URI=s3://g/_c/r/',
      'finlake/dbt:local', 'dbt', 'parse', '--target', 'staging', '--target-path', '/tmp/target',
    ]); // prettier-ignore
    expect(parseRun.status, parseRun.stdout + parseRun.stderr).toBe(0);
  });
});
