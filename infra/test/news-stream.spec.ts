// The news stream's seams: the roles against the keys the real writers produce (the local delivery's
// prefix evaluation and object names, the producer's checkpoint and dead-letter keys), and the one delivery
// config the component and the local delivery share.
import {
  checkpointKey,
  deadLetterKey,
  deliveryStreamName,
  FMP_EOD_PRICES,
  bronzeObjectKey,
  firehoseObjectName,
  NEWS_DELIVERY,
  renderFirehosePrefix,
  STREAM_DELIVERIES,
  streamLandingPrefix,
  streamName,
  type StreamDelivery,
} from '@finlake/platform';
import { deniedKeys } from '../components/seams.ts';

const BRONZE = 'arn:aws:s3:::finlake-test-bronze';
// The component module imports @pulumi/aws, which reads Pulumi config on import: load it lazily.
const component = () => import('../components/news-stream.ts');

/** A key exactly as the local delivery writes it (tools/stream-local/src/firehose.ts). */
const landed = (d: StreamDelivery, at: Date) =>
  `${renderFirehosePrefix(d.prefix, at)}${firehoseObjectName(deliveryStreamName(d, 'dev'), 1, at, '8e0d770e-aa40-49e7-95df-583bb119b34e')}`;

// Every declared stream: news here, and each source generated with `--kind stream` (the generator's e2e runs
// this spec in a copy of the workspace that has one).
describe.each(STREAM_DELIVERIES.map((d) => [d.dataset.silverTable, d] as const))(
  'the %s stream`s roles against the writers` keys',
  (_, d) => {
    const stream = `arn:aws:kinesis:us-east-1:1:stream/${streamName(d, 'dev')}`;
    it('Firehose may put what it lands and its error output, nothing else in bronze', async () => {
      const { firehoseStatements } = await component();
      const st = firehoseStatements(stream, BRONZE, 'arn:aws:kms:::key/k', d);
      const at = new Date(Date.UTC(2025, 8, 23, 1, 31, 48));
      const error = `${renderFirehosePrefix(d.errorOutputPrefix, at, 'processing-failed')}x.gz`;
      expect(deniedKeys(st, BRONZE, 's3:PutObject', [landed(d, at), error])).toEqual([]);
      const prices = bronzeObjectKey(FMP_EOD_PRICES, {
        symbol: 'AAPL',
        from: '2024-01-02',
        to: '2024-01-02',
      });
      // Not another stream's landing either.
      const others = STREAM_DELIVERIES.filter((o) => o !== d).map((o) => landed(o, at));
      expect(
        deniedKeys(st, BRONZE, 's3:PutObject', [prices, checkpointKey(d.dataset, 'p'), ...others]),
      ).toHaveLength(2 + others.length);
    });

    it('the producer may write its checkpoint and dead letters, never the landing itself', async () => {
      const { producerStatements } = await component();
      const st = producerStatements(
        stream,
        BRONZE,
        'arn:aws:kms:::key/k',
        'arn:aws:secretsmanager:::secret:s',
        d,
      );
      const own = [
        checkpointKey(d.dataset, 'news-producer'),
        deadLetterKey(d.dataset, '2025-09-23', 'news-producer-1-u'),
      ];
      expect(deniedKeys(st, BRONZE, 's3:PutObject', own)).toEqual([]);
      expect(deniedKeys(st, BRONZE, 's3:PutObject', [landed(d, new Date())])).toHaveLength(1);
      expect(st.find((s) => s.Sid === 'PutRecords')!.Resource).toEqual([stream]);
    });
  },
);

describe('one delivery config for Pulumi and the local delivery', () => {
  it('the component takes its prefixes, compression and buffering from the config object', async () => {
    const { firehoseS3Settings } = await component();
    expect(firehoseS3Settings('prod')).toEqual({
      prefix: NEWS_DELIVERY.prefix,
      errorOutputPrefix: NEWS_DELIVERY.errorOutputPrefix,
      compressionFormat: 'GZIP',
      bufferingSize: NEWS_DELIVERY.buffering.prod.sizeMiB,
      bufferingInterval: NEWS_DELIVERY.buffering.prod.intervalSeconds,
    });
  });

  it('an expression the local delivery cannot evaluate fails before anything is planned', () => {
    expect(() => renderFirehosePrefix('x/!{partitionKeyFromQuery:symbol}/', new Date())).toThrow(
      /evaluates only !\{timestamp/,
    );
    expect(() => renderFirehosePrefix('x/!{timestamp:yyyy-ww}/', new Date())).toThrow(/not a pattern letter/);
    expect(renderFirehosePrefix(NEWS_DELIVERY.prefix, new Date(Date.UTC(2025, 8, 23, 1)))).toBe(
      `${streamLandingPrefix(NEWS_DELIVERY)}year=2025/month=09/day=23/hour=01/`,
    );
  });
});
