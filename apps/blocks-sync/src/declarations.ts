import { ARTIFACTS, BLOCKS, secretNameOf } from '@finlake/platform';

/**
 * The Prefect blocks each environment needs, declared here and nowhere else. Secret values are
 * never written down: `{ $secret: '/{env}/slack/...' }` names a Secrets Manager secret (the one infra creates, by the contract) resolved at
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
  type: BLOCKS.slackAlerts.type,
  name: BLOCKS.slackAlerts.name,
  data: {
    name: BLOCKS.slackAlerts.name,
    url: { $secret: secretNameOf(env, 'slackWebhookUrl') },
    method: 'POST',
    json_data: { text: '*{{subject}}*\n{{body}}' },
    timeout: 10,
    allow_private_urls: env === 'local',
  },
});

export function declarations(
  env: Env,
  options: { region?: string; localResultsDir?: string; resultsBucket?: string } = {},
): BlockDecl[] {
  if (env === 'local') {
    return [
      {
        type: 'local-file-system',
        name: BLOCKS.results.name,
        data: { basepath: options.localResultsDir ?? '.lake/_state/prefect-results' },
      },
      slackAlerts(env),
    ];
  }
  if (!options.resultsBucket)
    throw new Error(
      `blocks for ${env} need the stack's artefacts bucket (pulumi stack output artefactsBucket)`,
    );
  const aws = BLOCKS.awsCredentials;
  return [
    // No keys: tasks assume their IAM role through the default credential chain.
    { type: aws.type, name: aws.name, data: { region_name: options.region ?? 'us-east-1' } },
    {
      type: 's3-bucket',
      name: BLOCKS.results.name,
      data: {
        bucket_name: options.resultsBucket,
        bucket_folder: ARTIFACTS.prefectResults,
        credentials: { $block: { type: aws.type, name: aws.name } },
      },
    },
    slackAlerts(env),
  ];
}
