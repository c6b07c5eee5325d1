import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import Type from 'typebox';
import { dailyPortfolioSummary, PORTFOLIO_ID_PATTERN } from '@finlake/schemas';
import {
  AuthError,
  CursorError,
  decodeCursor,
  encodeCursor,
  mayRead,
  type Caller,
  type QueryEngine,
} from '@finlake/serving';

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
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

const MAX_RANGE_DAYS = 3700;
const DATE = Type.String({ format: 'date', maxLength: 10, description: 'YYYY-MM-DD' });
const LIMIT = Type.Integer({ minimum: 1, maximum: 500, default: 100 });
const CURSOR = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,200}$',
  description: 'next_cursor of the previous page',
});
const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() });
const Page = (key: string) =>
  Type.Object({
    ...(key ? { [key]: Type.String() } : {}),
    items: Type.Array(dailyPortfolioSummary.schema),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  });
const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  500: ErrorBody,
};

/** Authentication by `Authorization: Bearer <JWT>`, with the shared verifier (local server, tests). */
export const bearerAuthentication =
  (verify: (authorization: string | undefined) => Promise<Caller>) => (req: FastifyRequest) =>
    verify(req.headers.authorization);

/**
 * A page's JSON, remembered per engine answer: a cached answer (the same rows array, see CachingEngine) is
 * serialized once, with the route's response schema, not on every request. `variant` separates callers
 * whose page differs for the same rows (the entitlement filter); the WeakMap lets pages go with their rows.
 */
const pages = new WeakMap<object, Map<string, string>>();
function sendPage(reply: FastifyReply, rows: object, variant: string, build: () => unknown) {
  let byVariant = pages.get(rows);
  let body = byVariant?.get(variant);
  if (body === undefined) {
    body = reply.serialize(build()) as string;
    if (!byVariant) pages.set(rows, (byVariant = new Map()));
    byVariant.set(variant, body);
  }
  return reply.type('application/json; charset=utf-8').send(body);
}

class Forbidden extends Error {}
class BadRequest extends Error {}

/** The gold API as a Fastify app: build it, then `listen` (server.ts) or wrap it (lambda.ts). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    routerOptions: { maxParamLength: 200 },
    // Unknown query parameters are a 400, not silently dropped: a mistyped filter must not widen a query.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Finlake gold API',
        version: '1.0.0',
        description: 'daily_portfolio_summary, per portfolio and per date.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    ...(options.swaggerUiDir
      ? {
          baseDir: options.swaggerUiDir,
          // The plugin reads its logo from its own folder at start-up; bundled, that folder is not there.
          logo: { type: 'image/svg+xml', content: await readFile(join(options.swaggerUiDir, 'logo.svg')) },
        }
      : {}),
  });

  app.addHook('onRequest', async (req) => {
    if (req.url === '/healthz' || req.url.startsWith('/docs') || req.url === '/openapi.json') return;
    req.caller = await options.authenticate(req);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AuthError)
      return reply.code(401).send({ error: 'unauthorized', message: err.message });
    if (err instanceof Forbidden) return reply.code(403).send({ error: 'forbidden', message: err.message });
    if (err instanceof CursorError || err instanceof BadRequest)
      return reply.code(400).send({ error: 'bad_request', message: err.message });
    if (err.validation) return reply.code(400).send({ error: 'bad_request', message: err.message });
    // Fastify's own client errors (bad content type, body too large, unsupported method...) keep
    // their 4xx and their message, which describes the request, not the server.
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500)
      return reply.code(err.statusCode).send({ error: 'bad_request', message: err.message });
    req.log.error({ err }, 'request failed');
    return reply
      .code(500)
      .send({ error: 'internal_error', message: `request ${req.id} failed; it has been logged` });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/healthz',
    {
      schema: {
        security: [],
        response: {
          200: Type.Object({
            status: Type.String(),
            engine: Type.String(),
            gold: Type.Object({
              latest_summary_date: Type.Union([Type.String(), Type.Null()]),
              rows: Type.Integer(),
              published_at: Type.Union([Type.String(), Type.Null()]),
              run_id: Type.Union([Type.String(), Type.Null()]),
            }),
          }),
        },
      },
    },
    async () => {
      const fresh = await options.engine.freshness();
      let meta: { published_at?: string; run_id?: string } = {};
      if (options.publishedMetaFile)
        meta = JSON.parse(await readFile(options.publishedMetaFile, 'utf8').catch(() => '{}'));
      return {
        status: 'ok',
        engine: options.engine.name,
        gold: {
          latest_summary_date: fresh.latestSummaryDate,
          rows: fresh.rows,
          published_at: meta.published_at ?? null,
          run_id: meta.run_id ?? null,
        },
      };
    },
  );

  app.get(
    '/v1/portfolios/:portfolioId/daily-summary',
    {
      schema: {
        params: Type.Object({ portfolioId: Type.String({ pattern: PORTFOLIO_ID_PATTERN, maxLength: 32 }) }),
        querystring: Type.Object(
          { from: DATE, to: DATE, limit: LIMIT, cursor: Type.Optional(CURSOR) },
          { additionalProperties: false },
        ),
        response: { 200: Page('portfolio_id'), ...errors },
      },
    },
    async (req, reply) => {
      const { portfolioId } = req.params;
      const { from, to, limit, cursor } = req.query;
      if (from > to) throw new BadRequest(`from ${from} is after to ${to}`);
      if ((Date.parse(to) - Date.parse(from)) / 86_400_000 > MAX_RANGE_DAYS)
        throw new BadRequest(`the range may span at most ${MAX_RANGE_DAYS} days`);
      if (!mayRead(req.caller!, portfolioId))
        throw new Forbidden(`portfolio ${portfolioId} is not in your entitlements`);
      const after = cursor ? decodeCursor('date', cursor, /^\d{4}-\d{2}-\d{2}$/) : undefined;
      const rows = await options.engine.portfolioSummary({ portfolioId, from, to, after, limit: limit + 1 });
      return sendPage(reply, rows, '', () => {
        const items = rows.slice(0, limit);
        return {
          portfolio_id: portfolioId,
          items,
          next_cursor: rows.length > limit ? encodeCursor('date', items.at(-1)!.summary_date) : null,
        };
      });
    },
  );

  app.get(
    '/v1/daily-portfolio-summary',
    {
      schema: {
        querystring: Type.Object(
          { date: DATE, limit: LIMIT, cursor: Type.Optional(CURSOR) },
          { additionalProperties: false },
        ),
        response: { 200: Page('date'), ...errors },
      },
    },
    async (req, reply) => {
      const { date, limit, cursor } = req.query;
      const after = cursor ? decodeCursor('portfolio', cursor, new RegExp(PORTFOLIO_ID_PATTERN)) : undefined;
      const rows = await options.engine.summaryForDate({
        date,
        entitlement: req.caller!.entitlement,
        after,
        limit: limit + 1,
      });
      const caller = req.caller!;
      const who = caller.entitlement.all ? '*' : caller.entitlement.portfolios.join(',');
      return sendPage(reply, rows, who, () => {
        // Entitlements are enforced in the query and again on every row returned.
        const items = rows.filter((r) => mayRead(caller, r.portfolio_id)).slice(0, limit);
        return {
          date,
          items,
          next_cursor: rows.length > limit ? encodeCursor('portfolio', items.at(-1)!.portfolio_id) : null,
        };
      });
    },
  );

  return app;
}
