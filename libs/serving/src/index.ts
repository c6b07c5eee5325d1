export * from './auth.ts';
export * from './cursor.ts';
export { DuckDbEngine } from './duckdb-engine.ts';
export * from './engine.ts';
export { AthenaEngine, AthenaQueryError, type AthenaEngineOptions } from './athena-engine.ts';
