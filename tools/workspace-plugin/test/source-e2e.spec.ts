// The generator end to end, in a temporary copy of the workspace: `nx g @finlake/workspace:source` through
// the real Nx CLI (the plugin built to JS), the contracts regenerated, the touched projects linted,
// typechecked and tested, then the new source's ingest -> silver on the FMP sandbox: the connector lands its
// endpoint in bronze, the Glue job's Arrow path builds the silver table, its bad rows in rejects.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { copyWorkspace } from './copy-workspace.ts';

let copy: string;
let lake: string;
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
function run(cmd: string, args: string[], extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  const out = spawnSync(cmd, args, {
    cwd: copy,
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
    const generated = run('npx', ['nx', 'g', '@finlake/workspace:source', 'fmp_dividends', '--kind', 'rest',
      '--path', '/stable/dividends', '--description', 'Dividends per symbol and payment date.', '--no-interactive']); // prettier-ignore
    // eslint-disable-next-line no-control-regex -- the terminal's colour codes
    const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain(generated.stdout)).toContain('CREATE libs/schemas/src/datasets/fmp-dividends.ts');
    // Idempotent through the CLI too: a second run creates and updates nothing.
    const again = run('npx', ['nx', 'g', '@finlake/workspace:source', 'fmp_dividends', '--no-interactive']);
    expect(plain(again.stdout)).not.toMatch(/CREATE|UPDATE/);
    // Generated artefacts from the new contract: JSON Schemas, dbt staging and sources, platform.json.
    nx('run', 'schemas:generate');
    nx('run', 'platform:generate');
    expect(existsSync(join(copy, 'libs/schemas/generated/json-schema/fmp_dividends.schema.json'))).toBe(true);
    expect(existsSync(join(copy, 'dbt/models/staging/fmp/stg_fmp__dividends.sql'))).toBe(true);
    expect(readFileSync(join(copy, 'libs/platform/generated/platform.json'), 'utf8')).toContain(
      '"fmp_dividends"',
    );
    const projects = 'schemas,platform,fmp-connector,fmp-sandbox,cli,glue-bronze-to-silver';
    nx('run-many', '-t', 'lint', 'typecheck', `--projects=${projects}`);
    run('npx', ['prettier', '--check', 'libs', 'tools/fmp-sandbox', 'docs/sources']);
    nx('run-many', '-t', 'test', '--projects=schemas,platform,fmp-sandbox');
  }, 900_000);

  it('lands the new endpoint from the sandbox and builds its silver table, bad rows rejected with their reason', async () => {
    const sandbox = spawn(process.execPath, [join(copy, 'tools/cli/bin/finlake.mjs'), 'sandbox', 'fmp', '--port', '0',
      '--api-key', 'sandbox-key'], { cwd: copy, env: env(), stdio: ['ignore', 'pipe', 'inherit'] }); // prettier-ignore
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: sandbox.stdout! }).once('line', resolve);
        sandbox.once('exit', (code) => reject(new Error(`the sandbox exited ${code} before listening`)));
      });
      const url = (JSON.parse(first) as { url: string }).url;
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
      const flowRun = finlake(['pipeline', 'source', 'fmp_dividends', '--from', '2021-01-04', '--to', '2021-01-29',
        '--symbols', 'AAPL'], fmp); // prettier-ignore
      // The report is the last thing printed: a JSON object from a line `{` to a line `}`.
      const report = JSON.parse(/^\{$[\s\S]*^\}$/m.exec(flowRun.stdout)?.[0] ?? 'null') as {
        rows_written: number;
        rows_rejected: number;
      };
      expect(report.rows_written + report.rows_rejected).toBeGreaterThan(
        summary.rows_written + summary.rows_rejected,
      );
      expect(report.rows_written).toBeGreaterThan(summary.rows_written);
    } finally {
      sandbox.kill();
    }
  }, 300_000);
});
