import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from './duckdb-engine.ts';
import { writeGoldFixture } from './testing/index.ts';

const ALL = { all: true, portfolios: [] } as const;
const month = (portfolioId: string) => ({ portfolioId, from: '2020-01-01', to: '2020-01-31', limit: 100 });

describe('DuckDbEngine over published versions of gold', () => {
  it('answers from the loaded version and moves to a new one once it is published', async () => {
    const lake = await mkdtemp(join(tmpdir(), 'engine-'));
    const file = await writeGoldFixture(lake, ['P001'], 40);
    const engine = await DuckDbEngine.open(file, { versionCheckMs: 0 });
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
    const engine = await DuckDbEngine.open(file, { versionCheckMs: 0 });
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
