/** AWS Lambda entry point (API Gateway REST proxy integration): the app wrapped by @fastify/aws-lambda. */
import awsLambdaFastify from '@fastify/aws-lambda';
import { loadConfigOrExit } from '@finlake/config';
import { buildLambdaApp, lambdaConfigSpec } from './lambda-app.ts';

const app = await buildLambdaApp(loadConfigOrExit('serving-api', lambdaConfigSpec));
export const handler = awsLambdaFastify(app);
// At module top level, so plugin loading and schema compilation happen in the init phase, not in the
// first request's latency.
await app.ready();
