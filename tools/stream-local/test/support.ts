import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LocalZoneStore } from '@finlake/lake';
import { NEWS_DELIVERY, SERVICES, silverRejectsPrefix, streamLandingPrefix } from '@finlake/platform';
import {
  ensureStream,
  localKinesisClient,
  startKinesis,
  startLimitsProxy,
  type LimitsProxyOptions,
} from '../src/index.ts';

export const REPO = join(import.meta.dirname, '..', '..', '..');
/** The deployable artefact, run the way its container runs it. */
export const PRODUCER_BUNDLE = join(REPO, 'apps', 'news-producer', 'dist', 'main.js');
export const STREAM = 'finlake-local-news';

export async function streamStack(proxy: Omit<LimitsProxyOptions, 'target' | 'client'> = {}, shards = 1) {
  const kinesis = await startKinesis();
  const direct = localKinesisClient(kinesis.url);
  await ensureStream(direct, STREAM, shards);
  const limits = await startLimitsProxy({ target: kinesis.url, client: direct, ...proxy });
  const lakeRoot = await mkdtemp(join(tmpdir(), 'finlake-stream-'));
  const bronze = new LocalZoneStore('bronze', join(lakeRoot, 'bronze'));
  return {
    kinesis,
    direct,
    limits,
    lakeRoot,
    bronze,
    async close() {
      await limits.close();
      await kinesis.close();
    },
  };
}

export function spawnProducer(env: Record<string, string>): {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
} {
  let err = '';
  const [, ...flags] = SERVICES.newsProducer.command.slice(0, -1);
  const child = spawn(process.execPath, [...flags, PRODUCER_BUNDLE], {
    env: { PATH: process.env.PATH ?? '', AWS_MAX_ATTEMPTS: '2', HEALTH_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (err += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  spawned.add(child);
  void exited.then(() => spawned.delete(child));
  return { child, exited, stderr: () => err };
}

const spawned = new Set<ChildProcess>();

/** Kills every producer a test started and did not stop (a failed test must leave no process behind). */
export function killProducers(): void {
  for (const child of spawned) if (child.exitCode === null) child.kill('SIGKILL');
  spawned.clear();
}

/** Every record line in the delivered objects (gunzipped), and the objects' keys. */
export async function deliveredRecords(lakeRoot: string) {
  const root = join(lakeRoot, 'bronze', streamLandingPrefix(NEWS_DELIVERY));
  const files = (await readdir(root, { recursive: true }).catch(() => [] as string[])).filter((f) =>
    f.endsWith('.gz'),
  );
  const lines: string[] = [];
  for (const f of files)
    lines.push(
      ...gunzipSync(await readFile(join(root, f)))
        .toString('utf8')
        .split('\n')
        .filter(Boolean),
    );
  return {
    files,
    records: lines.map((l) => JSON.parse(l) as { article_id: string; fetched_at: string; item: string }),
  };
}

export const waitFor = async (what: () => boolean | Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};

const PYTHON = join(REPO, '.venv', 'bin', 'python');

/** One micro-batch of the Glue job's news path (`--dataset fmp_news`) over the lake. */
export function silverBatch(lakeRoot: string, runId: string) {
  return spawnSync(
    PYTHON,
    [
      '-m',
      'finlake_glue.job',
      '--dataset',
      'fmp_news',
      '--bronze_uri',
      join(lakeRoot, 'bronze'),
      '--silver_uri',
      join(lakeRoot, 'silver'),
      '--run_id',
      runId,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
}

/** Silver news rows and rejects, read with DuckDB (the reader dbt uses locally). */
export function readSilver(lakeRoot: string): {
  rows: { article_id: string }[];
  rejects: { article_id: string; reject_reason: string }[];
} {
  const script = `
import duckdb, json, sys
root = sys.argv[1]
con = duckdb.connect()
rows = con.execute(f"select article_id from read_parquet('{root}/silver/fmp_news/*/*.parquet', hive_partitioning=true)").fetchall()
rej = con.execute(f"select article_id, reject_reason from read_parquet('{root}/silver/{sys.argv[2]}*/*.parquet')").fetchall()
print(json.dumps({"rows": [{"article_id": r[0]} for r in rows], "rejects": [{"article_id": r[0], "reject_reason": r[1]} for r in rej]}))
`;
  const r = spawnSync(PYTHON, ['-c', script, lakeRoot, silverRejectsPrefix('fmp_news')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}
