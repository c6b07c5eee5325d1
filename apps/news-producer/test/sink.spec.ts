import { EMF_METRIC_NAME_SELECTOR, EMF_METRICS, emfSelect, METRICS } from '@finlake/platform';
import { producerEmfDocuments } from '../src/metrics.ts';
import { REPLAYED_SUFFIX, replayDeadLetters } from '../src/replay.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { LocalZoneStore } from '@finlake/lake';
import { deadLettersPrefix, FMP_NEWS } from '@finlake/platform';
import { loadProducerConfig } from '../src/config.ts';
import { KinesisSink, MAX_CALL_RECORDS, MIN_RATE } from '../src/kinesis-sink.ts';
import { BoundedQueue } from '../src/queue.ts';
import { articleId, toEntry } from '../src/records.ts';

/** A Kinesis whose answers a test scripts: per call, which entry indexes fail with which code. */
function fakeKinesis(fail: (call: number, n: number) => Map<number, string>) {
  const calls: { keys: string[]; ids: string[] }[] = [];
  const client = {
    send: async (cmd: PutRecordsCommand) => {
      const records = cmd.input.Records!;
      const failing = fail(calls.length, records.length);
      calls.push({
        keys: records.map((r) => r.PartitionKey!),
        ids: records.map((r) => JSON.parse(Buffer.from(r.Data!).toString('utf8')).article_id),
      });
      return {
        FailedRecordCount: failing.size,
        Records: records.map((_, i) =>
          failing.has(i)
            ? { ErrorCode: failing.get(i), ErrorMessage: 'Rate exceeded for shard' }
            : { SequenceNumber: String(i), ShardId: 'shardId-0' },
        ),
      };
    },
  } as unknown as KinesisClient;
  return { client, calls };
}

const item = (i: number, extra: Record<string, unknown> = {}) => ({
  symbol: i % 2 ? 'AAPL' : 'MSFT',
  publishedDate: '2025-09-22 10:00:00',
  title: `t${i}`,
  url: `https://x.com/${i}`,
  ...extra,
});

const sinkOptions = (kinesis: KinesisClient, bronze: LocalZoneStore, maxTries = 3) => ({
  kinesis,
  streamName: 's',
  dataset: FMP_NEWS,
  bronze,
  producer: 'p',
  maxTries,
  backoffBaseMs: 1,
  backoffCapMs: 5,
  queueCapacity: 2000,
  lingerMs: 5,
});

async function sink(kinesis: KinesisClient, maxTries = 3) {
  const bronze = new LocalZoneStore('bronze', join(await mkdtemp(join(tmpdir(), 'sink-')), 'bronze'));
  const s = new KinesisSink(sinkOptions(kinesis, bronze, maxTries));
  s.rate = 100_000;
  return { s, bronze };
}

describe('KinesisSink', () => {
  it('resends only the entries that carry an ErrorCode, and nothing is put twice', async () => {
    const { client, calls } = fakeKinesis((call) =>
      call === 0
        ? new Map([
            [1, 'ProvisionedThroughputExceededException'],
            [3, 'InternalFailure'],
          ])
        : new Map(),
    );
    const { s } = await sink(client);
    for (let i = 0; i < 10; i++) await s.queue.push(toEntry(item(i), new Date()));
    s.start();
    // Closing at once still delivers everything (entries being taken off the queue count as pending).
    await s.close();
    const put = calls.flatMap((c, n) => c.ids.filter((_, i) => !(n === 0 && (i === 1 || i === 3))));
    expect(new Set(put).size).toBe(10);
    expect(put).toHaveLength(10);
    expect(calls[1]!.ids).toEqual(expect.arrayContaining([calls[0]!.ids[1], calls[0]!.ids[3]]));
    expect(s.stats).toMatchObject({ put: 10, throttled: 1, failedEntries: 2, deadLettered: 0 });
  });

  it('calls carry at most 500 records and the partition key is the symbol', async () => {
    const { client, calls } = fakeKinesis(() => new Map());
    const { s } = await sink(client);
    for (let i = 0; i < 1200; i++) await s.queue.push(toEntry(item(i), new Date()));
    s.start();
    await s.close();
    expect(Math.max(...calls.map((c) => c.ids.length))).toBeLessThanOrEqual(MAX_CALL_RECORDS);
    expect(calls.flatMap((c) => c.keys).filter((k) => k !== 'AAPL' && k !== 'MSFT')).toEqual([]);
  });

  it('resends a throttled entry until the shards take it: throttling never uses up its tries', async () => {
    // The first entry of each of the first six calls is throttled: with 2 tries it would be dead-lettered.
    const { client, calls } = fakeKinesis((call) =>
      call < 6 ? new Map([[0, 'ProvisionedThroughputExceededException']]) : new Map(),
    );
    const { s } = await sink(client, 2);
    s.start();
    await s.queue.push(toEntry(item(1), new Date()));
    await s.close();
    expect(calls).toHaveLength(7);
    expect(s.stats).toMatchObject({ put: 1, throttled: 6, deadLettered: 0 });
  });

  it('cuts its rate when a call is mostly refused, never below the floor, and raises it while calls go through', async () => {
    const rates: number[] = [];
    const probe: { sink?: KinesisSink } = {};
    const { client, calls } = fakeKinesis((call, n) => {
      rates.push(probe.sink!.rate);
      return call < 20
        ? new Map(Array.from({ length: n }, (_, i) => [i, 'ProvisionedThroughputExceededException']))
        : new Map();
    });
    const { s } = await sink(client);
    probe.sink = s;
    s.rate = 400;
    for (let i = 0; i < 5; i++) await s.queue.push(toEntry(item(i), new Date()));
    s.start();
    await s.close();
    expect(calls.length).toBeGreaterThan(20);
    expect(Math.min(...rates)).toBe(MIN_RATE);
    expect(rates.slice(1, 20).every((r, i) => r <= rates[i]!)).toBe(true); // only cut while refused
    expect(s.rate).toBeGreaterThan(MIN_RATE);
    expect(s.stats.deadLettered).toBe(0);
  });

  it('dead-letters an entry after its last try and a record over 1 MiB at once, keeping each in the lake', async () => {
    const { client } = fakeKinesis(() => new Map([[0, 'InternalFailure']]));
    const { s, bronze } = await sink(client, 2);
    s.start();
    await s.queue.push(toEntry(item(1, { text: 'x'.repeat(1024 * 1024) }), new Date()));
    await s.queue.push(toEntry(item(2), new Date()));
    await s.close();
    const keys: string[] = [];
    for await (const o of bronze.list(deadLettersPrefix(FMP_NEWS))) keys.push(o.key);
    const lines = (await Promise.all(keys.map(async (k) => (await bronze.get(k))!.toString('utf8'))))
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.error_code).sort()).toEqual(['InternalFailure', 'RecordTooLarge']);
    expect(lines.find((l) => l.error_code !== 'RecordTooLarge').tries).toBe(2);
    expect(s.stats.deadLettered).toBe(2);
  });
});

describe('records and the queue', () => {
  it('ids an article by sha256(symbol|url), and still ids an item without a url', () => {
    expect(articleId('AAPL', 'https://x')).toMatch(/^[0-9a-f]{64}$/);
    expect(toEntry({ symbol: 'AAPL', url: 'https://x' }, new Date()).articleId).toBe(
      articleId('AAPL', 'https://x'),
    );
    expect(toEntry({ title: 'no url, no symbol' }, new Date()).partitionKey).toBe('_unknown');
  });

  it('makes a producer wait while the queue is full instead of dropping', async () => {
    const q = new BoundedQueue<number>(2);
    await q.push(1);
    await q.push(2);
    let third = false;
    const pending = q.push(3).then(() => (third = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    expect(await q.take(1, 0)).toEqual([1]);
    await pending;
    expect(q.depth).toBe(2);
  });
});

describe('configuration', () => {
  it('names every bad setting at once', () => {
    expect(() =>
      loadProducerConfig({
        NEWS_SYMBOLS: 'AAPL,not a ticker',
        KINESIS_STREAM_NAME: 'bad name!',
        FMP_API_KEY: 'k',
      }),
    ).toThrow(/KINESIS_STREAM_NAME[\s\S]*|NEWS_SYMBOLS/);
    expect(() =>
      loadProducerConfig({ NEWS_SYMBOLS: 'AAPL,not a ticker', KINESIS_STREAM_NAME: 's', FMP_API_KEY: 'k' }),
    ).toThrow(/"not a ticker" not a ticker/);
    const c = loadProducerConfig({
      NEWS_SYMBOLS: 'AAPL,MSFT,AAPL',
      KINESIS_STREAM_NAME: 's',
      FMP_API_KEY: 'k',
      NEWS_SYMBOLS_PER_CALL: '1',
    });
    expect(c.symbolGroups).toEqual([['AAPL'], ['MSFT']]);
    // A generated stream's settings: STREAM_DATASET must name a streamed table, and its tickers are STREAM_SYMBOLS.
    expect(() =>
      loadProducerConfig({
        STREAM_DATASET: 'fmp_eod_prices',
        STREAM_SYMBOLS: 'AAPL',
        KINESIS_STREAM_NAME: 's',
        FMP_API_KEY: 'k',
      }),
    ).toThrow(/STREAM_DATASET: "fmp_eod_prices" is not a streamed dataset; streamed: fmp_news/);
    expect(() => loadProducerConfig({ KINESIS_STREAM_NAME: 's', FMP_API_KEY: 'k' })).toThrow(
      /NEWS_SYMBOLS: missing; expected comma-separated tickers/,
    );
  });
});

describe('metrics in AWS (CloudWatch EMF lines)', () => {
  it("writes one document per metric, each matched by exactly the metric filter infra puts on the producer's log", () => {
    const docs = producerEmfDocuments(
      { lagSeconds: 12.5, queueDepth: 3, put: 1500, throttled: 40 },
      { put: 1000, throttled: 30 },
    );
    const names = EMF_METRICS.newsProducer.map((id) => METRICS[id].name);
    for (const doc of docs) {
      const matched = names.filter((n) => emfSelect(doc, EMF_METRIC_NAME_SELECTOR) === n);
      expect(matched).toHaveLength(1);
      expect(typeof emfSelect(doc, `$.${matched[0]}`)).toBe('number');
    }
    expect(docs.map((d) => emfSelect(d, EMF_METRIC_NAME_SELECTOR))).toEqual(names);
    // Counters are the change since the last line (CloudWatch sums them); before the first article, no lag.
    expect(docs.map((d) => d[METRICS.producerRecords.name]).filter((v) => v !== undefined)).toEqual([500]);
    expect(
      producerEmfDocuments(
        { lagSeconds: undefined, queueDepth: 0, put: 0, throttled: 0 },
        { put: 0, throttled: 0 },
      ),
    ).toHaveLength(3);
  });
});

describe('replaying the dead-letter area', () => {
  it('puts back exactly the bytes first sent, marks each object only once delivered, and a rerun sends nothing', async () => {
    // The real writer: a sink whose stream fails every entry, so both go to the dead-letter area.
    const failing = fakeKinesis(
      (_, n) => new Map(Array.from({ length: n }, (_, i) => [i, 'InternalFailure'])),
    );
    const { s, bronze } = await sink(failing.client, 1);
    s.start();
    const sent = [toEntry(item(1), new Date()), toEntry(item(2), new Date())];
    for (const e of sent) await s.queue.push(e);
    await s.close();
    expect(s.stats.deadLettered).toBe(2);

    let deadObjects = 0;
    for await (const o of bronze.list(deadLettersPrefix(FMP_NEWS)))
      deadObjects += o.key.endsWith('.jsonl') ? 1 : 0;
    const put: Buffer[] = [];
    const healthy = {
      send: async (cmd: PutRecordsCommand) => {
        put.push(...cmd.input.Records!.map((r) => Buffer.from(r.Data!)));
        return { FailedRecordCount: 0, Records: cmd.input.Records!.map(() => ({ SequenceNumber: '1' })) };
      },
    } as unknown as KinesisClient;
    const replayer = new KinesisSink({ ...sinkOptions(healthy, bronze), producer: 'p-replay' });
    replayer.rate = 100_000;
    replayer.start();
    const first = await replayDeadLetters({ bronze, sink: replayer });
    expect(first).toMatchObject({ records: 2, objects: deadObjects, skipped: 0, unreadable: [] });
    expect(put.map((b) => b.toString('utf8')).sort()).toEqual(
      sent.map((e) => e.data.toString('utf8')).sort(),
    );
    const again = await replayDeadLetters({ bronze, sink: replayer });
    expect(again).toMatchObject({ records: 0, objects: 0, skipped: deadObjects });
    await replayer.close();
    expect(replayer.stats.put).toBe(2);
    await expect(replayDeadLetters({ bronze, sink: replayer, date: '2025-9-1' })).rejects.toThrow(
      /YYYY-MM-DD/,
    );
  });

  it('keeps an object with a line it cannot read unmarked, and says which line', async () => {
    const { client } = fakeKinesis(() => new Map());
    const bronze = new LocalZoneStore('bronze', join(await mkdtemp(join(tmpdir(), 'replay-')), 'bronze'));
    const key = `${deadLettersPrefix(FMP_NEWS)}date=2025-09-22/x.jsonl`;
    await bronze.put(key, '{"record":"{}","partition_key":"AAPL","article_id":"a"}\nnot json\n');
    const replayer = new KinesisSink({ ...sinkOptions(client, bronze), producer: 'r' });
    replayer.start();
    const out = await replayDeadLetters({ bronze, sink: replayer });
    await replayer.close();
    expect(out.unreadable).toEqual([expect.objectContaining({ key, line: 2 })]);
    expect(await bronze.get(`${key}${REPLAYED_SUFFIX}`)).toBeUndefined();
  });
});
