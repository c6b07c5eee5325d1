import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Secrets Manager names follow `/{env}/{service}/{name}`, e.g. `/prod/fmp/api_key`. */
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

/** Reads a string secret; errors name the secret (never its value) and what to check. */
export async function getSecretString(client: SecretsManagerClient, name: string): Promise<string> {
  let out;
  try {
    out = await client.send(new GetSecretValueCommand({ SecretId: name }));
  } catch (err) {
    const code = (err as { name?: string }).name ?? 'Error';
    throw new Error(
      `could not read secret ${name} from Secrets Manager (${code}); check that it exists and the task role may read it`,
      { cause: err },
    );
  }
  if (!out.SecretString) throw new Error(`secret ${name} has no string value; store it as plain text`);
  return out.SecretString;
}
