/**
 * The Prefect blocks each environment needs, declared here and nowhere else. Secret values are
 * never written down: `{ $secret: '/{env}/prefect/...' }` names a Secrets Manager secret resolved at
 * sync time (locally from FINLAKE_SECRET_* variables). `{ $block: ... }` references another block.
 */
export type Env = 'local' | 'dev' | 'staging' | 'prod';
export const ENVS: readonly Env[] = ['local', 'dev', 'staging', 'prod'];

export interface SecretRef {
  $secret: string;
}
export interface BlockRef {
  $block: { type: string; name: string };
}
export type Value =
  | string
  | number
  | boolean
  | null
  | Value[]
  | { [k: string]: Value }
  | SecretRef
  | BlockRef;

export interface BlockDecl {
  type: string;
  name: string;
  data: Record<string, Value>;
}

/** Block types blocks-sync manages: --prune only ever deletes blocks of these types. */
export const MANAGED_TYPES = ['aws-credentials', 's3-bucket', 'local-file-system', 'custom-webhook'] as const;

const slackAlerts = (env: Env): BlockDecl => ({
  type: 'custom-webhook',
  name: 'slack-alerts',
  data: {
    name: 'slack-alerts',
    url: { $secret: `/${env}/prefect/slack_webhook_url` },
    method: 'POST',
    json_data: { text: '*{{subject}}*\n{{body}}' },
    timeout: 10,
    allow_private_urls: env === 'local',
  },
});

export function declarations(
  env: Env,
  options: { region?: string; localResultsDir?: string } = {},
): BlockDecl[] {
  if (env === 'local') {
    return [
      {
        type: 'local-file-system',
        name: 'finlake-results',
        data: { basepath: options.localResultsDir ?? '.lake/_state/prefect-results' },
      },
      slackAlerts(env),
    ];
  }
  return [
    // No keys: tasks assume their IAM role through the default credential chain.
    { type: 'aws-credentials', name: 'finlake-aws', data: { region_name: options.region ?? 'us-east-1' } },
    {
      type: 's3-bucket',
      name: 'finlake-results',
      data: {
        bucket_name: `finlake-${env}-artifacts`,
        bucket_folder: 'prefect-results',
        credentials: { $block: { type: 'aws-credentials', name: 'finlake-aws' } },
      },
    },
    slackAlerts(env),
  ];
}
