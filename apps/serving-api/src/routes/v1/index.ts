import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Caller, QueryEngine } from '@finlake/serving';
import { dailyPortfolioSummaryRoutes } from './daily-portfolio-summary.ts';
import { dailySymbolNewsPriceRoutes } from './daily-symbol-news-price.ts';
// finlake:source-imports

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the /v1 plugin's hook before any of its routes runs; absent outside /v1. */
    caller?: Caller;
  }
}

export interface V1Options {
  engine: QueryEngine;
  authenticate: (req: FastifyRequest) => Promise<Caller>;
}

/**
 * One route plugin per gold mart: a mart is a new file here and one line in this list (the source generator
 * adds its mart's above the marker).
 */
const MARTS = [
  dailyPortfolioSummaryRoutes,
  dailySymbolNewsPriceRoutes,
  // finlake:source-entries
];

/**
 * The authenticated API: its hook runs for its own routes only (Fastify encapsulation), so being under
 * /v1 is what makes a route authenticated; no URL list decides it.
 */
export const v1Routes: FastifyPluginAsync<V1Options> = async (app, { engine, authenticate }) => {
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', async (req) => {
    req.caller = await authenticate(req);
  });
  for (const mart of MARTS) await app.register(mart, { engine });
};
