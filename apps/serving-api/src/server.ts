import { join } from 'node:path';
import { findRepoRoot } from '@finlake/lake';
import { createVerifier, DEV_ISSUER, API_AUDIENCE, devKeyPair, DuckDbEngine } from '@finlake/serving';
import { buildApp } from './app.ts';

export interface LocalServerOptions {
  port: number;
  host?: string;
  lakeRoot?: string;
}

/**
 * The API locally: DuckDB over `<lake>/gold`, tokens verified against the local dev key (mint one with
 * `npx finlake token`). The only file that calls listen.
 */
export async function startLocalServer(options: LocalServerOptions) {
  const lake = options.lakeRoot ?? process.env.FINLAKE_LAKE_ROOT ?? join(findRepoRoot(), '.lake');
  const goldDir = join(lake, 'gold', 'daily_portfolio_summary');
  const engine = await DuckDbEngine.open(join(goldDir, 'daily_portfolio_summary.parquet'));
  const { publicKeyPem } = devKeyPair(join(lake, '_state', 'dev-keys'));
  const app = await buildApp({
    engine,
    verify: createVerifier({ issuer: DEV_ISSUER, audience: API_AUDIENCE, publicKeyPem }),
    publishedMetaFile: join(goldDir, '_published.json'),
    logger: { level: process.env.LOG_LEVEL ?? 'info' },
  });
  app.addHook('onClose', () => engine.close());
  const address = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  return { app, address };
}
