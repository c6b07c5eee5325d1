import { col, jsonExactRange, nullable, PUBLIC } from '../columns.ts';
import { defineDataset } from '../dataset.ts';
import { DAILY_RETURN_PLAUSIBLE } from './daily-portfolio-summary.ts';
import { TICKER_PATTERN } from './fmp-eod-wire-row.ts';

/**
 * Gold: the stream joined with the batch (market data and published news: every column public). One row per (symbol, trade_date) for every trading day of a
 * symbol that has prices: the close and return, and the news that counts for that session (none: count 0).
 */
export const dailySymbolNewsPrice = defineDataset({
  name: 'daily_symbol_news_price',
  zone: 'gold',
  description:
    "Each symbol's close and daily return beside the news that counts for that trading session; one row per (symbol, trade_date), days without news included.",
  primaryKey: ['symbol', 'trade_date'],
  eventTime: 'trade_date',
  freshness: { warnAfterDays: 4, errorAfterDays: 7 },
  partitionBy: [],
  dbtTests: {
    columns: {
      daily_return: [DAILY_RETURN_PLAUSIBLE],
      // Every symbol is one with prices.
      symbol: [{ relationships: { arguments: { to: "ref('stg_fmp__eod_prices')", field: 'symbol' } } }],
    },
    // One row per price row: every session of every symbol, with or without news (the mart is built whole
    // every night, whatever the summary's batch).
    model: [
      {
        expect_table_row_count_to_equal_other_table: {
          arguments: { compare_model: "ref('stg_fmp__eod_prices')" },
        },
      },
    ],
  },
  properties: {
    symbol: col.string('Ticker symbol.', { pattern: TICKER_PATTERN, ...PUBLIC }),
    trade_date: col.date('Trading date (a session the symbol has a close for).', PUBLIC),
    // Positive: the smallest DECIMAL(18,6) above 0 as an inclusive bound, since the served OpenAPI 3.0
    // document cannot spell a numeric exclusiveMinimum.
    close_price: col.decimal(18, 6, 'Closing price, exact to 6 places.', {
      ...jsonExactRange(18, 6),
      minimum: 0.000001,
      ...PUBLIC,
    }),
    daily_return: nullable(
      col.double('close / previous close of the symbol - 1; null on its first day.', PUBLIC),
    ),
    news_count: col.integer(
      'Articles that count for this session (published after the previous close, up to this close).',
      { minimum: 0, ...PUBLIC },
    ),
    avg_sentiment: nullable(
      col.double('Mean VADER compound score of those articles; null without news.', {
        minimum: -1,
        maximum: 1,
        ...PUBLIC,
      }),
    ),
    first_headline: nullable(
      col.string('Headline of the earliest of those articles; null without news.', PUBLIC),
    ),
    has_news: col.boolean('Whether any article counts for this session.', PUBLIC),
  },
});
