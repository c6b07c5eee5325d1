/**
 * The platform's own metrics: one set of names for every emitter (prom-client in the API and the producer,
 * the flows' exporter in Python, CloudWatch EMF lines in AWS) and every reader (the Grafana dashboard, the
 * alarms). Prometheus conventions: snake_case, base units, `_total` on counters.
 */
export interface MetricDef {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
  readonly labels: readonly string[];
  /** Histogram buckets (seconds). */
  readonly buckets?: readonly number[];
}

const m = <const D extends MetricDef>(def: D) => def;

export const METRICS = {
  flowRuns: m({
    name: 'finlake_flow_runs_total',
    type: 'counter',
    help: 'Prefect flow runs that reached a final state, by flow and state (COMPLETED, FAILED, CRASHED, CANCELLED).',
    labels: ['flow', 'state'],
  }),
  stageDuration: m({
    name: 'finlake_stage_duration_seconds',
    type: 'gauge',
    help: "Duration of a pipeline stage's latest finished task run, by flow and stage.",
    labels: ['flow', 'stage'],
  }),
  rows: m({
    name: 'finlake_rows_total',
    type: 'counter',
    help: 'Rows per dataset and outcome: landed (bronze), written (silver), rejected (silver rejects).',
    labels: ['dataset', 'outcome'],
  }),
  gate: m({
    name: 'finlake_quality_gate_open',
    type: 'gauge',
    help: "The latest quality gate's result per mart: 1 open (published), 0 closed.",
    labels: ['mart'],
  }),
  freshness: m({
    name: 'finlake_data_freshness_seconds',
    type: 'gauge',
    help: "Now minus the newest row's time, per dataset.",
    labels: ['dataset'],
  }),
  producerLag: m({
    name: 'finlake_producer_lag_seconds',
    type: 'gauge',
    help: 'Now minus the newest article the news producer has put on the stream.',
    labels: [],
  }),
  producerQueue: m({
    name: 'finlake_producer_queue_depth',
    type: 'gauge',
    help: "Records waiting in the producer's bounded queue.",
    labels: [],
  }),
  producerThrottled: m({
    name: 'finlake_producer_throttled_total',
    type: 'counter',
    help: 'Stream entries refused with ProvisionedThroughputExceededException (and resent).',
    labels: [],
  }),
  producerRecords: m({
    name: 'finlake_producer_records_total',
    type: 'counter',
    help: 'Records put on the stream.',
    labels: [],
  }),
  apiRequests: m({
    name: 'finlake_api_requests_total',
    type: 'counter',
    help: 'API requests by route and status code.',
    labels: ['route', 'status'],
  }),
  apiLatency: m({
    name: 'finlake_api_request_duration_seconds',
    type: 'histogram',
    help: 'API request duration by route.',
    labels: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
} as const satisfies Record<string, MetricDef>;

export type MetricId = keyof typeof METRICS;

/**
 * Which metrics each service writes as EMF lines in AWS, one metric per document: infra puts a metric filter
 * per entry on the service's log group (ECS's awslogs driver does not extract EMF itself).
 */
export const EMF_METRICS = {
  flows: ['flowRuns', 'stageDuration', 'rows', 'gate', 'freshness'],
  newsProducer: ['producerLag', 'producerQueue', 'producerRecords', 'producerThrottled'],
} as const satisfies Record<string, readonly MetricId[]>;

/** The CloudWatch namespace the EMF lines of every service publish the same names under. */
export const METRICS_NAMESPACE = 'Finlake';

/** Local scrape targets (the dev stack's Prometheus): the flows' exporter's default port. */
export const FLOWS_EXPORTER_PORT = 9464;

/**
 * What a CloudWatch Logs metric filter matches an EMF document of one metric by: its first declared
 * metric's name. Writers put one metric per document; infra's filters use this pattern.
 */
export const EMF_METRIC_NAME_SELECTOR = '$._aws.CloudWatchMetrics[0].Metrics[0].Name';
export const emfFilterPattern = (metric: string) => `{ ${EMF_METRIC_NAME_SELECTOR} = "${metric}" }`;

/** The value at a metric filter's `$.a.b[0].c` selector in a parsed log line (what the filter reads). */
export function emfSelect(doc: unknown, selector: string): unknown {
  return selector
    .replace(/^\$\./, '')
    .split(/\.|\[(\d+)\]/)
    .filter(Boolean)
    .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);
}
