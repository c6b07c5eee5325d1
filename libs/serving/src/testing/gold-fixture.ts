import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Writes gold in the contract's columns and types: `portfolios` x `days` trading days from 2020-01-01,
 * as `<lakeRoot>/gold/daily_portfolio_summary/daily_portfolio_summary.parquet` (where the local
 * server reads it). Returns the Parquet path.
 */
export async function writeGoldFixture(lakeRoot: string, portfolios = ['P001', 'P002', 'P003'], days = 30) {
  const dir = join(lakeRoot, 'gold', 'daily_portfolio_summary');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'daily_portfolio_summary.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const ids = portfolios.map((p) => `('${p}')`).join(', ');
  await db.run(`copy (
      select p.id as portfolio_id, d::date as summary_date, 2::integer as positions_count, 0::integer as stale_positions_count,
             1000.0 + i as market_value, 999.0 + i as prior_market_value, 1.0::double as daily_pnl, 0.001::double as daily_return
      from (values ${ids}) p(id),
           (select range as i, date '2020-01-01' + range::integer as d from range(${days})) t
    ) to '${file}' (format parquet)`);
  db.closeSync();
  instance.closeSync();
  return file;
}
