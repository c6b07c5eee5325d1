import { dailySymbolNewsPrice, type Dataset, type Row } from '@finlake/schemas';
import { CachingEngine } from './caching-engine.ts';
import type { DateQuery, PortfolioQuery, QueryEngine, SeriesQuery, SummaryRow } from './engine.ts';

// A second symbol-series mart: the same question to it is another question.
const otherMart: Dataset = { ...dailySymbolNewsPrice, name: 'daily_symbol_other' };

/** An engine that records its queries and answers with whatever gold version is "published". */
function recordingEngine() {
  const calls: string[] = [];
  let published = 'v1';
  let fail = false;
  const row = (portfolio_id: string, summary_date: string) =>
    ({ portfolio_id, summary_date, market_value: published === 'v1' ? 1 : 2 }) as unknown as SummaryRow;
  const engine: QueryEngine = {
    name: 'fake',
    async portfolioSummary(q: PortfolioQuery) {
      calls.push(`p:${q.portfolioId}:${q.from}`);
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new Error('engine down');
      return [row(q.portfolioId, q.from)];
    },
    async summaryForDate(q: DateQuery) {
      calls.push(`d:${q.date}`);
      const all = ['P001', 'P002', 'P003'];
      return all
        .filter((p) => q.entitlement.all || q.entitlement.portfolios.includes(p))
        .map((p) => row(p, q.date));
    },
    async symbolSeries<D extends Dataset>(mart: D, q: SeriesQuery) {
      calls.push(`${mart.name === otherMart.name ? 'o' : 'n'}:${q.symbol}:${q.from}`);
      return [
        { symbol: q.symbol, trade_date: q.from, news_count: published === 'v1' ? 1 : 2 } as unknown as Row<D>,
      ];
    },
    freshness: async () => ({ latestSummaryDate: null, rows: 0 }),
    close: async () => undefined,
  };
  return {
    engine,
    calls,
    publish: (v: string) => (published = v),
    version: async () => published,
    setFail: (f: boolean) => (fail = f),
  };
}

const q = (portfolioId: string, from = '2020-01-01'): PortfolioQuery => ({
  portfolioId,
  from,
  to: '2020-12-31',
  limit: 101,
});

describe('CachingEngine', () => {
  it('asks the engine once per question and gold version, then again after a publish', async () => {
    let now = 0;
    const f = recordingEngine();
    const cache = new CachingEngine(f.engine, { version: f.version, versionCheckMs: 1000, now: () => now });
    expect(await cache.portfolioSummary(q('P001'))).toEqual(await cache.portfolioSummary(q('P001')));
    await cache.portfolioSummary(q('P002'));
    expect(f.calls).toEqual(['p:P001:2020-01-01', 'p:P002:2020-01-01']);

    f.publish('v2');
    now += 1500; // the next version check
    const after = await cache.portfolioSummary(q('P001'));
    expect(after[0]!.market_value).toBe(2);
    expect(f.calls).toHaveLength(3);
  });

  it('caches each symbol-series mart per question and version, apart from each other and the summary', async () => {
    let now = 0;
    const f = recordingEngine();
    const cache = new CachingEngine(f.engine, { version: f.version, versionCheckMs: 1000, now: () => now });
    const ask = (mart: Dataset, symbol: string) =>
      cache.symbolSeries(mart, { symbol, from: '2020-01-01', to: '2020-12-31', limit: 101 });
    const news = (symbol: string) => ask(dailySymbolNewsPrice, symbol);
    await news('AAPL');
    await news('AAPL');
    await news('MSFT');
    await ask(otherMart, 'AAPL');
    await cache.portfolioSummary(q('P001'));
    expect(f.calls).toEqual([
      'n:AAPL:2020-01-01',
      'n:MSFT:2020-01-01',
      'o:AAPL:2020-01-01',
      'p:P001:2020-01-01',
    ]);
    f.publish('v2');
    now += 1500;
    expect((await news('AAPL'))[0]!.news_count).toBe(2);
    expect(f.calls).toHaveLength(5);
  });

  it('shares one engine query between concurrent identical misses', async () => {
    const f = recordingEngine();
    const cache = new CachingEngine(f.engine, { version: f.version });
    await Promise.all(Array.from({ length: 20 }, () => cache.portfolioSummary(q('P001'))));
    expect(f.calls).toEqual(['p:P001:2020-01-01']);
  });

  it('does not keep a failed query: the next request asks the engine again', async () => {
    const f = recordingEngine();
    const cache = new CachingEngine(f.engine, { version: f.version });
    f.setFail(true);
    await expect(cache.portfolioSummary(q('P001'))).rejects.toThrow('engine down');
    f.setFail(false);
    expect(await cache.portfolioSummary(q('P001'))).toHaveLength(1);
    expect(f.calls).toHaveLength(2);
  });

  it('keys the date query by entitlement: one caller`s answer never reaches another', async () => {
    const f = recordingEngine();
    const cache = new CachingEngine(f.engine, { version: f.version });
    const date = (entitlement: DateQuery['entitlement']) =>
      cache.summaryForDate({ date: '2020-01-02', entitlement, limit: 101 });
    expect((await date({ all: true })).map((r) => r.portfolio_id)).toEqual(['P001', 'P002', 'P003']);
    expect((await date({ all: false, portfolios: ['P002'] })).map((r) => r.portfolio_id)).toEqual(['P002']);
    // Same set, other order: the same question.
    await date({ all: false, portfolios: ['P003', 'P001'] });
    await date({ all: false, portfolios: ['P001', 'P003'] });
    expect(f.calls).toHaveLength(3);
  });

  it('expires entries after the TTL when there is no version to watch, and bounds its size', async () => {
    let now = 0;
    const f = recordingEngine();
    const cache = new CachingEngine(f.engine, { ttlMs: 60_000, maxEntries: 2, now: () => now });
    await cache.portfolioSummary(q('P001'));
    now += 59_000;
    await cache.portfolioSummary(q('P001'));
    expect(f.calls).toHaveLength(1);
    now += 2_000;
    await cache.portfolioSummary(q('P001'));
    expect(f.calls).toHaveLength(2);
    await cache.portfolioSummary(q('P002'));
    await cache.portfolioSummary(q('P003'));
    expect(cache.size).toBe(2);
  });
});
