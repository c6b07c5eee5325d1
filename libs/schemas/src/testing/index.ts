import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real FMP responses recorded on the wire (from OpenBB's test cassettes, see
 * ../shared/data/README.md), kept byte for byte as contract fixtures.
 */
const here = dirname(fileURLToPath(import.meta.url));
export const FMP_WIRE_FIXTURES = {
  eodFullAapl20230101to20230110: join(
    here,
    'fmp-wire',
    'stable_historical-price-eod_full_AAPL_2023-01-01_2023-01-10.json',
  ),
  newsStockAaplMsftLimit1: join(here, 'fmp-wire', 'stable_news_stock_AAPL-MSFT_limit1.json'),
} as const;

export { sandboxStatsSchema, type SandboxStats } from './sandbox-stats.ts';
