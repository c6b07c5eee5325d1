import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LocalZoneStore } from '@finlake/lake';
import { NEWS_DELIVERY, streamLandingPrefix } from '@finlake/platform';
import { ensureStream, localKinesisClient, startKinesis, startLimitsProxy, type LimitsProxyOptions } from '../src/index.ts';

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

export function spawnProducer(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  let err = '';
  const child = spawn(process.execPath, [PRODUCER_BUNDLE], {
    env: { PATH: process.env.PATH ?? '', AWS_MAX_ATTEMPTS: '2', HEALTH_PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, stderr: () => err };
}

/** Every record line in the delivered objects (gunzipped), and the objects' keys. */
export async function deliveredRecords(lakeRoot: string) {
  const root = join(lakeRoot, 'bronze', streamLandingPrefix(NEWS_DELIVERY));
  const files = (await readdir(root, { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.gz'));
  const lines: string[] = [];
  for (const f of files) lines.push(...gunzipSync(await readFile(join(root, f))).toString('utf8').split('\n').filter(Boolean));
  return { files, records: lines.map((l) => JSON.parse(l) as { article_id: string; fetched_at: string; item: string }) };
}

export const waitFor = async (what: () => boolean | Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};
