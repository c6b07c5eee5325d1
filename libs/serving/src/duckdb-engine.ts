import { DuckDBInstance, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import type { DateQuery, GoldFreshness, PortfolioQuery, QueryEngine, SummaryRow } from './engine.ts';
import { selectList } from './gold-columns.ts';

// Typed as the gold contract says, whatever the file's physical types.
const COLUMNS = selectList();

/**
 * DuckDB over the published gold Parquet file (read-only: the file is replaced atomically by the
 * publisher, and each query reads whichever version is current). A small pool of connections, one
 * per concurrent query, each with its statements prepared once.
 */
export class DuckDbEngine implements QueryEngine {
  readonly name = 'duckdb';
  private readonly idle: Conn[] = [];
  private readonly waiting: ((c: Conn) => void)[] = [];

  private constructor(
    private readonly instance: DuckDBInstance,
    conns: Conn[],
  ) {
    this.idle.push(...conns);
  }

  static async open(goldFile: string, poolSize = 4): Promise<DuckDbEngine> {
    if (!/^[^'\n]+\.parquet$/.test(goldFile))
      throw new Error(`gold file path ${JSON.stringify(goldFile)} must be a .parquet path without quotes`);
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const source = `read_parquet('${goldFile}')`; // a configured path, never user input
    const conns: Conn[] = [];
    for (let i = 0; i < poolSize; i++) conns.push(await Conn.open(await instance.connect(), source));
    return new DuckDbEngine(instance, conns);
  }

  private async with<T>(fn: (c: Conn) => Promise<T>): Promise<T> {
    const conn = this.idle.pop() ?? (await new Promise<Conn>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(conn);
    } finally {
      const next = this.waiting.shift();
      if (next) next(conn);
      else this.idle.push(conn);
    }
  }

  portfolioSummary(q: PortfolioQuery): Promise<SummaryRow[]> {
    return this.with(async (c) => {
      const s = c.byPortfolio;
      s.bindVarchar(1, q.portfolioId);
      s.bindVarchar(2, q.from);
      s.bindVarchar(3, q.to);
      s.bindVarchar(4, q.after ?? '0001-01-01');
      s.bindInteger(5, q.limit);
      return (await s.runAndReadAll()).getRowObjectsJson() as unknown as SummaryRow[];
    });
  }

  summaryForDate(q: DateQuery): Promise<SummaryRow[]> {
    return this.with(async (c) => {
      const s = c.byDate;
      s.bindVarchar(1, q.date);
      s.bindVarchar(2, q.after ?? '');
      s.bindBoolean(3, q.entitlement.all);
      // The entitled ids as one parameter: a JSON list, never spliced into SQL.
      s.bindVarchar(4, JSON.stringify(q.entitlement.all ? [] : q.entitlement.portfolios));
      s.bindInteger(5, q.limit);
      return (await s.runAndReadAll()).getRowObjectsJson() as unknown as SummaryRow[];
    });
  }

  freshness(): Promise<GoldFreshness> {
    return this.with(async (c) => {
      const row = (await c.fresh.runAndReadAll()).getRowObjectsJson()[0] as {
        latest: string | null;
        n: string | number;
      };
      return { latestSummaryDate: row.latest, rows: Number(row.n) };
    });
  }

  async close(): Promise<void> {
    for (const c of this.idle) c.connection.closeSync();
    this.instance.closeSync();
  }
}

class Conn {
  private constructor(
    readonly connection: DuckDBConnection,
    readonly byPortfolio: DuckDBPreparedStatement,
    readonly byDate: DuckDBPreparedStatement,
    readonly fresh: DuckDBPreparedStatement,
  ) {}

  static async open(connection: DuckDBConnection, source: string): Promise<Conn> {
    return new Conn(
      connection,
      await connection.prepare(
        `select ${COLUMNS} from ${source}
         where portfolio_id = $1 and summary_date between cast($2 as date) and cast($3 as date)
           and summary_date > cast($4 as date)
         order by summary_date limit $5`,
      ),
      await connection.prepare(
        `select ${COLUMNS} from ${source}
         where summary_date = cast($1 as date) and portfolio_id > $2
           and ($3 or list_contains(cast(json($4) as varchar[]), portfolio_id))
         order by portfolio_id limit $5`,
      ),
      await connection.prepare(
        `select cast(max(summary_date) as varchar) as latest, count(*) as n from ${source}`,
      ),
    );
  }
}
