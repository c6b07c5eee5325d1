import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { createVerifier, devKeyPair, mintToken } from '@finlake/serving/auth';
import { authorize, loadAuthorizerConfig } from '../src/authorizer.ts';

const ISSUER = 'https://idp.example.com/';
const keys = devKeyPair(mkdtempSync(join(tmpdir(), 'authz-')));
const ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/GET/v1/portfolios/P001/daily-summary';
const event = (token?: string) => ({ type: 'TOKEN' as const, authorizationToken: token, methodArn: ARN });

let jwks: Server;
let jwksUrl: string;
beforeAll(async () => {
  // The IdP's key set, served over HTTP on 127.0.0.1 as a JWKS endpoint is.
  const jwk = {
    ...createPublicKey(keys.publicKeyPem).export({ format: 'jwk' }),
    kid: 'k1',
    alg: 'RS256',
    use: 'sig',
  };
  jwks = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((r) => jwks.close(() => r())));

const mint = (portfolios: string[] | '*', extra: object = {}) =>
  mintToken(keys.privateKeyPem, {
    sub: 'alice',
    portfolios,
    issuer: ISSUER,
    audience: 'finlake-api',
    ...extra,
  });

describe('api-authorizer', () => {
  it('allows the stage for a valid token (keys from a JWKS URL) and passes the entitlements in context', async () => {
    const verify = createVerifier({ issuer: ISSUER, audience: 'finlake-api', jwksUrl });
    const result = await authorize(event(`Bearer ${await mint(['P001', 'P002'])}`), verify);
    expect(result).toEqual({
      principalId: 'alice',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/*/*',
          },
        ],
      },
      context: { sub: 'alice', scopes: 'summary:read', portfolios: 'P001,P002' },
    });
  });

  it('answers API Gateway`s Unauthorized for missing, expired, wrong-issuer and dev tokens', async () => {
    const verify = createVerifier({
      issuer: ISSUER,
      audience: 'finlake-api',
      publicKeyPem: keys.publicKeyPem,
    });
    const devToken = await mintToken(keys.privateKeyPem, { sub: 'dev', portfolios: '*' }); // local dev issuer
    for (const token of [
      undefined,
      'Bearer nope',
      `Bearer ${await mint('*', { ttlSeconds: -300 })}`,
      `Bearer ${devToken}`,
    ]) {
      await expect(authorize(event(token), verify)).rejects.toThrow(/^Unauthorized$/);
    }
    await expect(
      authorize({ ...event(`Bearer ${await mint('*')}`), methodArn: 'not-an-arn' }, verify),
    ).rejects.toThrow('Unauthorized');
  });
});

describe('api-authorizer configuration', () => {
  it('names every problem, the key source included', () => {
    expect(() => loadAuthorizerConfig({ JWT_ISSUER: 'idp' })).toThrow(/JWT_ISSUER: "idp" is invalid/);
    expect(() => loadAuthorizerConfig({ JWT_ISSUER: ISSUER })).toThrow(
      /JWKS_URL or JWT_PUBLIC_KEY_PEM: set one/,
    );
    expect(
      loadAuthorizerConfig({ JWT_ISSUER: ISSUER, JWKS_URL: 'https://idp.example.com/jwks.json' }).audience,
    ).toBe('finlake-api');
  });
});
