import {
  columnsOf,
  dailyPortfolioSummary,
  dailySymbolNewsPrice,
  decimalOf,
  type BaseSqlType,
  type ColumnInfo,
  type Dataset,
  type SqlType,
} from '@finlake/schemas';
import type { SummaryRow } from './engine.ts';

/**
 * The served gold's columns, from its contract (libs/schemas), for both engines: one select list that
 * types every column as the contract says whatever the file's physical types (a DECIMAL would reach JS
 * as a string; a date is served as YYYY-MM-DD), and one mapping of Athena's all-string rows back to them.
 */
export const SUMMARY_COLUMNS: readonly ColumnInfo[] = columnsOf(dailyPortfolioSummary);
export const NEWS_COLUMNS: readonly ColumnInfo[] = columnsOf(dailySymbolNewsPrice);

// Both engines read these as SQL: Athena (Trino) and DuckDB spell them alike.
const CAST_TO: Record<BaseSqlType, string> = {
  string: 'varchar',
  date: 'varchar',
  timestamp: 'varchar',
  double: 'double',
  bigint: 'bigint',
  integer: 'integer',
  boolean: 'boolean',
};

/**
 * What a column is read as. A decimal is read as the double nearest to it (both engines divide the
 * unscaled integer by 10^scale, correctly rounded), which JSON prints back digit for digit: the
 * contract keeps decimals to 15 significant digits.
 */
export function servedType(t: SqlType): string {
  return decimalOf(t) ? 'double' : CAST_TO[t as BaseSqlType];
}

export function selectList(columns: readonly ColumnInfo[] = SUMMARY_COLUMNS): string {
  return columns.map((c) => `cast(${c.name} as ${servedType(c.sqlType)}) as ${c.name}`).join(', ');
}

/** Whether a column reaches JS as a number. */
export const isNumeric = (t: SqlType): boolean => ['double', 'bigint', 'integer'].includes(servedType(t));

/** A row of strings (Athena's GetQueryResults; null for SQL NULL), in `columns` order, typed by the contract. */
export function rowFromStrings<R = SummaryRow>(
  values: readonly (string | null)[],
  columns = SUMMARY_COLUMNS,
): R {
  const row: Record<string, unknown> = {};
  columns.forEach((c, i) => {
    const v = values[i] ?? null;
    if (v === null || (v === '' && c.sqlType !== 'string')) row[c.name] = null;
    else if (isNumeric(c.sqlType)) row[c.name] = Number(v);
    else if (c.sqlType === 'boolean') row[c.name] = v === 'true';
    else row[c.name] = v;
  });
  return row as R;
}

/**
 * The key of a symbol-series mart (one row per symbol and day: daily_symbol_news_price, and every mart the
 * source generator writes), checked against its contract: the queries filter on the symbol and a day range.
 */
export function seriesKey(mart: Dataset): { symbol: string; day: string } {
  const [symbol, day, ...more] = mart.primaryKey;
  const dayColumn = columnsOf(mart).find((c) => c.name === day);
  if (symbol !== 'symbol' || day === undefined || dayColumn?.sqlType !== 'date' || more.length)
    throw new Error(
      `${mart.name} is keyed by ${mart.primaryKey.join(', ')}; a symbol-series mart is keyed by (symbol, <a date column>)`,
    );
  return { symbol, day };
}
