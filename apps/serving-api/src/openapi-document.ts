import type { QueryEngine } from '@finlake/serving';
import { buildApp } from './app.ts';

const refuse = (): never => {
  throw new Error('the OpenAPI document needs no gold: this engine answers no query');
};

/**
 * The API's OpenAPI document as the running app serves it at /openapi.json (every route plugin registered,
 * contract-typed schemas), without gold or keys: what the documentation site's API reference renders.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const engine: QueryEngine = {
    name: 'none',
    portfolioSummary: refuse,
    summaryForDate: refuse,
    symbolSeries: refuse,
    freshness: refuse,
    close: async () => undefined,
  };
  const app = await buildApp({ engine, authenticate: refuse, logger: false });
  await app.ready();
  const doc = app.swagger() as unknown as Record<string, unknown>;
  await app.close();
  return doc;
}
