import { fill, match, partialFill, staticPrefix } from './templates.ts';

/**
 * The lake's key layout per zone. The connector, the Glue job, dbt, the bronze trigger and the IAM
 * policies and event rules of infra all derive their keys and prefixes from these templates.
 */
export const ZONES = ['bronze', 'silver', 'gold'] as const;
export type Zone = (typeof ZONES)[number];

/** One dataset of one source, from its bronze landing to its silver table. */
export interface SourceDataset {
  /** `source=` partition in bronze (one folder per source). */
  readonly source: string;
  /** `dataset=` partition in bronze (the source's endpoint). */
  readonly dataset: string;
  /** The silver table (and its contract in libs/schemas). */
  readonly silverTable: string;
}

export const FMP_EOD_PRICES: SourceDataset = {
  source: 'fmp',
  dataset: 'historical_price_eod',
  silverTable: 'fmp_eod_prices',
};
export const SOURCE_DATASETS: readonly SourceDataset[] = [FMP_EOD_PRICES];

/**
 * Who turns a landed batch into silver: `pipeline` (the flow that ran the connector transforms it
 * itself) or `event` (the bronze trigger starts a bronze-to-silver run for it). The manifest's key
 * says which, so the event rule matches only what it must act on.
 */
export const HANDOFFS = ['event', 'pipeline'] as const;
export type Handoff = (typeof HANDOFFS)[number];

export const LAKE_LAYOUT = {
  bronze: {
    datasetPrefix: 'source={source}/dataset={dataset}/',
    object: 'source={source}/dataset={dataset}/year={year}/symbol={symbol}/{symbol}_{from}_{to}.json',
    /** Request metadata beside each object (not `.json`, so `*.json` readers never take it for data). */
    sidecarSuffix: '.meta',
    /** Written last by each connector run: one per landed batch. */
    manifest: '_manifests/source={source}/dataset={dataset}/handoff={handoff}/run_id={run_id}.json',
  },
  silver: {
    table: '{table}/',
    rejects: '_rejects/{table}/',
    runSummary: '_runs/{table}/run_id={run_id}.json',
    /** A running job's heartbeat lease: a crashed writer's debris is swept only when no other writer lives. */
    writerLease: '_writers/{table}/run_id={run_id}',
  },
  gold: {
    /** dbt writes each run's gold here; the gate audits it; publish serves it. */
    candidate: '_candidates/{run_id}/',
    published: '{mart}/',
  },
} as const;

const ds = (d: SourceDataset) => ({ source: d.source, dataset: d.dataset });

export function bronzeDatasetPrefix(d: SourceDataset): string {
  return fill(LAKE_LAYOUT.bronze.datasetPrefix, ds(d));
}

export function bronzeObjectKey(
  d: SourceDataset,
  unit: { symbol: string; from: string; to: string },
): string {
  return fill(LAKE_LAYOUT.bronze.object, { ...ds(d), year: unit.from.slice(0, 4), ...unit });
}

export const sidecarKey = (key: string) => `${key}${LAKE_LAYOUT.bronze.sidecarSuffix}`;

export function manifestKey(d: SourceDataset, runId: string, handoff: Handoff): string {
  return fill(LAKE_LAYOUT.bronze.manifest, { ...ds(d), handoff, run_id: runId });
}

/** Every manifest of a dataset (both handoffs): what a reader of manifests lists. */
export function manifestsPrefix(d: SourceDataset): string {
  return staticPrefix(partialFill(LAKE_LAYOUT.bronze.manifest, ds(d)));
}

/** The manifests the bronze trigger acts on: the event rule's key prefix. */
export function eventManifestsPrefix(d: SourceDataset): string {
  return staticPrefix(partialFill(LAKE_LAYOUT.bronze.manifest, { ...ds(d), handoff: 'event' }));
}

export interface ManifestRef {
  dataset: SourceDataset;
  handoff: Handoff;
  runId: string;
}

/** The manifest a key names, or undefined for any other key (data, sidecars, temp files). */
export function parseManifestKey(key: string): ManifestRef | undefined {
  const m = match(LAKE_LAYOUT.bronze.manifest, key);
  if (!m) return undefined;
  const dataset = SOURCE_DATASETS.find((d) => d.source === m.source && d.dataset === m.dataset);
  const handoff = HANDOFFS.find((h) => h === m.handoff);
  return dataset && handoff ? { dataset, handoff, runId: m.run_id! } : undefined;
}

/** The symbol and window of a bronze data object's key, or undefined for any other key (sidecars, temp files). */
export function parseBronzeObjectKey(
  d: SourceDataset,
  key: string,
): { symbol: string; from: string; to: string } | undefined {
  const m = match(LAKE_LAYOUT.bronze.object, key);
  if (!m || m.source !== d.source || m.dataset !== d.dataset) return undefined;
  return { symbol: m.symbol!, from: m.from!, to: m.to! };
}

/** The key prefixes a dataset's connector writes under: what its role must be allowed to put. */
export function bronzeWriterPrefixes(d: SourceDataset): string[] {
  return [bronzeDatasetPrefix(d), manifestsPrefix(d)];
}

export const silverTablePrefix = (table: string) => fill(LAKE_LAYOUT.silver.table, { table });
export const silverRejectsPrefix = (table: string) => fill(LAKE_LAYOUT.silver.rejects, { table });
export const silverRunSummaryKey = (table: string, runId: string) =>
  fill(LAKE_LAYOUT.silver.runSummary, { table, run_id: runId });
export const silverRunSummariesPrefix = (table: string) =>
  staticPrefix(partialFill(LAKE_LAYOUT.silver.runSummary, { table }));
export const goldCandidatePrefix = (runId: string) => fill(LAKE_LAYOUT.gold.candidate, { run_id: runId });
/** Every run's candidate: what publish lists to find a candidate's partitions. */
export const goldCandidatesPrefix = () => staticPrefix(LAKE_LAYOUT.gold.candidate);
export const goldPublishedPrefix = (mart: string) => fill(LAKE_LAYOUT.gold.published, { mart });
