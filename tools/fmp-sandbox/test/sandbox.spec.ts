import { readFileSync } from 'node:fs';
import { FMP_WIRE_FIXTURES } from '@finlake/schemas/testing';
import { FMP_ERRORS, MAX_EOD_ROWS, startFmpSandbox, type FmpSandbox } from '../src/index.ts';

const KEY = 'test-key';
let sandbox: FmpSandbox;
type ErrorBody = Record<string, string>;
const body = async (r: Response) => (await r.json()) as ErrorBody;
const eod = (q: string, key = KEY) =>
  fetch(`${sandbox.url}/stable/historical-price-eod/full?${q}&apikey=${key}`);

beforeAll(async () => {
  sandbox = await startFmpSandbox({ apiKey: KEY, ratePerMin: 10_000, premiumSymbols: ['BRK.A'] });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.reset();
  sandbox.setFaults({});
});

describe('historical-price-eod/full', () => {
  it('answers in FMP wire format: the recorded answer`s field order and formatting, newest first', async () => {
    const res = await eod('symbol=AAPL&from=2020-12-28&to=2020-12-31');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const text = await res.text();
    const rows = JSON.parse(text);
    expect(rows.map((r: { date: string }) => r.date)).toEqual([
      '2020-12-31',
      '2020-12-30',
      '2020-12-29',
      '2020-12-28',
    ]);
    const recorded = JSON.parse(readFileSync(FMP_WIRE_FIXTURES.eodFullAapl20230101to20230110, 'utf8'));
    expect(Object.keys(rows[0])).toEqual(Object.keys(recorded[0]));
    // Same pretty-printing as the live API (two-space indent).
    expect(text.slice(0, 20)).toBe(
      readFileSync(FMP_WIRE_FIXTURES.eodFullAapl20230101to20230110, 'utf8').slice(0, 20),
    );
  });

  it('caps an answer at 5,000 rows, keeping the newest', async () => {
    const rows = (await (await eod('symbol=SPY&from=1999-01-01&to=2020-12-31')).json()) as { date: string }[];
    expect(rows).toHaveLength(MAX_EOD_ROWS);
    expect(rows[0]!.date).toBe('2020-08-28');
  });

  it('answers [] for an unknown symbol or an empty range', async () => {
    expect(await (await eod('symbol=NOPE&from=2020-01-01&to=2020-01-31')).text()).toBe('[]');
    expect(await (await eod('symbol=AAPL&from=1990-01-01&to=1990-01-31')).text()).toBe('[]');
  });

  it('serves deterministic synthetic symbols for scale tests', async () => {
    const a = await (await eod('symbol=SYN0007&from=2000-01-01&to=2000-01-31')).text();
    const b = await (await eod('symbol=SYN0007&from=2000-01-01&to=2000-01-31')).text();
    expect(a).toBe(b);
    expect(JSON.parse(a)).toHaveLength(21);
  });
});

describe('errors, as the live API sends them', () => {
  it('401 for a missing or wrong key', async () => {
    const res = await eod('symbol=AAPL', 'wrong');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ 'Error Message': FMP_ERRORS.invalidKey });
    expect((await fetch(`${sandbox.url}/stable/historical-price-eod/full?symbol=AAPL`)).status).toBe(401);
  });

  it('402 for a symbol outside the plan, 403 for legacy endpoints', async () => {
    const premium = await eod('symbol=BRK.A&from=2020-01-01&to=2020-01-31');
    expect(premium.status).toBe(402);
    expect((await body(premium))['Error Message']).toMatch(/^Premium Query Parameter:/);
    const legacy = await fetch(`${sandbox.url}/api/v3/historical-price-full/AAPL?apikey=${KEY}`);
    expect(legacy.status).toBe(403);
    expect((await body(legacy))['Error Message']).toMatch(/^Legacy Endpoint/);
  });

  it('429 "Limit Reach" past the per-minute limit, counted in a sliding window', async () => {
    const limited = await startFmpSandbox({ apiKey: KEY, ratePerMin: 3 });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) {
        statuses.push(
          (await fetch(`${limited.url}/stable/historical-price-eod/full?symbol=AAPL&apikey=${KEY}`)).status,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(limited.stats()).toMatchObject({ rateLimited: 2, maxCallsInAnyWindow: 3 });
    } finally {
      await limited.close();
    }
  });
});

describe('fault injection', () => {
  it('429 with Retry-After', async () => {
    sandbox.setFaults({ rate429RetryAfter: 1, retryAfterSeconds: 7 });
    const res = await eod('symbol=AAPL&from=2020-01-01&to=2020-01-31');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('5xx, a truncated body and an Error Message with status 200', async () => {
    for (const [knob, check] of [
      ['rate502', async (r: Response) => expect(r.status).toBe(502)],
      [
        'rateTruncated',
        async (r: Response) => {
          expect(r.status).toBe(200);
          await expect(r.json()).rejects.toThrow();
        },
      ],
      [
        'rateErrorMessage200',
        async (r: Response) => {
          expect(r.status).toBe(200);
          expect((await body(r))['Error Message']).toMatch(/Limit Reach/);
        },
      ],
    ] as const) {
      sandbox.setFaults({ [knob]: 1 });
      await check(await eod('symbol=AAPL&from=2020-01-01&to=2020-01-31'));
    }
  });

  it('resets the connection', async () => {
    sandbox.setFaults({ rateReset: 1 });
    await expect(eod('symbol=AAPL&from=2020-01-01&to=2020-01-31')).rejects.toThrow();
  });

  it('refuses knob settings that make no sense', async () => {
    expect(() => sandbox.setFaults({ rate500: 0.7, rate502: 0.7 })).toThrow(/add up to 1.4/);
    const res = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'PUT', body: '{"rateBogus": 1}' });
    expect(res.status).toBe(400);
    expect((await body(res)).error).toMatch(/unknown fault knob rateBogus/);
  });
});
