import { col, jsonExactRange, nullable, PUBLIC, RESTRICTED } from '../columns.ts';
import { defineDataset } from '../dataset.ts';

// Amounts in exact cents: DECIMAL(18,2) in every engine, summed exactly, and served as JSON numbers of at
// most 15 digits (up to 10 trillion), which every client's double reads back to the cent. A portfolio's
// money amounts are restricted: they reveal its size. Counts and returns are public.
const amount = (description: string, extra: Record<string, unknown> = {}) =>
  col.decimal(18, 2, description, { ...jsonExactRange(18, 2), ...RESTRICTED, ...extra });

/** Plausibility, not a rule: a day's move beyond 50 % is worth a look (warn) but may be real. */
export const DAILY_RETURN_PLAUSIBLE = {
  expect_column_values_to_be_between: {
    arguments: { min_value: -0.5, max_value: 0.5 },
    config: { severity: 'warn' },
  },
} as const;

export const PORTFOLIO_ID_PATTERN = '^[A-Z][A-Z0-9_-]{0,31}$';

/** Gold: one row per (portfolio_id, summary_date) for every trading date from the first holding on. */
export const dailyPortfolioSummary = defineDataset({
  name: 'daily_portfolio_summary',
  zone: 'gold',
  description:
    'Daily value and profit-and-loss of each portfolio; one row per (portfolio_id, summary_date) for every trading date from its first holding on.',
  primaryKey: ['portfolio_id', 'summary_date'],
  eventTime: 'summary_date',
  freshness: { warnAfterDays: 4, errorAfterDays: 7 },
  // On Athena the served table is partitioned by month, so a night's batch replaces only the months it
  // rebuilt and a question about a date range reads only its months; the value is derived, not stored in the
  // files (Hive layout `summary_month=YYYY-MM/`). Locally gold is one file and serving does not need it.
  partitionBy: [
    {
      name: 'summary_month',
      sqlType: 'string',
      description: 'YYYY-MM of summary_date: the Athena partition (a folder, not a column of the files).',
    },
  ],
  dbtTests: {
    columns: {
      daily_return: [DAILY_RETURN_PLAUSIBLE],
      // Every summarised portfolio is one the holdings seed knows.
      portfolio_id: [
        {
          relationships: { arguments: { to: "ref('stg_seed__portfolio_holdings')", field: 'portfolio_id' } },
        },
      ],
    },
  },
  properties: {
    portfolio_id: col.string('Portfolio identifier.', { pattern: PORTFOLIO_ID_PATTERN, ...PUBLIC }),
    summary_date: col.date(
      'Trading date the row summarises (a date on which any symbol has a price).',
      PUBLIC,
    ),
    positions_count: col.integer(
      'Holdings active on summary_date (valid_from <= summary_date and (valid_to is null or summary_date < valid_to)).',
      { minimum: 0, ...PUBLIC },
    ),
    stale_positions_count: col.integer(
      'Active holdings without a close on summary_date: carried forward from up to 5 calendar days before, or with no close at all (valued 0).',
      { minimum: 0, ...PUBLIC },
    ),
    market_value: amount(
      'Sum of quantity x close over active holdings (close carried forward up to 5 days), rounded to cents.',
      { minimum: 0 },
    ),
    prior_market_value: nullable(
      amount(
        'Sum of quantity x close of the same holdings on the previous trading date (same carry rule), rounded to cents.',
      ),
    ),
    daily_pnl: nullable(
      amount(
        'market_value - prior_market_value (from the unrounded sums, then rounded to cents): the effect of price moves only.',
      ),
    ),
    daily_return: nullable(
      col.double('daily_pnl / prior_market_value; null when prior_market_value is 0 or null.', PUBLIC),
    ),
  },
});
