import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const require = createRequire(import.meta.url);
const kinesalite = require('kinesalite') as (opts: Record<string, unknown>) => Server;

export interface LocalKinesis {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** kinesalite in memory on 127.0.0.1: the real Kinesis API (JSON and CBOR), without throttling. */
export async function startKinesis(port = 0, host = '127.0.0.1'): Promise<LocalKinesis> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve) => server.listen(port, host, () => resolve()));
  const p = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${p}`,
    port: p,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A Kinesis client for a stand-in: HTTP/1.1 (the SDK's default HTTP/2 fails against kinesalite), fixed keys. */
export function localKinesisClient(url: string, maxAttempts = 3): KinesisClient {
  return new KinesisClient({
    endpoint: url,
    region: 'us-east-1',
    maxAttempts,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler({ requestTimeout: 30_000 }),
  });
}

/** Creates the stream (idempotent) and waits until it is ACTIVE. */
export async function ensureStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  try {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
  }
  for (let i = 0; i < 100; i++) {
    const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}
