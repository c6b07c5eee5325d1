import { createServer, type Server } from 'node:http';
import type { KinesisSink } from './kinesis-sink.ts';
import { producerRegistry, type ProducerSample } from './metrics.ts';

/** What a poller shows of itself: its status fields and a metrics sample. */
export interface Observed {
  readonly status: { readonly lastPollAt?: string };
  sample(): ProducerSample;
  lagSeconds(): number | undefined;
}

/**
 * `/healthz` (lag, queue depth, the poller's status and the sink's counts; 503 when no poll finished within
 * three intervals) and `/metrics` (Prometheus text), for any poller of the producer.
 */
export function serveHealth(
  poller: Observed,
  sink: KinesisSink,
  pollIntervalMs: number,
  port: number,
  host = '0.0.0.0',
  now: () => Date = () => new Date(),
): Promise<Server> {
  const metrics = producerRegistry(() => poller.sample());
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      void metrics
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text));
      return;
    }
    if (req.url !== '/healthz') return void res.writeHead(404).end();
    const last = poller.status.lastPollAt ? Date.parse(poller.status.lastPollAt) : undefined;
    const stale = last !== undefined && now().getTime() - last > 3 * pollIntervalMs + 60_000;
    const body = {
      status: stale ? 'stale' : 'ok',
      lag_seconds: poller.lagSeconds(),
      queue_depth: sink.queue.depth,
      queue_capacity: sink.queue.capacity,
      ...poller.status,
      sink: sink.stats,
    };
    res.writeHead(stale ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
