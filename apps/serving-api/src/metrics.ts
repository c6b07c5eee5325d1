import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { METRICS, METRICS_NAMESPACE } from '@finlake/platform';
import { emfRecord } from '@finlake/logging';

/**
 * The API's request metrics under the platform's names (libs/platform METRICS): `prometheus` keeps them in
 * a prom-client registry served at GET /metrics (the local server and the dev stack's Prometheus);
 * `emf` writes one CloudWatch EMF line per request to stdout (Lambda: CloudWatch Logs makes them metrics).
 * The route label is the route's pattern, never the raw URL (bounded cardinality).
 */
export type MetricsMode = 'prometheus' | 'emf' | 'off';

export async function apiMetrics(
  app: FastifyInstance,
  mode: MetricsMode,
  write: (line: string) => void = (l) => process.stdout.write(l),
) {
  if (mode === 'off') return;
  const routeOf = (url: string | undefined) => url ?? 'unmatched';
  if (mode === 'emf') {
    app.addHook('onResponse', async (req, reply) => {
      const record = emfRecord(
        METRICS_NAMESPACE,
        [
          { name: METRICS.apiRequests.name, value: 1, unit: 'Count' },
          { name: METRICS.apiLatency.name, value: reply.elapsedTime / 1000, unit: 'Seconds' },
        ],
        { route: routeOf(req.routeOptions.url), status: String(reply.statusCode) },
      );
      write(`${JSON.stringify(record)}\n`);
    });
    return;
  }
  const registry = new Registry();
  const requests = new Counter({
    name: METRICS.apiRequests.name,
    help: METRICS.apiRequests.help,
    labelNames: [...METRICS.apiRequests.labels],
    registers: [registry],
  });
  const latency = new Histogram({
    name: METRICS.apiLatency.name,
    help: METRICS.apiLatency.help,
    labelNames: [...METRICS.apiLatency.labels],
    buckets: [...METRICS.apiLatency.buckets],
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = routeOf(req.routeOptions.url);
    if (route === '/metrics') return;
    requests.inc({ route, status: String(reply.statusCode) });
    latency.observe({ route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
