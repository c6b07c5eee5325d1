import { GOVERNANCE } from '@finlake/platform';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { findRepoRoot } from '@finlake/lake';
import { devKeyPair, mintToken } from '@finlake/serving';
import { writeGoldFixture } from '@finlake/serving/testing';
import type { BenchResult } from '../report.ts';

export const SERVING_API_DEFAULTS = {
  connections: 50,
  /** Seconds per measured round; two rounds each, interleaved, best round kept (shared, noisy machine). */
  seconds: 8,
  warmupSeconds: 2,
  /** Gold size: 50 portfolios x 10 years of days. */
  portfolios: 50,
  days: 3650,
  lambdaRequests: 2000,
};

export interface Listening {
  child: ChildProcess;
  url: string;
}

/** Starts a server in its own process (the load generator must not share its event loop). */
export async function startServer(args: string[], env: NodeJS.ProcessEnv): Promise<Listening> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /"event":"listening","url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
  return { child, url };
}

/**
 * autocannon against `url` for `run.seconds`, or for exactly `run.requests` requests (a pass over every
 * question once), cycling through `paths` (one per request) when given.
 */
export async function load(
  url: string,
  run: { seconds: number } | { requests: number },
  headers: Record<string, string> = {},
  paths: string[] = [],
) {
  let next = 0;
  const r = await autocannon({
    url,
    connections: SERVING_API_DEFAULTS.connections,
    ...('seconds' in run ? { duration: run.seconds } : { amount: run.requests }),
    headers,
    ...(paths.length
      ? { requests: [{ setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length]! }) }] }
      : {}),
  });
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${url}: ${r.non2xx} non-2xx answers and ${r.errors} errors under load`);
  return {
    // A fixed-count run ends mid-second: its rate is total / duration, not the per-second average.
    reqPerSec: 'seconds' in run ? r.requests.average : r.requests.total / r.duration,
    p99Ms: r.latency.p99,
    p50Ms: r.latency.p50,
    total: r.requests.total,
  };
}

/**
 * The gold API under load (autocannon, 50 connections) on the local DuckDB engine, against a bare
 * Fastify hello-world measured in the same run. Targets: >= 30 % of hello-world's req/s, p99 <= 25 ms.
 * Then the Lambda adapter's own cost per request: the same app through @fastify/aws-lambda with an
 * API Gateway proxy event vs `app.inject` (what the adapter calls), in process.
 */
export async function benchServingApi(o = SERVING_API_DEFAULTS): Promise<BenchResult> {
  const root = findRepoRoot();
  const bundle = join(root, 'apps', 'serving-api', 'dist', 'main.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} missing: run npx nx run serving-api:build`);
  const lake = mkdtempSync(join(tmpdir(), 'bench-serving-'));
  const servers: Listening[] = [];
  try {
    await writeGoldFixture(
      lake,
      Array.from({ length: o.portfolios }, (_, i) => `P${String(i + 1).padStart(3, '0')}`),
      o.days,
    );
    const keys = devKeyPair(join(lake, '_state', 'dev-keys'));
    const token = await mintToken(keys.privateKeyPem, {
      sub: 'bench',
      portfolios: '*',
      // Full rows, as the baseline reads them.
      scope: `summary:read ${GOVERNANCE.restrictedScope}`,
    });
    const auth = { authorization: `Bearer ${token}` };
    const hello = await startServer(
      [fileURLToPath(new URL('../servers/hello-world.mjs', import.meta.url)), '0'],
      process.env,
    );
    const apiEnv = { ...process.env, FINLAKE_LAKE_ROOT: lake, LOG_LEVEL: 'warn' };
    const api = await startServer([bundle, '--port', '0'], apiEnv);
    const uncached = await startServer([bundle, '--port', '0'], { ...apiEnv, FINLAKE_API_CACHE: 'off' });
    servers.push(hello, api, uncached);
    // The summary query: one portfolio, one calendar month (a statement period, ~21 rows), cycling
    // through every portfolio and month of the gold. Measured warm - every question asked once since
    // the publish (a cold pass is reported too) - because answers are cached per gold version.
    const months = Array.from({ length: Math.floor(o.days / 31) }, (_, i) => {
      const d = new Date(Date.UTC(2020, i, 1));
      const end = new Date(Date.UTC(2020, i + 1, 0));
      return [d.toISOString().slice(0, 10), end.toISOString().slice(0, 10)] as const;
    });
    const summaryPaths = months.flatMap(([from, to]) =>
      Array.from(
        { length: o.portfolios },
        (_, p) => `/v1/portfolios/P${String(p + 1).padStart(3, '0')}/daily-summary?from=${from}&to=${to}`,
      ),
    );
    // A year of one portfolio, first page of 100 rows: the biggest answer a client usually asks for.
    const yearPaths = Array.from(
      { length: o.portfolios },
      (_, p) =>
        `/v1/portfolios/P${String(p + 1).padStart(3, '0')}/daily-summary?from=2022-01-01&to=2022-12-31&limit=100`,
    );
    const summaryUrl = api.url;
    const dateUrl = `${api.url}/v1/daily-portfolio-summary?date=2022-06-30&limit=100`;

    await load(hello.url, { seconds: o.warmupSeconds });
    const engineOnly = await load(uncached.url, { seconds: o.seconds }, auth, summaryPaths);
    uncached.child.kill('SIGTERM');
    // Each question once, 50 at a time: what the first callers after a publish see.
    const coldPass = await load(summaryUrl, { requests: summaryPaths.length }, auth, summaryPaths);
    const rounds = {
      hello: [] as Awaited<ReturnType<typeof load>>[],
      summary: [] as Awaited<ReturnType<typeof load>>[],
    };
    for (let i = 0; i < 2; i++) {
      rounds.hello.push(await load(hello.url, { seconds: o.seconds }));
      rounds.summary.push(await load(summaryUrl, { seconds: o.seconds }, auth, summaryPaths));
    }
    const date = await load(dateUrl, { seconds: o.seconds }, auth);
    const year = await load(summaryUrl, { seconds: o.seconds }, auth, yearPaths);
    const best = <T extends { reqPerSec: number }>(xs: T[]) =>
      xs.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
    const h = best(rounds.hello);
    const s = best(rounds.summary);

    const lambda = lambdaOverhead(lake, o.lambdaRequests);
    return {
      benchmark: 'serving-api',
      context: {
        connections: o.connections,
        seconds_per_round: o.seconds,
        gold_rows: o.portfolios * o.days,
        hello_world_rounds: rounds.hello,
        summary_rounds: rounds.summary,
        date_query: date,
        summary_without_cache: engineOnly,
        summary_cold_pass: coldPass,
        year_page_100_rows: year,
        lambda,
      },
      measurements: [
        {
          name: 'summary query req/s at 50 connections (DuckDB engine)',
          value: s.reqPerSec,
          unit: 'req/s',
          baseline: { name: 'bare Fastify hello-world', value: h.reqPerSec },
          ratio: s.reqPerSec / h.reqPerSec,
          target: 'ratio >= 0.30',
          pass: s.reqPerSec / h.reqPerSec >= 0.3,
          note:
            `one portfolio x one month, answers cached per gold version. Cold pass (each of ${summaryPaths.length} questions ` +
            `first time): ${coldPass.reqPerSec.toFixed(0)} req/s, p99 ${coldPass.p99Ms} ms. Without the cache (every request ` +
            `a DuckDB query): ${engineOnly.reqPerSec.toFixed(0)} req/s, p99 ${engineOnly.p99Ms} ms. Year page of 100 rows: ` +
            `${year.reqPerSec.toFixed(0)} req/s, p99 ${year.p99Ms} ms. Date query: ${date.reqPerSec.toFixed(0)} req/s, p99 ${date.p99Ms} ms`,
        },
        {
          name: 'summary query p99 latency at 50 connections',
          value: s.p99Ms,
          unit: 'ms',
          baseline: { name: 'hello-world p99', value: h.p99Ms },
          ratio: s.p99Ms / Math.max(h.p99Ms, 1),
          target: '<= 25 ms',
          pass: s.p99Ms <= 25,
        },
        {
          name: 'Lambda adapter overhead per request',
          value: lambda.overheadUs,
          unit: 'us',
          baseline: { name: 'app.inject per request', value: lambda.injectUs },
          ratio: lambda.handlerUs / lambda.injectUs,
          target: '<= 1000 us (measured; the adapter must stay small next to Athena`s ~1 s)',
          pass: lambda.overheadUs <= 1000,
        },
      ],
    };
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    rmSync(lake, { recursive: true, force: true });
  }
}

/** The adapter measurement runs in the app's own bench script (apps are not importable from tools). */
function lambdaOverhead(lake: string, requests: number) {
  const script = join(findRepoRoot(), 'apps', 'serving-api', 'bench', 'lambda-overhead.ts');
  const r = spawnSync(
    process.execPath,
    ['--conditions=@finlake/source', '--import', 'tsx', script, lake, String(requests)],
    { encoding: 'utf8', cwd: findRepoRoot() },
  );
  if (r.status !== 0) throw new Error(`lambda-overhead failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    injectUs: number;
    handlerUs: number;
    overheadUs: number;
    requests: number;
  };
}
