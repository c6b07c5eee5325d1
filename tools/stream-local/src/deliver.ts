/**
 * The local Firehose delivery as a process, for a stream that is not this machine's kinesalite (the AWS
 * twin's moto): reads the stream with the AWS settings of the environment (credentials, endpoint), lands
 * bronze through the lake (`FINLAKE_BRONZE_URI`), and exits once the stream has been idle for a while,
 * with everything buffered delivered. Prints one JSON line: records, objects and the keys written.
 *
 *   deliver.ts --stream finlake-staging-news --delivery finlake-staging-news-to-bronze [--idle-ms 3000]
 *              [--state <file>]   (the shard positions, kept across runs as Firehose keeps its own)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { awsSettingsFromEnv, createClient } from '@finlake/aws';
import { openLake } from '@finlake/lake';
import { NEWS_DELIVERY } from '@finlake/platform';
import { LocalFirehose } from './firehose.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stream: { type: 'string' },
      delivery: { type: 'string' },
      'idle-ms': { type: 'string', default: '3000' },
      state: { type: 'string' },
    },
  });
  const idleMs = Number(values['idle-ms']);
  if (!values.stream || !values.delivery || !Number.isInteger(idleMs) || idleMs < 100) {
    process.stderr.write('usage: deliver.ts --stream <name> --delivery <name> [--idle-ms >= 100]\n');
    return 2;
  }
  const scratch = values.state ? undefined : mkdtempSync(join(tmpdir(), 'finlake-deliver-'));
  const keys: string[] = [];
  const firehose = new LocalFirehose({
    kinesis: createClient(KinesisClient, awsSettingsFromEnv()),
    streamName: values.stream,
    deliveryStreamName: values.delivery,
    delivery: NEWS_DELIVERY,
    bronze: openLake().bronze,
    stateFile: values.state ?? join(scratch!, 'positions.json'),
    onDelivered: (o) => keys.push(o.key),
  });
  try {
    await firehose.start();
    let seen = -1;
    while (firehose.delivered !== seen) {
      seen = firehose.delivered;
      await Promise.race([new Promise((r) => setTimeout(r, idleMs)), firehose.failed]);
      await firehose.drainNow();
    }
    await firehose.stop();
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  process.stdout.write(
    `${JSON.stringify({ records: firehose.delivered, objects: firehose.objects, keys })}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`deliver: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
