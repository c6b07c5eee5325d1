import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine, GoldIndexEngine } from './duckdb-engine.ts';
import type { QueryEngine } from './engine.ts';
import { goldSelect, writeGoldFixture } from './testing/index.ts';

const ALL = { all: true, portfolios: [] } as const;
const month = (portfolioId: string) => ({ portfolioId, from: '2020-01-01', to: '2020-01-31', limit: 100 });

const ENGINES: [string, (file: string) => Promise<QueryEngine & { loadError?: string }>][] = [
  ['DuckDbEngine', (f) => DuckDbEngine.open(f, { versionCheckMs: 0 })],
  ['GoldIndexEngine', (f) => GoldIndexEngine.open(f, { versionCheckMs: 0 })],
];

describe.each(ENGINES)('%s over published versions of gold', (_, open) => {
  it('answers from the loaded version and moves to a new one once it is published', async () => {
    const lake = await mkdtemp(join(tmpdir(), 'engine-'));
    const file = await writeGoldFixture(lake, ['P001'], 40);
    const engine = await open(file);
    try {
      expect(await engine.portfolioSummary(month('P001'))).toHaveLength(31);
      expect(await engine.portfolioSummary(month('P002'))).toEqual([]);

      // The publisher's way: a complete file renamed over the served one.
      const next = await writeGoldFixture(join(lake, 'next'), ['P001', 'P002'], 40);
      await rename(next, file);
      const [first] = await engine.portfolioSummary(month('P002'));
      expect(first).toMatchObject({ portfolio_id: 'P002', summary_date: '2020-01-01', positions_count: 2 });
      expect(await engine.freshness()).toEqual({ latestSummaryDate: '2020-02-09', rows: 80 });
      expect(
        (await engine.summaryForDate({ date: '2020-01-05', limit: 10, entitlement: ALL })).map(
          (r) => r.portfolio_id,
        ),
      ).toEqual(['P001', 'P002']);
    } finally {
      await engine.close();
    }
  });

  it('keeps serving the loaded version when a new file cannot be read, and says why', async () => {
    const lake = await mkdtemp(join(tmpdir(), 'engine-'));
    const file = await writeGoldFixture(lake, ['P001'], 10);
    const engine = await open(file);
    try {
      const tmp = join(lake, 'broken.parquet');
      await writeFile(tmp, 'not parquet');
      await rename(tmp, file);
      expect(await engine.portfolioSummary(month('P001'))).toHaveLength(10);
      expect(engine.loadError).toMatch(/parquet|magic|file/i);
    } finally {
      await engine.close();
    }
  });
});

/** A gold with gaps, nulls and uneven portfolios, written as dbt would (key order not assumed). */
async function irregularGold(dir: string): Promise<string> {
  const file = join(dir, 'gold.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run(`copy (
      select ${goldSelect({
        portfolio_id: "'P' || lpad(p::varchar, 3, '0')",
        summary_date: "date '2020-01-01' + d::integer",
        positions_count: '(p * 7 + d) % 5',
        stale_positions_count: '(p + d) % 3',
        // Cent-exact amounts up to 10^13 (the contract's JSON-exact bound): the index must serve each
        // digit for digit, as the SQL engine does.
        market_value: '((p * 498712345678901 + d * 12345678907) % 999999999999999)::decimal(18, 0) / 100',
        prior_market_value: 'case when d = p then null else round(999 + p * 10.5 + d * 0.25, 2) end',
        daily_pnl:
          'case when d = p then null else -((p * 31 + d * 7) % 100000000001)::decimal(18, 0) / 100 end',
        daily_return: 'case when (p + d) % 11 = 0 then null else ((d % 7) - 3) / 1000.0 end',
      })}
      from range(1, 21) a(p), range(0, 400) b(d)
      where (p * 31 + d) % 9 <> 0 and not (p = 5 and d > 100)
      order by random()
    ) to '${file}' (format parquet)`);
  db.closeSync();
  instance.closeSync();
  return file;
}

describe('GoldIndexEngine', () => {
  it('answers every question exactly as the SQL engine does', async () => {
    const file = await irregularGold(await mkdtemp(join(tmpdir(), 'gold-index-')));
    const sql = await DuckDbEngine.open(file);
    const index = await GoldIndexEngine.open(file);
    try {
      let seed = 7;
      const next = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const day = (d: number) => new Date(Date.UTC(2020, 0, 1 + d)).toISOString().slice(0, 10);
      const id = (p: number) => `P${String(p).padStart(3, '0')}`;
      for (let i = 0; i < 300; i++) {
        const from = next(420) - 10;
        const q = {
          portfolioId: id(next(23)),
          from: day(from),
          to: day(from + next(120)),
          ...(next(3) === 0 ? { after: day(from + next(30)) } : {}),
          limit: 1 + next(60),
        };
        expect(await index.portfolioSummary(q), JSON.stringify(q)).toEqual(await sql.portfolioSummary(q));
        const entitlement =
          next(2) === 0
            ? ({ all: true } as const)
            : ({ all: false, portfolios: [id(next(21)), id(next(21)), 'P999'] } as const);
        const dq = {
          date: day(next(410) - 5),
          entitlement,
          ...(next(3) === 0 ? { after: id(next(21)) } : {}),
          limit: 1 + next(25),
        };
        expect(await index.summaryForDate(dq), JSON.stringify(dq)).toEqual(await sql.summaryForDate(dq));
      }
      expect(await index.freshness()).toEqual(await sql.freshness());

      // Both engines serve each stored decimal as the number that prints as its digits.
      const instance = await DuckDBInstance.create(':memory:');
      const db = await instance.connect();
      const stored = (
        await db.runAndReadAll(
          `select cast(market_value as varchar), cast(daily_pnl as varchar) from '${file}'
            where portfolio_id = 'P003' order by summary_date`,
        )
      ).getRows();
      db.closeSync();
      instance.closeSync();
      const q = { portfolioId: 'P003', from: '2019-01-01', to: '2021-12-31', limit: 1000 };
      const canonical = (v: unknown) => (v === null ? null : String(v).replace(/\.?0+$/, ''));
      const expected = stored.map(([mv, pnl]) => [canonical(mv), canonical(pnl)]);
      for (const engine of [sql, index]) {
        const rows = await engine.portfolioSummary(q);
        expect(rows.map((r) => [canonical(r.market_value), canonical(r.daily_pnl)])).toEqual(expected);
      }
      expect(expected.some(([mv]) => mv!.replace(/[-.]/g, '').length >= 14)).toBe(true);
    } finally {
      await sql.close();
      await index.close();
    }
  });
});
