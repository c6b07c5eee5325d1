import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SUMMARY_COLUMNS } from '../gold-columns.ts';

/**
 * A select list that casts each column's expression to the gold contract's type (DuckDB spells the
 * contract's types as they are written, `decimal(18,2)` included), in the contract's column order:
 * fixtures then have gold's physical schema, as dbt writes it, without restating it.
 */
export function goldSelect(expressions: Record<string, string>): string {
  return SUMMARY_COLUMNS.map((c) => {
    const e = expressions[c.name];
    if (e === undefined) throw new Error(`gold fixture: no expression for column ${c.name}`);
    return `cast(${e} as ${c.sqlType === 'string' ? 'varchar' : c.sqlType}) as ${c.name}`;
  }).join(',\n             ');
}

/**
 * Writes gold in the contract's columns and types: `portfolios` x `days` trading days from 2020-01-01,
 * as `<lakeRoot>/gold/daily_portfolio_summary/daily_portfolio_summary.parquet` (where the local
 * server reads it). Amounts are large and cent-exact (a double sum would show it). Returns the path.
 */
export async function writeGoldFixture(lakeRoot: string, portfolios = ['P001', 'P002', 'P003'], days = 30) {
  const dir = join(lakeRoot, 'gold', 'daily_portfolio_summary');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'daily_portfolio_summary.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const ids = portfolios.map((p) => `('${p}')`).join(', ');
  await db.run(`copy (
      select ${goldSelect({
        portfolio_id: 'p.id',
        summary_date: 'd',
        positions_count: '2',
        stale_positions_count: '0',
        // Exact decimal arithmetic on decimal literals: 1234567890123.45 + 0.07 per day.
        market_value: '1234567890123.45 + i * 0.07',
        prior_market_value: '1234567890123.45 + (i - 1) * 0.07',
        daily_pnl: '0.07',
        daily_return: '0.001',
      })}
      from (values ${ids}) p(id),
           (select range as i, date '2020-01-01' + range::integer as d from range(${days})) t
    ) to '${file}' (format parquet)`);
  db.closeSync();
  instance.closeSync();
  return file;
}
