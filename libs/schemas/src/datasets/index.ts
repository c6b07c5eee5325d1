import type { Dataset } from '../dataset.ts';
import { dailyPortfolioSummary } from './daily-portfolio-summary.ts';
import { dailySymbolNewsPrice } from './daily-symbol-news-price.ts';
import { fmpEodPrices, fmpEodPricesRejects } from './fmp-eod-prices.ts';
import { fmpEodWireRow } from './fmp-eod-wire-row.ts';
import { fmpNews, fmpNewsRecord, fmpNewsRejects, fmpNewsWireItem } from './fmp-news.ts';
// finlake:source-imports

export * from './daily-portfolio-summary.ts';
export * from './daily-symbol-news-price.ts';
export * from './fmp-eod-prices.ts';
export * from './fmp-eod-wire-row.ts';
export * from './fmp-news.ts';
// finlake:source-exports

/** Every contract, in the order the generators render them. */
export const DATASETS: readonly Dataset[] = [
  fmpEodWireRow,
  fmpEodPrices,
  fmpEodPricesRejects,
  fmpNewsWireItem,
  fmpNewsRecord,
  fmpNews,
  fmpNewsRejects,
  dailyPortfolioSummary,
  dailySymbolNewsPrice,
  // Sources added with `npx nx g @finlake/workspace:source`: their wire, silver and rejects contracts.
  // finlake:source-entries
];
