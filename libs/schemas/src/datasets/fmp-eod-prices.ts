import { col, nullable } from '../columns.ts';
import { defineDataset } from '../dataset.ts';
import { TICKER_PATTERN } from './fmp-eod-wire-row.ts';

// Prices as exact decimals with 6 places: FMP quotes to at most 4 (sub-penny stocks, FX-like tickers), so
// the wire's text is kept digit for digit and products with 4-place quantities stay exact.
const price = (description: string, extra: Record<string, unknown> = {}) =>
  col.decimal(18, 6, `${description} Exact to 6 decimal places (FMP's text, rounded half up beyond).`, extra);

const yearMonth = [
  { name: 'year', sqlType: 'integer', description: 'Calendar year of trade_date.' },
  { name: 'month', sqlType: 'integer', description: 'Calendar month (1-12) of trade_date.' },
] as const;

/** Silver: typed, validated end-of-day prices, one row per (symbol, trade_date). */
export const fmpEodPrices = defineDataset({
  name: 'fmp_eod_prices',
  zone: 'silver',
  description:
    'End-of-day prices from FMP, typed and validated; one row per (symbol, trade_date), the latest fetch wins.',
  primaryKey: ['symbol', 'trade_date'],
  eventTime: 'trade_date',
  // End-of-day data: a weekend and a holiday pass without new rows.
  freshness: { warnAfterDays: 4, errorAfterDays: 7 },
  partitionBy: yearMonth,
  dbtStaging: {
    model: 'stg_fmp__eod_prices',
    description:
      'One row per (symbol, trade_date) from silver fmp_eod_prices, with prices named for modelling; nothing computed.',
    rename: {
      open: 'open_price',
      high: 'high_price',
      low: 'low_price',
      close: 'close_price',
      change: 'price_change',
    },
    // Lineage of the Glue run: silver keeps it, the models do not use it.
    exclude: ['run_id'],
  },
  properties: {
    symbol: col.string('Ticker symbol.', { pattern: TICKER_PATTERN }),
    trade_date: col.date('Trading date.'),
    open: price('Opening price, > 0.', { exclusiveMinimum: 0 }),
    high: price('Highest price of the day, >= open, close and low.', { exclusiveMinimum: 0 }),
    low: price('Lowest price of the day, <= open and close.', { exclusiveMinimum: 0 }),
    close: price('Closing price, > 0.', { exclusiveMinimum: 0 }),
    volume: col.bigint('Shares traded, a non-negative integer.', { minimum: 0 }),
    vwap: nullable(price('Volume-weighted average price; null when FMP does not send it.')),
    change: nullable(price('close minus previous close as FMP reports it, in price units.')),
    change_percent: nullable(col.double('Change in percent as FMP gives it: 0.36 means 0.36 %.')),
    source_object: col.string('Key of the bronze object the row was read from.'),
    ingested_at: col.timestamp('When the bronze object was fetched from FMP (UTC).'),
    run_id: col.string('Id of the run (Prefect flow_run_id) that wrote the row.'),
  },
});

/**
 * Silver rejects: rows (or whole objects) that failed validation, with the reason. Never dropped.
 * Partitioned by the run that rejected them, so a rerun replaces its own rejects and no other run's.
 */
export const fmpEodPricesRejects = defineDataset({
  name: 'fmp_eod_prices_rejects',
  zone: 'silver',
  description: 'Bronze rows or objects that failed validation for fmp_eod_prices, with the reason.',
  primaryKey: ['source_object', 'record_index'],
  partitionBy: [
    {
      name: 'run_id',
      sqlType: 'string',
      description: 'Id of the run (Prefect flow_run_id) that rejected the record.',
    },
  ],
  properties: {
    source_object: col.string('Key of the bronze object the record came from.'),
    record_index: col.integer('Position of the record in the object; -1 when the whole object is rejected.'),
    record: nullable(col.string('The raw record as JSON text (null when the object could not be parsed).')),
    reject_reason: col.string('Named rule that failed, e.g. high_below_low, invalid_date, symbol_mismatch.'),
    symbol: nullable(col.string('Symbol of the record or, failing that, of the bronze object.')),
    trade_date: nullable(col.date('Trading date, when the record had a valid one.')),
    rejected_at: col.timestamp('When the record was rejected (UTC).'),
  },
});
