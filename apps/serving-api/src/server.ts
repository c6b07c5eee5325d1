import { dirname, join } from 'node:path';
import { goldPublishedFile } from '@finlake/platform';
import Type from 'typebox';
import { loadConfig, setting } from '@finlake/config';
import { findRepoRoot } from '@finlake/lake';
import {
  CachingEngine,
  createVerifier,
  fileIdentity,
  DEV_ISSUER,
  API_AUDIENCE,
  devKeyPair,
} from '@finlake/serving';
import { GoldIndexEngine } from '@finlake/serving/duckdb';
import { bearerAuthentication, buildApp } from './app.ts';
import { SERIES_MARTS, SUMMARY_MART } from './marts.ts';

export interface LocalServerOptions {
  port: number;
  host?: string;
  lakeRoot?: string;
  logLevel?: string;
  /** Cache answers per gold version (default; FINLAKE_API_CACHE=off turns it off, e.g. to measure the engine). */
  cache?: boolean;
}

/** The local server's settings from the environment (options given in code win), through libs/config. */
export const localServerConfigSpec = {
  lakeRoot: setting({
    env: 'FINLAKE_LAKE_ROOT',
    schema: Type.String({ minLength: 1 }),
    expected: 'the lake folder (default <repo>/.lake)',
    default: '',
  }),
  cache: setting({
    env: 'FINLAKE_API_CACHE',
    schema: Type.Union([Type.Literal('on'), Type.Literal('off')]),
    expected: 'on or off (cache answers per gold version; off to measure the engine)',
    default: 'on',
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    schema: Type.Union([
      Type.Literal('trace'),
      Type.Literal('debug'),
      Type.Literal('info'),
      Type.Literal('warn'),
      Type.Literal('error'),
      Type.Literal('silent'),
    ]),
    expected: 'trace, debug, info, warn, error or silent',
    default: 'info',
  }),
};

/**
 * The API locally: DuckDB over `<lake>/gold`, tokens verified against the local dev key (mint one with
 * `npx finlake token`). The only file that calls listen.
 */
export async function startLocalServer(options: LocalServerOptions) {
  const config = loadConfig('serving-api', localServerConfigSpec);
  const lake = options.lakeRoot ?? (config.lakeRoot || join(findRepoRoot(), '.lake'));
  const published = (mart: string) => join(lake, 'gold', goldPublishedFile(mart));
  const goldFile = published(SUMMARY_MART.name);
  const series = SERIES_MARTS.map((mart) => ({ mart, file: published(mart.name) }));
  // Each published version indexed in memory (GoldIndexEngine: the uncached path is as fast as the cache);
  // answers cached per gold version: the publisher replaces the file atomically (a new inode), so its
  // identity is the version.
  const duckdb = await GoldIndexEngine.open(goldFile, { series });
  const cache = options.cache ?? config.cache === 'on';
  const files = [goldFile, ...series.map((s) => s.file)];
  const engine = cache
    ? new CachingEngine(duckdb, {
        // Every mart's file: a publish replaces each, and no answer may outlive any.
        version: async () => (await Promise.all(files.map(fileIdentity))).join('|'),
      })
    : duckdb;
  const { publicKeyPem } = devKeyPair(join(lake, '_state', 'dev-keys'));
  const app = await buildApp({
    engine,
    authenticate: bearerAuthentication(
      createVerifier({ issuer: DEV_ISSUER, audience: API_AUDIENCE, publicKeyPem }),
    ),
    publishedMetaFile: join(dirname(goldFile), '_published.json'),
    logger: { level: options.logLevel ?? config.logLevel },
    // Scraped by the dev stack's Prometheus; the server listens on 127.0.0.1 only.
    metrics: 'prometheus',
  });
  app.addHook('onClose', () => engine.close());
  const address = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  return { app, address };
}
