// The generator end to end, in a temporary copy of the workspace: `nx g @finlake/workspace:source` through
// the real Nx CLI (the plugin built to JS), the contracts regenerated, the touched projects linted,
// typechecked and tested, then the new source's ingest -> silver on the FMP sandbox: the connector lands its
// endpoint in bronze, the Glue job's Arrow path builds the silver table, its bad rows in rejects; then the
// nightly pipeline builds, gates and publishes its gold mart, and the API serves it on its generated route.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { copyWorkspace } from './copy-workspace.ts';

let copy: string;
let lake: string;
const FIELDS = 'adjDividend:double,dividend:double,recordDate:date?,paymentDate:date?,frequency:string?';
/** The columns the mart serves after (symbol, as_of_date), as silver holds them. */
const COLUMNS = ['adj_dividend', 'dividend', 'record_date', 'payment_date', 'frequency'];
const env = () => ({
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  NX_SKIP_NX_CACHE: 'true',
  FORCE_COLOR: '0',
  NO_COLOR: '1',
  FINLAKE_LAKE_ROOT: lake,
  // The copy's Python packages before the environment's own (installed from the checkout).
  PYTHONPATH: ['apps/glue-bronze-to-silver/src', 'apps/flows/src'].map((p) => join(copy, p)).join(':'),
});
function run(
  cmd: string,
  args: string[],
  extra: Record<string, string> = {},
  cwd = copy,
): SpawnSyncReturns<string> {
  const out = spawnSync(cmd, args, {
    cwd,
    env: { ...env(), ...extra },
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (out.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${out.status}:\n${out.stdout.slice(-2500)}\n${out.stderr.slice(-2500)}`,
    );
  return out;
}
const nx = (...args: string[]) => run('npx', ['nx', ...args, '--outputStyle=static']);
const finlake = (args: string[], extra: Record<string, string> = {}) =>
  run(process.execPath, [join(copy, 'tools', 'cli', 'bin', 'finlake.mjs'), ...args], extra);

/** A CLI server of the copy (the sandbox, the API) on a free port: its URL, from its `listening` line. */
async function listening(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(copy, 'tools/cli/bin/finlake.mjs'), ...args, '--port', '0'], {
    cwd: copy,
    env: env(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = (() => {
        try {
          return JSON.parse(line) as { url?: string };
        } catch {
          return {};
        }
      })();
      if (event.url) resolve(event.url);
    });
    child.once('exit', (code) => reject(new Error(`finlake ${args[0]} exited ${code} before listening`)));
  });
  return { child, url };
}

/** The report a flow prints last: a JSON object from a line `{` to a line `}`. */
const lastReport = <T>(stdout: string): T => JSON.parse(/^\{$[\s\S]*^\}$/m.exec(stdout)?.[0] ?? 'null') as T;

beforeAll(() => {
  copy = copyWorkspace();
  lake = join(copy, '.lake');
}, 300_000);
afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('nx g @finlake/workspace:source, in a copy of the workspace', () => {
  it('generates a rest source that lints, typechecks and tests', () => {
    nx('run', 'workspace-plugin:build');
    // FMP's own spelling of its dividends fields: silver and gold get them in snake_case.
    const generated = run('npx', ['nx', 'g', '@finlake/workspace:source', 'fmp_dividends', '--kind', 'rest',
      '--path', '/stable/dividends', '--description', 'Dividends per symbol and payment date.',
      '--fields', FIELDS, '--no-interactive']); // prettier-ignore
    // eslint-disable-next-line no-control-regex -- the terminal's colour codes
    const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain(generated.stdout)).toContain('CREATE libs/schemas/src/datasets/fmp-dividends.ts');
    // Idempotent through the CLI too: a second run creates and updates nothing.
    const again = run('npx', ['nx', 'g', '@finlake/workspace:source', 'fmp_dividends', '--no-interactive']);
    expect(plain(again.stdout)).not.toMatch(/CREATE|UPDATE/);
    // And a streamed source beside it: its own Kinesis stream and Firehose delivery, polled by the producer.
    run('npx', ['nx', 'g', '@finlake/workspace:source', 'fmp_quotes', '--kind', 'stream', '--fields',
      'price:double,volume:integer?', '--no-interactive']); // prettier-ignore
    // Generated artefacts from the new contract: JSON Schemas, dbt staging and sources, platform.json.
    nx('run', 'schemas:generate');
    nx('run', 'platform:generate');
    expect(existsSync(join(copy, 'libs/schemas/generated/json-schema/fmp_dividends.schema.json'))).toBe(true);
    expect(existsSync(join(copy, 'dbt/models/staging/fmp/stg_fmp__dividends.sql'))).toBe(true);
    expect(readFileSync(join(copy, 'libs/platform/generated/platform.json'), 'utf8')).toContain(
      '"fmp_dividends"',
    );
    const projects =
      'schemas,platform,fmp-connector,fmp-sandbox,cli,glue-bronze-to-silver,serving-api,dbt,news-producer,infra,flows';
    nx('run-many', '-t', 'lint', 'typecheck', `--projects=${projects}`);
    run('npx', ['prettier', '--check', 'libs', 'tools/fmp-sandbox', 'apps/serving-api', 'docs/sources']);
    // The API's tests include its served marts: every one in GOLD_MARTS has a contract and a route.
    nx('run-many', '-t', 'test', '--projects=schemas,platform,fmp-sandbox,serving-api');
    // Infra renders both: the staging program under mocks, with the stack's checks (every role, stream, alarm).
    const stack = run('npx', ['vitest', 'run', 'test/stack-staging.spec.ts', 'test/news-stream.spec.ts', 'test/components.spec.ts',
      '--reporter=verbose'], {}, join(copy, 'infra')); // prettier-ignore
    // The generated stream's Firehose and producer roles, against the keys its writers produce.
    expect(stack.stdout).toMatch(
      /the fmp_quotes stream`s roles against the writers` keys > Firehose may put/,
    );
    expect(stack.stdout).toMatch(
      /the fmp_quotes stream`s roles against the writers` keys > the producer may/,
    );
  }, 900_000);

  it('lands the new endpoint from the sandbox and builds its silver table, bad rows rejected with their reason', async () => {
    const { child: sandbox, url } = await listening(['sandbox', 'fmp', '--api-key', 'sandbox-key']);
    let api: ChildProcess | undefined;
    try {
      const fmp = { FMP_BASE_URL: url, FMP_API_KEY: 'sandbox-key', FMP_RATE_LIMIT_PER_MIN: '3000' };
      finlake(['ingest', 'fmp', '--dataset', 'dividends', '--symbols', 'AAPL,MSFT', '--from', '2020-11-02',
        '--to', '2020-12-31', '--run-id', 'gen-e2e-1'], fmp); // prettier-ignore
      finlake(['transform', 'dataset', 'fmp_dividends', '--run-id', 'gen-e2e-2']);
      const summary = JSON.parse(
        readFileSync(join(lake, 'silver', '_runs', 'fmp_dividends', 'run_id=gen-e2e-2.json'), 'utf8'),
      ) as { rows_read: number; rows_written: number; rows_rejected: number; rejected_by_reason: object };
      // Two symbols, a row per weekday each; the sandbox breaks one row in 29 (its date missing).
      let weekdays = 0;
      for (let t = Date.parse('2020-11-02'); t <= Date.parse('2020-12-31'); t += 86_400_000)
        if (![0, 6].includes(new Date(t).getUTCDay())) weekdays++;
      expect(summary.rows_read).toBe(2 * weekdays);
      expect(summary.rows_rejected).toBeGreaterThan(0);
      expect(summary.rejected_by_reason).toEqual({ missing_date: summary.rows_rejected });
      expect(summary.rows_written + summary.rows_rejected).toBe(2 * weekdays);
      // What the table holds, read by DuckDB: one row per (symbol, date), typed.
      const table = join(lake, 'silver', 'fmp_dividends', 'data.parquet');
      const rows = run(join(copy, '.venv', 'bin', 'python'), ['-c',
        `import duckdb; print(duckdb.sql("select count(*), count(distinct (symbol, date)), typeof(any_value(date)) from read_parquet('${table}')").fetchone())`]); // prettier-ignore
      expect(rows.stdout.trim()).toBe(`(${summary.rows_written}, ${summary.rows_written}, 'DATE')`);
      // A rerun gives the same table.
      finlake(['transform', 'dataset', 'fmp_dividends', '--run-id', 'gen-e2e-3']);
      const rerun = JSON.parse(
        readFileSync(join(lake, 'silver', '_runs', 'fmp_dividends', 'run_id=gen-e2e-3.json'), 'utf8'),
      ) as { rows_written: number };
      expect(rerun.rows_written).toBe(summary.rows_written);
      // The registered flow does both steps (Prefect without a server): a later window lands, silver grows.
      nx('run', 'fmp-ingester:build'); // the connector bundle the flows run
      // The seam in AWS: the keys that bundle lands for the new endpoint, through the task and Glue roles the
      // copy's staging program renders (infra's real-writers spec runs each generated source).
      const seams = run(
        'npx',
        ['vitest', 'run', 'test/seams-real-writers.spec.ts', '--reporter=verbose'],
        {},
        join(copy, 'infra'),
      );
      expect(seams.stdout).toMatch(/fmp_dividends: the connector`s task role may put every key/);
      expect(seams.stdout).not.toMatch(/skipped/);
      const flowRun = finlake(['pipeline', 'source', 'fmp_dividends', '--from', '2021-01-04', '--to', '2021-01-29',
        '--symbols', 'AAPL'], fmp); // prettier-ignore
      const report = lastReport<{ rows_written: number; rows_rejected: number }>(flowRun.stdout);
      expect(report.rows_written + report.rows_rejected).toBeGreaterThan(
        summary.rows_written + summary.rows_rejected,
      );
      expect(report.rows_written).toBeGreaterThan(summary.rows_written);

      // Served: the nightly master flow (prices, Spark, dbt, the gate, publish) builds the generated mart with
      // the others and publishes it; the API serves it on the generated route, paged, as silver holds it.
      const master = lastReport<{ gate: { passed: boolean }; published: { marts: Record<string, string> } }>(
        finlake(['pipeline', 'run', '--from', '2020-12-01', '--to', '2020-12-31'], fmp).stdout,
      );
      expect(master.gate.passed).toBe(true);
      expect(Object.keys(master.published.marts)).toContain('daily_symbol_dividends');
      const apiServer = await listening(['serve']);
      api = apiServer.child;
      const token = finlake(['token', '--sub', 'gen-e2e', '--portfolios', '*']).stdout.trim();
      const get = (path: string, auth = true) =>
        fetch(`${apiServer.url}${path}`, auth ? { headers: { authorization: `Bearer ${token}` } } : {});
      const range = 'from=2020-11-02&to=2021-01-29';
      const items: Record<string, unknown>[] = [];
      let next = `/v1/symbols/AAPL/dividends?${range}&limit=25`;
      for (let pages = 0; next && pages < 20; pages++) {
        const res = await get(next);
        expect(res.status, next).toBe(200);
        const page = (await res.json()) as { items: typeof items; next_cursor: string | null };
        items.push(...page.items);
        next = page.next_cursor
          ? `/v1/symbols/AAPL/dividends?${range}&limit=25&cursor=${page.next_cursor}`
          : '';
      }
      // Silver's rows, each column as JSON carries it (dates as text, nulls as null), in the API's order.
      const silver = run(join(copy, '.venv', 'bin', 'python'), ['-c',
        `import duckdb, json; r = duckdb.sql("select symbol, date as as_of_date, ${COLUMNS.join(', ')} from read_parquet('${table}') where symbol = 'AAPL' and date between '2020-11-02' and '2021-01-29' order by date"); print(json.dumps([dict(zip(r.columns, t)) for t in r.fetchall()], default=lambda v: v.isoformat()))`]); // prettier-ignore
      expect(items.length).toBeGreaterThan(25); // more than one page
      expect(items).toEqual(JSON.parse(silver.stdout));
      // The sandbox leaves an optional field empty now and then: nulls travel through silver, gold and the API.
      expect(items.some((i) => i.record_date === null)).toBe(true);
      expect(items.every((i) => typeof i.adj_dividend === 'number')).toBe(true);
      expect((await get(`/v1/symbols/AAPL/dividends?${range}`, false)).status).toBe(401);
      expect((await get(`/v1/symbols/aapl'--/dividends?${range}`)).status).toBe(400);
      expect((await get('/v1/symbols/AAPL/dividends?from=2021-01-29&to=2020-11-02')).status).toBe(400);
    } finally {
      sandbox.kill();
      api?.kill();
    }
  }, 900_000);

  it('streams the generated stream source through its producer, Kinesis and Firehose into bronze, then silver', () => {
    // The producer (the real program) polls the sandbox; the local Kinesis and Firehose deliver into bronze.
    finlake(['stream', 'run', '--dataset', 'fmp_quotes', '--symbols', 'AAPL,MSFT', '--for', '12s'], {
      STREAM_LOOKBACK_DAYS: '20',
      NEWS_POLL_INTERVAL_MS: '2000',
    });
    // Where its delivery lands, as the copy's platform contract declares it.
    const deliveries = (
      JSON.parse(readFileSync(join(copy, 'libs/platform/generated/platform.json'), 'utf8')) as {
        stream_deliveries: { dataset: string; landing_prefix: string }[];
      }
    ).stream_deliveries;
    const prefix = deliveries.find((d) => d.dataset === 'fmp_quotes')!.landing_prefix;
    const landed = run('find', [join(lake, 'bronze', prefix), '-name', '*.gz']);
    expect(landed.stdout.trim().split('\n').length).toBeGreaterThan(0);
    const summary =
      lastReport<{ rows_read: number; rows_written: number; rows_rejected: number;
      rejected_by_reason: Record<string, number>; duplicates_dropped: number }>( // prettier-ignore
        finlake(['pipeline', 'source', 'fmp_quotes']).stdout,
      );
    // Each row of the window went once (a poll re-sends only what changed): two symbols' weekdays.
    let weekdays = 0;
    const today = Date.parse(new Date().toISOString().slice(0, 10));
    for (let t = today - 20 * 86_400_000; t <= today; t += 86_400_000)
      if (![0, 6].includes(new Date(t).getUTCDay())) weekdays++;
    expect(summary.rows_read).toBe(2 * weekdays);
    expect(summary.rows_written + summary.rows_rejected).toBe(2 * weekdays);
    expect(Object.keys(summary.rejected_by_reason).every((r) => r === 'missing_date')).toBe(true);
    const table = join(lake, 'silver', 'fmp_quotes', 'data.parquet');
    const rows = run(join(copy, '.venv', 'bin', 'python'), ['-c',
      `import duckdb; print(duckdb.sql("select count(*), count(distinct (symbol, date)), typeof(any_value(date)), typeof(any_value(volume)) from read_parquet('${table}')").fetchone())`]); // prettier-ignore
    expect(rows.stdout.trim()).toBe(`(${summary.rows_written}, ${summary.rows_written}, 'DATE', 'INTEGER')`);
  }, 600_000);
});
