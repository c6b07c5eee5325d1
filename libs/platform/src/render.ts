import { GENERATED_SOURCES } from './sources/index.ts';
import {
  LAKE_LAYOUT,
  SOURCE_DATASETS,
  HANDOFFS,
  eventManifestsPrefix,
  manifestsPrefix,
  bronzeDatasetPrefix,
} from './lake.ts';
import { BLOCKS, DEPLOYMENTS, FLOWS, WORK_POOLS, deploymentPath, type Deployment } from './prefect.ts';
import { nyseHolidays } from '@finlake/market-calendar';
import { STREAM_DELIVERIES, streamLandingPrefix } from './stream.ts';
import { SECRETS, SECRET_NAME_TEMPLATE } from './secrets.ts';
import { GOVERNANCE } from './governance.ts';
import { FLOWS_EXPORTER_PORT, METRICS, METRICS_NAMESPACE } from './metrics.ts';
import { ARTIFACTS, BATCH_CAPACITY_STRATEGY, GOLD_MARTS, NAMES, SERVICES } from './services.ts';

/** The years whose NYSE holidays platform.json lists (Python refuses a date outside them). */
export const MARKET_CALENDAR_YEARS = [1990, 2040] as const;

export const GENERATED_HEADER =
  'Generated from libs/platform by `npx nx run platform:generate`. Do not edit.';

/** The contract as data, for Python (the flows, the Glue job) and shell: `libs/platform/generated/platform.json`. */
export function renderPlatformJson(): string {
  const doc = {
    $comment: GENERATED_HEADER,
    lake: LAKE_LAYOUT,
    handoffs: HANDOFFS,
    source_datasets: SOURCE_DATASETS.map((d) => ({
      ...d,
      // Added by `nx g @finlake/workspace:source`: the Glue job's contract path builds it, source-to-silver runs it.
      generated: GENERATED_SOURCES.includes(d),
      bronze_prefix: bronzeDatasetPrefix(d),
      manifests_prefix: manifestsPrefix(d),
      event_manifests_prefix: eventManifestsPrefix(d),
    })),
    stream_deliveries: STREAM_DELIVERIES.map((s) => ({
      ...s,
      dataset: s.dataset.silverTable,
      landing_prefix: streamLandingPrefix(s),
    })),
    // The NYSE calendar for Python (news' trading session): the same rules as libs/market-calendar.
    market_calendar: {
      timezone: 'America/New_York',
      close: '16:00',
      holidays: Array.from({ length: MARKET_CALENDAR_YEARS[1] - MARKET_CALENDAR_YEARS[0] + 1 }, (_, i) => [
        ...nyseHolidays(MARKET_CALENDAR_YEARS[0] + i),
      ])
        .flat()
        .sort(),
      years: MARKET_CALENDAR_YEARS,
    },
    secrets: { template: SECRET_NAME_TEMPLATE, ...SECRETS },
    prefect: {
      work_pools: WORK_POOLS,
      flows: FLOWS,
      deployments: Object.fromEntries(
        Object.entries(DEPLOYMENTS).map(([k, d]) => [k, { ...d, path: deploymentPath(d) }]),
      ),
      blocks: BLOCKS,
    },
    services: SERVICES,
    batch_capacity_strategy: BATCH_CAPACITY_STRATEGY,
    names: NAMES,
    artifacts: ARTIFACTS,
    gold_marts: GOLD_MARTS,
    governance: GOVERNANCE,
    metrics: { namespace: METRICS_NAMESPACE, flows_exporter_port: FLOWS_EXPORTER_PORT, ...METRICS },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const q = (s: string) => JSON.stringify(s); // JSON strings are YAML flow scalars

/**
 * `apps/flows/prefect.yaml` from the deployments above. The ECS pool is per environment
 * (`prefect deploy` runs with FINLAKE_ENV set); its job template (cluster, roles, network, the
 * flow runs' environment) is the pool's, set from the stack's outputs (tools/scripts/prefect-deploy.sh).
 */
export function renderPrefectYaml(): string {
  const pool = (p: keyof typeof WORK_POOLS) =>
    p === 'ecs' ? WORK_POOLS.ecs.replace('{env}', '{{ $FINLAKE_ENV }}') : WORK_POOLS.local;
  const lines = [
    `# ${GENERATED_HEADER}`,
    '# Secrets are never here: blocks hold them (apps/blocks-sync) and are referenced by name.',
    'name: finlake',
    'prefect-version: 3.9.1',
    '',
    "# Flow code is installed in the flows image (and in a checkout's .venv): module entrypoints, no pull.",
    'pull:',
    '  - prefect.deployments.steps.set_working_directory:',
    '      directory: /app',
    '',
    'deployments:',
  ];
  for (const d of Object.values(DEPLOYMENTS) as Deployment[]) {
    lines.push(
      `  - name: ${q(d.name)}`,
      `    entrypoint: ${q(d.entrypoint)}`,
      `    description: ${q(d.description)}`,
    );
    if (d.schedule)
      lines.push(
        '    schedules:',
        `      - cron: ${q(d.schedule.cron)}`,
        `        timezone: ${q(d.schedule.timezone)}`,
        `        active: ${d.schedule.active}`,
      );
    if (d.concurrencyLimit) lines.push(`    concurrency_limit: ${d.concurrencyLimit}`);
    if (d.parameters) lines.push(`    parameters: ${JSON.stringify(d.parameters)}`);
    lines.push('    work_pool:', `      name: ${q(pool(d.pool))}`, '      work_queue_name: default');
  }
  return `${lines.join('\n')}\n`;
}
