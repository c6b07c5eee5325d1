import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { columnsOf, type ColumnInfo, type Dataset } from '@finlake/schemas';
import { NEWS_COLUMNS, seriesKey, SUMMARY_COLUMNS } from '../gold-columns.ts';

/**
 * A select list that casts each column's expression to the gold contract's type (DuckDB spells the
 * contract's types as they are written, `decimal(18,2)` included), in the contract's column order:
 * fixtures then have gold's physical schema, as dbt writes it, without restating it.
 */
export function goldSelect(
  expressions: Record<string, string>,
  columns: readonly ColumnInfo[] = SUMMARY_COLUMNS,
): string {
  return columns
    .map((c) => {
      const e = expressions[c.name];
      if (e === undefined) throw new Error(`gold fixture: no expression for column ${c.name}`);
      return `cast(${e} as ${c.sqlType === 'string' ? 'varchar' : c.sqlType}) as ${c.name}`;
    })
    .join(',\n             ');
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

/**
 * Writes the news mart in its contract's columns and types, where the local server reads it
 * (`<lakeRoot>/gold/daily_symbol_news_price/daily_symbol_news_price.parquet`): `days` sessions from
 * 2020-01-01 for each symbol, news on every third day. `tag` goes into the headlines (to tell versions apart).
 */
export async function writeNewsFixture(
  lakeRoot: string,
  symbols = ['AAPL', '^GSPC'],
  days = 30,
  tag = 'v1',
): Promise<string> {
  const dir = join(lakeRoot, 'gold', 'daily_symbol_news_price');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'daily_symbol_news_price.parquet');
  const tmp = join(dir, `.tmp-${tag}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const ids = symbols.map((s) => `('${s}')`).join(', ');
  const news = 'i % 3 = 0';
  await db.run(`copy (
      select ${goldSelect(
        {
          symbol: 's.id',
          trade_date: 'd',
          close_price: '100.123456 + i',
          daily_return: 'case when i = 0 then null else 0.01 end',
          news_count: `case when ${news} then 2 else 0 end`,
          avg_sentiment: `case when ${news} then 0.25 else null end`,
          first_headline: `case when ${news} then s.id || ' ${tag} headline ' || i else null end`,
          has_news: news,
        },
        NEWS_COLUMNS,
      )}
      from (values ${ids}) s(id),
           (select range as i, date '2020-01-01' + range::integer as d from range(${days})) t
    ) to '${tmp}' (format parquet)`);
  db.closeSync();
  instance.closeSync();
  renameSync(tmp, file); // atomic, as the publisher replaces it
  return file;
}

/** A value of a column for fixture row `i`, inside the contract's bounds (a pattern-free string). */
function fixtureValue(c: ColumnInfo): string {
  const b = c.bounds;
  const low = b.minimum ?? (b.exclusiveMinimum === undefined ? 0 : b.exclusiveMinimum + 1e-6);
  const high = b.maximum ?? (b.exclusiveMaximum === undefined ? 1e9 : b.exclusiveMaximum - 1e-6);
  if (c.sqlType === 'date') return 'd';
  if (c.sqlType === 'timestamp') return "timestamp '2020-01-01 21:00:00' + to_days(i::integer)";
  if (c.sqlType === 'boolean') return 'i % 2 = 0';
  if (c.sqlType === 'string') return `'${c.name} ' || i`;
  return `least(greatest(${low} + i, ${low}), ${high})`;
}

/**
 * Writes any symbol-series mart (keyed by symbol and day) in its contract's columns and types, where the
 * local server reads it (`<lakeRoot>/gold/<mart>/<mart>.parquet`): `days` days from 2020-01-01 per symbol,
 * every other column a value of its type within its bounds.
 */
export async function writeSeriesFixture(
  lakeRoot: string,
  mart: Dataset,
  symbols = ['AAPL', '^GSPC'],
  days = 30,
): Promise<string> {
  const { symbol, day } = seriesKey(mart);
  const columns = columnsOf(mart);
  const dir = join(lakeRoot, 'gold', mart.name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${mart.name}.parquet`);
  const tmp = join(dir, '.tmp-fixture.parquet');
  const expressions = Object.fromEntries(columns.map((c) => [c.name, fixtureValue(c)]));
  expressions[symbol] = 's.id';
  expressions[day] = 'd';
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run(`copy (
      select ${goldSelect(expressions, columns)}
      from (values ${symbols.map((s) => `('${s}')`).join(', ')}) s(id),
           (select range as i, date '2020-01-01' + range::integer as d from range(${days})) t
    ) to '${tmp}' (format parquet)`);
  db.closeSync();
  instance.closeSync();
  renameSync(tmp, file);
  return file;
}
