import { DuckDBInstance } from '@duckdb/node-api';

/**
 * The in-memory DuckDB instance a local engine reads the published gold file with. The path is a configured
 * one, never user input; it is still refused unless it is a plain .parquet path, since it is spliced into SQL.
 */
export async function goldDuckDb(goldFile: string): Promise<DuckDBInstance> {
  if (!/^[^'\n]+\.parquet$/.test(goldFile))
    throw new Error(`gold file path ${JSON.stringify(goldFile)} must be a .parquet path without quotes`);
  return DuckDBInstance.create(':memory:', { threads: '2' });
}
