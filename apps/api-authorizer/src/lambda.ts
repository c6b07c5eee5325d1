/** AWS Lambda entry point of the API Gateway authorizer. Configuration is checked once, at cold start. */
import { createVerifier } from '@finlake/serving/auth';
import { authorize, loadAuthorizerConfig, type TokenAuthorizerEvent } from './authorizer.ts';

let config: ReturnType<typeof loadAuthorizerConfig>;
try {
  config = loadAuthorizerConfig();
} catch (err) {
  process.stderr.write(`${(err as Error).message}
`);
  process.exit(78); // EX_CONFIG, as loadConfigOrExit does
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
