// The platform's one Grafana dashboard, as code (grafana-foundation-sdk). Fixed uid and panel ids, so a
// provisioned dashboard keeps its links and a diff of the generated JSON shows exactly what changed.
import * as cloudwatch from '@grafana/grafana-foundation-sdk/cloudwatch';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { DashboardBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { METRICS, METRICS_NAMESPACE } from '@finlake/platform';

export const DASHBOARD_UID = 'finlake-platform';
/** Datasource uids the dev stack and the Managed Grafana workspace provision under these names. */
export const DATASOURCES = {
  prometheus: { type: 'prometheus', uid: 'finlake-prometheus' },
  cloudwatch: { type: 'cloudwatch', uid: 'finlake-cloudwatch' },
  /** Grafana's mixed data source: a panel's targets each name their own. */
  mixed: { type: 'datasource', uid: '-- Mixed --' },
} as const;

/** Athena's on-demand price: $5 per TB scanned. */
export const ATHENA_USD_PER_TB = 5;

const n = Object.fromEntries(Object.entries(METRICS).map(([k, v]) => [k, v.name])) as {
  [K in keyof typeof METRICS]: (typeof METRICS)[K]['name'];
};

/**
 * One panel of the platform's own metrics, in both places they live: PromQL for the local stack's Prometheus
 * (what the observability test runs), and the same series in CloudWatch (namespace Finlake, the EMF lines)
 * for AWS. Each target names its data source; in an environment the other one's targets are simply empty.
 */
export interface PromPanel {
  id: number;
  title: string;
  kind: 'stat' | 'timeseries';
  unit: string;
  targets: { expr: string; legend: string }[];
  /** CloudWatch metric-math expressions over the same names (SEARCH over the Finlake namespace). */
  cloudwatch: string[];
  description: string;
}

/** A CloudWatch SEARCH over one of the platform's metrics, with its dimensions. */
const cw = (metric: keyof typeof METRICS, stat: string, period: number, filter = '') => {
  const m = METRICS[metric];
  const schema = [METRICS_NAMESPACE, ...m.labels].join(',');
  return `SEARCH('{${schema}} MetricName="${m.name}"${filter ? ` ${filter}` : ''}', '${stat}', ${period})`;
};

export const PROM_PANELS: PromPanel[] = [
  {
    id: 1,
    title: 'Flow-run success rate',
    kind: 'stat',
    unit: 'percentunit',
    description: 'Completed flow runs over all final flow runs, per flow (from the Prefect API).',
    cloudwatch: [
      `SUM(${cw('flowRuns', 'Sum', 86400, 'state="COMPLETED"')}) / SUM(${cw('flowRuns', 'Sum', 86400)})`,
    ],
    targets: [
      {
        expr: `sum by (flow) (${n.flowRuns}{state="COMPLETED"}) / sum by (flow) (${n.flowRuns})`,
        legend: '{{flow}}',
      },
    ],
  },
  {
    id: 2,
    title: 'Flow runs by final state',
    kind: 'timeseries',
    unit: 'short',
    description: 'Final flow runs per flow and state.',
    cloudwatch: [cw('flowRuns', 'Sum', 3600)],
    targets: [{ expr: `sum by (flow, state) (${n.flowRuns})`, legend: '{{flow}} {{state}}' }],
  },
  {
    id: 3,
    title: 'Data freshness',
    kind: 'stat',
    unit: 's',
    description: "Now minus the newest row's event time, per dataset (silver tables and gold marts).",
    cloudwatch: [cw('freshness', 'Minimum', 3600)],
    targets: [{ expr: `max by (dataset) (${n.freshness})`, legend: '{{dataset}}' }],
  },
  {
    id: 4,
    title: 'Quality gate',
    kind: 'stat',
    unit: 'bool_yes_no',
    description: 'The latest gate per mart: 1 open (published), 0 closed.',
    cloudwatch: [cw('gate', 'Minimum', 3600)],
    targets: [{ expr: `min by (mart) (${n.gate})`, legend: '{{mart}}' }],
  },
  {
    id: 5,
    title: 'Rows landed, written and rejected',
    kind: 'timeseries',
    unit: 'short',
    description: 'Rows per dataset and outcome, summed over runs.',
    cloudwatch: [cw('rows', 'Sum', 3600)],
    targets: [{ expr: `sum by (dataset, outcome) (${n.rows})`, legend: '{{dataset}} {{outcome}}' }],
  },
  {
    id: 6,
    title: 'Stage duration (latest run)',
    kind: 'timeseries',
    unit: 's',
    description: "Each stage's duration in the latest run of its flow.",
    cloudwatch: [cw('stageDuration', 'Maximum', 3600)],
    targets: [{ expr: `max by (flow, stage) (${n.stageDuration})`, legend: '{{flow}} {{stage}}' }],
  },
  {
    id: 7,
    title: 'API requests and 5xx ratio',
    kind: 'timeseries',
    unit: 'reqps',
    description: 'Requests per second by route, and the share answered with a 5xx.',
    cloudwatch: [cw('apiRequests', 'Sum', 300)],
    targets: [
      { expr: `sum by (route) (rate(${n.apiRequests}[5m]))`, legend: '{{route}}' },
      {
        expr: `(sum(rate(${n.apiRequests}{status=~"5.."}[5m])) or vector(0)) / sum(rate(${n.apiRequests}[5m]))`,
        legend: '5xx ratio',
      },
    ],
  },
  {
    id: 8,
    title: 'API latency p50 / p95',
    kind: 'timeseries',
    unit: 's',
    description: 'Request duration quantiles by route.',
    cloudwatch: [cw('apiLatency', 'p50', 300), cw('apiLatency', 'p95', 300)],
    targets: [0.5, 0.95].map((q) => ({
      expr: `histogram_quantile(${q}, sum by (le, route) (rate(${n.apiLatency}_bucket[5m])))`,
      legend: `p${q * 100} {{route}}`,
    })),
  },
  {
    id: 9,
    title: 'News producer lag, queue and throttles',
    kind: 'timeseries',
    unit: 's',
    description:
      'Lag (now minus the newest article put), queue depth, records put and entries throttled per second.',
    cloudwatch: [
      cw('producerLag', 'Maximum', 300),
      cw('producerQueue', 'Maximum', 300),
      cw('producerRecords', 'Sum', 300),
      cw('producerThrottled', 'Sum', 300),
    ],
    targets: [
      { expr: `max(${n.producerLag})`, legend: 'lag' },
      { expr: `max(${n.producerQueue})`, legend: 'queue depth' },
      { expr: `sum(rate(${n.producerRecords}[5m]))`, legend: 'put/s' },
      { expr: `sum(rate(${n.producerThrottled}[5m]))`, legend: 'throttled/s' },
    ],
  },
];

/** One CloudWatch panel (AWS only: no CloudWatch here, so these are checked for shape, not run). */
export interface CloudWatchPanel {
  id: number;
  title: string;
  unit: string;
  description: string;
  queries: {
    namespace: string;
    metric: string;
    stat: string;
    dimensions: Record<string, string>;
    expression?: string;
  }[];
}

export const CLOUDWATCH_PANELS: CloudWatchPanel[] = [
  {
    id: 10,
    title: 'ECS CPU and memory utilization',
    unit: 'percent',
    description: 'AWS/ECS per service of the cluster (the producer, the Prefect server and worker, tasks).',
    queries: [
      {
        namespace: 'AWS/ECS',
        metric: 'CPUUtilization',
        stat: 'Average',
        dimensions: { ClusterName: '*', ServiceName: '*' },
      },
      {
        namespace: 'AWS/ECS',
        metric: 'MemoryUtilization',
        stat: 'Average',
        dimensions: { ClusterName: '*', ServiceName: '*' },
      },
    ],
  },
  {
    id: 11,
    title: 'Athena bytes scanned and cost',
    unit: 'decbytes',
    description: `AWS/Athena ProcessedBytes per workgroup, and its cost at $${ATHENA_USD_PER_TB}/TB.`,
    queries: [
      { namespace: 'AWS/Athena', metric: 'ProcessedBytes', stat: 'Sum', dimensions: { WorkGroup: '*' } },
      {
        namespace: 'AWS/Athena',
        metric: 'ProcessedBytes',
        stat: 'Sum',
        dimensions: { WorkGroup: '*' },
        expression: `SUM(SEARCH('{AWS/Athena,WorkGroup} MetricName="ProcessedBytes"', 'Sum', 3600)) * ${ATHENA_USD_PER_TB} / 1e12`,
      },
    ],
  },
];

const REF_IDS = 'ABCDEFGHIJ';

function promPanel(p: PromPanel): cog.Builder<unknown> {
  const panel = p.kind === 'stat' ? new stat.PanelBuilder() : new timeseries.PanelBuilder();
  panel
    .id(p.id)
    .title(p.title)
    .description(p.description)
    .unit(p.unit)
    .datasource(DATASOURCES.mixed)
    .height(8)
    .span(p.kind === 'stat' ? 8 : 12);
  p.targets.forEach((t, i) =>
    panel.withTarget(
      new prometheus.DataqueryBuilder()
        .datasource(DATASOURCES.prometheus)
        .expr(t.expr)
        .legendFormat(t.legend)
        .refId(REF_IDS[i]!),
    ),
  );
  p.cloudwatch.forEach((expression, i) =>
    panel.withTarget(
      new cloudwatch.MetricsQueryBuilder()
        .datasource(DATASOURCES.cloudwatch)
        .refId(REF_IDS[p.targets.length + i]!)
        .region('default')
        .metricQueryType(cloudwatch.MetricQueryType.Search)
        .metricEditorMode(cloudwatch.MetricEditorMode.Code)
        .expression(expression)
        .id(`cw${i}`),
    ),
  );
  return panel;
}

function cloudWatchPanel(p: CloudWatchPanel): cog.Builder<unknown> {
  const panel = new timeseries.PanelBuilder()
    .id(p.id)
    .title(p.title)
    .description(p.description)
    .unit(p.unit)
    .datasource(DATASOURCES.cloudwatch)
    .height(8)
    .span(12);
  p.queries.forEach((q, i) => {
    const query = new cloudwatch.MetricsQueryBuilder()
      .datasource(DATASOURCES.cloudwatch)
      .refId(REF_IDS[i]!)
      .region('default')
      .namespace(q.namespace)
      .metricName(q.metric)
      .statistic(q.stat)
      .dimensions(q.dimensions)
      .matchExact(false)
      .period('300');
    if (q.expression)
      query.expression(q.expression).metricQueryType(cloudwatch.MetricQueryType.Search).label('cost (USD)');
    panel.withTarget(query);
  });
  return panel;
}

/** The dashboard: pipeline health first, then serving, then the stream, then AWS capacity and cost. */
export function platformDashboard(): Dashboard {
  const panel = (id: number) => PROM_PANELS.find((p) => p.id === id)!;
  const builder = new DashboardBuilder('Finlake platform')
    .uid(DASHBOARD_UID)
    .description('Pipelines, data freshness, the API, the news stream, and AWS capacity and cost.')
    .tags(['finlake'])
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .timezone('utc')
    .readonly()
    .withRow(new RowBuilder('Pipelines and data').id(100))
    .withPanel(promPanel(panel(1)) as cog.Builder<never>)
    .withPanel(promPanel(panel(3)) as cog.Builder<never>)
    .withPanel(promPanel(panel(4)) as cog.Builder<never>)
    .withPanel(promPanel(panel(2)) as cog.Builder<never>)
    .withPanel(promPanel(panel(5)) as cog.Builder<never>)
    .withPanel(promPanel(panel(6)) as cog.Builder<never>)
    .withRow(new RowBuilder('Serving API').id(101))
    .withPanel(promPanel(panel(7)) as cog.Builder<never>)
    .withPanel(promPanel(panel(8)) as cog.Builder<never>)
    .withRow(new RowBuilder('News stream').id(102))
    .withPanel(promPanel(panel(9)) as cog.Builder<never>)
    .withRow(new RowBuilder('AWS capacity and cost').id(103));
  for (const p of CLOUDWATCH_PANELS) builder.withPanel(cloudWatchPanel(p) as cog.Builder<never>);
  return builder.build();
}

export function renderDashboardJson(): string {
  return `${JSON.stringify(platformDashboard(), null, 2)}\n`;
}
