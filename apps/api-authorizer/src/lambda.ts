/** AWS Lambda entry point of the API Gateway authorizer. Configuration is checked once, at cold start. */
import { loadConfigOrExit } from '@finlake/config';
import { createVerifier } from '@finlake/serving/auth';
import { authorize, authorizerConfigSpec, type TokenAuthorizerEvent } from './authorizer.ts';

const config = loadConfigOrExit('api-authorizer', authorizerConfigSpec);
if (!config.jwksUrl && !config.publicKeyPem) {
  process.stderr.write(
    'Invalid configuration for api-authorizer:\n  - set JWKS_URL (the IdP key set) or JWT_PUBLIC_KEY_PEM\n',
  );
  process.exit(78);
}
const verify = createVerifier({
  issuer: config.issuer,
  audience: config.audience,
  jwksUrl: config.jwksUrl || undefined,
  publicKeyPem: config.publicKeyPem || undefined,
});

export const handler = (event: TokenAuthorizerEvent) =>
  authorize(event, verify, (msg, fields) =>
    console.log(JSON.stringify({ level: 'info', service: 'api-authorizer', msg, ...fields })),
  );
