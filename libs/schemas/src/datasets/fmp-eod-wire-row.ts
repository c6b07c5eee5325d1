import Type from 'typebox';
import { col } from '../columns.ts';
import { defineDataset } from '../dataset.ts';

/** Ticker pattern accepted across the platform (FMP symbols: AAPL, BRK.B, ^GSPC, BTCUSD, RDS-A). */
export const TICKER_PATTERN = '^\\^?[A-Z0-9][A-Z0-9.\\-]{0,14}$';

/**
 * One element of FMP's `/stable/historical-price-eod/full` answer, as sent on the wire
 * (a flat array, newest first). Only the fields FMP always sends are required; the API
 * has been seen to omit `vwap` and `change*` for thin symbols. Extra fields are allowed:
 * bronze keeps the body byte for byte and silver picks the columns it knows.
 */
export const fmpEodWireRow = defineDataset({
  name: 'fmp_eod_wire_row',
  zone: 'bronze',
  description: 'One row of FMP /stable/historical-price-eod/full, as the API sends it.',
  primaryKey: ['symbol', 'date'],
  partitionBy: [],
  additionalProperties: true,
  properties: {
    symbol: col.string('Ticker symbol as FMP spells it.', { pattern: TICKER_PATTERN }),
    date: col.date('Trading date (exchange local), YYYY-MM-DD.'),
    open: col.double('Opening price.'),
    high: col.double('Highest price of the day.'),
    low: col.double('Lowest price of the day.'),
    close: col.double('Closing price (not split/dividend adjusted).'),
    volume: col.double('Shares traded; FMP sends an integer, older feeds a float such as 4006500.0.'),
    change: Type.Optional(col.double('close minus open, in price units.')),
    changePercent: Type.Optional(col.double('Change in percent: 0.36082 means 0.36 %.')),
    vwap: Type.Optional(col.double('Volume-weighted average price of the day.')),
  },
});

/** The whole answer: a flat JSON array, newest first; `[]` for an unknown symbol or an empty range. */
export const fmpEodWireResponse = Type.Array(fmpEodWireRow.schema);
