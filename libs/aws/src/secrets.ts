import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Names come from the platform contract (`/{env}/{service}/{name}`). */
export { secretName } from '@finlake/platform';

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
