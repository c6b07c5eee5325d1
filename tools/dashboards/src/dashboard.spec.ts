import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';
import { METRICS } from '@finlake/platform';
import {
  CLOUDWATCH_PANELS,
  DASHBOARD_UID,
  DATASOURCES,
  platformDashboard,
  PROM_PANELS,
  renderDashboardJson,
} from './platform-dashboard.ts';

const here = dirname(fileURLToPath(import.meta.url));
const committed = join(here, '..', 'generated', `${DASHBOARD_UID}.json`);
const sdk = dirname(createRequire(import.meta.url).resolve('@grafana/grafana-foundation-sdk/dashboard'));

/** A JSON Schema of one of the SDK's exported types, generated from its own type declarations. */
function sdkSchema(module: string, type: string) {
  const schema = createGenerator({
    path: join(sdk, '..', module, 'types.gen.d.ts'),
    type,
    skipTypeCheck: true,
    expose: 'all',
  }).createSchema(type);
  // The dashboard types a panel's queries as the SDK's open `Dataquery` variant: each datasource's own
  // query type is what they are, and they are validated against it below.
  if (module === 'dashboard' && schema.definitions?.Dataquery)
    schema.definitions.Dataquery = { type: 'object' };
  return new Ajv({ strict: false, allErrors: true }).compile(schema);
}

type Json = Record<string, unknown>;
const doc = JSON.parse(readFileSync(committed, 'utf8')) as Json & { panels: Json[] };
const panels = doc.panels.filter((p) => p.type !== 'row') as (Json & {
  id: number;
  targets: Json[];
  datasource: { uid: string };
})[];

describe('the platform dashboard', () => {
  it('is committed as generated (run `npx nx run dashboards:generate` when this fails)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(renderDashboardJson());
  });

  it("is valid for the SDK's schema: the dashboard, each panel's options and each query", () => {
    const dashboard = sdkSchema('dashboard', 'Dashboard');
    expect(dashboard(doc), JSON.stringify(dashboard.errors)).toBe(true);
    const options = { stat: sdkSchema('stat', 'Options'), timeseries: sdkSchema('timeseries', 'Options') };
    const queries: Record<string, ReturnType<typeof sdkSchema>> = {
      [DATASOURCES.prometheus.uid]: sdkSchema('prometheus', 'Dataquery'),
      [DATASOURCES.cloudwatch.uid]: sdkSchema('cloudwatch', 'MetricsQuery'),
    };
    for (const p of panels) {
      const check = options[p.type as keyof typeof options];
      expect(check, `panel ${p.id} type ${String(p.type)}`).toBeDefined();
      expect(check!(p.options), `panel ${p.id}: ${JSON.stringify(check!.errors)}`).toBe(true);
      for (const t of p.targets) {
        const q = queries[(t.datasource as { uid: string }).uid]!;
        expect(q, `panel ${p.id}: a target without a known data source`).toBeDefined();
        expect(q(t), `panel ${p.id}: ${JSON.stringify(q.errors)}`).toBe(true);
      }
    }
    // The validator is not a rubber stamp: a wrong type is refused.
    expect(dashboard({ ...doc, panels: [{ ...panels[0], gridPos: 'top' }] })).toBe(false);
    expect(queries[DATASOURCES.prometheus.uid]!({ refId: 'A', expr: 1 })).toBe(false);
  });

  it('keeps a fixed uid and unique, declared panel ids', () => {
    expect(platformDashboard().uid).toBe(DASHBOARD_UID);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort((a, b) => a - b)).toEqual(
      [...PROM_PANELS, ...CLOUDWATCH_PANELS].map((p) => p.id).sort((a, b) => a - b),
    );
  });

  it('shows the platform metrics from Prometheus locally and from CloudWatch in AWS, on the same panels', () => {
    for (const p of PROM_PANELS) {
      const panel = panels.find((x) => x.id === p.id)!;
      expect(panel.datasource).toEqual(DATASOURCES.mixed);
      const kinds = panel.targets.map((t) => (t.datasource as { uid: string }).uid);
      expect(kinds.filter((k) => k === DATASOURCES.prometheus.uid)).toHaveLength(p.targets.length);
      expect(kinds.filter((k) => k === DATASOURCES.cloudwatch.uid).length, p.title).toBeGreaterThan(0);
      // The CloudWatch side reads the same names the EMF lines carry, in the platform's namespace.
      for (const e of p.cloudwatch)
        expect(e).toMatch(/SEARCH\('\{Finlake[,}].* MetricName="finlake_[a-z_]+"/);
    }
  });

  it("queries only the platform's metric names", () => {
    const known = new Set(
      Object.values(METRICS).flatMap((m) =>
        m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
      ),
    );
    const used = PROM_PANELS.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/finlake_[a-z_]+/g) ?? []));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((u) => !known.has(u))).toEqual([]);
    // Every metric the platform defines is on the dashboard.
    const base = new Set(used.map((u) => u.replace(/_(bucket|sum|count)$/, '')));
    expect(
      Object.values(METRICS)
        .filter((m) => !base.has(m.name))
        .map((m) => m.name),
    ).toEqual([]);
  });
});
