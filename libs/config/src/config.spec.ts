import Type from 'typebox';
import { ConfigError, describeConfig, loadConfig, setting } from './index.ts';

const spec = {
  apiKey: setting({
    env: 'FMP_API_KEY',
    schema: Type.String({ minLength: 8 }),
    expected: 'your FMP API key',
    secret: true,
  }),
  ratePerMin: setting({
    env: 'FMP_RATE_LIMIT_PER_MIN',
    schema: Type.Integer({ minimum: 1, maximum: 3000 }),
    expected: 'an integer from 1 to 3000 (your plan: Starter 300)',
    default: 300,
  }),
  baseUrl: setting({
    env: 'FMP_BASE_URL',
    schema: Type.String({ pattern: '^https?://' }),
    expected: 'an http(s) URL',
    default: 'https://financialmodelingprep.com',
  }),
  dryRun: setting({ env: 'DRY_RUN', schema: Type.Boolean(), expected: 'true or false', default: false }),
  symbols: setting({
    env: 'SYMBOLS',
    schema: Type.Array(Type.String()),
    expected: 'a comma-separated list',
    default: [],
  }),
};

describe('loadConfig', () => {
  it('parses and types values, applying defaults', () => {
    const c = loadConfig('t', spec, {
      FMP_API_KEY: 'k'.repeat(10),
      FMP_RATE_LIMIT_PER_MIN: '750',
      DRY_RUN: 'yes',
      SYMBOLS: 'AAPL, MSFT',
    });
    expect(c).toEqual({
      apiKey: 'kkkkkkkkkk',
      ratePerMin: 750,
      baseUrl: 'https://financialmodelingprep.com',
      dryRun: true,
      symbols: ['AAPL', 'MSFT'],
    });
  });

  it('names every problem at once with the expected form, never echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig('fmp-ingester', spec, {
        FMP_API_KEY: 'short',
        FMP_RATE_LIMIT_PER_MIN: 'fast',
        FMP_BASE_URL: 'ftp://x',
        DRY_RUN: 'maybe',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, problems } = error as ConfigError;
    expect(problems).toHaveLength(4);
    expect(message).toContain('Invalid configuration for fmp-ingester');
    expect(message).toMatch(/FMP_API_KEY: <secret> is invalid .*expected your FMP API key/);
    expect(message).toMatch(/FMP_RATE_LIMIT_PER_MIN: "fast" is invalid .*expected an integer from 1 to 3000/);
    expect(message).toMatch(/FMP_BASE_URL: "ftp:\/\/x" is invalid/);
    expect(message).toMatch(/DRY_RUN: "maybe" is invalid/);
    expect(message).not.toContain('short');
  });

  it('reports a missing required variable', () => {
    expect(() => loadConfig('t', spec, {})).toThrow(/FMP_API_KEY: missing; expected your FMP API key/);
  });

  it('rejects out-of-range numbers', () => {
    expect(() => loadConfig('t', spec, { FMP_API_KEY: 'x'.repeat(9), FMP_RATE_LIMIT_PER_MIN: '0' })).toThrow(
      /FMP_RATE_LIMIT_PER_MIN: "0"/,
    );
  });

  it('masks secrets when described', () => {
    const c = loadConfig('t', spec, { FMP_API_KEY: 'k'.repeat(10) });
    expect(describeConfig(spec, c).apiKey).toBe('<secret>');
  });

  it('checks a rule across settings once every setting is valid, and reports it with the others', () => {
    const paidPlan = (c: { ratePerMin: number }) =>
      c.ratePerMin > 600 ? ['FMP_RATE_LIMIT_PER_MIN: above 600 needs a paid plan; lower it'] : [];
    const key = { FMP_API_KEY: 'k'.repeat(10) };
    expect(() => loadConfig('t', spec, { ...key, FMP_RATE_LIMIT_PER_MIN: '700' }, paidPlan)).toThrow(
      /Invalid configuration for t:\n {2}- FMP_RATE_LIMIT_PER_MIN: above 600 needs a paid plan/,
    );
    expect(loadConfig('t', spec, { ...key, FMP_RATE_LIMIT_PER_MIN: '300' }, paidPlan).ratePerMin).toBe(300);
    // A variable already invalid: only its own problem, not a rule's guess from a half-read config.
    expect(() => loadConfig('t', spec, {}, () => ['never shown'])).toThrow(/^(?![\s\S]*never shown)/);
  });
});
