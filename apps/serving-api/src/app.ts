import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Caller, QueryEngine } from '@finlake/serving';
import { errorHandler, notFoundHandler } from './errors.ts';
import { apiMetrics, type MetricsMode } from './metrics.ts';
import { openApi } from './openapi.ts';
import { healthRoutes } from './routes/health.ts';
import { v1Routes } from './routes/v1/index.ts';

export interface AppOptions {
  engine: QueryEngine;
  /**
   * Who is calling. Locally: the Bearer token verified in-process (`bearerAuthentication`); on Lambda:
   * the context API Gateway's authorizer already produced (`lambda.ts`).
   */
  authenticate: (req: FastifyRequest) => Promise<Caller>;
  /** `_published.json` of the served gold, for /healthz. */
  publishedMetaFile?: string;
  logger?: boolean | object;
  /** Where the Swagger UI assets are when the app is bundled (the Lambda zip); the package's own otherwise. */
  swaggerUiDir?: string;
  /** Request metrics: Prometheus at /metrics (local), EMF lines (Lambda), or none (default). */
  metrics?: MetricsMode;
}

/** Authentication by `Authorization: Bearer <JWT>`, with the shared verifier (local server, tests). */
export const bearerAuthentication =
  (verify: (authorization: string | undefined) => Promise<Caller>) => (req: FastifyRequest) =>
    verify(req.headers.authorization);

/**
 * The gold API as a Fastify app: build it, then `listen` (server.ts) or wrap it (lambda.ts).
 * Public: the OpenAPI document, /docs and /healthz. Authenticated: everything under /v1.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    routerOptions: { maxParamLength: 200 },
    // Unknown query parameters are a 400, not silently dropped: a mistyped filter must not widen a query.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  await apiMetrics(app, options.metrics ?? 'off');
  await openApi(app, options.swaggerUiDir);
  await app.register(healthRoutes, { engine: options.engine, publishedMetaFile: options.publishedMetaFile });
  await app.register(v1Routes, { prefix: '/v1', engine: options.engine, authenticate: options.authenticate });
  return app;
}
