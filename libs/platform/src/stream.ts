import { FMP_NEWS, STREAM_DATASETS, type SourceDataset } from './lake.ts';
import { fill } from './templates.ts';

/**
 * A streamed source's path: producer -> Kinesis stream -> Firehose -> bronze. One object feeds the Pulumi
 * component (infra/components/news-stream.ts) and the local delivery (tools/stream-local), so the prefix
 * Firehose evaluates in AWS is the one evaluated here; `renderFirehosePrefix` refuses any expression the
 * local delivery cannot evaluate, and infra renders its prefixes through it.
 */
export interface StreamDelivery {
  readonly dataset: SourceDataset;
  /** The Kinesis stream and the Firehose delivery stream: `{env}` is the stack. */
  readonly streamName: string;
  readonly deliveryStreamName: string;
  /** The record field the producer uses as the partition key. */
  readonly partitionKey: 'symbol';
  /** Firehose's S3 prefix (under the bronze bucket), with `!{timestamp:...}` expressions (UTC arrival time). */
  readonly prefix: string;
  /** Where Firehose writes what it could not deliver (`!{firehose:error-output-type}` names why). */
  readonly errorOutputPrefix: string;
  readonly compression: 'GZIP';
  /** Firehose's buffering hints per stack: flush at whichever comes first. `local` is the laptop's. */
  readonly buffering: Readonly<
    Record<'local' | 'dev' | 'staging' | 'prod', { sizeMiB: number; intervalSeconds: number }>
  >;
  /** Records are newline-delimited JSON (Firehose concatenates records without a separator). */
  readonly recordDelimiter: '\n';
}

const datasetRoot = (d: SourceDataset) => `source=${d.source}/dataset=${d.dataset}/`;

/**
 * A streamed dataset's delivery: its own Kinesis stream `finlake-{env}-<dataset>` and Firehose delivery into its
 * bronze root, by arrival hour, GZIP, with the buffering per stack. News is the first; a source generated with
 * `--kind stream` gets the same shape from its declaration alone.
 */
export function streamDelivery(dataset: SourceDataset): StreamDelivery {
  const name = dataset.dataset.replace(/_/g, '-');
  return {
    dataset,
    streamName: `finlake-{env}-${name}`,
    deliveryStreamName: `finlake-{env}-${name}-to-bronze`,
    partitionKey: 'symbol',
    prefix: `${datasetRoot(dataset)}year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/`,
    errorOutputPrefix: `_errors/${datasetRoot(dataset)}!{firehose:error-output-type}/date=!{timestamp:yyyy-MM-dd}/`,
    compression: 'GZIP',
    buffering: {
      local: { sizeMiB: 1, intervalSeconds: 5 },
      dev: { sizeMiB: 1, intervalSeconds: 60 },
      staging: { sizeMiB: 5, intervalSeconds: 300 },
      prod: { sizeMiB: 64, intervalSeconds: 300 },
    },
    recordDelimiter: '\n',
  };
}

export const NEWS_DELIVERY: StreamDelivery = streamDelivery(FMP_NEWS);

/** Every streamed dataset's delivery, news first. */
export const STREAM_DELIVERIES: readonly StreamDelivery[] = STREAM_DATASETS.map((d) =>
  d === FMP_NEWS ? NEWS_DELIVERY : streamDelivery(d),
);

/**
 * The producer of a stream as its checkpoint, logs, task family and ECS service know it: `news-producer`
 * for news (the image's name), `<dataset>-producer` for a generated source (the same image).
 */
export const producerName = (s: StreamDelivery) => `${s.dataset.dataset.replace(/_/g, '-')}-producer`;

/** The delivery of a streamed silver table, or an error naming the streamed ones. */
export function streamDeliveryOf(silverTable: string): StreamDelivery {
  const d = STREAM_DELIVERIES.find((x) => x.dataset.silverTable === silverTable);
  if (!d)
    throw new Error(
      `${JSON.stringify(silverTable)} is not a streamed dataset; streamed: ${STREAM_DELIVERIES.map((x) => x.dataset.silverTable).join(', ')}`,
    );
  return d;
}

export const streamName = (s: StreamDelivery, env: string) => fill(s.streamName, { env });
export const deliveryStreamName = (s: StreamDelivery, env: string) => fill(s.deliveryStreamName, { env });

/** The key prefix a delivery's objects land under (what the Firehose role may put, and the bronze reader lists). */
export const streamLandingPrefix = (s: StreamDelivery) => datasetRoot(s.dataset);
export const streamErrorPrefix = (s: StreamDelivery) =>
  s.errorOutputPrefix.slice(0, s.errorOutputPrefix.indexOf('!{'));

// The Java DateTimeFormatter letters Firehose's `!{timestamp:...}` takes that the local delivery evaluates.
const TIMESTAMP_TOKENS: Record<string, (d: Date) => string> = {
  yyyy: (d) => String(d.getUTCFullYear()),
  MM: (d) => String(d.getUTCMonth() + 1).padStart(2, '0'),
  dd: (d) => String(d.getUTCDate()).padStart(2, '0'),
  HH: (d) => String(d.getUTCHours()).padStart(2, '0'),
  mm: (d) => String(d.getUTCMinutes()).padStart(2, '0'),
};
const EXPRESSION = /!\{([a-zA-Z]+):([^}]*)\}/g;

function timestamp(pattern: string, at: Date): string {
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const token = Object.keys(TIMESTAMP_TOKENS).find((t) => pattern.startsWith(t, i));
    if (token) {
      out += TIMESTAMP_TOKENS[token]!(at);
      i += token.length;
    } else if ('-_/'.includes(pattern[i]!)) out += pattern[i++];
    else
      throw new Error(
        `!{timestamp:${pattern}}: ${JSON.stringify(pattern[i])} is not a pattern letter the local delivery evaluates (use ${Object.keys(TIMESTAMP_TOKENS).join(' ')} and - _ /)`,
      );
  }
  return out;
}

/**
 * Evaluates a Firehose prefix as Firehose does, at a record's arrival time (UTC). Supported: `timestamp`
 * with yyyy MM dd HH mm, and `firehose:error-output-type`; anything else (e.g. `partitionKeyFromQuery`,
 * which needs dynamic partitioning) is an error naming the expression, so infra cannot configure a prefix
 * the local delivery would land differently.
 */
export function renderFirehosePrefix(prefix: string, at: Date, errorOutputType?: string): string {
  const out = prefix.replace(EXPRESSION, (whole, ns: string, arg: string) => {
    if (ns === 'timestamp') return timestamp(arg, at);
    if (ns === 'firehose' && arg === 'error-output-type') {
      if (!errorOutputType) throw new Error(`${whole} is only valid in an error output prefix`);
      return errorOutputType;
    }
    throw new Error(
      `${whole}: the local delivery evaluates only !{timestamp:...} and !{firehose:error-output-type}`,
    );
  });
  if (out.includes('!{')) throw new Error(`malformed Firehose expression in ${JSON.stringify(prefix)}`);
  if (!out.endsWith('/')) throw new Error(`Firehose prefix ${JSON.stringify(prefix)} must end with "/"`);
  return out;
}

/**
 * Firehose's object name: `<delivery stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid>`, `.gz` for GZIP; the time is
 * the buffer's first arrival (UTC).
 */
export function firehoseObjectName(deliveryStream: string, version: number, at: Date, uuid: string): string {
  const t = at.toISOString();
  const stamp = `${t.slice(0, 4)}-${t.slice(5, 7)}-${t.slice(8, 10)}-${t.slice(11, 13)}-${t.slice(14, 16)}-${t.slice(17, 19)}`;
  return `${deliveryStream}-${version}-${stamp}-${uuid}.gz`;
}
