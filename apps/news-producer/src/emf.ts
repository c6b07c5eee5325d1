import { emfRecord, type EmfValue } from '@finlake/logging';
import { EMF_METRICS, METRICS, METRICS_NAMESPACE } from '@finlake/platform';

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
