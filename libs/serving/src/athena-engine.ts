import { randomUUID } from 'node:crypto';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type GetQueryResultsCommandOutput,
} from '@aws-sdk/client-athena';
import {
  MartNotPublished,
  type DateQuery,
  type GoldFreshness,
  type PortfolioQuery,
  type QueryEngine,
  type SeriesQuery,
  type SummaryRow,
} from './engine.ts';
import { columnsOf, dailyPortfolioSummary, type Dataset, type Row } from '@finlake/schemas';
import { rowFromStrings, selectList, seriesKey } from './gold-columns.ts';

export class AthenaQueryError extends Error {
  constructor(
    message: string,
    readonly state: string,
  ) {
    super(message);
    this.name = 'AthenaQueryError';
  }
}

export interface AthenaEngineOptions {
  client: Pick<AthenaClient, 'send'>;
  workGroup: string;
  /** Fully qualified table, from configuration only (never from a request): `gold_db.daily_portfolio_summary`. */
  table: string;
  /**
   * The served symbol-series marts' tables by mart name, also from configuration:
   * `{ daily_symbol_news_price: 'gold_db.daily_symbol_news_price' }`. A mart not given answers 503.
   */
  seriesTables?: Readonly<Record<string, string>>;
  /** Give up after this long (ms); Athena has a ~2 s floor per query. */
  deadlineMs?: number;
  pollInitialMs?: number;
  pollMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const TABLE = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;

/** LIMIT takes no parameter in Athena: only a checked integer ever reaches the query text. */
function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new Error(`limit must be an integer from 1 to 10000, got ${limit}`);
  return limit;
}
const COLUMNS = selectList();
// The served table's partition (the contract's): each question names the months it reads, so Athena
// prunes to them (a portfolio's year is 12 small partitions, not all of gold).
const [MONTH] = dailyPortfolioSummary.partitionBy.map((p) => p.name);
if (MONTH !== 'summary_month')
  throw new Error(`gold's partition is ${MONTH}; the Athena queries prune by month`);
const month = (isoDate: string) => isoDate.slice(0, 7);

/**
 * Athena behind the QueryEngine interface: StartQueryExecution with ExecutionParameters (values
 * as parameters, never spliced), the workgroup's enforced settings, a ClientRequestToken per call
 * for idempotent starts; polling with capped exponential backoff to a deadline; GetQueryResults
 * pages mapped to typed rows.
 */
export class AthenaEngine implements QueryEngine {
  readonly name = 'athena';

  constructor(private readonly o: AthenaEngineOptions) {
    for (const t of [o.table, ...Object.values(o.seriesTables ?? {})])
      if (!TABLE.test(t))
        throw new Error(`Athena table ${JSON.stringify(t)} must be database.table in lowercase identifiers`);
  }

  portfolioSummary(q: PortfolioQuery): Promise<SummaryRow[]> {
    return this.rows(
      `select ${COLUMNS} from ${this.o.table}
       where ${MONTH} between ? and ? and portfolio_id = ?
         and summary_date between cast(? as date) and cast(? as date) and summary_date > cast(? as date)
       order by summary_date limit ${checkedLimit(q.limit)}`,
      [month(q.from), month(q.to), q.portfolioId, q.from, q.to, q.after ?? '0001-01-01'],
    );
  }

  summaryForDate(q: DateQuery): Promise<SummaryRow[]> {
    const entitled = q.entitlement.all ? ['*'] : [...q.entitlement.portfolios];
    return this.rows(
      `select ${COLUMNS} from ${this.o.table}
       where ${MONTH} = ? and summary_date = cast(? as date) and portfolio_id > ?
         and (? = '*' or contains(split(?, ','), portfolio_id))
       order by portfolio_id limit ${checkedLimit(q.limit)}`,
      [month(q.date), q.date, q.after ?? '', entitled[0] === '*' ? '*' : '-', entitled.join(',')],
    );
  }

  async symbolSeries<D extends Dataset>(mart: D, q: SeriesQuery): Promise<Row<D>[]> {
    const table = this.o.seriesTables?.[mart.name];
    if (!table) throw new MartNotPublished(mart.name);
    const { symbol, day } = seriesKey(mart);
    const columns = columnsOf(mart);
    const rows = await this.raw(
      `select ${selectList(columns)} from ${table}
       where ${symbol} = ? and ${day} between cast(? as date) and cast(? as date)
         and ${day} > cast(? as date)
       order by ${day} limit ${checkedLimit(q.limit)}`,
      [q.symbol, q.from, q.to, q.after ?? '0001-01-01'],
    );
    return rows.map((r) => rowFromStrings<Row<D>>(r, columns));
  }

  async freshness(): Promise<GoldFreshness> {
    const [row] = await this.raw(
      `select cast(max(summary_date) as varchar), count(*) from ${this.o.table}`,
      [],
    );
    return { latestSummaryDate: row?.[0] ?? null, rows: Number(row?.[1] ?? 0) };
  }

  /** Nothing to release: the SDK client belongs to the caller. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private async rows(sql: string, params: string[]): Promise<SummaryRow[]> {
    return (await this.raw(sql, params)).map((r) => rowFromStrings(r));
  }

  /** Runs a query to completion and returns its data rows as strings (null for SQL NULL). */
  private async raw(sql: string, params: string[]): Promise<(string | null)[][]> {
    // ExecutionParameters are substituted as literal text: single quotes around each, escaped.
    const execParams = params.map((p) => `'${p.replace(/'/g, "''")}'`);
    const start = await this.o.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.o.workGroup,
        ClientRequestToken: randomUUID(),
        ...(execParams.length ? { ExecutionParameters: execParams } : {}),
      }),
    );
    const id = start.QueryExecutionId!;
    const sleep = this.o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const deadline = Date.now() + (this.o.deadlineMs ?? 20_000);
    for (let wait = this.o.pollInitialMs ?? 200; ; wait = Math.min(wait * 2, this.o.pollMaxMs ?? 2_000)) {
      const exec = (await this.o.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })))
        .QueryExecution;
      const state = exec?.Status?.State ?? 'UNKNOWN';
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new AthenaQueryError(
          `Athena query ${id} ${state.toLowerCase()}: ${exec?.Status?.StateChangeReason ?? 'no reason given'}`,
          state,
        );
      }
      if (Date.now() + wait > deadline)
        throw new AthenaQueryError(
          `Athena query ${id} did not finish before the deadline (${state})`,
          'TIMEOUT',
        );
      await sleep(wait);
    }
    const out: (string | null)[][] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page: GetQueryResultsCommandOutput = await this.o.client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }),
      );
      const rows = page.ResultSet?.Rows ?? [];
      // The first row of the first page is the header.
      for (const row of first ? rows.slice(1) : rows)
        out.push((row.Data ?? []).map((d) => d.VarCharValue ?? null));
      first = false;
      token = page.NextToken;
    } while (token);
    return out;
  }
}
