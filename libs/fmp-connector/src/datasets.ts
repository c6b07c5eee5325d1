import { addDays, daysBetween, type IsoDate } from '@finlake/market-calendar';
import { FMP_EOD_PRICES, FMP_NEWS, type SourceDataset } from '@finlake/platform';
import { GENERATED_FMP_DATASETS } from './sources/index.ts';

/**
 * One FMP endpoint the connector can land. Adding an endpoint is adding one of these:
 * the client, retries, limiter, landing and manifest are shared.
 */
export interface FmpDataset {
  /** Name in the lake (`dataset=` partition), snake_case: `lake.dataset`. */
  readonly name: string;
  /** Its entry in the platform contract: bronze layout, silver table. */
  readonly lake: SourceDataset;
  /** Path under the API's base URL. */
  readonly path: string;
  /** The API's row cap per call. */
  readonly maxRowsPerCall: number;
  /** Calendar days per call, chosen so a call can never reach the row cap. */
  readonly maxDaysPerCall: number;
  /** Query parameters for one unit of work (the API key is added by the client). */
  query(unit: Unit): Record<string, string>;
}

/** One call's worth of work: a symbol over a closed date window. */
export interface Unit {
  readonly symbol: string;
  readonly from: IsoDate;
  readonly to: IsoDate;
  /** Paged endpoints (news): the page, newest first. */
  readonly page?: number;
}

export const historicalPriceEod: FmpDataset = {
  name: FMP_EOD_PRICES.dataset,
  lake: FMP_EOD_PRICES,
  path: '/stable/historical-price-eod/full',
  maxRowsPerCall: 5000,
  // At most one row per calendar day (even for 7-day markets), so 5,000 days can't reach 5,000 rows.
  maxDaysPerCall: 5000,
  query: (u) => ({ symbol: u.symbol, from: u.from, to: u.to }),
};

/** Articles per news page: FMP's largest `limit`. */
export const NEWS_PAGE_SIZE = 250;

/**
 * `/stable/news/stock` for a comma-separated group of symbols (`unit.symbol`), one page, newest first; the
 * news producer polls it (streamed, never landed by the batch connector, so not in DATASETS).
 */
export const stockNews: FmpDataset = {
  name: FMP_NEWS.dataset,
  lake: FMP_NEWS,
  path: '/stable/news/stock',
  maxRowsPerCall: NEWS_PAGE_SIZE,
  maxDaysPerCall: 3650,
  query: (u) => ({
    symbols: u.symbol,
    from: u.from,
    to: u.to,
    page: String(u.page ?? 0),
    limit: String(NEWS_PAGE_SIZE),
  }),
};

/** `/stable/news/stock-latest`: every symbol's newest articles (the unit's symbol and window are ignored). */
export const stockNewsLatest: FmpDataset = {
  ...stockNews,
  path: '/stable/news/stock-latest',
  query: (u) => ({ page: String(u.page ?? 0), limit: String(NEWS_PAGE_SIZE) }),
};

export const DATASETS: Record<string, FmpDataset> = Object.fromEntries(
  [historicalPriceEod, ...GENERATED_FMP_DATASETS].map((d) => [d.name, d]),
);

export function datasetByName(name: string): FmpDataset {
  const d = DATASETS[name];
  if (!d)
    throw new Error(`unknown dataset ${JSON.stringify(name)}; known: ${Object.keys(DATASETS).join(', ')}`);
  return d;
}

/** Splits [from, to] into consecutive windows of at most `maxDays` calendar days, oldest first. */
export function splitWindow(from: IsoDate, to: IsoDate, maxDays: number): { from: IsoDate; to: IsoDate }[] {
  if (from > to) throw new Error(`from ${from} is after to ${to}`);
  if (!Number.isInteger(maxDays) || maxDays < 1)
    throw new Error(`maxDays must be a positive integer, got ${maxDays}`);
  const out: { from: IsoDate; to: IsoDate }[] = [];
  for (let start = from; start <= to; start = addDays(start, maxDays)) {
    const end = addDays(start, maxDays - 1);
    out.push({ from: start, to: end < to ? end : to });
  }
  return out;
}

/**
 * The parts of [from, to] no window in `covered` holds, oldest first: what a gap-filling backfill still
 * has to fetch. Windows are inclusive calendar-day ranges.
 */
export function uncovered(
  from: IsoDate,
  to: IsoDate,
  covered: readonly { from: IsoDate; to: IsoDate }[],
): { from: IsoDate; to: IsoDate }[] {
  if (from > to) throw new Error(`from ${from} is after to ${to}`);
  const out: { from: IsoDate; to: IsoDate }[] = [];
  let start = from;
  for (const c of [...covered].sort((a, b) => a.from.localeCompare(b.from))) {
    if (start > to) break;
    if (c.to < start || c.from > to) continue;
    if (c.from > start) out.push({ from: start, to: addDays(c.from, -1) });
    if (c.to >= start) start = addDays(c.to, 1);
  }
  if (start <= to) out.push({ from: start, to });
  return out;
}

/** Halves a window (for the defensive re-split when an answer reaches the row cap). */
export function halve(unit: Unit): [Unit, Unit] {
  const days = daysBetween(unit.from, unit.to);
  if (days < 1) throw new Error(`cannot split the one-day window ${unit.from} for ${unit.symbol}`);
  const mid = addDays(unit.from, Math.floor(days / 2));
  return [
    { symbol: unit.symbol, from: unit.from, to: mid },
    { symbol: unit.symbol, from: addDays(mid, 1), to: unit.to },
  ];
}
