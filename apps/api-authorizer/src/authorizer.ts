import Type from 'typebox';
import { loadConfig, setting } from '@finlake/config';
import { AuthError, toAuthorizerContext, type AuthorizerContext, type Caller } from '@finlake/serving/auth';

export const authorizerConfigSpec = {
  issuer: setting({
    env: 'JWT_ISSUER',
    schema: Type.String({ pattern: '^https?://' }),
    expected: 'the identity provider issuer URL',
  }),
  audience: setting({
    env: 'JWT_AUDIENCE',
    schema: Type.String({ minLength: 1 }),
    expected: 'the audience the API tokens carry',
    default: 'finlake-api',
  }),
  jwksUrl: setting({
    env: 'JWKS_URL',
    schema: Type.String({ pattern: '^https://' }),
    expected: "the IdP's JWKS https URL",
    default: '',
  }),
  publicKeyPem: setting({
    env: 'JWT_PUBLIC_KEY_PEM',
    schema: Type.String({ pattern: 'BEGIN PUBLIC KEY' }),
    expected: 'a PEM (SPKI) RSA public key',
    default: '',
  }),
};

/** The rule the spec cannot express per variable: a JWKS URL or a public key. */
export const oneKeySource = (c: { jwksUrl: string; publicKeyPem: string }) =>
  c.jwksUrl || c.publicKeyPem
    ? []
    : ['JWKS_URL or JWT_PUBLIC_KEY_PEM: set one (the IdP key set URL, or a PEM public key)'];

export function loadAuthorizerConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig('api-authorizer', authorizerConfigSpec, env, oneKeySource);
}

/** API Gateway (REST) TOKEN authorizer event. */
export interface TokenAuthorizerEvent {
  type: 'TOKEN';
  authorizationToken?: string;
  methodArn: string;
}

export interface AuthorizerResult {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: { Action: 'execute-api:Invoke'; Effect: 'Allow'; Resource: string }[];
  };
  context: AuthorizerContext;
}

const METHOD_ARN = /^(arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+\/[A-Za-z0-9_-]+)\/[A-Z]+\/.*$/;

/**
 * Verifies the token and allows the whole stage (`<api>/<stage>/*\/*`), so API Gateway can cache the
 * decision per token (TTL on the authorizer); the API itself enforces the entitlements passed in
 * `context` on every row. Any failure is API Gateway's `Unauthorized` (401).
 */
export async function authorize(
  event: TokenAuthorizerEvent,
  verify: (authorization: string | undefined) => Promise<Caller>,
  log: (msg: string, fields: Record<string, unknown>) => void = () => undefined,
): Promise<AuthorizerResult> {
  const stage = METHOD_ARN.exec(event.methodArn ?? '');
  if (!stage) throw new Error('Unauthorized');
  let caller: Caller;
  try {
    caller = await verify(event.authorizationToken);
  } catch (err) {
    log('token rejected', { reason: err instanceof AuthError ? err.message : 'verification failed' });
    throw new Error('Unauthorized');
  }
  return {
    principalId: caller.sub,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${stage[1]}/*/*` }],
    },
    context: toAuthorizerContext(caller),
  };
}
