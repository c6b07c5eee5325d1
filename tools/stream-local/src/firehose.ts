import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { ZoneStore } from '@finlake/lake';
import { firehoseObjectName, renderFirehosePrefix, type StreamDelivery } from '@finlake/platform';

export interface LocalFirehoseOptions {
  kinesis: KinesisClient;
  streamName: string;
  deliveryStreamName: string;
  delivery: StreamDelivery;
  bronze: ZoneStore;
  /** Buffering: flush at whichever comes first (the contract's `local` hints unless given). */
  sizeBytes?: number;
  intervalMs?: number;
  /** Where the shard positions are kept across restarts (Firehose keeps its own in AWS). */
  stateFile: string;
  pollMs?: number;
  onDelivered?: (object: { key: string; records: number; bytes: number }) => void;
}

/** What survives a restart: the stream incarnation the positions were read from, and the positions. */
interface SavedState {
  incarnation: string;
  positions: Record<string, string>;
}

interface Buffered {
  data: Buffer[];
  bytes: number;
  firstArrival: Date;
  openedAt: number;
  /** Per shard, the last sequence number in the buffer: the position once the object is written. */
  positions: Record<string, string>;
}

/**
 * Firehose with a Kinesis source, locally: reads every shard (GetRecords), buffers by size and interval,
 * and writes one GZIP object per flush under the contract's prefix, evaluated at the oldest record's arrival
 * time, named as Firehose names objects, through the lake (atomic put). Shard positions are saved only after
 * the object is written, so a restart re-delivers at most the last buffer (at-least-once, as Firehose).
 */
export class LocalFirehose {
  delivered = 0;
  objects = 0;
  private running = false;
  private loop?: Promise<void>;
  /** Rejects when reading or delivering fails (never resolves): race it against what the caller waits for. */
  failed: Promise<never> = new Promise<never>(() => undefined);
  private buffer?: Buffered;
  private positions: Record<string, string> = {};
  private incarnation = '';
  private readonly sizeBytes: number;
  private readonly intervalMs: number;

  constructor(private readonly o: LocalFirehoseOptions) {
    const hints = o.delivery.buffering.local;
    this.sizeBytes = o.sizeBytes ?? hints.sizeMiB * 1024 * 1024;
    this.intervalMs = o.intervalMs ?? hints.intervalSeconds * 1000;
    // Fail at start, not at the first flush, on a prefix this delivery cannot evaluate.
    renderFirehosePrefix(o.delivery.prefix, new Date());
    renderFirehosePrefix(o.delivery.errorOutputPrefix, new Date(), 'processing-failed');
  }

  async start(): Promise<void> {
    // Positions belong to one incarnation of the stream (a sequence number means nothing in another): a
    // stream created again since they were saved (the local Kinesis is in memory) is read from its start.
    const summary = await this.o.kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: this.o.streamName }),
    );
    this.incarnation = `${summary.StreamDescriptionSummary?.StreamARN}@${summary.StreamDescriptionSummary?.StreamCreationTimestamp?.toISOString()}`;
    const saved = JSON.parse(
      await readFile(this.o.stateFile, 'utf8').catch(() => '{}'),
    ) as Partial<SavedState>;
    this.positions = saved.incarnation === this.incarnation ? (saved.positions ?? {}) : {};
    this.running = true;
    this.loop = this.run();
    this.failed = this.loop.then(() => new Promise<never>(() => undefined));
    this.failed.catch(() => undefined); // handled by whoever races it; stop() rethrows it too
  }

  /** Stops reading and writes what is buffered: "everything buffered delivered". */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.flush();
  }

  /**
   * The delivery process dying (kill -9): it stops reading and what it buffered is lost, unwritten; its saved
   * positions are those of the last object written, so a new delivery reads the lost records again.
   */
  async crash(): Promise<void> {
    this.running = false;
    await this.loop?.catch(() => undefined);
    this.buffer = undefined;
  }

  /** Reads until every shard is caught up, then flushes: for tests and `news run`'s end. */
  async drainNow(): Promise<void> {
    while ((await this.readOnce()) > 0) {
      /* keep reading */
    }
    await this.flush();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const got = await this.readOnce();
      if (
        this.buffer &&
        (this.buffer.bytes >= this.sizeBytes || Date.now() - this.buffer.openedAt >= this.intervalMs)
      )
        await this.flush();
      if (got === 0) await new Promise((r) => setTimeout(r, this.o.pollMs ?? 200));
    }
  }

  private iterators = new Map<string, string>();

  private async readOnce(): Promise<number> {
    const shards = await this.o.kinesis.send(new ListShardsCommand({ StreamName: this.o.streamName }));
    let got = 0;
    for (const s of shards.Shards ?? []) {
      const id = s.ShardId!;
      let it = this.iterators.get(id);
      if (!it) {
        const after = this.buffer?.positions[id] ?? this.positions[id];
        const r = await this.o.kinesis.send(
          new GetShardIteratorCommand({
            StreamName: this.o.streamName,
            ShardId: id,
            ...(after
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        it = r.ShardIterator!;
      }
      const out = await this.o.kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      if (out.NextShardIterator) this.iterators.set(id, out.NextShardIterator);
      else this.iterators.delete(id);
      for (const rec of out.Records ?? []) {
        const data = Buffer.from(rec.Data!);
        this.buffer ??= {
          data: [],
          bytes: 0,
          firstArrival: rec.ApproximateArrivalTimestamp ?? new Date(),
          openedAt: Date.now(),
          positions: {},
        };
        const arrival = rec.ApproximateArrivalTimestamp ?? new Date();
        if (arrival < this.buffer.firstArrival) this.buffer.firstArrival = arrival;
        this.buffer.data.push(data);
        this.buffer.bytes += data.length;
        this.buffer.positions[id] = rec.SequenceNumber!;
        got++;
        if (this.buffer.bytes >= this.sizeBytes) await this.flush();
      }
    }
    return got;
  }

  private async flush(): Promise<void> {
    const b = this.buffer;
    if (!b || b.data.length === 0) return;
    const prefix = renderFirehosePrefix(this.o.delivery.prefix, b.firstArrival);
    const key = `${prefix}${firehoseObjectName(this.o.deliveryStreamName, 1, b.firstArrival, randomUUID())}`;
    const body = gzipSync(Buffer.concat(b.data));
    await this.o.bronze.put(key, body, { contentType: 'application/octet-stream' });
    this.buffer = undefined;
    this.positions = { ...this.positions, ...b.positions };
    await mkdir(dirname(this.o.stateFile), { recursive: true });
    const state: SavedState = { incarnation: this.incarnation, positions: this.positions };
    await writeFile(`${this.o.stateFile}.tmp`, JSON.stringify(state));
    await rename(`${this.o.stateFile}.tmp`, this.o.stateFile);
    this.delivered += b.data.length;
    this.objects++;
    this.o.onDelivered?.({ key, records: b.data.length, bytes: body.length });
  }
}
