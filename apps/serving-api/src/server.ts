import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { findRepoRoot } from '@finlake/lake';
import { CachingEngine, createVerifier, DEV_ISSUER, API_AUDIENCE, devKeyPair } from '@finlake/serving';
import { DuckDbEngine } from '@finlake/serving/duckdb';
import { bearerAuthentication, buildApp } from './app.ts';

export interface LocalServerOptions {
  port: number;
  host?: string;
  lakeRoot?: string;
  logLevel?: string;
  /** Cache answers per gold version (default; FINLAKE_API_CACHE=off turns it off, e.g. to measure the engine). */
  cache?: boolean;
}

/**
 * The API locally: DuckDB over `<lake>/gold`, tokens verified against the local dev key (mint one with
 * `npx finlake token`). The only file that calls listen.
 */
export async function startLocalServer(options: LocalServerOptions) {
  const lake = options.lakeRoot ?? process.env.FINLAKE_LAKE_ROOT ?? join(findRepoRoot(), '.lake');
  const goldDir = join(lake, 'gold', 'daily_portfolio_summary');
  const goldFile = join(goldDir, 'daily_portfolio_summary.parquet');
  // Answers cached per gold version: the publisher replaces the file atomically (a new inode), so its
  // identity is the version.
  const duckdb = await DuckDbEngine.open(goldFile);
  const cache = options.cache ?? cacheFromEnv(process.env.FINLAKE_API_CACHE);
  const engine = cache
    ? new CachingEngine(duckdb, {
        version: async () => {
          const s = await stat(goldFile).catch(() => undefined);
          return s ? `${s.ino}:${s.size}:${s.mtimeMs}` : 'missing';
        },
      })
    : duckdb;
  const { publicKeyPem } = devKeyPair(join(lake, '_state', 'dev-keys'));
  const app = await buildApp({
    engine,
    authenticate: bearerAuthentication(
      createVerifier({ issuer: DEV_ISSUER, audience: API_AUDIENCE, publicKeyPem }),
    ),
    publishedMetaFile: join(goldDir, '_published.json'),
    logger: { level: options.logLevel ?? process.env.LOG_LEVEL ?? 'info' },
  });
  app.addHook('onClose', () => engine.close());
  const address = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  return { app, address };
}

/** FINLAKE_API_CACHE: `on` (the default) or `off`; anything else is a mistake worth stopping for. */
export function cacheFromEnv(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`FINLAKE_API_CACHE must be on or off, got ${JSON.stringify(value)}`);
}
