import { GOLD_MARTS, glueDatabase } from '@finlake/platform';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AthenaClient } from '@aws-sdk/client-athena';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { awsSettingsFromEnv, createClient, type AwsClientSettings } from '@finlake/aws';
import { setting, type ConfigOf } from '@finlake/config';
import { AthenaEngine, CachingEngine, callerFromAuthorizerContext } from '@finlake/serving';
import { buildApp } from './app.ts';
import { SERIES_MARTS } from './marts.ts';

/** The API's configuration on Lambda (environment variables set by the ServingApi Pulumi component). */
export const lambdaConfigSpec = {
  workGroup: setting({
    env: 'ATHENA_WORKGROUP',
    schema: Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' }),
    expected: 'the Athena workgroup whose enforced settings (results location, scan cutoff) apply',
  }),
  table: setting({
    env: 'GOLD_TABLE',
    schema: Type.String({ pattern: '^[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*$' }),
    expected: `database.table of the gold summary, e.g. ${glueDatabase('prod', 'gold')}.${GOLD_MARTS[0]}`,
  }),
  deadlineMs: setting({
    env: 'ATHENA_DEADLINE_MS',
    // API Gateway gives an integration at most 29 s; the answer must leave before that.
    schema: Type.Integer({ minimum: 1000, maximum: 27000 }),
    expected: 'milliseconds from 1000 to 27000 (under API Gateway`s 29 s integration limit)',
    default: 20000,
  }),
  cacheSeconds: setting({
    env: 'API_CACHE_SECONDS',
    // Gold is published nightly; an Athena query costs ~1 s and money. 0 turns the cache off.
    schema: Type.Integer({ minimum: 0, maximum: 3600 }),
    expected: 'seconds from 0 (off) to 3600 an answer may be reused',
    default: 300,
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    schema: Type.Union([
      Type.Literal('debug'),
      Type.Literal('info'),
      Type.Literal('warn'),
      Type.Literal('error'),
    ]),
    expected: 'debug, info, warn or error',
    default: 'info',
  }),
};
export type LambdaConfig = ConfigOf<typeof lambdaConfigSpec>;

type LambdaRequest = FastifyRequest & { awsLambda?: { event?: APIGatewayProxyEvent } };

/**
 * The same app as locally, on the Athena engine. The token was verified once by the API Gateway
 * authorizer (whose decision is cached); the API takes the caller from the authorizer's context
 * and enforces its entitlements on every row.
 */
export async function buildLambdaApp(config: LambdaConfig, aws: AwsClientSettings = awsSettingsFromEnv()) {
  const athena = new AthenaEngine({
    client: createClient(AthenaClient, aws),
    workGroup: config.workGroup,
    table: config.table,
    // Every served mart is a table of the same gold database (infra declares one per GOLD_MARTS entry).
    seriesTables: Object.fromEntries(
      SERIES_MARTS.map((m) => [m.name, `${config.table.split('.')[0]}.${m.name}`]),
    ),
    deadlineMs: config.deadlineMs,
  });
  // A warm Lambda reuses answers for a few minutes (no cheap way to see a publish from here).
  const engine =
    config.cacheSeconds > 0 ? new CachingEngine(athena, { ttlMs: config.cacheSeconds * 1000 }) : athena;
  return buildApp({
    engine,
    authenticate: async (req) =>
      callerFromAuthorizerContext((req as LambdaRequest).awsLambda?.event?.requestContext?.authorizer),
    logger: { level: config.logLevel },
    swaggerUiDir: bundledSwaggerUi(),
    // The same metric names as CloudWatch EMF lines in the function's log (no agent).
    metrics: 'emf',
  });
}

/** build-lambda copies Swagger UI's assets beside the bundle; unbundled (tests) the package serves its own. */
function bundledSwaggerUi(): string | undefined {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'swagger-ui');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}
