import Type from 'typebox';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsSettingsFromEnv, createClient, getSecretString } from '@finlake/aws';
import { secretNameOf, secretNamePattern } from '@finlake/platform';
import { ConfigError, loadConfig, setting } from '@finlake/config';

export const ingesterConfigSpec = {
  env: setting({
    env: 'FINLAKE_ENV',
    schema: Type.String({ pattern: '^(local|dev|staging|prod)$' }),
    expected: 'one of local, dev, staging, prod',
    default: 'local',
  }),
  apiKey: setting({
    env: 'FMP_API_KEY',
    schema: Type.String({ minLength: 1, pattern: '^\\S+$' }),
    expected: `your FMP API key (in AWS leave it unset: it is read from Secrets Manager ${secretNamePattern('fmpApiKey')})`,
    default: '',
    secret: true,
  }),
  apiKeySecretId: setting({
    env: 'FMP_API_KEY_SECRET_ID',
    schema: Type.String({ minLength: 1 }),
    expected: 'a Secrets Manager secret name or ARN holding the FMP API key',
    default: '',
  }),
  baseUrl: setting({
    env: 'FMP_BASE_URL',
    schema: Type.String({ pattern: '^https?://[^\\s/]+(:\\d+)?/?$' }),
    expected:
      'the API origin, e.g. https://financialmodelingprep.com or http://127.0.0.1:8089 for the sandbox',
    default: 'https://financialmodelingprep.com',
  }),
  ratePerMin: setting({
    env: 'FMP_RATE_LIMIT_PER_MIN',
    schema: Type.Integer({ minimum: 1, maximum: 3000 }),
    expected: "your plan's calls per minute, 1-3000 (Starter 300, Premium 750, Ultimate 3000)",
    default: 300,
  }),
  concurrency: setting({
    env: 'FMP_CONCURRENCY',
    schema: Type.Integer({ minimum: 1, maximum: 64 }),
    expected: 'calls in flight at once, 1-64',
    default: 8,
  }),
  timeoutMs: setting({
    env: 'FMP_TIMEOUT_MS',
    schema: Type.Integer({ minimum: 100, maximum: 600_000 }),
    expected: 'per-request timeout in ms, 100-600000',
    default: 30_000,
  }),
  maxAttempts: setting({
    env: 'FMP_MAX_ATTEMPTS',
    schema: Type.Integer({ minimum: 1, maximum: 20 }),
    expected: 'attempts per call including the first, 1-20',
    default: 6,
  }),
  backoffBaseMs: setting({
    env: 'FMP_BACKOFF_BASE_MS',
    schema: Type.Integer({ minimum: 1, maximum: 60_000 }),
    expected: 'first backoff ceiling in ms',
    default: 500,
  }),
  backoffCapMs: setting({
    env: 'FMP_BACKOFF_CAP_MS',
    schema: Type.Integer({ minimum: 1, maximum: 600_000 }),
    expected: 'largest backoff in ms',
    default: 30_000,
  }),
};

export type IngesterConfig = ReturnType<typeof loadIngesterConfig> & { apiKey: string };

export function loadIngesterConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig('fmp-ingester', ingesterConfigSpec, env);
  if (!config.apiKey && config.env === 'local' && !config.apiKeySecretId) {
    throw new ConfigError('fmp-ingester', [
      'FMP_API_KEY: missing; expected your FMP API key (for the local sandbox: the key it was started with, default sandbox-key)',
    ]);
  }
  return config;
}

/** The FMP client's pacing, timeouts and retries from the shared settings (the connector's and the news producer's). */
export function fmpClientOptions(
  config: Pick<
    ReturnType<typeof loadIngesterConfig>,
    'baseUrl' | 'ratePerMin' | 'timeoutMs' | 'maxAttempts' | 'backoffBaseMs' | 'backoffCapMs'
  >,
  apiKey: string,
) {
  return {
    baseUrl: config.baseUrl,
    apiKey,
    ratePerMin: config.ratePerMin,
    timeoutMs: config.timeoutMs,
    maxAttempts: config.maxAttempts,
    backoffBaseMs: config.backoffBaseMs,
    backoffCapMs: config.backoffCapMs,
  };
}

/** The key from the environment, else from Secrets Manager (the contract's fmpApiKey secret unless FMP_API_KEY_SECRET_ID says otherwise). */
export async function resolveApiKey(
  config: Pick<ReturnType<typeof loadIngesterConfig>, 'apiKey' | 'apiKeySecretId' | 'env'>,
  env = process.env,
): Promise<string> {
  if (config.apiKey) return config.apiKey;
  const name = config.apiKeySecretId || secretNameOf(config.env, 'fmpApiKey');
  return getSecretString(createClient(SecretsManagerClient, awsSettingsFromEnv(env)), name);
}
