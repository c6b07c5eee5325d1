import { GENERATED_SOURCES } from './sources/index.ts';
import { fill } from './templates.ts';

/**
 * The deployable services: image, container, the command its image runs (a RunTask override must
 * repeat it in full: ECS replaces the image's CMD with the override), and the environment it reads,
 * split into what infra sets and what each run sets.
 */
export interface Service {
  readonly image: string;
  readonly container: string;
  /** The image's CMD (Dockerfile) and the prefix of every command override. */
  readonly command: readonly string[];
  /** Set by infra on the task definition, function or pool: exactly these, each one. */
  readonly infraEnv: readonly string[];
  /** Set per run (RunTask overrides, the flow's environment). */
  readonly runEnv: readonly string[];
}

export const SERVICES = {
  fmpIngester: {
    image: 'fmp-ingester',
    container: 'fmp-ingester',
    command: ['node', '/app/main.js'],
    infraEnv: ['FINLAKE_ENV', 'FINLAKE_BRONZE_URI', 'FMP_API_KEY_SECRET_ID', 'FMP_RATE_LIMIT_PER_MIN'],
    runEnv: ['PREFECT__FLOW_RUN_ID'],
  },
  /** The news stream's producer: a long-running service polling FMP news onto Kinesis. */
  newsProducer: {
    image: 'news-producer',
    container: 'news-producer',
    // A small heap: V8 otherwise lets garbage grow far past the service's 512 MB-task budget before collecting.
    command: ['node', '--max-old-space-size=96', '/app/main.js'],
    infraEnv: [
      'FINLAKE_ENV',
      'FINLAKE_BRONZE_URI',
      'FMP_API_KEY_SECRET_ID',
      'FMP_RATE_LIMIT_PER_MIN',
      'KINESIS_STREAM_NAME',
      'STREAM_DATASET',
      'PRODUCER_NAME',
      // The tickers: NEWS_SYMBOLS for news, STREAM_SYMBOLS for a generated streamed source.
      'NEWS_SYMBOLS',
      'STREAM_SYMBOLS',
      'STOP_TIMEOUT_MS',
      'HEALTH_PORT',
      'METRICS_EMF_INTERVAL_MS',
    ],
    runEnv: [],
  },
  dbt: {
    image: 'dbt',
    container: 'dbt',
    command: ['python', '-m', 'finlake_flows.dbt_task'],
    infraEnv: [
      'FINLAKE_ENV',
      'DBT_TARGET',
      'AWS_REGION',
      'FINLAKE_ATHENA_WORKGROUP',
      'FINLAKE_SILVER_DATABASE',
      'FINLAKE_GOLD_CANDIDATES_DATABASE',
      'FINLAKE_GOLD_URI',
      'FINLAKE_ATHENA_RESULTS_URI',
      'FINLAKE_ARTIFACTS_URI',
    ],
    runEnv: ['PREFECT__FLOW_RUN_ID'],
  },
  /** The Prefect ECS worker (a long-running service) and the flow-run tasks it starts, one image. */
  prefectWorker: {
    image: 'flows',
    container: 'prefect-worker',
    command: ['prefect', 'worker', 'start', '--type', 'ecs', '--with-healthcheck'],
    infraEnv: ['FINLAKE_ENV', 'PREFECT_API_URL'],
    runEnv: [],
  },
  flowRun: {
    image: 'flows',
    container: 'prefect',
    command: ['prefect', 'flow-run', 'execute'],
    infraEnv: [
      'FINLAKE_ENV',
      'FINLAKE_RUNNER',
      'AWS_REGION',
      'FINLAKE_BRONZE_URI',
      'FINLAKE_SILVER_URI',
      'FINLAKE_GOLD_URI',
      'FINLAKE_ARTIFACTS_URI',
      'FINLAKE_GOLD_DATABASE',
      'FINLAKE_GOLD_CANDIDATES_DATABASE',
      'FINLAKE_ECS_CLUSTER',
      'FINLAKE_ECS_SUBNETS',
      'FINLAKE_ECS_SECURITY_GROUPS',
      'FINLAKE_INGESTER_TASK_DEFINITION',
      'FINLAKE_DBT_TASK_DEFINITION',
      'FINLAKE_GLUE_JOB_NAME',
      'FINLAKE_SLACK_BLOCK',
    ],
    runEnv: [],
  },
  blocksSync: {
    image: 'blocks-sync',
    container: 'blocks-sync',
    command: ['node', '/app/main.js'],
    infraEnv: [],
    runEnv: ['PREFECT_API_URL', 'PREFECT_API_AUTH_STRING'],
  },
  bronzeTrigger: {
    image: '',
    container: '',
    command: [],
    infraEnv: ['PREFECT_API_URL', 'PREFECT_API_AUTH_STRING_SECRET_ID', 'FINLAKE_TRIGGER_DEPLOYMENT'],
    runEnv: [],
  },
  apiAuthorizer: {
    image: '',
    container: '',
    command: [],
    infraEnv: ['JWT_ISSUER', 'JWT_AUDIENCE', 'JWKS_URL'],
    runEnv: [],
  },
  servingApi: {
    image: '',
    container: '',
    command: [],
    infraEnv: ['ATHENA_WORKGROUP', 'GOLD_TABLE', 'LOG_LEVEL'],
    runEnv: [],
  },
} as const satisfies Record<string, Service>;
export type ServiceId = keyof typeof SERVICES;
export type InfraEnvOf<S extends ServiceId> = (typeof SERVICES)[S]['infraEnv'][number];

/** The ECR repositories: the bases, and every service that ships as an image. */
export const IMAGES = [
  'base',
  'python-base',
  ...new Set(Object.values(SERVICES).flatMap((s) => (s.image ? [s.image] : []))),
];

/** A RunTask command override: the service's own command, then the run's arguments. */
export function commandOverride(service: Service, args: readonly string[]): string[] {
  return [...service.command, ...args];
}

/**
 * Batch tasks (connector, dbt, flow runs) prefer Fargate Spot, with on-demand Fargate as fallback;
 * long-running services keep an on-demand base. RunTask must pass a strategy (a `launchType` bypasses it).
 */
export const BATCH_CAPACITY_STRATEGY = [
  { capacityProvider: 'FARGATE_SPOT', weight: 4, base: 0 },
  { capacityProvider: 'FARGATE', weight: 1, base: 0 },
] as const;
export const SERVICE_CAPACITY_STRATEGY = [{ capacityProvider: 'FARGATE', weight: 1, base: 1 }] as const;

/** Resource names that a second party looks up by name. */
export const NAMES = {
  glueDatabase: 'finlake_{env}_{zone}',
  goldCandidatesDatabase: 'finlake_{env}_gold_candidates',
  athenaWorkGroup: 'finlake-{env}',
  glueJob: 'finlake-{env}-bronze-to-silver',
  taskFamily: 'finlake-{env}-{service}',
  logGroup: '/finlake/{env}/{service}',
  /** Named (not generated) so the worker can be allowed to pass it before it exists. */
  flowRunRole: 'finlake-{env}-flow-runs',
} as const;
export const glueDatabase = (env: string, zone: string) => fill(NAMES.glueDatabase, { env, zone });
export const goldCandidatesDatabase = (env: string) => fill(NAMES.goldCandidatesDatabase, { env });

/** Keys in the artefacts bucket that a writer and a reader share. */
export const ARTIFACTS = {
  glueScript: 'glue/bronze_to_silver/glue_entry.py',
  gluePackage: 'glue/bronze_to_silver/finlake_glue.zip',
  dbtRunResults: 'dbt/runs/{run_id}/run_results.json',
  /** What the dbt task built: a batch from `gold_from` or everything, and the models' fingerprint. */
  dbtBatch: 'dbt/runs/{run_id}/batch.json',
  dbtProdManifest: 'dbt/prod/manifest.json',
  prefectResults: 'prefect-results',
} as const;

/**
 * The gold marts served by the API; each is a served Glue table whose location publish switches. The first
 * is built incrementally (a night's batch of months); the others are rebuilt whole every run: the news mart,
 * then each generated source's own mart (its `servedMart`).
 */
export const GOLD_MARTS: readonly ['daily_portfolio_summary', ...string[]] = [
  'daily_portfolio_summary',
  'daily_symbol_news_price',
  ...GENERATED_SOURCES.flatMap((s) => (s.servedMart ? [s.servedMart] : [])),
];
