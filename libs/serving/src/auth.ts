// The authorizer Lambda bundles this module alone (entry @finlake/serving/auth): no DuckDB here.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, importPKCS8, importSPKI, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import type { Entitlement } from './engine.ts';

export const DEV_ISSUER = 'urn:finlake:local-dev';
export const API_AUDIENCE = 'finlake-api';

export interface Caller {
  sub: string;
  scopes: string[];
  entitlement: Entitlement;
}

/** No valid credentials (401); the message says what to send. */
export class AuthError extends Error {
  override name = 'AuthError';
  readonly statusCode = 401;
}

export interface VerifierOptions {
  issuer: string;
  audience: string;
  /** One of: a JWKS URL, or a PEM public key (SPKI). */
  jwksUrl?: string;
  publicKeyPem?: string;
  clockToleranceSeconds?: number;
  /**
   * Verified tokens remembered (by their exact text) for at most this long and never past their own
   * expiry, as API Gateway's authorizer cache does; 0 turns it off. Verification is a pure function of
   * the token, the key and the clock, so a remembered answer is the answer.
   */
  cacheSeconds?: number;
  cacheEntries?: number;
}

/** Verifies `Authorization: Bearer <JWT>` (RS256 only) and maps the claims to a caller. */
export function createVerifier(
  options: VerifierOptions,
): (authorization: string | undefined) => Promise<Caller> {
  let key: JWTVerifyGetKey | Promise<Awaited<ReturnType<typeof importSPKI>>>;
  if (options.jwksUrl) key = createRemoteJWKSet(new URL(options.jwksUrl));
  else if (options.publicKeyPem) key = importSPKI(options.publicKeyPem, 'RS256');
  else throw new Error('the token verifier needs a JWKS URL or a public key');
  const cacheMs = (options.cacheSeconds ?? 300) * 1000;
  const maxEntries = options.cacheEntries ?? 10_000;
  const verified = new Map<string, { caller: Caller; until: number }>();
  return async (authorization) => {
    const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization ?? '');
    if (!m) throw new AuthError('send Authorization: Bearer <JWT>');
    const known = verified.get(m[1]!);
    if (known && known.until > Date.now()) return known.caller;
    if (known) verified.delete(m[1]!);
    const { caller, exp } = await verifyToken(m[1]!);
    if (cacheMs > 0) {
      verified.set(m[1]!, { caller, until: Math.min(Date.now() + cacheMs, exp * 1000) });
      if (verified.size > maxEntries) verified.delete(verified.keys().next().value!);
    }
    return caller;
  };

  async function verifyToken(token: string): Promise<{ caller: Caller; exp: number }> {
    let payload;
    try {
      const resolved = key instanceof Promise ? await key : key;
      ({ payload } = await jwtVerify(token, resolved as JWTVerifyGetKey, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        clockTolerance: options.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw new AuthError(`invalid token: ${(err as Error).message}`);
    }
    const portfolios = payload.portfolios;
    let entitlement: Entitlement;
    if (portfolios === '*') entitlement = { all: true };
    else if (Array.isArray(portfolios) && portfolios.every((p) => typeof p === 'string'))
      entitlement = { all: false, portfolios };
    else throw new AuthError('invalid token: claim "portfolios" must be a list of portfolio ids or "*"');
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    return {
      caller: { sub: payload.sub!, scopes: scope.split(' ').filter(Boolean), entitlement },
      exp: payload.exp!,
    };
  }
}

export function mayRead(caller: Caller, portfolioId: string): boolean {
  return caller.entitlement.all || caller.entitlement.portfolios.includes(portfolioId);
}

/**
 * What the API Gateway authorizer hands the API (`requestContext.authorizer`): string values only,
 * so lists travel comma-separated. One definition for both ends of that hop.
 */
export interface AuthorizerContext {
  sub: string;
  scopes: string;
  portfolios: string;
}

const PORTFOLIO_LIST = /^(\*|[A-Za-z0-9_-]{1,32}(,[A-Za-z0-9_-]{1,32})*|)$/;

export function toAuthorizerContext(caller: Caller): AuthorizerContext {
  return {
    sub: caller.sub,
    scopes: caller.scopes.join(' '),
    portfolios: caller.entitlement.all ? '*' : caller.entitlement.portfolios.join(','),
  };
}

/**
 * The caller from the authorizer's context, on the Lambda side. API Gateway never invokes the API
 * without a passed authorizer, so a missing or malformed context is refused, not defaulted.
 */
export function callerFromAuthorizerContext(context: unknown): Caller {
  const c = (context ?? {}) as Partial<Record<keyof AuthorizerContext, unknown>>;
  if (typeof c.sub !== 'string' || !c.sub || typeof c.portfolios !== 'string')
    throw new AuthError('no authorizer context on the request: call the API through API Gateway');
  if (!PORTFOLIO_LIST.test(c.portfolios))
    throw new AuthError(
      'authorizer context "portfolios" is not a comma-separated list of portfolio ids or "*"',
    );
  const scopes = typeof c.scopes === 'string' ? c.scopes.split(' ').filter(Boolean) : [];
  const entitlement: Entitlement =
    c.portfolios === '*'
      ? { all: true }
      : { all: false, portfolios: c.portfolios.split(',').filter(Boolean) };
  return { sub: c.sub, scopes, entitlement };
}

/** The local dev key pair (created once under `dir`); no deployed stage trusts its issuer. */
export function devKeyPair(dir: string): { privateKeyPem: string; publicKeyPem: string } {
  const priv = join(dir, 'dev-jwt-private.pem');
  const pub = join(dir, 'dev-jwt-public.pem');
  if (!existsSync(priv) || !existsSync(pub)) {
    mkdirSync(dir, { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return { privateKeyPem: readFileSync(priv, 'utf8'), publicKeyPem: readFileSync(pub, 'utf8') };
}

export async function mintToken(
  privateKeyPem: string,
  claims: {
    sub: string;
    portfolios: string[] | '*';
    scope?: string;
    ttlSeconds?: number;
    issuer?: string;
    audience?: string;
  },
): Promise<string> {
  return new SignJWT({ portfolios: claims.portfolios, scope: claims.scope ?? 'summary:read' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(claims.issuer ?? DEV_ISSUER)
    .setAudience(claims.audience ?? API_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlSeconds ?? 3600}s`)
    .sign(await importPKCS8(privateKeyPem, 'RS256'));
}
