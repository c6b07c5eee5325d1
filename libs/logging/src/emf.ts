/**
 * CloudWatch Embedded Metric Format: a log line that CloudWatch Logs turns into metrics, so a service
 * publishes its metrics through the logger it already has (no agent, no PutMetricData calls).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export type EmfUnit = 'Count' | 'Seconds' | 'None';

export interface EmfValue {
  name: string;
  value: number;
  unit: EmfUnit;
}

/** One EMF document: the values as top-level members, declared under `_aws` with their dimensions. */
export function emfRecord(
  namespace: string,
  values: readonly EmfValue[],
  dimensions: Readonly<Record<string, string>> = {},
  now = Date.now(),
): Record<string, unknown> {
  const record: Record<string, unknown> = {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: values.map((v) => ({ Name: v.name, Unit: v.unit })),
        },
      ],
    },
    ...dimensions,
  };
  for (const v of values) record[v.name] = v.value;
  return record;
}
