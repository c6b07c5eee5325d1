import { GENERATED_SOURCES } from './sources/index.ts';
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
  /**
   * How it arrives: `batch` (a connector run lands objects and a manifest) or `stream` (a producer puts
   * records on Kinesis and Firehose lands them; see stream.ts).
   */
  readonly kind: 'batch' | 'stream';
  /** What turns its bronze into silver: `spark` (the Glue Spark job) or `python` (the same job, Arrow). */
  readonly engine: 'spark' | 'python';
  /**
   * The gold mart that serves this source alone, when it has one (a generated source's symbol series, with
   * its contract in libs/schemas, its dbt model and its route plugin): it joins GOLD_MARTS.
   */
  readonly servedMart?: string;
}

export const FMP_EOD_PRICES: SourceDataset = {
  source: 'fmp',
  dataset: 'historical_price_eod',
  silverTable: 'fmp_eod_prices',
  kind: 'batch',
  engine: 'spark',
};
/** FMP stock news, streamed: a few thousand small records a day, so silver is built without Spark. */
export const FMP_NEWS: SourceDataset = {
  source: 'fmp',
  dataset: 'news',
  silverTable: 'fmp_news',
  kind: 'stream',
  engine: 'python',
};
export const SOURCE_DATASETS: readonly SourceDataset[] = [FMP_EOD_PRICES, FMP_NEWS, ...GENERATED_SOURCES];
/** What the batch connector lands (with manifests the bronze trigger acts on). */
export const BATCH_DATASETS = SOURCE_DATASETS.filter((d) => d.kind === 'batch');
/** What a producer streams and Firehose lands. */
export const STREAM_DATASETS = SOURCE_DATASETS.filter((d) => d.kind === 'stream');

export function sourceDataset(silverTable: string): SourceDataset {
  const d = SOURCE_DATASETS.find((x) => x.silverTable === silverTable);
  if (!d)
    throw new Error(
      `no source dataset builds silver table ${JSON.stringify(silverTable)}; known: ${SOURCE_DATASETS.map((x) => x.silverTable).join(', ')}`,
    );
  return d;
}

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
    /** A stream producer's records that could not be put after every retry: one object per flush. */
    deadLetter: '_dead_letters/source={source}/dataset={dataset}/date={date}/{name}.jsonl',
    /** A stream producer's watermark, written only after a flush that delivered everything before it. */
    checkpoint: '_checkpoints/source={source}/dataset={dataset}/{producer}.json',
  },
  silver: {
    table: '{table}/',
    /**
     * A streamed table's day, one folder per version: micro-batches append files to the current version,
     * compaction writes a new one and switches the day's pointer (the Glue partition's location; locally a
     * symlink `{table}/{partition}` renamed over), so a reader sees the old day or the new, never a mix.
     */
    partitionVersion: '_versions/{table}/{partition}/v={version}/',
    streamBatches: '_runs/{table}/batches/{name}.json',
    rejects: '_rejects/{table}/',
    runSummary: '_runs/{table}/run_id={run_id}.json',
    /** A running job's heartbeat lease: a crashed writer's debris is swept only when no other writer lives. */
    writerLease: '_writers/{table}/run_id={run_id}',
  },
  gold: {
    /** dbt writes each run's gold here; the gate audits it; publish serves it. */
    candidate: '_candidates/{run_id}/',
    published: '{mart}/',
    /** The served file of a mart in the local lake (on AWS the Glue table's location says where). */
    publishedFile: '{mart}/{mart}.parquet',
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

export const deadLetterKey = (d: SourceDataset, date: string, name: string) =>
  fill(LAKE_LAYOUT.bronze.deadLetter, { ...ds(d), date, name });
export const deadLettersPrefix = (d: SourceDataset) =>
  staticPrefix(partialFill(LAKE_LAYOUT.bronze.deadLetter, ds(d)));
export const checkpointKey = (d: SourceDataset, producer: string) =>
  fill(LAKE_LAYOUT.bronze.checkpoint, { ...ds(d), producer });
export const checkpointsPrefix = (d: SourceDataset) =>
  staticPrefix(partialFill(LAKE_LAYOUT.bronze.checkpoint, ds(d)));

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
export const goldPublishedFile = (mart: string) => fill(LAKE_LAYOUT.gold.publishedFile, { mart });
