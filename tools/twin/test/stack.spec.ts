// The local development stack (docker-compose.yml) as a user gets it from `make stack`: brought up, the
// master flow run as a deployment through the Prefect server and the process worker (both containers, on
// Postgres), the API answering with the gold that run published, then torn down with nothing left behind.
// Its own Compose project, so a developer's running stack is not touched (the ports are the stack's).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { dailyPortfolioSummary } from '@finlake/schemas';
import { DEPLOYMENTS, WORK_POOLS, goldPublishedFile } from '@finlake/platform';
import { docker, REPO } from './support.ts';

const PROJECT = 'finlake-stack-test';
const PREFECT = 'http://127.0.0.1:4200/api';
const API = 'http://127.0.0.1:3000';
const env = { ...process.env, FINLAKE_STACK_PROJECT: PROJECT };

function stack(...args: string[]) {
  const out = spawnSync('bash', [join(REPO, 'tools', 'scripts', 'stack.sh'), ...args], {
    cwd: REPO,
    env,
    encoding: 'utf8',
    timeout: 900_000,
  });
  if (out.status !== 0)
    throw new Error(
      `stack.sh ${args.join(' ')} failed:\n${out.stdout.slice(-1500)}${out.stderr.slice(-3000)}`,
    );
  return out.stdout;
}
const projectContainers = () =>
  docker(['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`]).stdout.trim();
const container = (service: string) =>
  docker([
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ]).stdout.trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function prefect(path: string, body?: unknown) {
  const res = await fetch(`${PREFECT}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`Prefect ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

beforeAll(() => {
  stack('down', '--volumes'); // a leftover of an interrupted run
  stack('up');
});
afterAll(() => {
  stack('down', '--volumes');
});

describe('the local development stack', () => {
  it('runs the master flow as a deployment on the worker, and the API serves what it published', async () => {
    // Deploy as the docs say: prefect deploy of the contract's local deployment, against the stack's server.
    const deployed = spawnSync(
      join(REPO, '.venv', 'bin', 'prefect'),
      ['--no-prompt', 'deploy', '--name', DEPLOYMENTS.nightlyLocal.name],
      {
        cwd: join(REPO, 'apps', 'flows'),
        env: { ...env, PREFECT_API_URL: PREFECT, FINLAKE_ENV: 'local' },
        encoding: 'utf8',
      },
    );
    expect(deployed.status, deployed.stderr.slice(-2000)).toBe(0);
    const deployment = await prefect(
      `/deployments/name/${DEPLOYMENTS.nightlyLocal.flow}/${DEPLOYMENTS.nightlyLocal.name}`,
    );
    expect(deployment.work_pool_name).toBe(WORK_POOLS.local);
    const run = await prefect(`/deployments/${deployment.id}/create_flow_run`, {
      parameters: { date_from: '2020-12-01', date_to: '2020-12-31' },
    });
    let state = '';
    for (let i = 0; i < 600 && !['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED'].includes(state); i++) {
      await sleep(1000);
      state = ((await prefect(`/flow_runs/${run.id}`)).state as { type: string }).type;
    }
    const workerLog = docker(['logs', '--tail', '40', container('prefect-worker')]);
    expect(state, `${workerLog.stdout}${workerLog.stderr}`.slice(-3000)).toBe('COMPLETED');
    const flowRun = await prefect(`/flow_runs/${run.id}`);
    expect(flowRun.work_pool_name).toBe(WORK_POOLS.local);

    // The API (restarting until the first publish) comes up on the gold this run published.
    let health: { gold?: { run_id?: string; rows?: number } } = {};
    for (let i = 0; i < 120 && health.gold?.run_id !== run.id; i++) {
      health = await fetch(`${API}/healthz`)
        .then((r) => r.json() as Promise<typeof health>)
        .catch(() => ({}));
      if (health.gold?.run_id !== run.id) await sleep(1000);
    }
    expect(health.gold?.run_id).toBe(run.id);
    const api = container('serving-api');
    const token = docker(['exec', api, 'node', join(REPO, 'tools', 'cli', 'bin', 'finlake.mjs'), 'token',
      '--sub', 'stack-test', '--portfolios', 'P001']).stdout.trim(); // prettier-ignore
    const res = await fetch(`${API}/v1/portfolios/P001/daily-summary?from=2020-12-01&to=2020-12-31`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const items = ((await res.json()) as { items: { summary_date: string }[] }).items;
    // The same rows as the published Parquet in the stack's lake volume, read by DuckDB in the worker.
    const file = join('/lake', 'gold', goldPublishedFile(dailyPortfolioSummary.name));
    const counted = docker(['exec', container('prefect-worker'), 'python', '-c',
      `import duckdb; print(duckdb.sql("select count(*) from read_parquet('${file}') where portfolio_id = 'P001' and summary_date between '2020-12-01' and '2020-12-31'").fetchone()[0])`]); // prettier-ignore
    expect(counted.status, counted.stderr).toBe(0);
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBe(Number(counted.stdout.trim()));
  }, 900_000);

  it('stack-down leaves no container of the stack behind', () => {
    expect(projectContainers()).not.toBe('');
    stack('down', '--volumes');
    expect(projectContainers()).toBe('');
    const volumes = docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`]);
    expect(volumes.stdout.trim()).toBe('');
  }, 300_000);
});
