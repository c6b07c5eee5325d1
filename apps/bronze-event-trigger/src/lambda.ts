/** AWS Lambda entry point (EventBridge target for the bronze bucket's Object Created events). */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createClient, getSecretString } from '@finlake/aws';
import { createLogger } from '@finlake/logging';
import { DEPLOYMENTS, deploymentPath } from '@finlake/platform';
import { PrefectApi } from '@finlake/prefect-api';
import { handleObjectCreated } from './trigger.ts';

const logger = createLogger({ service: 'bronze-event-trigger', pretty: false });
// The self-hosted server's basic-auth string, read once per cold start from Secrets Manager (never an
// environment value visible in the Lambda console).
const authSecret = process.env.PREFECT_API_AUTH_STRING_SECRET_ID;
const authString = authSecret
  ? await getSecretString(createClient(SecretsManagerClient), authSecret)
  : process.env.PREFECT_API_AUTH_STRING || undefined;
const api = new PrefectApi({ ...apiUrlFromEnv(), authString });
const deployment =
  process.env.FINLAKE_TRIGGER_DEPLOYMENT ?? deploymentPath(DEPLOYMENTS.bronzeToSilverOnEvent);

function apiUrlFromEnv() {
  const apiUrl = process.env.PREFECT_API_URL;
  if (!apiUrl)
    throw new Error(
      'PREFECT_API_URL is not set: the Prefect API of this stack (https://prefect.<domain>/api)',
    );
  return { apiUrl };
}

export const handler = (event: unknown) => handleObjectCreated(event, { api, deployment, logger });
