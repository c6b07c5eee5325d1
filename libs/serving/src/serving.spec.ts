import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, importPKCS8 } from 'jose';
import {
  API_AUDIENCE,
  AuthError,
  createVerifier,
  CursorError,
  decodeCursor,
  DEV_ISSUER,
  devKeyPair,
  encodeCursor,
  mayRead,
  mintToken,
  callerFromAuthorizerContext,
  toAuthorizerContext,
} from './index.ts';

const keys = devKeyPair(mkdtempSync(join(tmpdir(), 'keys-')));
const verify = createVerifier({
  issuer: DEV_ISSUER,
  audience: API_AUDIENCE,
  publicKeyPem: keys.publicKeyPem,
});

describe('cursors', () => {
  it('round-trip and refuse tampered or foreign ones', () => {
    expect(decodeCursor('date', encodeCursor('date', '2020-01-02'), /^\d{4}-\d{2}-\d{2}$/)).toBe(
      '2020-01-02',
    );
    expect(() => decodeCursor('date', encodeCursor('portfolio', 'P001'), /^P/)).toThrow(CursorError);
    expect(() => decodeCursor('date', encodeCursor('date', "2020'; drop"), /^\d{4}-\d{2}-\d{2}$/)).toThrow(
      CursorError,
    );
    expect(() => decodeCursor('date', '!!!', /./)).toThrow(
      /pass next_cursor from the previous page unchanged/,
    );
  });
});

describe('tokens', () => {
  it('carry the subject, scopes and entitlements', async () => {
    const caller = await verify(
      `Bearer ${await mintToken(keys.privateKeyPem, { sub: 'alice', portfolios: ['P001'] })}`,
    );
    expect(caller).toEqual({
      sub: 'alice',
      scopes: ['summary:read'],
      entitlement: { all: false, portfolios: ['P001'] },
    });
    expect(mayRead(caller, 'P001')).toBe(true);
    expect(mayRead(caller, 'P002')).toBe(false);
    const all = await verify(
      `Bearer ${await mintToken(keys.privateKeyPem, { sub: 'ops', portfolios: '*' })}`,
    );
    expect(mayRead(all, 'P999')).toBe(true);
  });

  it('refuse a token whose portfolios claim is malformed, or signed with another algorithm', async () => {
    const bad = await new SignJWT({ portfolios: 'P001' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('x')
      .setIssuer(DEV_ISSUER)
      .setAudience(API_AUDIENCE)
      .setExpirationTime('1h')
      .sign(await importPKCS8(keys.privateKeyPem, 'RS256'));
    await expect(verify(`Bearer ${bad}`)).rejects.toThrow(/claim "portfolios" must be a list/);
    const hs = await new SignJWT({ portfolios: '*' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer(DEV_ISSUER)
      .setAudience(API_AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough-000'));
    await expect(verify(`Bearer ${hs}`)).rejects.toThrow(AuthError);
    await expect(verify('Basic abc')).rejects.toThrow(/send Authorization: Bearer <JWT>/);
  });
});

describe('authorizer context', () => {
  it('round-trips a caller through the string-only context API Gateway passes on', () => {
    const some = {
      sub: 'alice',
      scopes: ['summary:read'],
      entitlement: { all: false as const, portfolios: ['P001', 'P002'] },
    };
    const all = { sub: 'ops', scopes: [], entitlement: { all: true as const } };
    expect(callerFromAuthorizerContext(toAuthorizerContext(some))).toEqual(some);
    expect(callerFromAuthorizerContext(toAuthorizerContext(all))).toEqual(all);
    expect(toAuthorizerContext(some)).toEqual({
      sub: 'alice',
      scopes: 'summary:read',
      portfolios: 'P001,P002',
    });
  });

  it('refuses a missing or malformed context instead of defaulting it', () => {
    expect(() => callerFromAuthorizerContext(undefined)).toThrow(AuthError);
    expect(() => callerFromAuthorizerContext({ sub: 'a' })).toThrow(/through API Gateway/);
    expect(() => callerFromAuthorizerContext({ sub: 'a', portfolios: "P001' or 1=1" })).toThrow(/portfolios/);
    expect(callerFromAuthorizerContext({ sub: 'a', portfolios: '' }).entitlement).toEqual({
      all: false,
      portfolios: [],
    });
  });
});

describe('verified-token cache', () => {
  it('never serves a remembered token past its own expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const v = createVerifier({
        issuer: DEV_ISSUER,
        audience: API_AUDIENCE,
        publicKeyPem: keys.publicKeyPem,
        clockToleranceSeconds: 0,
      });
      const tok = await mintToken(keys.privateKeyPem, { sub: 'a', portfolios: ['P001'], ttlSeconds: 60 });
      expect((await v(`Bearer ${tok}`)).sub).toBe('a');
      vi.setSystemTime(Date.now() + 61_000);
      await expect(v(`Bearer ${tok}`)).rejects.toThrow(/exp/);
    } finally {
      vi.useRealTimers();
    }
  });
});
