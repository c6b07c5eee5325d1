import {
  FatalAuthError,
  FmpClient,
  NEWS_PAGE_SIZE,
  stockNews,
  stockNewsLatest,
  UnitFailedError,
  type FmpDataset,
} from '@finlake/fmp-connector';
import type { ZoneStore } from '@finlake/lake';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.ts';
import type { KinesisSink } from './kinesis-sink.ts';
import { Poller } from './poller.ts';
import { stampOf, toEntry } from './records.ts';
import { fromNewYorkStamp, newYorkStamp } from '@finlake/market-calendar';

export interface ProducerOptions {
  client: FmpClient;
  sink: KinesisSink;
  bronze: ZoneStore;
  producer: string;
  /** Symbols polled together per call of /stable/news/stock. */
  symbolGroups: string[][];
  /** Also poll /stable/news/stock-latest. */
  latest: boolean;
  /** The first watermark when there is no checkpoint. */
  since: Date;
  pollIntervalMs: number;
  /** Pages per poll at most: a deeper backlog is taken over the next polls. */
  maxPages: number;
  log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  now?: () => Date;
}

export interface ProducerStatus {
  polls: number;
  fetched: number;
  enqueued: number;
  skippedSeen: number;
  newestPublishedAt?: string;
  lastPollAt?: string;
  lastCheckpointAt?: string;
  stopping: boolean;
}

/** A poll's key in the checkpoint. */
const pollKey = (group: string[] | 'latest') => (group === 'latest' ? 'latest' : group.join(','));

/**
 * Polls FMP news newest first down to each poll's watermark, hands every article to the sink (which puts
 * it on Kinesis), and checkpoints the new watermarks only after the sink has delivered everything before
 * them: a crash re-polls from the last checkpoint (at-least-once; silver dedupes on article_id).
 */
export class NewsProducer extends Poller {
  readonly status: ProducerStatus = { polls: 0, fetched: 0, enqueued: 0, skippedSeen: 0, stopping: false };
  private checkpoint!: Checkpoint;
  private seen = new Set<string>();
  /** A backlog deeper than maxPages: where the next poll resumes paging, and the newest stamp seen so far. */
  private resume = new Map<string, { page: number; newest?: string }>();
  private lastPollFailed = false;

  constructor(private readonly o: ProducerOptions) {
    super(o.sink, o.pollIntervalMs, o.now);
  }

  /** Lag: now minus the newest article delivered (seconds), or undefined before the first one. */
  lagSeconds(): number | undefined {
    const n = this.status.newestPublishedAt;
    return n ? Math.max(0, (this.now().getTime() - fromNewYorkStamp(n).getTime()) / 1000) : undefined;
  }

  async run(): Promise<void> {
    this.checkpoint = (await readCheckpoint(this.o.bronze, this.o.producer)) ?? {
      producer: this.o.producer,
      updated_at: this.now().toISOString(),
      watermarks: {},
    };
    this.o.sink.start();
    while (!this.status.stopping) {
      const started = Date.now();
      const marks = await this.pollOnce();
      // A backlog deeper than a poll: the next poll resumes it at once (no interval, no drain), so the sink
      // never idles while the producer catches up; the bounded queue keeps memory flat meanwhile.
      // (Not after a failed poll: FMP refusing is a reason to wait the interval.)
      const behind = this.resume.size > 0 && !this.lastPollFailed;
      if (Object.keys(marks).length) {
        // Everything enqueued by this poll (and before) is on the stream or dead-lettered: now the watermark.
        await this.o.sink.drain();
        this.checkpoint = {
          producer: this.o.producer,
          updated_at: this.now().toISOString(),
          watermarks: { ...this.checkpoint.watermarks, ...marks },
        };
        await writeCheckpoint(this.o.bronze, this.checkpoint);
        this.status.lastCheckpointAt = this.checkpoint.updated_at;
      }
      this.status.polls++;
      this.status.lastPollAt = this.now().toISOString();
      if (!behind) await this.restOfInterval(started);
    }
    await this.o.sink.close();
  }

  /** One pass over every poll; returns the new watermark of each poll that got articles. */
  private async pollOnce(): Promise<Record<string, string>> {
    const marks: Record<string, string> = {};
    this.lastPollFailed = false;
    const polls: (string[] | 'latest')[] = [
      ...this.o.symbolGroups,
      ...(this.o.latest ? ['latest' as const] : []),
    ];
    for (const group of polls) {
      if (this.status.stopping) break;
      const key = pollKey(group);
      const watermark = this.checkpoint.watermarks[key] ?? newYorkStamp(this.o.since);
      try {
        const newest = await this.pollDown(group, watermark);
        if (newest && newest > watermark) marks[key] = newest;
      } catch (err) {
        if (err instanceof FatalAuthError) throw err;
        this.lastPollFailed = true;
        // A group that cannot be served (plan-restricted, retries exhausted) keeps its watermark: next poll retries.
        this.o.log(err instanceof UnitFailedError ? 'warn' : 'error', 'poll failed', {
          poll: key,
          error: String(err),
        });
      }
    }
    return marks;
  }

  /**
   * Pages newest first until a page reaches the watermark or ends; returns the newest stamp seen, the new
   * watermark. A backlog deeper than maxPages is taken over several polls: the next one resumes at the next
   * page (articles arriving meanwhile only push older ones down, so resuming re-reads, never skips), and the
   * watermark moves only once the whole backlog down to it has been delivered.
   */
  private async pollDown(group: string[] | 'latest', watermark: string): Promise<string | undefined> {
    const key = pollKey(group);
    const dataset: FmpDataset = group === 'latest' ? stockNewsLatest : stockNews;
    const from = watermark.slice(0, 10);
    const to = newYorkStamp(this.now()).slice(0, 10);
    const resumed = this.resume.get(key);
    let newest = resumed?.newest;
    const first = resumed?.page ?? 0;
    for (let page = first; page < first + this.o.maxPages; page++) {
      const unit = { symbol: group === 'latest' ? 'latest' : group.join(','), from, to, page };
      const fetched = await this.o.client.fetchUnit(dataset, unit);
      const items = JSON.parse(fetched.body.toString('utf8')) as unknown[];
      const at = this.now();
      this.status.fetched += items.length;
      let reachedWatermark = false;
      for (const item of items) {
        const stamp = stampOf(item);
        if (stamp && stamp < watermark) {
          reachedWatermark = true;
          continue;
        }
        if (stamp && (!newest || stamp > newest)) newest = stamp;
        const entry = toEntry(item, at);
        // Pages shift as articles arrive: the same article on two pages is sent once per process.
        if (this.seen.has(entry.articleId)) {
          this.status.skippedSeen++;
          continue;
        }
        this.remember(entry.articleId);
        await this.o.sink.queue.push(entry); // waits while the queue is full: polling slows, nothing drops
        this.status.enqueued++;
      }
      if (newest && (!this.status.newestPublishedAt || newest > this.status.newestPublishedAt))
        this.status.newestPublishedAt = newest;
      if (reachedWatermark || items.length < NEWS_PAGE_SIZE) {
        this.resume.delete(key);
        return newest;
      }
      if (this.status.stopping) break;
    }
    // Not down to the watermark yet: keep it, and resume here next poll.
    const next = this.status.stopping ? first : first + this.o.maxPages;
    this.resume.set(key, { page: next, newest });
    this.o.log('info', 'backlog deeper than this poll: the next poll resumes it', { poll: key, page: next });
    return undefined;
  }

  private remember(id: string) {
    if (this.seen.size >= 200_000) this.seen = new Set([...this.seen].slice(100_000));
    this.seen.add(id);
  }
}
