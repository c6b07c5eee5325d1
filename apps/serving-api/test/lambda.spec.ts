import { GOVERNANCE } from '@finlake/platform';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AthenaClient, CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import awsLambdaFastify from '@fastify/aws-lambda';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { FastifyInstance } from 'fastify';
import { createClient } from '@finlake/aws';
import { startMoto, type MotoServer } from '@finlake/aws/testing';
import { ConfigError, loadConfig } from '@finlake/config';
import { toAuthorizerContext, type AuthorizerContext } from '@finlake/serving';
import { buildLambdaApp, lambdaConfigSpec } from '../src/lambda-app.ts';

// The Lambda path end to end: an API Gateway REST proxy event through @fastify/aws-lambda into the
// app, the Athena engine speaking the real Athena wire protocol to moto_server on 127.0.0.1.
let moto: MotoServer;
let app: FastifyInstance;
type ProxyHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
let handler: ProxyHandler;

const COLUMNS = [
  'portfolio_id',
  'summary_date',
  'positions_count',
  'stale_positions_count',
  'market_value',
  'prior_market_value',
  'daily_pnl',
  'daily_return',
];
const rowOf = (values: (string | null)[]) => ({
  Data: values.map((v) => (v === null ? {} : { VarCharValue: v })),
});
/** Queues the answer moto gives the next query (Athena's first row is the header). */
async function queueAthenaResult(rows: (string | null)[][]) {
  const res = await fetch(`${moto.endpoint}/moto-api/static/athena/query-results`, {
    method: 'POST',
    body: JSON.stringify({
      region: 'us-east-1',
      results: [
        {
          rows: [rowOf(COLUMNS), ...rows.map(rowOf)],
          column_info: COLUMNS.map((Name) => ({ Name, Label: Name, Type: 'varchar' })),
        },
      ],
    }),
  });
  expect(res.status).toBe(201);
}

function proxyEvent(path: string, query: Record<string, string>, authorizer?: AuthorizerContext | null) {
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: 'GET',
    headers: { Host: 'api.example.com', Accept: 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      stage: 'prod',
      httpMethod: 'GET',
      path: `/prod${path}`,
      identity: { sourceIp: '203.0.113.9' },
      ...(authorizer === null ? {} : { authorizer }),
    },
  } as unknown as APIGatewayProxyEvent;
}
const invoke = async (event: APIGatewayProxyEvent) => {
  const res = await handler(event, {} as Context);
  return { ...res, json: () => JSON.parse(res.body) };
};
const caller = (portfolios: string[] | '*') =>
  toAuthorizerContext({
    sub: 'alice',
    // The restricted scope travels through the authorizer's context like the entitlements.
    scopes: ['summary:read', GOVERNANCE.restrictedScope],
    entitlement: portfolios === '*' ? { all: true } : { all: false, portfolios },
  });

beforeAll(async () => {
  moto = await startMoto();
  await createClient(AthenaClient, moto.settings).send(
    new CreateWorkGroupCommand({
      Name: 'finlake-test',
      Configuration: { ResultConfiguration: { OutputLocation: 's3://results/athena/' } },
    }),
  );
  const config = loadConfig('serving-api', lambdaConfigSpec, {
    ATHENA_WORKGROUP: 'finlake-test',
    GOLD_TABLE: 'finlake_test_gold.daily_portfolio_summary',
    LOG_LEVEL: 'error',
  });
  app = await buildLambdaApp(config, moto.settings);
  handler = awsLambdaFastify(app) as ProxyHandler;
  await app.ready();
}, 60_000);
afterAll(async () => {
  await app?.close();
  await moto?.stop();
});

describe('the API on Lambda (API Gateway proxy events, Athena on moto)', () => {
  it('serves an entitled portfolio from Athena, typed, with the caller from the authorizer context', async () => {
    await queueAthenaResult([
      ['P001', '2020-01-02', '2', '0', '1000.5', '990.25', '10.25', '0.01035'],
      ['P001', '2020-01-03', '2', '1', '1001.5', null, null, null],
    ]);
    const res = await invoke(
      proxyEvent(
        '/v1/portfolios/P001/daily-summary',
        { from: '2020-01-01', to: '2020-01-31' },
        caller(['P001']),
      ),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json()).toEqual({
      portfolio_id: 'P001',
      items: [
        {
          portfolio_id: 'P001',
          summary_date: '2020-01-02',
          positions_count: 2,
          stale_positions_count: 0,
          market_value: 1000.5,
          prior_market_value: 990.25,
          daily_pnl: 10.25,
          daily_return: 0.01035,
        },
        {
          portfolio_id: 'P001',
          summary_date: '2020-01-03',
          positions_count: 2,
          stale_positions_count: 1,
          market_value: 1001.5,
          prior_market_value: null,
          daily_pnl: null,
          daily_return: null,
        },
      ],
      next_cursor: null,
    });
  });

  it('answers 403 for a portfolio outside the authorizer context`s entitlements', async () => {
    const res = await invoke(
      proxyEvent(
        '/v1/portfolios/P002/daily-summary',
        { from: '2020-01-01', to: '2020-01-31' },
        caller(['P001']),
      ),
    );
    expect(res.statusCode).toBe(403);
  });

  it('drops rows of portfolios the caller may not see even if the engine returned them', async () => {
    await queueAthenaResult([
      ['P001', '2020-01-02', '2', '0', '1', '1', '0', '0'],
      ['P002', '2020-01-02', '2', '0', '1', '1', '0', '0'],
    ]);
    const res = await invoke(
      proxyEvent('/v1/daily-portfolio-summary', { date: '2020-01-02' }, caller(['P001'])),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((r: { portfolio_id: string }) => r.portfolio_id)).toEqual(['P001']);
  });

  it('refuses a request without an authorizer context (not through API Gateway) with 401', async () => {
    const res = await invoke(proxyEvent('/v1/daily-portfolio-summary', { date: '2020-01-02' }, null));
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/through API Gateway/);
  });

  it('does not trust a client-sent x-apigateway-event header for the caller', async () => {
    const forged = encodeURIComponent(JSON.stringify({ requestContext: { authorizer: caller('*') } }));
    const event = proxyEvent('/v1/daily-portfolio-summary', { date: '2020-01-02' }, null);
    event.headers['x-apigateway-event'] = forged;
    expect((await invoke(event)).statusCode).toBe(401);
  });

  it('answers 400 for bad input and reports health without auth', async () => {
    const bad = await invoke(
      proxyEvent(
        '/v1/portfolios/P001/daily-summary',
        { from: "2020-01-01' or 1=1 --", to: '2020-01-31' },
        caller('*'),
      ),
    );
    expect(bad.statusCode).toBe(400);
    await queueAthenaResult([['2020-12-31', '4200', null, null, null, null, null, null]]);
    const health = await invoke(proxyEvent('/healthz', {}, null));
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({
      engine: 'athena',
      gold: { latest_summary_date: '2020-12-31', rows: 4200 },
    });
  });
});

describe('Lambda configuration', () => {
  it('names every bad or missing setting', () => {
    expect(() =>
      loadConfig('serving-api', lambdaConfigSpec, {
        GOLD_TABLE: 'gold; drop table x',
        ATHENA_DEADLINE_MS: '60000',
      }),
    ).toThrow(ConfigError);
    try {
      loadConfig('serving-api', lambdaConfigSpec, {
        GOLD_TABLE: 'gold; drop table x',
        ATHENA_DEADLINE_MS: '60000',
      });
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toMatch(/ATHENA_WORKGROUP/);
      expect(msg).toMatch(/GOLD_TABLE/);
      expect(msg).toMatch(/ATHENA_DEADLINE_MS.*27000/);
    }
  });
});

describe('the deployable Lambda bundle (build-lambda output)', () => {
  it('loads outside the workspace, serves the docs page and OpenAPI, and refuses unauthorised calls', async () => {
    const bundle = fileURLToPath(new URL('../dist/lambda/lambda.js', import.meta.url));
    // The test target depends on build-lambda (package.json), so the bundle is there.
    expect(existsSync(bundle), `${bundle} missing: run npx nx run serving-api:build-lambda`).toBe(true);
    Object.assign(process.env, {
      ATHENA_WORKGROUP: 'finlake-test',
      GOLD_TABLE: 'finlake_test_gold.daily_portfolio_summary',
      LOG_LEVEL: 'error',
    });
    const { handler: bundled } = (await import(pathToFileURL(bundle).href)) as {
      handler: ProxyHandler;
    };
    const call = (path: string, authorizer: AuthorizerContext | null = null) =>
      bundled(proxyEvent(path, {}, authorizer), {} as Context);
    expect((await call('/docs')).statusCode).toBe(200);
    expect((await call('/docs/static/swagger-ui-bundle.js')).statusCode).toBe(200);
    const spec = JSON.parse((await call('/openapi.json')).body);
    expect(Object.keys(spec.paths)).toContain('/v1/daily-portfolio-summary');
    expect((await call('/v1/daily-portfolio-summary')).statusCode).toBe(401);
  });
});
