import { readFileSync } from 'node:fs';
import { FMP_WIRE_FIXTURES } from '@finlake/schemas/testing';
import {
  backoffDelayMs,
  bronzeKey,
  classifyAnswer,
  FatalAuthError,
  halve,
  historicalPriceEod,
  parseIngestArgs,
  pacing,
  parseRetryAfter,
  planUnits,
  RetryableError,
  splitWindow,
  uncovered,
  sustainedRatePerMin,
  UnitFailedError,
} from '../src/index.ts';
import { FMP_EOD_PRICES, bronzeObjectKey, parsePartitions } from '@finlake/platform';

const h = (init: Record<string, string> = {}) => new Headers(init);
const INVALID_KEY = JSON.stringify({
  'Error Message': 'Invalid API KEY. Feel free to create a Free API Key.',
});

describe('classifyAnswer', () => {
  it('accepts the real recorded FMP answer (contract test against upstream drift)', () => {
    const text = readFileSync(FMP_WIRE_FIXTURES.eodFullAapl20230101to20230110, 'utf8');
    expect(classifyAnswer(200, h(), text)).toEqual({ rows: JSON.parse(text).length });
  });

  it('treats [] as a valid empty answer', () => {
    expect(classifyAnswer(200, h(), '[]')).toEqual({ rows: 0 });
  });

  it('fails the run on 401, and on an invalid-key body whatever the status', () => {
    expect(() => classifyAnswer(401, h(), INVALID_KEY)).toThrow(FatalAuthError);
    expect(() => classifyAnswer(200, h(), INVALID_KEY)).toThrow(/Check FMP_API_KEY/);
  });

  it('fails only the unit on 402 and 403, with the API`s message', () => {
    const body = JSON.stringify({ 'Error Message': 'Premium Query Parameter: not in your plan' });
    expect(() => classifyAnswer(402, h(), body)).toThrow(UnitFailedError);
    expect(() => classifyAnswer(402, h(), body)).toThrow(/plan-restricted: Premium Query Parameter/);
    expect(() => classifyAnswer(403, h(), '{"Error Message":"Legacy Endpoint : ..."}')).toThrow(
      /Legacy Endpoint/,
    );
  });

  it('retries 408, 429, 5xx, truncated JSON and Limit Reach bodies sent with 200', () => {
    for (const [status, body] of [
      [408, ''],
      [429, '{"Error Message":"Limit Reach ."}'],
      [500, 'oops'],
      [503, '<html>'],
    ] as const) {
      expect(() => classifyAnswer(status, h(), body)).toThrow(RetryableError);
    }
    expect(() => classifyAnswer(200, h(), '[{"symbol":"AAPL","date":"2023-')).toThrow(
      /truncated or invalid JSON/,
    );
    expect(() => classifyAnswer(200, h(), '{"Error Message":"Limit Reach . Please upgrade"}')).toThrow(
      RetryableError,
    );
    expect(() => classifyAnswer(200, h(), '{"rows": []}')).toThrow(/where an array was expected/);
  });

  it('carries Retry-After into the retry decision', () => {
    try {
      classifyAnswer(429, h({ 'retry-after': '7' }), '{"Error Message":"Limit Reach ."}');
      expect.unreachable();
    } catch (err) {
      expect((err as RetryableError).retryAfterMs).toBe(7000);
    }
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, ignores garbage', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('backoff and pacing', () => {
  const opts = { backoffBaseMs: 100, backoffCapMs: 1000 };
  it('is full jitter: random(0, min(cap, base * 2^retry))', () => {
    expect(backoffDelayMs(0, opts, () => 0.999)).toBe(99);
    expect(backoffDelayMs(3, opts, () => 0.999)).toBe(799);
    expect(backoffDelayMs(10, opts, () => 0.999)).toBe(999);
    expect(backoffDelayMs(3, opts, () => 0)).toBe(0);
  });

  it('waits at least what Retry-After asks, clamped to a maximum', () => {
    expect(backoffDelayMs(0, opts, () => 0.5, 5000)).toBe(5000);
    expect(backoffDelayMs(0, { ...opts, maxRetryAfterMs: 2000 }, () => 0.5, 5000)).toBe(2000);
  });

  it('paces calls just under the plan`s rate, for every plan', () => {
    expect(pacing(300)).toEqual({ limit: 5, intervalMs: 1017 });
    for (const rate of [1, 7, 59, 60, 250, 300, 750, 1200, 3000]) {
      const p = pacing(rate);
      expect(sustainedRatePerMin(p), `rate ${rate}`).toBeLessThan(rate);
      expect(sustainedRatePerMin(p), `rate ${rate}`).toBeGreaterThan(0.98 * rate);
      // The most calls any 60 s window can hold under "limit per sliding interval" stays within the plan.
      expect(p.limit * Math.ceil(60_000 / p.intervalMs), `rate ${rate}`).toBeLessThanOrEqual(rate);
      // ...even when the first call of a minute arrives up to a second later than the last.
      expect(p.limit * Math.ceil(61_000 / p.intervalMs), `rate ${rate}`).toBeLessThanOrEqual(rate);
    }
  });
});

describe('windows', () => {
  it('split a long range into contiguous windows that cannot reach the row cap', () => {
    const windows = splitWindow('1995-01-01', '2020-12-31', historicalPriceEod.maxDaysPerCall);
    expect(windows).toHaveLength(2);
    expect(windows[0]).toEqual({ from: '1995-01-01', to: '2008-09-08' });
    expect(windows[1]).toEqual({ from: '2008-09-09', to: '2020-12-31' });
    expect(splitWindow('2020-01-01', '2020-01-01', 5000)).toEqual([{ from: '2020-01-01', to: '2020-01-01' }]);
    expect(() => splitWindow('2020-01-02', '2020-01-01', 5000)).toThrow(/after/);
  });

  it('plan a 25-year backfill of 500 symbols at the row cap: two calls a symbol, not one a year', () => {
    const symbols = Array.from({ length: 500 }, (_, i) => `SYN${String(i + 1).padStart(4, '0')}`);
    const units = planUnits({
      dataset: historicalPriceEod,
      symbols,
      from: '2000-01-01',
      to: '2024-12-31',
      handoff: 'pipeline',
    });
    expect(units).toHaveLength(1000);
    expect(units.slice(0, 2)).toEqual([
      { symbol: 'SYN0001', from: '2000-01-01', to: '2013-09-08' },
      { symbol: 'SYN0001', from: '2013-09-09', to: '2024-12-31' },
    ]);
  });

  it.each([
    ['nothing held', [], [['2020-01-01', '2020-12-31']]],
    ['all held', [['2019-06-01', '2021-01-31']], []],
    [
      'a hole in the middle',
      [
        ['2020-01-01', '2020-03-31'],
        ['2020-07-01', '2020-12-31'],
      ],
      [['2020-04-01', '2020-06-30']],
    ],
    [
      'both ends',
      [['2020-02-01', '2020-11-30']],
      [
        ['2020-01-01', '2020-01-31'],
        ['2020-12-01', '2020-12-31'],
      ],
    ],
    [
      'overlapping objects',
      [
        ['2020-01-01', '2020-06-30'],
        ['2020-03-01', '2020-08-31'],
      ],
      [['2020-09-01', '2020-12-31']],
    ],
    ['outside the range only', [['2018-01-01', '2018-12-31']], [['2020-01-01', '2020-12-31']]],
  ])('fill gaps when bronze holds %s', (_, held, gaps) => {
    const w = (pairs: string[][]) => pairs.map(([from, to]) => ({ from: from!, to: to! }));
    expect(uncovered('2020-01-01', '2020-12-31', w(held))).toEqual(w(gaps));
  });

  it('halve without gaps or overlap', () => {
    expect(halve({ symbol: 'A', from: '2020-01-01', to: '2020-01-10' })).toEqual([
      { symbol: 'A', from: '2020-01-01', to: '2020-01-05' },
      { symbol: 'A', from: '2020-01-06', to: '2020-01-10' },
    ]);
  });

  it('give each unit one deterministic bronze key', () => {
    const key = bronzeKey(historicalPriceEod, { symbol: '^GSPC', from: '2019-01-01', to: '2020-12-31' });
    // The contract's layout (what infra's policies cover), partitioned by the window's first year.
    expect(key).toBe(
      bronzeObjectKey(FMP_EOD_PRICES, { symbol: '^GSPC', from: '2019-01-01', to: '2020-12-31' }),
    );
    expect(parsePartitions(key)).toMatchObject({ year: '2019', symbol: '^GSPC' });
    expect(bronzeKey(historicalPriceEod, { symbol: '^GSPC', from: '2019-01-01', to: '2020-12-31' })).toBe(
      key,
    );
  });
});

describe('parseIngestArgs', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it('defaults the window to the last completed trading day', () => {
    expect(parseIngestArgs(['--symbols', 'AAPL,MSFT,AAPL'], now)).toMatchObject({
      symbols: ['AAPL', 'MSFT'],
      from: '2026-11-24',
      to: '2026-11-24',
    });
  });

  it('rejects bad input with what was wrong', () => {
    const bad: [string[], RegExp][] = [
      [[], /--symbols AAPL,MSFT or --symbols-file/],
      [['--symbols', "AAPL,aapl'; drop table x;--"], /invalid ticker.*expected uppercase tickers/],
      [['--symbols', 'AAPL', '--from', '2020-02-30'], /--from "2020-02-30" is not a date/],
      [['--symbols', 'AAPL', '--from', '2020-03-01', '--to', '2020-02-01'], /after --to/],
      [['--symbols', 'AAPL', '--to', '2027-01-01'], /in the future/],
      [['--symbols', 'AAPL', '--dataset', 'x'], /unknown dataset "x"/],
      [['--symbols', 'AAPL', '--bogus'], /Unknown option '--bogus'/],
      [['--symbols-file', '/no/such/file'], /cannot read it \(ENOENT\)/],
      [['--symbols', 'AAPL', '--run-id', '../etc'], /--run-id/],
    ];
    for (const [argv, message] of bad)
      expect(() => parseIngestArgs(argv, now), argv.join(' ')).toThrow(message);
  });
});
