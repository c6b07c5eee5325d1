import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement } from '@duckdb/node-api';
import { dailySymbolNewsPrice } from '@finlake/schemas';
import { MartNotPublished, type SymbolNewsQuery, type SymbolNewsRow } from './engine.ts';
import { NEWS_COLUMNS, selectList } from './gold-columns.ts';
import { fileIdentity } from './published-versions.ts';

const COLUMNS = selectList(NEWS_COLUMNS);
const [SYMBOL, DAY] = dailySymbolNewsPrice.primaryKey;
if (SYMBOL !== 'symbol' || DAY !== 'trade_date')
  throw new Error(
    `daily_symbol_news_price is keyed by ${SYMBOL}, ${DAY}; the queries read symbol, trade_date`,
  );

interface Loaded {
  identity: string;
  table: string;
  statement: DuckDBPreparedStatement;
}

/**
 * The published daily_symbol_news_price file for the local engines: each version loaded once into a table
 * in key order (small: a row per symbol per session), one prepared statement on it. A question looks at the
 * file's identity at most every `checkMs`; a new one (the publisher's atomic rename) loads the new version
 * before the question is answered. Questions run one at a time on the mart's own connection (a statement's
 * bindings are its state). Before the first publish every question is a MartNotPublished (503).
 */
export class NewsMart {
  private loaded: Loaded | undefined;
  private checkedAt = -Infinity;
  private queue: Promise<unknown> = Promise.resolve();
  private versions = 0;

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly file: string,
    private readonly checkMs: number,
  ) {}

  static async open(instance: DuckDBInstance, file: string, checkMs = 1000): Promise<NewsMart> {
    if (!/^[^'\n]+\.parquet$/.test(file))
      throw new Error(`news mart path ${JSON.stringify(file)} must be a .parquet path without quotes`);
    return new NewsMart(await instance.connect(), file, checkMs);
  }

  /** Identity of the version served (undefined before the first publish): part of the cache's version. */
  async identity(): Promise<string | undefined> {
    return fileIdentity(this.file);
  }

  query(q: SymbolNewsQuery): Promise<SymbolNewsRow[]> {
    const run = this.queue.then(async () => {
      const { statement } = await this.current();
      statement.bindVarchar(1, q.symbol);
      statement.bindVarchar(2, q.from);
      statement.bindVarchar(3, q.to);
      statement.bindVarchar(4, q.after ?? '0001-01-01');
      statement.bindInteger(5, q.limit);
      return (await statement.runAndReadAll()).getRowObjectsJson() as unknown as SymbolNewsRow[];
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.connection.closeSync();
  }

  private async current(): Promise<Loaded> {
    const now = Date.now();
    if (this.loaded && now - this.checkedAt < this.checkMs) return this.loaded;
    this.checkedAt = now;
    const identity = await fileIdentity(this.file);
    if (identity === undefined) {
      if (this.loaded) return this.loaded; // never unpublished: a missing file keeps the loaded version
      throw new MartNotPublished(dailySymbolNewsPrice.name);
    }
    if (identity === this.loaded?.identity) return this.loaded;
    const table = `news_v${this.versions++}`;
    await this.connection.run(
      `create table ${table} as select * from read_parquet('${this.file}') order by ${SYMBOL}, ${DAY}`,
    );
    const statement = await this.connection.prepare(
      `select ${COLUMNS} from ${table}
       where ${SYMBOL} = $1 and ${DAY} between cast($2 as date) and cast($3 as date)
         and ${DAY} > cast($4 as date)
       order by ${DAY} limit $5`,
    );
    const old = this.loaded;
    this.loaded = { identity, table, statement };
    // Questions run one at a time, so none is reading the old table now.
    if (old) await this.connection.run(`drop table if exists ${old.table}`);
    return this.loaded;
  }
}

/** The news mart of a local engine: its file's reader, or none when the engine was given no file. */
export async function openNewsMart(instance: DuckDBInstance, newsFile?: string, checkMs?: number) {
  return newsFile ? NewsMart.open(instance, newsFile, checkMs) : undefined;
}

/** A question to a local engine's news mart; without one, the 503 a mart not published gets. */
export function askNewsMart(mart: NewsMart | undefined, q: SymbolNewsQuery): Promise<SymbolNewsRow[]> {
  return mart ? mart.query(q) : Promise.reject(new MartNotPublished(dailySymbolNewsPrice.name));
}
