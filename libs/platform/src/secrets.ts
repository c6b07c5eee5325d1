/** Secrets Manager names: `/{env}/{service}/{name}`. Infra creates exactly these; services read them. */
export interface SecretRef {
  readonly service: string;
  readonly name: string;
  readonly description: string;
}

export const SECRETS = {
  fmpApiKey: { service: 'fmp', name: 'api_key', description: 'Financial Modeling Prep API key' },
  slackWebhookUrl: {
    service: 'slack',
    name: 'webhook_url',
    description: 'Slack incoming webhook for pipeline alerts',
  },
  prefectApiAuthString: {
    service: 'prefect',
    name: 'api_auth_string',
    description: 'Prefect server basic auth (user:password), generated',
  },
  prefectDatabaseUrl: {
    service: 'prefect',
    name: 'database_url',
    description: 'Prefect server PostgreSQL URL, generated',
  },
} as const satisfies Record<string, SecretRef>;
export type SecretId = keyof typeof SECRETS;

export const SECRET_NAME_TEMPLATE = '/{env}/{service}/{name}';

export function secretName(env: string, service: string, name: string): string {
  for (const [what, v] of [
    ['env', env],
    ['service', service],
    ['name', name],
  ] as const) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(v))
      throw new Error(`secret ${what} ${JSON.stringify(v)} must match [a-z0-9][a-z0-9_-]*`);
  }
  return `/${env}/${service}/${name}`;
}

/** `/{env}/fmp/api_key`: a secret's name with the environment left open, for messages. */
export const secretNamePattern = (id: SecretId) =>
  SECRET_NAME_TEMPLATE.replace('{service}', SECRETS[id].service).replace('{name}', SECRETS[id].name);

export const secretNameOf = (env: string, id: SecretId) =>
  secretName(env, SECRETS[id].service, SECRETS[id].name);
