import { GENERATED_SOURCES } from './sources/index.ts';
import { fill } from './templates.ts';

/** Work pools: the local one, and one ECS pool per environment that its worker polls. */
export const WORK_POOLS = { local: 'finlake-local', ecs: 'finlake-{env}-ecs' } as const;
export const ecsWorkPool = (env: string) => fill(WORK_POOLS.ecs, { env });

export const FLOWS = {
  master: 'master-fmp-pipeline',
  ingestion: 'fmp-api-ingestion',
  bronzeToSilver: 'bronze-to-silver-fmp',
  dbt: 'dbt-build-gold',
  backfill: 'fmp-backfill',
  newsToSilver: 'news-stream-to-silver',
  newsCompaction: 'news-compaction',
  sourceToSilver: 'source-to-silver',
} as const;

export interface Deployment {
  readonly flow: string;
  readonly name: string;
  /** Module entrypoint: resolves in the flows image (installed package) and in a checkout alike. */
  readonly entrypoint: string;
  readonly pool: keyof typeof WORK_POOLS;
  readonly description: string;
  readonly schedule?: { cron: string; timezone: string; active: boolean };
  readonly concurrencyLimit?: number;
  readonly parameters?: Record<string, unknown>;
}

// 18:30 New York time, Monday to Friday: after the 16:00 close and FMP's end-of-day update.
const NIGHTLY = { cron: '30 18 * * 1-5', timezone: 'America/New_York' };
/** Past the hour, after Firehose's largest buffering interval (300 s) has flushed the hour before. */
const HOURLY = { cron: '10 * * * *', timezone: 'UTC' };

const PLATFORM_DEPLOYMENTS = {
  nightly: {
    flow: FLOWS.master,
    name: 'nightly',
    entrypoint: 'finlake_flows.flows:master_fmp_pipeline',
    pool: 'ecs',
    description: 'Ingest -> clean -> dbt -> quality gate -> publish for the last completed trading day.',
    schedule: { ...NIGHTLY, active: true },
    concurrencyLimit: 1,
  },
  nightlyLocal: {
    flow: FLOWS.master,
    name: 'nightly-local',
    entrypoint: 'finlake_flows.flows:master_fmp_pipeline',
    pool: 'local',
    description: 'The nightly pipeline on a local worker (schedule off).',
    schedule: { ...NIGHTLY, active: false },
  },
  ingestOnDemand: {
    flow: FLOWS.ingestion,
    name: 'on-demand',
    entrypoint: 'finlake_flows.flows:fmp_api_ingestion',
    pool: 'ecs',
    description: 'Lands a batch in bronze; the bronze trigger then cleans it (event handoff).',
  },
  bronzeToSilverOnEvent: {
    flow: FLOWS.bronzeToSilver,
    name: 'bronze-to-silver-on-event',
    entrypoint: 'finlake_flows.flows:bronze_to_silver_fmp',
    pool: 'ecs',
    description:
      'Started once per landed batch (its run manifest) by S3 -> EventBridge -> the bronze trigger.',
    concurrencyLimit: 2,
  },
  backfill: {
    flow: FLOWS.backfill,
    name: 'backfill',
    entrypoint: 'finlake_flows.flows:fmp_backfill',
    pool: 'ecs',
    description: 'Ingest and clean a long range in windows, then one dbt build, the gate and publish.',
    concurrencyLimit: 1,
    parameters: { max_concurrency: 2 },
  },
  // The stream's silver: Firehose delivers every 60-900 s (per stack), so a micro-batch every 10 minutes
  // keeps silver within minutes of the feed; one at a time (the job also holds the table's writer lock).
  newsToSilver: {
    flow: FLOWS.newsToSilver,
    name: 'news-micro-batch',
    entrypoint: 'finlake_flows.flows:news_stream_to_silver',
    pool: 'ecs',
    description: 'Streamed news landed by Firehose since the last batch -> silver fmp_news (deduplicated).',
    schedule: { cron: '*/10 * * * *', timezone: 'UTC', active: true },
    concurrencyLimit: 1,
  },
  // Daily at 17:45 New York: after the session's news is in, before the 18:30 nightly reads silver.
  newsCompaction: {
    flow: FLOWS.newsCompaction,
    name: 'news-compaction-daily',
    entrypoint: 'finlake_flows.flows:news_compaction',
    pool: 'ecs',
    description: "Rewrites each streamed day's small files into one; readers switch to it atomically.",
    schedule: { cron: '45 17 * * *', timezone: 'America/New_York', active: true },
    concurrencyLimit: 1,
  },
} as const satisfies Record<string, Deployment>;

/**
 * Every source `nx g @finlake/workspace:source` adds is registered by its declaration alone, as a
 * `source-to-silver` deployment: a batch one nightly (its ingest, then its silver table), a streamed one hourly
 * (its producer lands it around the clock; the run rebuilds silver from what Firehose delivered).
 */
export const SOURCE_DEPLOYMENTS: Readonly<Record<string, Deployment>> = Object.fromEntries(
  GENERATED_SOURCES.map((d) => {
    const streamed = d.kind === 'stream';
    return [
      `${d.silverTable}${streamed ? 'Hourly' : 'Nightly'}`,
      {
        flow: FLOWS.sourceToSilver,
        name: `${d.silverTable.replace(/_/g, '-')}-${streamed ? 'hourly' : 'nightly'}`,
        entrypoint: 'finlake_flows.flows:source_to_silver',
        pool: 'ecs',
        description: streamed
          ? `${d.silverTable}: rebuild its silver table from what its stream delivered to bronze.`
          : `${d.silverTable}: ingest the last completed trading day, then rebuild its silver table.`,
        schedule: streamed ? { ...HOURLY, active: true } : { ...NIGHTLY, active: true },
        concurrencyLimit: 1,
        parameters: { dataset: d.silverTable },
      } satisfies Deployment,
    ];
  }),
);

export const DEPLOYMENTS = { ...PLATFORM_DEPLOYMENTS, ...SOURCE_DEPLOYMENTS } as typeof PLATFORM_DEPLOYMENTS &
  Readonly<Record<string, Deployment>>;

/** `flow-name/deployment-name`, as Prefect's API reads a deployment by name. */
export const deploymentPath = (d: Deployment) => `${d.flow}/${d.name}`;

export const BLOCKS = {
  slackAlerts: { type: 'custom-webhook', name: 'slack-alerts' },
  results: { name: 'finlake-results' },
  awsCredentials: { type: 'aws-credentials', name: 'finlake-aws' },
} as const;
