import type { Server } from 'node:http';
import { serveHealth } from './health.ts';
import type { KinesisSink } from './kinesis-sink.ts';
import type { ProducerSample } from './metrics.ts';

/**
 * What every poller of the producer shares (the news producer, a generated source's endpoint poller): stopping
 * (SIGTERM wakes it from its wait between polls), its metrics sample, and its /healthz and /metrics.
 */
export abstract class Poller {
  abstract readonly status: { stopping: boolean; lastPollAt?: string };
  private stopWaiters: (() => void)[] = [];
  protected readonly now: () => Date;

  constructor(
    protected readonly sink: KinesisSink,
    private readonly pollIntervalMs: number,
    now?: () => Date,
  ) {
    this.now = now ?? (() => new Date());
  }

  abstract lagSeconds(): number | undefined;

  /** What the metrics report, now (totals since start). */
  sample(): ProducerSample {
    const { put, throttled } = this.sink.stats;
    return { lagSeconds: this.lagSeconds(), queueDepth: this.sink.queue.depth, put, throttled };
  }

  /** Stops polling (the current call finishes); `run` then flushes and resolves. */
  stop(): void {
    this.status.stopping = true;
    this.stopWaiters.splice(0).forEach((w) => w());
  }

  /** Waits out the rest of an interval begun at `started` (Date.now()), or until `stop`. */
  protected async restOfInterval(started: number): Promise<void> {
    const wait = this.pollIntervalMs - (Date.now() - started);
    if (wait <= 0 || this.status.stopping) return;
    await new Promise<void>((r) => {
      const t = setTimeout(r, wait);
      this.stopWaiters.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }

  /** `/healthz` and `/metrics` (health.ts). */
  serveHealth(port: number, host = '0.0.0.0'): Promise<Server> {
    return serveHealth(this, this.sink, this.pollIntervalMs, port, host, this.now);
  }
}
