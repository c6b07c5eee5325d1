// DuckDB (a native module) has its own entry, @finlake/serving/duckdb, so the Lambda bundles never load it.
export * from './auth.ts';
export * from './cursor.ts';
export * from './engine.ts';
export { AthenaEngine, AthenaQueryError, type AthenaEngineOptions } from './athena-engine.ts';
export { CachingEngine, type CachingOptions } from './caching-engine.ts';
export { fileIdentity, PublishedVersions } from './published-versions.ts';
export { seriesKey } from './gold-columns.ts';
