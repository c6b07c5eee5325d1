import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsSettingsFromEnv, createClient, getSecretString } from '@finlake/aws';
import type { SecretResolver } from './sync.ts';

/** `/dev/prefect/slack_webhook_url` -> `FINLAKE_SECRET_DEV_PREFECT_SLACK_WEBHOOK_URL` (local stand-in for Secrets Manager). */
export function envVarFor(secretName: string): string {
  return `FINLAKE_SECRET_${secretName
    .replace(/^\/+/, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase()}`;
}

export function secretResolver(source: 'env' | 'aws', env: NodeJS.ProcessEnv = process.env): SecretResolver {
  if (source === 'env') {
    return async (name) => {
      const v = env[envVarFor(name)];
      if (!v) throw new Error(`set ${envVarFor(name)} (the local stand-in for Secrets Manager ${name})`);
      return v;
    };
  }
  const client = createClient(SecretsManagerClient, awsSettingsFromEnv(env));
  return (name) => getSecretString(client, name);
}
