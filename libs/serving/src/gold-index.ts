import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnInfo, Dataset, Row } from '@finlake/schemas';
import type {
  DateQuery,
  GoldFreshness,
  PortfolioQuery,
  QueryEngine,
  SeriesQuery,
  SummaryRow,
} from './engine.ts';
import { SeriesMarts, type SeriesMartFile } from './symbol-series.ts';
import { isNumeric, SUMMARY_COLUMNS } from './gold-columns.ts';
import { goldDuckDb } from './duckdb-instance.ts';
import { fileIdentity, PublishedVersions } from './published-versions.ts';

const DAY_MS = 86_400_000;
const toDay = (iso: string) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY_MS;
const isoOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * The value columns of the mart (everything but its key), typed by the contract: all numeric. A
 * Float64Array holds each exactly: integers, doubles, and decimals of at most 15 digits as the double
 * that prints back as the same digits.
 */
const VALUE_COLUMNS: readonly ColumnInfo[] = SUMMARY_COLUMNS.filter(
  (c) => c.name !== 'portfolio_id' && c.name !== 'summary_date',
);
for (const c of VALUE_COLUMNS) {
  if (!isNumeric(c.sqlType))
    throw new Error(`gold index: column ${c.name} is ${c.sqlType}; the index holds numeric columns only`);
}

/**
 * One published version of gold, held in columns in key order (portfolio, date): a portfolio is a range
 * of rows, found by its id, and a date range within it by binary search; a date's rows are listed in
 * portfolio order. Answers come from memory with no query to plan or decompress: this is what makes the
 * uncached path (the first question after a publish) as fast as the cache. 6.3 M rows: ~300 MB.
 */
class GoldIndex {
  private constructor(
    readonly identity: string,
    private readonly portfolioIds: string[],
    private readonly ranges: Map<string, [number, number]>,
    private readonly days: Int32Array,
    private readonly values: Float64Array[],
    private readonly nulls: Uint8Array[],
    private readonly byDate: Map<number, Int32Array>,
    private readonly rowPortfolio: Int32Array,
    readonly latest: string | null,
  ) {}

  get rows(): number {
    return this.days.length;
  }

  /** Reads the file once through DuckDB, in key order, chunk by chunk into typed arrays. */
  static async load(instance: DuckDBInstance, goldFile: string): Promise<GoldIndex> {
    const identity = await fileIdentity(goldFile);
    if (identity === undefined) throw new Error(`no gold file at ${goldFile}`);
    const conn = await instance.connect();
    try {
      const source = `read_parquet('${goldFile}')`; // a configured path, validated by the engine
      const groups = (
        await conn.runAndReadAll(
          `select portfolio_id, count(*)::integer as n from ${source} group by 1 order by 1`,
        )
      ).getRows() as [string, number][];
      const total = groups.reduce((a, [, n]) => a + n, 0);
      const ranges = new Map<string, [number, number]>();
      const rowPortfolio = new Int32Array(total);
      let at = 0;
      groups.forEach(([id, n], p) => {
        ranges.set(id, [at, at + n]);
        rowPortfolio.fill(p, at, at + n);
        at += n;
      });
      const days = new Int32Array(total);
      const values = VALUE_COLUMNS.map(() => new Float64Array(total));
      const nulls = VALUE_COLUMNS.map(() => new Uint8Array(total));
      const select = [
        `cast(summary_date - date '1970-01-01' as integer)`,
        ...VALUE_COLUMNS.map((c) => `cast(${c.name} as double)`),
      ].join(', ');
      const result = await conn.stream(`select ${select} from ${source} order by portfolio_id, summary_date`);
      let row = 0;
      for (
        let chunk = await result.fetchChunk();
        chunk && chunk.rowCount > 0;
        chunk = await result.fetchChunk()
      ) {
        const cols = chunk.getColumns() as (number | null)[][];
        const n = chunk.rowCount;
        const dayCol = cols[0]!;
        for (let i = 0; i < n; i++) days[row + i] = dayCol[i]!;
        for (let c = 0; c < VALUE_COLUMNS.length; c++) {
          const src = cols[c + 1]!;
          const dst = values[c]!;
          const isNull = nulls[c]!;
          for (let i = 0; i < n; i++) {
            const v = src[i];
            if (v === null || v === undefined) isNull[row + i] = 1;
            else dst[row + i] = v;
          }
        }
        row += n;
      }
      // A date's rows in portfolio order: the rows are in portfolio order already, so one pass lists them.
      const counts = new Map<number, number>();
      for (let i = 0; i < total; i++) counts.set(days[i]!, (counts.get(days[i]!) ?? 0) + 1);
      const byDate = new Map<number, Int32Array>();
      const fill = new Map<number, number>();
      for (const [d, n] of counts) {
        byDate.set(d, new Int32Array(n));
        fill.set(d, 0);
      }
      let latest = -Infinity;
      for (let i = 0; i < total; i++) {
        const d = days[i]!;
        const k = fill.get(d)!;
        byDate.get(d)![k] = i;
        fill.set(d, k + 1);
        if (d > latest) latest = d;
      }
      return new GoldIndex(
        identity,
        groups.map(([id]) => id),
        ranges,
        days,
        values,
        nulls,
        byDate,
        rowPortfolio,
        total > 0 ? isoOf(latest) : null,
      );
    } finally {
      conn.closeSync();
    }
  }

  private row(i: number): SummaryRow {
    const out: Record<string, unknown> = {
      portfolio_id: this.portfolioIds[this.rowPortfolio[i]!],
      summary_date: isoOf(this.days[i]!),
    };
    VALUE_COLUMNS.forEach((c, k) => {
      out[c.name] = this.nulls[k]![i] ? null : this.values[k]![i];
    });
    // Contract order, as the SQL engines answer.
    const ordered: Record<string, unknown> = {};
    for (const c of SUMMARY_COLUMNS) ordered[c.name] = out[c.name];
    return ordered as SummaryRow;
  }

  /** First row in [lo, hi) whose day is >= day. */
  private lowerBound(lo: number, hi: number, day: number): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.days[mid]! < day) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  portfolioSummary(q: PortfolioQuery): SummaryRow[] {
    const range = this.ranges.get(q.portfolioId);
    if (!range) return [];
    const from = Math.max(toDay(q.from), q.after ? toDay(q.after) + 1 : -Infinity);
    const to = toDay(q.to);
    const out: SummaryRow[] = [];
    for (let i = this.lowerBound(range[0], range[1], from); i < range[1] && out.length < q.limit; i++) {
      if (this.days[i]! > to) break;
      out.push(this.row(i));
    }
    return out;
  }

  summaryForDate(q: DateQuery): SummaryRow[] {
    const rows = this.byDate.get(toDay(q.date));
    if (!rows) return [];
    const allowed = q.entitlement.all ? undefined : new Set(q.entitlement.portfolios);
    const out: SummaryRow[] = [];
    for (let k = 0; k < rows.length && out.length < q.limit; k++) {
      const i = rows[k]!;
      const id = this.portfolioIds[this.rowPortfolio[i]!]!;
      if (q.after !== undefined && !(id > q.after)) continue;
      if (allowed && !allowed.has(id)) continue;
      out.push(this.row(i));
    }
    return out;
  }
}

export interface GoldIndexEngineOptions {
  /** How often the file's identity is looked at for a new published version (a stat, not per query). */
  versionCheckMs?: number;
  /** The symbol-series marts served and their published files (small: read through DuckDB, not indexed). */
  series?: readonly SeriesMartFile[];
}

/**
 * The local API's engine: each published version of the gold Parquet file indexed in memory (GoldIndex),
 * answering the same questions as the SQL engines, row for row (a test holds it to DuckDbEngine's answers).
 * After a publish (the file replaced atomically: a new identity) questions wait for the new version's load,
 * so an answer is never older than a publish; an unreadable new file keeps the loaded version served.
 */
export class GoldIndexEngine implements QueryEngine {
  readonly name = 'duckdb-index';

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly versions: PublishedVersions<GoldIndex>,
    private readonly series: SeriesMarts,
  ) {}

  static async open(goldFile: string, options: GoldIndexEngineOptions = {}): Promise<GoldIndexEngine> {
    const instance = await goldDuckDb(goldFile);
    const load = () => GoldIndex.load(instance, goldFile);
    const versions = new PublishedVersions(goldFile, options.versionCheckMs ?? 1000, load, await load());
    const series = await SeriesMarts.open(instance, options.series, options.versionCheckMs);
    return new GoldIndexEngine(instance, versions, series);
  }

  /** Why the file on disk is not the version served, when a new version failed to load. */
  get loadError(): string | undefined {
    return this.versions.loadError;
  }

  async portfolioSummary(q: PortfolioQuery): Promise<SummaryRow[]> {
    return (await this.versions.current()).portfolioSummary(q);
  }

  async summaryForDate(q: DateQuery): Promise<SummaryRow[]> {
    return (await this.versions.current()).summaryForDate(q);
  }

  symbolSeries<D extends Dataset>(mart: D, q: SeriesQuery): Promise<Row<D>[]> {
    return this.series.query(mart, q);
  }

  async freshness(): Promise<GoldFreshness> {
    const g = await this.versions.current();
    return { latestSummaryDate: g.latest, rows: g.rows };
  }

  async close(): Promise<void> {
    await this.versions.settle();
    this.series.close();
    this.instance.closeSync();
  }
}
