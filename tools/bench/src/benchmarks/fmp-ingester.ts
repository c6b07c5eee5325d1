import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFmpSandbox } from '@finlake/fmp-sandbox';
import { findRepoRoot } from '@finlake/lake';
import type { BenchResult } from '../report.ts';
import { ingesterBundle } from './ingest-fixture.ts';

export interface FmpIngesterBenchOptions {
  symbols: number;
  ratePerMin: number;
  from: string;
  to: string;
}

export const FMP_INGESTER_DEFAULTS: FmpIngesterBenchOptions = {
  symbols: 500,
  ratePerMin: 750, // FMP Premium
  from: '1995-01-02',
  to: '2020-12-31', // 25 years: two calls per symbol, 1,000 calls: longer than a minute at 750/min
};

/**
 * 500 symbols x 25 years through the built bundle (as the container runs it) against the sandbox
 * enforcing the plan's per-minute limit in a sliding 60 s window.
 * - rate: calls per minute sustained, against the configured limit (the baseline); target >= 0.90,
 *   and 0 calls refused by the sandbox's limiter.
 * - memory: the ingester's peak RSS; target <= 256 MB; the baseline is the same bundle's peak RSS
 *   when it only prints --help, measured in this run.
 */
export async function benchFmpIngester(
  opts: FmpIngesterBenchOptions = FMP_INGESTER_DEFAULTS,
): Promise<BenchResult> {
  const bundle = ingesterBundle();
  if (!existsSync(bundle))
    throw new Error(`${bundle} missing: run npx nx build fmp-ingester (make bench does)`);
  const sandbox = await startFmpSandbox({ apiKey: 'bench-key', ratePerMin: opts.ratePerMin });
  const lake = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  try {
    const idleRssMb = await peakRssOf(bundle, ['--help'], {});

    const symbols = Array.from({ length: opts.symbols }, (_, i) => `SYN${String(i).padStart(4, '0')}`).join(
      ',',
    );
    const env = {
      PATH: process.env.PATH,
      FINLAKE_LAKE_ROOT: lake,
      FMP_API_KEY: 'bench-key',
      FMP_BASE_URL: sandbox.url,
      FMP_RATE_LIMIT_PER_MIN: String(opts.ratePerMin),
      FMP_CONCURRENCY: '8',
    };
    const started = Date.now();
    const { code, lines } = await runBundle(
      bundle,
      ['--symbols', symbols, '--from', opts.from, '--to', opts.to, '--run-id', 'bench'],
      env,
    );
    const wallS = (Date.now() - started) / 1000;
    if (code !== 0) throw new Error(`ingester exited ${code}`);
    const finished = lines.find((l) => l.msg === 'ingestion finished');
    if (!finished) throw new Error('ingester printed no "ingestion finished" line');
    const stats = sandbox.stats();
    const calls = stats.byStatus['200'] ?? 0;
    const spanMin = (stats.lastCallAt! - stats.firstCallAt!) / 60_000;
    // n calls span n-1 gaps: rate = (n - 1) / span.
    const achieved = (calls - 1) / spanMin;
    const peakRssMb = Number(finished.peak_rss_mb);
    return {
      benchmark: 'fmp-ingester',
      context: {
        ...opts,
        calls,
        rows: finished.rows,
        wall_s: wallS,
        max_calls_in_any_minute: stats.maxCallsInAnyWindow,
        rate_limited: stats.rateLimited,
      },
      measurements: [
        {
          name: 'sustained call rate',
          value: achieved,
          unit: 'calls/min',
          baseline: { name: 'configured limit', value: opts.ratePerMin },
          ratio: achieved / opts.ratePerMin,
          target: '>= 0.90 of the limit',
          pass: achieved / opts.ratePerMin >= 0.9,
        },
        {
          name: 'calls over the limit',
          value: stats.rateLimited,
          unit: 'calls',
          target: '0 (sandbox limiter, sliding 60 s window)',
          pass: stats.rateLimited === 0 && stats.maxCallsInAnyWindow <= opts.ratePerMin,
          note: `most calls in any 60 s: ${stats.maxCallsInAnyWindow}`,
        },
        {
          name: 'peak RSS',
          value: peakRssMb,
          unit: 'MB',
          baseline: { name: 'same bundle printing --help', value: idleRssMb },
          ratio: peakRssMb / idleRssMb,
          target: '<= 256 MB',
          pass: peakRssMb <= 256,
        },
      ],
    };
  } finally {
    await sandbox.close();
    rmSync(lake, { recursive: true, force: true });
  }
}

async function runBundle(bundle: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [bundle, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        // not a log line
      }
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, lines };
}

/** Peak RSS (MB) of a finished child, from getrusage(RUSAGE_CHILDREN) (Node's spawn does not expose it). */
async function peakRssOf(bundle: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const python = join(findRepoRoot(), '.venv', 'bin', 'python');
  const script =
    'import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); ' +
    'print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)';
  const r = spawnSync(python, ['-c', script, process.execPath, bundle, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`measuring RSS failed: ${r.stderr}`);
  return Math.round(Number(r.stdout.trim()) / 1024);
}
