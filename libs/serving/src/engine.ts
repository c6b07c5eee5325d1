import type { Row } from '@finlake/schemas';
import type { dailyPortfolioSummary } from '@finlake/schemas';

export type SummaryRow = Row<typeof dailyPortfolioSummary>;

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
  freshness(): Promise<GoldFreshness>;
  close(): Promise<void>;
}
