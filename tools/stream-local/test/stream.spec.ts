import { join } from 'node:path';
import { startFmpSandbox, type FmpSandbox } from '@finlake/fmp-sandbox';
import { deadLettersPrefix, FMP_NEWS, NEWS_DELIVERY, checkpointKey } from '@finlake/platform';
import { LocalFirehose } from '../src/index.ts';
import {
  deliveredRecords,
  readSilver,
  silverBatch,
  spawnProducer,
  STREAM,
  streamStack,
  waitFor,
} from './support.ts';

let sandbox: FmpSandbox;
const NOW = Date.parse('2025-09-23T02:00:00Z');

beforeAll(async () => {
  // A fixed clock: the feed holds exactly the articles published before it.
  sandbox = await startFmpSandbox({
    apiKey: 'k',
    ratePerMin: 100_000,
    news: { now: () => NOW, intervalMs: 5 * 60_000 },
  });
});
afterAll(() => sandbox.close());

const producerEnv = (stack: Awaited<ReturnType<typeof streamStack>>, extra: Record<string, string> = {}) => ({
  FMP_API_KEY: 'k',
  FMP_BASE_URL: sandbox.url,
  FMP_RATE_LIMIT_PER_MIN: '3000',
  FINLAKE_LAKE_ROOT: stack.lakeRoot,
  FINLAKE_AWS_ENDPOINT_URL: stack.limits.url,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  KINESIS_STREAM_NAME: STREAM,
  NEWS_SYMBOLS: 'AAPL,MSFT,AMZN',
  NEWS_SINCE: '2025-09-20T00:00:00Z',
  NEWS_POLL_INTERVAL_MS: '300',
  // Three pages a poll: the backlog since the watermark takes several polls to deliver.
  NEWS_MAX_PAGES: '3',
  ...extra,
});

/** The articles the feed holds for the symbols since the watermark, by id (what must arrive, once). */
async function expectedIds(symbols: string, since: string): Promise<Set<string>> {
  const { createHash } = await import('node:crypto');
  const ids = new Set<string>();
  for (let page = 0; page < 100; page++) {
    const r = await fetch(
      `${sandbox.url}/stable/news/stock?symbols=${symbols}&from=${since}&page=${page}&limit=250&apikey=k`,
    );
    const items = (await r.json()) as Record<string, unknown>[];
    for (const i of items) {
      if (typeof i.publishedDate === 'string' && i.publishedDate < `${since} 00:00:00`) continue;
      const id = createHash('sha256')
        .update(`${String(i.symbol ?? '')}|${String(i.url ?? '')}`)
        .digest('hex');
      ids.add(id);
    }
    if (items.length < 250) break;
  }
  return ids;
}

describe('producer -> Kinesis (limits proxy) -> local Firehose -> bronze', () => {
  it('delivers every article of the feed, malformed ones included, and exits 0 on SIGTERM after flushing', async () => {
    const stack = await streamStack({ faultRate: 0.05, seed: 3 });
    const firehose = new LocalFirehose({
      kinesis: stack.direct,
      streamName: STREAM,
      deliveryStreamName: 'finlake-local-news-to-bronze',
      delivery: NEWS_DELIVERY,
      bronze: stack.bronze,
      stateFile: join(stack.lakeRoot, 'firehose-state.json'),
      intervalMs: 500,
      sizeBytes: 64 * 1024,
    });
    await firehose.start();
    const p = spawnProducer(producerEnv(stack));
    await waitFor(async () => await stack.bronze.exists(checkpointKey(FMP_NEWS, 'news-producer')));
    p.child.kill('SIGTERM');
    expect(await p.exited, p.stderr()).toBe(0);
    await firehose.stop();
    await firehose.drainNow();
    const { records, files } = await deliveredRecords(stack.lakeRoot);
    const want = await expectedIds('AAPL,MSFT,AMZN', '2025-09-20');
    const got = new Set(records.map((r) => r.article_id));
    expect([...want].filter((id) => !got.has(id))).toEqual([]);
    // Injected per-entry faults were resent: the proxy failed some, none is missing or dead-lettered.
    expect(stack.limits.stats.injected).toBeGreaterThan(0);
    const dead = [];
    for await (const o of stack.bronze.list(deadLettersPrefix(FMP_NEWS))) dead.push(o);
    expect(dead).toEqual([]);
    // Objects are named and placed as Firehose names them, under the contract's prefix.
    expect(files.length).toBeGreaterThan(0);
    for (const f of files)
      expect(f).toMatch(
        /^year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/finlake-local-news-to-bronze-1-\d{4}(-\d{2}){5}-[0-9a-f-]{36}\.gz$/,
      );
    // Malformed items travel too: silver rejects them with a reason.
    expect(records.some((r) => !('url' in JSON.parse(r.item)))).toBe(true);

    // The seam: the Glue job's news path reads what the delivery wrote. Every valid article once, every
    // invalid one in rejects with its reason; a second batch finds nothing new.
    const first = silverBatch(stack.lakeRoot, 'batch-1');
    expect(first.status, first.stderr).toBe(0);
    const silver = readSilver(stack.lakeRoot);
    const valid = new Set(silver.rows.map((r) => r.article_id));
    expect(valid.size).toBe(silver.rows.length);
    const rejected = new Set(silver.rejects.map((r) => r.article_id));
    expect([...want].filter((id) => !valid.has(id) && !rejected.has(id))).toEqual([]);
    expect(new Set(silver.rejects.map((r) => r.reject_reason))).toEqual(
      new Set(['missing_url', 'empty_title', 'invalid_published_date']),
    );
    const again = silverBatch(stack.lakeRoot, 'batch-2');
    expect(again.status, again.stderr).toBe(0);
    expect(readSilver(stack.lakeRoot).rows.length).toBe(silver.rows.length);
    await stack.close();
  }, 90_000);
});
