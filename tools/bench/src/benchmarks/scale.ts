import { GOVERNANCE } from '@finlake/platform';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng, startFmpSandbox, syntheticRows } from '@finlake/fmp-sandbox';
import { findRepoRoot } from '@finlake/lake';
import { devKeyPair, mintToken } from '@finlake/serving';
import { writeGoldFixture } from '@finlake/serving/testing';
import type { BenchResult, Measurement } from '../report.ts';
import { compareWithReference } from './reference-gold.ts';
import { load, startServer } from './serving-api.ts';

/** The scenario: the S&P 500's size in synthetic symbols and a desk's thousand portfolios. */
export interface ScaleOptions {
  symbols: number;
  portfolios: number;
  /** Symbols per portfolio, inclusive. */
  holdings: [number, number];
  from: string;
  to: string;
  /** The nightly increment after the full load: one trading day. */
  nightly: string;
  /** FMP calls per minute the sandbox allows (FMP Ultimate) and the flows pace to. */
  ratePerMin: number;
  seed: number;
}

export const SCALE_DEFAULTS: ScaleOptions = {
  symbols: 500,
  portfolios: 1000,
  holdings: [10, 30],
  from: '2000-01-01',
  to: '2024-12-31',
  nightly: '2025-01-02',
  ratePerMin: 3000,
  seed: 20261201,
};

const ROW_CAP = 5000;
const symbolName = (i: number) => `SYN${String(i + 1).padStart(4, '0')}`;

/**
 * Seeded holdings: each portfolio holds 10-30 distinct symbols from the first of the range on, some
 * sold again (valid_to exclusive), as the dbt seed's CSV. Same seed, same file.
 */
export function generateHoldings(o: ScaleOptions): { csv: string; rows: number } {
  const next = rng(o.seed);
  const start = Date.parse(`${o.from}T00:00:00Z`);
  const span = Date.parse(`${o.to}T00:00:00Z`) - start;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const lines = ['portfolio_id,symbol,quantity,valid_from,valid_to'];
  for (let p = 0; p < o.portfolios; p++) {
    const id = `P${String(p + 1).padStart(4, '0')}`;
    const count = o.holdings[0] + Math.floor(next() * (o.holdings[1] - o.holdings[0] + 1));
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(Math.floor(next() * o.symbols));
    for (const s of [...chosen].sort((a, b) => a - b)) {
      const from = start + Math.floor(next() * span * 0.8);
      const sold = next() < 0.25 ? from + Math.floor((0.05 + next() * 0.3) * span) : undefined;
      const to = sold !== undefined && sold < start + span ? day(sold) : '';
      lines.push(`${id},${symbolName(s)},${1 + Math.floor(next() * 500)},${day(from)},${to}`);
    }
  }
  return { csv: `${lines.join('\n')}\n`, rows: lines.length - 1 };
}

/** The fewest calls that can fetch the range under the row cap: per symbol, ceil(rows / cap). */
export function minimumCalls(o: ScaleOptions): number {
  let calls = 0;
  for (let i = 0; i < o.symbols; i++) {
    const rows = syntheticRows(symbolName(i)).filter((r) => r.date >= o.from && r.date <= o.to).length;
    calls += Math.max(1, Math.ceil(rows / ROW_CAP));
  }
  return calls;
}

interface FlowReport {
  stage_seconds: Record<string, number>;
  peak_rss_mb: Record<string, number>;
  duration_s: number;
  ingest: { units: number; rows: number; http_attempts?: number };
}

function runFlows(args: string[], env: NodeJS.ProcessEnv, log: string): Promise<FlowReport> {
  const root = findRepoRoot();
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, '.venv', 'bin', 'python'), ['-m', 'finlake_flows.cli', ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => {
      writeFileSync(log, err);
      if (code !== 0) reject(new Error(`flows ${args[0]} exited ${code}: ${err.slice(-3000)} (log: ${log})`));
      else resolve(JSON.parse(out) as FlowReport);
    });
  });
}

/**
 * The serving API's uncached path on the published full gold: one portfolio x one month for every
 * portfolio and month (each question once per pass), and the date query.
 */
export async function servingOn(lake: string, portfolios: number, cache = false) {
  const bundle = join(findRepoRoot(), 'apps', 'serving-api', 'dist', 'main.js');
  const keys = devKeyPair(join(lake, '_state', 'dev-keys'));
  const token = await mintToken(keys.privateKeyPem, {
    sub: 'bench',
    portfolios: '*',
    // Full rows, as the baseline reads them.
    scope: `summary:read ${GOVERNANCE.restrictedScope}`,
  });
  const auth = { authorization: `Bearer ${token}` };
  const started = Date.now();
  const api = await startServer([bundle, '--port', '0'], {
    ...process.env,
    FINLAKE_LAKE_ROOT: lake,
    FINLAKE_API_CACHE: cache ? 'on' : 'off',
    LOG_LEVEL: 'warn',
  });
  const startS = (Date.now() - started) / 1000;
  try {
    const paths: string[] = [];
    // Cached: 8 months x 1,000 portfolios, within the answer cache's 10,000 entries (a cyclic pass over
    // more would only measure LRU eviction).
    for (let m = 0; m < (cache ? 8 : 12); m++) {
      const from = new Date(Date.UTC(2024, m, 1)).toISOString().slice(0, 10);
      const to = new Date(Date.UTC(2024, m + 1, 0)).toISOString().slice(0, 10);
      for (let p = 1; p <= portfolios; p++)
        paths.push(`/v1/portfolios/P${String(p).padStart(4, '0')}/daily-summary?from=${from}&to=${to}`);
    }
    // Warm-up; with the cache on, every question once (what the first callers after a publish pay).
    await load(
      api.url,
      cache ? { requests: paths.length } : { seconds: 2 },
      auth,
      cache ? paths : paths.slice(0, 500),
    );
    const summary = await load(api.url, { seconds: 8 }, auth, paths);
    const date = await load(
      `${api.url}/v1/daily-portfolio-summary?date=2024-06-28&limit=100`,
      { seconds: 6 },
      auth,
    );
    const fresh = (await (await fetch(`${api.url}/healthz`)).json()) as { gold?: { rows?: number } };
    return { startS, summary, date, rows: fresh.gold?.rows ?? null };
  } finally {
    api.child.kill('SIGTERM');
  }
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/**
 * `npx finlake bench scale`: 500 symbols x 25 years (3.1 M price rows) and 1,000 portfolios (~20 k
 * holdings, ~60 M position-days) through the real backfill (sandbox -> connector -> Spark -> dbt on
 * DuckDB -> gate -> publish), then one nightly increment. Prints each stage's time and peak RSS.
 * - calls: the API calls the backfill made against the minimum that covers the rows under the cap
 *   (baseline, computed from the same data); target 1.00, and the backfill <= 4 min.
 * - gold: the full load's dbt stage against one hand-written DuckDB query computing the same rows (same
 *   run, rows compared); <= 1.5x and <= 60 s, peak RSS <= 4 GiB.
 * - nightly: the increment's wall time against the full load's; <= 0.1 and <= 30 s; and its dbt stage
 *   against the full load's dbt stage, <= 0.35: a night builds a batch, not all of gold.
 * - serving: the uncached path on the full gold (against the same on a small gold); >= 5,000 req/s, p99
 *   <= 25 ms.
 */
export async function benchScale(o: ScaleOptions = SCALE_DEFAULTS): Promise<BenchResult> {
  const root = findRepoRoot();
  const work = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const sandbox = await startFmpSandbox({ apiKey: 'bench-key', ratePerMin: o.ratePerMin });
  try {
    const project = join(work, 'dbt');
    cpSync(join(root, 'dbt'), project, {
      recursive: true,
      filter: (src) => !/[/\\](target|logs|pytests)$/.test(src),
    });
    const holdings = generateHoldings(o);
    writeFileSync(join(project, 'seeds', 'portfolio_holdings.csv'), holdings.csv);
    const symbols = Array.from({ length: o.symbols }, (_, i) => symbolName(i)).join(',');
    const env = {
      ...process.env,
      FINLAKE_LAKE_ROOT: join(work, 'lake'),
      DBT_PROJECT_DIR: project,
      FINLAKE_SYMBOLS: symbols,
      FMP_BASE_URL: sandbox.url,
      FMP_API_KEY: 'bench-key',
      FMP_RATE_LIMIT_PER_MIN: String(o.ratePerMin),
      FMP_CONCURRENCY: '8',
    };

    const t0 = Date.now();
    const full = await runFlows(
      ['backfill', '--from', o.from, '--to', o.to, '--concurrency', '2'],
      env,
      join(work, 'backfill.log'),
    );
    const fullWall = (Date.now() - t0) / 1000;
    const lake = join(work, 'lake');
    const reference = await compareWithReference(
      join(lake, 'silver', 'fmp_eod_prices', '*', '*', '*.parquet'),
      join(project, 'seeds', 'portfolio_holdings.csv'),
      join(lake, 'gold', 'daily_portfolio_summary', 'daily_portfolio_summary.parquet'),
    );
    const calls = sandbox.stats().requests; // counted by the API side, retries included
    const minimum = minimumCalls(o);

    const t1 = Date.now();
    const nightly = await runFlows(
      ['pipeline', '--from', o.nightly, '--to', o.nightly],
      env,
      join(work, 'nightly.log'),
    );
    const nightlyWall = (Date.now() - t1) / 1000;
    const dbtRss = full.peak_rss_mb.dbt ?? 0;
    const serving = await servingOn(lake, o.portfolios);
    const cached = await servingOn(lake, o.portfolios, true);
    const hello = await startServer(
      [fileURLToPath(new URL('../servers/hello-world.mjs', import.meta.url)), '0'],
      process.env,
    );
    const helloRate = await load(hello.url, { seconds: 6 }).finally(() => hello.child.kill('SIGTERM'));
    // Baseline: the same server and questions on a small gold (50 portfolios x 10 years, 182 k rows).
    const small = join(work, 'small');
    await writeGoldFixture(
      small,
      Array.from({ length: 50 }, (_, i) => `P${String(i + 1).padStart(4, '0')}`),
      3650,
    );
    const servingSmall = await servingOn(small, 50);

    const measurements: Measurement[] = [
      {
        name: 'backfill API calls',
        value: calls,
        unit: 'calls',
        baseline: { name: 'the minimum under the 5,000-row cap', value: minimum },
        ratio: calls / minimum,
        target: '= 1.00 x the minimum; the full backfill <= 240 s at 3,000 calls/min',
        pass: calls / minimum <= 1.0 && fullWall <= 240,
        note: `${(calls / 750).toFixed(1)} min of a 750/min plan; the full backfill took ${fullWall.toFixed(0)} s`,
      },
      {
        name: 'gold (dbt build: models, tests, gate artefacts) on the full load',
        value: full.stage_seconds.dbt ?? 0,
        unit: 's',
        baseline: { name: 'one hand-written DuckDB query computing the same rows', value: reference.seconds },
        ratio: (full.stage_seconds.dbt ?? 0) / reference.seconds,
        target: '<= 1.5 x the query and <= 60 s, rows equal',
        pass:
          (full.stage_seconds.dbt ?? 0) / reference.seconds <= 1.5 &&
          (full.stage_seconds.dbt ?? 0) <= 60 &&
          reference.onlyInGold === 0 &&
          reference.onlyInReference === 0,
        note: `${reference.rows} rows; ${reference.onlyInGold} only in gold, ${reference.onlyInReference} only in the reference`,
      },
      {
        name: 'money as exact decimals: the reference query',
        value: reference.seconds,
        unit: 's',
        baseline: { name: 'the same query in doubles', value: reference.doubleSeconds },
        ratio: reference.seconds / reference.doubleSeconds,
        // The issue asks for the cost, not a bound: ours is that exactness may cost at most half again.
        target: '<= 1.5 x doubles (our bound; the issue asks the cost measured)',
        pass: reference.seconds / reference.doubleSeconds <= 1.5,
        note: 'DECIMAL(18,4) x DECIMAL(18,6) summed exactly, against binary doubles summed in any order',
      },
      {
        name: 'nightly increment after the full load',
        value: nightlyWall,
        unit: 's',
        baseline: { name: 'the full load', value: fullWall },
        ratio: nightlyWall / fullWall,
        target: '<= 0.1 x the full load and <= 30 s (the issue`s numbers)',
        pass: nightlyWall / fullWall <= 0.1 && nightlyWall <= 30,
        note: `outside the stages: ${(nightlyWall - sum(nightly.stage_seconds)).toFixed(1)} s`,
      },
      {
        name: 'nightly gold (dbt) after the full load',
        value: nightly.stage_seconds.dbt ?? 0,
        unit: 's',
        baseline: { name: "the full load's dbt", value: full.stage_seconds.dbt ?? 0 },
        ratio: (nightly.stage_seconds.dbt ?? 0) / (full.stage_seconds.dbt ?? 1),
        target: '<= 0.35 x the full build (an incremental batch, not a rebuild)',
        pass: (nightly.stage_seconds.dbt ?? 0) / (full.stage_seconds.dbt ?? 1) <= 0.35,
      },
      {
        name: 'uncached summary query on the full gold (the in-memory index of the published version)',
        value: serving.summary.reqPerSec,
        unit: 'req/s',
        baseline: { name: 'the same on a 182 k-row gold', value: servingSmall.summary.reqPerSec },
        ratio: serving.summary.reqPerSec / servingSmall.summary.reqPerSec,
        target: '>= 5,000 req/s with p99 <= 25 ms at 50 connections (the ratio shows size barely matters)',
        pass: serving.summary.reqPerSec >= 5000 && serving.summary.p99Ms <= 25,
        note: `p99 ${serving.summary.p99Ms} ms (small: ${servingSmall.summary.p99Ms} ms); the date query (every portfolio on one date): ${serving.date.reqPerSec.toFixed(0)} req/s, p99 ${serving.date.p99Ms} ms; ${serving.rows} gold rows; server start (loads gold) ${serving.startS.toFixed(1)} s`,
      },
      {
        name: 'cached summary query on the full gold',
        value: cached.summary.reqPerSec,
        unit: 'req/s',
        baseline: { name: 'bare Fastify hello-world', value: helloRate.reqPerSec },
        ratio: cached.summary.reqPerSec / helloRate.reqPerSec,
        target: '>= 0.5 x hello-world',
        pass: cached.summary.reqPerSec / helloRate.reqPerSec >= 0.5,
        note: `p99 ${cached.summary.p99Ms} ms`,
      },
      {
        name: 'gold (dbt) peak RSS on the full load',
        value: dbtRss,
        unit: 'MiB',
        target: '<= 4096 MiB, gate passed',
        pass: dbtRss > 0 && dbtRss <= 4096,
      },
    ];
    return {
      benchmark: 'scale',
      context: {
        scenario: { ...o, holdings_rows: holdings.rows },
        reference_gold: reference,
        backfill: { wall_s: fullWall, stage_seconds: full.stage_seconds, peak_rss_mb: full.peak_rss_mb },
        serving,
        serving_cached: cached,
        serving_small_gold: servingSmall,
        nightly: {
          wall_s: nightlyWall,
          stage_seconds: nightly.stage_seconds,
          peak_rss_mb: nightly.peak_rss_mb,
        },
      },
      measurements,
    };
  } finally {
    await sandbox.close();
    if (!process.env.FINLAKE_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}
