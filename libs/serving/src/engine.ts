import type { Dataset, Row } from '@finlake/schemas';
import type { dailyPortfolioSummary, dailySymbolNewsPrice } from '@finlake/schemas';

export type SummaryRow = Row<typeof dailyPortfolioSummary>;
export type SymbolNewsRow = Row<typeof dailySymbolNewsPrice>;

/** Which portfolios a caller may see: a list, or every one. */
export type Entitlement = { all: true } | { all: false; portfolios: readonly string[] };

export interface PortfolioQuery {
  portfolioId: string;
  from: string;
  to: string;
  /** Rows strictly after this summary_date (the cursor). */
  after?: string;
  limit: number;
}

export interface DateQuery {
  date: string;
  entitlement: Entitlement;
  /** Rows strictly after this portfolio_id (the cursor). */
  after?: string;
  limit: number;
}

/** A question to a symbol-series mart (keyed by symbol and day): one symbol over a date range. */
export interface SeriesQuery {
  symbol: string;
  from: string;
  to: string;
  /** Rows strictly after this day (the cursor). */
  after?: string;
  limit: number;
}

/** A mart the pipeline has not published yet (a new deployment): a 503 that says so, not a 500. */
export class MartNotPublished extends Error {
  readonly statusCode = 503;
  constructor(readonly mart: string) {
    super(`gold mart ${mart} has not been published yet; it is served after the next pipeline run`);
    this.name = 'MartNotPublished';
  }
}

export interface GoldFreshness {
  latestSummaryDate: string | null;
  rows: number;
}

/**
 * The gold queries the API serves, behind one interface: DuckDB over the local gold Parquet, or
 * Athena in AWS. Values reach SQL only as bound parameters; identifiers are fixed in the engines.
 * Each method returns at most `limit` rows; callers ask for limit + 1 to know whether more follow.
 */
export interface QueryEngine {
  readonly name: string;
  portfolioSummary(q: PortfolioQuery): Promise<SummaryRow[]>;
  summaryForDate(q: DateQuery): Promise<SummaryRow[]>;
  /**
   * A symbol-series mart (daily_symbol_news_price, and each generated source's mart): one symbol over a date
   * range, in day order. The mart is a contract the API was built with, never a name from a request.
   */
  symbolSeries<D extends Dataset>(mart: D, q: SeriesQuery): Promise<Row<D>[]>;
  freshness(): Promise<GoldFreshness>;
  close(): Promise<void>;
}
