import { randomUUID } from 'node:crypto';
import { PutRecordsCommand, type KinesisClient, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import type { ZoneStore } from '@finlake/lake';
import { deadLetterKey, type SourceDataset } from '@finlake/platform';
import { BoundedQueue } from './queue.ts';
import { MAX_RECORD_BYTES, type StreamEntry } from './records.ts';

/** PutRecords caps: 500 records and 5 MiB (data and partition keys) per call. */
export const MAX_CALL_RECORDS = 500;
export const MAX_CALL_BYTES = 5 * 1024 * 1024;

export interface SinkOptions {
  kinesis: KinesisClient;
  streamName: string;
  /** The streamed dataset: its dead-letter area in bronze. */
  dataset: SourceDataset;
  bronze: ZoneStore;
  producer: string;
  /** Tries per record (the first put included) before it goes to the dead-letter area; a throttled send
   * is not a try (it is resent until the shards take it). */
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

const THROTTLED = 'ProvisionedThroughputExceededException';
const THROTTLE_TOLERANCE = 0.1;
/** Records/s the adaptive rate never goes below (a tenth of one shard's 1,000). */
export const MIN_RATE = 100;

interface Pending {
  entry: StreamEntry;
  /** Failed sends that count against maxTries (throttling does not). */
  tries: number;
  /** Every failed send, throttled or not: what the backoff grows with. */
  sends: number;
  /** A failed entry is resent no earlier than this (its own full-jitter backoff). */
  notBefore?: number;
  lastError?: { code: string; message: string };
}

/**
 * Puts entries on the stream in calls of at most 500 records and 5 MiB. Only the entries a call answers
 * with an `ErrorCode` are resent: they go back to the front of the queue, so the next call carries them
 * with fresh entries, after a full-jitter backoff that grows while calls keep being throttled. The sink
 * paces itself to an adaptive rate (records/s: cut on throttling, raised while calls succeed), so it runs
 * close to what the stream's shards take instead of bouncing off them. Throttled entries are resent until
 * accepted; after `maxTries` failures of another kind (InternalFailure, KMS errors) an entry is written,
 * with its last error, to the lake's dead-letter area (one object per call), so nothing is dropped. A record
 * over 1 MiB can never be put: it is dead-lettered at once.
 */
export class KinesisSink {
  readonly queue: BoundedQueue<StreamEntry>;
  readonly stats: SinkStats = { put: 0, calls: 0, throttled: 0, failedEntries: 0, deadLettered: 0 };
  /** Records per second the sink paces to (adapted to what the stream accepts). */
  rate = 1000;
  private retries: Pending[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private running = false;
  private loop?: Promise<void>;
  private tokens = 0;
  private refilledAt = Date.now();
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  /** The streamed dataset (its dead-letter area: replay reads it back). */
  get dataset(): SourceDataset {
    return this.o.dataset;
  }

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
    while (this.pending() > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** Drains, then stops the loop. */
  async close(): Promise<void> {
    await this.drain();
    this.running = false;
    await this.loop;
  }

  /** Entries not yet on the stream nor dead-lettered: queued, due for a resend, being taken or in a call. */
  private pending() {
    return this.queue.depth + this.retries.length + this.inFlight;
  }

  /** A quarter second's worth at the current rate, at most a call's limits: big calls (each one costs a
   * round trip), spread evenly (a burst of several calls would overrun a shard's one-second window). */
  private batchSize(): number {
    return Math.max(1, Math.min(MAX_CALL_RECORDS, Math.floor(this.rate / 4)));
  }

  /** The next call's entries: due retries first, then fresh ones. */
  private async nextBatch(): Promise<Pending[]> {
    const max = this.batchSize();
    const now = Date.now();
    const batch: Pending[] = [];
    this.retries = this.retries.filter((p) => {
      if (batch.length < max && (p.notBefore ?? 0) <= now) {
        batch.push(p);
        return false;
      }
      return true;
    });
    // Counted as in flight the moment they leave the queue or the retries, so a drain never sees them nowhere.
    this.inFlight = batch.length;
    if (batch.length === 0 && this.queue.depth === 0 && this.retries.length > 0) {
      // Only retries left, none due yet: wait for the first.
      await this.sleep(Math.max(1, Math.min(...this.retries.map((p) => p.notBefore ?? 0)) - now));
      return [];
    }
    let bytes = batch.reduce((n, p) => n + entryBytes(p.entry), 0);
    if (batch.length < max) {
      const fresh = await this.queue.take(
        max - batch.length,
        batch.length ? 0 : this.o.lingerMs,
        (taken, next) => {
          const size = taken.reduce((n, e) => n + entryBytes(e), 0);
          return bytes + size + entryBytes(next) <= MAX_CALL_BYTES;
        },
        (n) => (this.inFlight += n),
      );
      bytes += fresh.reduce((n, e) => n + entryBytes(e), 0);
      batch.push(...fresh.map((entry) => ({ entry, tries: 0, sends: 0 })));
    }
    return batch;
  }

  /** Token bucket at `rate` records/s holding one call's worth: calls leave evenly spaced. */
  private async pace(n: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      const capacity = Math.max(n, this.batchSize());
      this.tokens = Math.min(capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.rate);
      this.refilledAt = now;
      if (this.tokens >= n) {
        this.tokens -= n;
        return;
      }
      await this.sleep(Math.ceil(((n - this.tokens) / this.rate) * 1000));
    }
  }

  private async run(): Promise<void> {
    while (this.running || this.pending() > 0) {
      const batch = await this.nextBatch();
      if (batch.length === 0) {
        this.wakeIdle();
        continue;
      }
      try {
        await this.deliver(batch);
      } catch (err) {
        // Only the lake write of dead letters can throw here: keep the entries and try again.
        this.o.onEvent?.('dead-letter write failed', { error: String(err) });
        this.retries.unshift(...batch);
        await this.sleep(this.o.backoffCapMs);
      } finally {
        this.inFlight = 0;
        this.wakeIdle();
      }
    }
  }

  private wakeIdle() {
    if (this.pending() === 0) this.idleWaiters.splice(0).forEach((w) => w());
  }

  private async deliver(batch: Pending[]): Promise<void> {
    const dead = batch.filter((p) => entryBytes(p.entry) > MAX_RECORD_BYTES);
    for (const p of dead)
      p.lastError = { code: 'RecordTooLarge', message: `${entryBytes(p.entry)} bytes > 1 MiB` };
    const sendable = batch.filter((p) => !dead.includes(p));
    if (sendable.length) {
      await this.pace(sendable.length);
      const failed = await this.putOnce(sendable);
      // Throttling is the shards saying "slower", not a fault of the entry: it is resent until accepted
      // (the rate below adapts) and never uses up the entry's tries. Other errors do.
      for (const p of failed) {
        p.sends++;
        if (p.lastError?.code !== THROTTLED) p.tries++;
      }
      dead.push(...failed.filter((p) => p.tries >= this.o.maxTries));
      const again = failed.filter((p) => p.tries < this.o.maxTries);
      const now = Date.now();
      for (const p of again) {
        // Full jitter per entry: random(0, min(cap, base * 2^(sends - 1))).
        const ceiling = Math.min(this.o.backoffCapMs, this.o.backoffBaseMs * 2 ** Math.min(20, p.sends - 1));
        p.notBefore = now + Math.floor(this.random() * ceiling);
      }
      this.retries.push(...again);
      const throttled = failed.filter((p) => p.lastError?.code === THROTTLED).length / sendable.length;
      // Run just above what the shards take: a few refused entries per call cost only their resend, so the
      // rate is cut only when more than a tenth of a call is refused (then in proportion), and it rises
      // while calls mostly go through. The floor keeps a storm of refusals unrelated to the rate (a hot
      // shard, an injected fault) from starving the stream.
      if (throttled > THROTTLE_TOLERANCE) this.rate = Math.max(MIN_RATE, this.rate * (1 - throttled / 2));
      else this.rate = Math.min(100_000, this.rate + Math.max(5, this.rate * 0.02));
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
    const key = deadLetterKey(
      this.o.dataset,
      at.toISOString().slice(0, 10),
      `${this.o.producer}-${at.getTime()}-${randomUUID()}`,
    );
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
