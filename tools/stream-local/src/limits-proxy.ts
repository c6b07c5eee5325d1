import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

/** A shard's write limits (AWS): 1,000 records and 1 MiB per second. */
export const SHARD_RECORDS_PER_S = 1000;
export const SHARD_BYTES_PER_S = 1024 * 1024;

export interface LimitsProxyOptions {
  /** The Kinesis stand-in behind the proxy. */
  target: string;
  /** A client of the target, to learn each stream's shards and their hash key ranges. */
  client: KinesisClient;
  /** Per entry, the chance of an injected `ProvisionedThroughputExceededException` (seeded). */
  faultRate?: number;
  /** Of the injected faults, the share that are `InternalFailure` instead. */
  internalFailureShare?: number;
  seed?: number;
  port?: number;
  now?: () => number;
}

export interface LimitsProxyStats {
  calls: number;
  entries: number;
  admitted: number;
  throttled: number;
  injected: number;
  /** Per second (epoch second), records admitted, summed over shards: the sustained rate. */
  admittedPerSecond: Map<number, number>;
}

interface Shard {
  id: string;
  start: bigint;
  end: bigint;
}

/** mulberry32, as the FMP sandbox's faults. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The shard of a partition key: MD5 of the key as a 128-bit integer, within a shard's hash key range. */
export function hashKey(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/**
 * An HTTP proxy in front of a Kinesis stand-in that holds PutRecords to a shard's limits, as Kinesis does:
 * per shard a one-second window of 1,000 records and 1 MiB; an entry over it gets
 * `ProvisionedThroughputExceededException` in its result (the call itself succeeds, with
 * `FailedRecordCount`), and seeded faults fail further entries. Only admitted entries reach the stand-in;
 * results are merged back by index. Every other call passes through unchanged.
 */
export async function startLimitsProxy(o: LimitsProxyOptions) {
  const random = rng(o.seed ?? 7);
  const now = o.now ?? Date.now;
  const shards = new Map<string, Shard[]>();
  const windows = new Map<string, { second: number; records: number; bytes: number }>();
  const stats: LimitsProxyStats = {
    calls: 0,
    entries: 0,
    admitted: 0,
    throttled: 0,
    injected: 0,
    admittedPerSecond: new Map(),
  };
  const target = new URL(o.target);

  async function shardsOf(stream: string): Promise<Shard[]> {
    let s = shards.get(stream);
    if (!s) {
      const out = await o.client.send(new ListShardsCommand({ StreamName: stream }));
      s = (out.Shards ?? [])
        .filter((x) => !x.SequenceNumberRange?.EndingSequenceNumber)
        .map((x) => ({
          id: x.ShardId!,
          start: BigInt(x.HashKeyRange!.StartingHashKey!),
          end: BigInt(x.HashKeyRange!.EndingHashKey!),
        }));
      shards.set(stream, s);
    }
    return s;
  }

  function admit(stream: string, shard: string, bytes: number): boolean {
    const second = Math.floor(now() / 1000);
    const key = `${stream}/${shard}`;
    let w = windows.get(key);
    if (!w || w.second !== second) windows.set(key, (w = { second, records: 0, bytes: 0 }));
    if (w.records + 1 > SHARD_RECORDS_PER_S || w.bytes + bytes > SHARD_BYTES_PER_S) return false;
    w.records++;
    w.bytes += bytes;
    stats.admittedPerSecond.set(second, (stats.admittedPerSecond.get(second) ?? 0) + 1);
    return true;
  }

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'content-length': String(body.length) },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 500, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (e) =>
      res.writeHead(502).end(JSON.stringify({ __type: 'InternalFailure', message: e.message })),
    );
    up.end(body);
  };

  const call = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const up = request(
        {
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path: req.url,
          headers: { ...req.headers, 'content-length': String(body.length) },
        },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () =>
            resolve({
              status: r.statusCode ?? 500,
              json: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
            }),
          );
        },
      );
      up.on('error', reject);
      up.end(body);
    });

  async function putRecords(req: IncomingMessage, body: Buffer, res: ServerResponse) {
    const doc = JSON.parse(body.toString('utf8')) as {
      StreamName: string;
      Records: { Data: string; PartitionKey: string; ExplicitHashKey?: string }[];
    };
    stats.calls++;
    stats.entries += doc.Records.length;
    const list = await shardsOf(doc.StreamName);
    const results: Record<string, unknown>[] = new Array(doc.Records.length);
    const admitted: number[] = [];
    doc.Records.forEach((r, i) => {
      const h = r.ExplicitHashKey ? BigInt(r.ExplicitHashKey) : hashKey(r.PartitionKey);
      const shard = list.find((s) => h >= s.start && h <= s.end);
      const bytes = Buffer.from(r.Data, 'base64').length + Buffer.byteLength(r.PartitionKey);
      if (o.faultRate && random() < o.faultRate) {
        stats.injected++;
        const internal = random() < (o.internalFailureShare ?? 0);
        results[i] = internal
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' }
          : {
              ErrorCode: 'ProvisionedThroughputExceededException',
              ErrorMessage: `Rate exceeded for shard ${shard?.id} in stream ${doc.StreamName} under account 000000000000.`,
            };
      } else if (shard && !admit(doc.StreamName, shard.id, bytes)) {
        stats.throttled++;
        results[i] = {
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: `Rate exceeded for shard ${shard.id} in stream ${doc.StreamName} under account 000000000000.`,
        };
      } else admitted.push(i);
    });
    if (admitted.length) {
      const up = await call(
        req,
        Buffer.from(
          JSON.stringify({ StreamName: doc.StreamName, Records: admitted.map((i) => doc.Records[i]) }),
        ),
      );
      if (up.status !== 200) {
        res
          .writeHead(up.status, { 'content-type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify(up.json));
        return;
      }
      const got = (up.json.Records as Record<string, unknown>[]) ?? [];
      admitted.forEach(
        (idx, j) =>
          (results[idx] = got[j] ?? {
            ErrorCode: 'InternalFailure',
            ErrorMessage: 'no result from the stand-in',
          }),
      );
      stats.admitted += admitted.length;
    }
    const failed = results.filter((r) => r && 'ErrorCode' in r).length;
    res
      .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
      .end(JSON.stringify({ FailedRecordCount: failed, Records: results }));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const json = String(req.headers['content-type'] ?? '').includes('json');
      if (req.headers['x-amz-target'] === 'Kinesis_20131202.PutRecords' && json)
        putRecords(req, body, res).catch((e: Error) =>
          res.writeHead(500).end(JSON.stringify({ __type: 'InternalFailure', message: e.message })),
        );
      else forward(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(o.port ?? 0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
export type LimitsProxy = Awaited<ReturnType<typeof startLimitsProxy>>;
