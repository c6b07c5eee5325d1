import { GOLD_MARTS } from '@finlake/platform';
import { DATASETS, type Dataset } from '@finlake/schemas';
import { seriesKey } from '@finlake/serving';

/** A served mart's gold contract, by its name in the platform contract (GOLD_MARTS). */
function goldContract(name: string): Dataset {
  const d = DATASETS.find((c) => c.name === name && c.zone === 'gold');
  if (!d)
    throw new Error(
      `gold mart ${name} is served (GOLD_MARTS) but libs/schemas has no gold contract of that name`,
    );
  return d;
}

/** The batch-built summary (portfolio, day): the first served mart, with its own engine and routes. */
export const SUMMARY_MART = goldContract(GOLD_MARTS[0]);

/**
 * Every other served mart is a symbol-series mart (keyed by symbol and day), served by symbolSeriesRoutes:
 * daily_symbol_news_price and each generated source's mart. Checked here, when the API starts.
 */
export const SERIES_MARTS: readonly Dataset[] = GOLD_MARTS.slice(1).map((name) => {
  const d = goldContract(name);
  seriesKey(d);
  return d;
});
