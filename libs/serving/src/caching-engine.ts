import type {
  DateQuery,
  GoldFreshness,
  PortfolioQuery,
  QueryEngine,
  SeriesQuery,
  SummaryRow,
} from './engine.ts';
import type { Dataset, Row } from '@finlake/schemas';

export interface CachingOptions {
  /**
   * The served gold's version (the published file's identity locally). A change empties the cache, so an
   * answer is never older than the last publish. Without it, entries expire after `ttlMs`.
   */
  version?: () => Promise<string>;
  /** How often the version is looked at (a stat, not per request). */
  versionCheckMs?: number;
  /** Entry lifetime when there is no version to watch (Athena: gold is published nightly). */
  ttlMs?: number;
  /** Least recently used entries go first beyond this. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  rows: Promise<object[]>;
  expires: number;
  /** The gold version current when the query started: a query racing a publish is never served after it. */
  version: string | undefined;
}

/**
 * Gold is immutable between publishes, so answers are cached per query, per gold version: the same
 * question costs one engine query per publish. Concurrent identical misses share one query. The key
 * holds every parameter, including the caller's entitlement for the date query, so one caller's
 * answer can never be served to another caller with different entitlements.
 */
export class CachingEngine implements QueryEngine {
  readonly name: string;
  private readonly entries = new Map<string, Entry>();
  private version: string | undefined;
  private versionCheckedAt = -Infinity;
  private versionCheck: Promise<void> | undefined;

  constructor(
    private readonly engine: QueryEngine,
    private readonly o: CachingOptions = {},
  ) {
    this.name = engine.name;
  }

  portfolioSummary(q: PortfolioQuery): Promise<SummaryRow[]> {
    return this.cached(`p|${q.portfolioId}|${q.from}|${q.to}|${q.after ?? ''}|${q.limit}`, () =>
      this.engine.portfolioSummary(q),
    );
  }

  summaryForDate(q: DateQuery): Promise<SummaryRow[]> {
    const who = q.entitlement.all ? '*' : [...q.entitlement.portfolios].sort().join(',');
    return this.cached(`d|${q.date}|${q.after ?? ''}|${q.limit}|${who}`, () => this.engine.summaryForDate(q));
  }

  symbolSeries<D extends Dataset>(mart: D, q: SeriesQuery): Promise<Row<D>[]> {
    return this.cached(`s|${mart.name}|${q.symbol}|${q.from}|${q.to}|${q.after ?? ''}|${q.limit}`, () =>
      this.engine.symbolSeries(mart, q),
    );
  }

  /** Not cached: health must say what the engine sees now. */
  freshness(): Promise<GoldFreshness> {
    return this.engine.freshness();
  }

  close(): Promise<void> {
    this.entries.clear();
    return this.engine.close();
  }

  get size(): number {
    return this.entries.size;
  }

  private async cached<R extends object>(key: string, load: () => Promise<R[]>): Promise<R[]> {
    await this.checkVersion();
    const now = (this.o.now ?? Date.now)();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now && hit.version === this.version) {
      // Re-insert: Map order is the LRU order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.rows as Promise<R[]>;
    }
    const rows = load();
    const entry = {
      rows,
      expires: this.o.version ? Infinity : now + (this.o.ttlMs ?? 300_000),
      version: this.version,
    };
    this.entries.set(key, entry);
    // A failed query is not an answer: forget it so the next request asks again.
    rows.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    const max = this.o.maxEntries ?? 10_000;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value!);
    return rows;
  }

  private async checkVersion(): Promise<void> {
    if (!this.o.version) return;
    const now = (this.o.now ?? Date.now)();
    if (now - this.versionCheckedAt < (this.o.versionCheckMs ?? 1_000)) return;
    this.versionCheck ??= (async () => {
      try {
        const v = await this.o.version!();
        if (v !== this.version) {
          this.entries.clear();
          this.version = v;
        }
        this.versionCheckedAt = (this.o.now ?? Date.now)();
      } finally {
        this.versionCheck = undefined;
      }
    })();
    await this.versionCheck;
  }
}
