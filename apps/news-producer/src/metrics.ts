// The producer's metrics, from one sample of its state: Prometheus text at /metrics (local) and CloudWatch
// EMF lines in its log (AWS), under the platform's names.
import { Counter, Gauge, Registry } from 'prom-client';
import { emfRecord, type EmfValue } from '@finlake/logging';
import { EMF_METRICS, METRICS, METRICS_NAMESPACE, type MetricDef } from '@finlake/platform';

export interface ProducerSample {
  lagSeconds: number | undefined;
  queueDepth: number;
  /** Totals since start; the documents carry what changed since `last` (CloudWatch sums counts). */
  put: number;
  throttled: number;
}

/**
 * The producer's metrics as CloudWatch EMF documents for its log, one metric per document (infra's metric
 * filters match a document by its first metric, EMF_METRICS.newsProducer): the same names as /metrics.
 */
export function producerEmfDocuments(now: ProducerSample, last: Pick<ProducerSample, 'put' | 'throttled'>) {
  const values: Record<(typeof EMF_METRICS.newsProducer)[number], EmfValue | undefined> = {
    producerLag:
      now.lagSeconds === undefined
        ? undefined
        : { name: METRICS.producerLag.name, value: now.lagSeconds, unit: 'Seconds' },
    producerQueue: { name: METRICS.producerQueue.name, value: now.queueDepth, unit: 'Count' },
    producerRecords: { name: METRICS.producerRecords.name, value: now.put - last.put, unit: 'Count' },
    producerThrottled: {
      name: METRICS.producerThrottled.name,
      value: now.throttled - last.throttled,
      unit: 'Count',
    },
  };
  return Object.values(values)
    .filter((v): v is EmfValue => v !== undefined)
    .map((v) => emfRecord(METRICS_NAMESPACE, [v]));
}

const def = (m: MetricDef) => ({ name: m.name, help: m.help, labelNames: [...m.labels] });

/** A registry read from the producer's live state at scrape time. */
export function producerRegistry(sample: () => ProducerSample): Registry {
  const registry = new Registry();
  new Gauge({
    ...def(METRICS.producerLag),
    registers: [registry],
    collect() {
      const lag = sample().lagSeconds;
      if (lag !== undefined) this.set(lag);
    },
  });
  new Gauge({
    ...def(METRICS.producerQueue),
    registers: [registry],
    collect() {
      this.set(sample().queueDepth);
    },
  });
  for (const [metric, read] of [
    [METRICS.producerRecords, () => sample().put],
    [METRICS.producerThrottled, () => sample().throttled],
  ] as const)
    new Counter({
      ...def(metric),
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  return registry;
}
