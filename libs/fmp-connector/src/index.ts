export { parseIngestArgs, parseSymbols, USAGE, UsageError, type IngestArgs } from './args.ts';
export { classifyAnswer } from './classify.ts';
export {
  backoffDelayMs,
  FmpClient,
  pacing,
  sustainedRatePerMin,
  type FetchedUnit,
  type FmpClientOptions,
} from './client.ts';
export { EXIT, main } from './cli.ts';
export { fmpClientOptions, ingesterConfigSpec, loadIngesterConfig, resolveApiKey } from './config.ts';
export {
  datasetByName,
  DATASETS,
  halve,
  historicalPriceEod,
  NEWS_PAGE_SIZE,
  stockNews,
  stockNewsLatest,
  splitWindow,
  uncovered,
  type FmpDataset,
  type Unit,
} from './datasets.ts';
export { FatalAuthError, RetryableError, UnitFailedError } from './errors.ts';
export { bronzeKey, sidecarKey, type LandingMeta } from './landing.ts';
export { parseRetryAfter } from './retry-after.ts';
export { planUnits, runIngestion, type IngestRequest, type IngestSummary, type UnitOutcome } from './run.ts';
