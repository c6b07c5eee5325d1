import { join } from 'node:path';
import { startFmpSandbox, type FmpSandbox } from '@finlake/fmp-sandbox';
import { deadLettersPrefix, FMP_NEWS, NEWS_DELIVERY, checkpointKey } from '@finlake/platform';
import { LocalFirehose } from '../src/index.ts';
import {
  deliveredRecords,
  killProducers,
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
afterEach(() => killProducers());

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

/** The local delivery over a stack's stream, into its bronze; positions kept in the stack's lake. */
const firehoseFor = (
  stack: Awaited<ReturnType<typeof streamStack>>,
  buffering: { intervalMs: number; sizeBytes: number } = { intervalMs: 300, sizeBytes: 32 * 1024 },
) =>
  new LocalFirehose({
    kinesis: stack.direct,
    streamName: STREAM,
    deliveryStreamName: 'finlake-local-news-to-bronze',
    delivery: NEWS_DELIVERY,
    bronze: stack.bronze,
    stateFile: join(stack.lakeRoot, 'firehose-state.json'),
    ...buffering,
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
    const firehose = firehoseFor(stack, { intervalMs: 500, sizeBytes: 64 * 1024 });
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

/** The feed's newest publishedDate for the symbols: a producer is caught up when its watermark reaches it. */
async function newestStamp(url: string, symbols: string): Promise<string> {
  const r = await fetch(`${url}/stable/news/stock?symbols=${symbols}&page=0&limit=250&apikey=k`);
  const stamps = ((await r.json()) as { publishedDate?: unknown }[])
    .map((i) => i.publishedDate)
    .filter((d): d is string => typeof d === 'string' && /^\d{4}-\d{2}-\d{2} /.test(d));
  return stamps.sort().at(-1)!;
}

async function watermark(stack: Awaited<ReturnType<typeof streamStack>>, group: string) {
  const body = await stack.bronze.get(checkpointKey(FMP_NEWS, 'news-producer'));
  return body
    ? ((JSON.parse(body.toString()) as { watermarks: Record<string, string> }).watermarks[group] ?? '')
    : '';
}

/** After a fault: silver holds every valid article of the feed once, every invalid one in rejects. */
async function expectSilverExact(
  stack: Awaited<ReturnType<typeof streamStack>>,
  runId: string,
  since = '2025-09-20',
) {
  const batch = silverBatch(stack.lakeRoot, runId);
  expect(batch.status, batch.stderr).toBe(0);
  const silver = readSilver(stack.lakeRoot);
  const valid = silver.rows.map((r) => r.article_id);
  expect(new Set(valid).size).toBe(valid.length); // no duplicate, whatever bronze holds twice
  const rejected = new Set(silver.rejects.map((r) => r.article_id));
  const want = await expectedIds('AAPL,MSFT,AMZN', since);
  const missing = [...want].filter((id) => !valid.includes(id) && !rejected.has(id));
  expect(missing).toEqual([]);
  expect(silver.rejects.every((r) => typeof r.reject_reason === 'string' && r.reject_reason.length > 0)).toBe(
    true,
  );
  return { valid: valid.length, want: want.size };
}

describe('faults: every valid article in silver exactly once afterwards', () => {
  it('survives the producer killed with SIGKILL mid-batch and the delivery dying with records buffered', async () => {
    const stack = await streamStack({ faultRate: 0.05, seed: 11 });
    let firehose = firehoseFor(stack);
    await firehose.start();
    const newest = await newestStamp(sandbox.url, 'AAPL,MSFT,AMZN');
    const first = spawnProducer(producerEnv(stack, { NEWS_MAX_PAGES: '1' }));
    // Killed in the middle of its backlog: records are on the stream, no watermark is checkpointed yet.
    await waitFor(() => stack.limits.stats.admitted > 300);
    expect(await watermark(stack, 'AAPL,MSFT,AMZN')).toBe('');
    first.child.kill('SIGKILL');
    await first.exited;
    // The delivery dies too, with records read but not written: they are read again after its restart.
    await waitFor(() => firehose.delivered > 0);
    await firehose.crash();
    firehose = firehoseFor(stack);
    await firehose.start();

    const second = spawnProducer(producerEnv(stack, { NEWS_MAX_PAGES: '1' }));
    await waitFor(async () => (await watermark(stack, 'AAPL,MSFT,AMZN')) >= newest, 60_000);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.stderr()).toBe(0);
    await firehose.stop();
    await firehose.drainNow();
    const { records } = await deliveredRecords(stack.lakeRoot);
    const counts = await expectSilverExact(stack, 'after-kill');
    // At least once: what the killed producer had put but not checkpointed was sent again.
    expect(records.length).toBeGreaterThan(counts.want);
    await stack.close();
  }, 120_000);

  it('delivers everything through a 429 storm from FMP and a throttling storm on the shard', async () => {
    const stormy = await startFmpSandbox({
      apiKey: 'k',
      ratePerMin: 100_000,
      seed: 5,
      // Half of all calls are refused with 429 (some with Retry-After), a few more fail with 503.
      faults: { rate429: 0.3, rate429RetryAfter: 0.2, retryAfterSeconds: 1, rate503: 0.05 },
      news: { now: () => NOW, intervalMs: 5 * 60_000 },
    });
    // Half of the entries of every PutRecords call come back ProvisionedThroughputExceeded.
    const stack = await streamStack({ faultRate: 0.5, seed: 13 });
    const firehose = firehoseFor(stack);
    await firehose.start();
    const newest = await newestStamp(sandbox.url, 'AAPL,MSFT,AMZN');
    // A day of the feed (about a thousand articles): at the throttled floor rate that takes half a minute.
    const p = spawnProducer(
      producerEnv(stack, {
        FMP_BASE_URL: stormy.url,
        NEWS_MAX_PAGES: '2',
        NEWS_SINCE: '2025-09-22T00:00:00Z',
      }),
    );
    await waitFor(async () => (await watermark(stack, 'AAPL,MSFT,AMZN')) >= newest, 100_000).catch((err) => {
      throw new Error(`${String(err)}; the producer said:\n${p.stderr().slice(-3000)}`);
    });
    p.child.kill('SIGTERM');
    expect(await p.exited, p.stderr()).toBe(0);
    await firehose.stop();
    await firehose.drainNow();
    expect(stormy.stats().byStatus[429], JSON.stringify(stormy.stats().byStatus)).toBeGreaterThan(1);
    expect(stack.limits.stats.injected).toBeGreaterThan(100);
    const dead = [];
    for await (const o of stack.bronze.list(deadLettersPrefix(FMP_NEWS))) dead.push(o);
    expect(dead).toEqual([]); // resent until accepted: a storm is not a reason to give up an entry
    await expectSilverExact(stack, 'after-storm', '2025-09-22');
    await stormy.close();
    await stack.close();
  }, 150_000);
});
