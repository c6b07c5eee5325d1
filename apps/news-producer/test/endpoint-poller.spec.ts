import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { FmpClient, FmpDataset, Unit } from '@finlake/fmp-connector';
import { LocalZoneStore } from '@finlake/lake';
import { FMP_NEWS } from '@finlake/platform';
import { EndpointPoller } from '../src/endpoint-poller.ts';
import { KinesisSink } from '../src/kinesis-sink.ts';

/** A Kinesis that takes every record, and keeps what it was given. */
function recordingKinesis() {
  const put: { key: string; record: { record_id: string; fetched_at: string; item: string } }[] = [];
  const client = {
    send: async (cmd: PutRecordsCommand) => {
      for (const r of cmd.input.Records!)
        put.push({ key: r.PartitionKey!, record: JSON.parse(Buffer.from(r.Data!).toString('utf8')) });
      return {
        FailedRecordCount: 0,
        Records: cmd.input.Records!.map((_, i) => ({ SequenceNumber: String(i) })),
      };
    },
  } as unknown as KinesisClient;
  return { client, put };
}

const endpoint = { name: 'quotes', path: '/stable/quotes' } as unknown as FmpDataset;

async function poller(answer: (unit: Unit, call: number) => unknown) {
  const kinesis = recordingKinesis();
  const bronze = new LocalZoneStore('bronze', join(await mkdtemp(join(tmpdir(), 'poller-')), 'bronze'));
  const sink = new KinesisSink({
    kinesis: kinesis.client,
    streamName: 's',
    dataset: FMP_NEWS,
    bronze,
    producer: 'p',
    maxTries: 3,
    backoffBaseMs: 1,
    backoffCapMs: 5,
    queueCapacity: 100,
    lingerMs: 1,
  });
  sink.rate = 100_000;
  const units: Unit[] = [];
  const client = {
    fetchUnit: async (_: FmpDataset, unit: Unit) => {
      units.push(unit);
      const body = answer(unit, units.length);
      if (body instanceof Error) throw body;
      return { body: Buffer.from(JSON.stringify(body)), status: 200, rows: 0, attempts: 1, url: '' };
    },
  } as unknown as FmpClient;
  const logs: string[] = [];
  const p = new EndpointPoller({
    client,
    sink,
    endpoint,
    key: ['symbol', 'date'],
    symbols: ['AAPL', 'MSFT'],
    lookbackDays: 2,
    pollIntervalMs: 10,
    log: (_level, msg) => logs.push(msg),
    now: () => new Date('2020-12-03T15:00:00Z'),
  });
  return { p, put: kinesis.put, units, logs };
}

/** Runs the poller until it has polled `n` times, then stops it (as SIGTERM does). */
async function pollTimes(p: EndpointPoller, n: number) {
  const run = p.run();
  while (p.status.polls < n) await new Promise((r) => setTimeout(r, 2));
  p.stop();
  await run;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('the endpoint poller (a generated streamed source)', () => {
  it('puts each row once per change, keyed by symbol, with the id of its key', async () => {
    const { p, put, units } = await poller((u, call) =>
      ['2020-12-01', '2020-12-02'].map((date) => ({
        symbol: u.symbol,
        date,
        // The last day's price moves after the first two polls: only that row is sent again.
        price: date === '2020-12-02' && call > 4 ? 11 : 10,
      })),
    );
    await pollTimes(p, 3);
    expect(units[0]).toEqual({ symbol: 'AAPL', from: '2020-12-01', to: '2020-12-03' });
    expect(put).toHaveLength(4 + 2); // 2 symbols x 2 days, then the two changed rows
    expect(put.map((r) => r.key).sort()).toEqual(['AAPL', 'AAPL', 'AAPL', 'MSFT', 'MSFT', 'MSFT']);
    for (const { record } of put) {
      const item = JSON.parse(record.item) as { symbol: string; date: string };
      expect(record.record_id).toBe(sha(`${item.symbol}|${item.date}`));
      expect(record.fetched_at).toBe('2020-12-03T15:00:00.000Z');
    }
    expect(JSON.parse(put[4]!.record.item)).toMatchObject({ date: '2020-12-02', price: 11 });
    expect(p.status.unchanged).toBeGreaterThan(0);
  });

  it('skips an answer that is not an array and a symbol that fails, and keeps polling the others', async () => {
    const { p, put, logs } = await poller((u) =>
      u.symbol === 'AAPL' ? { 'Error Message': 'Limit Reach' } : new Error('retries exhausted'),
    );
    await pollTimes(p, 2);
    expect(put).toHaveLength(0);
    expect(logs).toContain('answer is not a JSON array: skipped, asked again next poll');
    expect(logs).toContain('poll failed');
    expect(p.status.polls).toBeGreaterThanOrEqual(2);
  });
});
