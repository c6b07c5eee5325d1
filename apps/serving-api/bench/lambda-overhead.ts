import { GOVERNANCE } from '@finlake/platform';
/**
 * The Lambda adapter's own cost per request, for `npx finlake bench serving-api`: the same app, engine and
 * request through @fastify/aws-lambda (an API Gateway proxy event) vs `app.inject` (what the adapter
 * calls). Usage: lambda-overhead.ts <lake with gold + dev keys> <requests>; prints one JSON line.
 */
import { join } from 'node:path';
import awsLambdaFastify from '@fastify/aws-lambda';
import {
  API_AUDIENCE,
  CachingEngine,
  createVerifier,
  DEV_ISSUER,
  devKeyPair,
  mintToken,
} from '@finlake/serving';
import { DuckDbEngine } from '@finlake/serving/duckdb';
import { bearerAuthentication, buildApp } from '../src/app.ts';

/** Same app, same engine, same request: through the Lambda adapter vs straight `app.inject`. */
async function lambdaOverhead(gold: string, publicKeyPem: string, token: string, n: number) {
  // Cached answers, so the engine's cost does not drown the adapter's in the noise.
  const engine = new CachingEngine(await DuckDbEngine.open(gold), { version: async () => 'bench' });
  const app = await buildApp({
    engine,
    authenticate: bearerAuthentication(
      createVerifier({ issuer: DEV_ISSUER, audience: API_AUDIENCE, publicKeyPem }),
    ),
  });
  const handler = awsLambdaFastify(app);
  await app.ready();
  const path = '/v1/portfolios/P017/daily-summary';
  const query = { from: '2021-01-01', to: '2021-12-31', limit: '100' };
  const headers = { authorization: `Bearer ${token}` };
  const event = {
    httpMethod: 'GET',
    path,
    resource: '/{proxy+}',
    headers,
    multiValueHeaders: {},
    queryStringParameters: query,
    multiValueQueryStringParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'bench', stage: 'prod', identity: { sourceIp: '127.0.0.1' } },
  };
  const viaInject = async () => {
    const r = await app.inject({ method: 'GET', url: path, query, headers });
    if (r.statusCode !== 200) throw new Error(`inject answered ${r.statusCode}`);
  };
  const viaLambda = async () => {
    const r = await handler(event, {} as never);
    if (r.statusCode !== 200) throw new Error(`lambda handler answered ${r.statusCode}`);
  };
  const time = async (f: () => Promise<void>) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await f();
    return Number(process.hrtime.bigint() - t0) / 1e3 / n;
  };
  try {
    await time(viaInject);
    await time(viaLambda); // warm both paths
    // Interleaved rounds, the fastest of each kept.
    let injectUs = Infinity;
    let handlerUs = Infinity;
    for (let i = 0; i < 5; i++) {
      injectUs = Math.min(injectUs, await time(viaInject));
      handlerUs = Math.min(handlerUs, await time(viaLambda));
    }
    return { injectUs, handlerUs, overheadUs: handlerUs - injectUs, requests: n };
  } finally {
    await app.close();
    await engine.close();
  }
}

const [lake, requests] = process.argv.slice(2);
if (!lake || !/^\d+$/.test(requests ?? '')) {
  process.stderr.write('usage: lambda-overhead.ts <lake root> <requests>\n');
  process.exit(2);
}
const keys = devKeyPair(join(lake, '_state', 'dev-keys'));
const token = await mintToken(keys.privateKeyPem, {
  sub: 'bench',
  portfolios: '*',
  // Full rows, as the baseline reads them.
  scope: `summary:read ${GOVERNANCE.restrictedScope}`,
});
const gold = join(lake, 'gold', 'daily_portfolio_summary', 'daily_portfolio_summary.parquet');
process.stdout.write(
  `${JSON.stringify(await lambdaOverhead(gold, keys.publicKeyPem, token, Number(requests)))}\n`,
);
