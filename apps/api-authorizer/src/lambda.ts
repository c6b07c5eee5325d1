/** AWS Lambda entry point of the API Gateway authorizer. Configuration is checked once, at cold start. */
import { describeConfig, loadConfigOrExit } from '@finlake/config';
import { createLogger } from '@finlake/logging';
import { createVerifier } from '@finlake/serving/auth';
import { authorize, authorizerConfigSpec, oneKeySource, type TokenAuthorizerEvent } from './authorizer.ts';

const logger = createLogger({ service: 'api-authorizer', pretty: false });
// A bad configuration exits 78 (EX_CONFIG) with every problem named, before any request.
const config = loadConfigOrExit('api-authorizer', authorizerConfigSpec, process.env, oneKeySource);
logger.info({ config: describeConfig(authorizerConfigSpec, config) }, 'configured');
const verify = createVerifier({
  issuer: config.issuer,
  audience: config.audience,
  jwksUrl: config.jwksUrl || undefined,
  publicKeyPem: config.publicKeyPem || undefined,
});

export const handler = (event: TokenAuthorizerEvent) =>
  authorize(event, verify, (msg, fields) => logger.info(fields, msg));
