import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement } from '@duckdb/node-api';
import { columnsOf, type Dataset, type Row } from '@finlake/schemas';
import { MartNotPublished, type SeriesQuery } from './engine.ts';
import { selectList, seriesKey } from './gold-columns.ts';
import { fileIdentity } from './published-versions.ts';

interface Loaded {
  identity: string;
  table: string;
  statement: DuckDBPreparedStatement;
}

/**
 * One published symbol-series file for the local engines: each version loaded once into a table in key order
 * (small: a row per symbol per day), one prepared statement on it. A question looks at the file's identity at
 * most every `checkMs`; a new one (the publisher's atomic rename) loads the new version before the question is
 * answered. Questions run one at a time on the mart's own connection (a statement's bindings are its state).
 * Before the first publish every question is a MartNotPublished (503).
 */
class SeriesFile {
  private loaded: Loaded | undefined;
  private checkedAt = -Infinity;
  private queue: Promise<unknown> = Promise.resolve();
  private versions = 0;
  private readonly key: { symbol: string; day: string };

  constructor(
    private readonly mart: Dataset,
    private readonly connection: DuckDBConnection,
    readonly file: string,
    private readonly checkMs: number,
  ) {
    this.key = seriesKey(mart);
  }

  query(q: SeriesQuery): Promise<Record<string, unknown>[]> {
    const run = this.queue.then(async () => {
      const { statement } = await this.current();
      statement.bindVarchar(1, q.symbol);
      statement.bindVarchar(2, q.from);
      statement.bindVarchar(3, q.to);
      statement.bindVarchar(4, q.after ?? '0001-01-01');
      statement.bindInteger(5, q.limit);
      return (await statement.runAndReadAll()).getRowObjectsJson() as Record<string, unknown>[];
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
      throw new MartNotPublished(this.mart.name);
    }
    if (identity === this.loaded?.identity) return this.loaded;
    const { symbol, day } = this.key;
    const table = `${this.mart.name}_v${this.versions++}`;
    await this.connection.run(
      `create table ${table} as select * from read_parquet('${this.file}') order by ${symbol}, ${day}`,
    );
    const statement = await this.connection.prepare(
      `select ${selectList(columnsOf(this.mart))} from ${table}
       where ${symbol} = $1 and ${day} between cast($2 as date) and cast($3 as date)
         and ${day} > cast($4 as date)
       order by ${day} limit $5`,
    );
    const old = this.loaded;
    this.loaded = { identity, table, statement };
    // Questions run one at a time, so none is reading the old table now.
    if (old) await this.connection.run(`drop table if exists ${old.table}`);
    return this.loaded;
  }
}

/** A symbol-series mart a local engine serves: its contract and its published Parquet file. */
export interface SeriesMartFile {
  mart: Dataset;
  file: string;
}

/** The symbol-series marts of a local engine, by name; a mart it was not given answers 503. */
export class SeriesMarts {
  private constructor(private readonly files: Map<string, SeriesFile>) {}

  static async open(instance: DuckDBInstance, marts: readonly SeriesMartFile[] = [], checkMs = 1000) {
    const files = new Map<string, SeriesFile>();
    for (const { mart, file } of marts) {
      if (!/^[^'\n]+\.parquet$/.test(file))
        throw new Error(`${mart.name}: path ${JSON.stringify(file)} must be a .parquet path without quotes`);
      files.set(mart.name, new SeriesFile(mart, await instance.connect(), file, checkMs));
    }
    return new SeriesMarts(files);
  }

  query<D extends Dataset>(mart: D, q: SeriesQuery): Promise<Row<D>[]> {
    const file = this.files.get(mart.name);
    if (!file) return Promise.reject(new MartNotPublished(mart.name));
    return file.query(q) as Promise<Row<D>[]>;
  }

  close(): void {
    for (const f of this.files.values()) f.close();
  }
}
