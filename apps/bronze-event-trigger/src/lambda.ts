/** AWS Lambda entry point (EventBridge target for the bronze bucket's Object Created events). */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createClient, getSecretString } from '@finlake/aws';
import { describeConfig, loadConfigOrExit } from '@finlake/config';
import { createLogger } from '@finlake/logging';
import { PrefectApi } from '@finlake/prefect-api';
import { triggerConfigSpec } from './config.ts';
import { handleObjectCreated } from './trigger.ts';

const logger = createLogger({ service: 'bronze-event-trigger', pretty: false });
// A bad configuration exits 78 (EX_CONFIG) with every problem named, before any event is taken.
const config = loadConfigOrExit('bronze-event-trigger', triggerConfigSpec);
logger.info({ config: describeConfig(triggerConfigSpec, config) }, 'configured');
// The self-hosted server's basic-auth string, read once per cold start from Secrets Manager (never an
// environment value visible in the Lambda console).
const authString = config.authSecretId
  ? await getSecretString(createClient(SecretsManagerClient), config.authSecretId)
  : config.authString || undefined;
const api = new PrefectApi({ apiUrl: config.prefectApiUrl, authString });

export const handler = (event: unknown) =>
  handleObjectCreated(event, { api, deployment: config.deployment, logger });
