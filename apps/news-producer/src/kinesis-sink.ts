import { randomUUID } from 'node:crypto';
import { PutRecordsCommand, type KinesisClient, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import type { ZoneStore } from '@finlake/lake';
import { deadLetterKey, FMP_NEWS } from '@finlake/platform';
import { BoundedQueue } from './queue.ts';
import { MAX_RECORD_BYTES, type StreamEntry } from './records.ts';

/** PutRecords caps: 500 records and 5 MiB (data and partition keys) per call. */
export const MAX_CALL_RECORDS = 500;
export const MAX_CALL_BYTES = 5 * 1024 * 1024;

export interface SinkOptions {
  kinesis: KinesisClient;
  streamName: string;
  bronze: ZoneStore;
  producer: string;
  /** Tries per record (the first put included) before it goes to the dead-letter area. */
  maxTries: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  queueCapacity: number;
  /** How long a partial batch waits for more records before it is sent. */
  lingerMs: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

export interface SinkStats {
  put: number;
  calls: number;
  throttled: number;
  failedEntries: number;
  deadLettered: number;
}

const entryBytes = (e: StreamEntry) => e.data.length + Buffer.byteLength(e.partitionKey);

interface Pending {
  entry: StreamEntry;
  tries: number;
  lastError?: { code: string; message: string };
}

/**
 * Puts entries on the stream in calls of at most 500 records and 5 MiB. Only the entries a call answers
 * with an `ErrorCode` are resent, with full-jitter backoff; after `maxTries` they are written, with their
 * last error, to the lake's dead-letter area (one object per flush), so nothing is dropped. A record over
 * 1 MiB can never be put: it is dead-lettered at once.
 */
export class KinesisSink {
  readonly queue: BoundedQueue<StreamEntry>;
  readonly stats: SinkStats = { put: 0, calls: 0, throttled: 0, failedEntries: 0, deadLettered: 0 };
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private running = false;
  private loop?: Promise<void>;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: SinkOptions) {
    this.queue = new BoundedQueue(o.queueCapacity);
    this.random = o.random ?? Math.random;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Waits until every entry pushed so far is on the stream or in the dead-letter area. */
  async drain(): Promise<void> {
    while (this.queue.depth > 0 || this.inFlight > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** Drains, then stops the loop. */
  async close(): Promise<void> {
    await this.drain();
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const batch = await this.queue.take(MAX_CALL_RECORDS, this.o.lingerMs, (taken, next) => {
        const bytes = taken.reduce((n, e) => n + entryBytes(e), 0);
        return bytes + entryBytes(next) <= MAX_CALL_BYTES;
      });
      if (batch.length === 0) {
        this.wakeIdle();
        continue;
      }
      this.inFlight = batch.length;
      try {
        await this.deliver(batch);
      } catch (err) {
        // Only the lake write of dead letters can throw here: keep the entries and try again.
        this.o.onEvent?.('dead-letter write failed', { error: String(err) });
        this.queue.unshift(batch);
        await this.sleep(this.o.backoffCapMs);
      } finally {
        this.inFlight = 0;
        this.wakeIdle();
      }
    }
  }

  private wakeIdle() {
    if (this.queue.depth === 0 && this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
  }

  private async deliver(batch: StreamEntry[]): Promise<void> {
    const dead: Pending[] = [];
    let pending: Pending[] = [];
    for (const entry of batch) {
      if (entryBytes(entry) > MAX_RECORD_BYTES)
        dead.push({ entry, tries: 0, lastError: { code: 'RecordTooLarge', message: `${entryBytes(entry)} bytes > 1 MiB` } });
      else pending.push({ entry, tries: 0 });
    }
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await this.sleep(Math.floor(this.random() * Math.min(this.o.backoffCapMs, this.o.backoffBaseMs * 2 ** (attempt - 1))));
      const failed = await this.putOnce(pending);
      for (const p of failed) p.tries++;
      dead.push(...failed.filter((p) => p.tries >= this.o.maxTries));
      pending = failed.filter((p) => p.tries < this.o.maxTries);
    }
    if (dead.length) await this.deadLetter(dead);
  }

  /** One PutRecords call; returns the entries that failed (with their error), in order. */
  private async putOnce(pending: Pending[]): Promise<Pending[]> {
    this.stats.calls++;
    let results: PutRecordsResultEntry[];
    try {
      const out = await this.o.kinesis.send(
        new PutRecordsCommand({
          StreamName: this.o.streamName,
          Records: pending.map((p) => ({ Data: p.entry.data, PartitionKey: p.entry.partitionKey })),
        }),
      );
      results = out.Records ?? [];
    } catch (err) {
      // The whole call failed (after the SDK's own retries): every entry is retried.
      const e = err as Error & { name: string };
      if (e.name === 'ProvisionedThroughputExceededException') this.stats.throttled += pending.length;
      this.o.onEvent?.('put failed', { error: `${e.name}: ${e.message}`, records: pending.length });
      for (const p of pending) p.lastError = { code: e.name, message: e.message };
      return pending;
    }
    const failed: Pending[] = [];
    pending.forEach((p, i) => {
      const r = results[i];
      if (r && !r.ErrorCode) {
        this.stats.put++;
        return;
      }
      const code = r?.ErrorCode ?? 'MissingResult';
      if (code === 'ProvisionedThroughputExceededException') this.stats.throttled++;
      this.stats.failedEntries++;
      p.lastError = { code, message: r?.ErrorMessage ?? 'no result for this entry' };
      failed.push(p);
    });
    return failed;
  }

  private async deadLetter(dead: Pending[]): Promise<void> {
    const at = new Date();
    const key = deadLetterKey(FMP_NEWS, at.toISOString().slice(0, 10), `${this.o.producer}-${at.getTime()}-${randomUUID()}`);
    const lines = dead.map((p) =>
      JSON.stringify({
        article_id: p.entry.articleId,
        partition_key: p.entry.partitionKey,
        error_code: p.lastError?.code,
        error_message: p.lastError?.message,
        tries: p.tries,
        dead_lettered_at: at.toISOString(),
        record: p.entry.data.toString('utf8').trimEnd(),
      }),
    );
    await this.o.bronze.put(key, `${lines.join('\n')}\n`, { contentType: 'application/x-ndjson' });
    this.stats.deadLettered += dead.length;
    this.o.onEvent?.('dead-lettered', { key, records: dead.length });
  }
}
